"""--as on the command line, in a folder run and as ?as= on the HTTP service."""

from __future__ import annotations

import json

import pytest
from builders import report
from typer.testing import CliRunner

import caseminer.interop as interop
from caseminer.cli import app
from caseminer.interop.batch import write_exports

pytest.importorskip("phenopackets")
pytest.importorskip("fhir.resources")

runner = CliRunner()
CASE = (
    "Case presentation\n"
    "A 40-year-old woman had a serum calcium of 11.9 mg/dL. A biopsy was performed.\n"
)


@pytest.fixture
def no_interop(monkeypatch):
    """As if `pip install 'caseminer[interop]'` had not been run."""
    monkeypatch.setattr(interop, "_has_module", lambda name: False)


@pytest.mark.usefixtures("nlp")
@pytest.mark.parametrize("fmt", ["phenopacket", "fhir"])
def test_extract_file_as_prints_the_export(tmp_path, fmt):
    path = tmp_path / "case.txt"
    path.write_text(CASE, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(path), "--as", fmt])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    if fmt == "phenopacket":
        assert data["subject"]["sex"] == "FEMALE"
        assert data["measurements"][0]["assay"]["id"] == "LOINC:17861-6"
    else:
        assert data["resourceType"] == "Bundle" and data["type"] == "collection"


@pytest.mark.usefixtures("nlp")
def test_extract_stdin_as_fhir():
    result = runner.invoke(app, ["extract", "-", "--as", "fhir"], input=CASE)
    assert result.exit_code == 0, result.output
    kinds = {e["resource"]["resourceType"] for e in json.loads(result.stdout)["entry"]}
    assert {"Patient", "Observation", "Procedure"} <= kinds


def test_unknown_format_is_exit_2(tmp_path):
    path = tmp_path / "case.txt"
    path.write_text(CASE, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(path), "--as", "openehr"])
    assert result.exit_code == 2
    assert "unknown export format 'openehr'" in result.output


def test_missing_library_is_one_line_and_exit_2(tmp_path, no_interop):
    path = tmp_path / "case.txt"
    path.write_text(CASE, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(path), "--as", "phenopacket"])
    assert result.exit_code == 2
    assert "pip install 'caseminer[interop]'" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.slow
def test_folder_run_writes_the_export_next_to_each_json(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(CASE, encoding="utf-8")
    (src / "b.txt").write_text("Case presentation\nA 7-year-old boy had fever.\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["extract", str(src), "-o", str(out), "--workers", "1"]
    result = runner.invoke(app, [*args, "--as", "phenopacket"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("_"))
    assert names == ["a.json", "a.phenopacket.json", "b.json", "b.phenopacket.json"]
    assert json.loads((out / "b.phenopacket.json").read_text())["subject"]["sex"] == "MALE"
    # a resumed run extracts nothing again, yet writes the other format for the finished files
    result = runner.invoke(app, [*args, "--as", "fhir"])
    assert result.exit_code == 0 and "2 already done" in result.output
    assert (out / "a.fhir.json").is_file() and (out / "b.fhir.json").is_file()


def test_write_exports_from_existing_json_and_reports_failures(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(report().model_dump_json(), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    records = [
        {"input": "good.txt", "status": "done", "output": str(good)},
        {"input": "bad.txt", "status": "done", "output": str(bad)},
        {"input": "failed.txt", "status": "failed", "output": None},
    ]
    errors = write_exports(records, ["fhir"])
    assert json.loads((tmp_path / "good.fhir.json").read_text())["type"] == "collection"
    assert [(e["file"], e["stage"]) for e in errors] == [("bad.txt", "export")]


@pytest.fixture(scope="module")
def client(nlp):
    """The HTTP service with the real pipeline."""
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from caseminer.service.app import create_app
    from caseminer.service.settings import ServiceSettings

    app = create_app(ServiceSettings(preload=True), loader=lambda: nlp)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


class TestService:
    """?as= on /v1/extract."""

    def test_as_phenopacket_and_fhir(self, client):
        resp = client.post("/v1/extract?as=phenopacket", json={"text": CASE, "doc_id": "c1"})
        assert resp.status_code == 200, resp.text
        assert resp.json()["metaData"]["externalReferences"][0]["id"] == "c1"
        resp = client.post("/v1/extract?as=fhir", json={"text": CASE})
        assert resp.status_code == 200 and resp.json()["resourceType"] == "Bundle"
        plain = client.post("/v1/extract", json={"text": CASE}).json()
        assert plain["schema_version"] and "labs" in plain

    def test_unknown_as_is_400(self, client):
        resp = client.post("/v1/extract?as=openehr", json={"text": CASE})
        assert resp.status_code == 400
        assert resp.json()["error"]["code"] == "bad_request"

    def test_missing_library_is_501(self, client, no_interop):
        resp = client.post("/v1/extract?as=fhir", json={"text": CASE})
        assert resp.status_code == 501
        error = resp.json()["error"]
        assert error["code"] == "not_implemented"
        assert error["message"] == "as=fhir needs fhir.resources: pip install 'caseminer[interop]'"
