"""Paths every test may need: the repository, ../shared and the seed report.

One definition, so a test file can move between folders without recounting ``parents[N]``.
Tests that read ../shared skip when it is absent (see the fixtures in conftest.py).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "tumoral-calcinosis-case-report.txt"
MACCROBAT = SHARED / "corpora" / "external" / "maccrobat2020_dev.jsonl"
