"""FHIR R4 (R4B) Bundle export of hand-built reports, validated by fhir.resources."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

pytest.importorskip("fhir.resources")

from builders import TEXT, report  # noqa: E402
from fhir.resources.R4B.bundle import Bundle  # noqa: E402

from caseminer.interop import export  # noqa: E402

CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
LOINC = "http://loinc.org"
EVIDENCE = "urn:caseminer:fhir:StructureDefinition:evidence"


def bundle(rep) -> dict:
    """Export, validate with fhir.resources (a wrong element or type raises), return the JSON."""
    data = export(rep, "fhir", created=CREATED)
    Bundle.model_validate_json(json.dumps(data))
    return data


def resources(data: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def verification(condition: dict) -> str:
    return condition["verificationStatus"]["coding"][0]["code"]


def test_bundle_is_a_collection_with_one_patient_and_the_age():
    rep = report()
    start = TEXT.index("3-month-old")
    rep.patient.age = rep.patient.age.model_copy(
        update={"text": "3-month-old", "start": start, "end": start + 11}
    )
    data = bundle(rep)
    assert data["type"] == "collection" and data["timestamp"].startswith("2026-01-02T03:04:05")
    (patient,) = resources(data, "Patient")
    assert patient["gender"] == "female"
    age = [o for o in resources(data, "Observation") if o["code"]["coding"][0]["code"] == "30525-0"]
    assert age[0]["valueQuantity"] == {
        "value": 3.0,
        "unit": "month",
        "system": "http://unitsofmeasure.org",
        "code": "mo",
    }
    (where,) = age[0]["extension"]
    assert {p["url"]: list(p.values())[1] for p in where["extension"]}["start"] == start
    refs = {e["fullUrl"] for e in data["entry"]}
    for entry in data["entry"]:
        subject = entry["resource"].get("subject")
        if subject:
            assert subject["reference"] == f"urn:uuid:{patient['id']}" in refs


def test_negated_is_refuted_uncertain_is_unconfirmed_and_literature_is_left_out():
    conditions = {c["code"]["text"]: c for c in resources(bundle(report()), "Condition")}
    assert verification(conditions["rickets"]) == "refuted"
    assert verification(conditions["DiGeorge syndrome"]) == "unconfirmed"
    assert verification(conditions["hypoparathyroidism"]) == "confirmed"
    codings = {(c["system"], c["code"]) for c in conditions["hypoparathyroidism"]["code"]["coding"]}
    assert codings == {
        ("http://hl7.org/fhir/sid/icd-10-cm", "E20.9"),
        ("http://human-phenotype-ontology.org", "HP:0000829"),
    }
    # the discussion's hypoparathyroidism (D4) is literature: not among the evidence
    items = [
        part["valueString"]
        for ext in conditions["hypoparathyroidism"]["extension"]
        for part in ext["extension"]
        if part["url"] == "item"
    ]
    assert items == ["D1"]


def test_every_evidence_extension_points_at_the_text():
    data = bundle(report())
    checked = 0
    for entry in data["entry"]:
        for ext in entry["resource"].get("extension", []):
            assert ext["url"] == EVIDENCE
            parts = {
                p["url"]: next(v for k, v in p.items() if k.startswith("value"))
                for p in ext["extension"]
            }
            assert TEXT[parts["start"] : parts["end"]] == parts["text"]
            assert parts["document"] == "PMC1234567"
            checked += 1
    assert checked >= 8


def test_lab_observation_has_loinc_ucum_reference_range_and_interpretation():
    labs = [
        o
        for o in resources(bundle(report()), "Observation")
        if o.get("category", [{}])[0].get("coding", [{}])[0].get("code") == "laboratory"
    ]
    (lab,) = labs
    assert lab["code"]["coding"] == [{"system": LOINC, "code": "17861-6", "display": "Calcium"}]
    assert lab["valueQuantity"] == {
        "value": 6.1,
        "unit": "mg/dL",
        "system": "http://unitsofmeasure.org",
        "code": "mg/dL",
    }
    assert lab["referenceRange"][0]["low"]["value"] == 8.5
    assert lab["referenceRange"][0]["high"]["value"] == 10.5
    assert lab["interpretation"][0]["coding"][0]["code"] == "L"


def test_findings_are_observations_present_or_absent_for_the_patient_only():
    findings = {
        o["code"]["text"]: o["valueBoolean"]
        for o in resources(bundle(report()), "Observation")
        if "valueBoolean" in o
    }
    assert findings == {"seizure": True, "hepatomegaly": False}


def test_procedure_and_imaging():
    data = bundle(report())
    (procedure,) = resources(data, "Procedure")
    assert procedure["status"] == "completed"
    assert procedure["code"]["coding"][0]["code"] == "C15189"
    (study,) = resources(data, "ImagingStudy")
    assert study["modality"][0]["code"] == "US"
    (dr,) = resources(data, "DiagnosticReport")
    assert dr["conclusion"] == "nephrocalcinosis"
    assert dr["imagingStudy"][0]["reference"] == f"urn:uuid:{study['id']}"


def test_ids_are_stable_across_exports():
    first = [e["fullUrl"] for e in bundle(report())["entry"]]
    assert first == [e["fullUrl"] for e in bundle(report())["entry"]]
    assert len(set(first)) == len(first)


def test_an_age_in_years_and_months_becomes_months_and_onset_is_an_age():
    from caseminer.schema import Age, Patient

    rep = report(patient=Patient(age=Age(value=2.5, unit="year"), sex="male"))
    rep.diagnoses[0].sentence = "Hypoparathyroidism was diagnosed at the age of 2 years."
    data = bundle(rep)
    age = next(o for o in resources(data, "Observation") if o["code"].get("text") == "Age")
    assert (age["valueQuantity"]["value"], age["valueQuantity"]["code"]) == (30.0, "mo")
    (condition,) = [
        c for c in resources(data, "Condition") if c["code"]["text"] == "hypoparathyroidism"
    ]
    assert condition["onsetAge"]["value"] == 2.0 and condition["onsetAge"]["code"] == "a"
