"""One JSON error shape for every 4xx/5xx: {"error": {"status", "code", "message", "details"}}.

Clients in any language can branch on `code` and show `message`; `details` carries the pydantic
error list for a 422 so the caller sees which field was wrong and why.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("caseminer.service")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal_error",
    501: "not_implemented",
    503: "busy",
    504: "timeout",
}


class ErrorBody(BaseModel):
    """What went wrong."""

    status: int = Field(description="HTTP status code.")
    code: str = Field(description="Stable machine-readable code, e.g. 'payload_too_large'.")
    message: str = Field(description="One line for people: what was expected and what was found.")
    details: list[Any] = Field(default_factory=list, description="Pydantic errors for a 422.")


class ErrorResponse(BaseModel):
    """Every error response has this shape."""

    error: ErrorBody


class ServiceError(Exception):
    """An error raised by a route with its status and message (becomes an ErrorResponse)."""

    def __init__(self, status: int, message: str, details: list[Any] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []


def error_object(status: int, message: str) -> ErrorResponse:
    """The error body as a model, for a failed item inside a 200 answer (batch results)."""
    return ErrorResponse(
        error=ErrorBody(status=status, code=CODES.get(status, "error"), message=message)
    )


def error_response(
    status: int, message: str, details: list[Any] | None = None, headers: dict | None = None
) -> JSONResponse:
    body = ErrorBody(
        status=status,
        code=CODES.get(status, "error"),
        message=message,
        details=jsonable_encoder(details or []),
    )
    return JSONResponse({"error": body.model_dump()}, status_code=status, headers=headers)


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors without the parts that are not JSON (ctx exceptions) or are noise (url)."""
    out = []
    for err in errors:
        item = {k: v for k, v in err.items() if k in {"type", "loc", "msg"}}
        if "input" in err and isinstance(err["input"], str | int | float | bool | None):
            value = err["input"]
            item["input"] = value[:200] if isinstance(value, str) else value
        out.append(item)
    return out


def validation_message(details: list[dict[str, Any]]) -> str:
    """The first pydantic message, with its location: 'body.text: Field required'."""
    if not details:
        return "invalid request"
    first = details[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    return f"{loc}: {first.get('msg', 'invalid value')}" if loc else str(first.get("msg"))


def install_handlers(app: FastAPI) -> None:
    """Route every error, including unexpected ones, through `error_response`."""

    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        return error_response(422, validation_message(details), details)

    @app.exception_handler(PydanticValidationError)
    async def _pydantic_validation(_: Request, exc: PydanticValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        return error_response(422, validation_message(details), details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, f"internal error: {type(exc).__name__}")
