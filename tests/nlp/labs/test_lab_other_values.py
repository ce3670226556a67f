"""Numbers of tests outside the catalogue, spelled-out units and marker signs (issue 12)."""

from __future__ import annotations

import pytest
from pipelines import component_pipeline, lab_items

import caseminer.nlp.labs.component  # noqa: F401  (registers the factory)


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_labs")


def _got(nlp, text: str) -> list[tuple[str, str, str]]:
    return [(t, a["analyte"], a["category"]) for t, a in lab_items(nlp, text)]


# -- a number whose noun phrase names a test ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value_text", "analyte"),
    [
        ("Serum aldolase was 25 U/L.", "25 U/L", "Serum aldolase"),
        (
            "The CSF concentration of erlotinib was 130 nM.",
            "130 nM",
            "CSF concentration of erlotinib",
        ),
        (
            "Doppler showed a prolonged deceleration time (250 ms).",
            "250 ms",
            "prolonged deceleration time",
        ),
        ("Doppler revealed an E/A ratio of 2.1.", "2.1", "E/A ratio"),
        ("The Golde score was 80.", "80", "Golde score"),
        (
            "The activated clotting time (ACT) was 250 seconds.",
            "250 seconds",
            "activated clotting time",
        ),
        ("EXTEM clotting time (CT) (228s; Table 1) was prolonged.", "228s", "EXTEM clotting time"),
    ],
)
def test_value_of_a_test_outside_the_catalogue(nlp, text, value_text, analyte):
    assert (value_text, analyte, "other") in _got(nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        "Chest MRI revealed a 3 cm tumour in the upper lobe.",  # a size, not a result
        "He was given a dose of 500 mg twice daily.",  # a dose
        "The lesion diameter was 12 mm.",  # a size
        "The ratio was 2.",  # a head with no modifier says nothing
        "Her mother was 45.",  # a person
        "The tumour (Fig. 2) was 5 cm.",  # an aside does not make a size a result
    ],
)
def test_no_value_without_a_test(nlp, text):
    assert [g for g in _got(nlp, text) if g[2] == "other"] == []


# -- spelled-out units -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value_text", "ucum"),
    [
        ("Hemoglobin was 9.8 grams per deciliter.", "9.8 grams per deciliter", "g/dL"),
        ("The pulse was 77 beats every minute.", "77 beats every minute", "/min"),
        ("Glucose was 5.5 millimoles per liter.", "5.5 millimoles per liter", "mmol/L"),
    ],
)
def test_spelled_out_units(nlp, text, value_text, ucum):
    got = [(t, a["unit_ucum"]) for t, a in lab_items(nlp, text)]
    assert (value_text, ucum) in got


# -- marker signs ----------------------------------------------------------------------------
def test_marker_signs_give_one_result_per_marker(nlp):
    got = [
        (t, a["analyte"], a["interpretation"])
        for t, a in lab_items(nlp, "The tumor cells were CK20+, CD99-, and S100+.")
    ]
    assert got == [
        ("CK20+", "CK20", "positive"),
        ("CD99-", "CD99", "negative"),
        ("S100+", "S100", "positive"),
    ]


def test_serology_signs_in_brackets(nlp):
    got = _got(nlp, "HBsAg (+), anti-HCV (-) and HIV (-).")
    assert [(a, c) for _, a, c in got] == [
        ("Hepatitis B", "serology"),
        ("Hepatitis C", "serology"),
        ("HIV", "serology"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Serum Na+ was normal and HCO3- was low.",  # charges on ions
        "A moderate CD20+ B lymphocyte infiltrate was present.",  # a cell population
        "She had T-cell lymphoma.",
    ],
)
def test_signs_that_are_not_results(nlp, text):
    assert not [
        g
        for g in _got(nlp, text)
        if g[1] in ("Sodium", "Bicarbonate", "CD20", "T") and g[0].endswith(("+", "-"))
    ]


def test_per_marker_analyte_for_word_results(nlp):
    got = _got(nlp, "The tumour was positive for CK7 and negative for TTF-1.")
    assert {(a, c) for _, a, c in got} >= {("CK7", "pathology"), ("TTF-1", "pathology")}


# -- respectively-lists with tests outside the catalogue -------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The E/A ratio and deceleration time were 2.1 and 250 ms, respectively.",
            [("2.1", "E/A ratio", None), ("250 ms", "deceleration time", "ms")],
        ),
        (
            "Serum aldolase and lipase were 25 and 300 U/L, respectively.",
            [("25", "Serum aldolase", "U/L"), ("300 U/L", "Lipase", "U/L")],
        ),
        (
            "Serum sodium and potassium were 128 and 5.9 mmol/L, respectively.",
            [("128", "Sodium", "mmol/L"), ("5.9 mmol/L", "Potassium", "mmol/L")],
        ),
    ],
)
def test_respectively_lists(nlp, text, expected):
    got = [(t, a["analyte"], a["unit_ucum"]) for t, a in lab_items(nlp, text)]
    assert got == expected


def test_respectively_needs_tests_not_sides(nlp):
    assert _got(nlp, "The right and left eyes measured 561 and 557, respectively.") == []
