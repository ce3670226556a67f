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


def _commands(group, prefix=()):
    """(path, click command) for every command and subcommand of the CLI."""
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path, command
        if hasattr(command, "commands"):
            yield from _commands(command, path)


def test_every_help_shows_flags_without_a_value_and_pairs_where_they_toggle():
    import typer.main

    root = typer.main.get_command(app)
    paths = [()] + [p for p, _ in _commands(root)]
    assert ("vocab", "build") in paths and ("lookup",) in paths
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0, path
        assert "<bool>" not in result.output, f"caseminer {' '.join(path)} --help"
    options = {
        opt: param for param in dict(_commands(root))[("extract",)].params for opt in param.opts
    }
    assert options["--include-text"].secondary_opts == ["--no-include-text"]
    assert options["--retry-failed"].secondary_opts == ["--no-retry-failed"]
    summary = {o: p for p in dict(_commands(root))[("summary",)].params for o in p.opts}
    assert summary["--all-subjects"].secondary_opts == ["--patient-only"]


def test_a_flag_given_a_value_gets_a_hint_not_a_silent_file_name(tmp_path):
    path = tmp_path / "case.txt"
    path.write_text(CASE, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(path), "--include-text", "true"])
    assert result.exit_code == 2
    assert "true: no such file" in result.output and "flags take no value" in result.output


def _readme_usage() -> str:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    use = readme.split("\n## Use\n", 1)[1]
    return use.split("```", 2)[1]


def test_readme_usage_lists_every_command_with_options_that_exist():
    import typer.main

    root = typer.main.get_command(app)
    usage = _readme_usage()
    lines = [line.split("#", 1)[0].split() for line in usage.splitlines()]
    lines = [words for words in lines if words[:1] == ["caseminer"]]
    commands = dict(_commands(root))
    for name in root.commands:
        assert any(words[1:2] == [name] for words in lines), f"README's usage lacks {name}"
    for words in lines:
        path = tuple(words[1:3]) if tuple(words[1:3]) in commands else tuple(words[1:2])
        assert path in commands, f"README names no such command: {' '.join(words)}"
        known = {
            opt for param in commands[path].params for opt in param.opts + param.secondary_opts
        }
        for word in words:
            if word.startswith("-") and word != "-":
                assert word.split("=")[0] in known, f"{' '.join(words)}: no option {word}"
