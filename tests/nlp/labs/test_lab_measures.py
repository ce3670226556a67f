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
        "His GCS was <8 with elevated intracranial pressure.",
        "The Glasgow Coma Scale was 7 (high risk).",
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
        "aldolase 25 U/L, weight 70 kg, free carnitine 18 µmol/L, Ki-67 of 40%, "
        "CSF concentration of 130 nM."
    )
    labs = [a for a in _labs(nlp, text) if a["unit_ucum"]]
    assert len(labs) >= 8
    assert all(a["normalized"] is not None for a in labs), [
        (a["analyte"], a["unit_ucum"]) for a in labs if a["normalized"] is None
    ]


# -- staged scores, decades, shared units, trend words -----------------------------------------
@pytest.mark.parametrize(
    ("text", "value_text", "analyte", "value"),
    [
        ("He had NYHA class III heart failure.", "III", "NYHA class", 3.0),
        ("She was in New York Heart Association (NYHA) class IV.", "IV", "NYHA class", 4.0),
        ("Dyspnea was NYHA functional class II-III.", "II-III", "NYHA class", 2.0),
        ("Liver cirrhosis, Child-Pugh class B, was diagnosed.", "B", "Child-Pugh", None),
        ("Her cirrhosis was Child–Pugh C.", "C", "Child-Pugh", None),
    ],
)
def test_staged_scores(nlp, text, value_text, analyte, value):
    got = [(a["text"], a["analyte"], a["value"], a["category"]) for a in _labs(nlp, text)]
    assert got == [(value_text, analyte, value, "score")]


@pytest.mark.parametrize(
    ("text", "analyte", "low", "high"),
    [
        ("Her oxygen saturation was in the 90s on room air.", "Oxygen saturation", 90, 99),
        ("Systolic blood pressure remained in the high 180s.", "Blood pressure", 186, 189),
        ("Heart rate was in the low 50s.", "Heart rate", 50, 53),
    ],
)
def test_decades_are_ranges(nlp, text, analyte, low, high):
    got = [(a["analyte"], a["value"], a["value_high"]) for a in _labs(nlp, text)]
    assert got == [(analyte, low, high)]


def test_a_year_decade_is_no_value(nlp):
    assert _labs(nlp, "Such cases were rare in the 1990s.") == []


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Serum sodium and potassium were 128 and 5.9 mmol/L, respectively.", "Sodium"),
        ("Creatinine rose from 1.2 to 3.4 mg/dL.", "Creatinine"),
        ("AST and ALT were 120 and 98 U/L respectively.", "AST"),
    ],
)
def test_a_unit_written_once_serves_the_list(nlp, text, first):
    labs = [a for a in _labs(nlp, text) if a["value"] is not None]
    assert labs[0]["analyte"] == first and labs[0]["unit_ucum"] == labs[-1]["unit_ucum"]
    assert labs[0]["normalized"] is not None


@pytest.mark.parametrize(
    ("text", "word", "interpretation"),
    [
        ("Her CRP rose steadily over the week.", "rose", "high"),
        ("The CRP then dropped to 12 mg/L.", "dropped", "low"),
        ("Serum creatinine abruptly increased after contrast.", "increased", "high"),
        ("Her hemoglobin fell to 7.2 g/dL.", "fell", "low"),
    ],
)
def test_trend_words_of_a_known_analyte(nlp, text, word, interpretation):
    got = [(a["text"], a["interpretation"]) for a in _labs(nlp, text) if a["value"] is None]
    assert (word, interpretation) in got


@pytest.mark.parametrize(
    ("text", "value_text"),
    [
        ("He lost 5 kg of his body weight during the last 5 months.", "5 kg"),
        ("He gained 1.4 kg in body weight.", "1.4 kg"),
        ("The patient complained of a 2–3 kg weight loss.", "2–3 kg"),
        ("He reported a 15–20 pound weight loss.", "15–20 pound"),
    ],
)
def test_weight_change(nlp, text, value_text):
    got = [(a["text"], a["analyte"], a["normalized"]["unit"]) for a in _labs(nlp, text)]
    assert got == [(value_text, "Weight change", "kg")]


@pytest.mark.parametrize("text", ["She lost 500 mL of blood.", "He lost consciousness for 5 min."])
def test_lost_needs_a_weight_unit(nlp, text):
    assert _labs(nlp, text) == []


@pytest.mark.parametrize(
    ("text", "second"),
    [
        ("Hemoglobin was 9.8 g/dL (98 g/L).", "98 g/L"),
        ("Glucose 99 mg/dL [5.5 mmol/L] on admission.", "5.5 mmol/L"),
        ("His weight was 70 kg (154 lb).", "154 lb"),
        ("Temperature was 38.5 °C (101.3 °F).", "101.3 °F"),
    ],
)
def test_second_unit_in_brackets_is_the_same_result(nlp, text, second):
    labs = _labs(nlp, text)
    assert len(labs) == 2 and labs[1]["text"] == second
    assert labs[1]["rule"] == "prose_unit_equivalent"
    assert labs[0]["analyte"] == labs[1]["analyte"]
    a, b = labs[0]["normalized"], labs[1]["normalized"]
    assert a["unit"] == b["unit"] and a["value"] == pytest.approx(b["value"], rel=0.02)


def test_a_range_in_another_unit_still_interprets(nlp):
    text = "Serum creatinine of 1.8 mg/dL (159 µmol/L; normal 0.6-1.2 mg/dL) was noted."
    assert [a["interpretation"] for a in _labs(nlp, text)] == ["high", "high"]


def test_a_bracketed_citation_is_still_no_value(nlp):
    assert [a["text"] for a in _labs(nlp, "Creatinine was reported as high [12].")] == ["high"]


@pytest.mark.parametrize(
    ("text", "analyte", "low", "high"),
    [
        ("He was born at term weighing 3132 g (9th–25th centile).", "Body weight", 9, 25),
        ("Her weight was below the 3rd centile.", "Body weight", 3, None),
        ("His height was 165 cm (50th percentile).", "Body height", 50, None),
        (
            "Head circumference was between the 25th and 50th percentiles.",
            "Head circumference",
            25,
            50,
        ),
    ],
)
def test_centiles_of_body_measurements(nlp, text, analyte, low, high):
    got = [
        (a["analyte"], a["value"], a["value_high"])
        for a in _labs(nlp, text)
        if a["rule"] == "prose_percentile"
    ]
    assert got == [(analyte, low, high)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hemoglobin 7.2 g/dL with elevated reticulocytes.", "low"),  # the word is not its flag
        ("Hemoglobin 13.2 g/dL (low) on repeat.", "low"),  # a closed flag after the value is
        ("Potassium 5.9 mmol/L, high.", "high"),
    ],
)
def test_a_word_after_a_value_flags_it_only_when_it_ends_the_phrase(nlp, text, expected):
    labs = [a for a in _labs(nlp, text) if a["value"] is not None]
    assert labs[0]["interpretation"] == expected
