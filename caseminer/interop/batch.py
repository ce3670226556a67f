"""Folder runs with ``--as phenopacket|fhir``: one export next to each caseminer JSON.

The exports are made from the caseminer JSON files the run left in OUT, after the engine is done,
rather than inside the workers: a resumed run then also exports the files an earlier run finished
(their JSON is there, the extraction is not redone), the workers and their dask-pickled tasks stay
unchanged, and converting a report is milliseconds next to extracting it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from caseminer.batch import io as batch_io
from caseminer.interop import dumps, export_path
from caseminer.schema import CaseReport


def write_exports(
    records: Iterable[dict],
    formats: Sequence[str],
    *,
    fresh: Iterable[str] = (),
    indent: int | None = 2,
) -> list[dict[str, str]]:
    """Write OUT/<stem>.<fmt>.json for every done record; return the failures as summary errors.

    An export is (re)written when its caseminer JSON was written in this run (``fresh``) or when
    the export file is missing; an up-to-date one is left alone.
    """
    fresh = set(fresh)
    errors = []
    for record in records:
        output = record.get("output")
        if record.get("status") != "done" or not output:
            continue
        targets = [
            fmt
            for fmt in formats
            if output in fresh or not batch_io.exists(export_path(output, fmt))
        ]
        if not targets:
            continue
        try:
            report = CaseReport.model_validate_json(batch_io.read_text(output))
            for fmt in targets:
                batch_io.write_text_atomic(export_path(output, fmt), dumps(report, fmt, indent))
        except Exception as exc:  # noqa: BLE001 - one bad export must not stop the others
            reason = f"{type(exc).__name__}: {exc}"
            errors.append({"file": record["input"], "stage": "export", "reason": reason})
    return errors
