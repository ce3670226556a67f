"""The hand-written corpus and its gold are consistent, so extraction scores mean something."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest
from paths import REPO, SHARED

CORPORA = REPO / "corpora"
CATEGORIES = ("labs", "imaging", "diagnoses", "procedures")
REQUIRED_KEYS = {
    "labs": {"text", "start", "end", "analyte", "value", "unit", "interpretation"},
    "imaging": {"text", "start", "end", "modality", "body_sites", "laterality"},
    "diagnoses": {"text", "start", "end", "normalized", "status", "negated"},
    "procedures": {"text", "start", "end", "normalized", "category", "negated"},
}
STATUSES = {"confirmed", "suspected", "ruled_out", "historical", "differential"}
PROC_CATEGORIES = {"surgical", "diagnostic", "therapeutic", "other"}
INTERPRETATIONS = {None, "low", "normal", "high", "abnormal", "positive", "negative"}
LATERALITIES = {None, "left", "right", "bilateral"}
REQUIRED_SPECIALTIES = {
    "cardiology",
    "oncology",
    "nephrology",
    "infectious disease",
    "pediatrics",
    "neurology",
    "endocrinology",
    "pulmonology",
    "hematology",
    "obstetrics",
}


def _load_make_gold():
    spec = importlib.util.spec_from_file_location("make_gold", REPO / "tools" / "make_gold.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _docs() -> list[tuple[str, str, dict]]:
    out = []
    for gold_path in sorted(CORPORA.glob("*.gold.json")):
        doc_id = gold_path.name.removesuffix(".gold.json")
        text = (CORPORA / f"{doc_id}.txt").read_text(encoding="utf-8")
        out.append((doc_id, text, json.loads(gold_path.read_text(encoding="utf-8"))))
    return out


DOCS = _docs()
IDS = [d[0] for d in DOCS]


def test_corpus_has_at_least_20_documents_each_with_gold():
    texts = {p.stem for p in CORPORA.glob("*.txt")}
    assert len(DOCS) >= 20
    assert texts == set(IDS), "every corpus text needs a gold file and vice versa"


def test_required_specialties_have_every_category():
    by_specialty: dict[str, dict[str, int]] = {}
    for _, _, gold in DOCS:
        counts = by_specialty.setdefault(gold["specialty"], dict.fromkeys(CATEGORIES, 0))
        for category in CATEGORIES:
            counts[category] += len(gold[category])
    missing = REQUIRED_SPECIALTIES - set(by_specialty)
    assert not missing, f"no document for {missing}"
    for specialty in REQUIRED_SPECIALTIES:
        empty = [c for c, n in by_specialty[specialty].items() if n == 0]
        assert not empty, f"{specialty}: no gold {empty}"


@pytest.mark.parametrize("doc_id,text,gold", DOCS, ids=IDS)
def test_document_shape_and_length(doc_id, text, gold):
    assert gold["id"] == doc_id
    assert 150 <= len(text.split()) <= 400, "reports are short paragraphs of 150-400 words"
    age = gold["patient"]["age"]
    assert age["unit"] in {"year", "month", "week", "day"} and age["value"] > 0
    assert gold["patient"]["sex"] in {"female", "male"}
    assert str(age["value"]) in text, "the gold age is written in the text"


@pytest.mark.parametrize("doc_id,text,gold", DOCS, ids=IDS)
def test_every_gold_span_matches_its_text(doc_id, text, gold):
    for category in CATEGORIES:
        for item in gold[category]:
            missing = REQUIRED_KEYS[category] - set(item)
            assert not missing, f"{doc_id} {category} {item['text']!r} lacks {missing}"
            assert 0 <= item["start"] < item["end"] <= len(text)
            assert text[item["start"] : item["end"]] == item["text"]
            assert item["text"] == item["text"].strip(), "spans are tight"


@pytest.mark.parametrize("doc_id,text,gold", DOCS, ids=IDS)
def test_values_are_in_allowed_sets(doc_id, text, gold):
    for item in gold["diagnoses"]:
        assert item["status"] in STATUSES
        assert isinstance(item["negated"], bool)
        if item["status"] == "ruled_out":
            assert item["negated"], f"{doc_id}: ruled-out {item['text']!r} must be negated"
    for item in gold["procedures"]:
        assert item["category"] in PROC_CATEGORIES
        assert isinstance(item["negated"], bool)
    for item in gold["imaging"]:
        assert item["laterality"] in LATERALITIES
        assert isinstance(item["body_sites"], list) and item["modality"]
    for item in gold["labs"]:
        assert item["interpretation"] in INTERPRETATIONS
        assert isinstance(item["analyte"], str) and item["analyte"].strip()
        assert item.get("source", "text") in {"text", "table"}


def _number_forms(text: str) -> set[str]:
    """The text with thousands separators dropped, and with decimal commas read as points."""
    return {text.replace(",", ""), text.replace(",", ".")}


@pytest.mark.parametrize("doc_id,text,gold", DOCS, ids=IDS)
def test_lab_values_and_units_are_written_in_the_evidence(doc_id, text, gold):
    for item in gold["labs"]:
        if item["value"] is not None:
            shown = f"{item['value']:g}"
            assert any(shown in form for form in _number_forms(item["text"])), item
        unit = item["unit"]
        if unit is not None and unit != "/HPF":
            assert unit in item["text"], f"{doc_id}: unit {unit!r} not in {item['text']!r}"


@pytest.mark.parametrize("doc_id,text,gold", DOCS, ids=IDS)
def test_no_duplicate_or_overlapping_gold_items(doc_id, text, gold):
    for category in CATEGORIES:
        spans = sorted((it["start"], it["end"], it["text"]) for it in gold[category])
        for (_, end_a, text_a), (start_b, _, text_b) in zip(spans, spans[1:], strict=False):
            assert end_a <= start_b, f"{doc_id}: {category} {text_a!r} overlaps {text_b!r}"


def test_gold_files_are_generated_from_drafts():
    make_gold = _load_make_gold()
    assert make_gold.main(["--check"]) == 0, "run: python tools/make_gold.py"


def test_make_gold_refuses_text_that_does_not_occur():
    make_gold = _load_make_gold()
    text = "Calcium 7.8 mg/dL, later calcium 9.1 mg/dL and 7.8 mg/dL again."
    assert make_gold.locate(text, "7.8 mg/dL") == 8
    assert make_gold.locate(text, "7.8 mg/dL", occurrence=1) == text.rindex("7.8 mg/dL")
    assert make_gold.locate(text, "mg/dL", context="calcium 9.1 mg/dL") == text.index("mg/dL", 30)
    with pytest.raises(make_gold.GoldError):
        make_gold.locate(text, "8.8 mg/dL")
    with pytest.raises(make_gold.GoldError):
        make_gold.locate(text, "7.8 mg/dL", occurrence=2)
    with pytest.raises(make_gold.GoldError):
        make_gold.locate(text, "7.8", context="potassium 7.8")
    table = "Calcium\n12.1 mg/dL\nPhosphate\n2.1 mg/dL"
    assert make_gold.locate(table, "2.1 mg/dL") == table.rindex("2.1 mg/dL")
    with pytest.raises(make_gold.GoldError):
        make_gold.locate(table, "2.1 mg/dL", occurrence=1)
    with pytest.raises(make_gold.GoldError):
        make_gold.locate(table, "2.1", context="12.1 mg/dL")
    placed = make_gold.place_item(text, {"text": "9.1 mg/dL", "analyte": "Calcium"})
    assert text[placed["start"] : placed["end"]] == "9.1 mg/dL"
    assert "occurrence" not in placed and "context" not in placed


def test_demo_report_is_rich_and_not_a_corpus_text():
    demo = (REPO / "caseminer" / "data" / "example_case.txt").read_text(encoding="utf-8")
    assert 250 <= len(demo.split()) <= 450
    assert re.search(r"^Case presentation$", demo, re.M) and re.search(r"^Discussion$", demo, re.M)
    assert "g/dL" in demo and "CT" in demo and "was excluded" in demo and "history of" in demo
    assert all(demo != text for _, text, _ in DOCS)


def _shingles(text: str, n: int = 10) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_corpus_is_not_copied_from_shared_data():
    dev = SHARED / "corpora" / "external" / "maccrobat2020_dev.jsonl"
    if not dev.exists():
        pytest.skip(f"shared data absent: {dev}")
    seen: set[tuple[str, ...]] = set()
    with dev.open(encoding="utf-8") as fh:
        for line in fh:
            seen |= _shingles(json.loads(line)["text"])
    for seed in (SHARED / "seeds").glob("*.txt"):
        seen |= _shingles(seed.read_text(encoding="utf-8", errors="replace"))
    for doc_id, text, _ in DOCS:
        shared = _shingles(text) & seen
        assert not shared, f"{doc_id} shares 10-word runs with /work/shared: {sorted(shared)[:2]}"


# --- Rules that follow MACCROBAT and the issue text (see corpora/README.md) ---

VITAL_SIGNS = {
    "Blood pressure",
    "Heart rate",
    "Respiratory rate",
    "Body temperature",
    "Oxygen saturation",
    "BMI",
    "Glasgow Coma Scale",
    "Capillary refill",
}
# Written vital signs: each occurrence must be a gold lab (the value, with its unit).
VITAL_PATTERNS = (
    r"\b\d{2,3}/\d{2,3}\s?mm\s?Hg",  # blood pressure
    r"\b\d{2,3}\s?(?:beats/min|bpm|/min)",  # heart or respiratory rate
    r"\b\d{2}(?:[.,]\d)?\s?°C",  # temperature
    r"\b\d{2}(?:[.,]\d)?\s?kg/m2",  # body mass index
)
# Specimen-based diagnostic procedures: each mention is a gold procedure (or part of an imaging
# study, e.g. "magnetic resonance examination").
DIAGNOSTIC_PROCEDURE = re.compile(
    r"\b(?:biops(?:y|ies)|cultures?|PCR|histopathology|histology|smears?|flow cytometry|"
    r"genetic testing|aspiration|puncture|cytology|immunohistochemistry|electron microscopy|"
    r"examination|paracentesis|swab)\b",
    re.IGNORECASE,
)


def _lab_categories() -> set[str]:
    path = REPO / "caseminer" / "patterns" / "labs" / "analytes.jsonl"
    with path.open(encoding="utf-8") as fh:
        categories = {json.loads(line)["category"] for line in fh if line.strip()}
    return (categories - {"vital"}) | {"vital_sign", "other"}


def _covered(start: int, end: int, items: list[dict]) -> bool:
    return any(it["start"] < end and start < it["end"] for it in items)


@pytest.mark.parametrize("doc_id,text,gold", DOCS, ids=IDS)
def test_every_lab_has_a_category_and_vital_signs_are_vital_sign(doc_id, text, gold):
    allowed = _lab_categories()
    for item in gold["labs"]:
        assert item.get("category") in allowed, f"{doc_id}: {item['text']!r} {item.get('category')}"
        is_vital = item["analyte"] in VITAL_SIGNS
        assert is_vital == (item["category"] == "vital_sign"), f"{doc_id}: {item}"


@pytest.mark.parametrize("doc_id,text,gold", DOCS, ids=IDS)
def test_written_vital_signs_are_annotated_as_labs(doc_id, text, gold):
    for pattern in VITAL_PATTERNS:
        for match in re.finditer(pattern, text):
            assert _covered(match.start(), match.end(), gold["labs"]), (
                f"{doc_id}: vital sign {match.group()!r} is not a gold lab"
            )


def test_corpus_has_vital_signs_and_diagnostic_procedures():
    vitals = [it for _, _, gold in DOCS for it in gold["labs"] if it["category"] == "vital_sign"]
    assert {it["analyte"] for it in vitals} >= {"Blood pressure", "Heart rate", "Body temperature"}
    procedures = [it for _, _, gold in DOCS for it in gold["procedures"]]
    assert sum(it["category"] == "diagnostic" for it in procedures) >= 30


@pytest.mark.parametrize("doc_id,text,gold", DOCS, ids=IDS)
def test_diagnostic_procedures_are_annotated_as_procedures(doc_id, text, gold):
    for match in DIAGNOSTIC_PROCEDURE.finditer(text):
        procedures = [it for it in gold["procedures"] if _covered(match.start(), match.end(), [it])]
        imaging = _covered(match.start(), match.end(), gold["imaging"])
        assert procedures or imaging, f"{doc_id}: {match.group()!r} is not a gold procedure"
        for item in procedures:
            if re.search(r"biops|culture|PCR|histo|smear|cytometry|genetic", item["text"], re.I):
                assert item["category"] == "diagnostic", f"{doc_id}: {item}"


@pytest.mark.parametrize("doc_id,text,gold", DOCS, ids=IDS)
def test_imaging_studies_are_never_procedures(doc_id, text, gold):
    for item in gold["procedures"]:
        assert not _covered(item["start"], item["end"], gold["imaging"]), f"{doc_id}: {item}"
