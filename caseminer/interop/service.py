"""`/v1/extract?as=phenopacket|fhir`: the service side of the exports.

Kept here, not in the routes, so the route only gains a query parameter: the check runs before the
pipeline (a wrong format or a missing extra costs no extraction), and the answer is a plain
JSONResponse because the route's response model is the CaseReport.
"""

from __future__ import annotations

from typing import Any

from caseminer.interop import FORMATS, InteropUnavailable, check_available, export
from caseminer.schema import CaseReport
from caseminer.service.errors import ErrorResponse, ServiceError

RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorResponse,
        "description": f"Unknown `as` (expected {' or '.join(FORMATS)}).",
    },
    501: {
        "model": ErrorResponse,
        "description": "The export library is missing: pip install 'caseminer[interop]'.",
    },
}


def check_export(fmt: str | None) -> None:
    """400 for an unknown format, 501 when the reference library is not installed."""
    if fmt is None:
        return
    try:
        check_available(fmt)
    except ValueError as exc:
        raise ServiceError(400, str(exc)) from None
    except InteropUnavailable as exc:
        message = str(exc).replace(f"--as {fmt}", f"as={fmt}", 1)
        raise ServiceError(501, message) from None


def export_response(report: CaseReport, fmt: str | None) -> Any:
    """The report itself (fmt None) or its export as a JSONResponse."""
    if fmt is None:
        return report
    from fastapi.responses import JSONResponse

    return JSONResponse(export(report, fmt))
