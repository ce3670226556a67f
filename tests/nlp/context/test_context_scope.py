"""caseminer_context, wave 5: explicit procedure cues, pseudo-negation and scope ends."""

from __future__ import annotations

import pytest
from pipelines import component_pipeline, find_item

import caseminer.nlp.clinical.component  # noqa: F401  (registers the factories)
import caseminer.nlp.context.component  # noqa: F401
from caseminer.nlp.extensions import DIAGNOSIS, PROCEDURE


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_clinical", "caseminer_context", tokenizer="spacy")


def _negated(doc, text, mention, label):
    span = find_item(doc, mention, label)
    assert text[span.start_char : span.end_char] == span.text
    assert mention.lower() in span.text.lower()
    return span._.assertion["negated"], span._.assertion["cues"]


@pytest.mark.parametrize(
    ("text", "mention", "cue"),
    [
        (
            "After the resection, no additional therapy such as chemotherapy was administered.",
            "chemotherapy",
            "no additional therapy",
        ),
        ("No further radiotherapy was needed after the operation.", "radiotherapy", "no"),
    ],
)
def test_no_additional_treatment_negates_the_procedure(nlp, text, mention, cue):
    negated, cues = _negated(nlp(text), text, mention, PROCEDURE)
    assert negated is True
    assert cue in [c.lower() for c in cues]


def test_procedure_before_the_cue_is_not_negated(nlp):
    text = "He underwent chemotherapy and no further complications occurred."
    negated, _ = _negated(nlp(text), text, "chemotherapy", PROCEDURE)
    assert negated is False


def test_but_not_in_is_a_comparison_not_a_negation(nlp):
    text = "Cytokeratin was expressed in the carcinoma, but not in Bowen's disease."
    negated, _ = _negated(nlp(text), text, "bowen's disease", DIAGNOSIS)
    assert negated is False


def test_plain_not_still_negates(nlp):
    text = "The patient did not have pneumonia."
    negated, _ = _negated(nlp(text), text, "pneumonia", DIAGNOSIS)
    assert negated is True


def test_and_the_ends_the_negation_scope(nlp):
    text = "He did not require sedation and the episodes of pneumonia recurred."
    negated, _ = _negated(nlp(text), text, "pneumonia", DIAGNOSIS)
    assert negated is False


def test_absorbed_finding_is_resolved_and_negated(nlp):
    # the effusion was there and has gone: absent now (negated) and resolved (issue 12)
    text = "Chest CT showed the pleural effusion and pericardial effusion were absorbed well."
    span = find_item(nlp(text), "pericardial effusion", DIAGNOSIS)
    assert span._.assertion["resolved"] is True
    assert span._.assertion["negated"] is True
    assert any("absorbed" in c.lower() for c in span._.assertion["cues"])
