"""Hand-made CaseReports with every fact type (findings and phenotype too, which the extractor
may not fill yet), so the tables and the summary are tested on known content."""

from __future__ import annotations

import json
from pathlib import Path

from caseminer._version import __version__
from caseminer.schema import (
    Assertion,
    CaseReport,
    Code,
    Diagnosis,
    Document,
    Finding,
    Imaging,
    ImagingFinding,
    Lab,
    NormalizedValue,
    Patient,
    PhenotypeTerm,
    Procedure,
    Provenance,
)

HPO_SPLENO = Code(system="HPO", code="HP:0001744", display="Splenomegaly", match="exact")
HPO_FEVER = Code(system="HPO", code="HP:0001945", display="Fever", match="exact")
ICD_HYPOCALCEMIA = Code(system="ICD-10-CM", code="E83.51", display="Hypocalcemia", match="exact")


def _lab(ident, value, norm, *, subject="patient", negated=False, page=None, start=0) -> Lab:
    text = f"{value:g} mg/dL"
    return Lab(
        id=ident,
        text=text,
        start=start,
        end=start + len(text),
        page=page,
        section="discussion" if subject == "literature" else "case",
        sentence=f"Serum calcium was {text}.",
        rule="lab.prose",
        subject=subject,
        assertion=Assertion(negated=negated),
        analyte="Calcium",
        category="chemistry",
        analyte_text="calcium",
        value=value,
        value_text=f"{value:g}",
        unit="mg/dL",
        unit_ucum="mg/dL",
        interpretation="low",
        interpretation_source="catalogue",
        loinc="17861-6",
        source="text",
        normalized=NormalizedValue(value=norm, unit="mmol/L"),
    )


def report_a() -> CaseReport:
    """A patient with low calcium, a CT with two findings, splenomegaly, and a literature value."""
    return CaseReport(
        document=Document(id="a", sha256="0" * 64, format="pdf", n_chars=400, pages=2),
        patient=Patient(sex="female"),
        labs=[
            _lab("L1", 7.2, 1.8, page=1, start=10),
            _lab("L2", 6.0, 1.5, subject="literature", page=2, start=300),
        ],
        imaging=[
            Imaging(
                id="I1",
                text="CT",
                start=40,
                end=42,
                page=1,
                section="case",
                sentence="CT showed an enlarged spleen and a hypodense lesion.",
                rule="imaging.study",
                modality="CT",
                body_sites=["abdomen"],
                findings=[
                    ImagingFinding(
                        text="enlarged spleen", start=53, end=68, descriptors=["enlarged"]
                    ),
                    ImagingFinding(
                        text="hypodense lesion",
                        start=75,
                        end=91,
                        descriptors=["hypodense", "focal"],
                    ),
                ],
            )
        ],
        findings=[
            Finding(
                id="F1",
                text="splenomegaly",
                start=100,
                end=112,
                page=1,
                section="case",
                sentence="There was splenomegaly.",
                rule="finding.hpo",
                normalized="Splenomegaly",
                category="sign_symptom",
                codes=[HPO_SPLENO],
                study="I1",
            ),
            Finding(
                id="F2",
                text="fever",
                start=120,
                end=125,
                page=1,
                section="case",
                sentence="She had no fever.",
                rule="finding.hpo",
                assertion=Assertion(negated=True, cues=["no"]),
                normalized="Fever",
                category="sign_symptom",
                codes=[HPO_FEVER],
            ),
        ],
        diagnoses=[
            Diagnosis(
                id="D1",
                text="hypocalcemia",
                start=130,
                end=142,
                page=1,
                section="case",
                sentence="She was diagnosed with hypocalcemia.",
                rule="clinical.dictionary",
                normalized="hypocalcemia",
                status="confirmed",
                codes=[ICD_HYPOCALCEMIA],
            )
        ],
        procedures=[
            Procedure(
                id="P1",
                text="splenectomy",
                start=150,
                end=161,
                page=2,
                section="case",
                sentence="She underwent splenectomy.",
                rule="clinical.dictionary",
                normalized="splenectomy",
                category="surgical",
            )
        ],
        phenotype=[
            PhenotypeTerm(hpo="HP:0001744", label="Splenomegaly", evidence=["F1"]),
            PhenotypeTerm(hpo="HP:0001945", label="Fever", excluded=True, evidence=["F2"]),
        ],
        provenance=Provenance(caseminer_version=__version__, pipeline=["hand-made"]),
    )


def report_b() -> CaseReport:
    """Another patient with low calcium and splenomegaly; no findings list (an older extractor)."""
    return CaseReport(
        document=Document(id="b", sha256="1" * 64, format="txt", n_chars=200),
        patient=Patient(sex="male"),
        labs=[_lab("L1", 8.0, 2.0, start=5), _lab("L2", 6.5, 1.6, negated=True, start=50)],
        phenotype=[PhenotypeTerm(hpo="HP:0001744", label="Splenomegaly", evidence=["D1"])],
        provenance=Provenance(caseminer_version=__version__, pipeline=["hand-made"]),
    )


def write_batch_output(out: Path, reports: list[CaseReport]) -> Path:
    """OUT as a run leaves it: one JSON per report and a manifest whose records are done."""
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for report in reports:
        path = out / f"{report.document.id}.json"
        path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        lines.append(
            json.dumps(
                {
                    "input": f"/in/{report.document.id}.txt",
                    "sha256": report.document.sha256,
                    "status": "done",
                    "output": str(path),
                }
            )
        )
    (out / "_manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
