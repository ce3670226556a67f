"""caseminer_clinical, round 4 (speed): the per-word morphology memo, the suffix pre-filter and
the line-break join must decide exactly as the plain per-token rules did."""

from __future__ import annotations

import pytest
from pipelines import component_pipeline

import caseminer.nlp.clinical.component  # noqa: F401  (registers the factory)
from caseminer.nlp.clinical.match import DIAGNOSIS, PROCEDURE, ClinicalMatcher, space_tokens
from caseminer.nlp.clinical.view import DocView
from caseminer.nlp.clinical.vocab import load_vocab

TEXT = (
    "She underwent a right nephrectomy and colonoscopy. Biopsy showed sarcoidosis.\n"
    "A second colonoscopy was uneventful; the nephrectomy site healed."
)


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline(tokenizer="spacy")


@pytest.fixture(scope="module")
def matcher(nlp):
    return ClinicalMatcher(nlp.vocab, load_vocab(), True, nlp.make_doc)


def _slow_suffix(matcher, low):
    """The ordered loop over the suffix table, without the regex pre-filter."""
    for suffix, cat in matcher.proc_suffixes.items():
        if low.endswith(suffix) and len(low) > len(suffix) + 2:
            return cat
    return None


def test_suffix_prefilter_agrees_with_the_ordered_loop(matcher):
    words = ["nephrectomy", "colonoscopy", "angioplasty", "tracheostomy", "sarcoidosis", "table"]
    words += [s + "x" for s in matcher.proc_suffixes] + ["abc" + s for s in matcher.proc_suffixes]
    for word in words:
        assert matcher._proc_suffix(word) == _slow_suffix(matcher, word), word


def test_morphology_memo_gives_same_candidates_on_every_call(nlp, matcher):
    doc = nlp(TEXT)
    first = [
        (c.start, c.end, c.label, c.rule, c.category) for c in matcher.morphology_candidates(doc)
    ]
    again = [
        (c.start, c.end, c.label, c.rule, c.category) for c in matcher.morphology_candidates(doc)
    ]
    assert first == again
    found = {doc[s:e].text: label for s, e, label, _, _ in first}
    assert found["nephrectomy"] == PROCEDURE and found["colonoscopy"] == PROCEDURE
    assert found["sarcoidosis"] == DIAGNOSIS
    for s, e, *_ in first:
        span = doc[s:e]
        assert TEXT[span.start_char : span.end_char] == span.text
    # the repeated word gets the memoised decision at its own position
    positions = [s for s, e, *_ in first if doc[s].lower_ == "colonoscopy"]
    assert len(positions) == 2


def test_space_tokens_are_the_white_space_tokens(nlp):
    doc = nlp("Total hip\n\nreplacement was done.")
    assert space_tokens(doc) == frozenset(t.i for t in doc if t.is_space)
    assert space_tokens(nlp("")) == frozenset()


def test_widen_without_precomputed_spaces_matches_widen_with_them(nlp, matcher):
    doc = nlp("He had a resection\narthroplasty of the left hip.")
    plain = [matcher.widen(doc, c) for c in matcher.vocab_candidates(doc)]
    fast = [matcher.widen(doc, c, DocView(doc)) for c in matcher.vocab_candidates(doc)]
    as_tuples = [[(c.start, c.end, c.normalized) for c in cs if c] for cs in (plain, fast)]
    assert as_tuples[0] == as_tuples[1]
