"""The public API: extract, extract_file, extract_many, load; offsets and error isolation."""

from __future__ import annotations

import json

import pytest

import caseminer
from caseminer.schema import CaseReport

TEXT = (
    "CASE PRESENTATION\n"
    "A 54-year-old man with a history of hypertension presented with chest pain. "
    "Troponin I was 2.4 ng/mL and serum potassium was 5.9 mmol/L. "
    "Coronary angiography showed occlusion of the left anterior descending artery, and "
    "percutaneous coronary intervention was performed. Pneumonia was ruled out.\n"
)


def _items(report: CaseReport):
    return [*report.labs, *report.imaging, *report.diagnoses, *report.procedures]


def test_extract_returns_validated_report(nlp):
    report = caseminer.extract(TEXT, nlp=nlp)
    assert isinstance(report, CaseReport)
    assert report.schema_version == caseminer.SCHEMA_VERSION
    assert report.document.n_chars == len(TEXT)
    assert report.provenance.pipeline == list(nlp.pipe_names)
    # round trip through JSON keeps everything valid
    again = CaseReport.model_validate(json.loads(report.model_dump_json()))
    assert again == report


def test_extract_finds_facts_with_exact_offsets(nlp):
    report = caseminer.extract(TEXT, nlp=nlp)
    assert _items(report)
    for item in _items(report):
        assert TEXT[item.start : item.end] == item.text
    potassium = [lab for lab in report.labs if lab.analyte.lower() == "potassium"]
    assert potassium and potassium[0].value == pytest.approx(5.9)
    assert potassium[0].interpretation == "high"
    assert report.patient.sex == "male" and report.patient.age.value == 54


def test_include_text(nlp):
    assert caseminer.extract(TEXT, nlp=nlp).document.text is None
    assert caseminer.extract(TEXT, nlp=nlp, include_text=True).document.text == TEXT


def test_extract_many_keeps_order_and_matches_extract(nlp):
    texts = [TEXT, "Serum sodium was 128 mmol/L.", TEXT.upper()]
    many = list(caseminer.extract_many(texts, nlp=nlp, batch_size=2))
    assert [r.document.n_chars for r in many] == [len(t) for t in texts]
    single = caseminer.extract(texts[1], nlp=nlp, doc_id="text-1")
    assert many[1].labs == single.labs


def test_extract_many_isolates_a_failing_document(nlp):
    @nlp.component("explode_on_marker")
    def explode(doc):  # a component that fails on one document only
        if "EXPLODE" in doc.text:
            raise RuntimeError("boom")
        return doc

    nlp.add_pipe("explode_on_marker", last=True)
    try:
        reports = list(caseminer.extract_many(["Sodium 128 mmol/L.", "EXPLODE", TEXT], nlp=nlp))
    finally:
        nlp.remove_pipe("explode_on_marker")
    assert len(reports) == 3
    assert any("extraction failed" in w for w in reports[1].warnings)
    assert reports[0].labs and reports[2].labs


def test_extract_file_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(caseminer.ReadError) as err:
        caseminer.extract_file(missing)
    assert str(missing) in str(err.value) and "no such file" in str(err.value)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(caseminer.ReadError, match="empty"):
        caseminer.extract_file(empty)


def test_extract_file_offsets_point_into_decoded_file(tmp_path, nlp):
    path = tmp_path / "case.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    report = caseminer.extract_file(path, nlp=nlp)
    assert report.document.id == "case" and report.document.source_path == str(path)
    for item in _items(report):
        assert TEXT[item.start : item.end] == item.text


def test_load_gives_a_pipeline_with_doc_extensions():
    nlp = caseminer.load(exclude=["caseminer_context"])
    assert "caseminer_context" not in nlp.pipe_names
    doc = nlp("Hemoglobin was 8.1 g/dL.")
    assert doc._.labs and doc._.labs[0].label_ == "LAB"
    with pytest.raises(ValueError, match="unknown component"):
        caseminer.load(exclude=["no_such_component"])
