"""Phenopacket v2 export of hand-built reports, parsed back with the reference library."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

pytest.importorskip("phenopackets")

from builders import TEXT, report, with_phenotype  # noqa: E402
from google.protobuf.json_format import Parse  # noqa: E402
from phenopackets import Phenopacket  # noqa: E402

from caseminer.interop import export  # noqa: E402
from caseminer.schema import Age, Patient  # noqa: E402

CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def packet(rep) -> Phenopacket:
    """Export, then parse with protobuf's json_format: unknown fields or bad types fail here."""
    data = export(rep, "phenopacket", created=CREATED)
    return Parse(json.dumps(data), Phenopacket())


def features(pp: Phenopacket) -> dict[str, bool]:
    return {f.type.id: f.excluded for f in pp.phenotypic_features}


@pytest.mark.parametrize("rep", [report(), with_phenotype(report())], ids=["derived", "phenotype"])
def test_a_negated_phenotype_is_excluded_and_literature_and_family_are_left_out(rep):
    got = features(packet(rep))
    assert got["HP:0001250"] is False  # seizures: observed
    assert got["HP:0002240"] is True  # "no hepatomegaly": excluded
    assert "HP:0000518" not in got  # cataract: the discussion's patients, not ours
    # hypocalcemia comes from the patient's low calcium, not from the mother's finding
    assert got["HP:0002901"] is False


def test_subject_sex_and_age_as_iso8601():
    data = export(report(), "phenopacket", created=CREATED)
    assert data["subject"]["sex"] == "FEMALE"
    assert data["subject"]["timeAtLastEncounter"]["age"]["iso8601duration"] == "P3M"
    older = report(patient=Patient(age=Age(value=65, unit="year"), sex="male"))
    data = export(older, "phenopacket", created=CREATED)
    assert data["subject"] == {
        "id": "patient",
        "sex": "MALE",
        "timeAtLastEncounter": {"age": {"iso8601duration": "P65Y"}},
    }


def test_evidence_is_the_source_sentence_with_offsets_and_onset_is_read_from_it():
    pp = packet(report())
    seizure = next(f for f in pp.phenotypic_features if f.type.id == "HP:0001250")
    ev = seizure.evidence[0]
    assert ev.evidence_code.id == "ECO:0000033"
    assert ev.reference.id == "PMCID:PMC1234567"
    start = TEXT.index("seizures")
    assert ev.reference.description == (
        f"A 3-month-old girl was admitted with seizures since birth. [{start}:{start + 8}]"
    )
    assert seizure.onset.ontology_class.id == "HP:0003577"  # "since birth": congenital onset


def test_diseases_prefer_orpha_omim_drop_the_suspected_and_exclude_the_ruled_out():
    diseases = {d.term.id: d.excluded for d in packet(report()).diseases}
    assert diseases == {"ICD10CM:E20.9": False, "ICD10CM:E55.0": True}
    confirmed = report()
    confirmed.diagnoses[1].status = "confirmed"
    confirmed.diagnoses[1].assertion.uncertain = False
    ids = [d.term.id for d in packet(confirmed).diseases]
    assert "ORPHA:567" in ids and "ICD10CM:D82.1" not in ids


def test_measurement_has_loinc_ucum_quantity_and_reference_range():
    (m,) = packet(report()).measurements
    assert m.assay.id == "LOINC:17861-6"
    q = m.value.quantity
    assert (q.unit.id, q.value) == ("UCUM:mg/dL", pytest.approx(6.1))
    assert (q.reference_range.low, q.reference_range.high) == (8.5, 10.5)
    assert m.description == "Serum calcium: 6.1 mg/dL (low)"


def test_medical_actions_and_metadata():
    pp = packet(report())
    assert [a.procedure.code.id for a in pp.medical_actions] == ["NCIT:C15189"]
    meta = pp.meta_data
    assert meta.created_by.startswith("caseminer ")
    assert meta.created.seconds == int(CREATED.timestamp())
    assert meta.phenopacket_schema_version == "2.0"
    resources = {r.namespace_prefix: r for r in meta.resources}
    assert {"HP", "ICD10CM", "LOINC", "UCUM", "NCIT", "ECO"} <= set(resources)
    assert all(r.version for r in meta.resources)
    assert resources["HP"].version[:2] == "20"  # a release date read from hp.obo
    used = {f.type.id.split(":")[0] for f in pp.phenotypic_features}
    assert used <= set(resources)
    (ref,) = meta.external_references
    assert ref.id == "PMCID:PMC1234567"


def test_an_uncoded_procedure_gets_the_declared_local_prefix():
    rep = report()
    rep.procedures[0].normalized = "resection arthroplasty"
    pp = packet(rep)
    assert [a.procedure.code.id for a in pp.medical_actions] == ["CASEMINER:resection-arthroplasty"]
    assert "CASEMINER" in {r.namespace_prefix for r in pp.meta_data.resources}


def test_a_planned_procedure_is_no_medical_action():
    rep = report()
    rep.procedures[0].assertion.hypothetical = True
    assert not packet(rep).medical_actions


@pytest.mark.parametrize(
    ("doc_id", "ref_id"),
    [
        ("PMC1234567", "PMCID:PMC1234567"),
        ("PMID_31415926", "PMID:31415926"),
        ("20230101", "20230101"),
    ],
)
def test_the_source_reference_names_pubmed_ids_only_when_they_are_ones(doc_id, ref_id):
    rep = report()
    rep.document.id = doc_id
    assert export(rep, "phenopacket")["metaData"]["externalReferences"][0]["id"] == ref_id
