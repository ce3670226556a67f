"""Progress of a batch run: a rich bar on a terminal, plain log lines anywhere else.

Shows files done/total, pages, docs/s, ETA and errors so far. Off a TTY (CI logs, nohup, a file)
it prints one line per error and a status line every `every` files or `interval_s` seconds, so a
log of a long run stays readable.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)


class BatchProgress:
    """Context manager fed one manifest record per finished file."""

    def __init__(self, console: Console, total: int, *, interval_s: float = 10.0) -> None:
        self.console = console
        self.total = total
        self.done = 0
        self.pages = 0
        self.errors = 0
        self.interval_s = interval_s
        self.every = max(1, total // 20)
        self._t0 = time.monotonic()
        self._last = self._t0
        self._bar: Progress | None = None
        self._task = None
        if console.is_terminal:
            self._bar = Progress(
                TextColumn("[bold]extracting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[pages]} pages"),
                TextColumn("{task.fields[rate]:.2f} docs/s"),
                TextColumn("[red]{task.fields[errors]} errors"),
                TimeRemainingColumn(),
                console=console,
            )

    def __enter__(self) -> BatchProgress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("extract", total=self.total, **self._fields())
        elif self.total:
            self.console.print(f"extracting {self.total} file(s)", highlight=False)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def _fields(self) -> dict:
        elapsed = max(time.monotonic() - self._t0, 1e-9)
        return {"pages": self.pages, "rate": self.done / elapsed, "errors": self.errors}

    def advance(self, record: dict) -> None:
        self.done += 1
        self.pages += record.get("pages") or 0
        failed = record.get("status") == "failed"
        self.errors += failed
        if self._bar is not None:
            self._bar.update(self._task, advance=1, **self._fields())
            if failed:
                self._bar.console.print(_error_line(record), highlight=False)
            return
        if failed:
            self.console.print(_error_line(record), highlight=False)
        now = time.monotonic()
        if self.done % self.every == 0 or now - self._last >= self.interval_s:
            self._last = now
            f = self._fields()
            left = (self.total - self.done) / f["rate"] if f["rate"] else 0.0
            self.console.print(
                f"{self.done}/{self.total} files, {self.pages} pages, {f['rate']:.2f} docs/s, "
                f"{self.errors} errors, ETA {left:.0f} s",
                highlight=False,
            )


def _error_line(record: dict) -> str:
    return f"failed: {record['input']}: {record.get('error')} (stage: {record.get('stage')})"
