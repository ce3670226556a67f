"""Acceptance on the first customer's report: the facts a reader must find in the JSON.

The seed is raw PDF-to-text output (split words, one-word lines, a lab table broken into cells),
so this exercises every stage end to end. Assertions are on facts, not on a stored output.
"""

from __future__ import annotations

import pytest

import caseminer
from caseminer.schema import CaseReport

# Table 1 of the seed: analyte (any accepted canonical spelling) -> (value, unit)
TABLE_1 = {
    ("creatinine",): (0.3, "mg/dl"),
    ("potassium",): (3.3, "meq/l"),
    ("phosphorus", "phosphate"): (4.1, "mg/dl"),
    ("blood urea nitrogen", "bun", "urea nitrogen"): (13.0, "mg/dl"),
    ("sodium",): (137.0, "meq/l"),
    ("uric acid", "urate"): (4.4, "mg/dl"),
    ("calcium",): (7.8, "mg/dl"),
    ("magnesium",): (1.3, "meq/l"),
    ("c-reactive protein", "crp"): (31.0, "mg/dl"),
}


@pytest.fixture(scope="module")
def report(seed_text, nlp) -> CaseReport:
    return caseminer.extract(seed_text, nlp=nlp)


def _find_lab(report: CaseReport, names: tuple[str, ...]):
    return [lab for lab in report.labs if lab.analyte.lower() in names]


def _all_items(report: CaseReport):
    return [*report.labs, *report.imaging, *report.diagnoses, *report.procedures]


def test_every_offset_points_into_the_source(report, seed_text):
    for item in _all_items(report):
        assert seed_text[item.start : item.end] == item.text
    for im in report.imaging:
        for f in im.findings:
            assert seed_text[f.start : f.end] == f.text
    for sec in report.sections:
        assert 0 <= sec.start <= sec.end <= len(seed_text)


@pytest.mark.parametrize("names", list(TABLE_1))
def test_table_1_lab_found_with_value_and_unit(report, names):
    value, unit = TABLE_1[names]
    labs = _find_lab(report, names)
    assert labs, f"no lab for {names[0]}; labs: {[(lab.analyte, lab.value) for lab in report.labs]}"
    assert any(
        lab.value == pytest.approx(value) and (lab.unit or "").lower() == unit for lab in labs
    ), [(lab.value, lab.unit) for lab in labs]


def test_calcium_flagged_low(report):
    calcium = [lab for lab in _find_lab(report, ("calcium",)) if lab.value == pytest.approx(7.8)]
    assert calcium and calcium[0].interpretation == "low"


def test_no_false_lab_values(report):
    """Every numeric lab is a Table 1 fact: no years, ages, citations, percentages, ISSNs."""
    expected = {(name, v) for names, (v, _) in TABLE_1.items() for name in names}
    for lab in report.labs:
        if lab.value is None:
            continue
        assert (lab.analyte.lower(), lab.value) in expected, (lab.analyte, lab.value_text, lab.text)


def test_imaging_studies(report):
    by_modality: dict[str, list] = {}
    for im in report.imaging:
        by_modality.setdefault(im.modality.lower(), []).append(im)
    xray = [im for m, ims in by_modality.items() if "x-ray" in m or "radiograph" in m for im in ims]
    assert any("pelvis" in " ".join(im.body_sites).lower() for im in xray), xray
    assert any("anteroposterior" in [p.lower() for p in im.planes] for im in xray)
    assert any("bone scan" in m or "scintigraphy" in m for m in by_modality), list(by_modality)
    mri = [im for m, ims in by_modality.items() if "mri" in m or "magnetic" in m for im in ims]
    assert mri, list(by_modality)
    assert any({"T1", "T2"} <= set(im.sequences) for im in mri), [im.sequences for im in mri]
    descriptors = " ".join(d for im in mri for f in im.findings for d in f.descriptors).lower()
    assert "fluid level" in descriptors or "liquid level" in descriptors, descriptors


def _diagnoses(report, *words):
    return [
        d
        for d in report.diagnoses
        if any(w in (d.normalized + " " + d.text).lower() for w in words)
    ]


# Sections that describe the index patient (introduction/discussion are literature).
PATIENT_SECTIONS = {"title", "abstract", "case", "figure_caption", "table"}


@pytest.mark.parametrize(
    "words", [("tumoral calcinosis", "tumor calcinosis"), ("avascular necrosis",), ("osteoarthr",)]
)
def test_present_diagnoses(report, words):
    """Present: found about the patient, never negated there, and confirmed at least once."""
    found = [d for d in _diagnoses(report, *words) if d.section in PATIENT_SECTIONS]
    assert found, words
    assert not any(d.assertion.negated for d in found), [(d.text, d.assertion) for d in found]
    assert all(d.status in {"confirmed", "suspected"} for d in found)
    assert any(d.status == "confirmed" for d in found), [(d.text, d.status) for d in found]


def test_breast_cancer_is_historical(report):
    found = [d for d in _diagnoses(report, "breast") if d.section == "case"]
    assert found and all(d.status == "historical" for d in found), [
        (d.text, d.status) for d in found
    ]


@pytest.mark.parametrize("word", ["infect", "metasta", "malignan"])
def test_ruled_out_conditions_never_asserted_in_case(report, word):
    found = [d for d in _diagnoses(report, word) if d.section == "case"]
    assert found, f"no {word} mention found at all"
    for d in found:
        flagged = d.assertion.negated or d.assertion.hypothetical or d.assertion.uncertain
        assert flagged and d.status in {"ruled_out", "suspected", "differential"}, (
            d.text,
            d.status,
            d.sentence,
        )


def _procedures(report, *words):
    return [
        p
        for p in report.procedures
        if any(w in (p.normalized + " " + p.text).lower() for w in words)
    ]


@pytest.mark.parametrize("words", [("mastectomy",), ("chemotherapy",), ("radiotherapy",)])
def test_breast_cancer_treatment_is_historical(report, words):
    found = [p for p in _procedures(report, *words) if p.section == "case"]
    assert found, words
    assert all(p.assertion.historical for p in found), [(p.text, p.assertion) for p in found]


def test_mastectomy_is_modified_radical(report):
    found = _procedures(report, "mastectomy")
    assert any(
        "modified radical" in " ".join(p.modifiers).lower() or "modified radical" in p.text.lower()
        for p in found
    )


def test_hip_replacement_and_resection_arthroplasty(report):
    assert _procedures(report, "hip replacement", "hip arthroplasty")
    assert _procedures(report, "resection arthroplasty")


def test_patient(report):
    assert report.patient.sex == "female"
    assert report.patient.age is not None
    assert report.patient.age.value == 65 and report.patient.age.unit == "year"


def test_literature_sections_are_marked(report):
    kinds = {s.kind for s in report.sections}
    assert {"case", "discussion"} <= kinds, kinds
    discussion_dx = [d for d in report.diagnoses if d.section == "discussion"]
    assert discussion_dx, "discussion facts are kept (marked by section)"
