"""The name tails ``NameMatcher.finditer`` checks without the regex engine, against the regex."""

from __future__ import annotations

import re

from corpus import corpus_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.labs.catalogue import load_catalogue, trie_alternation
from caseminer.nlp.labs.interpret import Interpreter
from caseminer.nlp.labs.names import _RESULT_TAIL, _TAIL, NameMatcher

CAT = load_catalogue()
RESULTS = Interpreter(CAT).result_names

#: every character class a tail reads: word characters of each kind, dashes, the age words
_SAMPLES = "aZ9_é²β٣ -–‐.\n\u00a0(/"


def _tails_agree(matcher: NameMatcher, text: str) -> None:
    """Every match of ``finditer`` on ``text`` and on the same text with the fast tail turned
    off (the regex at every end) are the same."""
    fast = [m.span() for m in matcher.finditer(text)]
    kind = matcher._tail_kind
    matcher._tail_kind = 0
    try:
        plain = [m.span() for m in matcher.finditer(text)]
    finally:
        matcher._tail_kind = kind
    assert fast == plain
    assert fast == [m.span() for m in matcher.full().finditer(text)]


def test_the_tails_are_the_ones_read_without_the_regex():
    assert CAT.analyte_names._tail_kind == 1 and RESULTS._tail_kind == 2
    assert NameMatcher(["x"], [], trie_alternation, tail=r"(?!y)")._tail_kind == 0
    assert RESULTS._tail == _RESULT_TAIL and CAT.analyte_names._tail == _TAIL


def test_tails_on_crafted_ends():
    names = ["sodium", "crp", "potassium", "normal", "high", "negative"]
    texts = [f"{n}{c}{w}" for n in names for c in _SAMPLES for w in ("", "year", "day", "x")]
    texts += ["CRP-year", "CRP-years old", "sodium-day", "CRP-", "normal-appearing", "high_"]
    for t in texts:
        _tails_agree(CAT.analyte_names, t)
        _tails_agree(RESULTS, t)


def test_tails_on_the_corpora():
    for t in corpus_texts([], maccrobat=10):
        _tails_agree(CAT.analyte_names, t)
        _tails_agree(RESULTS, t)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["crp", "sodium", "normal", "low", "-year", "-day", *_SAMPLES]),
        max_size=12,
    )
)
def test_tails_on_generated_text(parts: list[str]) -> None:
    text = "".join(parts)
    _tails_agree(CAT.analyte_names, text)
    _tails_agree(RESULTS, text)


def test_word_characters_are_the_engines():
    """The fast tails read ``\\w`` as ``str.isalnum`` or "_": so does the engine, everywhere."""
    w = re.compile(r"\w")
    assert all(
        (w.match(c) is not None) == (c.isalnum() or c == "_") for c in map(chr, range(0x110000))
    )
