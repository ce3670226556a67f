"""caseminer_context is saved with the pipeline: ``nlp.to_disk`` writes its cue files and
``spacy.load`` rebuilds it from those copies (the on-disk rule cache is keyed by the copies'
bytes, so an edited copy is never served the packaged rules)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import spacy
from spacy.language import Language

import caseminer

TEXTS = [
    "She had no evidence of pneumonia. A history of asthma was reported.",
    "The patient denied chest pain. Tuberculosis could not be excluded; a biopsy was not done.",
    "His mother had breast cancer. Possible sarcoidosis was considered.",
]


def assertions(nlp: Language, text: str) -> list[tuple[str, str, Any, dict[str, Any]]]:
    """(kind, text, status, assertion) of every diagnosis and procedure of a text."""
    report = json.loads(caseminer.extract(text, nlp=nlp).model_dump_json())
    return [
        (kind, item["text"], item.get("status"), item["assertion"])
        for kind in ("diagnoses", "procedures")
        for item in report[kind]
    ]


@pytest.fixture
def saved(saved_pipeline: Path) -> Path:
    """The default pipeline written with ``nlp.to_disk`` (once per session, conftest.py)."""
    return saved_pipeline


def test_to_disk_writes_the_context_pattern_files(saved: Path) -> None:
    from caseminer.nlp.context.build import PATTERN_FILES

    written = {p.name for p in (saved / "caseminer_context").iterdir()}
    assert set(PATTERN_FILES) <= written


def test_saved_and_loaded_pipeline_gives_the_same_assertions(nlp: Language, saved: Path) -> None:
    loaded = spacy.load(saved)
    assert loaded.get_pipe("caseminer_context").patterns_dir == saved / "caseminer_context"
    for text in TEXTS:
        before = assertions(nlp, text)
        assert any(a["negated"] or a["uncertain"] or a["family"] for *_, a in before)
        assert assertions(loaded, text) == before


def test_the_loaded_component_reads_the_saved_copy(nlp: Language, tmp_path: Path) -> None:
    """Turning the saved rules.json's "no evidence of" from a negation into an uncertainty cue
    turns "no evidence of pneumonia" from ruled out to uncertain in the loaded pipeline only."""
    nlp.to_disk(tmp_path / "pipeline")
    rules_path = tmp_path / "pipeline" / "caseminer_context" / "rules.json"
    data = json.loads(rules_path.read_text(encoding="utf-8"))
    (rule,) = [r for r in data["context_rules"] if r["literal"] == "no evidence of"]
    rule["category"] = "POSSIBLE_EXISTENCE"
    rules_path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    loaded = spacy.load(tmp_path / "pipeline")
    (before,) = [a for a in assertions(nlp, TEXTS[0]) if a[1] == "pneumonia"]
    (after,) = [a for a in assertions(loaded, TEXTS[0]) if a[1] == "pneumonia"]
    assert before[3]["negated"] and not before[3]["uncertain"]
    assert after[3]["uncertain"] and not after[3]["negated"]
    assert after[3]["cues"] == ["no evidence of"]
