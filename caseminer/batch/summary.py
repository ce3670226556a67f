"""`caseminer summary OUT`: what a batch run found, across the whole corpus.

Reads OUT/_manifest.jsonl (statuses) and the per-document JSON of every input that is done, and
counts items per fact type, documents with at least one item of each type, and the most frequent
analytes, diagnoses, imaging modalities and procedures. Negated items are counted apart (a
"no fracture" is not a fracture), so the top lists count asserted mentions only. Only the
patient's facts count (`subject == "patient"`): a calcium value quoted from another published case
is not this patient's; `all_subjects=True` counts every fact and says how many were not the
patient's.
"""

from __future__ import annotations

import json
import os
from collections import Counter

from rich.console import Console
from rich.table import Table

from caseminer.batch import io as batch_io
from caseminer.batch.manifest import MANIFEST_NAME, Manifest
from caseminer.batch.worker import FACT_TYPES

TOP_FIELDS = {
    "labs": "analyte",
    "diagnoses": "normalized",
    "imaging": "modality",
    "procedures": "normalized",
    "findings": "normalized",
}


def summarize(out: str, top: int = 10, *, all_subjects: bool = False) -> dict:
    """Counts per status and fact type plus top-N lists; FileNotFoundError without a manifest.

    Items whose subject is not "patient" are left out (and counted in `other_subjects`) unless
    `all_subjects`.
    """
    if not batch_io.exists(batch_io.join(out, MANIFEST_NAME)):
        raise FileNotFoundError(f"{out}: no {MANIFEST_NAME} (not a caseminer extract output)")
    manifest = Manifest(out)
    for line in batch_io.read_text(manifest.location).splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        manifest.records[record["input"]] = record
    statuses = Counter(r["status"] for r in manifest.records.values())
    items = Counter()
    negated = Counter()
    others = Counter()
    with_any = Counter()
    tops = {name: Counter() for name in FACT_TYPES}
    pages = 0
    for record in manifest.records.values():
        output = _located(out, record.get("output"))
        if record["status"] != "done" or output is None:
            continue
        report = json.loads(batch_io.read_text(output))
        pages += (report.get("document") or {}).get("pages") or 0
        for name in FACT_TYPES:
            found = report.get(name) or []
            if not all_subjects:
                kept = [i for i in found if i.get("subject", "patient") == "patient"]
                others[name] += len(found) - len(kept)
                found = kept
            with_any[name] += bool(found)
            for item in found:
                if (item.get("assertion") or {}).get("negated"):
                    negated[name] += 1
                    continue
                items[name] += 1
                key = item.get(TOP_FIELDS[name])
                if key:
                    tops[name][key] += 1
    return {
        "output": str(out) if batch_io.is_url(out) else os.path.abspath(out),
        "files": dict(statuses),
        "documents": statuses.get("done", 0),
        "subjects": "all" if all_subjects else "patient",
        "other_subjects": {n: others[n] for n in FACT_TYPES},
        "pages": pages,
        "items": {n: items[n] for n in FACT_TYPES},
        "negated": {n: negated[n] for n in FACT_TYPES},
        "documents_with": {n: with_any[n] for n in FACT_TYPES},
        "top": {n: tops[n].most_common(top) for n in FACT_TYPES},
    }


def _located(out: str, output: str | None) -> str | None:
    """The output as recorded, or (a relative path from an older run) the same name in OUT."""
    if not output:
        return None
    if batch_io.exists(output):
        return output
    name = str(output).replace("\\", "/").rsplit("/", 1)[-1]
    for folder in (out, batch_io.join(out, "_docs")):
        if batch_io.exists(batch_io.join(folder, name)):
            return batch_io.join(folder, name)
    return None


def render_summary(result: dict, console: Console) -> None:
    """Print the summary as rich tables."""
    files = ", ".join(f"{n} {s}" for s, n in sorted(result["files"].items()))
    console.print(f"[bold]{result['output']}[/]: {files}; {result['pages']} PDF pages")
    left_out = sum(result.get("other_subjects", {}).values())
    if result.get("subjects") == "patient" and left_out:
        console.print(
            f"patient facts only: {left_out} fact(s) about the literature or family left out "
            "(--all-subjects counts them)",
            highlight=False,
        )
    facts = Table(title="Facts per type")
    for col in ("type", "items", "negated", "documents with any"):
        facts.add_column(col, justify="left" if col == "type" else "right")
    for name in FACT_TYPES:
        facts.add_row(
            name,
            str(result["items"][name]),
            str(result["negated"][name]),
            f"{result['documents_with'][name]}/{result['documents']}",
        )
    console.print(facts)
    for name, title in (("labs", "Top analytes"), ("diagnoses", "Top diagnoses")):
        table = Table(title=title)
        table.add_column(TOP_FIELDS[name])
        table.add_column("mentions", justify="right")
        for key, count in result["top"][name]:
            table.add_row(str(key), str(count))
        console.print(table)
