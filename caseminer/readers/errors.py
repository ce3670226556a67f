"""ReadError: one clear line naming the file and the reason."""

from __future__ import annotations

from pathlib import Path


class ReadError(Exception):
    """An input that cannot be read. str() is one line: '<path>: <reason>'."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
