"""Folder runs: bad files become error records, outputs and tables agree, re-runs resume."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from batch_fixtures import case_text, make_bad_folder
from typer.testing import CliRunner

from caseminer.batch import io as batch_io
from caseminer.batch.engines.local import LocalEngine
from caseminer.batch.manifest import MANIFEST_NAME, Manifest
from caseminer.batch.run import BatchOptions, discover, run_batch
from caseminer.batch.summary import summarize
from caseminer.batch.tables import COLUMNS, FACT_TABLES
from caseminer.batch.worker import Task
from caseminer.cli import app

runner = CliRunner()


def _manifest(out: Path) -> dict[str, dict]:
    records = {}
    for line in (out / MANIFEST_NAME).read_text().splitlines():
        rec = json.loads(line)
        records[Path(rec["input"]).name] = rec
    return records


def _docs(out: Path) -> list[dict]:
    return [
        json.loads(p.read_text()) for p in sorted(out.glob("*.json")) if not p.name.startswith("_")
    ]


@pytest.fixture(scope="module")
def acceptance(tmp_path_factory):
    """One CLI run over a folder of good and bad files, with every output format."""
    root = tmp_path_factory.mktemp("acceptance")
    expected = make_bad_folder(root / "in")
    (root / "in" / "nested").mkdir()
    (root / "in" / "nested" / "copy.txt").write_text(case_text(0), encoding="utf-8")
    pytest.importorskip("pyarrow")
    pytest.importorskip("duckdb")
    out = root / "out"
    args = ["extract", str(root / "in"), "-o", str(out), "--workers", "2"]
    args += ["-f", "json", "-f", "jsonl", "-f", "parquet", "-f", "duckdb"]
    result = runner.invoke(app, args)
    return root, out, expected, result


def test_bad_files_are_listed_with_reasons_and_exit_1(acceptance):
    root, out, expected, result = acceptance
    assert result.exit_code == 1, result.output
    records = _manifest(out)
    for name, reason in expected.items():
        rec = records[name]
        if reason:
            assert rec["status"] == "failed" and rec["stage"] == "read", rec
            assert reason in rec["error"].lower(), rec
        else:
            assert rec["status"] == "done", rec
            assert Path(rec["output"]).is_file()
            assert len(rec["sha256"]) == 64 and rec["caseminer_version"]
            assert rec["seconds"]["total"] >= rec["seconds"]["extract"] > 0
    summary = json.loads((out / "_summary.json").read_text())
    failed = {Path(e["file"]).name for e in summary["errors"]}
    assert failed == {n for n, r in expected.items() if r}
    good = sorted(Path(r["output"]).name for r in records.values() if r["status"] == "done")
    assert good == sorted(f"{Path(n).stem}.json" for n, r in expected.items() if not r)


def test_identical_bytes_are_extracted_once(acceptance):
    _, out, _, _ = acceptance
    rec = _manifest(out)["copy.txt"]
    assert rec["status"] == "duplicate" and rec["output"] is None
    assert Path(rec["duplicate_of"]).name == "good0.txt"


def test_pdf_pages_are_recorded(acceptance):
    _, out, expected, _ = acceptance
    if "journal.pdf" not in expected:
        pytest.skip("reportlab is not installed: no generated PDF")
    rec = _manifest(out)["journal.pdf"]
    assert rec["status"] == "done" and rec["pages"] >= 1


def test_tables_hold_the_same_rows_as_the_json(acceptance):
    import duckdb
    import pyarrow.parquet as pq

    _, out, _, _ = acceptance
    docs = _docs(out)
    assert docs
    con = duckdb.connect(str(out / "caseminer.duckdb"), read_only=True)
    for table in ("documents", *FACT_TABLES):
        want = len(docs) if table == "documents" else sum(len(d[table]) for d in docs)
        jsonl = (out / "tables" / f"{table}.jsonl").read_text().splitlines()
        parquet = pq.read_table(out / "tables" / f"{table}.parquet")
        (count,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert len(jsonl) == parquet.num_rows == count == want, table
        assert parquet.column_names == [c for c, _ in COLUMNS[table]]
    assert sum(len(d["labs"]) for d in docs) > 0
    con.close()


def test_table_rows_point_into_the_source_text(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"case{i}.txt").write_text(case_text(i), encoding="utf-8")
    out = tmp_path / "out"
    options = BatchOptions(workers=1, formats=("json", "jsonl"), include_text=True)
    summary = run_batch(discover([src])[0], out, options)
    assert summary.failed == 0 and len(summary.written) == 3
    texts = {d["document"]["id"]: d["document"]["text"] for d in _docs(out)}
    n = 0
    for table in FACT_TABLES:
        for line in (out / "tables" / f"{table}.jsonl").read_text().splitlines():
            row = json.loads(line)
            assert texts[row["doc_id"]][row["start_char"] : row["end_char"]] == row["text"]
            n += 1
    assert n >= 6
    labs = [json.loads(x) for x in (out / "tables" / "labs.jsonl").read_text().splitlines()]
    assert any(r["analyte"] == "Calcium" and r["value"] == 11.9 for r in labs)


def test_rerun_skips_done_retries_failed_and_redoes_changed(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"case{i}.txt").write_text(case_text(i), encoding="utf-8")
    (src / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    files = discover([src])[0]
    first = run_batch(files, out, BatchOptions(workers=1))
    assert len(first.written) == 3 and first.failed == 1
    before = {n: r["finished_at"] for n, r in _manifest(out).items()}

    again = run_batch(files, out, BatchOptions(workers=1))
    assert again.written == [] and again.skipped == 3 and again.failed == 1

    (src / "case1.txt").write_text(case_text(4), encoding="utf-8")  # new content: redone
    third = run_batch(files, out, BatchOptions(workers=1))
    assert [Path(p).name for p in third.written] == ["case1.json"]
    assert third.skipped == 2 and third.failed == 1  # the failure is kept, not retried
    assert _manifest(out)["empty.txt"]["attempts"] == 1

    fourth = run_batch(files, out, BatchOptions(workers=1, retry_failed=True))
    assert fourth.written == [] and fourth.failed == 1
    assert _manifest(out)["empty.txt"]["attempts"] == 2

    (src / "empty.txt").write_text(case_text(5), encoding="utf-8")  # fixed: new bytes, redone
    fifth = run_batch(files, out, BatchOptions(workers=1))
    assert [Path(p).name for p in fifth.written] == ["empty.json"] and fifth.failed == 0
    after = _manifest(out)
    assert after["case0.txt"]["finished_at"] == before["case0.txt"]
    case1 = json.loads((out / "case1.json").read_text())
    assert case1["document"]["n_chars"] == len(case_text(4))
    assert after["case1.txt"]["sha256"] == batch_io.sha256_of(src / "case1.txt")


def test_a_new_caseminer_version_redoes_everything(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    (src / "case.txt").write_text(case_text(0), encoding="utf-8")
    out = tmp_path / "out"
    files = discover([src])[0]
    assert len(run_batch(files, out, BatchOptions(workers=1)).written) == 1
    monkeypatch.setattr("caseminer.batch.run.__version__", "99.0.0")
    assert len(run_batch(files, out, BatchOptions(workers=1)).written) == 1


def test_manifest_survives_a_torn_last_line(tmp_path):
    out = tmp_path / "out"
    manifest = Manifest(out)
    manifest.add({"input": "/a.txt", "sha256": "x", "status": "done", "output": "/a.json"})
    with open(out / MANIFEST_NAME, "a") as fh:
        fh.write('{"input": "/b.txt", "sha2')  # killed mid-append
    loaded = Manifest.load(out)
    assert set(loaded.records) == {"/a.txt"}
    assert (out / MANIFEST_NAME).read_text().count("\n") == 1
    loaded.add({"input": "/c.txt", "sha256": "y", "status": "failed", "output": None})
    assert set(Manifest.load(out).records) == {"/a.txt", "/c.txt"}


def test_a_hung_file_times_out_and_the_run_goes_on(tmp_path):
    fifo = tmp_path / "hangs.txt"
    os.mkfifo(fifo)  # reading a FIFO with no writer blocks forever
    good = tmp_path / "good.txt"
    good.write_text(case_text(1), encoding="utf-8")
    tasks = [
        Task(input=str(fifo), sha256="0" * 64, output=str(tmp_path / "hangs.json")),
        Task(input=str(good), sha256="1" * 64, output=str(tmp_path / "good.json")),
    ]
    records = {Path(r["input"]).name: r for r in LocalEngine(2, timeout_s=3).run(tasks)}
    assert records["hangs.txt"]["status"] == "failed"
    assert records["hangs.txt"]["stage"] == "timeout" and "3 s" in records["hangs.txt"]["error"]
    assert records["good.txt"]["status"] == "done"
    assert json.loads((tmp_path / "good.json").read_text())["labs"]


def test_include_and_exclude_globs(tmp_path):
    (tmp_path / "a").mkdir()
    for name in ("a/one.txt", "a/two.md", "three.txt"):
        (tmp_path / name).write_text(case_text(0), encoding="utf-8")
    files, single = discover([tmp_path], include=["*.txt"])
    assert [Path(f).name for f in files] == ["one.txt", "three.txt"] and not single
    files, _ = discover([tmp_path], exclude=["a/*"])
    assert [Path(f).name for f in files] == ["three.txt"]


def test_summary_counts_facts_and_top_analytes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        (src / f"case{i}.txt").write_text(case_text(i), encoding="utf-8")
    out = tmp_path / "out"
    run_batch(discover([src])[0], out, BatchOptions(workers=1))
    result = summarize(str(out))
    docs = _docs(out)
    assert result["documents"] == 4 == len(docs)
    for name in FACT_TABLES:
        total = sum(len(d[name]) for d in docs)
        assert result["items"][name] + result["negated"][name] == total
    top = dict(result["top"]["labs"])
    assert top["Calcium"] == 2
    cli = runner.invoke(app, ["summary", str(out)])
    assert cli.exit_code == 0 and "Calcium" in cli.output and "Top diagnoses" in cli.output
    assert runner.invoke(app, ["summary", str(tmp_path)]).exit_code == 2


def test_unknown_format_is_a_usage_error(tmp_path):
    (tmp_path / "a.txt").write_text(case_text(0), encoding="utf-8")
    result = runner.invoke(app, ["extract", str(tmp_path), "-o", str(tmp_path / "o"), "-f", "xls"])
    assert result.exit_code == 2 and "xls" in result.output


def test_a_file_past_the_memory_ceiling_is_an_error_record(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Serum calcium 11.9 mg/dL. " * 4_000_000, encoding="utf-8")  # ~100 MB
    good = tmp_path / "good.txt"
    good.write_text(case_text(0), encoding="utf-8")
    tasks = [
        Task(input=str(big), sha256="0" * 64, output=str(tmp_path / "big.json")),
        Task(input=str(good), sha256="1" * 64, output=str(tmp_path / "good.json")),
    ]
    engine = LocalEngine(1, timeout_s=60, max_memory_mb=64)
    records = {Path(r["input"]).name: r for r in engine.run(tasks)}
    assert records["big.txt"]["status"] == "failed", records["big.txt"]
    assert records["big.txt"]["stage"] in {"read", "extract", "crash"}
    assert "memory" in records["big.txt"]["error"].lower()
    assert records["good.txt"]["status"] == "done"
    assert not (tmp_path / "big.json").exists()


def test_output_to_an_fsspec_url(tmp_path):
    pytest.importorskip("fsspec")
    src = tmp_path / "in"
    src.mkdir()
    for i in range(2):
        (src / f"case{i}.txt").write_text(case_text(i), encoding="utf-8")
    out = tmp_path / "out"
    url = f"file://{out}"
    first = run_batch(discover([src])[0], url, BatchOptions(workers=1, formats=("json", "jsonl")))
    assert first.failed == 0 and len(first.written) == 2
    assert sorted(p.name for p in out.glob("case*.json")) == ["case0.json", "case1.json"]
    assert len((out / "tables" / "documents.jsonl").read_text().splitlines()) == 2
    again = run_batch(discover([src])[0], url, BatchOptions(workers=1))
    assert again.written == [] and again.skipped == 2
