"""Folder runs at literature-review scale: discover, de-duplicate, resume, extract, tabulate.

A run over OUT is resumable: OUT/_manifest.jsonl (caseminer.batch.manifest) remembers each input's
SHA-256, status, timings and output. A re-run skips inputs that are done (same bytes, same
caseminer version, output present), leaves failed ones alone unless `retry_failed`, and re-does
anything whose content or caseminer version changed. Inputs with identical bytes are extracted
once; the others are recorded as duplicates of the first, but an empty file is an error ("empty
file"), never a duplicate of another empty file. One run at a time holds OUT (caseminer.batch.lock).
Outputs are staged and renamed into place once their record is on disk (caseminer.batch.staging).
Every path in the manifest and the summary is absolute (a URL stays as given), whatever the
working directory of the run or of a later reader. The per-file work runs in an engine
(caseminer.batch.engines: local worker processes, or dask), every failure is a record (file, stage,
message), and OUT/_summary.json lists what this run did, so nothing is lost silently.
"""

from __future__ import annotations

import fnmatch
import json
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from caseminer._version import __version__
from caseminer.batch import io as batch_io
from caseminer.batch import staging
from caseminer.batch.lock import RunLock
from caseminer.batch.manifest import Manifest
from caseminer.batch.progress import BatchProgress
from caseminer.batch.tables import TABLE_FORMATS, collect, write_tables
from caseminer.batch.worker import Task
from caseminer.readers import SUPPORTED_SUFFIXES, ReadError
from caseminer.readers import discover as discover_inputs

OUTPUT_FORMATS = ("json", *TABLE_FORMATS)
DOCS_DIR = "_docs"  # per-document JSON when "json" is not among the formats (resume checkpoint)
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@dataclass
class BatchOptions:
    """Knobs of a folder run (the CLI's options)."""

    include_text: bool = False
    indent: int | None = 2
    workers: int = 0  # 0: one per CPU
    formats: Sequence[str] = ("json",)
    retry_failed: bool = False
    timeout_s: float | None = 300.0
    max_memory_mb: int | None = 4096
    engine: str = "local"
    scheduler: str | None = None
    exports: Sequence[str] = ()  # caseminer.interop formats written next to each JSON (--as)

    def n_workers(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


@dataclass
class BatchSummary:
    """What a folder run did: outputs written now, inputs skipped as done, errors, tables."""

    output_dir: str | None
    inputs: int = 0
    written: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)  # finished by a killed run, kept
    skipped: int = 0
    duplicates: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def failed(self) -> int:
        return len(self.errors)

    def line(self) -> str:
        where = f" -> {self.output_dir}" if self.output_dir else ""
        text = (
            f"{self.inputs} file(s): {len(self.written)} extracted, {self.skipped} already done, "
            f"{len(self.duplicates)} duplicate(s), {self.failed} failed "
            f"in {self.seconds:.1f} s{where}"
        )
        if self.adopted:
            text += f"\n  adopted {len(self.adopted)} output(s) finished by an interrupted run"
        if self.interrupted:
            text += "\n  interrupted: re-run the same command to finish"
        for e in self.errors:
            text += f"\n  failed: {e['file']}: {e['reason']} (stage: {e['stage']})"
        return text

    def to_dict(self) -> dict:
        return {
            "caseminer_version": __version__,
            "inputs": self.inputs,
            "written": self.written,
            "adopted": self.adopted,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "tables": self.tables,
            "seconds": round(self.seconds, 3),
            "interrupted": self.interrupted,
        }


def _matches(path: str, root: str, patterns: Iterable[str]) -> bool:
    rel = os.path.relpath(path, root) if not batch_io.is_url(path) else path
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


def discover(
    inputs: Iterable[str | Path], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> tuple[list[str], bool]:
    """Expand files, folders and URLs into input locations, sorted per input, first wins.

    Returns (locations, single) where single means one plain file was given. `include` and
    `exclude` are globs matched against the name and the path relative to the folder given.
    Raises ReadError for a missing input or when nothing supported is found.
    """
    inputs = [str(i) for i in inputs]
    found: list[str] = []
    seen: set[str] = set()  # a list lookup per file would be quadratic on big folders
    for raw in inputs:
        if batch_io.is_url(raw):
            locations = batch_io.discover_urls([raw], SUPPORTED_SUFFIXES)
        else:
            locations = [str(p) for p in discover_inputs([raw])]
        root = raw if not batch_io.is_url(raw) and Path(raw).is_dir() else str(Path(raw).parent)
        for loc in locations:
            if include and not _matches(loc, root, include):
                continue
            if exclude and _matches(loc, root, exclude):
                continue
            if loc not in seen:
                seen.add(loc)
                found.append(loc)
    if not found:
        suffixes = ", ".join(SUPPORTED_SUFFIXES)
        raise ReadError(", ".join(inputs), f"no supported files ({suffixes}) found")
    single = len(inputs) == 1 and len(found) == 1 and not _is_dir(inputs[0])
    return found, single


def _is_dir(location: str) -> bool:
    return not batch_io.is_url(location) and Path(location).is_dir()


def input_key(location: str) -> str:
    """The manifest key of an input: absolute path, or the URL as given."""
    return location if batch_io.is_url(location) else str(Path(location).resolve())


def output_root(output: str | Path) -> str:
    """OUT as recorded: an absolute path (so records hold absolute paths), or the URL as given."""
    return str(output) if batch_io.is_url(output) else str(Path(output).resolve())


@dataclass
class Plan:
    """What a run must do: tasks to extract, plus records settled without extraction."""

    tasks: list[Task] = field(default_factory=list)
    settled: list[dict] = field(default_factory=list)  # duplicates, unhashable inputs
    done: list[str] = field(default_factory=list)  # keys already done
    kept_failed: list[str] = field(default_factory=list)  # keys failed before, not retried
    adopted: list[tuple[dict, str]] = field(default_factory=list)  # (record, staged location)
    finals: dict[str, str] = field(default_factory=dict)  # staged location -> final location


def docs_dir_of(out: str, options: BatchOptions) -> str:
    """Where the per-document JSON goes: OUT itself, or OUT/_docs when json is not asked for."""
    return out if "json" in options.formats else batch_io.join(out, DOCS_DIR)


def make_plan(locations: list[str], out: str, manifest: Manifest, options: BatchOptions) -> Plan:
    """Decide per input: skip (done), keep failed, duplicate, adopt, or extract (and where)."""
    plan = Plan()
    docs_dir = docs_dir_of(out, options)
    used = {Path(str(r["output"])).name for r in manifest.records.values() if r.get("output")}
    first_of: dict[str, str] = {}
    for loc in locations:
        key = input_key(loc)
        try:
            sha = batch_io.sha256_of(loc)
        except OSError as exc:
            plan.settled.append(_settled(key, None, "failed", "read", f"cannot read: {exc}"))
            continue
        prev = manifest.get(key)
        same = bool(prev and prev.get("sha256") == sha)
        same = same and prev.get("caseminer_version") == __version__
        if sha == EMPTY_SHA256:  # every empty file has this hash: none is a copy of another
            if same and prev["status"] == "failed" and not options.retry_failed:
                plan.kept_failed.append(key)
            else:
                plan.settled.append(_settled(key, sha, "failed", "read", "empty file"))
            continue
        if sha in first_of:
            rec = _settled(key, sha, "duplicate", "duplicate", None)
            rec["duplicate_of"] = first_of[sha]
            plan.settled.append(rec)
            continue
        first_of[sha] = key
        name = _output_name(prev)
        final = batch_io.join(docs_dir, name) if name else None
        if same and prev["status"] == "done" and final and batch_io.exists(final):
            plan.done.append(key)
            continue
        if same and prev["status"] == "failed" and not options.retry_failed:
            plan.kept_failed.append(key)
            continue
        if final is None:
            final = batch_io.join(docs_dir, _unique_name(loc, sha, used))
        staged = staging.staged_location(final, sha)
        adopted = staging.adopt(staged, key, sha, final, options.include_text)
        if adopted is not None:
            plan.adopted.append((adopted, staged))
            continue
        plan.finals[staged] = final
        plan.tasks.append(
            Task(
                input=key,
                sha256=sha,
                output=staged,
                include_text=options.include_text,
                indent=options.indent,
            )
        )
    return plan


def _output_name(previous: dict | None) -> str | None:
    """The file name an earlier run gave this input's output (paths may predate absolute ones)."""
    if not previous or not previous.get("output"):
        return None
    return str(previous["output"]).replace("\\", "/").rsplit("/", 1)[-1]


def _with_attempts(record: dict, previous: dict | None) -> dict:
    """Count attempts on the same bytes, so a retried failure shows it was retried."""
    same = previous is not None and previous.get("sha256") == record.get("sha256")
    return {**record, "attempts": (previous.get("attempts", 1) + 1) if same else 1}


def _settled(key: str, sha: str | None, status: str, stage: str, error: str | None) -> dict:
    return {
        "input": key,
        "sha256": sha,
        "status": status,
        "stage": stage,
        "error": error,
        "output": None,
        "seconds": {"total": 0.0},
    }


def _unique_name(location: str, sha: str, used: set[str]) -> str:
    stem = Path(location.rstrip("/").rsplit("/", 1)[-1]).stem or "document"
    name = f"{stem}.json"
    if name in used or name.startswith("_"):
        name = f"{stem}-{sha[:8]}.json"
    used.add(name)
    return name


def make_engine(options: BatchOptions):
    """The engine named by the options (dask is imported only when asked for)."""
    if options.engine == "local":
        from caseminer.batch.engines.local import LocalEngine

        return LocalEngine(
            options.n_workers(),
            timeout_s=options.timeout_s,
            max_memory_mb=options.max_memory_mb,
        )
    if options.engine == "dask":
        from caseminer.batch.engines.dask_cluster import DaskEngine

        return DaskEngine(
            scheduler=options.scheduler,
            workers=options.n_workers(),
            timeout_s=options.timeout_s,
            max_memory_mb=options.max_memory_mb,
        )
    raise ValueError(f"unknown engine {options.engine!r} (expected local or dask)")


def run_batch(
    locations: list[str | Path],
    output: str | Path,
    options: BatchOptions | None = None,
    *,
    console: Console | None = None,
) -> BatchSummary:
    """Extract every input into OUT, resuming from OUT's manifest; never stops on a bad file.

    Raises caseminer.batch.lock.OutputLocked (a RuntimeError) when another run holds OUT.
    """
    options = options or BatchOptions()
    console = console or Console(stderr=True)
    out = output_root(output)
    t0 = time.perf_counter()
    batch_io.makedirs(out)
    lock = RunLock(out)
    with lock:
        if lock.took_over:
            console.print(
                f"taking over the lock of a run that is gone ({lock.took_over.get('pid')} on "
                f"{lock.took_over.get('host')}, started {lock.took_over.get('started_at')})",
                highlight=False,
            )
        summary = _run_locked([str(loc) for loc in locations], out, options, console)
    summary.seconds = time.perf_counter() - t0
    batch_io.write_text_atomic(
        batch_io.join(out, "_summary.json"), json.dumps(summary.to_dict(), indent=2)
    )
    return summary


def _run_locked(
    locations: list[str], out: str, options: BatchOptions, console: Console
) -> BatchSummary:
    manifest = Manifest.load(out)
    plan = make_plan(locations, out, manifest, options)
    summary = BatchSummary(output_dir=out, inputs=len(locations), skipped=len(plan.done))
    for record in plan.settled:
        manifest.add(_with_attempts(record, manifest.get(record["input"])))
    for record, staged in plan.adopted:
        previous = manifest.get(record["input"])
        if _recorded(previous, record):  # killed after its record: only the rename was missing
            batch_io.move(staged, record["output"])
            summary.skipped += 1
            continue
        manifest.add(_with_attempts(record, previous))  # killed before its record
        batch_io.move(staged, record["output"])
        summary.adopted.append(record["output"])
    staging.sweep(docs_dir_of(out, options), set())  # leftovers of a killed run
    if plan.done or plan.kept_failed or plan.adopted:
        console.print(
            f"resuming {out}: {len(plan.done)} done, {len(plan.adopted)} adopted, "
            f"{len(plan.kept_failed)} failed before "
            f"({'retrying' if options.retry_failed else 'kept; --retry-failed to retry'})",
            highlight=False,
        )
    try:
        if plan.tasks:
            engine = make_engine(options)
            with BatchProgress(console, len(plan.tasks)) as progress:
                for record in engine.run(plan.tasks):
                    with _no_interrupt():  # a Ctrl-C between the record and the rename waits
                        record = _commit(record, plan, manifest)
                    if record["status"] == "done":
                        summary.written.append(record["output"])
                    progress.advance(record)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        manifest.close()
    keys = [input_key(loc) for loc in locations]
    _fill_from_manifest(summary, manifest, keys)
    tables = [f for f in options.formats if f in TABLE_FORMATS]
    if tables and not summary.interrupted:
        done = [
            manifest.records[k] for k in keys if manifest.records.get(k, {}).get("status") == "done"
        ]
        docs_dir = docs_dir_of(out, options)  # not r["output"]: older runs recorded it relative
        rows = collect((r["input"], batch_io.join(docs_dir, _output_name(r) or "")) for r in done)
        summary.tables = write_tables(rows, out, tables)
    if options.exports and not summary.interrupted:
        from caseminer.interop.batch import write_exports

        records = [manifest.records[k] for k in keys if k in manifest.records]
        summary.errors += write_exports(
            records, options.exports, fresh=summary.written, indent=options.indent
        )
    return summary


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Hold a Ctrl-C back for a moment: it becomes a KeyboardInterrupt when the block ends.

    Why a handler and not a signal mask: a mask covers one thread, but CPython runs Python-level
    handlers in the main thread whichever thread the signal reached, so this one always holds.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    if caught:
        raise KeyboardInterrupt


def _recorded(previous: dict | None, record: dict) -> bool:
    """Whether the manifest already says this output is done (same bytes, same version)."""
    return bool(
        previous
        and previous.get("status") == "done"
        and previous.get("sha256") == record["sha256"]
        and previous.get("caseminer_version") == __version__
        and _output_name(previous) == _output_name(record)
    )


def _commit(record: dict, plan: Plan, manifest: Manifest) -> dict:
    """Record a finished task, then move its staged output into place (see batch.staging)."""
    previous = manifest.get(record["input"])
    staged = record.get("output")
    final = plan.finals.get(staged) if staged else None
    if record["status"] == "done" and final:
        if not batch_io.exists(staged):
            record = _settled(record["input"], record.get("sha256"), "failed", "write", None)
            record["error"] = f"the worker reported {staged} written, but it is not there"
            return manifest.add(_with_attempts(record, previous))
        record = manifest.add({**_with_attempts(record, previous), "output": final})
        try:
            batch_io.move(staged, final)
        except OSError as exc:  # the record must not vouch for an output that is not there
            failed = _settled(record["input"], record.get("sha256"), "failed", "write", None)
            failed["error"] = f"cannot move {staged} to {final}: {exc}"
            return manifest.add(_with_attempts(failed, previous))
        return record
    return manifest.add(_with_attempts(record, previous))


def _fill_from_manifest(summary: BatchSummary, manifest: Manifest, keys: list[str]) -> None:
    for key in keys:
        record = manifest.get(key)
        if record is None:
            continue
        if record["status"] == "failed":
            summary.errors.append(
                {"file": key, "stage": record.get("stage", "?"), "reason": record.get("error")}
            )
        elif record["status"] == "duplicate":
            summary.duplicates.append({"file": key, "duplicate_of": record["duplicate_of"]})


def stream_jsonl(locations: list[str], *, include_text: bool = False, workers: int = 1):
    """Several inputs, no OUT (stdout mode): yield (location, report or ReadError)."""
    from caseminer import api
    from caseminer.readers import read_path

    sources, failures = [], []
    for loc in locations:
        try:
            sources.append(read_path(loc))
        except ReadError as exc:
            failures.append(exc)
    yield from ((None, exc) for exc in failures)
    reports = api.extract_many(sources, n_process=workers, include_text=include_text)
    for source, report in zip(sources, reports, strict=True):
        yield source.path, report
