"""Hand-built CaseReports for the interop tests: exact offsets into a text written here.

The findings, phenotype and subject fields are filled by another part of the pipeline; these
builders fill them by hand so the converters are tested against the schema, whatever the
extractors find today.
"""

from __future__ import annotations

import hashlib
from typing import Any

from caseminer.schema import (
    Age,
    Assertion,
    CaseReport,
    Code,
    Diagnosis,
    Document,
    Finding,
    Imaging,
    ImagingFinding,
    Lab,
    Patient,
    PhenotypeTerm,
    Procedure,
    Provenance,
    ReferenceRange,
)

TEXT = (
    "Case presentation\n"
    "A 3-month-old girl was admitted with seizures since birth. "
    "She had no hepatomegaly. "
    "Serum calcium was 6.1 mg/dL (8.5-10.5). "
    "Her mother had hypocalcemia. "
    "Hypoparathyroidism was confirmed; DiGeorge syndrome was suspected. "
    "Rickets was ruled out. "
    "A renal ultrasound showed nephrocalcinosis. "
    "A biopsy was performed.\n"
    "Discussion\n"
    "Patients with hypoparathyroidism often have cataract.\n"
)
HPO_SEIZURE = Code(system="HPO", code="HP:0001250", display="Seizure")
HPO_HEPATOMEGALY = Code(system="HPO", code="HP:0002240", display="Hepatomegaly")
HPO_CATARACT = Code(system="HPO", code="HP:0000518", display="Cataract")
HPO_HYPOPARA = Code(system="HPO", code="HP:0000829", display="Hypoparathyroidism")


def span(phrase: str, occurrence: int = 0) -> dict[str, Any]:
    """text/start/end/sentence/section of a phrase of TEXT (the n-th occurrence)."""
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(phrase, start + 1)
    end = start + len(phrase)
    s0 = max(TEXT.rfind(". ", 0, start) + 2, TEXT.rfind("\n", 0, start) + 1)
    s1 = TEXT.find(".", end) + 1
    section = "discussion" if start > TEXT.index("Discussion") else "case"
    return {
        "text": phrase,
        "start": start,
        "end": end,
        "sentence": TEXT[s0:s1],
        "section": section,
        "rule": "test",
    }


def report(**overrides: Any) -> CaseReport:
    """A report of TEXT: a 3-month-old girl, findings (one negated, one family, one literature),
    a lab, diagnoses (confirmed, suspected, ruled out), imaging and a procedure."""
    fields: dict[str, Any] = {
        "document": Document(
            id="PMC1234567",
            sha256=hashlib.sha256(TEXT.encode()).hexdigest(),
            format="string",
            n_chars=len(TEXT),
        ),
        "patient": Patient(age=Age(value=3, unit="month"), sex="female"),
        "findings": [
            Finding(id="F1", normalized="seizure", codes=[HPO_SEIZURE], **span("seizures")),
            Finding(
                id="F2",
                normalized="hepatomegaly",
                codes=[HPO_HEPATOMEGALY],
                assertion=Assertion(negated=True, cues=["no"]),
                **span("hepatomegaly"),
            ),
            Finding(
                id="F3",
                normalized="hypocalcemia",
                codes=[Code(system="HPO", code="HP:0002901", display="Hypocalcemia")],
                subject="family",
                assertion=Assertion(family=True),
                **span("hypocalcemia"),
            ),
            Finding(
                id="F4",
                normalized="cataract",
                codes=[HPO_CATARACT],
                subject="literature",
                **span("cataract"),
            ),
        ],
        "labs": [
            Lab(
                id="L1",
                analyte="Calcium",
                analyte_text="Serum calcium",
                value=6.1,
                value_text="6.1",
                unit="mg/dL",
                unit_ucum="mg/dL",
                reference_range=ReferenceRange(low=8.5, high=10.5, unit="mg/dL", source="text"),
                interpretation="low",
                interpretation_source="catalogue",
                loinc="17861-6",
                source="text",
                **span("6.1 mg/dL"),
            )
        ],
        "diagnoses": [
            Diagnosis(
                id="D1",
                normalized="hypoparathyroidism",
                status="confirmed",
                codes=[
                    Code(system="ICD-10-CM", code="E20.9", display="Hypoparathyroidism"),
                    HPO_HYPOPARA,
                ],
                **span("Hypoparathyroidism"),
            ),
            Diagnosis(
                id="D2",
                normalized="DiGeorge syndrome",
                status="suspected",
                codes=[
                    Code(system="ICD-10-CM", code="D82.1", display="Di George's syndrome"),
                    Code(system="ORPHA", code="ORPHA:567", display="22q11.2 deletion syndrome"),
                ],
                assertion=Assertion(uncertain=True, cues=["suspected"]),
                **span("DiGeorge syndrome"),
            ),
            Diagnosis(
                id="D3",
                normalized="rickets",
                status="ruled_out",
                codes=[Code(system="ICD-10-CM", code="E55.0", display="Rickets, active")],
                assertion=Assertion(negated=True, cues=["ruled out"]),
                **span("Rickets"),
            ),
            Diagnosis(
                id="D4",
                normalized="hypoparathyroidism",
                status="confirmed",
                codes=[HPO_HYPOPARA],
                subject="literature",
                **span("hypoparathyroidism", 0),
            ),
        ],
        "imaging": [
            Imaging(
                id="I1",
                modality="ultrasound",
                body_sites=["kidney"],
                findings=[
                    ImagingFinding(
                        **{
                            k: v
                            for k, v in span("nephrocalcinosis").items()
                            if k in ("text", "start", "end")
                        }
                    )
                ],
                **span("renal ultrasound"),
            )
        ],
        "procedures": [
            Procedure(id="P1", normalized="biopsy", category="diagnostic", **span("biopsy"))
        ],
        "provenance": Provenance(caseminer_version="0.1.0", pipeline=[]),
    }
    fields.update(overrides)
    return CaseReport(**fields)


def with_phenotype(base: CaseReport) -> CaseReport:
    """The same report with `phenotype` filled as the phenotype step would (patient only)."""
    return base.model_copy(
        update={
            "phenotype": [
                PhenotypeTerm(hpo="HP:0001250", label="Seizure", evidence=["F1"]),
                PhenotypeTerm(
                    hpo="HP:0002240", label="Hepatomegaly", excluded=True, evidence=["F2"]
                ),
                PhenotypeTerm(hpo="HP:0000829", label="Hypoparathyroidism", evidence=["D1"]),
            ]
        }
    )
