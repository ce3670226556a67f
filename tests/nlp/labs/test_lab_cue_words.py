"""``Interpreter.cue_in`` read off the words of the prose stretch (``cue_words.py``) against the
word scan and pattern search of each window it replaces."""

from __future__ import annotations

import re

from corpus import corpus_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.labs.catalogue import load_catalogue
from caseminer.nlp.labs.component import LabExtractor
from caseminer.nlp.labs.interpret import Interpreter
from caseminer.nlp.labs.names import text_base, text_words

CAT = load_catalogue()
LABS = LabExtractor()
_WORD = re.compile(r"\w+")


def _interp_with(text: str, lo: int, hi: int) -> tuple[Interpreter, tuple[str, bool]]:
    """An interpreter that has noted the words of text[lo:hi] (as the component's run does)."""
    interp = LABS.interp
    base = text_base(text)
    words = text_words(text, lo, hi, LABS.name_keys, base)
    LABS.results.find(text, lo, hi, [], words)
    return interp, base


def _plain_starts(interp: Interpreter, low: str, lo: int, end: int) -> list[int]:
    first = interp._result_first
    return [m.start() for m in _WORD.finditer(low, lo, end) if m.group() in first]


def _plain_cue(interp: Interpreter, text: str, lo: int, hi: int, closed: bool) -> str | None:
    """``cue_in`` with no stretch noted: the window scan and the pattern at every character."""
    keep = interp.stretch_words._state
    interp.stretch_words._state = (None, [], {})
    try:
        return interp.cue_in(text, lo, hi, closed=closed, base=text_base(text))
    finally:
        interp.stretch_words._state = keep


def _check(text: str, seg: tuple[int, int], step: int) -> int:
    interp, base = _interp_with(text, *seg)
    low, n, held = base[0], len(text), 0
    for lo in range(0, n + 1, step):
        for width in (0, 1, 3, 7, 15, 40):
            hi = min(n, lo + width)
            end = min(n, hi + 25)
            starts = interp.stretch_words.starts(low, lo, end)
            if seg[0] <= lo and end <= seg[1] and base[1]:
                assert starts == _plain_starts(interp, low, lo, end), (lo, end, low[lo:end])
                held += 1
            else:
                assert starts is None
            for closed in (False, True):
                fast = interp.cue_in(text, lo, hi, closed=closed, base=base)
                assert fast == _plain_cue(interp, text, lo, hi, closed), (lo, hi)
    return held


def test_cue_windows_on_the_corpora():
    texts = [
        "normal",
        "Hb was low (normal 12-16), CRP elevated at 80; K normal-high. abnormally high_x",
        "β2 µg normal κ high-normal low  low within normal limits",
        *corpus_texts([], maccrobat=8),
    ]
    held = 0
    for t in texts:
        held += _check(t, (0, len(t)), 5 if len(t) < 3000 else 11)
        held += _check(t, (len(t) // 4, len(t) // 2), 13)  # a stretch between two tables
    assert held > 5000


def test_a_new_document_forgets_the_last():
    interp, base = _interp_with("CRP normal", 0, 10)
    assert interp.stretch_words.starts(base[0], 0, 10) == [4]
    other = text_base("CRP normal")  # an equal text, another document: not read from the last
    assert interp.stretch_words.starts(other[0], 0, 10) is None


_PARTS = st.sampled_from(
    ["normal", "low", "high", "within normal limits", "CRP", "Hb"] + list(" -_.,(\n2é")
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PARTS, max_size=25), st.integers(0, 80), st.integers(0, 40))
def test_cue_windows_on_generated_text(parts: list[str], a: int, width: int) -> None:
    text = "".join(parts)
    lo = min(a, len(text))
    hi = min(len(text), lo + width)
    interp, base = _interp_with(text, 0, len(text))
    end = min(len(text), hi + 25)
    if base[1]:
        assert interp.stretch_words.starts(base[0], lo, end) == _plain_starts(
            interp, base[0], lo, end
        )
    for closed in (False, True):
        assert interp.cue_in(text, lo, hi, closed=closed, base=base) == _plain_cue(
            interp, text, lo, hi, closed
        )
