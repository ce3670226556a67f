"""Issue 15's service points: /docs works offline, a batch answers per item, /v1/view with a key."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
pytest.importorskip("multipart")

from test_service import make_client  # noqa: E402

from caseminer.service import docs as service_docs  # noqa: E402

EXTERNAL = re.compile(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
LINKS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def _no_external_url(html: str) -> None:
    assert not EXTERNAL.search(html), EXTERNAL.search(html).group(0)


def test_docs_page_and_its_assets_come_from_the_service():
    with make_client() as client:
        resp = client.get("/docs")
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
        _no_external_url(resp.text)
        assert "/openapi.json" in resp.text
        if service_docs.swagger_ui_dir() is None:
            pytest.skip("swagger-ui-bundle-v2 is not installed: the fallback page is tested below")
        links = LINKS.findall(resp.text)
        assert any(link.endswith("swagger-ui-bundle.js") for link in links)
        for link in links:
            asset = client.get(link)
            assert asset.status_code == 200 and asset.content, link
        assert client.get("/docs/assets/package.json").status_code == 404
        assert client.get("/redoc").status_code == 404  # ReDoc's page would load from a CDN


def test_docs_without_swagger_ui_is_a_self_contained_page(monkeypatch):
    monkeypatch.setattr(service_docs, "swagger_ui_dir", lambda: None)
    with make_client() as client:
        resp = client.get("/docs")
    assert resp.status_code == 200
    _no_external_url(resp.text)
    assert 'fetch("/openapi.json")' in resp.text and "<script src" not in resp.text


def test_batch_with_a_bad_text_answers_200_with_a_result_per_item():
    with make_client(max_text_chars=50) as client:
        texts = ["Calcium 11.9 mg/dL.", "", "x" * 60, "Sodium 137 mEq/L."]
        resp = client.post(
            "/v1/extract/batch", json={"texts": texts, "doc_ids": ["a", "b", "c", "d"]}
        )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    results = body["reports"]
    assert len(results) == 4 and body["failed"] == 2
    assert [r["document"]["id"] for r in (results[0], results[3])] == ["a", "d"]
    assert results[3]["document"]["n_chars"] == len(texts[3])
    empty, long = results[1]["error"], results[2]["error"]
    assert (empty["status"], empty["code"]) == (422, "invalid_input")
    assert empty["message"] == "texts[1] is empty"
    assert (long["status"], long["code"]) == (413, "payload_too_large") and "50" in long["message"]


def test_batch_default_ids_follow_the_input_positions():
    with make_client() as client:
        resp = client.post("/v1/extract/batch", json={"texts": ["", "Calcium 11.9 mg/dL."]})
    results = resp.json()["reports"]
    assert "error" in results[0] and results[1]["document"]["id"] == "text-1"


def test_view_form_takes_the_key_and_sends_it_as_the_header():
    with make_client(api_key="s3cret") as client:
        form = client.get("/v1/view")  # a browser's GET carries no header: the page must load
        assert form.status_code == 200, form.text
        html = form.text
        _no_external_url(html)
        assert 'type="password" id="api-key"' in html
        assert '"X-API-Key": keyInput.value' in html and "localStorage" not in html
        assert "s3cret" not in html
        data = {"text": "Calcium 11.9 mg/dL."}
        empty_file = {"file": ("", b"", "application/octet-stream")}  # no file chosen
        assert client.post("/v1/view", data=data, files=empty_file).status_code == 401
        resp = client.post("/v1/view", data=data, files=empty_file, headers={"X-API-Key": "s3cret"})
        assert resp.status_code == 200 and "<html" in resp.text.lower()


def test_view_form_without_a_key_is_a_plain_form():
    with make_client() as client:
        html = client.get("/v1/view").text
    assert 'id="api-key"' not in html and "<script" not in html
    assert 'action="/v1/view"' in html


NODE_HARNESS = """
const elements = {
  view: { action: "/v1/view", addEventListener(type, fn) { this.submit = fn; } },
  status: { textContent: "" },
  result: { srcdoc: "", hidden: true },
  "api-key": { value: "s3cret" },
};
globalThis.document = { getElementById: (id) => elements[id] };
globalThis.FormData = class {
  constructor() { this.m = new Map([["text", "Calcium 11.9 mg/dL."], ["file", { size: 0 }]]); }
  get(k) { return this.m.get(k); }
  delete(k) { this.m.delete(k); }
};
const calls = [];
const answers = [
  { ok: false, status: 401, body: '{"error": {"message": "missing or wrong API key"}}' },
  { ok: true, status: 200, body: "<html>the review page</html>" },
];
globalThis.fetch = (url, opts) => {
  calls.push({ url, key: opts.headers["X-API-Key"], file: opts.body.m.has("file") });
  const a = answers.shift();
  return Promise.resolve({ ok: a.ok, status: a.status, text: () => Promise.resolve(a.body) });
};
SCRIPT
const seen = [];
elements.view.submit({ preventDefault() {} });
setTimeout(() => {
  seen.push(elements.status.textContent);
  elements.view.submit({ preventDefault() {} });
  setTimeout(() => {
    console.log(JSON.stringify({ calls, seen, srcdoc: elements.result.srcdoc,
                                 hidden: elements.result.hidden }));
  }, 20);
}, 20);
"""


def test_view_form_script_sends_the_key_header_and_shows_the_page(tmp_path):
    """The page's script, run in node with a stand-in DOM: key in the header, errors shown."""
    import json
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    from caseminer.service.view_form import render_view_form

    html = render_view_form(key_required=True)
    script = html.split("<script>", 1)[1].split("</script>", 1)[0]
    harness = tmp_path / "harness.js"
    harness.write_text(NODE_HARNESS.replace("SCRIPT", script), encoding="utf-8")
    run = subprocess.run([node, str(harness)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["calls"] == [{"url": "/v1/view", "key": "s3cret", "file": False}] * 2
    assert result["seen"] == ["401: missing or wrong API key"]
    assert result["srcdoc"] == "<html>the review page</html>" and result["hidden"] is False
