"""The labs package's shape (issue 10): one folder of data per component, one interpretation module,
no vocabulary cached at module level, and word lists in data rather than in Python."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import srsly
from paths import REPO
from pipelines import component_pipeline, lab_items

import caseminer.nlp.labs.component  # noqa: F401  (registers the factory)
from caseminer.patterns import concern_dir

LABS = REPO / "caseminer" / "nlp" / "labs"


def _copy_patterns(tmp_path: Path) -> Path:
    dst = tmp_path / "labs"
    shutil.copytree(concern_dir("labs"), dst)
    return dst


def test_two_components_read_two_folders(tmp_path):
    """A component pointed at an edited copy knows the new analyte; the default one does not."""
    folder = _copy_patterns(tmp_path)
    rows = list(srsly.read_jsonl(folder / "analytes.jsonl"))
    rows.append(
        {
            "name": "Zonulin",
            "synonyms": ["zonulin"],
            "abbreviations": [],
            "units": ["ng/mL"],
            "ref_low": None,
            "ref_high": 48,
            "ref_unit": "ng/mL",
            "category": "chemistry",
        }
    )
    srsly.write_jsonl(folder / "analytes.jsonl", rows)
    edited = component_pipeline(
        "caseminer_labs", config={"caseminer_labs": {"patterns_dir": str(folder)}}
    )
    default = component_pipeline("caseminer_labs")
    text = "Serum zonulin was 80 ng/mL."
    got = [(t, a["analyte"], a["interpretation"]) for t, a in lab_items(edited, text)]
    assert got == [("80 ng/mL", "Zonulin", "high")]
    assert [a["analyte"] for _, a in lab_items(default, text)] == []


def test_no_lru_cache_in_labs_code():
    """Vocabularies are loaded when a component is built, never cached per process."""
    for path in LABS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            n.attr if isinstance(n, ast.Attribute) else n.id
            for n in ast.walk(tree)
            if isinstance(n, (ast.Name, ast.Attribute))
        }
        assert "lru_cache" not in names, path.name


def test_interpretation_logic_lives_in_interpret():
    """No other labs module decides low/normal/high: classify/compare exist only in interpret.py."""
    for path in LABS.glob("*.py"):
        if path.name == "interpret.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defs = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert not defs & {
            "classify",
            "_classify",
            "compare",
            "_compare",
            "cue_in",
            "_interpret",
        }, (
            path.name,
            defs,
        )


def test_chain_gap_verbs_are_data(tmp_path):
    """A trend verb added to qualitative.json chains a second value onto the first one's analyte."""
    text = "Her INR was 1.2, which climbed to 3.4 after warfarin."
    default = component_pipeline("caseminer_labs")
    assert [t for t, _ in lab_items(default, text)] == ["1.2"]
    folder = _copy_patterns(tmp_path)
    vocab = srsly.read_json(folder / "qualitative.json")
    vocab["chain_gap"]["trend_verbs"].append("climbed")
    srsly.write_json(folder / "qualitative.json", vocab)
    edited = component_pipeline(
        "caseminer_labs", config={"caseminer_labs": {"patterns_dir": str(folder)}}
    )
    got = [(t, a["analyte"]) for t, a in lab_items(edited, text)]
    assert got == [("1.2", "INR"), ("3.4", "INR")]


def test_to_disk_from_disk_round_trip(tmp_path):
    """nlp.to_disk writes the component's data folder; loading it back gives the same labs."""
    import spacy

    folder = _copy_patterns(tmp_path)
    vocab = srsly.read_json(folder / "qualitative.json")
    vocab["chain_gap"]["trend_verbs"].append("climbed")
    srsly.write_json(folder / "qualitative.json", vocab)
    nlp = component_pipeline(
        "caseminer_labs", config={"caseminer_labs": {"patterns_dir": str(folder)}}
    )
    text = "Her INR was 1.2, which climbed to 3.4 after warfarin."
    before = [(t, a["analyte"]) for t, a in lab_items(nlp, text)]
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "caseminer_labs" / "analytes.jsonl").exists()
    again = spacy.load(tmp_path / "pipeline")
    assert [(t, a["analyte"]) for t, a in lab_items(again, text)] == before
    assert len(before) == 2
