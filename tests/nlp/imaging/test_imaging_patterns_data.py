"""Imaging vocabularies as data: named gates, signal words from signal.json, config key names, and
the evaluator's study-word pattern derived from patterns/imaging."""

from __future__ import annotations

import json
import shutil

import pytest
from pipelines import component_pipeline

from caseminer.nlp.extensions import IMAGING, get_attrs, items
from caseminer.nlp.imaging.vocab import (
    PATTERNS_DIR,
    Gate,
    evaluation_terms_pattern,
    load_vocabulary,
)
from caseminer.patterns import PATTERNS_DIR as ALL_PATTERNS


def test_every_gate_in_the_data_is_a_named_gate():
    gates = {r.gate for r in load_vocabulary().modalities if r.gate is not None}
    assert gates == set(Gate)


def test_a_misspelt_gate_fails_the_load(tmp_path):
    copy = tmp_path / "imaging"
    shutil.copytree(PATTERNS_DIR, copy)
    rows = (copy / "modalities.jsonl").read_text(encoding="utf-8").replace('"context"', '"contxt"')
    (copy / "modalities.jsonl").write_text(rows, encoding="utf-8")
    with pytest.raises(ValueError, match="unknown gate 'contxt'"):
        load_vocabulary(str(copy))


def test_signal_levels_come_from_data(tmp_path):
    copy = tmp_path / "imaging"
    shutil.copytree(PATTERNS_DIR, copy)
    signal = json.loads((copy / "signal.json").read_text(encoding="utf-8"))
    signal["levels"]["hypo"] = "dim"
    (copy / "signal.json").write_text(json.dumps(signal), encoding="utf-8")
    nlp = component_pipeline(
        "caseminer_imaging", config={"caseminer_imaging": {"patterns_dir": str(copy)}}
    )
    doc = nlp("MRI showed a mass with hypointense signal on T1.")
    (study,) = items(doc, IMAGING)
    descriptors = get_attrs(study)["findings"][0]["descriptors"]
    assert "dim T1 signal" in descriptors


def test_config_keys_are_skip_sections():
    nlp = component_pipeline(
        "caseminer_imaging",
        config={"caseminer_imaging": {"skip_sections": [], "generic_skip_sections": ["case"]}},
    )
    pipe = nlp.get_pipe("caseminer_imaging")
    assert pipe.skip_sections == set() and pipe.generic_skip_sections == {"case"}
    with pytest.raises(Exception, match="skip_section_kinds"):
        component_pipeline(
            "caseminer_imaging", config={"caseminer_imaging": {"skip_section_kinds": []}}
        )


@pytest.mark.parametrize(
    "study",
    ["CT", "MRI", "X-ray", "ultrasound", "echocardiography", "angiography", "PET", "bone scan"],
)
def test_the_evaluator_names_imaging_from_the_imaging_patterns(study):
    """The label map keeps no term list of its own (it drifted out of date): it asks the
    extractor's imaging patterns."""
    from caseminer.evaluate.label_map import load_label_map

    label_map = json.loads((ALL_PATTERNS / "eval" / "label_map.json").read_text(encoding="utf-8"))
    assert "terms" not in label_map["imaging"]
    assert load_label_map().names_imaging(study)
    assert evaluation_terms_pattern().search(study)


@pytest.mark.parametrize(
    ("text", "names_study"),
    [
        ("chest CT", True),
        ("CT-guided biopsy", False),
        ("US", True),
        ("us", False),
        ("PET/CT", True),
        ("ECT", False),
        ("a scan", True),
        ("blood culture", False),
    ],
)
def test_evaluation_pattern_on_mentions(text, names_study):
    assert bool(evaluation_terms_pattern().search(text)) is names_study
