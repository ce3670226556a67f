"""Tables: rows of cells out, one record per line, label/value column pairs unfolded.

Why: lab tables in case reports often pack several (variable, value) pairs side by side
("Creatinine 0.3 mg/dL | Potassium 3.3 mEq/L | Phosphorus 4.1 mg/dL"). Read across, the pairs run
together; read by stream order, cells scatter. Here a table is rows of cell segments; when the
header repeats a pattern of k cells ("Variables Values Variables Values ..."), each row is cut into
groups of k cells and every group becomes its own line, so a lab extractor sees
"analyte <TAB> value unit <TAB> reference range" per line.
"""

from __future__ import annotations

import re

from caseminer.readers.pdf.layout import Segment, Word
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
    """Column left edges: cell starts that recur in two rows or more (the widest row's always).

    Why recurring starts: a label and its value printed closer than a word gap come out as one
    segment ("Potassium 3.3 mEq/L"); the columns other rows show still cut it apart.
    """
    widest = max(rows, key=len)
    starts = sorted((s.x0, r) for r, row in enumerate(rows) for s in row)
    clusters: list[tuple[float, set[int]]] = []
    for x, r in starts:
        if clusters and x - clusters[-1][0] <= 4.0:
            clusters[-1][1].add(r)
        else:
            clusters.append((x, {r}))
    widest_x = [s.x0 for s in widest]
    keep = [x for x, rs in clusters if len(rs) >= 2 or any(abs(x - w) <= 4.0 for w in widest_x)]
    return keep or widest_x


def _column_of(x0: float, anchors: list[float]) -> int:
    """Index of the last anchor at or left of x0 (with a little slack)."""
    col = 0
    for i, a in enumerate(anchors):
        if x0 >= a - 4.0:
            col = i
    return col


def _cells_of(row: list[Segment], anchors: list[float]) -> dict[int, list[Word]]:
    """A physical row's words by column (a segment crossing a column start is cut there)."""
    cells: dict[int, list[Word]] = {}
    for seg in row:
        for w in seg.words:
            col = _column_of(seg.x0 if w.sup else w.x0, anchors)
            cells.setdefault(col, []).append(w)
    return cells


def _height(row: list[Segment]) -> float:
    return max(s.y1 for s in row) - min(s.y0 for s in row)


def _continues(row: list[Segment]) -> bool:
    """A physical row that can only be the wrapped rest of the row above: no digit, and every
    cell starts in lower case or is a unit ("bilirubin", "ve protein", "mEq/L")."""
    if any(ch.isdigit() for s in row for ch in s.text):
        return False
    return all(s.text[:1].islower() or "/" in s.text for s in row)


def logical_rows(rows: list[list[Segment]]) -> list[list[list[Segment]]]:
    """Group physical rows into table rows: a cell that wraps onto further lines continues its
    row. A wrapped line sits as close under the previous one as lines of a paragraph (gap under
    a quarter of the line height) while rows are spaced further apart; when all gaps are alike,
    a line without digits whose cells start in lower case is a wrapped rest."""
    if len(rows) < 2:
        return [[r] for r in rows]
    heights = sorted(_height(r) for r in rows)
    h = heights[len(heights) // 2]
    gaps = [
        min(s.y0 for s in a) - max(s.y1 for s in b) for a, b in zip(rows, rows[1:], strict=False)
    ]
    spaced = max(gaps) >= 0.5 * h
    groups = [[rows[0]]]
    for gap, row in zip(gaps, rows[1:], strict=True):
        if (spaced and gap < 0.25 * h) or (len(groups) > 1 and _continues(row)):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _join_fragments(parts: list[str], vocab: dict[str, int]) -> str:
    """Join a wrapped cell's lines: 'Potassiu' + 'm', 'C-reacti' + 've protein' are one word."""
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
        elif _same_word(re.split(r"[^A-Za-z]", last)[-1], first, vocab):
            out += part
        else:
            out += " " + part
    return out


def _same_word(last: str, first: str, vocab: dict[str, int]) -> bool:
    """Was a word cut by a narrow cell? Its join is a word and its halves are not two words
    ("Hemoglob" + "in"), or neither half is a word ("Procalcit" + "onin")."""
    if not (last.isalpha() and first.isalpha() and first[:1].islower()):
        return False
    from caseminer.repair.resources import lexicon

    lex = lexicon()
    a, b = last.lower(), first.lower()
    a_word, b_word = a in lex or a in vocab, b in lex or b in vocab
    if (a + b) in lex or vocab.get(a + b, 0) > 0:
        return not (a_word and b_word and len(b) >= 4)
    return not a_word and not b_word


Cell = tuple[str, list[tuple[int, list[Word]]]]  # text, (printed line id, words) per line


def table_rows(rows: list[list[Segment]], vocab: dict[str, int] | None = None) -> list[list[Cell]]:
    """Table rows as output lines of cells, each cell with the words of each line it was printed
    on (for evidence boxes); repeated header pairs unfolded.

    The header line keeps every cell (no printed word is dropped); each data row with k-cell
    groups ("Test Value Test Value") becomes one line per group. Empty cells at either end of a
    line are left out.
    """
    from caseminer.readers.pdf.geometry import new_line_id

    vocab = vocab or {}
    anchors = _anchors(rows)
    n = len(anchors)
    out: list[list[Cell]] = []
    k = n
    for r, group in enumerate(logical_rows(rows)):
        parts: list[list[str]] = [[] for _ in anchors]
        frags: list[list[tuple[int, list[Word]]]] = [[] for _ in anchors]
        for row in group:
            line_id = new_line_id()
            for col, words in sorted(_cells_of(row, anchors).items()):
                parts[col].append(render_words(words))
                frags[col].append((line_id, words))
        cells: list[Cell] = [
            (_join_fragments(p, vocab), f) for p, f in zip(parts, frags, strict=True)
        ]
        if r == 0:
            k = header_period([c for c, _ in cells]) if all(c for c, _ in cells) else n
            out.append(_trim(cells))
            continue
        for g in range(0, n, k):
            line = _trim(cells[g : g + k])
            if line:
                out.append(line)
    return out


def _trim(cells: list[Cell]) -> list[Cell]:
    """Drop empty cells at both ends of a line."""
    texts = [c for c, _ in cells]
    lo = next((i for i, t in enumerate(texts) if t), len(texts))
    hi = len(texts) - next((i for i, t in enumerate(reversed(texts)) if t), len(texts))
    return cells[lo:hi]


def table_lines(rows: list[list[Segment]], vocab: dict[str, int] | None = None) -> list[str]:
    """Render table rows as lines of TAB-separated cells (see `table_rows`)."""
    return [CELL_SEP.join(c for c, _ in cells) for cells in table_rows(rows, vocab)]
