"""Folder runs under misuse (issue 15): comma formats, two runs at once, stale locks, empty files,
relative OUT, adoption of a killed run's finished output, unwrapped log lines."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from batch_fixtures import case_text
from typer.testing import CliRunner

from caseminer.batch.lock import LOCK_NAME, OutputLocked, RunLock
from caseminer.batch.manifest import MANIFEST_NAME
from caseminer.batch.run import BatchOptions, discover, run_batch
from caseminer.batch.staging import staged_location
from caseminer.cli import app, split_formats

runner = CliRunner()


def _records(out: Path) -> dict[str, dict]:
    records = {}
    for line in (out / MANIFEST_NAME).read_text().splitlines():
        rec = json.loads(line)
        records[Path(rec["input"]).name] = rec
    return records


def _folder(root: Path, n: int = 2) -> Path:
    src = root / "in"
    src.mkdir()
    for i in range(n):
        (src / f"case{i}.txt").write_text(case_text(i), encoding="utf-8")
    return src


def test_format_accepts_a_comma_separated_list(tmp_path):
    pytest.importorskip("pyarrow")
    pytest.importorskip("duckdb")
    src = _folder(tmp_path, 1)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["extract", str(src), "-o", str(out), "--format", "jsonl,parquet,duckdb"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "tables" / "labs.jsonl").is_file()
    assert (out / "tables" / "labs.parquet").is_file()
    assert (out / "caseminer.duckdb").is_file()
    assert not list(out.glob("case*.json"))  # json was not asked for: the docs go to _docs
    assert split_formats(["json, Parquet", "duckdb", "json"]) == ["json", "parquet", "duckdb"]


def test_a_second_run_into_a_held_out_exits_2_naming_the_holder(tmp_path):
    src = _folder(tmp_path, 1)
    out = tmp_path / "out"
    with RunLock(str(out)):  # this (live) process holds OUT
        result = runner.invoke(app, ["extract", str(src), "-o", str(out)])
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line, line
    assert f"pid {os.getpid()}" in line and socket.gethostname() in line and "started 20" in line
    assert not (out / MANIFEST_NAME).exists(), "the refused run touched the manifest"
    assert not (out / LOCK_NAME).exists(), "the holder's lock was not released"


def test_a_stale_lock_from_a_killed_run_is_taken_over(tmp_path):
    src = _folder(tmp_path, 1)
    out = tmp_path / "out"
    out.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid now names no process
    holder = {"pid": gone.pid, "host": socket.gethostname(), "started_at": "2026-01-01T00:00:00Z"}
    (out / LOCK_NAME).write_text(json.dumps(holder), encoding="utf-8")
    summary = run_batch(discover([src])[0], out, BatchOptions(workers=1))
    assert summary.failed == 0 and len(summary.written) == 1
    assert not (out / LOCK_NAME).exists()
    # a pid reused by a newer process is stale too; a live holder on another host is honoured
    reused = {**holder, "pid": os.getpid(), "process_started": 1.0}
    (out / LOCK_NAME).write_text(json.dumps(reused), encoding="utf-8")
    with RunLock(str(out)) as lock:
        assert lock.took_over["pid"] == os.getpid()
    elsewhere = {**holder, "host": "another-host.example"}
    (out / LOCK_NAME).write_text(json.dumps(elsewhere), encoding="utf-8")
    with pytest.raises(OutputLocked, match="another-host.example"):
        RunLock(str(out)).acquire()


def test_empty_files_are_errors_never_duplicates(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "empty.pdf").write_bytes(b"")
    (src / "good.txt").write_text(case_text(0), encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch(discover([src])[0], out, BatchOptions(workers=1))
    records = _records(out)
    for name in ("empty.txt", "empty.pdf"):
        assert records[name]["status"] == "failed", records[name]
        assert records[name]["error"] == "empty file" and "duplicate_of" not in records[name]
    assert summary.duplicates == []
    assert {Path(e["file"]).name for e in summary.errors} == {"empty.txt", "empty.pdf"}


def test_paths_in_manifest_and_summary_are_absolute_with_a_relative_out(tmp_path, monkeypatch):
    src = _folder(tmp_path, 1)
    monkeypatch.chdir(tmp_path)
    summary = run_batch(discover(["in"])[0], "out", BatchOptions(workers=1))
    record = _records(tmp_path / "out")["case0.txt"]
    assert Path(record["input"]).is_absolute() and Path(record["output"]).is_absolute()
    assert record["output"] == str(tmp_path / "out" / "case0.json")
    saved = json.loads((tmp_path / "out" / "_summary.json").read_text())
    assert all(Path(p).is_absolute() for p in saved["written"])
    assert Path(summary.output_dir).is_absolute()
    monkeypatch.chdir(src)  # another working directory: the resume still finds the output
    again = run_batch(discover([tmp_path / "in"])[0], tmp_path / "out", BatchOptions(workers=1))
    assert again.skipped == 1 and again.written == []


def test_a_finished_output_without_its_record_is_adopted_not_redone(tmp_path):
    src = _folder(tmp_path, 2)
    out = tmp_path / "out"
    files = discover([src])[0]
    run_batch(files, out, BatchOptions(workers=1))
    records = _records(out)
    # as after a kill -9 between the worker's write and the parent's record: staged, unrecorded
    rec = records["case1.txt"]
    staged = Path(staged_location(rec["output"], rec["sha256"]))
    os.replace(rec["output"], staged)
    kept = [json.dumps(r) for n, r in records.items() if n != "case1.txt"]
    (out / MANIFEST_NAME).write_text("\n".join(kept) + "\n")
    # and a staged output of an older caseminer: not trusted, swept
    bogus = out / ".case9.json.0123456789abcdef.part"
    bogus.write_text(json.dumps({"document": {}, "provenance": {"caseminer_version": "0.0.1"}}))

    again = run_batch(files, out, BatchOptions(workers=1))
    assert again.written == [] and again.adopted == [rec["output"]]
    assert "adopted 1 output" in again.line()
    adopted = _records(out)["case1.txt"]
    assert adopted["status"] == "done" and adopted["adopted"] is True
    assert adopted["sha256"] == rec["sha256"] and adopted["counts"] == rec["counts"]
    assert Path(rec["output"]).is_file() and not staged.exists() and not bogus.exists()


def test_piped_stderr_keeps_each_message_on_one_line(tmp_path):
    src = tmp_path / ("a-folder-with-a-long-name-" * 4)
    src.mkdir()
    (src / "empty-report-with-a-long-name.txt").write_bytes(b"")
    (src / "another-empty-report.txt").write_bytes(b"")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "caseminer.cli", "extract", str(src), "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=_env())
    assert proc.returncode == 1, proc.stderr
    path = src / "empty-report-with-a-long-name.txt"
    lines = [line.strip() for line in proc.stderr.splitlines()]
    assert f"failed: {path}: empty file (stage: read)" in lines, proc.stderr


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


def test_a_recorded_output_killed_before_its_rename_is_moved_not_rerecorded(tmp_path):
    src = _folder(tmp_path, 1)
    out = tmp_path / "out"
    files = discover([src])[0]
    run_batch(files, out, BatchOptions(workers=1))
    rec = _records(out)["case0.txt"]
    staged = Path(staged_location(rec["output"], rec["sha256"]))
    os.replace(rec["output"], staged)  # killed after the record, before the rename
    again = run_batch(files, out, BatchOptions(workers=1))
    assert again.written == [] and again.adopted == [] and again.skipped == 1
    assert _records(out)["case0.txt"] == rec, "the record was rewritten"
    assert Path(rec["output"]).is_file() and not staged.exists()


def test_the_lock_works_where_hard_links_do_not(tmp_path, monkeypatch):
    def no_links(*_args):
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    out = tmp_path / "out"
    with RunLock(str(out)):
        assert json.loads((out / LOCK_NAME).read_text())["pid"] == os.getpid()
        with pytest.raises(OutputLocked):
            RunLock(str(out)).acquire()
    assert not (out / LOCK_NAME).exists()
