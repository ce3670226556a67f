"""caseminer_clinical is saved with the pipeline: ``nlp.to_disk`` writes its pattern files and
``spacy.load`` rebuilds it from those copies, so a saved pipeline keeps its vocabulary whatever
the installed package holds (and an edited copy is what the loaded pipeline uses)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import spacy
from spacy.language import Language

import caseminer

TEXTS = [
    "A 54-year-old man with hypertension and type 2 diabetes mellitus presented with chest "
    "pain. He underwent coronary angiography and appendectomy.",
    "She had no evidence of pneumonia. A history of asthma was reported; a biopsy was done.",
    "The patient denied fever. Acute kidney injury (AKI) resolved after hemodialysis.",
]


def clinical(nlp: Language, text: str) -> dict[str, Any]:
    """The diagnoses and procedures of a text, with their assertions (provenance aside)."""
    report = json.loads(caseminer.extract(text, nlp=nlp).model_dump_json())
    return {"diagnoses": report["diagnoses"], "procedures": report["procedures"]}


@pytest.fixture
def saved(saved_pipeline: Path) -> Path:
    """The default pipeline written with ``nlp.to_disk`` (once per session, conftest.py)."""
    return saved_pipeline


def test_to_disk_writes_the_clinical_pattern_files(saved: Path) -> None:
    from caseminer.patterns import concern_dir

    packaged = {p.name for p in concern_dir("clinical").iterdir() if p.is_file()}
    assert {p.name for p in (saved / "caseminer_clinical").iterdir()} == packaged
    assert "disorders.jsonl" in packaged and "procedures.jsonl" in packaged


def test_saved_and_loaded_pipeline_gives_the_same_diagnoses_and_procedures(
    nlp: Language, saved: Path
) -> None:
    loaded = spacy.load(saved)
    assert loaded.get_pipe("caseminer_clinical").patterns_dir == saved / "caseminer_clinical"
    for text in TEXTS:
        before = clinical(nlp, text)
        assert before["diagnoses"] and before["procedures"]
        assert clinical(loaded, text) == before


def test_the_loaded_component_reads_the_saved_copy(nlp: Language, tmp_path: Path) -> None:
    """Taking "asthma" out of the saved disorders.jsonl takes it out of the loaded pipeline's
    diagnoses (the packaged file still has it, and no word-shape rule finds it): from_disk read
    the saved files, not the package's."""
    nlp.to_disk(tmp_path / "pipeline")
    disorders = tmp_path / "pipeline" / "caseminer_clinical" / "disorders.jsonl"
    rows = disorders.read_text(encoding="utf-8").splitlines()
    kept = [r for r in rows if json.loads(r)["normalized"] != "asthma"]
    assert len(kept) == len(rows) - 1
    disorders.write_text("\n".join(kept) + "\n", encoding="utf-8")
    loaded = spacy.load(tmp_path / "pipeline")
    before = [d["normalized"] for d in clinical(nlp, TEXTS[1])["diagnoses"]]
    after = [d["normalized"] for d in clinical(loaded, TEXTS[1])["diagnoses"]]
    assert "asthma" in before
    assert after == [d for d in before if d != "asthma"]  # the rest of the vocabulary stays
