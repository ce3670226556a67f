"""The output contract: pydantic v2 models whose JSON Schema is what `caseminer schema` prints.

Every field carries a description so the exported schema documents itself. Offsets (`start`, `end`)
are always character offsets into the *source* text (for a .txt file its decoded content as read,
for a PDF the extracted text that `--include-text` returns), so `source[start:end] == text`.

Changing a field's meaning or removing one is a breaking change: bump SCHEMA_VERSION's major part
and say so in CHANGELOG.md. Adding an optional field is not.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1.0"

SectionKind = Literal[
    "title",
    "abstract",
    "keywords",
    "introduction",
    "case",
    "discussion",
    "conclusion",
    "references",
    "table",
    "figure_caption",
    "acknowledgements",
    "other",
]
Interpretation = Literal["low", "normal", "high", "abnormal", "positive", "negative"]
Laterality = Literal["left", "right", "bilateral"]
DiagnosisStatus = Literal["confirmed", "suspected", "ruled_out", "historical", "differential"]
Subject = Literal["patient", "family", "literature", "other"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span_(_Model):
    """A piece of evidence: a surface string and where it stands in the source text."""

    text: str = Field(description="The evidence exactly as it stands in the source text.")
    start: int = Field(ge=0, description="Start character offset into the source text.")
    end: int = Field(ge=0, description="End character offset (exclusive) into the source text.")


class Assertion(_Model):
    """How the text asserts an item (medspaCy ConText, extended for case-report language)."""

    negated: bool = Field(False, description="Stated as absent or ruled out ('no evidence of').")
    uncertain: bool = Field(
        False, description="Stated as possible or suspected ('compatible with')."
    )
    hypothetical: bool = Field(
        False, description="Conditional or to be done ('had to be ruled out')."
    )
    historical: bool = Field(False, description="Past history, not the current episode.")
    family: bool = Field(False, description="About a family member, not the patient.")
    resolved: bool = Field(
        False,
        description="The patient had it and it has gone ('resolved', 'recovered from', "
        "'corrected'). A resolved condition is also `negated` (absent now); `resolved` tells it "
        "apart from one that was ruled out, and its diagnosis status stays confirmed/historical.",
    )
    cues: list[str] = Field(
        default_factory=list, description="The trigger words that set the flags."
    )


class Code(_Model):
    """A concept code from an open terminology."""

    system: str = Field(
        description="Terminology: ICD-10-CM, HPO, UMLS, OMIM, ORPHA, LOINC, ICD-10-PCS... "
        "(ICD-10-PCS codes name the section and root operation the wording supports, the body "
        "system left open: '0_T' = Medical and Surgical, Resection)."
    )
    code: str = Field(description="The code in that system, e.g. 'M87.05' or 'HP:0001945'.")
    display: str = Field(description="The system's preferred name for the code.")
    match: Literal["exact", "synonym", "variant", "abbreviation", "curated"] = Field(
        "curated", description="How the mention matched the term."
    )


class Box(_Model):
    """Where a piece of evidence was printed on a PDF page: one box per line the evidence spans."""

    page: int = Field(ge=1, description="1-based page number.")
    x0: float = Field(description="Left edge, PDF points from the page's left edge.")
    y0: float = Field(description="Top edge, PDF points from the page's top edge.")
    x1: float = Field(description="Right edge, PDF points from the page's left edge.")
    y1: float = Field(description="Bottom edge, PDF points from the page's top edge.")


class Item(Span_):
    """Fields every extracted fact carries."""

    id: str | None = Field(
        None,
        description="Identifier of the item within this report ('L1', 'I2', 'F3', 'D4', 'P5'), "
        "used by `phenotype` evidence and by the tables.",
    )
    section: SectionKind = Field(
        description="Kind of section the evidence is in. Facts in introduction/discussion are "
        "literature, not the patient."
    )
    sentence: str = Field(description="The sentence holding the evidence (repaired text).")
    assertion: Assertion = Field(default_factory=Assertion, description="Assertion flags and cues.")
    rule: str = Field(description="Identifier of the pattern or rule that produced the item.")
    page: int | None = Field(
        None, ge=1, description="1-based page of the evidence's start (PDF input; None for text)."
    )
    boxes: list[Box] = Field(
        default_factory=list,
        description="PDF input: where the evidence stands on its page(s), one box per line.",
    )
    subject: Subject = Field(
        "patient",
        description="Whose fact it is: the patient of the report, a family member, the literature "
        "(introduction, discussion, other published cases, guidelines), or other.",
    )


class ReferenceRange(_Model):
    """A reference range, from the text when it gives one, else from the analyte catalogue."""

    low: float | None = Field(None, description="Lower limit.")
    high: float | None = Field(None, description="Upper limit.")
    unit: str | None = Field(None, description="Unit of the limits, as UCUM when known.")
    source: Literal["text", "catalogue"] = Field(description="Where the range came from.")


class NormalizedValue(_Model):
    """A numeric lab value converted to a canonical unit."""

    value: float = Field(description="The value in `unit`.")
    value_high: float | None = Field(None, description="Upper bound when the value is a range.")
    unit: str = Field(description="Canonical UCUM unit of the analyte.")


class Lab(Item):
    """A laboratory result: analyte, value and unit, or a qualitative result."""

    analyte: str = Field(
        description="Canonical analyte name from the catalogue, e.g. 'Calcium'; for a test that is "
        "not in the catalogue (an examination, a score), the test as written."
    )
    category: str | None = Field(
        None,
        description="Kind of test: the catalogue's category (chemistry, hematology, vital_sign, "
        "...) or 'other' for a test that is not in the catalogue.",
    )
    analyte_text: str | None = Field(None, description="The analyte as written, e.g. 'Ca'.")
    value: float | None = Field(None, description="Numeric value (lower bound for a range).")
    value_high: float | None = Field(None, description="Upper bound when the value is a range.")
    value_text: str = Field(description="The value as written: '7.8', '<0.5', '3-5', 'negative'.")
    comparator: Literal["<", "<=", ">", ">=", "="] | None = Field(
        None, description="Comparator written before the value."
    )
    unit: str | None = Field(None, description="Unit as written.")
    unit_ucum: str | None = Field(None, description="Unit in UCUM, e.g. 'mg/dL', 'meq/L'.")
    reference_range: ReferenceRange | None = Field(None, description="Reference range.")
    interpretation: Interpretation | None = Field(
        None, description="low/normal/high from the text, else from the catalogue range."
    )
    interpretation_source: Literal["text", "catalogue"] | None = Field(
        None, description="Whether the interpretation was stated or computed."
    )
    loinc: str | None = Field(None, description="LOINC code of the analyte when known.")
    source: Literal["text", "table"] = Field(description="Prose or a table flattened to text.")
    normalized: NormalizedValue | None = Field(
        None,
        description="The value in the catalogue's canonical UCUM unit, so that reports written "
        "in different units compare (e.g. CRP in mg/L and mg/dL); None when it does not convert.",
    )


class ImagingFinding(Span_):
    """An imaging finding and the descriptors found in it."""

    descriptors: list[str] = Field(
        default_factory=list,
        description="Normalized descriptors: 'low T1 signal', 'heterogeneous', 'fluid level', ...",
    )


class Imaging(Item):
    """One imaging study."""

    modality: str = Field(description="X-ray, CT, MRI, ultrasound, bone scan, PET, angiography...")
    body_sites: list[str] = Field(default_factory=list, description="Body sites imaged.")
    laterality: Laterality | None = Field(None, description="Side of the body.")
    planes: list[str] = Field(default_factory=list, description="Views/planes: coronal, axial...")
    sequences: list[str] = Field(default_factory=list, description="MRI sequences: T1, T2, STIR...")
    contrast: bool | None = Field(
        None, description="True with contrast, False without, None unknown."
    )
    findings: list[ImagingFinding] = Field(
        default_factory=list, description="Findings of the study."
    )


class Finding(Item):
    """A sign, symptom, examination, imaging or pathology finding ('splenomegaly', 'fever')."""

    normalized: str = Field(description="Normalized name (the HPO term's name when coded).")
    category: Literal["sign_symptom", "examination", "imaging", "pathology", "other"] = Field(
        "other", description="Kind of finding."
    )
    codes: list[Code] = Field(
        default_factory=list, description="Terminology codes: HPO first, ICD-10-CM R-codes."
    )
    study: str | None = Field(
        None, description="`id` of the imaging study the finding was reported in, if any."
    )


class PhenotypeTerm(_Model):
    """One HPO term of the patient, deduplicated over the report."""

    hpo: str = Field(description="HPO id, e.g. 'HP:0001744'.")
    label: str = Field(description="HPO term name.")
    excluded: bool = Field(
        False, description="True when every mention of the term is negated (stated absent)."
    )
    evidence: list[str] = Field(
        default_factory=list, description="`id`s of the findings and diagnoses that carry it."
    )


class Diagnosis(Item):
    """A disease, disorder or key finding."""

    normalized: str = Field(description="Normalized name of the condition.")
    status: DiagnosisStatus = Field(
        description="confirmed, suspected, ruled_out, historical, differential."
    )
    codes: list[Code] = Field(default_factory=list, description="Terminology codes.")


class Procedure(Item):
    """A surgical, diagnostic or therapeutic procedure."""

    normalized: str = Field(description="Normalized name of the procedure.")
    category: Literal["surgical", "diagnostic", "therapeutic", "other"] = Field(
        description="Kind of procedure."
    )
    body_sites: list[str] = Field(default_factory=list, description="Body sites.")
    laterality: Laterality | None = Field(None, description="Side of the body.")
    modifiers: list[str] = Field(
        default_factory=list,
        description="Modifiers: 'two-stage', 'modified radical', 'uncemented'.",
    )
    codes: list[Code] = Field(default_factory=list, description="Terminology codes.")


class Age(_Model):
    """The patient's age."""

    value: float = Field(description="Age value.")
    unit: Literal["year", "month", "week", "day"] = Field(description="Unit of the age.")
    text: str | None = Field(None, description="The age as written.")
    start: int | None = Field(None, description="Start offset of the age mention.")
    end: int | None = Field(None, description="End offset of the age mention.")


class Patient(_Model):
    """The index patient."""

    age: Age | None = Field(None, description="Age at presentation.")
    sex: Literal["female", "male"] | None = Field(None, description="Sex.")


class Section(_Model):
    """A section of the report."""

    title: str = Field(description="Header as written ('' for an untitled first section).")
    kind: SectionKind = Field(description="Normalized kind of section.")
    start: int = Field(ge=0, description="Start offset into the source text.")
    end: int = Field(ge=0, description="End offset into the source text.")


class Abbreviation(Span_):
    """An abbreviation defined in the text, e.g. 'AVN' for 'avascular necrosis'."""

    long_form: str = Field(description="The long form it stands for.")


class Document(_Model):
    """The input document."""

    id: str = Field(description="Document id (file stem or caller-supplied).")
    source_path: str | None = Field(None, description="Path read, when read from a file.")
    sha256: str = Field(description="SHA-256 of the source text (UTF-8).")
    format: Literal["txt", "pdf", "string"] = Field(description="Input format.")
    n_chars: int = Field(description="Length of the source text in characters.")
    pages: int | None = Field(None, description="Number of pages (PDF).")
    text: str | None = Field(
        None, description="Source text the offsets point into (--include-text)."
    )


class Provenance(_Model):
    """What produced this document."""

    caseminer_version: str = Field(description="caseminer version.")
    pipeline: list[str] = Field(description="spaCy pipeline component names, in order.")
    terminologies: dict[str, str] = Field(
        default_factory=dict, description="Terminology names and versions used."
    )


class CaseReport(_Model):
    """Everything caseminer extracted from one case report."""

    schema_version: str = Field(SCHEMA_VERSION, description="Version of this JSON schema.")
    document: Document
    sections: list[Section] = Field(default_factory=list)
    patient: Patient = Field(default_factory=Patient)
    labs: list[Lab] = Field(default_factory=list)
    imaging: list[Imaging] = Field(default_factory=list)
    findings: list[Finding] = Field(
        default_factory=list, description="Signs, symptoms and other findings."
    )
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    procedures: list[Procedure] = Field(default_factory=list)
    abbreviations: list[Abbreviation] = Field(default_factory=list)
    phenotype: list[PhenotypeTerm] = Field(
        default_factory=list,
        description="The patient's HPO terms from findings and diagnoses (subject 'patient').",
    )
    warnings: list[str] = Field(default_factory=list, description="Non-fatal problems met.")
    provenance: Provenance


def json_schema() -> dict:
    """The JSON Schema of CaseReport (what `caseminer schema` prints)."""
    return CaseReport.model_json_schema()
