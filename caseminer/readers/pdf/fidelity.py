"""Word fidelity: which words of a PDF's text layer are missing from the text we extracted.

Why: a word the reader drops or merges ("and a" -> "anda") is a fact lost without a trace, and
sentence checks on known fixtures do not see it on real journals. This compares the bag of words
of pdfium's plain text layer with the bag of words of our text. Pieces of a word broken at a line
end or inside a table cell ("calcifi-" / "cation", "Potassiu" / "m") count as kept when their
join is in our text. Words of running headers, footers and page numbers, which the reader removes
on purpose, are counted separately, as are words of vertical text (side banners) left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_SUPER = re.compile(r"[\u00b2\u00b3\u00b9\u2070-\u209f]+")
_TOKEN = re.compile(r"[^\W\d_]+|\d+")


def word_bag(text: str) -> list[str]:
    """Lower-cased letter runs and digit runs, after compatibility folding (ligatures, no-break
    spaces); a superscript run counts as its own word, as the text layer prints it apart."""
    text = _SUPER.sub(lambda m: " " + m.group() + " ", text)
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


@dataclass
class Fidelity:
    """Words of the text layer, and those missing from the extracted text."""

    layer_words: int
    missing: Counter  # body words lost (the figure that must be 0)
    furniture: Counter  # words of headers/footers/page numbers removed on purpose

    @property
    def n_missing(self) -> int:
        return sum(self.missing.values())

    @property
    def kept(self) -> float:
        body = self.layer_words - sum(self.furniture.values())
        return 1.0 - self.n_missing / max(body, 1)


# pdfium marks a line-end hyphen with U+FFFE and drops the line break after it
_LINE_END = re.compile(r"\ufffe|[-\u00ad]?[ \t]*\r?\n")


def _line_ends(text: str) -> list[bool]:
    """For each word of `word_bag(text)`: does it end its line (maybe with a hyphen)?"""
    text = unicodedata.normalize("NFKC", _SUPER.sub(lambda m: " " + m.group() + " ", text))
    return [bool(_LINE_END.match(text, m.end())) for m in _TOKEN.finditer(text.lower())]


def _explain_pieces(layer: list[str], ends: list[bool], missing: Counter, ours: Counter) -> None:
    """Pieces of one word split at a line end ("calcifi-" / "cation", a wrapped table cell
    "Alkaline" / "phospha" / "tase", a page end before the next page's header) count as kept
    when their join is in our text. Only pieces the text layer breaks at a line end qualify:
    two words of one line merged by us ("and a" -> "anda") stay missing."""
    for n in (3, 2):
        for i in range(len(layer) - n + 1):
            parts = layer[i : i + n]
            if not all(ends[i : i + n - 1]):
                continue
            if missing[parts[0]] > 0 and ours["".join(parts)] > 0:
                for p in parts:
                    if missing[p] > 0:
                        missing[p] -= 1
    for i, first in enumerate(layer):
        if missing[first] <= 0 or not ends[i]:
            continue
        for rest in layer[i + 1 : i + 60]:
            if missing[rest] > 0 and ours[first + rest] > 0:
                missing[first] -= 1
                missing[rest] -= 1
                break
    for key in [k for k, v in missing.items() if v <= 0]:
        del missing[key]


def compare(layer_text: str, text: str, removed: list[str] = ()) -> Fidelity:
    """Compare a text layer with an extracted text; `removed` are furniture strings."""
    layer = word_bag(layer_text)
    ours = Counter(word_bag(text))
    missing = Counter(layer) - ours
    _explain_pieces(layer, _line_ends(layer_text), missing, ours)
    furniture = Counter(w for r in removed for w in word_bag(r))
    on_purpose = missing & furniture
    return Fidelity(len(layer), missing - on_purpose, on_purpose)


def text_layer(path: Path) -> str:
    """pdfium's plain text of every page, in content-stream order."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        out = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(out)
    finally:
        pdf.close()


def check_pdf(path: Path) -> Fidelity:
    """Extract `path` in-process and count the body words of its text layer we lost."""
    from caseminer.readers.pdf.boilerplate import remove_furniture
    from caseminer.readers.pdf.compose import compose
    from caseminer.readers.pdf.reader import read_pages

    pages = read_pages(Path(path))
    removed = remove_furniture(pages) + [w for p in pages for w in p.vertical]
    return compare(text_layer(Path(path)), compose(pages).text, removed)
