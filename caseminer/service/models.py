"""Request and response bodies of the HTTP API (they document themselves in the OpenAPI spec)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from caseminer.schema import CaseReport
from caseminer.service.errors import ErrorResponse


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExtractRequest(_Body):
    """One case report as text."""

    text: str = Field(min_length=1, description="The case report text (UTF-8).")
    doc_id: str | None = Field(None, max_length=200, description="Id to put in document.id.")
    include_text: bool = Field(False, description="Return the source text the offsets index.")


class BatchRequest(_Body):
    """Several case reports as texts; the reports come back in the same order."""

    texts: list[str] = Field(min_length=1, description="Case report texts.")
    doc_ids: list[str] | None = Field(
        None, description="Ids for document.id, one per text (default text-0, text-1, ...)."
    )
    include_text: bool = Field(False, description="Return each source text.")


class BatchResponse(_Body):
    """One result per input text, in input order: its report, or an error object for that text.

    Why not fail the whole batch: one empty or oversized text should not cost the other reports.
    An error object has the shape of an HTTP error body ({"error": {status, code, message}}).
    """

    reports: list[CaseReport | ErrorResponse] = Field(
        description="Per text, in order: a CaseReport, or {error: {status, code, message}}."
    )
    failed: int = Field(0, description="How many texts got an error object instead of a report.")


class Health(_Body):
    """Liveness and readiness."""

    status: str = Field(description="'ok' when the service answers.")
    pipeline_loaded: bool = Field(description="Whether this worker has built its pipeline.")
    pending: int = Field(description="Requests waiting for or running in the pipeline.")


class Version(_Body):
    """What this service runs."""

    caseminer: str = Field(description="caseminer version.")
    schema_version: str = Field(description="Output JSON schema version.")
    terminologies: dict[str, str] = Field(
        description="Terminology packages and their versions (ICD-10-CM, HPO, ...)."
    )
    libraries: dict[str, str] = Field(description="NLP libraries and their versions.")
