"""caseminer_imaging (speed): ``candidate_starts`` lists the text's distinct words and looks up
only the triggers among them; it must give exactly what a pass over every word gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.imaging import triggers as T
from caseminer.nlp.imaging.vocab import load_vocabulary

CORPORA = Path(__file__).resolve().parents[3] / "corpora"


def every_word(text: str, triggers: T.Triggers) -> list[tuple[int, tuple[int, ...]]]:
    """The straightforward scan: every word of the text, looked up in ``by_word``."""
    found = [
        (m.start(), rules)
        for m in re.finditer(r"(?<![A-Za-z0-9])[A-Za-z0-9]+", text)
        if (rules := triggers.by_word.get(m.group().lower()))
    ]
    if triggers.by_prefix:
        found = T._add_prefixed(text, triggers, found)
    return found


@pytest.fixture(scope="module")
def triggers() -> T.Triggers:
    return load_vocabulary().triggers


def test_corpus_texts_give_what_every_word_gives(triggers):
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("*.txt"))]
    assert texts
    for text in texts:
        got = list(T.candidate_starts(text, triggers))
        assert got == every_word(text, triggers)
        assert got  # case reports name imaging studies: the comparison is not vacuous


_PIECES = [
    "CT",
    "ct",
    "Ct2",
    "MRI",
    "x-ray",
    "X",
    "2",
    "3d",
    "18F-FDG",
    "Tc99m",
    "tc-99m",
    "US",
    "bone",
    "scan",
    "İ",
    "\u212a",
    "ſ",
    "é",
    "_ct",
    "ect",
    "ctct",
    "22",
    " ",
    "\n",
    "-",
    "/",
    "(",
    ".",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=40))
def test_generated_texts_give_what_every_word_gives(triggers, pieces):
    text = "".join(pieces)
    assert list(T.candidate_starts(text, triggers)) == every_word(text, triggers)


def test_small_trigger_set():
    small = T.build_triggers([("CT", 0), ("x[- ]?ray", re.IGNORECASE), ("tc-?99m?\\s*\\w*", 2)])
    text = "ECT, a CT and X-ray; CTLA-4 (ct) Tc99mMDP ct\u0130ct \u212act x\u00e9ray"
    got = list(T.candidate_starts(text, small))
    assert got == every_word(text, small)
    # "ct" either side of "İ" and after the Kelvin sign: neither is a word character
    assert [pos for pos, _ in got] == [7, 14, 29, 33, 42, 45, 49, 52]


def _select_plainly(rule_filter: T.RuleFilter, words: set[str]) -> list[int]:
    chosen = set(rule_filter.triggers.fallback)
    for rules in rule_filter.triggers.rules_for(words).values():
        chosen.update(rules)
    return sorted(chosen)


def test_rule_filter_choices_kept_per_trigger_combination(monkeypatch):
    from caseminer.nlp.imaging.vocab import _FILTERS

    load_vocabulary()
    filters = [f for _, f in _FILTERS.values()]
    assert any(not f.triggers.by_prefix for f in filters)
    assert any(f.triggers.by_prefix for f in filters)
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("*.txt"))]
    pieces = [s for text in texts for s in re.split(r"(?<=[.;])\s+", text)][:3000]
    monkeypatch.setattr(T, "_CHOSEN_MAX", 50)  # the cache fills and is emptied too
    for _ in range(2):  # the second round is served from the kept choices
        for piece in pieces:
            for rule_filter in filters:
                words = T.words_of(piece)
                want = _select_plainly(rule_filter, words)
                assert rule_filter.select(piece) == want
                got = rule_filter.select(piece, words)
                assert got == want
                got.append(-1)  # the caller's list is its own


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=20))
def test_words_of_is_every_word_lowered(pieces):
    text = "".join(pieces)
    assert T.words_of(text) == {w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)}


def _cue_both_ways(vocab, text: str) -> None:
    from caseminer.nlp.imaging.attrs import cue_search

    for name, regex in vocab.cues.items():
        fast, plain = cue_search(vocab, name, text), regex.search(text)
        assert (fast and fast.span()) == (plain and plain.span()), (name, text)


def test_cue_search_is_the_cue_regex_on_corpus_windows():
    from caseminer.nlp.imaging.attrs import _cue_words

    vocab = load_vocabulary()
    assert _cue_words(vocab.cues["finding_verbs"])  # the skipping path is taken
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("*.txt"))]
    hits = 0
    for text in texts:
        for start in range(0, len(text), 37):
            window = text[start : start + 120]
            _cue_both_ways(vocab, window)
            hits += bool(vocab.cues["finding_verbs"].search(window))
    assert hits > 50


_CUE_PIECES = [
    "CT ",
    "showed",
    "SHOWED",
    "\u017fhowed",
    "was",
    " ",
    "  \n",
    "normal",
    "be ",
    "is ",
    "noted",
    "é",
    "_",
    "1",
    "under",
    "Under",
    "u",
    ",",
    ".",
    "revea",
    "led",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_CUE_PIECES) | st.text(max_size=3), max_size=25))
def test_cue_search_on_generated_texts(pieces):
    _cue_both_ways(load_vocabulary(), "".join(pieces))
