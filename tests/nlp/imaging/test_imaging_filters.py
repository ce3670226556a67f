"""The rule filters' kept choices and the short-text cue search against the straightforward
computation: ``RuleFilter.select`` (kept per combination of trigger words and prefixed words)
and ``modality_rules_in`` (through such a filter) give the rules whose first word or prefix is
in the text, plus the fallback rules; ``cue_search`` with and without its word gate is the cue
regex's ``search``."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.imaging import attrs
from caseminer.nlp.imaging.triggers import RuleFilter, Triggers, words_of
from caseminer.nlp.imaging.vocab import _FILTERS, load_vocabulary, modality_rules_in

CORPORA = Path(__file__).resolve().parents[3] / "corpora"
RULE_SETS = ("sites", "planes", "sequences", "contrast", "descriptors", "laterality")


def _plain_select(triggers: Triggers, text: str) -> list[int]:
    """Every rule one of whose words is a word of the text, or one of whose prefixes begins
    one, and the fallback rules, in rule order: no kept choices, no shortcuts."""
    words = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)}
    chosen = set(triggers.fallback)
    for word in words:
        chosen.update(triggers.by_word.get(word, ()))
        for prefix, rules in triggers.by_prefix.items():
            if word.startswith(prefix):
                chosen.update(rules)
    return sorted(chosen)


def _texts() -> list[str]:
    out = []
    for path in sorted(CORPORA.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [text[i : i + 150] for i in range(0, len(text), 61)]
    return out


def _check(text: str) -> None:
    vocab = load_vocabulary()
    for name in RULE_SETS:
        rules = getattr(vocab, name)
        rule_filter = _FILTERS[id(rules)][1]
        plain = _plain_select(rule_filter.triggers, text)
        for _ in range(2):  # computed, then kept
            assert rule_filter.select(text) == plain, (name, text)
            assert rule_filter.select(text, words_of(text)) == plain, (name, text)
    plain = [vocab.modalities[k] for k in _plain_select(vocab.triggers, text)]
    for _ in range(2):
        assert modality_rules_in(text, vocab) == plain, text


def test_prefix_triggers_are_exercised() -> None:
    vocab = load_vocabulary()
    assert _FILTERS[id(vocab.descriptors)][1].triggers.by_prefix
    assert vocab.triggers is not None and vocab.triggers.by_prefix


def test_filters_on_corpus_windows() -> None:
    texts = _texts()
    assert len(texts) > 100
    for text in texts:
        _check(text)


_PIECES = ["Tc99m ", "tc-99m", "hypo", "hyperintense ", "T2 ", "left ", "contrast ", "CT "]
_PIECES += ["MRI", "enhancing", "99", "x", " ", ", ", "İ", "\u212a"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=16))
def test_filters_on_generated_texts(pieces: list[str]) -> None:
    _check("".join(pieces))


@pytest.mark.parametrize("gate_min", [0, 10**9])
def test_cue_search_with_and_without_the_gate(monkeypatch, gate_min: int) -> None:
    monkeypatch.setattr(attrs, "_CUE_GATE_MIN", gate_min)
    vocab = load_vocabulary()
    for text in _texts():
        for name, regex in vocab.cues.items():
            fast, plain = attrs.cue_search(vocab, name, text), regex.search(text)
            assert (fast and fast.span()) == (plain and plain.span()), (name, text)


def test_a_filter_keeps_at_most_its_bound() -> None:
    vocab = load_vocabulary()
    rule_filter = RuleFilter([], _FILTERS[id(vocab.descriptors)][1].triggers)
    for text in _texts()[:50]:
        rule_filter.select(text)
    assert 0 < len(rule_filter._chosen) <= 4096


def test_sentence_bounds_on_corpus_docs() -> None:
    """``sentence_bounds`` read off the token arrays is ``doc.sents``, on whole reports (and
    with token 0 flagged as no start, which ``doc.sents`` ignores too)."""
    import numpy
    from pipelines import component_pipeline
    from spacy.attrs import SENT_START

    from caseminer.nlp.imaging.component import sentence_bounds

    nlp = component_pipeline()
    for path in sorted(CORPORA.glob("*.txt"))[:12]:
        doc = nlp(path.read_text(encoding="utf-8"))
        assert len(list(doc.sents)) > 3
        assert sentence_bounds(doc) == [(s.start_char, s.end_char) for s in doc.sents]
        flags = doc.to_array([SENT_START])
        flags[0] = numpy.uint64(2**64 - 1)
        doc.from_array([SENT_START], flags.reshape(-1, 1))
        assert sentence_bounds(doc) == [(s.start_char, s.end_char) for s in doc.sents]
