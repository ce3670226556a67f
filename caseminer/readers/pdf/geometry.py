"""Where each piece of the composed PDF text was printed: word and cell boxes with offsets.

Why: a reviewer must see *where on the page* a fact was printed, so every word of the text the
reader lays out keeps its box. A piece is (start, end, page, line_id, x0, y0, x1, y1): character
offsets relative to the string it was rendered into, the 1-based page, an id shared by the
pieces of one printed line, and the box in PDF points with a top-left origin (y grows down, as
on a rendered page image). caseminer.readers.boxes turns pieces into evidence boxes.
"""

from __future__ import annotations

from itertools import count

from caseminer.readers.pdf.layout import Word
from caseminer.readers.pdf.words import normalize_chars, render_words

Piece = tuple[int, int, int, int, float, float, float, float]

_IDS = count(1)


def new_line_id() -> int:
    """A fresh id for one printed line (unique within the process)."""
    return next(_IDS)


def _box(words: list[Word], height: float) -> tuple[float, float, float, float]:
    return (
        min(w.x0 for w in words),
        height - max(w.y1 for w in words),
        max(w.x1 for w in words),
        height - min(w.y0 for w in words),
    )


def word_pieces(
    text: str, words: list[Word], page: int, height: float, line_id: int
) -> list[Piece]:
    """Pieces of one rendered line: each word found in `text`, left to right, with its box.

    A word the rendering changed beyond recognition is skipped; its neighbours still place the
    evidence on the line.
    """
    out: list[Piece] = []
    cursor = 0
    for w in words:
        shown = normalize_chars(w.text)
        if not shown:
            continue
        at = text.find(shown, cursor)
        if at < 0:
            continue
        out.append((at, at + len(shown), page, line_id, w.x0, height - w.y1, w.x1, height - w.y0))
        cursor = at + len(shown)
    return out


def cell_pieces(
    start: int,
    text: str,
    fragments: list[tuple[int, list[Word]]],
    page: int,
    height: float,
) -> list[Piece]:
    """Pieces of one table cell rendered at `start`: one per printed line of the cell.

    `fragments` are (line_id, words) of each printed line, top to bottom; the cell's characters
    are shared among them in proportion to their rendered lengths (a wrapped "C-reacti" / "ve
    protein" gives two boxes, one per line).
    """
    lengths = [max(1, len(render_words(ws))) for _, ws in fragments]
    total = sum(lengths)
    out: list[Piece] = []
    pos = start
    for k, ((line_id, ws), n) in enumerate(zip(fragments, lengths, strict=True)):
        end = start + len(text) if k == len(fragments) - 1 else pos + round(n * len(text) / total)
        x0, y0, x1, y1 = _box(ws, height)
        out.append((pos, max(end, pos + 1), page, line_id, x0, y0, x1, y1))
        pos = end
    return out


def shift(pieces: list[Piece], offset: int) -> list[Piece]:
    """Pieces moved by `offset`."""
    if not offset:
        return pieces
    return [(s + offset, e + offset, *rest) for s, e, *rest in pieces]


def clamp(pieces: list[Piece], limit: int) -> None:
    """End the last pieces at `limit` in place (a line-end hyphen dropped when the next line was
    joined). Pieces are in text order, so only the tail is looked at."""
    while pieces and pieces[-1][1] > limit:
        s, _, *rest = pieces[-1]
        if s >= limit:
            pieces.pop()
            continue
        pieces[-1] = (s, limit, *rest)
        break
