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


def test_find_analytes_without_the_overlap_pass():
    """The mentions of one finditer are returned as they come: the same list as the sort and
    overlap pass (the plain form)."""
    from caseminer.nlp.labs import catalogue as C

    cat = C.load_catalogue()

    def plain(text, lo, hi):
        found = []
        for m in cat.analyte_names.finditer(text, lo, hi):
            a = cat.analyte_for(m.group())
            if a is not None:
                weak = C._norm(m.group()) in cat.weak
                found.append(C.AnalyteMention(m.start(), m.end(), m.group(), a, weak))
        return C._leftmost_longest(found)

    texts = ["Na 140, K 4.1, sodium-year, CRP CRP, (1,3)-β-d-glucan 80", "Σodium ſodium"]
    n = 0
    for t in texts + corpus_texts([], maccrobat=25):
        for lo, hi in ((0, len(t)), (len(t) // 3, len(t))):
            fast = C.find_analytes(t, cat, lo, hi)
            assert fast == plain(t, lo, hi)
            n += len(fast)
    assert n > 500


def test_non_value_after_gate_on_every_character():
    """Where ``_may_be_non_value_after`` says no, ``_NON_VALUE_AFTER`` never matches: every code
    point first, followed by what its alternatives read next."""
    rx = values._NON_VALUE_AFTER
    for cp in range(0x110000):
        c = chr(cp)
        if values._may_be_non_value_after(c, 0):
            continue
        for rest in ("", "ears", "ear", "5", "05", " years", "1", "d", "h", "t", "00"):
            assert rx.match(c + rest) is None, (hex(cp), rest)
    assert not values._may_be_non_value_after("", 0)
    assert values._may_be_non_value_after("5 years", 1)


def test_folds_plainly_remembered_per_character():
    """``_folds_plainly`` with its per-character memo says what the plain test says, on the
    corpora and on every code point (alone and after one that does not fold plainly), twice."""
    from caseminer.nlp.labs import names

    def plain(text: str) -> bool:
        found = set(names._NON_ASCII.findall(text))
        return text.isascii() or all(map(names._folds_like_lower, found))

    texts = [*corpus_texts([], maccrobat=25), "ſodium", "Kelvin K", "µ–‐", ""]
    texts += [chr(cp) for cp in range(0x80, 0x3000)]
    texts += [f"a{chr(cp)}ſ" for cp in range(0x80, 0x800)]
    names._FOLDS.clear()
    for _ in range(2):  # the second pass reads the memo
        for t in texts:
            assert names._folds_plainly(t) == plain(t), t
    assert len(names._FOLDS) <= names._MAX_FOLDS + 1
    assert not names._folds_plainly("ſ") and names._folds_plainly("µ")
