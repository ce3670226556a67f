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
err = Console(stderr=True)


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
        list[Path],
        typer.Argument(
            help="Files (.txt, .md) or folders to extract; '-' reads text from standard input.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for one OUT/<stem>.json per input. Without it: JSON on stdout "
            "(one object for one input, JSON Lines for several).",
        ),
    ] = None,
    include_text: Annotated[
        bool, typer.Option("--include-text", help="Add the source text the offsets point into.")
    ] = False,
    indent: Annotated[int, typer.Option(help="JSON indentation (0 for compact).")] = 2,
    workers: Annotated[int, typer.Option(help="Worker processes for many inputs.")] = 1,
) -> None:
    """Extract one report, or every report in a folder.

    Examples:

      caseminer extract case.txt                  # JSON on stdout

      caseminer extract reports/ -o out/          # out/<stem>.json per input + a summary line

      cat case.txt | caseminer extract -          # from standard input
    """
    from caseminer import api
    from caseminer.batch import discover, run_batch
    from caseminer.readers import ReadError, SourceText

    dump_indent = indent or None
    if [str(p) for p in inputs] == ["-"]:
        text = sys.stdin.read()
        if not text.strip():
            raise _fail("<stdin>: empty input")
        report = api.extract(
            SourceText(text=text, format="string"), doc_id="stdin", include_text=include_text
        )
        typer.echo(report.model_dump_json(indent=dump_indent))
        return
    try:
        files, single = discover(inputs)
    except ReadError as exc:
        raise _fail(str(exc)) from None
    if single and output is None:
        try:
            report = api.extract_file(files[0], include_text=include_text)
        except ReadError as exc:
            raise _fail(str(exc)) from None
        typer.echo(report.model_dump_json(indent=dump_indent))
        return
    summary = run_batch(
        files, output, include_text=include_text, indent=dump_indent, workers=workers, console=err
    )
    err.print(summary.line(), highlight=False)
    if summary.failed:
        raise typer.Exit(code=1)


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
    report = api.extract(SourceText(text=text, format="txt", path=str(res)), include_text=True)
    seconds = time.perf_counter() - t0
    output.mkdir(parents=True, exist_ok=True)
    out = output / "example_case.json"
    out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    console = Console()
    render_report(report, console)
    console.print(f"\nExtracted in {seconds:.2f} s. JSON written to [bold]{out}[/]")


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

    if not gold.exists():
        raise _fail(f"{gold}: no such file or folder")
    t0 = time.perf_counter()
    result = run_evaluation(gold, limit=limit)
    seconds = time.perf_counter() - t0
    if output:
        output.write_text(result.to_markdown(), encoding="utf-8")
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


if __name__ == "__main__":  # pragma: no cover
    app()
