"""Rules and vocabularies as data: one folder per concern (labs, imaging, clinical, context, ...),
each with a README saying what its files hold and how to add an entry.

This module is the one way code finds and reads them. Every component that is built from data takes
a ``patterns_dir`` config key: ``None`` means the packaged folder of its concern, a path means a
folder laid out like it (so a user can point a component at an edited copy). Nothing here caches:
callers load once, when their component is built, which keeps two components pointed at two
folders independent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import srsly

PATTERNS_DIR = Path(__file__).resolve().parent


def concern_dir(concern: str, patterns_dir: str | Path | None = None) -> Path:
    """The folder of a concern: ``patterns_dir`` when given, else the packaged one."""
    return Path(patterns_dir) if patterns_dir else PATTERNS_DIR / concern


def pattern_path(concern: str, name: str, patterns_dir: str | Path | None = None) -> Path:
    """Path of one data file of a concern (it may not exist)."""
    return concern_dir(concern, patterns_dir) / name


def read_json(concern: str, name: str, patterns_dir: str | Path | None = None) -> Any:
    """A JSON data file of a concern, parsed."""
    return srsly.read_json(pattern_path(concern, name, patterns_dir))


def read_jsonl(concern: str, name: str, patterns_dir: str | Path | None = None) -> Iterator[Any]:
    """The rows of a JSONL data file of a concern (blank lines skipped)."""
    return srsly.read_jsonl(pattern_path(concern, name, patterns_dir), skip=False)
