"""Word-level repairs for PDF text: odd characters, superscripts, line-end hyphens.

Why: typeset PDFs print ligature glyphs (ﬁ, ﬂ), no-break and thin spaces, raised citation
markers right after numbers ("7.8²" must not become "7.82") and hyphens that only exist because a
word reached the end of a line. Each repair here is a small pure function so it can be tested alone.
"""

from __future__ import annotations

import re
import unicodedata

from caseminer.readers.pdf.layout import Word

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff\ufffe\x00-\x08\x0b\x0c\x0e-\x1f]")
_SUPERSCRIPT = str.maketrans("0123456789+-−=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿ")
_CITATION = re.compile(r"^[\[(]?\d+([,\u2013\u2014–-]\d+)*[\])]?[.,;:]?$")
_ORDINAL = re.compile(r"^(st|nd|rd|th)$")
_UNIT_END = re.compile(r"(?:^|[^A-Za-z])(?:[kcmµu]?m|[cmd]?m|L|l)$")


def normalize_chars(text: str) -> str:
    """Ligatures to letters, exotic spaces to a space, invisible controls dropped."""
    if text.isascii() and text.isprintable():
        return text
    for lig, plain in _LIGATURES.items():
        if lig in text:
            text = text.replace(lig, plain)
    text = _SPACES.sub(" ", text)
    return _INVISIBLE.sub("", text)


def render_superscript(prev: str, sup: str) -> str:
    """Text to append after `prev` for a raised word `sup` (exponent, ordinal or citation)."""
    if _ORDINAL.match(sup) and prev[-1:].isdigit():
        return sup
    if re.fullmatch(r"[-−]?\d{1,2}", sup) and (prev.endswith("10") or _UNIT_END.search(prev)):
        return sup.translate(_SUPERSCRIPT)
    if re.fullmatch(r"\d?[+\-−]", sup) and prev[-1:].isalpha():
        return sup.translate(_SUPERSCRIPT)  # ionic charge: Ca²⁺
    m = _CITATION.match(sup)
    if m:
        core = sup.strip("[]().,;:")
        tail = sup[len(sup.rstrip(".,;:")) :]
        return f" [{core}]{tail}"
    return f" [{sup}]"


def render_words(words: list[Word]) -> str:
    """Join a line's words left to right, rendering superscripts instead of gluing them."""
    out = ""
    after_sup = False
    for w in words:
        text = normalize_chars(w.text)
        if not text:
            continue
        if w.sup and out:
            out += render_superscript(out, text)
        elif after_sup and text[0] in ".,;:)]":
            out += text
        else:
            out = f"{out} {text}" if out else text
        after_sup = w.sup
    return out


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")


def word_counts(text: str) -> dict[str, int]:
    """Lower-cased word frequencies of a document (its own vocabulary for hyphen decisions)."""
    counts: dict[str, int] = {}
    for m in _WORD.finditer(text):
        key = m.group().lower()
        counts[key] = counts.get(key, 0) + 1
    return counts


def join_hyphenated(head: str, tail: str, vocab: dict[str, int]) -> str:
    """Join 'head-' at a line end with 'tail' on the next line: drop or keep the hyphen.

    The decision is caseminer.repair.hyphens.keep_hyphen (shared with the text repair): the
    document's own words first, then curated compounds, then the lexicon; the hyphen goes only
    when the joined form is a word and the halves are not two words of their own.
    """
    from caseminer.repair.hyphens import keep_hyphen
    from caseminer.repair.resources import lexicon

    h = head[:-1]
    tail_word = re.match(r"[A-Za-z0-9]+", tail)
    t = tail_word.group() if tail_word else ""
    last = re.split(r"[^A-Za-z0-9]", h)[-1]

    def longer(prefix: str) -> bool:
        return any(k.startswith(prefix) for k in vocab if "-" in k)

    if keep_hyphen(last, t, lambda w: vocab.get(w, 0), lexicon(), longer):
        return head + tail
    return h + tail


def nfc(text: str) -> str:
    """Compose accents pdfium may emit as base letter + combining mark."""
    return unicodedata.normalize("NFC", text)
