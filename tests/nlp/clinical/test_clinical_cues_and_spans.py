"""caseminer_clinical, round 3: diagnosis cues for undefined abbreviations, test noun compounds,
annotator span conventions (urgency words and line breaks stay outside the mention)."""

from __future__ import annotations

import pytest
from pipelines import component_pipeline

import caseminer.nlp.clinical.component  # noqa: F401  (registers the factory)
from caseminer.nlp.extensions import DIAGNOSIS, PROCEDURE, get_attrs, items


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_clinical", tokenizer="spacy")


def _spans(doc, label):
    out = []
    for span in items(doc, label):
        assert doc.text[span.start_char : span.end_char] == span.text
        out.append(span)
    return out


def _texts(doc, label):
    return [s.text for s in _spans(doc, label)]


@pytest.mark.parametrize(
    ("text", "abbr"),
    [
        ("A presumptive diagnosis of ECF was reached.", "ECF"),
        ("She was diagnosed with PTE and admitted to our department.", "PTE"),
        ("The girl was suspected of having JLNS because of her deafness.", "JLNS"),
        ("The CSF pattern was consistent with ATM, as summarized in Table 2.", "ATM"),
    ],
)
def test_undefined_abbreviation_after_a_diagnosis_cue(nlp, text, abbr):
    doc = nlp(text)
    found = _spans(doc, DIAGNOSIS)
    assert [s.text for s in found] == [abbr]
    start = text.index(abbr)
    assert (found[0].start_char, found[0].end_char) == (start, start + len(abbr))
    assert get_attrs(found[0])["rule"] == "clinical.cue"


def test_cue_abbreviation_is_found_again_later(nlp):
    text = "He was diagnosed as IPAH combined with PE. The PE was treated with warfarin."
    doc = nlp(text)
    pe = [s for s in _spans(doc, DIAGNOSIS) if s.text == "PE"]
    assert [s.start_char for s in pe] == [text.index("PE"), text.rindex("PE")]


@pytest.mark.parametrize(
    "text",
    [
        "A diagnosis of CNS lymphoma was made.",  # the letters qualify the next noun
        "The patient was diagnosed with CO2 retention.",
        "Findings were consistent with a normal study.",  # no abbreviation at all
    ],
)
def test_cue_needs_an_abbreviation_ending_its_phrase(nlp, text):
    doc = nlp(text)
    assert not any(get_attrs(s)["rule"] == "clinical.cue" for s in _spans(doc, DIAGNOSIS))


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("Urine tests revealed no evidence of porphyria.", "Urine tests"),
        ("A latex agglutination test did not detect the antigen.", "latex agglutination test"),
        ("Thromboelastometry analysis showed hypocoagulability.", "Thromboelastometry analysis"),
    ],
)
def test_tests_are_named_by_noun_compounds(nlp, text, mention):
    doc = nlp(text)
    procs = _spans(doc, PROCEDURE)
    assert mention in [s.text for s in procs]
    span = next(s for s in procs if s.text == mention)
    assert text[span.start_char : span.end_char] == mention
    assert get_attrs(span)["category"] == "diagnostic"


def test_drug_named_therapy_is_not_widened_into_a_procedure(nlp):
    doc = nlp("The patient was started on captopril therapy.")
    assert "captopril therapy" not in _texts(doc, PROCEDURE)


def test_urgency_word_is_a_modifier_outside_the_mention(nlp):
    text = "Emergent intubation was performed."
    doc = nlp(text)
    procs = _spans(doc, PROCEDURE)
    assert [s.text for s in procs] == ["intubation"]
    assert procs[0].start_char == text.index("intubation")
    assert "emergency" in get_attrs(procs[0])["modifiers"]


def test_mention_never_starts_on_a_line_break(nlp):
    text = "Findings were reviewed.\nHistology confirmed the tumour."
    doc = nlp(text)
    procs = _spans(doc, PROCEDURE)
    assert [s.text for s in procs] == ["Histology"]
    assert procs[0].start_char == text.index("Histology")


def test_postoperative_course_is_a_procedure(nlp):
    text = "The postoperative course was uneventful."
    doc = nlp(text)
    procs = _spans(doc, PROCEDURE)
    assert [s.text for s in procs] == ["postoperative course"]
    assert procs[0].start_char == text.index("postoperative")
