"""The analyte catalogue and unit table: format, coverage and unit arithmetic."""

from __future__ import annotations

import re

import pytest

from caseminer.nlp.labs.catalogue import convert, find_analytes, load_catalogue, units_compatible
from caseminer.nlp.labs.values import find_values, parse_number, value_regex

CAT = load_catalogue()


def test_catalogue_has_the_common_analytes():
    assert len(CAT.analytes) >= 150
    for name in [
        "Creatinine",
        "TSH",
        "PTH",
        "HbA1c",
        "CRP",
        "ESR",
        "Procalcitonin",
        "Troponin I",
        "BNP",
        "CEA",
        "Blood pressure",
        "Heart rate",
        "Body temperature",
        "Oxygen saturation",
        "Respiratory rate",
        "Blood culture",
        "INR",
        "pH",
    ]:
        assert name in CAT.analytes, name


def test_catalogue_rows_are_well_formed():
    categories = set()
    for a in CAT.analytes.values():
        assert a.synonyms or a.abbreviations, a.name
        if a.loinc is not None:
            assert re.fullmatch(r"\d{1,5}-\d", a.loinc), a.name
        if a.ref_low is not None and a.ref_high is not None:
            assert a.ref_low <= a.ref_high, a.name
        if a.ref_low is not None or a.ref_high is not None:
            assert a.ref_unit in CAT.by_ucum, (a.name, a.ref_unit)
        for unit in a.units:  # every unit an analyte lists must be in the unit table
            assert CAT.unit_for(unit) is not None, (a.name, unit)
        categories.add(a.category)
    assert {
        "hematology",
        "coagulation",
        "liver",
        "renal",
        "lipids",
        "endocrine",
        "vital",
    } <= categories


def test_abbreviations_are_case_sensitive_synonyms_are_not():
    names = [m.analyte.name for m in find_analytes("CREATININE and Cr but not cr", CAT)]
    assert names == ["Creatinine", "Creatinine"]


def test_split_label_matches_only_when_squeezed():
    text = "Creatini\nne\nSodium\nPotassium"
    plain = [m.text for m in find_analytes(text, CAT)]
    squeezed = [m.text for m in find_analytes(text, CAT, squeeze=True)]
    assert "Creatini\nne" not in plain and squeezed[0] == "Creatini\nne"
    assert squeezed[1:] == ["Sodium", "Potassium"]


@pytest.mark.parametrize(
    "text,value",
    [
        ("7.8", 7.8),
        ("7,8", 7.8),
        ("36,8", 36.8),
        ("12,300", 12300),
        ("1,763", 1763),
        ("200\u2005000", 200000),
        ("−5.1", -5.1),
        ("1,2,3", None),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_unit_conversions():
    ca, crea, mg = CAT.analytes["Calcium"], CAT.analytes["Creatinine"], CAT.analytes["Magnesium"]
    assert convert(CAT, 2.0, CAT.unit_for("mmol/L"), "mg/dL", ca) == pytest.approx(8.016)
    assert convert(CAT, 88.4, CAT.unit_for("μmol/l"), "mg/dL", crea) == pytest.approx(1.0, rel=1e-2)
    assert convert(CAT, 1.3, CAT.unit_for("mEq/L"), "mg/dL", mg) == pytest.approx(1.58, rel=1e-2)
    wbc = CAT.analytes["White blood cells"]
    assert convert(CAT, 12300, CAT.unit_for("/μL"), "10*9/L", wbc) == pytest.approx(12.3)
    assert convert(CAT, 98.6, CAT.unit_for("°F"), "Cel", CAT.analytes["Body temperature"]) == (
        pytest.approx(37.0)
    )
    assert convert(
        CAT, 500.0, CAT.unit_for("mg/dL"), "g/dL", CAT.analytes["Albumin"]
    ) == pytest.approx(0.5)
    assert convert(CAT, 1.0, CAT.unit_for("%"), "mg/dL", ca) is None  # never guess


def test_unit_compatibility_guards_doses_and_sizes():
    ca = CAT.analytes["Calcium"]
    assert units_compatible(CAT, CAT.unit_for("mmol/L"), ca)
    assert not units_compatible(CAT, CAT.unit_for("mg/day"), ca)
    assert not units_compatible(CAT, CAT.unit_for("cm"), ca)
    assert units_compatible(CAT, None, ca)


def test_generic_power_of_ten_units():
    rx = value_regex(CAT)
    found = find_values("platelets 159 × 10^3 cells/μL and 52 × 109/L", CAT, rx)
    assert [v.unit.ucum for v in found] == ["10*3/uL", "10*9/L"]
    assert [v.value for v in found] == [159, 52]


_VALUE_TEXTS = [
    "Hb 7.8 g/dL (12-16), WBC 12,300/μL, less than 0.5 mg/L; between 52 and 69 × 10^9/L.",
    "CRP >= 10; ALT up to 3x; at least 4 mmol/L; K+ -2.5; −3 °C; =5; ≥ 7; no numbers here",
    "HCO3- 20.1 T2N0 CA19-9 3.5.1 [12] 02:15 2019 titre 1:320 4+/5 2–3/5",
    "",
]


@pytest.mark.parametrize("text", _VALUE_TEXTS)
def test_value_search_prefilter_is_exact(text):
    """Skipping to possible value starts finds the same matches as a plain regex search."""
    from caseminer.nlp.labs.values import _START_WORDS, _search

    rx = value_regex(CAT)
    full = rx.full()  # the one regex the three-part pattern stands for
    low = text.lower()
    words = sorted({i for w in _START_WORDS for i in range(len(low)) if low.startswith(w, i)})
    for pos in range(len(text) + 1):
        plain = full.search(text, pos, len(text))
        for fast in (_search(rx, text, pos, len(text)), _search(rx, text, pos, len(text), words)):
            assert (plain and plain.span()) == (fast and fast.span())
            if plain is not None and fast is not None:
                assert plain.groupdict() == fast.groupdict()
                assert all(plain.span(g) == fast.span(g) for g in plain.groupdict())
