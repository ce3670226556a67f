"""An output and its manifest record become visible together, and a kill -9 loses no finished work.

Why: a worker used to write OUT/<stem>.json itself, and the parent appended the manifest record
when the result came back. Killed in between, OUT held an output that no record vouched for, and
the resume redid it. Now a worker writes a staged file, OUT/.<stem>.json.<sha16>.part (hidden, so
no `*.json` glob and no folder discovery sees it), and the parent, once the record is on disk,
renames it to OUT/<stem>.json. After a kill:

- record on disk, rename not done: the resume finds the staged file and finishes the rename;
- no record, staged file complete (it is written atomically): the resume adopts it when its name
  carries the input's SHA-256 and its JSON was made by this caseminer version with the same
  --include-text; anything else is deleted and redone.
"""

from __future__ import annotations

import json
from pathlib import Path

from caseminer._version import __version__
from caseminer.batch import io as batch_io
from caseminer.batch.worker import FACT_TYPES

PART = ".part"


def staged_location(final: str, sha256: str) -> str:
    """Where a worker writes the output that will become `final` (same folder, hidden)."""
    if batch_io.is_url(final):
        base, name = final.rsplit("/", 1)
        return f"{base}/.{name}.{sha256[:16]}{PART}"
    path = Path(final)
    return str(path.with_name(f".{path.name}.{sha256[:16]}{PART}"))


def adopt(staged: str, key: str, sha256: str, final: str, include_text: bool) -> dict | None:
    """The manifest record of a finished staged output, or None when it cannot be trusted."""
    if not batch_io.exists(staged):
        return None
    try:
        report = json.loads(batch_io.read_text(staged))
        document = report["document"]
        version = report["provenance"]["caseminer_version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if version != __version__ or (document.get("text") is not None) != include_text:
        return None
    return {
        "input": key,
        "sha256": sha256,
        "status": "done",
        "stage": "done",
        "error": None,
        "output": final,
        "doc_id": document.get("id"),
        "pages": document.get("pages"),
        "n_chars": document.get("n_chars"),
        "counts": {name: len(report.get(name) or []) for name in FACT_TYPES},
        "seconds": {"total": 0.0},
        "adopted": True,
    }


def sweep(folder: str, keep: set[str]) -> int:
    """Delete staged files in a local folder that no task or adoption uses; return how many."""
    if batch_io.is_url(folder) or not Path(folder).is_dir():
        return 0
    removed = 0
    for path in Path(folder).glob(f".*{PART}*"):  # staged files and their atomic-write temps
        if str(path) not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
