"""Readers: a path in, one SourceText out (.txt/.text/.md text files; .pdf via readers.pdf)."""

from __future__ import annotations

from pathlib import Path

from caseminer.readers.discover import SUPPORTED_SUFFIXES, discover
from caseminer.readers.errors import ReadError
from caseminer.readers.source import SourceText
from caseminer.readers.text import read_text_file


def read_path(path: str | Path) -> SourceText:
    """Read one file into a SourceText, choosing the reader by suffix.

    Raises ReadError (with the path and the reason) for anything that cannot be read.
    """
    p = Path(path)
    if p.suffix.lower() == ".pdf":
        from caseminer.readers.pdf.reader import read_pdf  # pypdfium2 only when a PDF is read

        return read_pdf(p)
    return read_text_file(p)


__all__ = [
    "ReadError",
    "SourceText",
    "SUPPORTED_SUFFIXES",
    "discover",
    "read_path",
    "read_text_file",
]
