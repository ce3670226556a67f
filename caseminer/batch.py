"""Folder runs: discover inputs, extract each, write OUT/<stem>.json, never stop on a bad file.

Every input ends as either a JSON file or an error record (file, stage, reason) in the summary,
which is also written to OUT/_summary.json so nothing is lost silently.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from caseminer.readers import ReadError, SourceText, read_path
from caseminer.readers import discover as discover_inputs


@dataclass
class BatchSummary:
    """What a folder run did: per-file outputs and errors."""

    output_dir: Path | None
    written: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.errors)

    def line(self) -> str:
        total = len(self.written) + self.failed
        where = f" -> {self.output_dir}" if self.output_dir else ""
        text = (
            f"{total} file(s): {len(self.written)} extracted, {self.failed} failed "
            f"in {self.seconds:.1f} s{where}"
        )
        for e in self.errors:
            text += f"\n  failed: {e['file']}: {e['reason']} (stage: {e['stage']})"
        return text

    def to_dict(self) -> dict:
        return {
            "written": self.written,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
        }


def discover(inputs: Iterable[Path]) -> tuple[list[Path], bool]:
    """Expand inputs into files. Returns (files, single) where single means one plain file given.

    Raises ReadError for a missing input or a folder with no supported files.
    """
    inputs = list(inputs)
    files = discover_inputs(inputs)
    single = len(inputs) == 1 and not inputs[0].is_dir() and len(files) == 1
    return files, single


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _out_name(stem: str, used: set[str], source: SourceText) -> str:
    name = stem
    if name in used:
        name = f"{stem}-{source.sha256[:8]}"
    used.add(name)
    return name + ".json"


def run_batch(
    files: list[Path],
    output: Path | None,
    *,
    include_text: bool = False,
    indent: int | None = 2,
    workers: int = 1,
    console: Console | None = None,
) -> BatchSummary:
    """Extract every file; write JSON files to `output` (or JSON Lines to stdout when None)."""
    from caseminer import api

    console = console or Console(stderr=True)
    summary = BatchSummary(output_dir=output)
    t0 = time.perf_counter()
    sources: list[SourceText] = []
    for path in files:
        try:
            sources.append(read_path(path))
        except ReadError as exc:
            summary.errors.append({"file": str(path), "stage": "read", "reason": exc.reason})
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    progress = Progress(
        TextColumn("[bold]extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    with progress:
        task = progress.add_task("extract", total=len(sources))
        reports = api.extract_many(sources, n_process=workers, include_text=include_text)
        for source, report in zip(sources, reports, strict=True):
            failed = [w for w in report.warnings if w.startswith("extraction failed")]
            if failed:
                summary.errors.append(
                    {"file": str(source.path), "stage": "extract", "reason": failed[0]}
                )
            elif output is None:
                print(report.model_dump_json())
                summary.written.append(str(source.path))
            else:
                out = output / _out_name(Path(source.path or "text").stem, used, source)
                _atomic_write(out, report.model_dump_json(indent=indent))
                summary.written.append(str(out))
            progress.advance(task)
    summary.seconds = time.perf_counter() - t0
    if output is not None:
        _atomic_write(output / "_summary.json", json.dumps(summary.to_dict(), indent=2))
    return summary
