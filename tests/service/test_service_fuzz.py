"""Fuzz the service against its own OpenAPI spec: no input may produce a 500.

Bodies are drawn from each operation's request schema (a small JSON-Schema-to-hypothesis
translation below: hypothesis-jsonschema does not work with current hypothesis), from arbitrary
JSON, and from arbitrary bytes under every declared media type. Every answer must be
a 2xx with a valid CaseReport, or a 4xx/503/504 with the JSON error shape.
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

import spacy  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from caseminer.nlp.extensions import register_extensions  # noqa: E402
from caseminer.schema import CaseReport  # noqa: E402
from caseminer.service.app import create_app  # noqa: E402
from caseminer.service.settings import ServiceSettings  # noqa: E402


def _blank():
    register_extensions()
    return spacy.blank("en")


APP = create_app(
    ServiceSettings(preload=False, max_upload_mb=0.05, max_text_chars=5000), loader=_blank
)
CLIENT = TestClient(APP, raise_server_exceptions=False)
SPEC = APP.openapi()
FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def operations() -> list[tuple[str, str, str, dict]]:
    """(path, method, media type, schema) for every request body the spec declares."""
    ops = []
    for path, methods in SPEC["paths"].items():
        for method, op in methods.items():
            content = (op.get("requestBody") or {}).get("content") or {}
            for media, body in content.items():
                ops.append((path, method, media, body.get("schema") or {}))
    return ops


OPS = operations()
JSON_OPS = [op for op in OPS if op[2] == "application/json"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def from_schema(schema: dict) -> st.SearchStrategy:
    """Values that (mostly) fit a JSON Schema: the subset pydantic emits for request bodies."""
    if "anyOf" in schema:
        return st.one_of([from_schema(s) for s in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "string":
        return st.text(
            min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 300), 300)
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers()
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(
            from_schema(schema.get("items", {})), min_size=schema.get("minItems", 0), max_size=6
        )
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: from_schema(v) for k, v in props.items() if k in required},
            optional={k: from_schema(v) for k, v in props.items() if k not in required},
        )
    return json_values


def check(resp) -> None:
    assert resp.status_code < 500 or resp.status_code in (503, 504), resp.text[:500]
    ctype = resp.headers.get("content-type", "")
    if resp.status_code >= 400:
        assert ctype.startswith("application/json"), ctype
        err = resp.json()["error"]
        assert err["status"] == resp.status_code and err["message"]
    elif ctype.startswith("application/json"):
        body = resp.json()
        for report in body.get("reports", [body] if "document" in body else []):
            if "error" in report:  # a batch item that could not be extracted
                assert 400 <= report["error"]["status"] < 500 and report["error"]["message"]
            else:
                CaseReport.model_validate(report)


def test_spec_declares_bodies():
    assert {op[0] for op in JSON_OPS} >= {"/v1/extract", "/v1/extract/batch"}


def test_every_get_route_answers():
    for path, methods in SPEC["paths"].items():
        if "get" in methods:
            resp = CLIENT.get(path)
            assert resp.status_code == 200, path


@pytest.mark.parametrize(("path", "method", "media", "schema"), JSON_OPS)
def test_schema_conforming_bodies_never_500(path, method, media, schema):
    @FUZZ
    @given(body=from_schema(schema))
    def run(body):
        check(CLIENT.request(method.upper(), path, json=body))

    run()


@pytest.mark.parametrize(("path", "method", "media", "schema"), JSON_OPS)
def test_arbitrary_json_never_500(path, method, media, schema):
    @FUZZ
    @given(body=json_values)
    def run(body):
        check(CLIENT.request(method.upper(), path, json=body))

    run()


@pytest.mark.parametrize(("path", "method", "media", "schema"), OPS)
def test_arbitrary_bytes_never_500(path, method, media, schema):
    @FUZZ
    @given(data=st.binary(max_size=300), ctype=st.sampled_from([media, "", "text/html"]))
    def run(data, ctype):
        headers = {"content-type": ctype} if ctype else {}
        check(CLIENT.request(method.upper(), path, content=data, headers=headers))

    run()


@FUZZ
@given(
    name=st.text(max_size=30),
    data=st.binary(max_size=200),
    ctype=st.sampled_from(["text/plain", "application/pdf", "application/octet-stream", ""]),
)
def test_arbitrary_uploads_never_500(name, data, ctype):
    files = {"file": (name or "upload", data, ctype or None)}
    check(CLIENT.post("/v1/extract", files=files))
