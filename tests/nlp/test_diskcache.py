"""The on-disk cache for built vocabularies (caseminer.nlp.diskcache) and components' to_disk."""

from __future__ import annotations

import spacy
from pipelines import component_pipeline

from caseminer.nlp import diskcache
from caseminer.nlp.extensions import IMAGING, get_attrs, items


def _counting_build(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_cached_builds_once_then_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEMINER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(diskcache.DISABLE_ENV, raising=False)
    source = tmp_path / "terms.json"
    source.write_text('["a"]', encoding="utf-8")
    build, calls = _counting_build({"a": [1, 2], "b": "x"})
    assert diskcache.cached("demo", [source], build) == {"a": [1, 2], "b": "x"}
    assert diskcache.cached("demo", [source], build) == {"a": [1, 2], "b": "x"}
    assert len(calls) == 1


def test_a_changed_source_or_key_rebuilds(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEMINER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(diskcache.DISABLE_ENV, raising=False)
    source = tmp_path / "terms.json"
    source.write_text('["a"]', encoding="utf-8")
    build, calls = _counting_build([1])
    diskcache.cached("demo", [source], build)
    source.write_text('["a", "b"]', encoding="utf-8")
    diskcache.cached("demo", [source], build)
    diskcache.cached("demo", [source], build, extra="other")
    assert len(calls) == 3


def test_a_damaged_file_is_rebuilt_and_old_versions_pruned(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEMINER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(diskcache.DISABLE_ENV, raising=False)
    source = tmp_path / "terms.json"
    source.write_text("0", encoding="utf-8")
    path = diskcache.cache_path("demo", [source])
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a cache")
    build, calls = _counting_build("fresh")
    assert diskcache.cached("demo", [source], build) == "fresh"
    assert diskcache.read(path) == "fresh" and len(calls) == 1
    for i in range(diskcache.KEEP + 3):
        diskcache.cached("demo", [source], build, extra=str(i))
    assert len(list(path.parent.glob("demo-*.bin"))) == diskcache.KEEP
    assert not list(path.parent.glob(".*.tmp"))


def test_disabled_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEMINER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(diskcache.DISABLE_ENV, "1")
    build, calls = _counting_build(1)
    diskcache.cached("demo", [], build)
    diskcache.cached("demo", [], build)
    assert len(calls) == 2 and not (tmp_path / "cache").exists()


def test_phrase_tokens_match_the_tokenizer(tmp_path, monkeypatch, nlp):
    monkeypatch.setenv("CASEMINER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(diskcache.DISABLE_ENV, raising=False)
    phrases = ["T2-weighted MRI", "7.8mg/dL", "x-ray of the chest"]
    first = diskcache.phrase_tokens("phrases", phrases, nlp.make_doc, [])
    again = diskcache.phrase_tokens("phrases", phrases, lambda t: ["never", "called"], [])
    assert first == again == {p: [t.text for t in nlp.make_doc(p)] for p in phrases}


def test_imaging_to_disk_round_trips_its_patterns(tmp_path):
    nlp = component_pipeline("caseminer_imaging")
    nlp.to_disk(tmp_path / "pipeline")
    saved = tmp_path / "pipeline" / "caseminer_imaging"
    assert (saved / "modalities.jsonl").is_file()
    # an edit to the saved copy is what the loaded pipeline uses
    rows = (saved / "modalities.jsonl").read_text(encoding="utf-8")
    (saved / "modalities.jsonl").write_text(rows.replace('"modality": "CT"', '"modality": "CAT"'))
    loaded = spacy.load(tmp_path / "pipeline")
    (study,) = items(loaded("A CT of the chest was normal."), IMAGING)
    assert study.text == "CT" and get_attrs(study)["modality"] == "CAT"


def test_sections_and_patient_to_disk_round_trip(tmp_path):
    nlp = component_pipeline("caseminer_sections", "caseminer_patient")
    nlp.to_disk(tmp_path / "pipeline")
    for name, data_file in (
        ("caseminer_sections", "headers.jsonl"),
        ("caseminer_patient", "patient.json"),
    ):
        assert (tmp_path / "pipeline" / name / data_file).is_file()
    loaded = spacy.load(tmp_path / "pipeline")
    text = "Case presentation\nA 45-year-old woman presented with fever.\n\nDiscussion\nRare."
    doc, again = nlp(text), loaded(text)
    assert again._.sections == doc._.sections and [s["kind"] for s in doc._.sections][-1] != "case"
    assert again._.patient == doc._.patient and doc._.patient["sex"] == "female"
