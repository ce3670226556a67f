"""The run manifest, OUT/_manifest.jsonl: one record per input, the memory of a resumable run.

Each record holds the input, the SHA-256 of its bytes, status (done, failed, duplicate), stage
(done, read, extract, write, timeout, crash), error, timings, output path and caseminer version.
Why JSON Lines appended with fsync: a finished file is on disk the moment its record is, so a
kill -9 loses nothing already written; a half-written last line (killed mid-append) is ignored on
load, and loading rewrites the file atomically with one line per input (last record wins).
On an object store (OUT is a URL) appends are impossible, so the whole manifest is re-published
every `flush_every` records and at the end.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from caseminer._version import __version__
from caseminer.batch import io as batch_io

MANIFEST_NAME = "_manifest.jsonl"


class Manifest:
    """Records keyed by input location; `add` persists a record before returning."""

    def __init__(self, out: str | os.PathLike, flush_every: int = 50) -> None:
        self.location = batch_io.join(out, MANIFEST_NAME)
        self.remote = batch_io.is_url(self.location)
        self.records: dict[str, dict] = {}
        self.flush_every = flush_every
        self._unflushed = 0

    @classmethod
    def load(cls, out: str | os.PathLike) -> Manifest:
        """Read an existing manifest (skipping a torn last line) and rewrite it compactly."""
        manifest = cls(out)
        if batch_io.exists(manifest.location):
            for line in batch_io.read_text(manifest.location).splitlines():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and "input" in record:
                    manifest.records[record["input"]] = record
            manifest.compact()
        return manifest

    def get(self, key: str) -> dict | None:
        return self.records.get(key)

    def add(self, record: dict) -> dict:
        """Stamp the record with version and time, keep it, and persist it."""
        record = {**record, "caseminer_version": __version__, "finished_at": _now()}
        self.records[record["input"]] = record
        line = json.dumps(record, ensure_ascii=False) + "\n"
        if self.remote:
            self._unflushed += 1
            if self._unflushed >= self.flush_every:
                self.compact()
        else:
            path = Path(self.location)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        return record

    def compact(self) -> None:
        """Rewrite atomically, one line per input."""
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.records.values())
        batch_io.write_text_atomic(self.location, text)
        self._unflushed = 0

    def close(self) -> None:
        if self.remote and self._unflushed:
            self.compact()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
