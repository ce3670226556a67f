"""The `caseminer` command line: thin wrappers around the Python API.

Exit codes: 0 all good, 1 some inputs failed (a batch goes on past them), 2 usage or unreadable
single input (one line on stderr naming the file and the reason).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from caseminer._version import __version__

app = typer.Typer(
    name="caseminer",
    help=(
        "Extract lab values, imaging studies, diagnoses and procedures from clinical case reports "
        "into validated JSON.\n\n"
        "Examples:\n\n"
        "  caseminer demo\n\n"
        "  caseminer extract case.txt > case.json\n\n"
        "  caseminer extract reports/ -o out/\n\n"
        "  caseminer schema -o caseminer.schema.json"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
)


def make_console(*, stderr: bool = False) -> Console:
    """A console that never wraps messages when its output is not a terminal.

    Why: piped to a file or a CI log, rich assumes 80 columns and splits a long line
    ("(stage:\nread)"), which breaks grep and log parsers; on a terminal the terminal wraps.
    """
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, soft_wrap=True, width=max(console.width, 240))
    return console


def _flags_take_no_value() -> None:
    """Show no type after a flag in the help: Typer 0.2x prints `--include-text <bool>`.

    Why: `<bool>` reads as "give a value", and `--include-text true` then silently becomes an
    input named "true". A flag takes no value, so its help shows none (every command, including
    the ones other modules register). Older Typers have no such method and need nothing.
    """
    from typer import core

    original = getattr(core.TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_caseminer_flags", False):
        return

    def display_type_rich(self, ctx):  # type: ignore[no-untyped-def]
        return None if getattr(self, "is_flag", False) else original(self, ctx)

    display_type_rich._caseminer_flags = True  # type: ignore[attr-defined]
    core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_take_no_value()
err = make_console(stderr=True)
BOOL_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0"}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"caseminer {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """caseminer: clinical case reports in, validated JSON out."""


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


@app.command()
def extract(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files (.pdf, .txt, .md), folders (searched recursively) or fsspec URLs "
            "(s3://, gs://); '-' reads text from standard input.",
            show_default=False,
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder (or fsspec URL) for OUT/<stem>.json per input, the resumable "
            "OUT/_manifest.jsonl and OUT/_summary.json. Without it: JSON on stdout "
            "(one object for one input, JSON Lines for several).",
        ),
    ] = None,
    include_text: Annotated[
        bool,
        typer.Option(
            "--include-text/--no-include-text", help="Add the source text the offsets point into."
        ),
    ] = False,
    indent: Annotated[int, typer.Option(help="JSON indentation (0 for compact).")] = 2,
    workers: Annotated[
        int, typer.Option(help="Worker processes (dask: LocalCluster workers); 0 = CPU count.")
    ] = 0,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", help="Only inputs matching this glob (repeatable)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Skip inputs matching this glob (repeatable)."),
    ] = None,
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help="Outputs, comma-separated or repeated: json (one file per document, the "
            "default), jsonl, parquet, duckdb (tables).",
        ),
    ] = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed/--no-retry-failed", help="Re-run inputs that failed in an earlier run."
        ),
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per file (0: no limit).")] = 300.0,
    max_memory: Annotated[
        int, typer.Option("--max-memory", help="Memory ceiling per worker in MB (0: none).")
    ] = 4096,
    engine: Annotated[
        str, typer.Option(help="local (worker processes) or dask (a dask.distributed cluster).")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (default: LocalCluster)."),
    ] = None,
    as_format: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Export as phenopacket (GA4GH Phenopacket v2) or fhir (FHIR R4 Bundle): printed "
            "instead of the caseminer JSON; with -o written as OUT/<stem>.phenopacket.json or "
            "OUT/<stem>.fhir.json next to it (pip install 'caseminer[interop]').",
        ),
    ] = None,
) -> None:
    """Extract one report, or every report in a folder (resumable, parallel, never stops).

    Examples:

      caseminer extract case.txt                  # JSON on stdout

      caseminer extract reports/ -o out/          # out/<stem>.json per input + out/_manifest.jsonl

      caseminer extract reports/ -o out/ --format json,parquet,duckdb --workers 4

      caseminer extract reports/ -o out/ --retry-failed     # resume, retrying failures

      caseminer extract s3://bucket/pdfs -o s3://bucket/out --engine dask --scheduler tcp://h:8786

      cat case.txt | caseminer extract -          # from standard input

      caseminer extract case.txt --as phenopacket # GA4GH Phenopacket v2 (or --as fhir)

    Exit codes: 0 all good, 1 some files failed (listed with reasons), 2 usage, 130 interrupted.
    """
    from caseminer import api
    from caseminer.batch.run import OUTPUT_FORMATS, BatchOptions, discover, run_batch, stream_jsonl
    from caseminer.interop import InteropUnavailable, check_available, dumps
    from caseminer.readers import ReadError, SourceText

    dump_indent = indent or None
    if as_format is not None:
        try:
            check_available(as_format)
        except (ValueError, InteropUnavailable) as exc:
            from rich.markup import escape  # the message holds 'caseminer[interop]'

            raise _fail(escape(str(exc))) from None
    if inputs == ["-"]:
        text = sys.stdin.read()
        if not text.strip():
            raise _fail("<stdin>: empty input")
        report = api.extract(
            SourceText(text=text, format="string"), doc_id="stdin", include_text=include_text
        )
        typer.echo(dumps(report, as_format, dump_indent))
        return
    formats = split_formats(formats)
    unknown = [f for f in formats if f not in OUTPUT_FORMATS]
    if unknown:
        raise _fail(f"unknown --format {', '.join(unknown)} (expected {', '.join(OUTPUT_FORMATS)})")
    if engine not in ("local", "dask"):
        raise _fail(f"unknown --engine {engine} (expected local or dask)")
    try:
        files, single = discover(inputs, include or (), exclude or ())
    except (ReadError, RuntimeError) as exc:
        raise _fail(_with_flag_hint(str(exc), inputs)) from None
    if output is None:
        if single:
            try:
                report = api.extract_file(files[0], include_text=include_text)
            except ReadError as exc:
                raise _fail(str(exc)) from None
            typer.echo(dumps(report, as_format, dump_indent))
            return
        failed = 0
        for _location, result in stream_jsonl(files, include_text=include_text, workers=workers):
            if isinstance(result, ReadError):
                failed += 1
                err.print(f"failed: {result}", highlight=False)
            else:
                typer.echo(dumps(result, as_format, None))
        raise typer.Exit(code=1 if failed else 0)
    options = BatchOptions(
        include_text=include_text,
        indent=dump_indent,
        workers=workers,
        formats=formats,
        retry_failed=retry_failed,
        timeout_s=timeout or None,
        max_memory_mb=max_memory or None,
        engine=engine,
        scheduler=scheduler,
        exports=(as_format,) if as_format else (),
    )
    try:
        summary = run_batch(files, output, options, console=err)
    except (ImportError, RuntimeError) as exc:
        raise _fail(str(exc)) from None
    err.print(summary.line(), highlight=False)
    if summary.interrupted:
        raise typer.Exit(code=130)
    if summary.failed:
        raise typer.Exit(code=1)


def split_formats(values: list[str] | None) -> list[str]:
    """`-f json,parquet -f duckdb` -> ["json", "parquet", "duckdb"] (lower case, no repeats)."""
    parts = [p.strip().lower() for v in values or ["json"] for p in v.split(",")]
    return list(dict.fromkeys(p for p in parts if p))


def _with_flag_hint(message: str, inputs: list[str]) -> str:
    """Add a hint when a missing 'input' is a boolean word meant as a flag's value."""
    words = [i for i in inputs if i.lower() in BOOL_WORDS and not Path(i).exists()]
    if not words:
        return message
    return (
        f"{message} (flags take no value: write --include-text or --no-include-text, "
        f"not --include-text {words[0]})"
    )


@app.command()
def summary(
    output: Annotated[
        str, typer.Argument(help="The OUT folder of a `caseminer extract ... -o OUT` run.")
    ],
    top: Annotated[int, typer.Option(help="How many analytes and diagnoses to list.")] = 10,
    all_subjects: Annotated[
        bool,
        typer.Option(
            "--all-subjects/--patient-only",
            help="Count every fact, also those about the literature or family members "
            "(default: only the patient's, subject 'patient').",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Counts per fact type and the top analytes and diagnoses across a batch output.

    Only the patient's facts are counted (a lab value quoted from the literature is not the
    patient's); --all-subjects counts every fact.

    Example:

      caseminer summary out/

      caseminer summary out/ --all-subjects --json
    """
    from caseminer.batch.summary import render_summary, summarize

    try:
        result = summarize(output, top=top, all_subjects=all_subjects)
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        render_summary(result, make_console())


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of caseminer's output.

    Example:

      caseminer schema -o caseminer.schema.json
    """
    from caseminer.schema import json_schema

    text = json.dumps(json_schema(), indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"schema written to {output}")
    else:
        typer.echo(text)


@app.command()
def demo(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the demo JSON.")
    ] = Path("caseminer-demo"),
) -> None:
    """Extract the bundled example case report and show what was found.

    Example:

      caseminer demo -o /tmp/demo
    """
    from importlib.resources import files

    from caseminer import api
    from caseminer.readers import SourceText
    from caseminer.summary import render_report

    res = files("caseminer") / "data" / "example_case.txt"
    text = res.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    nlp = api.default_nlp()
    load_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    source = SourceText(text=text, format="txt", path=str(res))
    report = api.extract(source, nlp=nlp, include_text=True)
    seconds = time.perf_counter() - t0
    output.mkdir(parents=True, exist_ok=True)
    out = output / "example_case.json"
    out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    console = Console()
    render_report(report, console)
    console.print(
        f"\nPipeline loaded in {load_seconds:.2f} s, report extracted in {seconds:.2f} s. "
        f"JSON written to [bold]{out}[/]"
    )


@app.command()
def evaluate(
    gold: Annotated[
        Path,
        typer.Argument(
            help="Gold: a MACCROBAT-style .jsonl, a brat folder (NAME.txt + NAME.ann), or a "
            "folder of corpora/*.gold.json.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the Markdown report here.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the scores as JSON instead of tables.")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N documents.")] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Also write the lenient F1s as a ratchet baseline."),
    ] = None,
) -> None:
    """Score caseminer against annotated case reports (always exits 0: a measuring tool).

    Example:

      caseminer evaluate ../shared/corpora/external/maccrobat2020_dev.jsonl -o report.md
    """
    from rich.table import Table

    from caseminer.evaluate import evaluate as run_evaluation
    from caseminer.evaluate.report import render_markdown

    if not gold.exists():
        raise _fail(f"{gold}: no such file or folder")
    t0 = time.perf_counter()
    try:
        result = run_evaluation(gold, limit=limit)
    except (FileNotFoundError, ValueError) as exc:  # unreadable gold: a usage error, not a score
        raise _fail(f"{gold}: {exc}") from None
    seconds = time.perf_counter() - t0
    if output:
        output.write_text(render_markdown(result), encoding="utf-8")
    if write_baseline:
        from caseminer.evaluate import write_baseline as _write_baseline

        _write_baseline(result, write_baseline)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    table = Table(title=f"caseminer evaluate {gold.name} ({seconds:.1f} s)")
    for col in (
        "category",
        "strict P",
        "strict R",
        "strict F1",
        "lenient P",
        "lenient R",
        "lenient F1",
        "gold",
        "pred",
    ):
        table.add_column(col, justify="left" if col == "category" else "right")
    for row in result.summary_rows():
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
    Console().print(table)
    if output:
        err.print(f"report written to {output}")


from caseminer.service.commands import serve, show  # noqa: E402  (cheap: no fastapi import)
from caseminer.terminology.commands import lookup, vocab_build, vocab_info  # noqa: E402

app.command()(serve)
app.command()(show)
app.command()(lookup)
vocab_app = typer.Typer(
    help="The offline terminology cache (ICD-10-CM, HPO, OMIM, ORPHA) behind diagnosis codes.",
    no_args_is_help=True,
)
vocab_app.command("build")(vocab_build)
vocab_app.command("info")(vocab_info)
app.add_typer(vocab_app, name="vocab")


if __name__ == "__main__":  # pragma: no cover
    app()
