"""caseminer_labs: later values of a series inherit the analyte named before the first one."""

import pytest
from pipelines import component_pipeline, lab_items

import caseminer.nlp.labs.component  # noqa: F401  (registers the factory)


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_labs")


def values_of(found, analyte: str) -> list[tuple[str, float]]:
    return [(t, a["value"]) for t, a in found if a["analyte"] == analyte]


def test_same_unit_series_across_time_phrases(nlp):
    text = (
        "His sweat chloride level decreased from 115 mmol/l before therapy to 40 mmol/l "
        "after 6 weeks and 52 mmol/l after 41 weeks."
    )
    found = values_of(lab_items(nlp, text), "Sweat chloride")
    assert found == [("115 mmol/l", 115), ("40 mmol/l", 40), ("52 mmol/l", 52)]


def test_series_after_change_verb(nlp):
    text = "The platelet count was 92 × 103 cells/μL and elevated to 159 × 103 cells/μL later."
    found = values_of(lab_items(nlp, text), "Platelets")
    assert [v for _, v in found] == [92, 159]
    assert found[1][0] == "159 × 103 cells/μL"


def test_series_needs_the_same_unit(nlp):
    text = "Creatinine was 1.2 mg/dL and later 30 mmol/L."
    found = lab_items(nlp, text)
    assert [t for t, _ in found if t.startswith("30")] == []


def test_series_stops_at_another_analyte(nlp):
    text = "Creatinine was 1.2 mg/dL, glucose 110 mg/dL and later 2.3 mg/dL."
    found = lab_items(nlp, text)
    assert values_of(found, "Creatinine") == [("1.2 mg/dL", 1.2)]


def test_series_stops_at_the_sentence(nlp):
    text = "Creatinine was 1.2 mg/dL. He received 2 mg/dL and more."
    found = lab_items(nlp, text)
    assert values_of(found, "Creatinine") == [("1.2 mg/dL", 1.2)]


def test_snellen_acuities_after_words(nlp):
    text = "Three months later his visual acuity in his RE and LE were 6/18 and 6/5, respectively."
    found = values_of(lab_items(nlp, text), "Visual acuity")
    assert [t for t, _ in found] == ["6/18", "6/5"]
    assert text[text.index("6/5") : text.index("6/5") + 3] == found[1][0]


def test_snellen_needs_a_snellen_numerator(nlp):
    text = "Her visual acuity was reduced and the abbreviated test score was 7/10."
    found = lab_items(nlp, text)
    assert [t for t, _ in values_of(found, "Visual acuity") if t == "7/10"] == []


def test_snellen_takes_the_nearest_analyte_only(nlp):
    text = "Visual acuity was poor and the Glasgow Coma Scale was 6/15 on day 2."
    found = lab_items(nlp, text)
    assert [t for t, a in found if a["analyte"] == "Visual acuity" and t == "6/15"] == []


def test_fraction_before_a_comma_is_a_value(nlp):
    text = "Best corrected visual acuity was 20/40, with glasses."
    found = values_of(lab_items(nlp, text), "Visual acuity")
    assert found and found[0][0] == "20/40"
