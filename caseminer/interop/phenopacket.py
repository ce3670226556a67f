"""CaseReport -> GA4GH Phenopacket v2, built with the `phenopackets` protobuf classes.

Building the protobuf message (rather than a dict shaped like one) means a field name or type that
the schema does not have fails here, at export time, instead of in a curator's validator. The JSON
is protobuf's canonical JSON (`json_format.MessageToDict`: camelCase, enums as names), which is
what phenopacket-store and phenopacket-tools read.
"""

from __future__ import annotations

from datetime import datetime, timezone

from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp
from phenopackets import (
    Age,
    Disease,
    Evidence,
    ExternalReference,
    Individual,
    Measurement,
    MedicalAction,
    MetaData,
    OntologyClass,
    Phenopacket,
    PhenotypicFeature,
    Procedure,
    Quantity,
    ReferenceRange,
    Resource,
    Sex,
    TimeElement,
    Value,
)

from caseminer._version import __version__
from caseminer.interop import facts
from caseminer.interop.tables import procedure_codes, resource_versions, terms
from caseminer.schema import CaseReport, Lab

SCHEMA_VERSION = "2.0"


class _Prefixes:
    """Collects the CURIE prefixes used, so metaData.resources lists exactly those."""

    def __init__(self) -> None:
        self.used: list[str] = []

    def term(self, curie: str, label: str) -> OntologyClass:
        prefix = curie.split(":", 1)[0]
        if prefix not in self.used:
            self.used.append(prefix)
        return OntologyClass(id=curie, label=label)


def _curie(system: str, code: str) -> str:
    """caseminer's (system, code) as a CURIE: ('ICD-10-CM', 'E83.59') -> 'ICD10CM:E83.59'."""
    prefix = terms()["curie_prefixes"].get(system, system)
    return code if code.startswith(f"{prefix}:") else f"{prefix}:{code}"


def _time_element(onset: facts.Onset | None, p: _Prefixes) -> TimeElement | None:
    if onset is None:
        return None
    if onset.iso8601:
        return TimeElement(age=Age(iso8601duration=onset.iso8601))
    if onset.term:
        return TimeElement(ontology_class=p.term(*onset.term))
    return None


def _evidence(items: list[facts.Evidence], ref_id: str, p: _Prefixes) -> list[Evidence]:
    """One ECO 'author statement' per mention, its description the source sentence + offsets."""
    code = terms()["evidence_code"]
    out = []
    for ev in items:
        sentence = " ".join(ev.sentence.split())
        out.append(
            Evidence(
                evidence_code=p.term(code["id"], code["label"]),
                reference=ExternalReference(
                    id=ref_id, description=f"{sentence} [{ev.start}:{ev.end}]"
                ),
            )
        )
    return out


def _features(report: CaseReport, ref_id: str, p: _Prefixes) -> list[PhenotypicFeature]:
    out = []
    for feature in facts.phenotypic_features(report):
        pf = PhenotypicFeature(
            type=p.term(feature.hpo, feature.label),
            excluded=feature.excluded,
            evidence=_evidence(feature.evidence, ref_id, p),
        )
        if feature.note:
            pf.description = feature.note
        onset = _time_element(feature.onset, p)
        if onset is not None:
            pf.onset.CopyFrom(onset)
        out.append(pf)
    return out


def _diseases(report: CaseReport, p: _Prefixes) -> list[Disease]:
    out = []
    seen: set[str] = set()
    for concept in facts.conditions(report):
        code = facts.disease_code(concept)
        if code is None or concept.verification not in ("confirmed", "refuted"):
            continue  # Phenopacket has no 'suspected' disease: those stay in the caseminer JSON
        curie = _curie(code.system, code.code)
        if curie in seen:
            continue
        seen.add(curie)
        disease = Disease(
            term=p.term(curie, code.display), excluded=concept.verification == "refuted"
        )
        onset = _time_element(concept.onset, p)
        if onset is not None:
            disease.onset.CopyFrom(onset)
        out.append(disease)
    return out


def _measurement(lab: Lab, p: _Prefixes) -> Measurement | None:
    """A lab with a LOINC code, as a quantity (UCUM unit, reference range) or a coded result."""
    if not lab.loinc:
        return None
    description = f"{lab.analyte_text or lab.analyte}: {lab.value_text}"
    description += f" {lab.unit}" if lab.unit else ""
    description += f" ({lab.interpretation})" if lab.interpretation else ""
    m = Measurement(assay=p.term(f"LOINC:{lab.loinc}", lab.analyte), description=description)
    if lab.value is not None and lab.unit_ucum:
        q = Quantity(unit=p.term(f"UCUM:{lab.unit_ucum}", lab.unit_ucum), value=lab.value)
        rr = lab.reference_range
        if rr is not None and rr.low is not None and rr.high is not None:
            unit = rr.unit or lab.unit_ucum
            q.reference_range.CopyFrom(
                ReferenceRange(unit=p.term(f"UCUM:{unit}", unit), low=rr.low, high=rr.high)
            )
        m.value.CopyFrom(Value(quantity=q))
        return m
    coded = terms()["qualitative_values"].get(lab.interpretation or "")
    if lab.value is None and coded:
        m.value.CopyFrom(Value(ontology_class=p.term(coded["id"], coded["label"])))
        return m
    return None  # a number without a UCUM unit is no Phenopacket quantity


def _medical_actions(report: CaseReport, p: _Prefixes) -> list[MedicalAction]:
    table = procedure_codes()
    out = []
    for concept in facts.procedures(report):
        if concept.verification != "confirmed":
            continue  # planned, doubtful or not done: no action was taken
        row = table.get(concept.name.lower())
        if row:
            code = p.term(row["code"], row["label"])
        else:
            slug = "-".join(concept.name.lower().split())
            code = p.term(f"CASEMINER:{slug}", concept.name)
        proc = Procedure(code=code)
        onset = _time_element(concept.onset, p)
        if onset is not None:
            proc.performed.CopyFrom(onset)
        out.append(MedicalAction(procedure=proc))
    return out


def _meta(report: CaseReport, p: _Prefixes, created: datetime) -> MetaData:
    ts = Timestamp()
    ts.FromDatetime(created.astimezone(timezone.utc).replace(tzinfo=None))
    ref_id, reference, description = facts.document_reference(report)
    versions = resource_versions()
    resources = []
    for prefix in p.used:
        info = terms()["resources"].get(prefix)
        if info is None:
            continue
        resources.append(
            Resource(
                id=info["id"],
                name=info["name"],
                url=info["url"],
                version=versions[prefix],
                namespace_prefix=prefix,
                iri_prefix=info["iri_prefix"],
            )
        )
    return MetaData(
        created=ts,
        created_by=f"caseminer {__version__}",
        resources=resources,
        phenopacket_schema_version=SCHEMA_VERSION,
        external_references=[
            ExternalReference(id=ref_id, reference=reference, description=description)
        ],
    )


def build(report: CaseReport, created: datetime | None = None) -> Phenopacket:
    """The Phenopacket message of the report's patient."""
    p = _Prefixes()
    for prefix in ("HP", "ICD10CM", "LOINC"):  # the resources every export declares
        p.used.append(prefix)
    ref_id = facts.document_reference(report)[0]
    sex_map = terms()["sex"]["phenopacket"]
    subject = Individual(id="patient", sex=Sex.Value(sex_map[report.patient.sex or ""]))
    age = facts.age_iso8601(report)
    if age:
        subject.time_at_last_encounter.CopyFrom(TimeElement(age=Age(iso8601duration=age)))
    packet = Phenopacket(
        id=f"{report.document.id}-caseminer",
        subject=subject,
        phenotypic_features=_features(report, ref_id, p),
        diseases=_diseases(report, p),
        measurements=[m for lab in facts.labs(report) if (m := _measurement(lab, p))],
        medical_actions=_medical_actions(report, p),
    )
    packet.meta_data.CopyFrom(_meta(report, p, created or datetime.now(timezone.utc)))
    return packet


def export(report: CaseReport, created: datetime | None = None) -> dict:
    """The Phenopacket as canonical protobuf JSON (a dict ready for json.dumps)."""
    return MessageToDict(build(report, created))
