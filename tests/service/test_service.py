"""The HTTP service: routes, limits, errors and auth, driven with FastAPI's TestClient.

A blank spaCy pipeline stands in for the real one (fast); test_service_pipeline.py runs it.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
pytest.importorskip("multipart")

import spacy  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from caseminer.nlp.extensions import register_extensions  # noqa: E402
from caseminer.service.app import create_app  # noqa: E402
from caseminer.service.settings import ServiceSettings  # noqa: E402

TEXT = "A 40-year-old woman had a serum calcium of 11.9 mg/dL.\n"


def blank_nlp():
    register_extensions()
    return spacy.blank("en")


def make_client(**overrides) -> TestClient:
    settings = ServiceSettings(preload=False, **overrides)
    return TestClient(create_app(settings, loader=blank_nlp), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client():
    with make_client(max_upload_mb=0.01, max_text_chars=2000, max_batch=3) as c:
        yield c


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()["error"]
    assert body["status"] == status and body["code"] == code
    assert body["message"]
    return body


def test_health_and_version(client):
    health = client.get("/v1/health").json()
    assert health["status"] == "ok" and isinstance(health["pipeline_loaded"], bool)
    version = client.get("/v1/version").json()
    import caseminer

    assert version["caseminer"] == caseminer.__version__
    assert version["schema_version"] == caseminer.SCHEMA_VERSION
    assert "ICD-10-CM" in version["terminologies"] and "HPO" in version["terminologies"]


def test_schema_is_the_case_report_schema(client):
    schema = client.get("/v1/schema").json()
    assert schema["title"] == "CaseReport" and "labs" in schema["properties"]


def test_extract_json_returns_a_case_report(client):
    resp = client.post("/v1/extract", json={"text": TEXT, "doc_id": "c1", "include_text": True})
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["document"]["id"] == "c1"
    assert report["document"]["text"] == TEXT and report["document"]["n_chars"] == len(TEXT)
    assert client.get("/v1/health").json()["pipeline_loaded"] is True


def test_extract_text_upload_and_raw_body(client):
    files = {"file": ("case.txt", TEXT.encode(), "text/plain")}
    up = client.post("/v1/extract", files=files, data={"include_text": "true"})
    assert up.status_code == 200, up.text
    doc = up.json()["document"]
    assert doc["format"] == "txt" and doc["source_path"] == "case.txt" and doc["text"] == TEXT
    raw = client.post("/v1/extract", content=TEXT, headers={"content-type": "text/plain"})
    assert raw.status_code == 200 and raw.json()["document"]["n_chars"] == len(TEXT)


def test_pdf_upload_is_read_by_the_pdf_reader(client):
    # Not a real PDF: the reader must refuse it with a 4xx, never a 500.
    files = {"file": ("case.pdf", b"%PDF-1.4 not really a pdf", "application/pdf")}
    resp = client.post("/v1/extract", files=files)
    assert resp.status_code in (415, 422), resp.text
    assert resp.json()["error"]["message"].startswith("case.pdf")


def test_batch_keeps_order_and_ids(client):
    texts = ["Calcium 11.9 mg/dL.", "Sodium 137 mEq/L."]
    resp = client.post("/v1/extract/batch", json={"texts": texts, "doc_ids": ["a", "b"]})
    assert resp.status_code == 200, resp.text
    reports = resp.json()["reports"]
    assert [r["document"]["id"] for r in reports] == ["a", "b"]
    assert [r["document"]["n_chars"] for r in reports] == [len(t) for t in texts]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": 5}, "text"),
        ({"text": "x", "surprise": 1}, "surprise"),
    ],
)
def test_invalid_json_is_422_with_pydantic_message(client, payload, field):
    body = assert_error(client.post("/v1/extract", json=payload), 422, "invalid_input")
    assert field in body["message"]
    assert body["details"] and body["details"][0]["loc"][0] == "body"


def test_malformed_json_and_wrong_media_type(client):
    bad = client.post("/v1/extract", content=b"{", headers={"content-type": "application/json"})
    assert_error(bad, 422, "invalid_input")
    xml = client.post("/v1/extract", content=b"<a/>", headers={"content-type": "application/xml"})
    body = assert_error(xml, 415, "unsupported_media_type")
    assert "application/xml" in body["message"]
    exe = client.post("/v1/extract", files={"file": ("x.exe", b"MZ\x90", "application/x-msdos")})
    assert_error(exe, 415, "unsupported_media_type")


def test_binary_upload_is_422(client):
    files = {"file": ("case.txt", b"\x00\x01\x02" * 50, "text/plain")}
    body = assert_error(client.post("/v1/extract", files=files), 422, "invalid_input")
    assert "binary" in body["message"]


def test_limits_give_413(client):
    big = "x" * 20_000  # over the 0.01 MB body limit of this client
    assert_error(client.post("/v1/extract", json={"text": big}), 413, "payload_too_large")
    long_text = "calcium " * 300  # 2400 chars: under the body limit, over max_text_chars
    body = assert_error(
        client.post("/v1/extract", json={"text": long_text}), 413, "payload_too_large"
    )
    assert "2400" in body["message"] and "2000" in body["message"]
    many = client.post("/v1/extract/batch", json={"texts": ["a"] * 4})
    assert "limit is 3" in assert_error(many, 413, "payload_too_large")["message"]


def test_streamed_body_over_the_limit_is_413(client):
    def chunks():
        for _ in range(20):
            yield b"x" * 1024

    resp = client.post("/v1/extract", content=chunks(), headers={"content-type": "text/plain"})
    assert_error(resp, 413, "payload_too_large")


def test_batch_ids_must_match_texts(client):
    resp = client.post("/v1/extract/batch", json={"texts": ["a", "b"], "doc_ids": ["a"]})
    assert_error(resp, 422, "invalid_input")


def test_unknown_route_and_method_are_json(client):
    assert_error(client.get("/v1/nope"), 404, "not_found")
    assert_error(client.get("/v1/extract"), 405, "method_not_allowed")


def test_api_key_is_required_when_set():
    with make_client(api_key="s3cret") as c:
        assert c.get("/v1/health").status_code == 200  # liveness stays open
        assert_error(c.get("/v1/version"), 401, "unauthorized")
        assert_error(c.post("/v1/extract", json={"text": TEXT}), 401, "unauthorized")
        wrong = c.get("/v1/version", headers={"X-API-Key": "nope"})
        assert_error(wrong, 401, "unauthorized")
        assert c.get("/v1/version", headers={"X-API-Key": "s3cret"}).status_code == 200
        bearer = c.get("/v1/version", headers={"Authorization": "Bearer s3cret"})
        assert bearer.status_code == 200


def test_timeout_gives_504():
    import time

    def slow_loader():
        time.sleep(0.5)
        return blank_nlp()

    settings = ServiceSettings(preload=False, timeout_s=0.1)
    with TestClient(create_app(settings, loader=slow_loader)) as c:
        assert_error(c.post("/v1/extract", json={"text": TEXT}), 504, "timeout")


def test_view_returns_a_self_contained_page(client):
    form = client.get("/v1/view")
    assert form.status_code == 200 and "<form" in form.text
    page = client.post("/v1/view", json={"text": TEXT})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "serum calcium" in page.text
    assert "<script src" not in page.text and "<link" not in page.text


def test_openapi_spec_lists_the_routes(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/v1/extract", "/v1/extract/batch", "/v1/schema", "/v1/health", "/v1/version"):
        assert path in paths, path
    content = paths["/v1/extract"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data", "application/pdf"} <= set(content)
    json.dumps(spec)  # serializable


def test_settings_round_trip_through_the_environment():
    s = ServiceSettings(api_key="k", max_upload_mb=1.5, max_batch=7, preload=False)
    assert ServiceSettings.from_env(s.to_env()) == s
    assert ServiceSettings.from_env({}) == ServiceSettings()


def test_real_pdf_upload_is_extracted(client, tmp_path):
    fixtures = pytest.importorskip("pdf_fixtures", reason="tests/pdf_fixtures.py is absent")
    try:
        path = tmp_path / "journal.pdf"
        fixtures.make_journal_pdf(path, pages=1)
    except Exception as exc:  # noqa: BLE001 - the generator needs fonts; skip without them
        pytest.skip(f"cannot build a test PDF here: {exc}")
    with make_client(max_upload_mb=5) as c:
        files = {"file": ("journal.pdf", path.read_bytes(), "application/pdf")}
        resp = c.post("/v1/extract", files=files, data={"include_text": "1"})
    assert resp.status_code == 200, resp.text[:300]
    doc = resp.json()["document"]
    assert doc["format"] == "pdf" and doc["pages"] >= 1 and doc["source_path"] == "journal.pdf"
    assert doc["text"] and doc["n_chars"] == len(doc["text"])
    odd = pytest.importorskip("pdf_odd_fixtures", reason="tests/pdf_odd_fixtures.py is absent")
    encrypted = odd.make_encrypted_pdf(tmp_path / "locked.pdf")
    with make_client(max_upload_mb=5) as c:
        files = {"file": ("locked.pdf", encrypted.read_bytes(), "application/pdf")}
        assert_error(c.post("/v1/extract", files=files), 422, "invalid_input")
