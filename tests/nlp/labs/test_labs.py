"""caseminer_labs: lab values in prose and flattened tables, exact offsets, interpretation."""

from __future__ import annotations

import pytest
from paths import SEED
from pipelines import component_pipeline, lab_items

import caseminer.nlp.labs.component  # noqa: F401  (registers the factory)
from caseminer.nlp.extensions import LAB, get_attrs, items


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_labs")


labs_of = lab_items


def one(found, analyte: str) -> tuple[str, dict]:
    hits = [f for f in found if f[1]["analyte"] == analyte]
    assert len(hits) == 1, (analyte, found)
    return hits[0]


# -- prose -----------------------------------------------------------------------------------
def test_value_with_unit_after_of(nlp):
    found = labs_of(nlp, "Her serum calcium of 7.8 mg/dL was noted.")
    text, a = one(found, "Calcium")
    assert text == "7.8 mg/dL"
    assert a["value"] == 7.8 and a["unit"] == "mg/dL" and a["unit_ucum"] == "mg/dL"
    assert a["analyte_text"] == "serum calcium"
    assert a["interpretation"] == "low" and a["interpretation_source"] == "catalogue"
    assert a["loinc"] == "17861-6" and a["source"] == "text"


def test_abbreviation_without_unit(nlp):
    text, a = one(labs_of(nlp, "On admission Cr 1.2 and BUN 18."), "Creatinine")
    assert text == "1.2" and a["value"] == 1.2 and a["unit"] is None
    assert a["analyte_text"] == "Cr"


def test_was_and_thousands_separator(nlp):
    found = labs_of(nlp, "Hemoglobin was 9.8 g/dL and WBC 12,300/μL.")
    assert one(found, "Hemoglobin")[0] == "9.8 g/dL"
    text, a = one(found, "White blood cells")
    assert text == "12,300/μL" and a["value"] == 12300 and a["unit_ucum"] == "/uL"
    assert a["interpretation"] == "high"  # 12.3 x 10^9/L against 4-11


def test_list_with_semicolons(nlp):
    found = labs_of(nlp, "Electrolytes: sodium, 128 mmol/L; potassium, 5.1.")
    assert one(found, "Sodium")[1]["value"] == 128
    assert one(found, "Sodium")[1]["interpretation"] == "low"
    text, a = one(found, "Potassium")
    assert text == "5.1" and a["value"] == 5.1


def test_comparator(nlp):
    text, a = one(labs_of(nlp, "CRP <0.5 mg/L."), "CRP")
    assert text == "<0.5 mg/L"
    assert a["comparator"] == "<" and a["value"] == 0.5 and a["value_text"] == "<0.5"
    assert a["interpretation"] == "normal"


def test_range_value(nlp):
    text, a = one(labs_of(nlp, "PTH 3-5 pg/mL was low."), "PTH")
    assert text == "3-5 pg/mL"
    assert a["value"] == 3 and a["value_high"] == 5 and a["value_text"] == "3-5"


def test_decimal_comma(nlp):
    found = labs_of(nlp, "La calcemia era 7,8 mg/dL; magnesium 0,75 mmol/L.")
    text, a = one(found, "Calcium")
    assert a["value"] == 7.8 and text == "7,8 mg/dL"
    assert one(found, "Magnesium")[1]["value"] == 0.75
    found = labs_of(nlp, "Body temperature 36,8°C and platelets 1,763 ×10^9/L.")
    assert one(found, "Body temperature")[1]["value"] == 36.8
    assert one(found, "Platelets")[1]["value"] == 1763


def test_thin_space_between_number_and_unit(nlp):
    text, a = one(labs_of(nlp, "His creatinine was 0.62\u2009mg/dL."), "Creatinine")
    assert text == "0.62\u2009mg/dL" and a["unit_ucum"] == "mg/dL"


def test_stated_interpretation_wins(nlp):
    found = labs_of(nlp, "Serum calcium was elevated (11.2 mg/dL).")
    numeric = [f for f in found if f[1]["value"] == 11.2]
    assert len(numeric) == 1
    assert numeric[0][0] == "11.2 mg/dL"
    assert numeric[0][1]["interpretation"] == "high"
    assert numeric[0][1]["interpretation_source"] == "text"


def test_flags(nlp):
    text, a = one(labs_of(nlp, "Potassium 6.2 mmol/L (H)."), "Potassium")
    assert a["interpretation"] == "high" and a["interpretation_source"] == "text"
    assert text.startswith("6.2 mmol/L")


def test_reference_range_in_text(nlp):
    found = labs_of(nlp, "Calcium was 11.9 mg/dL (normal 8.5-10.5 mg/dL).")
    text, a = one(found, "Calcium")
    assert text == "11.9 mg/dL"
    rr = a["reference_range"]
    assert rr["low"] == 8.5 and rr["high"] == 10.5 and rr["source"] == "text"
    assert a["interpretation"] == "high"
    assert len(found) == 1  # the limits are not values


def test_reference_range_label_colon(nlp):
    found = labs_of(nlp, "Creatinine 1.5 (reference range: 0.6–1.2).")
    text, a = one(found, "Creatinine")
    assert text == "1.5" and a["reference_range"]["high"] == 1.2
    assert a["interpretation"] == "high"


def test_units_converted_for_interpretation(nlp):
    text, a = one(labs_of(nlp, "Creatinine was 145 μmol/l."), "Creatinine")
    assert text == "145 μmol/l" and a["unit_ucum"] == "umol/L"
    assert a["interpretation"] == "high"  # 145 umol/L = 1.64 mg/dL


def test_vitals(nlp):
    found = labs_of(
        nlp, "Her blood pressure was 129/80 mmHg, heart rate 72 beats per minute and SpO2 95%."
    )
    assert one(found, "Blood pressure")[0] == "129/80 mmHg"
    assert one(found, "Heart rate")[0] == "72 beats per minute"
    text, a = one(found, "Oxygen saturation")
    assert text == "95%" and a["unit_ucum"] == "%"


# -- qualitative -----------------------------------------------------------------------------
def test_qualitative_results(nlp):
    found = labs_of(nlp, "Blood cultures were negative. ANA was positive.")
    text, a = one(found, "Blood culture")
    assert text == "negative" and a["interpretation"] == "negative" and a["value"] is None
    text, a = one(found, "ANA")
    assert text == "positive" and a["interpretation"] == "positive"


def test_qualitative_before_analyte(nlp):
    found = labs_of(nlp, "Laboratory findings revealed increased levels of prolactin.")
    text, a = one(found, "Prolactin")
    assert text == "increased" and a["interpretation"] == "high"


def test_within_normal_limits(nlp):
    text, a = one(labs_of(nlp, "Phosphate levels were within normal limits."), "Phosphate")
    assert text == "within normal limits" and a["interpretation"] == "normal"


def test_culture_growth_is_positive(nlp):
    text, a = one(labs_of(nlp, "Blood cultures grew Staphylococcus aureus."), "Blood culture")
    assert text == "grew Staphylococcus aureus"
    assert a["value_text"] == "Staphylococcus aureus" and a["interpretation"] == "positive"


# -- non-labs --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Calcinosis is rare in patients older than 50 years [12].",
        "A 65-year-old female with breast cancer diagnosed in 2006.",
        "She received tamoxifen 20 mg daily and paracetamol 500 mg twice daily.",
        "Pain relief by 30% was reported after adjuvant chemotherapy for three cycles.",
        "She had a 15-months history of a 3 cm mass (Figure 2, Table 1).",
        "ISSN: 2161-1149. Published 12/03/2015.",
        "Calcium carbonate 500 mg daily was started.",
    ],
)
def test_no_labs_from_non_lab_numbers(nlp, text):
    assert labs_of(nlp, text) == []


def test_never_dies_on_odd_input(nlp):
    pipe = nlp.get_pipe("caseminer_labs")
    odd = ["", "\n\n", "Table 1\n\n", "Calcium\n\n", "(((( [ 12 ]", "×10^9/L mg/dL %", "Na 1:"]
    for text in odd:  # match() itself, without the component's safety net
        doc = nlp.make_doc(text)
        pipe.set_annotations(doc, pipe.match(doc))
        assert all(s.text.strip() for s in items(doc, LAB))


# -- tables ----------------------------------------------------------------------------------
TABLE = (
    "The results are shown below.\n"
    "Table 2: Laboratory results at admission.\n"
    "Test\nResult\nTest\nResult\nTest\nResult\n"
    "Sodium\n\n141 mmol/L\n\nHemoglobin\n\n10.2\ng/dL\n\nALT\n\n88 U/L\n"
    "Potassium\n\n3.1\nmmol/L\nPlatelets\n\n250 ×10^9/L\n\nAST\n\n35 U/L\n"
    "The patient was then treated with intravenous fluids for three days in the ward.\n"
)


def test_flattened_three_column_table(nlp):
    found = labs_of(nlp, TABLE)
    got = {a["analyte"]: (t, a) for t, a in found}
    assert set(got) == {"Sodium", "Hemoglobin", "ALT", "Potassium", "Platelets", "AST"}
    assert got["Hemoglobin"][0] == "10.2\ng/dL" and got["Hemoglobin"][1]["value"] == 10.2
    assert got["Potassium"][1]["interpretation"] == "low"
    assert got["ALT"][1]["interpretation"] == "high"
    assert got["Platelets"][1]["unit_ucum"] == "10*9/L"
    assert all(a["source"] == "table" for _, a in found)


def test_table_values_out_of_order_pair_by_unit(nlp):
    text = "Table 3\nCalcium\n\n7.8\nmg/dL\n\n1.3\nmEq/L\n\nCRP\n\n31\nmg/dL\n\nMagnesium\n"
    got = {a["analyte"]: (t, a) for t, a in labs_of(nlp, text)}
    assert got["Magnesium"][0] == "1.3\nmEq/L"
    assert got["Magnesium"][1]["rule"] == "table_leftover_unit"
    assert got["CRP"][1]["value"] == 31


def test_table_label_split_by_line_break(nlp):
    text = "Table 1\nCreatini\nne\n\n0.3\nmg/dL\n\nPhosphor\nus\n\n4.1\nmg/dL\n"
    got = {a["analyte"]: (t, a) for t, a in labs_of(nlp, text)}
    assert got["Creatinine"][1]["analyte_text"] == "Creatini\nne"
    assert got["Phosphate"][0] == "4.1\nmg/dL"


# -- the seed report -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed():
    if not SEED.exists():
        pytest.skip("../shared is absent")
    return SEED.read_text(encoding="utf-8")


def test_seed_table_one(nlp, seed):
    found = labs_of(nlp, seed)
    table = {a["analyte"]: (t, a) for t, a in found if a["source"] == "table"}
    expected = {
        "Creatinine": (0.3, "mg/dL"),
        "Potassium": (3.3, "meq/L"),
        "Phosphate": (4.1, "mg/dL"),
        "Urea nitrogen": (13, "mg/dL"),
        "Sodium": (137, "meq/L"),
        "Uric acid": (4.4, "mg/dL"),
        "Calcium": (7.8, "mg/dL"),
        "Magnesium": (1.3, "meq/L"),
        "CRP": (31, "mg/dL"),
    }
    assert set(table) == set(expected)
    for name, (value, ucum) in expected.items():
        assert table[name][1]["value"] == value and table[name][1]["unit_ucum"] == ucum
    assert table["Calcium"][1]["interpretation"] == "low"
    assert table["Magnesium"][0] == "1.3\nmEq/L"


def test_seed_prose_and_no_false_numbers(nlp, seed):
    found = labs_of(nlp, seed)
    prose = [(t, a) for t, a in found if a["source"] == "text"]
    assert any(t == "negatives" and a["interpretation"] == "negative" for t, a in prose)
    assert any(a["analyte"] == "Phosphate" and a["interpretation"] == "normal" for _, a in prose)
    assert all(a["value"] is None for _, a in prose)  # no numbers from years, ages, doses


# -- lists, chains, blood gases ----------------------------------------------------------------
def test_respectively_pairs_lists_in_order(nlp):
    text = "Blood pressure, pulse rate and respiratory rate were 174/127 mm Hg, 88/min and 22/min, "
    found = labs_of(nlp, text + "respectively.")
    assert one(found, "Blood pressure")[0] == "174/127 mm Hg"
    assert one(found, "Heart rate")[0] == "88/min"
    text, a = one(found, "Respiratory rate")
    assert text == "22/min" and a["interpretation"] == "high"


def test_value_chain_from_to(nlp):
    found = labs_of(nlp, "Creatinine rose from 1.2 to 3.4 mg/dL.")
    values = sorted(a["value"] for _, a in found if a["analyte"] == "Creatinine")
    assert values == [1.2, 3.4]


def test_blood_gas_with_unicode_minus_and_sign(nlp):
    found = labs_of(nlp, "ABG: pH 7.21, PaCO2 60 mmHg, HCO3- 20.1 mmol/L, BE −5.5 mmol/L.")
    assert one(found, "pH")[1]["interpretation"] == "low"
    assert one(found, "pCO2")[0] == "60 mmHg"
    assert one(found, "Bicarbonate")[0] == "20.1 mmol/L"
    assert one(found, "Base excess")[1]["value"] == -5.5


def test_condition_word_anchors_only_values_with_units(nlp):
    found = labs_of(nlp, "She had hypokalemia (2.9 mmol/L) and anemia.")
    text, a = one(found, "Potassium")
    assert text == "2.9 mmol/L" and a["analyte_text"] == "hypokalemia"
    assert labs_of(nlp, "Hypokalemia was treated with 20 mEq/day for 3 days.") == []


# -- configuration ---------------------------------------------------------------------------
def test_catalogue_ranges_can_be_switched_off():
    pipe = component_pipeline(
        "caseminer_labs", config={"caseminer_labs": {"use_catalogue_ranges": False}}
    )
    doc = pipe("Serum calcium was 7.8 mg/dL.")
    (span,) = items(doc, LAB)
    attrs = get_attrs(span)
    assert attrs["interpretation"] is None and attrs["reference_range"] is None
    assert attrs["value"] == 7.8


def test_reference_sections_are_skipped(nlp):
    text = "Calcium was 7.8 mg/dL.\nReferences\n1. Sodium 140 mmol/L in cohorts. J Med 2001."
    doc = nlp.make_doc(text)
    cut = text.index("References")
    doc._.sections = [
        {"title": "", "kind": "case", "start_char": 0, "end_char": cut},
        {"title": "References", "kind": "references", "start_char": cut, "end_char": len(text)},
    ]
    doc = nlp.get_pipe("caseminer_labs")(doc)
    assert [get_attrs(s)["analyte"] for s in items(doc, LAB)] == ["Calcium"]


def test_reference_range_after_semicolon_is_not_a_stated_normal(nlp):
    text = "White blood cell (WBC, 48.38 × 109/L; normal range, 3.5–9.5), hemoglobin 65 g/L."
    found = labs_of(nlp, text)
    span, a = one(found, "White blood cells")
    assert span == "48.38 × 109/L" and a["unit_ucum"] == "10*9/L"
    assert a["reference_range"]["low"] == 3.5 and a["reference_range"]["high"] == 9.5
    assert a["interpretation"] == "high"
    assert len([f for f in found if f[1]["value"] == 3.5]) == 0


def test_trend_word_is_not_an_interpretation(nlp):
    found = labs_of(nlp, "The platelet count decreased to 450 × 10^9/L.")
    (a,) = [a for _, a in found if a["analyte"] == "Platelets" and a["value"] is not None]
    assert a["value"] == 450 and a["interpretation"] == "high"
    assert a["interpretation_source"] == "catalogue"
