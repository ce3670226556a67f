"""Graded findings, percentiles, score series, patient status and change results (lab_scores)."""

import pytest
from pipelines import component_pipeline

import caseminer.nlp.labs.component  # noqa: F401  (registers the factory)
from caseminer.nlp.extensions import LAB, get_attrs, items
from caseminer.nlp.labs.catalogue import load_catalogue
from caseminer.nlp.labs.values import find_values, parse_number, value_regex


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_labs")


def labs_of(nlp, text: str) -> dict[str, dict]:
    """LAB items by span text, checking the offset contract on each."""
    doc = nlp(text)
    out: dict[str, dict] = {}
    for span in items(doc, LAB):
        attrs = get_attrs(span)
        assert text[span.start_char : span.end_char] == span.text
        a0, a1 = attrs["analyte_start_char"], attrs["analyte_end_char"]
        assert text[a0:a1] == attrs["analyte_text"]
        assert span.text not in out, (span.text, out)
        out[span.text] = attrs
    return out


@pytest.mark.parametrize(
    ("text", "value", "analyte_text", "number"),
    [
        ("On auscultation, a 2/6 systolic murmur was audible.", "2/6", "murmur", 2.0),
        ("There was a grade 3/6 holosystolic murmur at the apex.", "grade 3/6", "murmur", 3.0),
        ("He had a grade 3 holosystolic murmur over the precordium.", "grade 3", "murmur", 3.0),
        ("Echocardiography showed grade 1+ mitral regurgitation.", "grade 1+", "regurgitation", 1),
        ("He had bibasilar rales and +2 pitting edema of both legs.", "+2", "pitting", 2.0),
        ("Deep tendon reflexes were 3+ throughout.", "3+", "reflexes", 3.0),
        ("There were 1+ cells in the anterior chamber.", "1+", "cells", 1.0),
    ],
)
def test_graded_findings(nlp, text, value, analyte_text, number):
    found = labs_of(nlp, text)
    assert value in found, found
    assert found[value]["analyte_text"] == analyte_text
    assert found[value]["value"] == number


@pytest.mark.parametrize(
    "text",
    [
        "A Gleason score of 3+4 was found in the biopsy.",
        "The cohort was 3/6 women.",
    ],
)
def test_grades_need_their_anchor(nlp, text):
    found = labs_of(nlp, text)
    assert "3+" not in found and "3/6" not in found
    assert all(a["rule"] != "prose_plus_grade" for a in found.values())


def test_percentile_takes_the_analyte_of_the_value_before(nlp):
    text = (
        "Birth weight was 2.3 kg (10th percentile) and head circumference 32 cm (<3rd percentile)."
    )
    found = labs_of(nlp, text)
    assert found["10th percentile"]["analyte"] == "Birth weight"
    assert found["10th percentile"]["value"] == 10.0
    assert found["<3rd percentile"]["analyte"] == "Head circumference"
    assert found["<3rd percentile"]["comparator"] == "<"


def test_percentile_without_anchor_is_left_out(nlp):
    found = labs_of(nlp, "Risk was above the 95th percentile of the reference population.")
    assert not any("percentile" in t for t in found)


def test_strength_scores_in_a_series(nlp):
    text = "She had 2/5 strength in the right leg, 3/5 in the left leg, and 4+/5 in the arms."
    found = labs_of(nlp, text)
    for v, n in (("2/5", 2.0), ("3/5", 3.0), ("4+/5", 4.0)):
        assert found[v]["analyte"] == "Muscle strength"
        assert found[v]["value"] == n


def test_strength_range_grade(nlp):
    found = labs_of(nlp, "Examination showed 2–3/5 strength in the right arm.")
    assert found["2–3/5"]["analyte"] == "Muscle strength"


def test_series_needs_same_scale(nlp):
    found = labs_of(nlp, "Power was 4/5 in the arms; vision was 6/9 in the left eye.")
    assert "6/9" not in found or found["6/9"]["analyte"] != "Muscle strength"


def test_apgar_list_and_iq(nlp):
    found = labs_of(
        nlp, "Apgar scores were 2, 6, and 7 at 1, 5, and 10 minutes. IQ 75 was recorded."
    )
    assert [found[v]["analyte"] for v in ("2", "6", "7")] == ["Apgar score"] * 3
    assert found["75"]["analyte"] == "Intelligence quotient"
    assert "10" not in found and "5" not in found


def test_space_thousands_separator():
    cat = load_catalogue()
    text = "thrombocytosis of 625 000 per microliter and 2 100-mg doses"
    vals = find_values(text, cat, value_regex(cat))
    assert vals[0].value == 625000.0
    assert text[vals[0].start : vals[0].end] == "625 000 per microliter"
    assert all(v.value != 2100.0 for v in vals)
    assert parse_number("36 790") == 36790.0


@pytest.mark.parametrize(
    ("text", "value", "analyte_text"),
    [
        ("During hospitalisation the patient remained stable.", "stable", "patient"),
        ("She was discharged home in stable condition.", "stable", "condition"),
        (
            "The echo showed improvement in systolic function with an LVEF of 40%.",
            "improvement",
            "systolic function",
        ),
        ("Marrow showed a marked decrease in myeloid component.", "marked decrease", "myeloid"),
        ("Overexpression of p53 protein was observed.", "Overexpression", "p53"),
        ("Epithelial markers were not expressed.", "not expressed", "Epithelial markers"),
    ],
)
def test_status_change_and_expression(nlp, text, value, analyte_text):
    found = labs_of(nlp, text)
    assert value in found, found
    assert found[value]["analyte_text"].startswith(analyte_text)


@pytest.mark.parametrize(
    "text",
    [
        "The dose was increased with a progressive increase in the doses of insulin.",
        "A reduction of sedation was started.",
        "The patient was stabilised on the ventilator.",
    ],
)
def test_changes_of_doses_are_not_results(nlp, text):
    found = labs_of(nlp, text)
    assert not any(a["rule"] in ("prose_change_of", "prose_patient_status") for a in found.values())


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("He had a GRADE 3 holosystolic murmur over the precordium.", "GRADE 3"),
        ("Birth weight was 2.3 kg (10th Centile).", "10th Centile"),
    ],
)
def test_prechecks_keep_case_insensitive_anchors(nlp, text, value):
    """The cheap word pre-checks fold case the way the full patterns do."""
    found = labs_of(nlp, text)
    assert value in found, found
    start = text.index(value)
    assert text[start : start + len(value)] == value


def test_prechecks_only_skip_when_the_word_is_absent():
    from caseminer.nlp.labs.scan import lowered
    from caseminer.nlp.labs.scores import _has, load_score_vocab

    voc = load_score_vocab()
    text = "Weight below the 3rd Percentile; grade 2 murmur"
    low = lowered(text)  # _has reads the lowercased text the component computes once
    assert _has(voc.percentile_hint, low, 0, len(text))
    assert not _has(voc.percentile_hint, low, 0, text.index("Percentile") + 5)
    assert _has(voc.grade_hint, low, text.index("grade"), len(text))
    assert not _has(voc.grade_hint, low, 0, text.index("grade"))
    assert _has(None, "", 0, 0)
    assert _has(voc.grade_hint, None, 0, 0)  # no trusted lowercase text: never skip
