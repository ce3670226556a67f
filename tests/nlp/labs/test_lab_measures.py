"""Vital signs, body measurements and scores as labs (issue 12): categories, direction-aware
interpretation, and ``normalized`` values in the catalogue's canonical unit."""

from __future__ import annotations

import pytest
from pipelines import component_pipeline, lab_items

import caseminer.nlp.labs.component  # noqa: F401  (registers the factory)


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_labs")


def _labs(nlp, text: str) -> list[dict]:
    return [dict(a, text=t) for t, a in lab_items(nlp, text)]


# -- scores: the catalogue says which end is abnormal ----------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "On arrival his Glasgow Coma Scale was < 8 and he was intubated.",
        "GCS was 6 on admission.",
        "Glasgow coma score of 7 (E1V2M4) despite a high fever.",
        "The GCS score was elevated at 5 after sedation was stopped.",
    ],
)
def test_gcs_below_8_is_never_high(nlp, text):
    gcs = [a for a in _labs(nlp, text) if a["analyte"] == "Glasgow Coma Scale"]
    assert gcs and all(a["interpretation"] != "high" for a in gcs), gcs
    assert all(a["category"] == "score" for a in gcs)


def test_gcs_range_is_not_15_15(nlp):
    (gcs,) = _labs(nlp, "GCS was 6 on admission.")
    assert gcs["interpretation"] == "low"
    assert gcs["reference_range"]["low"] == 15 and gcs["reference_range"]["high"] is None


@pytest.mark.parametrize(
    ("text", "analyte", "expected"),
    [
        ("Apgar scores were 2 and 9.", "Apgar score", ["low", "normal"]),  # low is bad
        ("NIHSS score was 14.", "NIHSS", [None]),  # high is bad, no catalogue range: no flag
        ("The NIHSS was reported as low at 2.", "NIHSS", [None]),  # "low" means nothing here
    ],
)
def test_scores_follow_their_direction(nlp, text, analyte, expected):
    got = [a["interpretation"] for a in _labs(nlp, text) if a["analyte"] == analyte]
    assert got == expected


# -- vitals and body measurements ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value_text", "analyte"),
    [
        (
            "She was admitted with elevated blood pressure (150/100 mmHg).",
            "150/100 mmHg",
            "Blood pressure",
        ),
        ("He was hypotensive (80/40 mmHg) on arrival.", "80/40 mmHg", "Blood pressure"),
        ("Examination showed tachycardia (124/min).", "124/min", "Heart rate"),
        ("She had a fever (39.2 °C).", "39.2 °C", "Body temperature"),
        ("His weight was 70 kg.", "70 kg", "Body weight"),
        ("He weighed 154 lb at presentation.", "154 lb", "Body weight"),
        ("Her height was 161 cm.", "161 cm", "Body height"),
    ],
)
def test_vital_signs_and_body_measurements(nlp, text, value_text, analyte):
    got = [(a["text"], a["analyte"]) for a in _labs(nlp, text)]
    assert (value_text, analyte) in got


def test_measurement_categories(nlp):
    labs = _labs(nlp, "Weight 70 kg, height 175 cm, BMI 22.9 kg/m2, heart rate 80 bpm.")
    cats = {a["analyte"]: a["category"] for a in labs}
    assert cats == {
        "Body weight": "anthropometric",
        "Body height": "anthropometric",
        "BMI": "anthropometric",
        "Heart rate": "vital_sign",
    }


# -- normalized values -------------------------------------------------------------------------
def test_crp_in_mg_l_and_mg_dl_normalize_to_one_unit(nlp):
    (a,) = _labs(nlp, "CRP was 31 mg/dL.")
    (b,) = _labs(nlp, "CRP was 310 mg/L.")
    assert a["normalized"]["unit"] == b["normalized"]["unit"] == "mg/L"
    assert a["normalized"]["value"] == pytest.approx(b["normalized"]["value"]) == 310


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("He weighed 154 lb.", 69.8532, "kg"),
        ("Serum glucose was 5.5 mmol/L.", 99.0875, "mg/dL"),
        ("The birth weight was 2,330 g.", 2330, "g"),
        ("Platelets 150,000/µL.", 150, "10*9/L"),
    ],
)
def test_normalized_in_the_canonical_unit(nlp, text, value, unit):
    norm = [a["normalized"] for a in _labs(nlp, text) if a["normalized"]]
    assert norm and norm[0]["unit"] == unit and norm[0]["value"] == pytest.approx(value, rel=1e-3)


def test_every_convertible_lab_has_normalized(nlp):
    text = (
        "Calcium 2.1 mmol/L, creatinine 159 µmol/L, hemoglobin 98 g/L, temperature 101.3 °F, "
        "aldolase 25 U/L, weight 70 kg."
    )
    labs = [a for a in _labs(nlp, text) if a["unit_ucum"]]
    assert len(labs) >= 5
    assert all(a["normalized"] is not None for a in labs), [
        (a["analyte"], a["unit_ucum"]) for a in labs if a["normalized"] is None
    ]
