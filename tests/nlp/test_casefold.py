"""casefold: the characters re.IGNORECASE matches with an ASCII letter, checked on every code
point, and ``fold`` against the regex engine."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from caseminer.nlp.casefold import IGNORECASE_TO_ASCII, LOWER_MISSES, LOWER_NOT_PLAIN, fold

_ASCII_LETTER = re.compile("[a-z]", re.IGNORECASE)


def test_the_table_is_every_non_ascii_character_matching_an_ascii_letter():
    found = {}
    for cp in range(128, 0x30000):
        c = chr(cp)
        if _ASCII_LETTER.fullmatch(c):
            found[c] = next(a for a in "abcdefghijklmnopqrstuvwxyz" if re.fullmatch(a, c, re.I))
    assert found == IGNORECASE_TO_ASCII
    assert set(LOWER_MISSES) == {"\u0130", "\u0131", "\u017f"}  # the Kelvin sign lowers to "k"


def test_lower_not_plain_is_every_character_lower_makes_long_or_ascii():
    odd = {
        chr(cp)
        for cp in range(128, 0x110000)
        if not 0xD800 <= cp <= 0xDFFF and (len(chr(cp).lower()) != 1 or chr(cp).lower().isascii())
    }
    assert odd == set(LOWER_NOT_PLAIN)


@given(
    st.text(
        alphabet=st.sampled_from(
            ["a", "K", "s", "I", "\u0130", "\u0131", "\u017f", "\u212a", "é", " "]
        )
    )
)
def test_fold_keeps_offsets_and_matches_ascii_letters_as_the_regex_engine(text):
    folded = fold(text)
    assert len(folded) == len(text)
    for c, f in zip(text, folded, strict=True):
        for a in "iks":
            assert (f == a) == bool(re.fullmatch(a, c, re.IGNORECASE))
