"""caseminer_patient (speed): the anchored search of the age patterns gives exactly what each
pattern's own ``finditer`` gives, and the case folding it rests on is ``re.IGNORECASE``'s."""

from __future__ import annotations

import json
import re
import string
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from paths import MACCROBAT, REPO

from caseminer.nlp.casefold import fold
from caseminer.nlp.patient import _matches, find_ages, load_vocabulary
from caseminer.nlp.patient_anchors import anchor_of, anchored_finditer


def _same_as_finditer(text: str) -> None:
    vocab = load_vocabulary()
    folded = fold(text)
    for rule, _, pattern, requires in vocab.patterns:
        want = [m.span() for m in pattern.finditer(text)]
        assert [m.span() for m in _matches(text, folded, rule, pattern, requires, vocab)] == want


def test_every_age_pattern_is_anchored():
    # otherwise the comparisons below would not test the anchored search
    vocab = load_vocabulary()
    assert set(vocab.anchors) == {rule for rule, *_ in vocab.patterns}


def test_corpus_texts_give_what_finditer_gives():
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))]
    if MACCROBAT.exists():
        texts += [json.loads(line)["text"] for line in MACCROBAT.open(encoding="utf-8")]
    found = 0
    for text in texts:
        _same_as_finditer(text)
        found += len(find_ages(text, load_vocabulary()))
    assert found > 20


_PIECES = [
    "65",
    "7",
    "130",
    "2.5",
    "twenty-two",
    "seventy five",
    "Three",
    " ",
    "  ",
    "\n",
    "\u00a0",
    "-",
    "‐",
    "year",
    "years",
    "Months",
    "y",
    "yo",
    "y/o",
    "Y.O.",
    "old",
    "OLD",
    "o\u212ad",
    "aged",
    "AGE",
    "age",
    "of",
    "in",
    "his",
    "her",
    "40s",
    "a",
    "newborn",
    "neonate",
    "\u0130",
    "\u0131n",
    "\u017f",
    "stage",
    "image",
    ".",
    ",",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=60))
def test_generated_texts_give_what_finditer_gives(pieces):
    _same_as_finditer("".join(pieces))


def test_longest_matches_are_found():
    # a match of each pattern holding about as many non-space characters as it can, with
    # space runs, far apart in a long text (so the windows are searched, not the whole text)
    longest = {
        "n_unit_old": "seventy\u2010seven  \u2013 \n months \u2013  old",
        "aged_n": "aged \n seventy\u2010seven \u2010\nmonths",
        "n_unit_of_age": "seventy-seven - weeks of  age",
        "decade": "in  her \n mid-40\u2019s",
        "age_word": "the premature   neonate",
        "age_n": "age\tof  seventy-seven - months",
        "n_yo": "130 - y.o.",
    }
    vocab = load_vocabulary()
    text = (" Lorem ipsum dolor sit amet." * 30 + " ").join(["", *longest.values(), ""])
    folded = fold(text)
    for rule, _, pattern, requires in vocab.patterns:
        assert pattern.fullmatch(longest[rule])
        got = [m.group(0) for m in _matches(text, folded, rule, pattern, requires, vocab)]
        assert longest[rule] in got
    _same_as_finditer(text)


def test_windows_are_used_and_agree_on_a_long_text():
    # few anchors in a long text: the window loop runs (not the full-scan fallback)
    text = ("Lorem ipsum dolor sit amet. " * 40).join(
        ["", "A 65-year-old man", "aged  \n 7  months", "45 y/o", "in her late 40s", ""]
    )
    vocab = load_vocabulary()
    anchor = vocab.anchors["n_unit_old"]
    pattern = next(p for rule, _, p, _ in vocab.patterns if rule == "n_unit_old")
    got = [m.span() for m in anchored_finditer(text, fold(text), pattern, anchor)]
    assert got == [m.span() for m in pattern.finditer(text)] and len(got) == 1
    _same_as_finditer(text)


def test_fold_is_ignorecase_for_ascii_letters():
    letter = re.compile("[a-z]", re.IGNORECASE)
    for code in range(0x30000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        folded = fold(char)
        assert len(folded) == 1 and folded.isspace() == char.isspace()
        if letter.fullmatch(char):
            assert folded in string.ascii_lowercase and re.fullmatch(folded, char, re.IGNORECASE)
        else:
            assert folded not in string.ascii_letters
            assert not folded.isascii() or char.isascii()
    assert fold("İı\u017f\u212aX") == "iiskx" and sys.maxunicode >= 0x30000


def test_unbounded_or_unplain_patterns_are_not_anchored():
    old = re.compile("old", re.IGNORECASE)
    assert anchor_of(re.compile(r"\d+\s*old", re.I), old) is None  # \d+: no reach
    assert anchor_of(re.compile(r"\d\s*old", re.I), re.compile(r"\bold", re.I)) is None
    assert anchor_of(re.compile(r"\d\s*old", re.I), re.compile("Old", re.I)) is None
    assert anchor_of(re.compile(r"\d\s*old", re.I), re.compile("old")) is None
    assert anchor_of(re.compile(r"(?:\d\s*old)?", re.I), old) is None  # matches empty text
    anchor = anchor_of(re.compile(r"\d{1,3}\s*-?\s*old", re.I), old)
    assert anchor is not None and anchor.reach == 7


def _window_start_plainly(text: str, anchor: int, reach: int) -> int:
    """The window start as first written: a loop over the characters before the anchor."""
    count, start = 0, anchor
    while start > 0:
        if not text[start - 1].isspace():
            if count == reach:
                break
            count += 1
        start -= 1
    return start


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "7", " ", "\n", "\u00a0", "\u2028", " " * 90, "-"]), max_size=80
    ),
    st.integers(0, 30),
    st.data(),
)
def test_window_start_is_the_character_loop(pieces, reach, data):
    from caseminer.nlp.patient_anchors import _window_start

    text = "".join(pieces)
    anchor = data.draw(st.integers(0, len(text)))
    assert _window_start(text, anchor, reach) == _window_start_plainly(text, anchor, reach)


def test_windows_with_words_glued_at_their_edges():
    # ages right after a word glued to the window start, and right before the anchor
    text = ("x" * 50 + " ").join(
        ["", "65-year-old", "aged 7 months", "in his 40s", "a newborn", ""]
    )
    text += "\u00e965 years old \u00e9" + " filler" * 40
    _same_as_finditer(text)


def _anchor_data(anchor):
    return anchor.starts.pattern, anchor.starts.flags, anchor.reach


def test_cached_anchors_are_the_derived_ones(tmp_path, monkeypatch):
    from caseminer.nlp.patient_anchors import cached_anchors

    patterns = [(rule, p, r) for rule, _, p, r in load_vocabulary().patterns]
    patterns.append(("unanchored", re.compile(r"\d+ years?"), None))
    want = {rule: _anchor_data(a) for rule, p, r in patterns if (a := anchor_of(p, r)) is not None}
    assert set(want) == {rule for rule, *_ in load_vocabulary().patterns}
    monkeypatch.setenv("CASEMINER_CACHE_DIR", str(tmp_path))
    built = cached_anchors(patterns)  # built and stored
    assert list(tmp_path.glob("patient-anchors-*.bin"))
    read = cached_anchors(patterns)  # read back
    assert {r: _anchor_data(a) for r, a in built.items()} == want
    assert {r: _anchor_data(a) for r, a in read.items()} == want
    # another pattern text is another key: not answered from the stored file
    other = [(rule, re.compile(p.pattern + "x", p.flags), r) for rule, p, r in patterns]
    assert {r: a.reach for r, a in cached_anchors(other).items()} == {
        r: a.reach for r, p, q in other if (a := anchor_of(p, q)) is not None
    }


def test_number_alternation_is_fixed_and_its_order_changes_no_match(monkeypatch):
    import random

    from caseminer.nlp import patient

    words = list(load_vocabulary().numbers)
    shuffled = words[:]
    random.Random(7).shuffle(shuffled)
    assert patient._alternation(words) == patient._alternation(shuffled)
    # the same patterns with words of one length in the opposite order find the same ages
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))]
    texts.append("A seventy-seven year old, Twelve-year-old and eleven months old; aged sixty")
    want = [[(a.start, a.end, a.value) for a in find_ages(t, load_vocabulary())] for t in texts]

    def reversed_ties(words: list[str]) -> str:
        """Longest first, words of one length in reverse alphabetical order."""
        ordered = sorted(set(words), key=lambda w: (-len(w), [-ord(c) for c in w]))
        return "|".join(re.escape(w) for w in ordered)

    monkeypatch.setattr(patient, "_alternation", reversed_ties)
    other = patient.load_vocabulary.__wrapped__()
    assert [p.pattern for _, _, p, _ in other.patterns] != [
        p.pattern for _, _, p, _ in load_vocabulary().patterns
    ]
    got = [[(a.start, a.end, a.value) for a in find_ages(t, other)] for t in texts]
    assert got == want and any(want)
