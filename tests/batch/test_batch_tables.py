"""Tables a reviewer can query (issue 15): item ids, evidence columns, linked tables (codes,
imaging findings, findings, phenotype), SQL-safe names, normalized labs, README's queries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_fixtures import report_a, report_b, write_batch_output

from caseminer.batch.queries import REVIEW_QUERIES
from caseminer.batch.summary import summarize
from caseminer.batch.tables import COLUMNS, collect, flatten, write_tables

ROOT = Path(__file__).resolve().parents[2]


def _rows(report) -> dict[str, list[dict]]:
    return flatten(json.loads(report.model_dump_json()), "/in/a.pdf")


def test_item_rows_carry_id_evidence_sentence_page_section_subject():
    rows = _rows(report_a())
    lab, literature = rows["labs"]
    assert lab["id"] == "L1" and literature["id"] == "L2"
    assert (lab["start_char"], lab["end_char"], lab["page"]) == (10, 19, 1)
    assert lab["sentence"] == "Serum calcium was 7.2 mg/dL." and lab["section"] == "case"
    assert lab["subject"] == "patient" and literature["subject"] == "literature"
    assert (lab["normalized_value"], lab["normalized_unit"]) == (1.8, "mmol/L")
    for table in ("labs", "imaging", "findings", "diagnoses", "procedures"):
        names = [c for c, _ in COLUMNS[table]]
        assert {"id", "sentence", "page", "section", "subject", "start_char", "end_char"} <= set(
            names
        ), table
        assert "start" not in names and "end" not in names, table


def test_codes_imaging_findings_findings_and_phenotype_tables():
    rows = _rows(report_a())
    codes = {(r["item_id"], r["item_type"], r["system"], r["code"]) for r in rows["codes"]}
    assert codes == {
        ("F1", "findings", "HPO", "HP:0001744"),
        ("F2", "findings", "HPO", "HP:0001945"),
        ("D1", "diagnoses", "ICD-10-CM", "E83.51"),
    }
    assert all(r["display"] and r["doc_id"] == "a" for r in rows["codes"])
    found = rows["imaging_findings"]
    assert [(r["imaging_id"], r["text"], r["descriptors"]) for r in found] == [
        ("I1", "enlarged spleen", "enlarged"),
        ("I1", "hypodense lesion", "hypodense; focal"),
    ]
    assert found[1]["start_char"] == 75 and found[1]["modality"] == "CT"
    findings = rows["findings"]
    assert [(f["id"], f["normalized"], f["negated"], f["study"]) for f in findings] == [
        ("F1", "Splenomegaly", False, "I1"),
        ("F2", "Fever", True, None),
    ]
    assert [(p["hpo"], p["excluded"], p["evidence"]) for p in rows["phenotype"]] == [
        ("HP:0001744", False, "F1"),
        ("HP:0001945", True, "F2"),
    ]
    doc = rows["documents"][0]
    assert (doc["n_findings"], doc["n_phenotype"], doc["input"]) == (2, 2, "/in/a.pdf")


def test_reports_without_ids_get_the_ids_the_schema_would_give():
    data = json.loads(report_b().model_dump_json())
    for lab in data["labs"]:
        lab.pop("id")
    assert [r["id"] for r in flatten(data)["labs"]] == ["L1", "L2"]


def _duckdb(tmp_path: Path) -> Path:
    out = write_batch_output(tmp_path / "out", [report_a(), report_b()])
    rows = collect((f"/in/{d}.txt", str(out / f"{d}.json")) for d in ("a", "b"))
    written = write_tables(rows, str(out), ["jsonl", "parquet", "duckdb"])
    assert str(out / "caseminer.duckdb") in written
    for table in COLUMNS:
        assert (out / "tables" / f"{table}.parquet").is_file(), table
    return out / "caseminer.duckdb"


def test_start_and_end_columns_are_plain_sql(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("pyarrow")
    con = duckdb.connect(str(_duckdb(tmp_path)), read_only=True)
    got = con.execute("select start_char, end_char from labs order by doc_id, id").fetchall()
    assert got[0] == (10, 19)
    con.close()


def test_readme_review_queries_run_and_answer(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("pyarrow")
    con = duckdb.connect(str(_duckdb(tmp_path)), read_only=True)
    try:
        low = con.execute(REVIEW_QUERIES["low_calcium"]).fetchall()
        # the patients' values only: not the literature's 6.0, not the negated 6.5
        assert [(r[0], r[1], r[6]) for r in low] == [
            ("a", "/in/a.txt", 1.8),
            ("b", "/in/b.txt", 2.0),
        ]
        phenotypes = con.execute(REVIEW_QUERIES["phenotypes_by_frequency"]).fetchall()
        assert phenotypes == [("HP:0001744", "Splenomegaly", 2)]  # fever is excluded
        labs = con.execute(REVIEW_QUERIES["labs_by_analyte"]).fetchall()
        assert labs == [("Calcium", "mmol/L", 2, 2, 1.8, 1.9, 2.0)]
    finally:
        con.close()


def _review_section() -> str:
    """README's 'Reviewing many reports' section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Reviewing many reports" in text, "no 'Reviewing many reports' section in README.md"
    return text.split("## Reviewing many reports", 1)[1].split("\n## ", 1)[0]


def test_readme_shows_the_review_queries_verbatim():
    section = _review_section()
    for name, query in REVIEW_QUERIES.items():
        assert query in section, name


def test_summary_counts_patient_facts_unless_all_subjects(tmp_path):
    out = write_batch_output(tmp_path / "out", [report_a(), report_b()])
    patient = summarize(str(out))
    everyone = summarize(str(out), all_subjects=True)
    # labs: a has L1 (patient) and L2 (literature); b has L1 and a negated L2
    assert patient["items"]["labs"] == 2 and patient["negated"]["labs"] == 1
    assert patient["other_subjects"]["labs"] == 1 and patient["subjects"] == "patient"
    assert everyone["items"]["labs"] == 3 and everyone["subjects"] == "all"
    assert dict(patient["top"]["labs"]) == {"Calcium": 2}
    assert patient["items"]["findings"] == 1 and patient["negated"]["findings"] == 1


def test_summary_finds_outputs_recorded_relative_by_an_older_run(tmp_path, monkeypatch):
    out = write_batch_output(tmp_path / "out", [report_a(), report_b()])
    manifest = out / "_manifest.jsonl"
    records = [json.loads(line) for line in manifest.read_text().splitlines()]
    for record in records:
        record["output"] = f"out/{Path(record['output']).name}"  # relative to another cwd
    manifest.write_text("".join(json.dumps(r) + "\n" for r in records))
    monkeypatch.chdir(tmp_path / "out")
    result = summarize(".")
    assert result["documents"] == 2 and result["items"]["labs"] == 2
    assert Path(result["output"]).is_absolute()
