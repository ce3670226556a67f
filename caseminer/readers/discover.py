"""Expand the paths a user gives (files and folders) into the list of documents to read."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from caseminer.readers.errors import ReadError

# Suffixes read_path can read; folders expand to these.
SUPPORTED_SUFFIXES = (".txt", ".text", ".md", ".pdf")


def discover(
    paths: Iterable[str | Path], suffixes: Iterable[str] = SUPPORTED_SUFFIXES
) -> list[Path]:
    """Files as given, folders expanded recursively into their supported files (sorted).

    Hidden files and folders (".git", ".DS_Store") are skipped inside folders; a file named
    explicitly is kept whatever its suffix, so the reader can say why it cannot read it.
    Duplicates are dropped, first occurrence wins. A path that does not exist raises ReadError.
    """
    wanted = {s.lower() for s in suffixes}
    found: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in wanted
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.exists():
            candidates = [path]
        else:
            raise ReadError(path, "no such file or directory")
        for p in candidates:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                found.append(p)
    return found
