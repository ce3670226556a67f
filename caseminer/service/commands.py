"""`caseminer serve` and `caseminer show`, as plain functions the CLI registers.

Importing this module is cheap: FastAPI, uvicorn and the pipeline are imported inside the
functions, so `caseminer --help` does not pay for them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer


def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind. Keep 127.0.0.1 unless behind a proxy.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes; each loads its own pipeline.")
    ] = 1,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="CASEMINER_API_KEY",
            help="Require this key in the X-API-Key header (env CASEMINER_API_KEY).",
            show_default=False,
        ),
    ] = None,
    max_upload_mb: Annotated[float, typer.Option(help="Largest request body, in MB.")] = 20.0,
    max_text_chars: Annotated[int, typer.Option(help="Longest text per document.")] = 500_000,
    max_batch: Annotated[int, typer.Option(help="Most texts per batch request.")] = 32,
    timeout: Annotated[float, typer.Option(help="Seconds before a request gets a 504.")] = 120.0,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the HTTP API (POST /v1/extract, /v1/extract/batch, GET /v1/view, /docs).

    Example:

      caseminer serve --port 8000

      curl -s localhost:8000/v1/extract -H 'content-type: application/json' -d '{"text": "..."}'

      curl -s -F file=@case.pdf localhost:8000/v1/extract
    """
    try:
        import uvicorn

        import caseminer.service.app  # noqa: F401 - fail early if fastapi is missing
    except ImportError as exc:
        typer.echo(
            f"error: the service needs its extra: pip install 'caseminer[service]' ({exc})",
            err=True,
        )
        raise typer.Exit(code=2) from None
    from caseminer.service.settings import ServiceSettings

    if host not in ("127.0.0.1", "localhost", "::1") and not api_key:
        typer.echo(f"warning: binding {host} without --api-key: anyone who can reach it can use it")
    settings = ServiceSettings(
        api_key=api_key or None,
        max_upload_mb=max_upload_mb,
        max_text_chars=max_text_chars,
        max_batch=max_batch,
        timeout_s=timeout,
    )
    os.environ.update(settings.to_env())  # each uvicorn worker rebuilds the settings from these
    uvicorn.run(
        "caseminer.service.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        timeout_graceful_shutdown=10,
    )


def _load_report(path: Path):
    """A report for the page: a CaseReport .json as is, anything else extracted with its text."""
    from caseminer import api
    from caseminer.schema import CaseReport

    if path.suffix.lower() == ".json":
        report = CaseReport.model_validate(json.loads(path.read_text(encoding="utf-8")))
        source = report.document.source_path
        if report.document.text is None and source and Path(source).exists():
            from caseminer.readers import read_path

            report.document.text = read_path(source).text
        return report
    return api.extract_file(path, include_text=True)


def show(
    input: Annotated[
        Path,
        typer.Argument(
            help="A case report (.txt, .md, .pdf) or a caseminer JSON output.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the HTML page.")
    ] = Path("report.html"),
) -> None:
    """Render one report as a self-contained HTML review page (works offline).

    Example:

      caseminer show case.txt -o report.html

      caseminer show case.json -o report.html     # a saved extract output
    """
    from pydantic import ValidationError

    from caseminer.readers import ReadError
    from caseminer.review import render_html

    try:
        report = _load_report(input)
    except ReadError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    except (OSError, ValueError, ValidationError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        typer.echo(f"error: {input}: not a caseminer report ({reason})", err=True)
        raise typer.Exit(code=2) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_html(report), encoding="utf-8")
    typer.echo(f"review page written to {output}")
