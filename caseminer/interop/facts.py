"""Which facts of a CaseReport go into an export, and how mentions become concepts.

Both exports (Phenopacket, FHIR) describe one patient, while a CaseReport lists every mention in
the paper: background in the introduction, other published cases in the discussion, relatives.
This module is library-free so that the selection rules are tested once and shared:

- a fact is the patient's when ``subject == "patient"``, it is not flagged ``family``, and its
  section is not a literature section (terms.json ``literature_sections``). The section rule is a
  backstop for reports whose ``subject`` was not filled (the schema default is "patient");
- mentions of one concept are aggregated: affirmed anywhere -> confirmed; else negated anywhere ->
  refuted; else (only uncertain, hypothetical, differential) -> unconfirmed or differential;
- phenotypic features come from ``report.phenotype`` when it is filled, else from the HPO codes of
  findings and diagnoses; abnormal labs add their HPO term (hypocalcemia for a low calcium),
  because a Phenopacket Measurement has no interpretation field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from caseminer.interop.tables import lab_phenotypes, terms
from caseminer.schema import CaseReport, Code, Diagnosis, Finding, Item, Lab

Verification = Literal["confirmed", "unconfirmed", "refuted", "differential"]


@dataclass
class Evidence:
    """Where a fact stands in the source: the offsets the caseminer JSON gives, and the sentence."""

    item_id: str | None
    text: str
    start: int
    end: int
    sentence: str
    section: str

    @classmethod
    def of(cls, item: Item) -> Evidence:
        return cls(item.id, item.text, item.start, item.end, item.sentence, item.section)


@dataclass
class Onset:
    """An onset read from the evidence sentence: an ISO 8601 age or an HPO onset class."""

    iso8601: str | None = None
    term: tuple[str, str] | None = None


@dataclass
class Feature:
    """One HPO term of the patient, with every mention that carries it."""

    hpo: str
    label: str
    excluded: bool
    evidence: list[Evidence] = field(default_factory=list)
    onset: Onset | None = None
    source: str = "diagnosis"
    note: str | None = None


@dataclass
class Concept:
    """One diagnosis or procedure of the patient: its mentions aggregated under one name."""

    name: str
    verification: Verification
    codes: list[Code]
    items: list[Item]
    resolved: bool = False
    onset: Onset | None = None

    @property
    def evidence(self) -> list[Evidence]:
        return [Evidence.of(item) for item in self.items]


def is_patient(item: Item) -> bool:
    """The patient's own fact: not the literature, not a relative."""
    return (
        item.subject == "patient"
        and not item.assertion.family
        and item.section not in terms()["literature_sections"]
    )


def mention_verdict(item: Item) -> Verification:
    """How one mention asserts its concept (the diagnosis status refines the flags)."""
    a = item.assertion
    status = item.status if isinstance(item, Diagnosis) else None
    if a.resolved:  # the patient had it; it has gone (negated too: absent now)
        return "confirmed"
    if a.negated or status == "ruled_out":
        return "refuted"
    if status == "differential":
        return "differential"
    if a.uncertain or a.hypothetical or status == "suspected":
        return "unconfirmed"
    return "confirmed"


def aggregate(verdicts: list[Verification]) -> Verification:
    """One verdict for a concept: one affirmed mention is enough; refuted beats doubt."""
    for verdict in ("confirmed", "refuted", "differential"):
        if verdict in verdicts:
            return verdict  # type: ignore[return-value]
    return "unconfirmed"


def _merge_codes(items: list[Item]) -> list[Code]:
    seen: dict[tuple[str, str], Code] = {}
    for item in items:
        for code in getattr(item, "codes", []):
            seen.setdefault((code.system, code.code), code)
    return list(seen.values())


def concepts_of(items: list[Item], report: CaseReport) -> list[Concept]:
    """Mentions grouped by their normalized name (case-insensitive), in order of first mention."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.normalized.lower(), []).append(item)  # type: ignore[attr-defined]
    out = []
    for members in groups.values():
        out.append(
            Concept(
                name=members[0].normalized,  # type: ignore[attr-defined]
                verification=aggregate([mention_verdict(m) for m in members]),
                codes=_merge_codes(members),
                items=members,
                resolved=any(m.assertion.resolved for m in members),
                onset=find_onset([m.sentence for m in members], report),
            )
        )
    return out


def conditions(report: CaseReport) -> list[Concept]:
    """The patient's diagnoses, one Concept per normalized name, in order of first mention."""
    return concepts_of([d for d in report.diagnoses if is_patient(d)], report)


def procedures(report: CaseReport) -> list[Concept]:
    """The patient's procedures, one Concept per normalized name."""
    return concepts_of([p for p in report.procedures if is_patient(p)], report)


def disease_code(concept: Concept) -> Code | None:
    """The code a Phenopacket disease takes: OMIM/ORPHA where known, else ICD-10-CM (not an
    R-chapter code: those are signs and symptoms, which the phenotype carries)."""
    cfg = terms()
    for system in cfg["disease_systems"]:
        for code in concept.codes:
            if code.system != system:
                continue
            symptom = code.code.startswith(tuple(cfg["icd_non_disease_prefixes"]))
            if system == "ICD-10-CM" and symptom:
                continue
            return code
    return None


def labs(report: CaseReport) -> list[Lab]:
    """The patient's lab results that were done (not negated, not hypothetical)."""
    return [
        lab
        for lab in report.labs
        if is_patient(lab) and not lab.assertion.negated and not lab.assertion.hypothetical
    ]


def imaging(report: CaseReport) -> list:
    """The patient's imaging studies that were done."""
    return [
        study
        for study in report.imaging
        if is_patient(study) and not study.assertion.negated and not study.assertion.hypothetical
    ]


def findings(report: CaseReport) -> list[Finding]:
    """The patient's findings (negated ones included: they become 'absent' observations)."""
    return [f for f in report.findings if is_patient(f) and not f.assertion.hypothetical]


def _items_by_id(report: CaseReport) -> dict[str, Item]:
    pool: list[Item] = [*report.findings, *report.diagnoses, *report.labs, *report.procedures]
    return {item.id: item for item in pool if item.id}


def phenotypic_features(report: CaseReport) -> list[Feature]:
    """The patient's HPO terms: report.phenotype when filled, else the HPO codes of findings
    and diagnoses; then abnormal labs. One Feature per HPO id, in order of first evidence."""
    features: dict[str, Feature] = {}
    if report.phenotype:
        by_id = _items_by_id(report)
        for term in report.phenotype:
            items = [by_id[i] for i in term.evidence if i in by_id]
            features[term.hpo] = Feature(
                hpo=term.hpo,
                label=term.label,
                excluded=term.excluded,
                evidence=[Evidence.of(i) for i in items],
                onset=find_onset([i.sentence for i in items], report),
                source="phenotype",
            )
    else:
        _features_from_codes(report, features)
    _features_from_labs(report, features)
    return list(features.values())


def _features_from_codes(report: CaseReport, features: dict[str, Feature]) -> None:
    mentions: dict[str, list[tuple[Item, Code]]] = {}
    for item in [*report.findings, *report.diagnoses]:
        if not is_patient(item):
            continue
        for code in item.codes:
            if code.system == "HPO":
                mentions.setdefault(code.code, []).append((item, code))
    for hpo, pairs in mentions.items():
        verdicts = [mention_verdict(item) for item, _ in pairs]
        verdict = aggregate(verdicts)
        if verdict not in ("confirmed", "refuted"):
            continue  # a suspected phenotype is no observation: Phenopacket has no 'maybe'
        keep = [item for item, _ in pairs if mention_verdict(item) == verdict]
        features[hpo] = Feature(
            hpo=hpo,
            label=pairs[0][1].display,
            excluded=verdict == "refuted",
            evidence=[Evidence.of(item) for item in keep],
            onset=find_onset([item.sentence for item in keep], report),
            source="finding" if isinstance(keep[0], Finding) else "diagnosis",
        )


def _features_from_labs(report: CaseReport, features: dict[str, Feature]) -> None:
    table = lab_phenotypes()
    for lab in labs(report):
        row = table.get((lab.analyte, lab.interpretation or ""))
        if row is None:
            continue
        how = "stated" if lab.interpretation_source == "text" else "by the reference range"
        value = f"{lab.analyte} {lab.value_text} {lab.unit or ''}".strip()
        note = f"{value}: {lab.interpretation} ({how})"
        evidence = Evidence.of(lab)
        named = lab.analyte_text or lab.analyte
        if named.lower() not in evidence.sentence.lower():  # a table cell: say which test
            evidence.sentence = f"{named}: {evidence.sentence}"
        feature = features.get(row["hpo"])
        if feature is None:
            features[row["hpo"]] = Feature(
                row["hpo"], row["label"], False, [evidence], source="lab", note=note
            )
        elif not feature.excluded:
            feature.evidence.append(evidence)


def find_onset(sentences: list[str], report: CaseReport) -> Onset | None:
    """An onset the evidence sentences state: 'at the age of 12' -> P12Y, '21 years ago' with a
    65-year-old patient -> P44Y, 'since childhood' -> HP:0011463. None when none is stated."""
    cfg = terms()
    units = cfg["age_units"]["iso8601"]
    for sentence in sentences:
        text = " ".join(sentence.split())
        for pattern in cfg["onset_age_patterns"]:
            m = re.search(pattern, text, re.IGNORECASE)
            if m:
                unit = (m.group("unit") or "years").lower().rstrip("s")
                return Onset(iso8601=f"P{int(m.group('value'))}{units[unit]}")
        age = report.patient.age
        m = re.search(cfg["onset_ago_pattern"], text, re.IGNORECASE)
        if m and age is not None and age.unit == "year" and int(m.group("value")) < age.value:
            return Onset(iso8601=f"P{int(age.value) - int(m.group('value'))}Y")
        for row in cfg["onset_classes"]:
            if re.search(row["pattern"], text, re.IGNORECASE):
                return Onset(term=(row["id"], row["label"]))
    return None


def age_iso8601(report: CaseReport) -> str | None:
    """The patient's age as an ISO 8601 duration: 65 years -> 'P65Y', 3 months -> 'P3M'."""
    age = report.patient.age
    if age is None:
        return None
    unit = terms()["age_units"]["iso8601"][age.unit]
    if float(age.value).is_integer():
        return f"P{int(age.value)}{unit}"
    if age.unit == "year":  # 2.5 years -> P2Y6M: ISO 8601 allows a fraction only in the last part
        years, months = int(age.value), round((age.value % 1) * 12)
        return f"P{years}Y{months}M" if months else f"P{years}Y"
    return f"P{age.value:g}{unit}"


def document_reference(report: CaseReport) -> tuple[str, str, str]:
    """(id, reference, description) naming the source document of the export."""
    doc = report.document
    ref_id = doc.id
    if re.fullmatch(r"PMC\d+", doc.id):
        ref_id = f"PMCID:{doc.id}"
    elif re.fullmatch(r"PMID[:_-]?\d{1,9}", doc.id):  # not bare digits: a date is digits too
        ref_id = f"PMID:{doc.id[4:].lstrip(':_-')}"
    reference = doc.source_path or f"sha256:{doc.sha256}"
    description = f"caseminer extraction of {doc.id} (sha256 {doc.sha256})"
    return ref_id, reference, description
