"""serve and show as Typer commands: help with examples, show writes a page, bad input exits 2."""

from __future__ import annotations

import json

import spacy
import typer
from typer.testing import CliRunner

from caseminer.nlp.extensions import register_extensions
from caseminer.service.commands import serve, show

runner = CliRunner()
app = typer.Typer()
app.command()(serve)
app.command()(show)


def test_help_shows_examples_and_safe_defaults():
    for command in ("serve", "show"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, command
    serve_help = runner.invoke(app, ["serve", "--help"]).output
    assert "127.0.0.1" in serve_help and "CASEMINER_API_KEY" in serve_help


def test_show_renders_a_saved_report(tmp_path):
    import caseminer

    register_extensions()
    text = "Serum calcium was 11.9 mg/dL.\n"
    report = caseminer.extract(text, nlp=spacy.blank("en"), doc_id="saved", include_text=True)
    src = tmp_path / "saved.json"
    src.write_text(report.model_dump_json(), encoding="utf-8")
    out = tmp_path / "out" / "page.html"
    result = runner.invoke(app, ["show", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<h1>saved</h1>" in html and "Serum calcium was 11.9 mg/dL." in html


def test_show_bad_inputs_exit_2(tmp_path):
    missing = runner.invoke(app, ["show", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "a")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"not": "a report"}), encoding="utf-8")
    result = runner.invoke(app, ["show", str(bad), "-o", str(tmp_path / "b.html")])
    assert result.exit_code == 2 and "not a caseminer report" in result.output
