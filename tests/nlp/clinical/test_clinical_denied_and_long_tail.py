"""caseminer_clinical, round 5: denied past/family history is kept and marked absent (issue 11:
negated mentions are extracted with their flags, not dropped), and the procedure long tail
(serology antibodies, named criteria, surgical approaches, wounds "closed")."""

from __future__ import annotations

import pytest
from pipelines import component_pipeline

import caseminer.nlp.clinical.component  # noqa: F401  (registers the factory)
from caseminer.nlp.clinical.match import DIAGNOSIS, PROCEDURE, ClinicalMatcher
from caseminer.nlp.clinical.vocab import load_vocab


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline(tokenizer="spacy")


@pytest.fixture(scope="module")
def matcher(nlp):
    return ClinicalMatcher(nlp.vocab, load_vocab(), True, nlp.make_doc)


def _found(matcher, nlp, text: str, label: str) -> list[str]:
    doc = nlp(text)
    out = []
    for cand in matcher(doc):
        if cand.label != label:
            continue
        span = doc[cand.start : cand.end]
        assert text[span.start_char : span.end_char] == span.text
        out.append(span.text)
    return out


@pytest.mark.parametrize(
    "text",
    [
        "She had no history of tuberculosis or smoking.",
        "There was no family history of tuberculosis.",
        "He had no known medical history of tuberculosis.",
        "Her family history was unremarkable for tuberculosis.",
    ],
)
def test_denied_history_is_kept_and_marked_absent(matcher, nlp, text):
    doc = nlp(text)
    cands = [c for c in matcher(doc) if doc[c.start : c.end].text == "tuberculosis"]
    assert cands, "the denied condition must be extracted"
    assert cands[0].negated_cue, "and carry the cue that denies it"


@pytest.mark.parametrize(
    "text",
    [
        "She had a history of tuberculosis.",
        "There was no fever, but tuberculosis was confirmed.",
        "She had no history of smoking; tuberculosis was diagnosed in 2010.",
        "No history of smoking was recorded. Tuberculosis was confirmed by culture.",
    ],
)
def test_affirmed_or_unrelated_conditions_are_kept(matcher, nlp, text):
    doc = nlp(text)
    cands = [c for c in matcher(doc) if doc[c.start : c.end].text.lower() == "tuberculosis"]
    assert cands and all(c.negated_cue is None for c in cands)


def test_current_negation_is_left_to_context(matcher, nlp):
    found = _found(matcher, nlp, "There was no pleural effusion and no tuberculosis.", DIAGNOSIS)
    assert "tuberculosis" in found


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("Screening for antinuclear antibodies was negative.", "antinuclear antibodies"),
        ("She fulfilled the revised Sapporo criteria.", "Sapporo criteria"),
        ("A transarterial approach was chosen.", "transarterial approach"),
        ("The aortotomy was closed in two layers.", "closed"),
    ],
)
def test_procedure_long_tail(matcher, nlp, text, mention):
    found = _found(matcher, nlp, text, PROCEDURE)
    assert any(mention in f for f in found), found


def test_generic_heads_alone_are_not_procedures(matcher, nlp):
    found = _found(matcher, nlp, "This approach and these criteria were discussed.", PROCEDURE)
    assert found == []
