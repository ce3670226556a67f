"""Gold readers (brat, MACCROBAT-style JSONL, corpora/*.gold.json) and the label mapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caseminer.evaluate import load_gold, load_label_map

TEXT = (
    "Hemoglobin was 10.2 g/dL and CRP was elevated.\n"
    "CT of the chest showed no pneumonia.\n"
    "She underwent appendectomy and a biopsy of the node.\n"
)


def at(mention: str) -> tuple[int, int]:
    start = TEXT.index(mention)
    return start, start + len(mention)


# (id, label, mention); relations and attributes refer to these ids
ENTITIES = [
    ("T1", "Diagnostic_procedure", "Hemoglobin"),
    ("T2", "Lab_value", "10.2 g/dL"),
    ("T3", "Diagnostic_procedure", "CRP"),
    ("T4", "Lab_value", "elevated"),
    ("T5", "Diagnostic_procedure", "CT"),
    ("T6", "Disease_disorder", "pneumonia"),
    ("T7", "Therapeutic_procedure", "appendectomy"),
    ("T8", "Diagnostic_procedure", "biopsy"),
    ("T9", "Biological_structure", "chest"),
]


def write_brat(folder: Path) -> Path:
    folder.mkdir()
    (folder / "case1.txt").write_text(TEXT, encoding="utf-8")
    lines = []
    for tid, label, mention in ENTITIES:
        s, e = at(mention)
        lines.append(f"{tid}\t{label} {s} {e}\t{mention}")
    # a discontinuous span: "Hemoglobin ... g/dL" (outer bounds are scored)
    s1, e1 = at("Hemoglobin")
    s2, e2 = at("g/dL")
    lines.append(f"T10\tDisease_disorder {s1} {e1};{s2} {e2}\tHemoglobin g/dL")
    lines += [
        "E1\tDisease_disorder:T6",
        "E2\tLab_value:T4",
        "R1\tMODIFY Arg1:T2 Arg2:T1",
        "R2\tMODIFY Arg1:E2 Arg2:T3",
        "A1\tPOLARITY E1 NEG",
        "#1\tAnnotatorNotes T6\ta note",
        "*\tOverlap T1 T3",
    ]
    (folder / "case1.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def write_jsonl(path: Path) -> Path:
    ents = []
    for tid, label, mention in ENTITIES:
        s, e = at(mention)
        ent = {"id": tid, "start": s, "end": e, "label": label, "text": mention}
        if tid == "T6":
            ent["attributes"] = {"POLARITY": "NEG"}
        ents.append(ent)
    rels = [
        {"id": "R1", "type": "MODIFY", "arg1": "T2", "arg2": "T1"},
        {"id": "R2", "type": "MODIFY", "arg1": "T4", "arg2": "T3"},
    ]
    path.write_text(json.dumps({"id": "case1", "text": TEXT, "entities": ents, "relations": rels}))
    return path


def check_mapped(doc) -> None:
    for items in doc.items.values():
        for it in items:
            assert doc.text[it.start : it.end] == it.text
    labs = doc.of("labs")
    assert [x.text for x in labs] == ["10.2 g/dL", "elevated"]
    assert labs[0].value == 10.2 and labs[0].analytes == ("Hemoglobin",)
    assert labs[1].value is None and labs[1].analytes == ("CRP",)
    assert [x.text for x in doc.of("imaging")] == ["CT"]
    diag = {x.text: x for x in doc.of("diagnoses")}
    assert diag["pneumonia"].negated is True
    # analytes of labs are not scored as procedures; "biopsy" is
    assert sorted(x.text for x in doc.of("procedures")) == ["appendectomy", "biopsy"]
    assert all(not x.negated for x in doc.of("procedures"))


def test_brat_folder(tmp_path):
    (doc,) = load_gold(write_brat(tmp_path / "brat"))
    assert doc.id == "case1" and doc.text == TEXT
    check_mapped(doc)
    # the discontinuous T10 is scored on its outer bounds
    disc = [x for x in doc.of("diagnoses") if x.text.startswith("Hemoglobin")]
    assert len(disc) == 1 and disc[0].text == TEXT[at("Hemoglobin")[0] : at("g/dL")[1]]
    assert doc.warnings == []


def test_brat_keeps_carriage_returns_in_offsets(tmp_path):
    folder = tmp_path / "crlf"
    folder.mkdir()
    text = "Line one.\r\nNo pneumonia.\r\n"
    s = text.index("pneumonia")
    (folder / "a.txt").write_bytes(text.encode("utf-8"))
    (folder / "a.ann").write_text(f"T1\tDisease_disorder {s} {s + 9}\tpneumonia\n")
    (doc,) = load_gold(folder)
    (item,) = doc.of("diagnoses")
    assert doc.text[item.start : item.end] == "pneumonia" == item.text


def test_jsonl_matches_brat(tmp_path):
    (doc,) = load_gold(write_jsonl(tmp_path / "gold.jsonl"))
    check_mapped(doc)


def test_limit_and_missing_path(tmp_path):
    path = tmp_path / "two.jsonl"
    line = json.dumps({"id": "a", "text": "x", "entities": [], "relations": []})
    path.write_text(line + "\n\n" + line.replace('"a"', '"b"') + "\n")
    assert [d.id for d in load_gold(path)] == ["a", "b"]
    assert [d.id for d in load_gold(path, limit=1)] == ["a"]
    with pytest.raises(FileNotFoundError):
        load_gold(tmp_path / "absent.jsonl")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError):
        load_gold(tmp_path / "empty")


def test_corpus_gold_json(tmp_path):
    folder = tmp_path / "corpora"
    folder.mkdir()
    (folder / "x_01.txt").write_text(TEXT, encoding="utf-8")
    s, e = at("10.2 g/dL")
    ps, pe = at("pneumonia")
    bs, be = at("biopsy")
    gold = {
        "id": "x_01",
        "specialty": "test",
        "labs": [
            {"text": "10.2 g/dL", "start": s, "end": e, "analyte": "Hemoglobin", "value": 10.2}
        ],
        "imaging": [{"text": "CT", "start": at("CT")[0], "end": at("CT")[1], "modality": "CT"}],
        "diagnoses": [
            {"text": "pneumonia", "start": ps, "end": pe, "status": "ruled_out", "negated": True},
            {"text": "wrong", "start": 0, "end": 5},
        ],
        "procedures": [{"text": "biopsy", "start": bs, "end": be, "negated": False}],
    }
    (folder / "x_01.gold.json").write_text(json.dumps(gold))
    (doc,) = load_gold(folder)
    assert doc.id == "x_01"
    (lab,) = doc.of("labs")
    assert (lab.text, lab.value, lab.analytes) == ("10.2 g/dL", 10.2, ("Hemoglobin",))
    assert TEXT[lab.start : lab.end] == lab.text
    (dx,) = doc.of("diagnoses")  # the mismatching "wrong" item is dropped ...
    assert dx.text == "pneumonia" and dx.negated
    assert any("'wrong'" in w for w in doc.warnings)  # ... and reported
    assert [x.text for x in doc.of("imaging")] == ["CT"]
    assert [x.text for x in doc.of("procedures")] == ["biopsy"]


@pytest.mark.parametrize(
    ("text", "imaging"),
    [
        ("CT", True),
        ("chest X-ray", True),
        ("magnetic resonance imaging", True),
        ("Transthoracic echocardiography", True),
        ("PET/CT", True),
        ("biopsy", False),
        ("physical examination", False),
        ("ECG", False),
        ("ACT", False),
    ],
)
def test_imaging_terms(text, imaging):
    assert load_label_map().names_imaging(text) is imaging
