"""Sentence-grouped ConText driver (caseminer.nlp.context.graph) and wave-4 assertion rules."""

from __future__ import annotations

import pytest
from paths import SEED
from pipelines import component_pipeline, find_item

import caseminer.nlp.clinical.component  # noqa: F401  (registers the factories)
import caseminer.nlp.context.component  # noqa: F401
from caseminer.nlp.context.graph import SentenceContext, sentence_starts, target_ranges
from caseminer.nlp.extensions import DIAGNOSIS, PROCEDURE, SPAN_GROUP

MIXED = (
    "She had no fever, no cough and no evidence of pneumonia. Tuberculosis was ruled out; "
    "sarcoidosis was suspected. Her mother had multiple sclerosis. Without vasculitis, the "
    "biopsy was consistent with sarcoidosis, but not with lymphoma. A history of asthma was noted."
)


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_clinical", "caseminer_context", tokenizer="spacy")


def _item(doc, mention, label=DIAGNOSIS):
    return find_item(doc, mention, label)


def _edges(doc, modifiers=None):
    """(target, category, cue, scope) of every edge: from medspaCy's ``span._.modifiers``, or
    from the driver's modifiers per target range."""
    return [
        (t.start, t.end, m.category, m.modifier_span, m.scope_span)
        for t in doc.spans[SPAN_GROUP]
        for m in (t._.modifiers if modifiers is None else modifiers.get((t.start, t.end), ()))
    ]


def _texts():
    out = [MIXED, "No pneumonia. Sepsis had to be ruled out", "Pneumonia resolved without surgery."]
    if SEED.is_file():
        out.append(SEED.read_text(encoding="utf-8"))
    return out


@pytest.mark.parametrize("index", range(4))
def test_same_edges_as_medspacy(nlp, index):
    """Without the families and clause scopes, nested_terminate=False must reproduce medspaCy's
    ConText edges exactly (medspaCy's own ConText run over the same rules)."""
    texts = _texts()
    if index >= len(texts):
        pytest.skip("seed report absent")
    component = nlp.get_pipe("caseminer_context")
    before = nlp.make_doc(texts[index])
    for _, pipe in nlp.pipeline[:-1]:
        before = pipe(before)
    after = nlp.make_doc(texts[index])
    for _, pipe in nlp.pipeline[:-1]:
        after = pipe(after)
    component.medspacy_context()(before)
    lower, arr = component.matcher.arrays(after)
    matches = component.matches(after, lower, arr, families=False)
    targets = list(after.spans[SPAN_GROUP])
    driver = SentenceContext(component.rules, nested_terminate=False)
    modifiers = driver(after, lower, matches, target_ranges(targets), sentence_starts(after))
    assert _edges(before) == _edges(after, modifiers)
    if index == 0:
        assert _edges(after, modifiers), "the mixed text must produce some modifiers"


def test_sentence_starts(nlp):
    doc = nlp("No fever. No cough. Pneumonia.")
    starts = sentence_starts(doc)
    assert starts == [s.start for s in doc.sents]
    assert starts[0] == 0


@pytest.mark.parametrize(
    ("text", "negated", "affirmed"),
    [
        (
            "He did not have tuberculosis, so he was diagnosed as sarcoidosis.",
            "tuberculosis",
            "sarcoidosis",
        ),
        (
            "There was an infiltrate without vasculitis confirming the diagnosis of sarcoidosis.",
            "vasculitis",
            "sarcoidosis",
        ),
    ],
)
def test_clause_boundaries_end_negation(nlp, text, negated, affirmed):
    doc = nlp(text)
    neg, aff = _item(doc, negated), _item(doc, affirmed)
    assert neg._.assertion["negated"] is True
    assert aff._.assertion["negated"] is False
    assert doc.text[aff.start_char : aff.end_char] == aff.text


def test_not_fatal_is_not_a_negation(nlp):
    doc = nlp("He developed many, but not fatal, episodes of pulmonary edema.")
    span = _item(doc, "pulmonary edema")
    assert span._.assertion["negated"] is False


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("She was unable to undergo the colonoscopy.", "colonoscopy"),
        ("He could not undergo a colonoscopy.", "colonoscopy"),
    ],
)
def test_unable_to_undergo_negates_procedure(nlp, text, mention):
    doc = nlp(text)
    span = _item(doc, mention, PROCEDURE)
    assert span._.assertion["negated"] is True
    assert "undergo" in " ".join(span._.assertion["cues"])


def test_undergone_procedure_is_not_negated(nlp):
    doc = nlp("She was able to undergo a colonoscopy.")
    assert _item(doc, "colonoscopy", PROCEDURE)._.assertion["negated"] is False
