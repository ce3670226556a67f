"""Load the diagnosis/procedure vocabularies and word-shape rules from caseminer/patterns/clinical.

Everything the clinical extractor knows lives in data files so that a clinician can extend it
without touching Python: ``disorders.jsonl`` and ``procedures.jsonl`` (curated terms with synonyms),
``morphology.json`` (suffix and head-noun rules that generalise to unseen reports) and
``attributes.json`` (body sites, laterality and procedure modifiers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import srsly

from caseminer.patterns import concern_dir

PATTERN_DIR = concern_dir("clinical")


@dataclass(frozen=True)
class Term:
    """One surface form of a curated concept."""

    text: str
    label: str  # DIAGNOSIS or PROCEDURE
    normalized: str
    category: str | None = None
    code: dict[str, str] | None = None


@dataclass
class ClinicalVocab:
    """All the knowledge the clinical extractor uses, loaded once."""

    terms: list[Term]
    morphology: dict[str, Any]
    body_sites: dict[str, list[str]]
    laterality: dict[str, list[str]]
    modifiers: dict[str, list[str]]
    left_modifiers: set[str] = field(default_factory=set)
    left_blockers: set[str] = field(default_factory=set)
    # procedure_codes.json: {"system", "rules": [{"match", "code", "display"}]}
    procedure_codes: dict[str, Any] = field(default_factory=dict)


def is_abbreviation(text: str) -> bool:
    """Short all-caps forms ("AKI", "NSCLC") must match case-sensitively: "ALL" is not "all"."""
    letters = [c for c in text if c.isalpha()]
    return (
        " " not in text
        and len(text) <= 8
        and sum(c.isupper() for c in letters) >= 2
        and sum(c.isupper() for c in letters) >= len(letters) - 1
    )


def _read_terms(path: Path, label: str) -> list[Term]:
    terms: list[Term] = []
    for row in srsly.read_jsonl(path):
        code = row.get("icd10cm")
        for text in [row["normalized"], *row.get("synonyms", [])]:
            terms.append(Term(text, label, row["normalized"], row.get("category"), code))
    return terms


def load_vocab(patterns_dir: str | Path | None = None) -> ClinicalVocab:
    """Read every clinical pattern file of ``patterns_dir`` (default: the packaged folder).

    Called when the component is built, never cached at module level: two components pointed at
    two folders stay independent, and an edited folder is read by the next pipeline."""
    base = concern_dir("clinical", patterns_dir)
    terms = _read_terms(base / "disorders.jsonl", "DIAGNOSIS")
    terms += _read_terms(base / "procedures.jsonl", "PROCEDURE")
    morphology = srsly.read_json(base / "morphology.json")
    attributes = srsly.read_json(base / "attributes.json")
    codes_path = base / "procedure_codes.json"
    procedure_codes = srsly.read_json(codes_path) if codes_path.exists() else {}
    return ClinicalVocab(
        terms=terms,
        morphology=morphology,
        body_sites=attributes["body_sites"],
        laterality=attributes["laterality"],
        modifiers=attributes["procedure_modifiers"],
        left_modifiers={w.lower() for w in morphology["left_modifiers"]},
        left_blockers={w.lower() for w in morphology["left_blockers"]},
        procedure_codes=procedure_codes,
    )
