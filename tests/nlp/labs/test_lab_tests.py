"""Results of tests outside the analyte catalogue (nlp/lab_tests.py) and LAB categories."""

from __future__ import annotations

import pytest
from pipelines import component_pipeline, lab_items

import caseminer.nlp.labs.component  # noqa: F401  (registers the factory)
from caseminer.nlp.labs.catalogue import load_catalogue
from caseminer.nlp.labs.interpret import Interpreter
from caseminer.nlp.labs.results import ResultWords
from caseminer.nlp.labs.test_heads import find_attached_results, find_test_for, load_test_vocab
from caseminer.nlp.labs.values import ValueMention

TESTS = load_test_vocab()


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_labs")


labs_of = lab_items


def by_value(found, value: str) -> dict:
    hits = [a for t, a in found if t == value]
    assert len(hits) == 1, (value, found)
    return hits[0]


# -- the three shapes ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value", "test"),
    [
        ("Coronary angiography was normal.", "normal", "Coronary angiography"),
        ("Gait and tandem gait were normal.", "normal", "Gait and tandem gait"),
        (
            "His neurological examination was completely normal.",
            "normal",
            "neurological examination",
        ),
        ("The postoperative course was uneventful.", "uneventful", "postoperative course"),
        ("Cranial MRI was reported as normal.", "normal", "Cranial MRI"),
        ("The urea breath test (Fig. 2) was negative.", "negative", "urea breath test"),
    ],
)
def test_predicative_result_of_a_named_test(nlp, text, value, test):
    a = by_value(labs_of(nlp, text), value)
    assert a["analyte_text"] == test and a["analyte"] == test
    assert a["category"] == "other" and a["rule"] == "prose_test_result"


def test_attributive_result_names_the_test_after_it(nlp):
    a = by_value(labs_of(nlp, "An electrocardiogram revealed normal sinus rhythm."), "normal")
    assert a["analyte_text"] == "sinus rhythm" and a["interpretation"] == "normal"
    assert a["rule"] == "prose_result_test"


def test_trend_verb_after_its_subject(nlp):
    a = by_value(labs_of(nlp, "Then the clinical situation gradually improved."), "improved")
    assert a["analyte_text"] == "clinical situation" and a["rule"] == "prose_test_trend"


def test_domain_adverb_is_the_test(nlp):
    a = by_value(labs_of(nlp, "The patient remained haemodynamically stable."), "stable")
    assert a["analyte_text"] == "haemodynamically"


def test_attached_result_and_tnm_stage(nlp):
    found = labs_of(nlp, "The organism was catalase-negative. The tumour was staged T3N1M0.")
    stage = by_value(found, "T3N1M0")
    assert stage["analyte"] == "TNM stage" and stage["category"] == "other"
    (neg,) = [a for t, a in found if a["analyte_text"] == "catalase"]
    assert neg["interpretation"] == "negative"


# -- what is not a test ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Her family history was unremarkable.",
        "The patient was stabilised on the ventilator.",  # "was stable" is a status (lab_scores)
        "She was flushed with 10 mL of normal saline.",
        "He was given a high dose of furosemide.",
        "A positive control was run alongside.",
        "Gram-positive cocci were seen.",
        "C-reactive protein was measured.",
    ],
)
def test_no_test_result_without_a_test(nlp, text):
    assert [t for t, a in labs_of(nlp, text) if a["category"] == "other"] == []


def test_find_test_for_needs_a_subject_in_the_same_clause():
    text = "Normal. She was seen; was normal"
    pos = text.rindex("normal")
    r = ValueMention(pos, pos + 6, "normal", qualitative="normal")
    assert find_test_for(text, r, text.index("She"), len(text), TESTS) is None


def test_attached_results_offsets():
    text = "Cells were CD34-positive, and HER2-negative."
    got = [(a.text, r.value_text) for a, r, _ in find_attached_results(text, 0, len(text), TESTS)]
    assert got == [("CD34", "positive"), ("HER2", "negative")]
    for a, r, _ in find_attached_results(text, 0, len(text), TESTS):
        assert text[a.start : a.end] == a.text and text[r.start : r.end] == r.value_text


# -- categories ------------------------------------------------------------------------------
def test_every_lab_has_a_category(nlp):
    found = labs_of(
        nlp,
        "Serum creatinine was 1.2 mg/dL. Blood pressure was 120/80 mmHg. Gait was normal.",
    )
    cats = {a["analyte"]: a["category"] for _, a in found}
    assert cats["Creatinine"] == "renal"
    assert cats["Blood pressure"] == "vital_sign"
    assert cats["Gait"] == "other"


def test_result_words_pair_with_catalogue_analytes_first():
    cat = load_catalogue()
    rw = ResultWords(cat, Interpreter(cat))
    text = "CRP was elevated."
    found = rw.find(text, 0, len(text), [])
    assert [(r.start, r.end, r.interpretation) for r in found] == [(8, 16, "high")]
    assert text[found[0].start : found[0].end] == "elevated"
