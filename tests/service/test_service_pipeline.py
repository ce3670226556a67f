"""The service with the real pipeline on the seed report (slow: builds the pipeline once)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from caseminer.service.app import create_app  # noqa: E402
from caseminer.service.settings import ServiceSettings  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(nlp):
    app = create_app(ServiceSettings(preload=True), loader=lambda: nlp)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_seed_labs_come_back_with_source_offsets(client, seed_text):
    resp = client.post("/v1/extract", json={"text": seed_text, "doc_id": "seed"})
    assert resp.status_code == 200, resp.text[:300]
    report = resp.json()
    assert report["document"]["id"] == "seed"
    calcium = [lab for lab in report["labs"] if lab["analyte"] == "Calcium"]
    assert calcium and calcium[0]["value"] == pytest.approx(7.8)
    for kind in ("labs", "imaging", "diagnoses", "procedures"):
        for item in report[kind]:
            assert seed_text[item["start"] : item["end"]] == item["text"], (kind, item["text"])


def test_seed_upload_and_view_agree_with_json(client, seed_text):
    up = client.post("/v1/extract", files={"file": ("seed.txt", seed_text.encode(), "text/plain")})
    js = client.post("/v1/extract", json={"text": seed_text})
    assert up.status_code == js.status_code == 200
    assert [lab["text"] for lab in up.json()["labs"]] == [lab["text"] for lab in js.json()["labs"]]
    page = client.post("/v1/view", json={"text": seed_text})
    assert page.status_code == 200 and 'data-target="lab-0"' in page.text
