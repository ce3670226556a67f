"""SourceText: what every reader returns, and what every output offset points into."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceText:
    """The text of one input document, exactly as the reader produced it.

    `text` is the string that output offsets index: a .txt file's decoded content as read, or the
    text a PDF reader laid out. `page_starts` gives the character offset where each page begins
    (empty for plain text), so a span can be mapped to its page.
    """

    text: str
    format: str = "string"  # "txt" | "pdf" | "string"
    path: str | None = None
    page_starts: tuple[int, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    # Offset -> block kind hints from layout-aware readers, e.g. [(start, end, "figure_caption")]
    blocks: tuple[tuple[int, int, str], ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def n_pages(self) -> int | None:
        return len(self.page_starts) or None

    def page_of(self, char: int) -> int | None:
        """1-based page number holding character `char` (None for plain text)."""
        if not self.page_starts:
            return None
        return max(1, bisect_right(self.page_starts, char))
