"""Generate journal-style case-report PDFs with known text, for the PDF reader's tests and bench.

Why generated: no case-report PDF may be committed, and a generated file lets a test know exactly
which sentences, running headers, captions and lab-table rows the reader must recover. The layout
imitates the seed report: full-width title and abstract above two justified columns, running header
and licence footer with page numbers, a full-width lab table with three label/value column pairs,
figure captions, line-end hyphenation, ligature glyphs, no-break spaces and superscript citation
markers glued to numbers. Needs reportlab (a dev/test dependency).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from pdf_fixture_rows import (  # noqa: F401 - LAB_ROWS, RANGE_ROWS: read from here by tests
    _HARD_OBJECTS,
    _OBJECTS,
    _SUBJECTS,
    _TAILS,
    _VERBS,
    HARD_LAB_ROWS,
    HARD_RANGE_ROWS,
    LAB_ROWS,
    RANGE_ROWS,
)

PAGE_W, PAGE_H = 595.0, 842.0
MARGIN = 54.0
GUTTER = 22.0
COL_W = (PAGE_W - 2 * MARGIN - GUTTER) / 2
BODY_SIZE = 9.5
LEADING = 12.0
TOP = PAGE_H - 80.0
BOTTOM = 70.0

HEADER_LEFT = "Journal of Clinical Case Reports"
HEADER_RIGHT = "Vol 12, Issue 3, 2024"
FOOTER = "Copyright © 2024 The Authors. Open access under the CC BY 4.0 licence."


@dataclass
class FixtureDoc:
    """What a generated PDF contains, so a test can check facts rather than whole outputs."""

    path: Path
    pages: int
    sentences: list[str] = field(default_factory=list)  # as a careful reader should copy them
    running: list[str] = field(default_factory=list)  # header/footer strings that must vanish
    captions: list[str] = field(default_factory=list)
    lab_rows: list[tuple[str, str, str]] = field(default_factory=list)
    split_words: list[str] = field(default_factory=list)  # words broken by a line-end hyphen
    kept_hyphens: list[str] = field(default_factory=list)  # compounds broken at their own hyphen
    title: str = ""
    table_page: int = 0  # 1-based page holding the lab table
    range_rows: list[tuple[str, str, str]] = field(default_factory=list)  # in-column table


def _sentence(rng: random.Random, idx: int, hard: bool = False) -> str:
    tail = rng.choice(_TAILS).format(
        n=rng.randint(2, 60), v=f"{rng.randint(1, 14)}.{rng.randint(1, 9)}", c=(idx % 9) + 1
    )
    objects = _HARD_OBJECTS + _OBJECTS if hard else _OBJECTS
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(objects)} {tail}."


def expected_text(marked: str) -> str:
    """The text a reader should return for a marked fixture sentence ('^3' is a superscript)."""
    out = []
    for word in marked.split(" "):
        if "^" in word:
            base, _, rest = word.partition("^")
            digits = "".join(ch for ch in rest if ch.isdigit())
            punct = rest[len(digits) :]
            word = f"{base} [{digits}]{punct}"
        out.append(word)
    return " ".join(out)


class _Writer:
    """Minimal column-flow typesetter over a reportlab canvas."""

    def __init__(
        self,
        canvas,
        fonts: tuple[str, str, str],
        doc: FixtureDoc,
        rng: random.Random,
        hard: bool = False,
    ):
        self.hard = hard  # justified lines, compounds split at their hyphen, one-letter heads
        self.c = canvas
        self.regular, self.bold, self.italic = fonts
        self.doc = doc
        self.rng = rng
        self.page = 1
        self.col = 0
        self.y = TOP
        self.top = TOP

    # --- page furniture -------------------------------------------------------------
    def furniture(self) -> None:
        c = self.c
        c.setFont(self.regular, 8)
        c.drawString(MARGIN, PAGE_H - 40, HEADER_LEFT)
        c.drawRightString(PAGE_W - MARGIN, PAGE_H - 40, HEADER_RIGHT)
        c.line(MARGIN, PAGE_H - 46, PAGE_W - MARGIN, PAGE_H - 46)
        c.drawString(MARGIN, 34, FOOTER)
        c.drawRightString(PAGE_W - MARGIN, 34, str(self.page))

    def new_page(self) -> None:
        self.c.showPage()
        self.page += 1
        self.furniture()
        self.col, self.y, self.top = 0, TOP, TOP

    def next_column(self) -> None:
        if self.col == 0:
            self.col, self.y = 1, self.top
        else:
            self.new_page()

    def x0(self) -> float:
        return MARGIN + self.col * (COL_W + GUTTER)

    # --- text -----------------------------------------------------------------------
    def _width(self, word: str, font: str, size: float) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        base, _, sup = word.partition("^")
        return stringWidth(base, font, size) + stringWidth(sup, font, size * 0.6)

    def _draw_line(
        self, words: list[str], x: float, y: float, font: str, size: float, extra: float = 0.0
    ) -> None:
        """Draw words left to right; `extra` widens every word gap (justified text)."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        for word in words:
            base, _, sup = word.partition("^")
            shown = self._decorate(base)
            self.c.setFont(font, size)
            self.c.drawString(x, y, shown)
            x += stringWidth(shown, font, size)
            if sup:
                digits = "".join(ch for ch in sup if ch.isdigit())
                punct = sup[len(digits) :]
                self.c.setFont(font, size * 0.6)
                self.c.drawString(x, y + size * 0.38, digits)
                x += stringWidth(digits, font, size * 0.6)
                self.c.setFont(font, size)
                self.c.drawString(x, y, punct)
                x += stringWidth(punct, font, size)
            x += stringWidth(" ", font, size) + extra

    def _decorate(self, text: str) -> str:
        """Ligature glyphs and no-break spaces, as typeset journals print them."""
        if self.regular == "Helvetica":
            return text
        return text.replace("fi", "\ufb01").replace("fl", "\ufb02")

    def paragraph(self, text: str, width: float, font: str, size: float, full: bool = False):
        words = text.split(" ")
        line: list[str] = []
        space = self._width(" ", font, size)
        used = 0.0
        i = 0
        while i < len(words):
            w = words[i]
            ww = self._width(w, font, size)
            if used + ww <= width or not line:
                line.append(w)
                used += ww + space
                i += 1
                continue
            head, tail = self._split(w, width - used, font, size)
            if head:
                line.append(head)
                words[i] = tail
            self._emit(line, font, size, full, width if self.hard else 0.0)
            line, used = [], 0.0
        if line:
            self._emit(line, font, size, full)

    def _split(self, word: str, room: float, font: str, size: float) -> tuple[str, str]:
        """Break a long word at a line end: at its own hyphen, else with an added hyphen."""
        if "^" in word or not word.isascii():
            return "", word
        if "-" in word:
            first, _, rest = word.partition("-")
            shortest = 1 if self.hard else 2
            if self._width(first + "-", font, size) <= room and len(first) >= shortest:
                self.doc.kept_hyphens.append(word.strip(".,;"))
                return first + "-", rest
            return "", word
        core = word.rstrip(".,;")
        if len(core) < 9 or not core.isalpha():
            return "", word
        for cut in range(len(core) - 4, 3, -1):
            if self._width(word[:cut] + "-", font, size) <= room:
                self.doc.split_words.append(core)
                return word[:cut] + "-", word[cut:]
        return "", word

    def _emit(
        self, line: list[str], font: str, size: float, full: bool, justify: float = 0.0
    ) -> None:
        """Draw one line; with `justify` (the measure) its word gaps stretch to fill it."""
        if self.y < BOTTOM:
            self.next_column()
        x = MARGIN if full else self.x0()
        extra = 0.0
        if justify and len(line) > 1:
            natural = sum(self._width(w, font, size) for w in line)
            natural += self._width(" ", font, size) * (len(line) - 1)
            extra = max(0.0, (justify - natural) / (len(line) - 1))
        self._draw_line(line, x, self.y, font, size, extra)
        self.y -= size * 1.27

    def heading(self, text: str) -> None:
        if self.y < BOTTOM + 40:
            self.next_column()
        self.y -= 4
        self.c.setFont(self.bold, 10.5)
        self.c.drawString(self.x0(), self.y, text)
        self.y -= LEADING + 2

    def body(self, n_sentences: int) -> None:
        n = len(self.doc.sentences)
        marked = [_sentence(self.rng, n + k, self.hard) for k in range(n_sentences)]
        self.doc.sentences.extend(expected_text(s) for s in marked)
        self.paragraph(" ".join(marked), COL_W, self.regular, BODY_SIZE)
        self.y -= 5

    def figure(self, caption: str) -> None:
        if self.y < BOTTOM + 130:
            self.next_column()
        self.c.rect(self.x0(), self.y - 90, COL_W, 90, stroke=1, fill=0)
        self.y -= 104
        self.doc.captions.append(caption)
        self.paragraph(caption, COL_W, self.italic, 8.5)
        self.y -= 8


def _fonts() -> tuple[str, str, str]:
    """DejaVu (has ligature glyphs) when the system has it, else the base-14 Helvetica family."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    root = Path("/usr/share/fonts/truetype/dejavu")
    names = {"DejaVu": "DejaVuSans.ttf", "DejaVu-Bold": "DejaVuSans-Bold.ttf"}
    names["DejaVu-Italic"] = "DejaVuSans-Oblique.ttf"
    if all((root / f).exists() for f in names.values()):
        for name, f in names.items():
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(root / f)))
        return "DejaVu", "DejaVu-Bold", "DejaVu-Italic"
    return "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"


def _lab_table(w: _Writer, rows: list[tuple[str, str, str]], pairs: int = 3) -> None:
    """Full-width lab table of `pairs` (variable, value) column pairs, filled left to right."""
    c = w.c
    caption = "Table 1: Biochemical profile of the patient at admission."
    w.doc.captions.append(caption)
    c.setFont(w.bold, 9)
    c.drawString(MARGIN, w.y, caption)
    w.y -= 16
    pair_w = (PAGE_W - 2 * MARGIN) / pairs
    c.setFont(w.bold, 8.5)
    for p in range(pairs):
        c.drawString(MARGIN + p * pair_w + 4, w.y, "Variables")
        c.drawString(MARGIN + p * pair_w + pair_w * 0.55, w.y, "Values")
    c.line(MARGIN, w.y - 4, PAGE_W - MARGIN, w.y - 4)
    w.y -= 16
    c.setFont(w.regular, 8.5)
    for start in range(0, len(rows), pairs):
        for p, (name, value, unit) in enumerate(rows[start : start + pairs]):
            c.drawString(MARGIN + p * pair_w + 4, w.y, name)
            c.drawString(MARGIN + p * pair_w + pair_w * 0.55, w.y, f"{value}\u00a0{unit}")
        w.y -= 14
    c.line(MARGIN, w.y + 8, PAGE_W - MARGIN, w.y + 8)
    w.doc.lab_rows.extend(rows)
    w.doc.table_page = w.page
    w.y -= 14
    w.top = w.y


def _column_table(w: _Writer, rows: list[tuple[str, str, str]]) -> None:
    """A one-column lab table (test, result, reference range) inside the running text."""
    if w.y < BOTTOM + 20 * (len(rows) + 3):
        w.next_column()
    c = w.c
    caption = "Table 2: Follow-up laboratory values."
    w.doc.captions.append(caption)
    c.setFont(w.bold, 8.5)
    c.drawString(w.x0(), w.y, caption)
    w.y -= 14
    xs = (w.x0(), w.x0() + 100, w.x0() + 165)
    for cells in [("Test", "Result", "Reference range"), *rows]:
        for x, cell in zip(xs, cells, strict=True):
            c.drawString(x, w.y, cell)
        c.setFont(w.regular, 8.5)
        w.y -= 12
    w.doc.range_rows.extend(rows)
    w.y -= 10


def _wrap_cell(text: str, width: float, font: str, size: float) -> list[str]:
    """Lines of a table cell `width` wide: break at spaces, and inside a word that does not fit
    (no hyphen added), as narrow journal table cells do."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    cur = ""
    for word in text.split(" "):
        trial = f"{cur} {word}" if cur else word
        if stringWidth(trial, font, size) <= width:
            cur = trial
            continue
        if cur:
            lines.append(cur)
            cur = ""
        while stringWidth(word, font, size) > width:
            cut = max(k for k in range(1, len(word)) if stringWidth(word[:k], font, size) <= width)
            lines.append(word[:cut])
            word = word[cut:]
        cur = word
    if cur:
        lines.append(cur)
    return lines


def _grid(w: _Writer, xs: list[float], widths: list[float], rows: list[list[str]]) -> None:
    """Draw rows of cells (top-aligned, wrapped to their column width); first row bold."""
    size, leading = 8.5, 10.0
    for r, row in enumerate(rows):
        font = w.bold if r == 0 else w.regular
        w.c.setFont(font, size)
        wrapped = [
            _wrap_cell(cell, wd, font, size) if cell else []
            for cell, wd in zip(row, widths, strict=True)
        ]
        for x, lines in zip(xs, wrapped, strict=True):
            for k, line in enumerate(lines):
                w.c.drawString(x, w.y - k * leading, line)
        w.y -= leading * max(1, max(len(lines) for lines in wrapped)) + 5


def _hard_lab_table(w: _Writer, rows: list[tuple[str, str, str]], pairs: int = 3) -> None:
    """Full-width table of `pairs` (variable, value) pairs whose narrow cells wrap."""
    caption = "Table 1: Biochemical profile of the patient at admission."
    w.doc.captions.append(caption)
    w.c.setFont(w.bold, 9)
    w.c.drawString(MARGIN, w.y, caption)
    w.y -= 16
    pair_w = (PAGE_W - 2 * MARGIN) / pairs
    xs, widths = [], []
    for p in range(pairs):
        xs += [MARGIN + p * pair_w + 4, MARGIN + p * pair_w + 52]
        widths += [44.0, pair_w - 60]
    grid = [["Test", "Value"] * pairs]
    for start in range(0, len(rows), pairs):
        cells: list[str] = []
        for name, value, unit in rows[start : start + pairs]:
            cells += [name, f"{value}\u00a0{unit}"]
        grid.append(cells + [""] * (2 * pairs - len(cells)))
    _grid(w, xs, widths, grid)
    w.doc.lab_rows.extend(rows)
    w.doc.table_page = w.page
    w.y -= 14
    w.top = w.y


def _hard_column_table(w: _Writer, rows: list[tuple[str, str, str, str]]) -> None:
    """One-column table: test (wrapping), result, unit column, reference range."""
    if w.y < BOTTOM + 26 * (len(rows) + 3):
        w.next_column()
    caption = "Table 2: Follow-up laboratory values."
    w.doc.captions.append(caption)
    w.c.setFont(w.bold, 8.5)
    w.c.drawString(w.x0(), w.y, caption)
    w.y -= 14
    x = w.x0()
    xs, widths = [x, x + 62, x + 102, x + 150], [56.0, 36.0, 44.0, 70.0]
    _grid(w, xs, widths, [["Test", "Result", "Unit", "Reference range"], *map(list, rows)])
    w.doc.range_rows.extend((name, f"{v} {u}", ref) for name, v, u, ref in rows)
    w.y -= 10


def make_journal_pdf(path: Path, pages: int = 3, seed: int = 0, hard: bool = False) -> FixtureDoc:
    """Write a two-column case report of about `pages` pages to `path`; return what it holds.

    `hard` adds what broke the reader on real journals: justified lines with wide word gaps,
    compounds broken at their own hyphen ("acid-" / "alcohol", "N-" / "terminal"), and lab
    tables whose narrow cells wrap, with several label/value pairs and a unit column.
    """
    from reportlab.pdfgen.canvas import Canvas

    rng = random.Random(seed)
    doc = FixtureDoc(path=Path(path), pages=0)
    c = Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    w = _Writer(c, _fonts(), doc, rng, hard)
    w.furniture()
    doc.title = "Tumoral calcinosis of the hip in an older adult: a case report"
    c.setFont(w.bold, 15)
    c.drawString(MARGIN, TOP, doc.title)
    c.setFont(w.regular, 9)
    c.drawString(MARGIN, TOP - 20, "A. Author, B. Author and C. Author")
    w.y = TOP - 44
    c.setFont(w.bold, 10)
    c.drawString(MARGIN, w.y, "Abstract")
    w.y -= 14
    abstract = [_sentence(rng, 100 + k, hard) for k in range(4)]
    doc.sentences.extend(expected_text(s) for s in abstract)
    w.paragraph(" ".join(abstract), PAGE_W - 2 * MARGIN, w.regular, BODY_SIZE, full=True)
    w.y -= 14
    w.top = w.y
    sections = ["Introduction", "Case presentation", "Discussion", "Conclusion"]
    fig = 1
    while w.page <= pages:
        for name in sections:
            if w.page > pages:
                break
            w.heading(name)
            for _ in range(3):
                w.body(rng.randint(3, 5))
            if name == "Case presentation" and not doc.lab_rows:
                w.new_page()  # the table spans both columns at the top of a fresh page
                if hard:
                    _hard_lab_table(w, HARD_LAB_ROWS)
                else:
                    _lab_table(w, LAB_ROWS)
            if name == "Discussion" and not doc.range_rows:
                if hard:
                    _hard_column_table(w, HARD_RANGE_ROWS)
                else:
                    _column_table(w, RANGE_ROWS)
            if name == "Discussion":
                w.figure(f"Figure {fig}: Axial computed tomography showing calcified masses.")
                fig += 1
        if w.page >= pages:
            break
    c.showPage()
    c.save()
    doc.pages = w.page
    return doc
