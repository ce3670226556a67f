"""The per-file work of a batch run, identical in every engine: read, extract, write one JSON.

Why one function that never raises: a worker (a local process or a dask task) must turn every
failure into a record (file, stage, message) so the run goes on and the manifest says why. The
pipeline is the process-wide default (caseminer.api.default_nlp), built once per worker process
and reused for every file that worker handles.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from caseminer.batch import io as batch_io

FACT_TYPES = ("labs", "imaging", "findings", "diagnoses", "procedures")


@dataclass(frozen=True)
class Task:
    """One input to extract and where its JSON goes."""

    input: str
    sha256: str
    output: str
    include_text: bool = False
    indent: int | None = 2

    def to_dict(self) -> dict:
        return asdict(self)


def _read(location: str):
    """Read a path or URL into a SourceText. PDFs are read in-process: the worker is the sandbox."""
    from caseminer.readers import read_path

    if batch_io.is_url(location):
        with tempfile.TemporaryDirectory(prefix="caseminer-") as tmp:
            source = _read(str(batch_io.local_copy(location, tmp)))
            return replace(source, path=location)
    if Path(location).suffix.lower() == ".pdf":
        from caseminer.readers.pdf.reader import read_pdf

        return read_pdf(Path(location), timeout_s=None)
    return read_path(location)


def failure(task: Task, stage: str, error: str, seconds: float = 0.0) -> dict:
    """The record of a file that did not make it, for the manifest and the summary."""
    return {
        "input": task.input,
        "sha256": task.sha256,
        "status": "failed",
        "stage": stage,
        "error": error,
        "output": None,
        "seconds": {"total": round(seconds, 4)},
    }


def run_task(task: Task) -> dict:
    """Extract one file and write its JSON atomically; return the manifest record (never raises)."""
    from caseminer.readers import ReadError

    t0 = time.perf_counter()
    stage = "read"
    try:
        try:
            source = _read(task.input)
        except ReadError as exc:
            return failure(task, "read", exc.reason, time.perf_counter() - t0)
        t1 = time.perf_counter()
        stage = "extract"
        from caseminer.api import extract

        report = extract(source, include_text=task.include_text)
        t2 = time.perf_counter()
        stage = "write"
        batch_io.write_text_atomic(task.output, report.model_dump_json(indent=task.indent))
        t3 = time.perf_counter()
    except MemoryError:
        return failure(task, stage, "exceeded the memory limit", time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
        return failure(task, stage, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
    return {
        "input": task.input,
        "sha256": task.sha256,
        "status": "done",
        "stage": "done",
        "error": None,
        "output": task.output,
        "doc_id": report.document.id,
        "pages": report.document.pages,
        "n_chars": report.document.n_chars,
        "counts": {name: len(getattr(report, name)) for name in FACT_TYPES},
        "seconds": {
            "read": round(t1 - t0, 4),
            "extract": round(t2 - t1, 4),
            "write": round(t3 - t2, 4),
            "total": round(t3 - t0, 4),
        },
    }


def warm_up() -> None:
    """Build the default pipeline now, so the first file does not pay for it.

    In a worker process (a multiprocessing child) this also starts `exit_with_parent`.
    """
    from caseminer.api import default_nlp

    exit_with_parent()
    default_nlp()


_watching: set[int] = set()


def exit_with_parent() -> bool:
    """In a multiprocessing child, exit at once and quietly when the parent process is gone.

    Why: after a kill -9 of a run, its workers used to finish their file, write the output and
    die on the pipe to the dead parent with a BrokenPipeError traceback; the output then had no
    manifest record. A worker whose parent is gone has nobody to report to, so it stops where
    it is: its file is redone by the resume, and its half-written staged file is swept then.
    Returns whether a watcher runs in this process (never in the main process).
    """
    import multiprocessing as mp
    from multiprocessing.connection import wait

    parent = mp.parent_process()
    if parent is None or parent.sentinel is None:
        return False
    if os.getpid() in _watching:
        return True
    _watching.add(os.getpid())

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="caseminer-exit-with-parent", daemon=True).start()
    return True
