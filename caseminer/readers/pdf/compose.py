"""Reading order and text assembly: pages of segments -> one text with page starts and blocks.

Why: this is where a page becomes what a careful reader would copy out. Within a page, rows that
cross the column gutter (title, abstract, wide tables) cut it into bands; in each band the left
column is read before the right. Lines of a paragraph are joined with spaces (line-end hyphens
resolved), paragraphs, headings, captions and table rows are separated by blank lines, and every
paragraph is recorded as a (start, end, kind) block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from caseminer.readers.pdf.geometry import (
    Piece,
    cell_pieces,
    clamp,
    new_line_id,
    shift,
    word_pieces,
)
from caseminer.readers.pdf.layout import Page, Segment, find_gutter
from caseminer.readers.pdf.tables import table_rows
from caseminer.readers.pdf.words import join_hyphenated, nfc, render_words, word_counts

_CAPTION = re.compile(
    r"^(?P<kind>fig(?:ure)?s?|table|scheme|supplementary\s+(?:figure|table))\.?\s*"
    r"[A-Z]?\d+[A-Za-z]?(\s*[.:|\u2013\u2014-]|\s+(?=[A-Z(]))",
    re.IGNORECASE,
)
_END = re.compile(r"[.!?:]['\")\]]?$")
_LIST_MARKER = re.compile(r"^(\[?\d{1,3}[.)\]]|[•·▪◦*\u2013-]|[a-z][.)])$")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    page: int
    column: str  # "full", "single", "left", "right"
    cells: int = 1
    words: list = field(default_factory=list)  # the Words it was rendered from (their boxes)


@dataclass
class Item:
    """A line of running text, or a whole table (rows of segments)."""

    page: int
    line: Line | None = None
    table: list[list[Segment]] | None = None


def _line(segs: list[Segment], page: int, column: str) -> Line:
    words = [w for s in segs for w in s.words]
    body = [w for w in words if not w.sup] or words
    return Line(
        text=nfc(render_words(words)),
        x0=min(w.x0 for w in words),
        x1=max(w.x1 for w in words),
        y0=min(w.y0 for w in body),
        y1=max(w.y1 for w in body),
        size=max(w.size for w in body),
        page=page,
        column=column,
        cells=len(segs),
        words=words,
    )


def _aligned(a: list[Segment], b: list[Segment], need: int, tol: float = 3.0) -> bool:
    """Do at least `need` cells of row `a` start where a cell of row `b` starts?"""
    starts = [s.x0 for s in b]
    return sum(1 for s in a if any(abs(s.x0 - x) <= tol for x in starts)) >= need


def _cells(row: list[Segment]) -> int:
    """Cell count of a row; a list item ("12." + text) is one cell, not a table row."""
    if len(row) == 2 and _LIST_MARKER.match(row[0].text.strip()):
        return 1
    return len(row)


def _wrapped_rest(prev: list[Segment], row: list[Segment], cells: list[Segment]) -> bool:
    """A one-cell row right under `prev` that starts where one of `cells` starts."""
    height = max(s.y1 for s in prev) - min(s.y0 for s in prev)
    gap = min(s.y0 for s in prev) - max(s.y1 for s in row)
    return gap < 0.5 * height and _aligned(row, cells, 1)


def _table_runs(rows: list[list[Segment]], min_cells: int) -> set[int]:
    """Indexes of rows forming tables: 2+ consecutive multi-cell rows whose cells line up.

    Alignment is what separates a table from justified text whose wide word gaps split a line:
    those gaps fall at different x on every line.
    """
    rows = [r if _cells(r) > 1 else r[:1] for r in rows]
    out: set[int] = set()
    i = 0
    while i < len(rows) - 1:
        a = rows[i]
        if len(a) < min_cells:
            i += 1
            continue
        k = i + 1  # past the wrapped rests of a's cells ("Reference" / "range")
        while k < len(rows) - 1 and len(rows[k]) == 1 and _wrapped_rest(rows[k - 1], rows[k], a):
            k += 1
        b = rows[k]
        if len(a) >= min_cells and len(b) >= min_cells and _aligned(b, a, min_cells):
            j = k + 1
            run = [*a, *b]  # every cell seen in the run: the table's column starts
            while j < len(rows):
                prev = rows[j - 1]
                gap = min(s.y0 for s in prev) - max(s.y1 for s in rows[j])
                height = max(s.y1 for s in prev) - min(s.y0 for s in prev)
                if len(rows[j]) < 2:
                    # one cell right under the last row: a wrapped cell ("Creatini" / "ne")
                    if gap < 0.25 * height and _aligned(rows[j], rows[i], 1):
                        j += 1
                        continue
                    break
                need = min(len(rows[j]), min_cells)
                if gap > 1.5 * height or not _aligned(rows[j], run, need):
                    break
                run.extend(rows[j])
                j += 1
            out.update(range(i, j))
            i = j
        else:
            i += 1
    return out


def _column_items(lines: list[tuple[Line, list[Segment]]], page: int) -> list[Item]:
    """A column's lines in order; runs of multi-cell lines inside the column become a table."""
    rows = [segs for _, segs in lines]
    in_table = _table_runs(rows, 2)
    items: list[Item] = []
    i = 0
    while i < len(lines):
        if i in in_table:
            j = i
            while j in in_table:
                j += 1
            items.append(Item(page, table=rows[i:j]))
            i = j
        else:
            items.append(Item(page, line=lines[i][0]))
            i += 1
    return items


def _spans_columns(row: list[Segment], gutter: float, left: float, right: float) -> bool:
    """Could this row be a full-width table row? Cells on both sides of the gutter, and neither
    side a single column-wide line of running text beside a table in the other column."""
    lefts = [s for s in row if s.x0 < gutter]
    rights = [s for s in row if s.x0 >= gutter]
    if len(lefts) + len(rights) < 3 or not lefts or not rights:
        return False
    for side, width in ((lefts, gutter - left), (rights, right - gutter)):
        if len(side) == 1 and side[0].x1 - side[0].x0 > 0.6 * width:
            return False
    return True


def page_gutter(page: Page) -> float | None:
    """The page's own column gutter (None for one column or too little text to tell)."""
    segs = [s for r in page.rows for s in r]
    if not segs:
        return None
    return find_gutter(page.rows, min(s.x0 for s in segs), max(s.x1 for s in segs))


def _fits(page: Page, gutter: float) -> bool:
    """Does the document's gutter suit this page (most lines stay on one side of it)?"""
    segs = [s for r in page.rows for s in r]
    crossing = sum(1 for s in segs if s.x0 < gutter < s.x1)
    return bool(segs) and crossing <= 0.3 * len(segs)


def order_page(page: Page, default_gutter: float | None = None) -> list[Item]:
    """Reading order of one page: bands cut by full-width rows; left column, then right.

    `default_gutter` (the gutter found on the document's other pages) is used when this page
    alone cannot show one, e.g. a last page whose right column holds three lines.
    """
    rows, notes = _split_footnotes(page)
    if not rows:
        rows, notes = page.rows, []
    if not rows:
        return []
    segs = [s for r in rows for s in r]
    left_edge, right_edge = min(s.x0 for s in segs), max(s.x1 for s in segs)
    gutter = find_gutter(rows, left_edge, right_edge)
    if gutter is None and default_gutter is not None and _fits(page, default_gutter):
        gutter = default_gutter
    wide = [
        i
        for i, r in enumerate(rows)
        if gutter is None or _spans_columns(r, gutter, left_edge, right_edge)
    ]
    tables = {wide[k] for k in _table_runs([rows[i] for i in wide], 3)}
    tables = {i for i in tables if i - 1 in tables or i + 1 in tables}
    tables = _extend_tables(rows, tables)
    items: list[Item] = []
    left: list[tuple[Line, list[Segment]]] = []
    right: list[tuple[Line, list[Segment]]] = []

    def flush() -> None:
        items.extend(_column_items(left, page.number))
        items.extend(_column_items(right, page.number))
        left.clear()
        right.clear()

    i = 0
    while i < len(rows):
        if i in tables:
            j = i
            while j in tables:
                j += 1
            flush()
            items.append(Item(page.number, table=rows[i:j]))
            i = j
            continue
        row = rows[i]
        i += 1
        if gutter is None:
            left.append((_line(row, page.number, "single"), row))
            continue
        if any(s.x0 < gutter < s.x1 for s in row):
            flush()
            items.append(Item(page.number, line=_line(row, page.number, "full")))
            continue
        lsegs = [s for s in row if s.x1 <= gutter]
        rsegs = [s for s in row if s.x0 >= gutter]
        if lsegs:
            left.append((_line(lsegs, page.number, "left"), lsegs))
        if rsegs:
            right.append((_line(rsegs, page.number, "right"), rsegs))
    flush()
    items.extend(Item(page.number, line=_line(r, page.number, "footnote")) for r in notes)
    return items


def _extend_tables(rows: list[list[Segment]], tables: set[int]) -> set[int]:
    """Add the rows under a table's rows that hold only wrapped cell rests ("protein", "ase").

    Why: such a row has one or two cells, so it is no table row by itself; it belongs to the
    table when it sits right under it and each of its cells starts at one of the table's
    column starts.
    """
    out = set(tables)
    for i in sorted(tables):
        if i + 1 in out:
            continue
        starts = [s.x0 for r in (rows[t] for t in out if t <= i) for s in r]
        j = i + 1
        while j < len(rows):
            prev, row = rows[j - 1], rows[j]
            height = max(s.y1 for s in prev) - min(s.y0 for s in prev)
            gap = min(s.y0 for s in prev) - max(s.y1 for s in row)
            aligned = all(_in_column(s, starts, len(row) > 1) for s in row)
            if gap > 1.0 * height or not aligned:
                break
            out.add(j)
            j += 1
    return out


def _in_column(seg: Segment, starts: list[float], row_of_cells: bool) -> bool:
    """Does a segment start at one of a table's column starts (and, alone on its row, end
    before the next one)? A line of running text under a table may start at its first column
    but runs across the others."""
    if not any(abs(seg.x0 - x) <= 3.0 for x in starts):
        return False
    if row_of_cells:
        return True
    right = [x for x in starts if x > seg.x0 + 3.0]
    return not right or seg.x1 <= min(right) + 2.0


def _split_footnotes(page: Page) -> tuple[list[list[Segment]], list[list[Segment]]]:
    """Small print at the foot of a page (correspondence, affiliations) read after the columns.

    A footnote row sits in the bottom 15% of the page in a font clearly smaller than the page's
    running text; left in place it would cut the sentence that continues in the next column.
    """
    sizes = sorted(s.size for r in page.rows for s in r)
    if not sizes:
        return [], []
    body = sizes[len(sizes) // 2]
    foot = 0.15 * page.height
    body_rows, notes = [], []
    for r in page.rows:
        note = [s for s in r if s.size < 0.88 * body and s.y1 < foot]
        rest = [s for s in r if not (s.size < 0.88 * body and s.y1 < foot)]
        if note:
            notes.append(note)
        if rest:
            body_rows.append(rest)
    return body_rows, notes


@dataclass
class Composed:
    text: str
    page_starts: tuple[int, ...]
    blocks: tuple[tuple[int, int, str], ...]
    tables: int = 0
    warnings: list[str] = field(default_factory=list)
    geometry: tuple[Piece, ...] = ()


def _is_heading(line: Line, typical: float) -> bool:
    """Short, unpunctuated, capitalised line: a section heading (own block)."""
    words = line.text.split()
    return (
        0 < len(words) <= 8
        and (line.x1 - line.x0) < 0.7 * typical
        and not _END.search(line.text)
        and line.text[:1].isupper()
        and not line.text.endswith((",", "-"))
    )


def _typical_widths(items: list[Item]) -> dict[tuple[int, str], float]:
    """Median line width per (page, column): what a full line of running text measures."""
    by: dict[tuple[int, str], list[float]] = {}
    for it in items:
        if it.line is not None:
            by.setdefault((it.page, it.line.column), []).append(it.line.x1 - it.line.x0)
    return {k: sorted(v)[len(v) // 2] for k, v in by.items()}


class _Builder:
    """Accumulates paragraphs into the output text, tracking page starts and blocks."""

    def __init__(self, n_pages: int, vocab: dict[str, int], heights: dict[int, float]):
        self.heights = heights
        self.pieces: list[Piece] = []  # geometry of the whole text
        self.para_pieces: list[Piece] = []  # of the open paragraph, relative to its start
        self.parts: list[str] = []
        self.length = 0
        self.blocks: list[tuple[int, int, str]] = []
        self.page_starts: list[int | None] = [None] * n_pages
        self.vocab = vocab
        self.para: str | None = None
        self.para_kind = "body"
        self.para_start = 0

    def _append(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def _mark_page(self, page: int) -> None:
        if self.page_starts[page - 1] is None:
            self.page_starts[page - 1] = self.length + (2 if self.length else 0)

    def close(self) -> None:
        if self.para is None:
            return
        if self.length:
            self._append("\n\n")
        start = self.length
        self._append(self.para)
        self.blocks.append((start, self.length, self.para_kind))
        self.pieces.extend(shift(self.para_pieces, start))
        self.para_pieces = []
        self.para = None

    def _line_pieces(self, text: str, line: Line | None, at: int) -> list[Piece]:
        if line is None or not line.words:
            return []
        height = self.heights.get(line.page, 0.0)
        return shift(word_pieces(text, line.words, line.page, height, new_line_id()), at)

    def start(self, text: str, kind: str, page: int, line: Line | None = None) -> None:
        self.close()
        self._mark_page(page)
        self.para, self.para_kind = text, kind
        self.para_pieces = self._line_pieces(text, line, 0)

    def extend(self, text: str, page: int, line: Line | None = None) -> None:
        if self.para is None:
            self.start(text, "body", page, line)
            return
        if self.page_starts[page - 1] is None:
            # a paragraph continued onto a new page: the page starts inside it
            self.page_starts[page - 1] = self.length + 2 + len(self.para) + 1
        prev = self.para
        if re.search(r"[A-Za-z]-$", prev) and text[:1].isalpha():
            head = prev.rsplit(" ", 1)[-1]
            rest = prev[: len(prev) - len(head)]
            self.para = rest + join_hyphenated(head, text, self.vocab)
            if self.page_starts[page - 1] == self.length + 2 + len(prev) + 1:
                self.page_starts[page - 1] = self.length + 2 + len(prev) - 1
        else:
            self.para = f"{prev} {text}"
        at = len(self.para) - len(text)  # where this line starts (a dropped hyphen moves it)
        clamp(self.para_pieces, at)
        self.para_pieces += self._line_pieces(text, line, at)

    def block(self, text: str, kind: str, page: int, line: Line | None = None) -> None:
        self.start(text, kind, page, line)
        self.close()

    def table(self, rows: list[list[Segment]], page: int) -> None:
        """A table block: TAB-separated cells, one line per row, boxes per cell line."""
        lines = table_rows(rows, self.vocab)
        text = "\n".join("\t".join(c for c, _ in cells) for cells in lines)
        self.start(text, "table", page)
        height = self.heights.get(page, 0.0)
        pos = 0
        for cells in lines:
            for cell, fragments in cells:
                if cell and fragments:
                    self.para_pieces += cell_pieces(pos, cell, fragments, page, height)
                pos += len(cell) + 1
        self.close()


def compose(pages: list[Page]) -> Composed:
    """Lay out all pages into one text; blocks mark body, heading, caption and table spans."""
    gutters = sorted(g for g in (page_gutter(p) for p in pages) if g is not None)
    default = gutters[len(gutters) // 2] if gutters else None
    items = [it for p in pages for it in order_page(p, default)]
    vocab = word_counts("\n".join(it.line.text for it in items if it.line))
    widths = _typical_widths(items)
    b = _Builder(len(pages), vocab, {p.number: p.height for p in pages})
    prev: Line | None = None
    n_tables = 0
    for it in items:
        if it.table is not None:
            b.table(it.table, it.page)
            n_tables += 1
            prev = None
            continue
        line = it.line
        assert line is not None
        if not line.text:
            continue
        typical = widths.get((line.page, line.column), line.x1 - line.x0)
        cap = _CAPTION.match(line.text)
        if line.column == "footnote":
            if b.para_kind != "footnote" or b.para is None:
                b.start(line.text, "footnote", line.page, line)
            else:
                b.extend(line.text, line.page, line)
        elif cap:
            kind = "table_caption" if "table" in cap.group("kind").lower() else "figure_caption"
            b.start(line.text, kind, line.page, line)
        elif prev is None or b.para is None or _breaks(prev, line, widths):
            if _is_heading(line, typical):
                b.block(line.text, "heading", line.page, line)
                line = None
            else:
                b.start(line.text, "body", line.page, line)
        else:
            b.extend(line.text, line.page, line)
        prev = line
    b.close()
    starts: list[int] = []
    for s in b.page_starts:
        starts.append(s if s is not None else (starts[-1] if starts else 0))
    text = "".join(b.parts)
    starts = [min(s, len(text)) for s in starts]
    return Composed(text, tuple(starts), tuple(b.blocks), n_tables, geometry=tuple(b.pieces))


def _breaks(prev: Line, line: Line, widths: dict[tuple[int, str], float]) -> bool:
    """Does `line` start a new paragraph after `prev`?"""
    if prev.size > 1.08 * line.size or line.size > 1.08 * prev.size:
        return True
    typical = widths.get((prev.page, prev.column), prev.x1 - prev.x0)
    ended = bool(_END.search(prev.text))
    if _is_heading(line, widths.get((line.page, line.column), typical)) and ended:
        return True
    if prev.page == line.page and prev.column == line.column:
        gap = prev.y0 - line.y1
        if gap > 0.5 * line.size or gap < -0.5 * line.size:
            return True
        if line.x0 - prev.x0 > 1.0 * line.size and ended:
            return True
    return ended and (prev.x1 - prev.x0) < 0.85 * typical
