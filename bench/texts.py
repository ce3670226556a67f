"""The benchmark's texts: the MACCROBAT dev half plus the seed report, whichever are present.

Resolved relative to the repository (``../shared``), so the benchmark runs from any directory.
"""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MACCROBAT_DEV = SHARED / "corpora" / "external" / "maccrobat2020_dev.jsonl"
SEED = SHARED / "seeds" / "tumoral-calcinosis-case-report.txt"


def bench_texts(limit: int | None = None) -> tuple[list[str], list[str]]:
    """(texts, names of the sources used); missing sources are skipped."""
    texts: list[str] = []
    used: list[str] = []
    if MACCROBAT_DEV.exists():
        with MACCROBAT_DEV.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()]
        used.append(MACCROBAT_DEV.name)
    if SEED.exists():
        texts.append(SEED.read_text(encoding="utf-8"))
        used.append(SEED.name)
    return (texts[:limit] if limit else texts), used
