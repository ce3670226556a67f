"""Tables: rows of cells out, one record per line, label/value column pairs unfolded.

Why: lab tables in case reports often pack several (variable, value) pairs side by side
("Creatinine 0.3 mg/dL | Potassium 3.3 mEq/L | Phosphorus 4.1 mg/dL"). Read across, the pairs run
together; read by stream order, cells scatter. Here a table is rows of cell segments; when the
header repeats a pattern of k cells ("Variables Values Variables Values ..."), each row is cut into
groups of k cells and every group becomes its own line, so a lab extractor sees
"analyte <TAB> value unit <TAB> reference range" per line.
"""

from __future__ import annotations

from caseminer.readers.pdf.layout import Segment
from caseminer.readers.pdf.words import join_hyphenated, render_words

CELL_SEP = "\t"


def header_period(cells: list[str]) -> int:
    """Smallest k such that the header is one pattern of k cells repeated (k = len if none)."""
    keys = [c.strip().lower() for c in cells]
    n = len(keys)
    for k in range(1, n // 2 + 1):
        if n % k == 0 and all(keys[i] == keys[i % k] for i in range(n)):
            return k
    return n


def _anchors(rows: list[list[Segment]]) -> list[float]:
    """Column left edges: the x0 of each cell in the row with the most cells."""
    widest = max(rows, key=len)
    return [s.x0 for s in widest]


def _column_of(seg: Segment, anchors: list[float]) -> int:
    """Index of the last anchor at or left of the cell (with a little slack)."""
    col = 0
    for i, a in enumerate(anchors):
        if seg.x0 >= a - 4.0:
            col = i
    return col


def _height(row: list[Segment]) -> float:
    return max(s.y1 for s in row) - min(s.y0 for s in row)


def logical_rows(rows: list[list[Segment]]) -> list[list[list[Segment]]]:
    """Group physical rows into table rows: a cell that wraps onto a second line continues its row.

    A wrapped line sits as close under the previous one as lines of a paragraph (gap under a
    quarter of the line height), while table rows are spaced further apart; when every gap is
    of the same kind no row is merged.
    """
    if len(rows) < 2:
        return [[r] for r in rows]
    heights = sorted(_height(r) for r in rows)
    h = heights[len(heights) // 2]
    gaps = [
        min(s.y0 for s in a) - max(s.y1 for s in b) for a, b in zip(rows, rows[1:], strict=False)
    ]
    if max(gaps) < 0.5 * h:
        return [[r] for r in rows]
    groups = [[rows[0]]]
    for gap, row in zip(gaps, rows[1:], strict=True):
        if gap < 0.25 * h:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _join_fragments(parts: list[str], vocab: dict[str, int]) -> str:
    """Join a wrapped cell's lines: 'Creatini' + 'ne' is one word when the document knows it."""
    out = ""
    for part in parts:
        if not out:
            out = part
            continue
        head, _, _ = out.rpartition(" ")
        last = out.rsplit(" ", 1)[-1]
        first = part.split(" ", 1)[0]
        if out.endswith("-") and last[:-1].isalpha():
            out = (head + " " if head else "") + join_hyphenated(last, part, vocab)
        elif last.isalpha() and first.isalpha() and _same_word(last, first, vocab):
            out += part
        else:
            out += " " + part
    return out


_SHORT_WORDS = frozenset({"of", "in", "and", "to", "the", "per", "at", "on", "or", "by", "for"})


def _same_word(last: str, first: str, vocab: dict[str, int]) -> bool:
    """Was a word cut by a narrow cell? Known to the document joined, or a 1-3 letter tail."""
    if vocab.get((last + first).lower(), 0) > 0:
        return True
    return first.islower() and len(first) <= 3 and first not in _SHORT_WORDS


def table_lines(rows: list[list[Segment]], vocab: dict[str, int] | None = None) -> list[str]:
    """Render table rows as lines of TAB-separated cells; repeated header pairs unfolded."""
    vocab = vocab or {}
    anchors = _anchors(rows)
    header = [render_words(s.words) for s in rows[0]]
    k = header_period(header) if len(header) == len(anchors) else len(anchors)
    groups = max(1, len(anchors) // k) if k < len(anchors) else 1
    lines: list[str] = []
    for r, group in enumerate(logical_rows(rows)):
        cells: list[list[str]] = [[] for _ in anchors]
        for row in group:
            for seg in row:
                cells[_column_of(seg, anchors)].append(render_words(seg.words))
        texts = [_join_fragments(c, vocab) for c in cells]
        if groups == 1:
            lines.append(CELL_SEP.join(texts).strip(CELL_SEP))
            continue
        if r == 0:
            lines.append(CELL_SEP.join(texts[:k]))
            continue
        for g in range(groups):
            part = texts[g * k : (g + 1) * k]
            if any(part):
                lines.append(CELL_SEP.join(part).strip(CELL_SEP))
    return lines
