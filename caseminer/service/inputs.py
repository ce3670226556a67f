"""HTTP request body -> SourceText: JSON {text}, text/plain, a PDF, or a multipart upload.

Uploads are written to a temporary file and read with caseminer.readers.read_path, so the service
reads files exactly as the CLI does (same decoding fallbacks, same PDF reader, same ReadErrors).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from fastapi import Request
from pydantic import ValidationError

from caseminer.readers import ReadError, SourceText, read_path
from caseminer.service.errors import ServiceError, validation_details, validation_message
from caseminer.service.models import ExtractRequest
from caseminer.service.settings import ServiceSettings

TEXT_SUFFIXES = (".txt", ".text", ".md")
PDF_MAGIC = b"%PDF-"
TEXT_TYPES = ("text/plain", "text/markdown")
PDF_TYPES = ("application/pdf", "application/x-pdf")


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _suffix_for(filename: str | None, content_type: str | None, data: bytes) -> str:
    """Which reader to use: the PDF magic bytes win, then the file suffix, then the media type."""
    if data.startswith(PDF_MAGIC):
        return ".pdf"
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".pdf" or suffix in TEXT_SUFFIXES:
        return suffix
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in PDF_TYPES:
        return ".pdf"
    if ctype in TEXT_TYPES or not suffix:
        return ".txt"
    raise ServiceError(
        415, f"unsupported file type {suffix!r}: send .txt, .md or .pdf (or JSON {{'text': ...}})"
    )


def read_upload(data: bytes, filename: str | None, content_type: str | None) -> SourceText:
    """Read uploaded bytes through the file readers. 415 for an unknown type, 422 if unreadable."""
    suffix = _suffix_for(filename, content_type, data)
    name = Path(filename or "upload").name or "upload"
    with tempfile.TemporaryDirectory(prefix="caseminer-upload-") as tmp:
        path = Path(tmp) / (Path(name).stem[:100] + suffix)
        path.write_bytes(data)
        try:
            source = read_path(path)
        except ReadError as exc:
            raise ServiceError(422, f"{name}: {exc.reason}") from None
        except ImportError as exc:
            raise ServiceError(415, f"{name}: PDF support is not available ({exc})") from None
    # The temp path means nothing to the caller: report the uploaded name instead.
    return SourceText(
        text=source.text,
        format=source.format,
        path=name,
        page_starts=source.page_starts,
        warnings=source.warnings,
        blocks=source.blocks,
    )


def check_length(text: str, settings: ServiceSettings, what: str = "text") -> None:
    if len(text) > settings.max_text_chars:
        raise ServiceError(
            413, f"{what} has {len(text)} characters; the limit is {settings.max_text_chars}"
        )
    if not text.strip():
        raise ServiceError(422, f"{what} is empty")


def parse_json(raw: bytes, model: type):
    """Validate a JSON body with pydantic: 422 with pydantic's message when it does not fit."""
    try:
        return model.model_validate_json(raw or b"null")
    except ValidationError as exc:
        details = validation_details(list(exc.errors()))
        for d in details:
            d["loc"] = ["body", *d.get("loc", ())]
        raise ServiceError(422, validation_message(details), details) from None


async def read_source(
    request: Request, settings: ServiceSettings
) -> tuple[SourceText, str | None, bool]:
    """The document of an extract/view request and its (doc_id, include_text) options."""
    ctype = media_type(request)
    if ctype == "application/json":
        body = parse_json(await request.body(), ExtractRequest)
        check_length(body.text, settings)
        return SourceText(text=body.text, format="string"), body.doc_id, body.include_text
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return await _read_form(request, settings)
    if ctype in TEXT_TYPES or ctype in PDF_TYPES:
        source = await asyncio.to_thread(read_upload, await request.body(), None, ctype)
        check_length(source.text, settings)
        include = request.query_params.get("include_text", "").lower() in {"1", "true", "yes"}
        return source, request.query_params.get("doc_id") or None, include
    raise ServiceError(
        415,
        f"unsupported content type {ctype or '(none)'!r}: send application/json, "
        "multipart/form-data, text/plain or application/pdf",
    )


async def _read_form(request: Request, settings: ServiceSettings):
    try:
        form = await request.form(max_files=1, max_fields=10)
    except ServiceError:
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed multipart body is the client's error
        if getattr(exc, "status_code", None) == 413:
            raise
        raise ServiceError(400, f"malformed form body: {exc}") from None
    doc_id = form.get("doc_id")
    include = str(form.get("include_text") or "").lower() in {"1", "true", "yes", "on"}
    upload = form.get("file")
    text = form.get("text")
    if (
        upload is not None
        and not isinstance(upload, str)
        and not upload.filename
        and not upload.size
    ):
        upload = None  # a browser form sends an empty file part when no file was chosen
    if upload is not None and not isinstance(upload, str):
        data = await upload.read()
        source = await asyncio.to_thread(read_upload, data, upload.filename, upload.content_type)
    elif isinstance(text, str) and text.strip():
        source = SourceText(text=text, format="string")
    else:
        raise ServiceError(422, "form needs a 'file' upload or a non-empty 'text' field")
    check_length(source.text, settings)
    return source, (doc_id if isinstance(doc_id, str) and doc_id else None), include
