"""SourceText: what every reader returns, and what every output offset points into."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


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
    # Where the text was printed (PDF): (start, end, page, line_id, x0, y0, x1, y1) pieces, boxes
    # in PDF points with a top-left origin; see caseminer.readers.pdf.geometry
    geometry: tuple[tuple[int, int, int, int, float, float, float, float], ...] = ()

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

    @cached_property
    def _box_index(self) -> Any:
        from caseminer.readers.boxes import BoxIndex

        return BoxIndex(self.geometry)

    def boxes(self, start: int, end: int) -> list[dict[str, Any]]:
        """Boxes (page, x0, y0, x1, y1) of the printed lines holding text[start:end]; empty for
        plain text. Used by the assembly for every item's `boxes`."""
        if not self.geometry:
            return []
        return self._box_index.boxes(start, end)
