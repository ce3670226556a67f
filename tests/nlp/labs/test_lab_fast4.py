"""Fast paths of the labs value finder against the plain scans they replace."""

from __future__ import annotations

from corpus import corpus_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.labs import values
from caseminer.nlp.labs.scan import occurrences


def _plain_than(low: str, lo: int, hi: int) -> list[int]:
    return occurrences(low, values._THAN_WORDS, lo, hi)


def test_than_words_are_the_comparator_words_with_than():
    assert set(values._THAN_WORDS) | set(values._START_WORDS_NO_THAN) == set(values._START_WORDS)
    assert all(w.endswith("than") and w.count("than") == 1 for w in values._THAN_WORDS)


def test_than_words_on_the_corpora():
    texts = ["less than 5, lower than, greater thanks, more  than, xmore than", "than than"]
    for t in texts + corpus_texts([], maccrobat=25):
        low = t.lower()
        for lo, hi in ((0, len(low)), (3, len(low) - 2), (len(low) // 2, len(low))):
            assert sorted(values._than_words(low, lo, hi)) == _plain_than(low, lo, hi)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["less", "more", "higher", " ", "than", "r", "x", "lower"])),
    st.integers(0, 40),
    st.integers(0, 40),
)
def test_than_words_on_generated_text(parts: list[str], a: int, b: int) -> None:
    low = "".join(parts)
    lo, hi = sorted((min(a, len(low)), min(b, len(low))))
    assert sorted(values._than_words(low, lo, hi)) == _plain_than(low, lo, hi)
