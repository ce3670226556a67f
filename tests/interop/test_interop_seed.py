"""Acceptance of issue 16 with the real pipeline: the seed report's exports, parsed by the
reference libraries, and a negated phenotype in a sentence written here."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("phenopackets")
pytest.importorskip("fhir.resources")

from fhir.resources.R4B.bundle import Bundle  # noqa: E402
from google.protobuf.json_format import Parse  # noqa: E402
from phenopackets import Phenopacket, Sex  # noqa: E402

from caseminer import api  # noqa: E402
from caseminer.interop import export  # noqa: E402
from caseminer.readers import SourceText  # noqa: E402

UCUM = "http://unitsofmeasure.org"
NEGATED = (
    "Case presentation\n"
    "A 58-year-old man presented with hip pain. There was no evidence of osteoarthritis. "
    "A biopsy was performed.\n"
)


@pytest.fixture(scope="module")
def seed_report(nlp, seed_text):
    source = SourceText(text=seed_text, format="txt", path="tumoral-calcinosis-case-report.txt")
    return api.extract(source, nlp=nlp)


@pytest.fixture(scope="module")
def seed_packet(seed_report) -> Phenopacket:
    return Parse(json.dumps(export(seed_report, "phenopacket")), Phenopacket())


@pytest.fixture(scope="module")
def seed_bundle(seed_report) -> dict:
    data = export(seed_report, "fhir")
    Bundle.model_validate_json(json.dumps(data))
    return data


def test_seed_phenopacket_subject(seed_packet):
    assert seed_packet.subject.sex == Sex.Value("FEMALE")
    assert seed_packet.subject.time_at_last_encounter.age.iso8601duration == "P65Y"


def test_seed_phenopacket_has_hpo_features_from_the_patients_diagnoses(seed_packet):
    observed = {f.type.id for f in seed_packet.phenotypic_features if not f.excluded}
    assert all(i.startswith("HP:") for i in observed)
    assert len(observed) >= 3
    assert "HP:0010885" in observed  # avascular necrosis of the femoral head
    assert "HP:0002901" in observed  # hypocalcemia: calcium 7.8 mg/dL
    # shock and calcific tendonitis are named in the discussion only: literature, not her
    assert not observed & {"HP:0031273", "HP:0025230"}


def test_seed_phenopacket_measurements_are_loinc_with_ucum_units(seed_packet):
    quantities = [m for m in seed_packet.measurements if m.value.HasField("quantity")]
    assert len(quantities) >= 8
    for m in quantities:
        assert m.assay.id.startswith("LOINC:")
        assert m.value.quantity.unit.id.startswith("UCUM:")
    calcium = next(m for m in quantities if m.assay.id == "LOINC:17861-6")
    assert calcium.value.quantity.value == pytest.approx(7.8)
    assert calcium.value.quantity.unit.id == "UCUM:mg/dL"


def test_seed_phenopacket_disease_and_procedures(seed_packet):
    diseases = {d.term.id: d.excluded for d in seed_packet.diseases}
    assert diseases["ICD10CM:E83.59"] is False  # tumoral calcinosis
    assert diseases["ICD10CM:C80.1"] is True  # malignancy was ruled out
    actions = {a.procedure.code.label for a in seed_packet.medical_actions}
    assert {"Biopsy", "resection arthroplasty", "Chemotherapy", "mastectomy"} <= actions
    refs = seed_packet.meta_data.external_references
    assert refs[0].reference == "tumoral-calcinosis-case-report.txt"


def test_seed_fhir_bundle(seed_bundle):
    by_type: dict[str, list[dict]] = {}
    for entry in seed_bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    (patient,) = by_type["Patient"]
    assert patient["gender"] == "female"
    loinc_labs = [
        o
        for o in by_type["Observation"]
        if o.get("category")
        and o["code"].get("coding", [{}])[0].get("system") == "http://loinc.org"
        and o.get("valueQuantity", {}).get("system") == UCUM
    ]
    assert len(loinc_labs) >= 8
    conditions = {c["code"]["text"]: c for c in by_type["Condition"]}
    assert "tumoral calcinosis" in conditions
    assert conditions["malignancy"]["verificationStatus"]["coding"][0]["code"] == "refuted"
    procedures = {p["code"]["text"] for p in by_type["Procedure"]}
    assert {"biopsy", "resection arthroplasty"} <= procedures
    assert by_type["ImagingStudy"] and by_type["DiagnosticReport"]


def test_a_negated_phenotype_in_a_written_sentence_is_excluded_and_refuted(nlp):
    rep = api.extract(SourceText(text=NEGATED, format="string"), nlp=nlp)
    packet = export(rep, "phenopacket")
    feature = next(f for f in packet["phenotypicFeatures"] if f["type"]["id"] == "HP:0002758")
    assert feature["excluded"] is True
    assert (
        "There was no evidence of osteoarthritis."
        in feature["evidence"][0]["reference"]["description"]
    )
    bundle = export(rep, "fhir")
    (condition,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Condition"
        and e["resource"]["code"]["text"] == "osteoarthritis"
    ]
    assert condition["verificationStatus"]["coding"][0]["code"] == "refuted"
