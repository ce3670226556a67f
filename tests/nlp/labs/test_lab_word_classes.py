"""The key words of a text read off ``word_classes`` bytes against the regex split they replace."""

from __future__ import annotations

import re

from corpus import corpus_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.labs.catalogue import load_catalogue
from caseminer.nlp.labs.interpret import Interpreter
from caseminer.nlp.labs.names import TextWords, text_base
from caseminer.nlp.labs.word_bytes import key_words, key_words_by_split, word_classes

CAT = load_catalogue()
#: the first words the component asks about (ASCII and not: "β2", "pco₂", "κ")
KEYS = CAT.analyte_names.first_words() | Interpreter(CAT).result_names.first_words()
_W = re.compile(r"\w", re.UNICODE)


def test_word_classes_mark_every_code_point_as_the_regex_does():
    """A character is a space in ``word_classes`` exactly when it is no ``\\w``; an ASCII word
    character is itself and any other word character one byte, so offsets are kept."""
    every = "".join(map(chr, range(0x110000)))
    classes = word_classes(every, 0, len(every))
    assert len(classes) == len(every)
    for c, b in zip(every, classes, strict=True):
        if _W.match(c) is None:
            assert b == 32, c
        elif c.isascii():
            assert b == ord(c), c
        else:
            assert b == 0x80, c


def test_word_classes_of_a_range():
    # "⁺" is no word character
    assert word_classes("Na+ K⁺ µmol β2", 2, 14) == b"  K  \x80mol \x802"


def _check(text: str, lo: int, hi: int) -> None:
    words = TextWords(text, lo, hi, KEYS, text_base(text))
    fast = words._at_keys()
    assert fast == key_words_by_split(words._parts, lo, KEYS)
    assert words._keyed == {w for _, w, _ in fast}


def test_key_words_on_the_corpora():
    """The same (offset, key, next word) list as the regex split, on real reports and ranges."""
    assert not all(w.isascii() for w in KEYS)  # words read as written are tried too
    assert key_words("Na 140, in at no: sodium", 0, 24, KEYS)  # and the bytes themselves
    texts = [
        "",
        "a",
        "in",
        " in ",
        "β2 in µg pco₂ κ in\u00a0at\n\nno",
        "α β γg γgt αβ",
        *corpus_texts([]),
    ]
    for text in texts:
        for lo, hi in ((0, len(text)), (1, max(1, len(text) - 3)), (len(text) // 3, len(text))):
            _check(text, lo, hi)


_SEPARATORS = " \n\t\u00a0\u200a.,;-+()/_aZ9µβ₂×–"
_PIECES = [*sorted(KEYS)[::7], "in", "at", "no", "β2", "κ", "µ", "ª", "x_y", "12", "ſ", "İ"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_PIECES),
            st.text(alphabet=st.sampled_from(list(_SEPARATORS)), max_size=4),
        ),
        max_size=40,
    ),
    st.integers(0, 8),
    st.integers(0, 8),
)
def test_key_words_on_generated_texts(parts, cut_lo, cut_hi):
    """Keys next to each other, separated by runs of any separators, next to non-ASCII word
    characters, at either end of the range."""
    text = "".join(parts)
    lo = min(cut_lo, len(text))
    _check(text, lo, max(lo, len(text) - cut_hi))
