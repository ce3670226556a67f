"""CaseReport -> FHIR R4 Bundle (type collection), built with `fhir.resources` (its R4B models).

R4B (4.3.0) is the R4 line that `fhir.resources` ships with pydantic v2; Patient, Condition,
Observation, Procedure, ImagingStudy and DiagnosticReport are the same in R4 (4.0.1) for what we
fill. Every resource is made by its `fhir.resources` class, so a wrong element name or type fails
here. Each one carries a complex extension (terms.json ``fhir.evidence_extension``) per mention:
the document, the caseminer item id and the character offsets into the source text.

Ids are UUID 5s of the document hash and the concept, so re-exporting a report gives the same ids.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.imagingstudy import ImagingStudy
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure

from caseminer.interop import facts
from caseminer.interop.tables import procedure_codes, terms
from caseminer.schema import CaseReport, Code, Lab

PROCEDURE_STATUS = {
    "confirmed": "completed",
    "refuted": "not-done",
    "unconfirmed": "unknown",
    "differential": "unknown",
}


def _cfg() -> dict[str, Any]:
    return terms()["fhir"]


def _system(name: str) -> str:
    return _cfg()["systems"][name]


class _Builder:
    """Holds the report, the Patient reference and the entries built so far."""

    def __init__(self, report: CaseReport) -> None:
        self.report = report
        self.entries: list[dict[str, Any]] = []
        self.patient_ref = {"reference": f"urn:uuid:{self.uid('patient')}"}

    def uid(self, key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"caseminer:{self.report.document.sha256}:{key}"))

    def add(self, resource: Any) -> None:
        self.entries.append({"fullUrl": f"urn:uuid:{resource.id}", "resource": resource})

    def evidence(self, items: list[facts.Evidence]) -> list[dict[str, Any]]:
        """One complex extension per mention: where the fact stands in the source text."""
        out = []
        for ev in items:
            parts: list[dict[str, Any]] = [
                {"url": "document", "valueString": self.report.document.id},
                {"url": "start", "valueInteger": ev.start},
                {"url": "end", "valueInteger": ev.end},
                {"url": "text", "valueString": ev.text},
                {"url": "section", "valueString": ev.section},
            ]
            if ev.item_id:
                parts.insert(1, {"url": "item", "valueString": ev.item_id})
            out.append({"url": _cfg()["evidence_extension"], "extension": parts})
        return out


def _coding(code: Code) -> dict[str, Any] | None:
    systems = _cfg()["systems"]
    if code.system not in systems:
        return None
    value = code.code
    if code.system in ("OMIM", "ORPHA"):
        value = value.split(":", 1)[-1]
    return {"system": systems[code.system], "code": value, "display": code.display}


def _codeable(text: str, codes: list[Code]) -> dict[str, Any]:
    codings = [c for code in codes if (c := _coding(code))]
    return {"coding": codings, "text": text} if codings else {"text": text}


def _age_quantity(iso: str) -> dict[str, Any] | None:
    """'P44Y' -> an Age quantity in UCUM; 'P2Y6M' -> 30 months (FHIR Age has one unit)."""
    units = {v: k for k, v in terms()["age_units"]["iso8601"].items()}
    parts = re.findall(r"(\d+(?:\.\d+)?)([YMWD])", iso)
    if not parts or any(letter not in units for _, letter in parts):
        return None
    if len(parts) == 1:
        value, unit = float(parts[0][0]), units[parts[0][1]]
    elif {letter for _, letter in parts} == {"Y", "M"}:
        value, unit = sum(float(n) * (12 if u == "Y" else 1) for n, u in parts), "month"
    else:
        return None
    ucum = terms()["age_units"]["ucum"][unit]
    return {"value": value, "unit": unit, "system": _system("UCUM"), "code": ucum}


def _patient(b: _Builder) -> None:
    sex = terms()["sex"]["fhir"][b.report.patient.sex or ""]
    b.add(Patient(id=b.uid("patient"), gender=sex))
    age = facts.age_iso8601(b.report)
    quantity = _age_quantity(age) if age else None
    if quantity is None:
        return
    cfg = _cfg()["age_observation"]
    mention = b.report.patient.age
    evidence = []
    if mention is not None and mention.start is not None and mention.end is not None:
        text = mention.text or ""
        evidence = [facts.Evidence(None, text, mention.start, mention.end, text, "case")]
    b.add(
        Observation(
            id=b.uid("age"),
            extension=b.evidence(evidence) or None,
            status="final",
            code={"coding": [{"system": _system("LOINC"), **cfg}], "text": "Age"},
            subject=b.patient_ref,
            valueQuantity=quantity,
        )
    )


def _conditions(b: _Builder) -> None:
    for concept in facts.conditions(b.report):
        verification = {
            "coding": [{"system": _system("condition-ver-status"), "code": concept.verification}]
        }
        fields: dict[str, Any] = {
            "id": b.uid(f"condition:{concept.name.lower()}"),
            "extension": b.evidence(concept.evidence),
            "verificationStatus": verification,
            "code": _codeable(concept.name, concept.codes),
            "subject": b.patient_ref,
            "note": [{"text": " ".join(concept.items[0].sentence.split())}],
        }
        if concept.resolved and concept.verification != "refuted":
            fields["clinicalStatus"] = {
                "coding": [{"system": _system("condition-clinical"), "code": "resolved"}]
            }
        if concept.onset and concept.onset.iso8601:
            fields["onsetAge"] = _age_quantity(concept.onset.iso8601)
        elif concept.onset and concept.onset.term:
            fields["onsetString"] = concept.onset.term[1]
        b.add(Condition(**fields))


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": _system("observation-category"), "code": code}]}]


def _quantity(value: float, unit: str | None, ucum: str | None) -> dict[str, Any]:
    q: dict[str, Any] = {"value": value}
    if unit or ucum:
        q["unit"] = unit or ucum
    if ucum:
        q.update(system=_system("UCUM"), code=ucum)
    return q


def _lab(b: _Builder, lab: Lab) -> None:
    codes = [Code(system="LOINC", code=lab.loinc, display=lab.analyte)] if lab.loinc else []
    fields: dict[str, Any] = {
        "id": b.uid(f"lab:{lab.id or lab.start}"),
        "extension": b.evidence([facts.Evidence.of(lab)]),
        "status": "final",
        "category": _category("laboratory"),
        "code": _codeable(lab.analyte, codes),  # the text as written is in the extension
        "subject": b.patient_ref,
    }
    if lab.value is not None and lab.value_high is not None:
        fields["valueRange"] = {
            "low": _quantity(lab.value, lab.unit, lab.unit_ucum),
            "high": _quantity(lab.value_high, lab.unit, lab.unit_ucum),
        }
    elif lab.value is not None:
        q = _quantity(lab.value, lab.unit, lab.unit_ucum)
        if lab.comparator and lab.comparator != "=":
            q["comparator"] = lab.comparator
        fields["valueQuantity"] = q
    else:
        fields["valueString"] = lab.value_text
    if lab.interpretation:
        flag = _cfg()["interpretation"][lab.interpretation]
        coding = {"system": _system("interpretation"), **flag}
        fields["interpretation"] = [{"coding": [coding]}]
    rr = lab.reference_range
    if rr is not None and (rr.low is not None or rr.high is not None):
        ref: dict[str, Any] = {"text": f"{rr.source} range"}
        if rr.low is not None:
            ref["low"] = _quantity(rr.low, rr.unit, rr.unit)
        if rr.high is not None:
            ref["high"] = _quantity(rr.high, rr.unit, rr.unit)
        fields["referenceRange"] = [ref]
    b.add(Observation(**fields))


def _findings(b: _Builder) -> None:
    """Findings as Observations whose value says present (true) or stated absent (false)."""
    items = facts.findings(b.report)
    for concept in facts.concepts_of(items, b.report):
        if concept.verification not in ("confirmed", "refuted"):
            continue
        kind = getattr(concept.items[0], "category", "other")
        b.add(
            Observation(
                id=b.uid(f"finding:{concept.name.lower()}"),
                extension=b.evidence(concept.evidence),
                status="final",
                category=_category("imaging" if kind == "imaging" else "exam"),
                code=_codeable(concept.name, concept.codes),
                subject=b.patient_ref,
                valueBoolean=concept.verification == "confirmed",
            )
        )


def _procedures(b: _Builder) -> None:
    table = procedure_codes()
    for concept in facts.procedures(b.report):
        row = table.get(concept.name.lower())
        codes = [Code(system="NCIT", code=row["code"], display=row["label"])] if row else []
        code = _codeable(concept.name, codes)
        if row:
            code["coding"][0]["code"] = row["code"].split(":", 1)[1]
        sites = list(dict.fromkeys(s for p in concept.items for s in getattr(p, "body_sites", [])))
        fields: dict[str, Any] = {
            "id": b.uid(f"procedure:{concept.name.lower()}"),
            "extension": b.evidence(concept.evidence),
            "status": PROCEDURE_STATUS[concept.verification],
            "category": {"text": getattr(concept.items[0], "category", "other")},
            "code": code,
            "subject": b.patient_ref,
        }
        if sites:
            fields["bodySite"] = [{"text": s} for s in sites]
        if concept.onset and concept.onset.iso8601:
            fields["performedAge"] = _age_quantity(concept.onset.iso8601)
        b.add(Procedure(**fields))


def _imaging(b: _Builder) -> None:
    """Each study: an ImagingStudy (modality, sites) and a DiagnosticReport (its findings)."""
    modalities = _cfg()["dicom_modalities"]
    for study in facts.imaging(b.report):
        key = study.id or str(study.start)
        ext = b.evidence([facts.Evidence.of(study)])
        sides = [study.laterality] if study.laterality else []
        described = ", ".join([study.modality, *study.body_sites, *sides])
        fields: dict[str, Any] = {
            "id": b.uid(f"imaging:{key}"),
            "extension": ext,
            "status": "available",
            "subject": b.patient_ref,
            "description": described,
        }
        if study.modality in modalities:
            code, display = modalities[study.modality]
            fields["modality"] = [{"system": _system("DICOM"), "code": code, "display": display}]
        imaging_study = ImagingStudy(**fields)
        b.add(imaging_study)
        report_code = _cfg()["imaging_report"]
        conclusion = "; ".join(" ".join(f.text.split()) for f in study.findings)
        b.add(
            DiagnosticReport(
                id=b.uid(f"imaging-report:{key}"),
                extension=ext,
                status="final",
                category=[{"coding": [{"system": _system("diagnostic-service"), "code": "RAD"}]}],
                code={
                    "coding": [{"system": _system("LOINC"), **report_code}],
                    "text": study.modality,
                },
                subject=b.patient_ref,
                imagingStudy=[{"reference": f"urn:uuid:{imaging_study.id}"}],
                conclusion=conclusion or None,
            )
        )


def build(report: CaseReport, created: datetime | None = None) -> Bundle:
    """The collection Bundle of the report's patient."""
    b = _Builder(report)
    _patient(b)
    _conditions(b)
    for lab in facts.labs(report):
        _lab(b, lab)
    _findings(b)
    _procedures(b)
    _imaging(b)
    stamp = (created or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return Bundle(
        id=b.uid("bundle"),
        type="collection",
        timestamp=stamp.isoformat(timespec="seconds"),
        entry=b.entries,
    )


def export(report: CaseReport, created: datetime | None = None) -> dict[str, Any]:
    """The Bundle as FHIR JSON (a dict ready for json.dumps)."""
    return json.loads(build(report, created).model_dump_json())
