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

SCHEMA_VERSION = "1.0.0"

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
    cues: list[str] = Field(
        default_factory=list, description="The trigger words that set the flags."
    )


class Code(_Model):
    """A concept code from an open terminology."""

    system: str = Field(
        description="Terminology: ICD-10-CM, HPO, UMLS, OMIM, ORPHA, LOINC, SNOMEDCT..."
    )
    code: str = Field(description="The code in that system, e.g. 'M87.05' or 'HP:0001945'.")
    display: str = Field(description="The system's preferred name for the code.")
    match: Literal["exact", "synonym", "variant", "abbreviation", "curated"] = Field(
        "curated", description="How the mention matched the term."
    )


class Item(Span_):
    """Fields every extracted fact carries."""

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


class ReferenceRange(_Model):
    """A reference range, from the text when it gives one, else from the analyte catalogue."""

    low: float | None = Field(None, description="Lower limit.")
    high: float | None = Field(None, description="Upper limit.")
    unit: str | None = Field(None, description="Unit of the limits, as UCUM when known.")
    source: Literal["text", "catalogue"] = Field(description="Where the range came from.")


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


class Finding(Span_):
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
    findings: list[Finding] = Field(default_factory=list, description="Findings of the study.")


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
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    procedures: list[Procedure] = Field(default_factory=list)
    abbreviations: list[Abbreviation] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="Non-fatal problems met.")
    provenance: Provenance


def json_schema() -> dict:
    """The JSON Schema of CaseReport (what `caseminer schema` prints)."""
    return CaseReport.model_json_schema()
