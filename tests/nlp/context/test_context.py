"""caseminer_context: assertion flags and diagnosis status on every item span."""

from __future__ import annotations

import pytest
from paths import SEED
from pipelines import component_pipeline, find_item

import caseminer.nlp.clinical.component  # noqa: F401  (registers the factories)
import caseminer.nlp.context.component  # noqa: F401
from caseminer.nlp.extensions import DIAGNOSIS, PROCEDURE, get_attrs, items

FLAGS = ("negated", "uncertain", "hypothetical", "historical", "family")


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_clinical", "caseminer_context", tokenizer="spacy")


def _item(doc, mention, label=DIAGNOSIS):
    return find_item(doc, mention, label)


@pytest.mark.parametrize(
    ("text", "mention", "flag", "status"),
    [
        ("Tuberculosis was ruled out.", "tuberculosis", "negated", "ruled_out"),
        ("Cultures were negative for endocarditis.", "endocarditis", "negated", "ruled_out"),
        ("There was no evidence of pneumonia.", "pneumonia", "negated", "ruled_out"),
        (
            "The bone scan showed no change, ruling out osteomyelitis.",
            "osteomyelitis",
            "negated",
            "ruled_out",
        ),
        ("Findings were compatible with sarcoidosis.", "sarcoidosis", "uncertain", "suspected"),
        ("Possible appendicitis was considered.", "appendicitis", "uncertain", "suspected"),
        ("Sepsis had to be ruled out.", "sepsis", "hypothetical", "suspected"),
        ("She had a history of asthma.", "asthma", "historical", "historical"),
        ("Breast cancer was diagnosed 10 years ago.", "breast cancer", "historical", "historical"),
        ("Her mother had multiple sclerosis.", "multiple sclerosis", "family", None),
    ],
)
def test_assertion_classes(nlp, text, mention, flag, status):
    span = _item(nlp(text), mention)
    assertion = span._.assertion
    assert assertion[flag] is True
    assert assertion["cues"], "a flag must name its trigger"
    assert all(c.lower() in text.lower() for c in assertion["cues"])
    if status:
        assert get_attrs(span)["status"] == status


def test_plain_statement_is_confirmed(nlp):
    span = _item(nlp("The patient has pneumonia."), "pneumonia")
    assert not any(span._.assertion[f] for f in FLAGS)
    assert span._.assertion["cues"] == []
    assert get_attrs(span)["status"] == "confirmed"


def test_consistent_with_confirms(nlp):
    span = _item(nlp("The biopsy was consistent with sarcoidosis."), "sarcoidosis")
    assert span._.assertion["uncertain"] is False
    assert get_attrs(span)["status"] == "confirmed"


def test_differential(nlp):
    doc = nlp("The differential diagnosis included sarcoidosis and tuberculosis.")
    for mention in ("sarcoidosis", "tuberculosis"):
        assert get_attrs(_item(doc, mention))["status"] == "differential"


def test_procedures_get_assertions_too(nlp):
    doc = nlp("She had undergone a mastectomy in the past.")
    span = _item(doc, "mastectomy", PROCEDURE)
    assert span._.assertion["historical"] is True
    assert "status" not in get_attrs(span)


def test_empty_doc(nlp):
    assert items(nlp("")) == []


@pytest.fixture(scope="module")
def seed_doc(nlp):
    if not SEED.exists():
        pytest.skip("../shared is absent")
    return nlp(SEED.read_text(encoding="utf-8"))


def test_seed_history(seed_doc):
    cancer = next(s for s in items(seed_doc, DIAGNOSIS) if "breast cancer" in s.text)
    assert cancer._.assertion["historical"] and get_attrs(cancer)["status"] == "historical"
    for norm in ("mastectomy", "chemotherapy", "radiotherapy", "hormone therapy"):
        spans = [s for s in items(seed_doc, PROCEDURE) if get_attrs(s)["normalized"] == norm]
        assert spans and spans[0]._.assertion["historical"], norm


def test_seed_ruled_out(seed_doc):
    for norm in ("infection", "metastasis", "malignancy"):
        spans = [s for s in items(seed_doc, DIAGNOSIS) if get_attrs(s)["normalized"] == norm]
        assert any(get_attrs(s)["status"] == "ruled_out" for s in spans), norm
    osteo = [s for s in items(seed_doc, DIAGNOSIS) if s.text == "osteoarthrosis"]
    assert osteo and get_attrs(osteo[0])["status"] == "confirmed"


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("No surgical intervention was required.", "surgical intervention"),
        ("She refused a lumbar puncture.", "lumbar puncture"),
        ("Autopsy was not performed.", "autopsy"),
        ("He was managed without further surgery.", "surgery"),
    ],
)
def test_procedure_negated_only_by_explicit_cues(nlp, text, mention):
    span = _item(nlp(text), mention, PROCEDURE)
    assert span._.assertion["negated"] is True
    assert span._.assertion["cues"]


def test_negative_result_does_not_negate_the_test(nlp):
    doc = nlp("Blood cultures were negative and there were no complications after the biopsy.")
    for mention in ("blood cultures", "biopsy"):
        assert _item(doc, mention, PROCEDURE)._.assertion["negated"] is False


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("Pulmonary embolism was considered but was excluded by CT.", "pulmonary embolism"),
        ("Sarcoidosis and lymphoma were considered but excluded.", "lymphoma"),
        ("Tumor lysis syndrome did not develop after rasburicase.", "lysis syndrome"),
        ("Possible pancreatitis was monitored for but did not develop.", "pancreatitis"),
        ("Pneumonia and pneumothorax were not seen.", "pneumothorax"),
    ],
)
def test_case_report_negation(nlp, text, mention):
    span = _item(nlp(text), mention)
    assert span._.assertion["negated"] is True
    assert get_attrs(span)["status"] == "ruled_out"
    assert all(c.lower() in text.lower() for c in span._.assertion["cues"])


def test_exclusion_does_not_reach_the_next_clause(nlp):
    doc = nlp("Appendicitis was therefore excluded, and a tubo-ovarian abscess was suspected.")
    assert _item(doc, "appendicitis")._.assertion["negated"] is True
    abscess = _item(doc, "tubo-ovarian abscess")
    assert abscess._.assertion["negated"] is False
    assert get_attrs(abscess)["status"] == "suspected"


def test_otherwise_unremarkable_keeps_the_stated_finding(nlp):
    doc = nlp("The chest film showed a right pneumothorax and was otherwise unremarkable.")
    span = _item(doc, "pneumothorax")
    assert span._.assertion["negated"] is False
    assert get_attrs(span)["status"] == "confirmed"


def _with_item(nlp, text: str, mention: str, label: str):
    """Run the pipeline with one extra item (labs and imaging are other components' job)."""
    from spacy.tokens import Span

    from caseminer.nlp.extensions import add_item

    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        if name == "caseminer_context":
            start = text.index(mention)
            span = doc.char_span(start, start + len(mention), label=label)
            assert span is not None and span.text == mention
            add_item(doc, Span(doc, span.start, span.end, label=label), {})
        doc = proc(doc)
    return next(s for s in items(doc, label) if s.text == mention)


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("She had no history of renal disease: creatinine 1.23 mg/dL today.", "1.23"),
        ("There was no fever, and the hemoglobin was 13.1 g/dL today.", "13.1"),
        ("No fever was noted; the CRP was negative.", "negative"),
    ],
)
def test_lab_values_are_never_negated(nlp, text, mention):
    span = _with_item(nlp, text, mention, "LAB")
    assert text[span.start_char : span.end_char] == mention
    assert span._.assertion["negated"] is False


def test_imaging_negated_only_by_explicit_cues(nlp):
    text = "No evidence of recurrence was found on CT."
    span = _with_item(nlp, text, "CT", "IMAGING")
    assert text[span.start_char : span.end_char] == "CT"
    assert span._.assertion["negated"] is False
    text = "The patient refused a follow-up CT."
    span = _with_item(nlp, text, "CT", "IMAGING")
    assert span._.assertion["negated"] is True
    assert "refused" in [c.lower() for c in span._.assertion["cues"]]
