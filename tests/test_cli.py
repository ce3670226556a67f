"""The command line: help texts, schema, extract (file, stdin, folder), exit codes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from caseminer.cli import app

runner = CliRunner()
CASE = "A 40-year-old woman had a serum calcium of 11.9 mg/dL. A CT of the chest was normal.\n"


def test_help_lists_commands_with_examples():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("extract", "schema", "demo", "evaluate"):
        assert command in result.output
    for command in ("extract", "schema", "demo", "evaluate"):
        sub = runner.invoke(app, [command, "--help"])
        assert sub.exit_code == 0 and "Example" in sub.output, command


def test_schema_is_valid_json_schema():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "CaseReport"
    assert {"labs", "imaging", "diagnoses", "procedures", "schema_version"} <= set(
        schema["properties"]
    )


@pytest.mark.usefixtures("nlp")
def test_extract_one_file_to_stdout(tmp_path):
    path = tmp_path / "case.txt"
    path.write_text(CASE, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["document"]["id"] == "case"
    assert any(lab["value"] == 11.9 for lab in data["labs"])


def test_extract_missing_file_is_exit_2_with_the_name(tmp_path):
    missing = tmp_path / "absent.txt"
    result = runner.invoke(app, ["extract", str(missing)])
    assert result.exit_code == 2
    assert "absent.txt" in result.output


@pytest.mark.usefixtures("nlp")
def test_extract_folder_goes_on_past_bad_files(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text(CASE, encoding="utf-8")
    (src / "also_good.txt").write_text("Hemoglobin 8.2 g/dL.\n", encoding="utf-8")
    (src / "empty.txt").write_text("", encoding="utf-8")
    (src / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(src), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.glob("*.json") if p.name != "_summary.json") == [
        "also_good.json",
        "good.json",
    ]
    summary = json.loads((out / "_summary.json").read_text())
    failed = {e["file"].rsplit("/", 1)[-1]: e["reason"] for e in summary["errors"]}
    assert set(failed) == {"empty.txt", "binary.txt"}
    assert "empty" in failed["empty.txt"] and "binary" in failed["binary.txt"]


def test_extract_folder_without_supported_files_is_exit_2(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n")
    result = runner.invoke(app, ["extract", str(tmp_path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert str(tmp_path) in result.output.replace("\n", "")


@pytest.mark.usefixtures("nlp")
def test_extract_stdin():
    result = runner.invoke(app, ["extract", "-"], input=CASE)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["document"]["id"] == "stdin"


@pytest.mark.usefixtures("nlp")
def test_demo_writes_json_and_prints_tables(tmp_path):
    result = runner.invoke(app, ["demo", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "example_case.json").read_text())
    assert data["labs"] and data["diagnoses"]
    assert "Labs" in result.output and "example_case.json" in result.output
