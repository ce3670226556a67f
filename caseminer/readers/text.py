"""Plain-text reader: UTF-8 (with or without BOM), a fallback that never crashes, clear errors.

Offsets in the output point into the decoded text exactly as read (line endings untouched), so the
reader never rewrites content: repairs happen later, with a map (caseminer.repair).
"""

from __future__ import annotations

import codecs
from pathlib import Path

from caseminer.readers.errors import ReadError
from caseminer.readers.source import SourceText

# Share of control characters (other than tab, newline, carriage return, form feed) above which
# a decoded file is binary content rather than text.
MAX_CONTROL_RATIO = 0.05
CONTROL_CHARS = frozenset(chr(c) for c in range(32)) - set("\t\n\r\f\v")
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_bytes(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes: UTF-8 (BOM stripped), UTF-16 with a BOM, else cp1252, else latin-1.

    Never raises; any fallback adds a warning naming the first undecodable byte.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, [f"not valid UTF-8 (byte {first_bad}); decoded as {encoding}"]
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def looks_binary(data: bytes, text: str) -> bool:
    """NUL bytes (outside UTF-16) or many control characters: not a text file."""
    if b"\x00" in data[:8192] and not data.startswith(UTF16_BOMS):
        return True
    sample = text[:8192]
    if not sample:
        return False
    controls = sum(ch in CONTROL_CHARS for ch in sample)
    return controls / len(sample) > MAX_CONTROL_RATIO


def read_text_file(path: str | Path) -> SourceText:
    """Read a text file into a SourceText.

    Raises ReadError (one line: '<path>: <reason>') for a missing file, a directory, an unreadable
    file, an empty file and binary content. Undecodable bytes only produce a warning.
    """
    path = Path(path)
    if not path.exists():
        raise ReadError(path, "no such file")
    if path.is_dir():
        raise ReadError(path, "is a directory, not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(path, f"cannot read: {exc.strerror or exc}") from exc
    if not data.strip():
        raise ReadError(path, "empty file" if not data else "empty file (whitespace only)")
    text, warnings = decode_bytes(data)
    if looks_binary(data, text):
        raise ReadError(path, "binary content, not a text file")
    return SourceText(text=text, format="txt", path=str(path), warnings=tuple(warnings))
