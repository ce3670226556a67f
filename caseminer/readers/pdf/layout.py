"""Page geometry: pdfium characters -> words -> rows -> segments, and the column split.

Why our own layout: pdfium's text order follows the content stream, which interleaves columns,
glues superscript citation markers to numbers and sends table cells out of order. Here every
character keeps its box, so reading order is decided from geometry: words on one baseline form a
row; wide gaps split a row into segments (a column's line, a table cell); a vertical gutter that no
segment crosses splits a page band into columns.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field
from functools import cached_property

SOFT_HYPHEN = "\ufffe"  # pdfium's mark for a hyphen it saw at a line end
# the same mark as FPDFText_GetUnicode returns it (read per character when the text has
# surrogate pairs)
SOFT_HYPHEN_CODE = "\x02"
_HYPHEN_MARKS = (SOFT_HYPHEN, SOFT_HYPHEN_CODE)


@dataclass(slots=True)
class Word:
    text: str
    x0: float
    y0: float  # bottom (PDF units, y grows upwards)
    x1: float
    y1: float  # top
    size: float
    sup: bool = False  # raised and smaller than its line: a citation marker or exponent

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Segment:
    """Words on one row with no wide gap between them: a column's line or a table cell."""

    words: list[Word] = field(default_factory=list)

    @cached_property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @cached_property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @cached_property
    def y0(self) -> float:
        return min(w.y0 for w in self.words if not w.sup) if self._has_body else self.words[0].y0

    @cached_property
    def y1(self) -> float:
        return max(w.y1 for w in self.words if not w.sup) if self._has_body else self.words[0].y1

    @property
    def _has_body(self) -> bool:
        return any(not w.sup for w in self.words)

    @cached_property
    def size(self) -> float:
        sizes = [w.size for w in self.words if not w.sup] or [self.words[0].size]
        return max(sizes)

    @cached_property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    rows: list[list[Segment]]  # top to bottom; segments left to right
    vertical: list[str] = field(default_factory=list)  # vertical text left out (side banners)


_TOKEN = re.compile(r"[^\s\x00]+")
# characters that may be (or follow) a raised marker, or join two lines: split per character
_NEEDS_CHARS = re.compile(r"[\d+*\u2020\u2021\u00a7\ufffe\x02\u00b9\u00b2\u00b3\u2070-\u209f]")


def _rotated(get_box, rect, rotation: int, width: float, height: float):
    """A char-box getter that returns boxes in the displayed (rotated) page's coordinates.

    Why: pdfium gives character boxes in the unrotated page space, so on a page with /Rotate 90
    (a landscape table page) every line runs vertically and falls apart into one-letter words.
    `width`/`height` are the displayed page size.
    """

    def get(raw, i, ref) -> bool:
        if not get_box(raw, i, ref):
            return False
        left, bottom, right, top = rect.left, rect.bottom, rect.right, rect.top
        if rotation == 90:  # unrotated width = displayed height
            rect.left, rect.right, rect.bottom, rect.top = (
                bottom,
                top,
                height - right,
                height - left,
            )
        elif rotation == 270:
            rect.left, rect.right, rect.bottom, rect.top = width - top, width - bottom, left, right
        elif rotation == 180:
            rect.left, rect.right = width - right, width - left
            rect.bottom, rect.top = height - top, height - bottom
        return True

    return get


def extract_words(
    textpage,
    pdfium_c,
    rotation: int = 0,
    width: float = 0.0,
    height: float = 0.0,
    vertical: list[str] | None = None,
) -> list[Word]:
    """Words of one page from pdfium's character boxes (loose boxes: font height, not ink).

    Speed: most tokens of running text are words without digits, which hold no citation marker
    or exponent; for those only the first and last character boxes are read (and the token is
    checked to sit on one line). Tokens with digits, '+', '*', daggers or pdfium's line-end hyphen
    mark are split character by character.
    """
    n = textpage.count_chars()
    if n <= 0:
        return []
    text = textpage.get_text_range()
    if len(text) != n:  # surrogate pairs: fall back to per-char code points
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i) or 32) for i in range(n))
    raw = textpage.raw
    rect = pdfium_c.FS_RECTF()
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    if rotation % 360:
        get_box = _rotated(get_box, rect, rotation % 360, width, height)
    rect_ref = ctypes.byref(rect)
    words: list[Word] = []
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        tok = m.group()
        if end - start > 1 and not _NEEDS_CHARS.search(tok):
            if get_box(raw, start, rect_ref):
                x, b, t = rect.left, rect.bottom, rect.top
                if get_box(raw, end - 1, rect_ref):
                    h = max(t - b, rect.top - rect.bottom, 1.0)
                    if (
                        abs(rect.bottom - b) < 0.2 * h
                        and x <= rect.left
                        and rect.right - x < 1.2 * h * (end - start)
                    ):
                        words.append(
                            Word(tok, x, min(b, rect.bottom), rect.right, max(t, rect.top), h)
                        )
                        continue
        _split_token(text, start, end, raw, get_box, rect, rect_ref, words, vertical)
    return words


def _is_vertical(boxes: list[tuple[float, float, float, float]]) -> bool:
    """Do these character boxes (left, bottom, right, top) run down or up the page, one under
    the other? A side banner or a portrait running header on a landscape page does."""
    if len(boxes) < 2:
        return False
    for (l0, b0, r0, t0), (l1, b1, r1, t1) in zip(boxes, boxes[1:], strict=False):
        x_overlap = min(r0, r1) - max(l0, l1)
        y_overlap = min(t0, t1) - max(b0, b1)
        if x_overlap < 0.5 * min(r0 - l0, r1 - l1) or y_overlap > 0.3 * min(t0 - b0, t1 - b1):
            return False
    return True


def _starts_vertical(raw, start: int, get_box, rect) -> bool:
    """Cheap test before `_is_vertical`: do the token's first two characters stand one under
    the other? (Most tokens split here are numbers on a line: two box reads rule them out.)"""
    boxes = []
    ref = ctypes.byref(rect)
    for i in (start, start + 1):
        if not get_box(raw, i, ref):
            return False
        boxes.append((rect.left, rect.bottom, rect.right, rect.top))
    return _is_vertical(boxes)


def _split_token(
    text, start, end, raw, get_box, rect, rect_ref, words: list[Word], vertical=None
) -> None:
    """Character-level word split of text[start:end]: breaks at raised/lowered or distant chars.

    A token whose characters stand one under the other is vertical text (a side banner, a
    portrait header on a landscape page): it is left out, and listed in `vertical` when given,
    instead of falling apart into one-letter rows across the page.
    """
    if vertical is not None and end - start >= 2 and _starts_vertical(raw, start, get_box, rect):
        boxes = []
        for i in range(start, end):
            if get_box(raw, i, rect_ref):
                boxes.append((rect.left, rect.bottom, rect.right, rect.top))
        if _is_vertical(boxes):
            vertical.append(text[start:end])
            return
    cur: list[str] = []
    x0 = y0 = x1 = y1 = size = prev_l = 0.0
    for i in range(start, end):
        if not get_box(raw, i, rect_ref):
            if text[i] in _HYPHEN_MARKS and cur:
                cur.append("-")  # a line-end hyphen pdfium gives without a box: keep it
            continue
        x, b, r, t = rect.left, rect.bottom, rect.right, rect.top
        if cur:
            # same line: loose boxes share the bottom (descender line) whatever the letter;
            # a raised or lowered bottom starts a superscript/subscript word
            same_line = abs(b - y0) < 0.2 * max(y1 - y0, 1.0)
            # forward by less than a space, or a ligature's second letter on the first's box
            small_jump = (x - x1) < 0.25 * size and x > prev_l - 0.5
            if not (same_line and small_jump):
                words.append(Word("".join(cur), x0, y0, x1, y1, size))
                cur = []
        if not cur:
            x0, y0, x1, y1 = x, b, r, t
        else:
            x1, y0, y1 = max(x1, r), min(y0, b), max(y1, t)
        size = y1 - y0  # height from the loose box (GetFontSize ignores text matrices)
        prev_l = x
        ch = text[i]
        cur.append("-" if ch in _HYPHEN_MARKS else ch)
    if cur:
        words.append(Word("".join(cur), x0, y0, x1, y1, size))


def _mark_superscripts(words: list[Word]) -> dict[int, Word]:
    """A word much smaller than the word just before it and raised is a superscript.

    Returns id(superscript) -> the word it is attached to, so it joins that word's row.
    """
    anchors: dict[int, Word] = {}
    for prev, w in zip(words, words[1:], strict=False):
        if prev.sup:
            continue
        if (
            w.size < 0.8 * prev.size
            and w.y0 > prev.y0 + 0.2 * (prev.y1 - prev.y0)
            and w.y0 < prev.y1
            and w.x0 - prev.x1 < 0.3 * prev.size
        ):
            w.sup = True
            anchors[id(w)] = prev
    return anchors


def build_rows(words: list[Word]) -> list[list[Word]]:
    """Group words into rows by vertical overlap; rows top to bottom, words left to right."""
    anchors = _mark_superscripts(words)
    body = sorted((w for w in words if not w.sup), key=lambda w: -w.cy)
    rows: list[tuple[float, float, list[Word]]] = []  # (y0, y1, words)
    row_of: dict[int, int] = {}
    for w in body:
        h = w.y1 - w.y0
        for k in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            y0, y1, ws = rows[k]
            overlap = min(y1, w.y1) - max(y0, w.y0)
            if overlap > 0.6 * min(h, y1 - y0):
                ws.append(w)
                rows[k] = (min(y0, w.y0), max(y1, w.y1), ws)
                row_of[id(w)] = k
                break
        else:
            row_of[id(w)] = len(rows)
            rows.append((w.y0, w.y1, [w]))
    for w in (w for w in words if w.sup):
        anchor = anchors.get(id(w))
        if anchor is not None and id(anchor) in row_of:
            rows[row_of[id(anchor)]][2].append(w)
            continue
        best, best_ov = None, 0.0
        for k, (y0, y1, _) in enumerate(rows):
            ov = min(y1, w.y1) - max(y0, w.y0)
            if ov > best_ov:
                best, best_ov = k, ov
        if best is None:
            rows.append((w.y0, w.y1, [w]))
        else:
            rows[best][2].append(w)
    rows.sort(key=lambda r: -(r[0] + r[1]) / 2)
    return [sorted(ws, key=lambda w: w.x0) for _, _, ws in rows]


def split_segments(row: list[Word], gap_factor: float = 0.9) -> list[Segment]:
    """Split a row wherever the horizontal gap is wider than `gap_factor` font sizes, then put
    lines of justified text back together (see `_merge_justified`)."""
    segs: list[Segment] = []
    for w in row:
        if segs:
            last = segs[-1].words[-1]
            size = max(last.size, w.size) if not (w.sup or last.sup) else last.size
            if w.x0 - last.x1 <= gap_factor * size:
                segs[-1].words.append(w)
                continue
        segs.append(Segment([w]))
    return _merge_justified(segs) if len(segs) > 2 else segs


def _single_word(seg: Segment) -> bool:
    return sum(1 for w in seg.words if not w.sup) == 1


def _merge_justified(segs: list[Segment]) -> list[Segment]:
    """Join runs of one-word segments separated by gaps of one width: a justified line.

    Justification stretches every word gap of a line by the same amount, so a loose line breaks
    into one-word "cells" at equal gaps; a table row has cells of several words or gaps that
    differ. A run needs two equal wide gaps (three words); the column gutter, wider than the
    stretched gaps, ends a run.
    """
    out: list[Segment] = [segs[0]]
    run: list[float] = []
    for seg in segs[1:]:
        prev = out[-1]
        gap = seg.x0 - prev.x1
        tol = 0.3 * max(prev.size, seg.size)
        same = not run or all(abs(gap - g) <= tol for g in run)
        if _single_word(seg) and same and (_single_word(prev) or run):
            run.append(gap)
            out[-1] = Segment(prev.words + seg.words)
            continue
        out.append(seg)
        run = []
    # a "run" of one gap joined two one-word cells: split them again (a two-cell table row)
    fixed: list[Segment] = []
    for seg in out:
        body = [w for w in seg.words if not w.sup]
        gaps = [b.x0 - a.x1 for a, b in zip(body, body[1:], strict=False)]
        wide = [g for g in gaps if g > 0.9 * seg.size]
        if len(body) == 2 and wide:
            i = seg.words.index(body[1])
            fixed += [Segment(seg.words[:i]), Segment(seg.words[i:])]
        else:
            fixed.append(seg)
    return fixed


def find_gutter(rows: list[list[Segment]], left: float, right: float) -> float | None:
    """x of a vertical gap that many segments end before and start after.

    Searched in the middle 30-70% of the text width, where journal column gutters sit. A right
    column is recognised by its aligned left edge: most segments right of the gap start at the
    same x, which random short lines of a one-column page do not. Rows crossing the gap (title,
    abstract, wide tables) are allowed in any number: they become full-width rows.
    """
    spans = [(s.x0, s.x1) for row in rows for s in row]
    width = right - left
    if width <= 0 or len(spans) < 8:
        return None
    best: tuple[int, int] | None = None
    best_x = 0.0
    for k in range(81):
        x = left + (0.3 + 0.4 * k / 80) * width
        cross = lefts = rights = 0
        for a, b in spans:
            if b <= x:
                lefts += 1
            elif a >= x:
                rights += 1
            else:
                cross += 1
        if lefts >= 4 and rights >= 4:
            key = (cross, -min(lefts, rights))
            if best is None or key < best:
                best, best_x = key, x
    if best is None:
        return None
    starts = sorted(round(a) for a, _ in spans if a >= best_x)
    mode = max(set(starts), key=lambda v: sum(1 for a in starts if abs(a - v) <= 3))
    aligned = sum(1 for a in starts if abs(a - mode) <= 3)
    if aligned < 4 or aligned < 0.35 * len(starts):
        return None
    # columns hold running text: lines filling most of their side (table cells alone do not)
    full_left = sum(1 for a, b in spans if b <= best_x and b - a > 0.5 * (best_x - left))
    full_right = sum(1 for a, b in spans if a >= best_x and b - a > 0.5 * (right - best_x))
    if full_left < 3 or full_right < 3:
        return None
    lo = max((b for _, b in spans if b <= best_x), default=best_x)
    hi = min((a for a, _ in spans if a >= best_x), default=best_x)
    return (lo + hi) / 2


def page_layout(
    textpage, pdfium_c, number: int, width: float, height: float, rotation: int = 0
) -> Page:
    """One page as rows of segments (top to bottom, left to right), in the coordinates of the
    page as displayed (`width` x `height`, after its /Rotate)."""
    vertical: list[str] = []
    words = extract_words(textpage, pdfium_c, rotation, width, height, vertical)
    rows = [split_segments(r) for r in build_rows(words)]
    return Page(number, width, height, [r for r in rows if r and not is_scattered(r)], vertical)


def is_scattered(row: list[Segment]) -> bool:
    """A row of mostly one-letter words: rotated or vertical figure labels read across, noise."""
    words = [w.text for s in row for w in s.words if not w.sup]
    return len(words) >= 4 and sum(len(w) == 1 for w in words) >= 0.7 * len(words)
