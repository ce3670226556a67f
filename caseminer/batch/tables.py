"""Tabular outputs of a batch run: one table per fact type, one row per item, ready for pandas/R.

Tables: documents, labs, imaging, diagnoses, procedures. Every item row carries doc_id, its index
in the document, the evidence (text, start, end into the source text), section and the five
assertion flags, then the fields of its type. Lists (body sites, codes) become '; '-joined strings
so every column is a scalar in JSON Lines, Parquet and DuckDB alike. Columns are typed up front
so an empty table still has its schema. Parquet needs pyarrow and DuckDB needs duckdb (the
`scale` extra); both are imported only when asked for.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from caseminer.batch import io as batch_io

TABLE_FORMATS = ("jsonl", "parquet", "duckdb")
FLAGS = ("negated", "uncertain", "hypothetical", "historical", "family")
ITEM_COLUMNS = [
    ("doc_id", "str"),
    ("item", "int"),
    ("text", "str"),
    ("start", "int"),
    ("end", "int"),
    ("section", "str"),
    *[(flag, "bool") for flag in FLAGS],
    ("rule", "str"),
]
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "documents": [
        ("doc_id", "str"),
        ("input", "str"),
        ("sha256", "str"),
        ("format", "str"),
        ("n_chars", "int"),
        ("pages", "int"),
        ("age", "float"),
        ("age_unit", "str"),
        ("sex", "str"),
        ("n_labs", "int"),
        ("n_imaging", "int"),
        ("n_diagnoses", "int"),
        ("n_procedures", "int"),
        ("n_warnings", "int"),
        ("caseminer_version", "str"),
    ],
    "labs": ITEM_COLUMNS
    + [
        ("analyte", "str"),
        ("analyte_text", "str"),
        ("value", "float"),
        ("value_high", "float"),
        ("value_text", "str"),
        ("comparator", "str"),
        ("unit", "str"),
        ("unit_ucum", "str"),
        ("ref_low", "float"),
        ("ref_high", "float"),
        ("ref_unit", "str"),
        ("ref_source", "str"),
        ("interpretation", "str"),
        ("interpretation_source", "str"),
        ("loinc", "str"),
        ("source", "str"),
    ],
    "imaging": ITEM_COLUMNS
    + [
        ("modality", "str"),
        ("body_sites", "str"),
        ("laterality", "str"),
        ("planes", "str"),
        ("sequences", "str"),
        ("contrast", "bool"),
        ("n_findings", "int"),
    ],
    "diagnoses": ITEM_COLUMNS + [("normalized", "str"), ("status", "str"), ("codes", "str")],
    "procedures": ITEM_COLUMNS
    + [
        ("normalized", "str"),
        ("category", "str"),
        ("body_sites", "str"),
        ("laterality", "str"),
        ("modifiers", "str"),
        ("codes", "str"),
    ],
}
FACT_TABLES = ("labs", "imaging", "diagnoses", "procedures")


def _joined(values: Iterable[str] | None) -> str | None:
    values = [v for v in values or [] if v]
    return "; ".join(values) if values else None


def _codes(codes: list[dict] | None) -> str | None:
    return _joined(f"{c['system']}:{c['code']}" for c in codes or [])


def _item_row(doc_id: str, index: int, item: dict) -> dict:
    flags = item.get("assertion") or {}
    row = {
        "doc_id": doc_id,
        "item": index,
        "text": item.get("text"),
        "start": item.get("start"),
        "end": item.get("end"),
        "section": item.get("section"),
        "rule": item.get("rule"),
    }
    row.update({flag: bool(flags.get(flag, False)) for flag in FLAGS})
    return row


def _specific(table: str, item: dict) -> dict:
    if table == "labs":
        ref = item.get("reference_range") or {}
        out = {k: item.get(k) for k, _ in COLUMNS["labs"] if k in item and k != "source"}
        out["source"] = item.get("source")
        out.update(
            ref_low=ref.get("low"),
            ref_high=ref.get("high"),
            ref_unit=ref.get("unit"),
            ref_source=ref.get("source"),
        )
        return out
    if table == "imaging":
        return {
            "modality": item.get("modality"),
            "body_sites": _joined(item.get("body_sites")),
            "laterality": item.get("laterality"),
            "planes": _joined(item.get("planes")),
            "sequences": _joined(item.get("sequences")),
            "contrast": item.get("contrast"),
            "n_findings": len(item.get("findings") or []),
        }
    if table == "diagnoses":
        return {
            "normalized": item.get("normalized"),
            "status": item.get("status"),
            "codes": _codes(item.get("codes")),
        }
    return {
        "normalized": item.get("normalized"),
        "category": item.get("category"),
        "body_sites": _joined(item.get("body_sites")),
        "laterality": item.get("laterality"),
        "modifiers": _joined(item.get("modifiers")),
        "codes": _codes(item.get("codes")),
    }


def flatten(report: dict, input_location: str | None = None) -> dict[str, list[dict]]:
    """One CaseReport (as a dict) -> rows per table, every row with the document id."""
    doc = report.get("document") or {}
    doc_id = doc.get("id")
    age = (report.get("patient") or {}).get("age") or {}
    rows: dict[str, list[dict]] = {
        "documents": [
            {
                "doc_id": doc_id,
                "input": input_location or doc.get("source_path"),
                "sha256": doc.get("sha256"),
                "format": doc.get("format"),
                "n_chars": doc.get("n_chars"),
                "pages": doc.get("pages"),
                "age": age.get("value"),
                "age_unit": age.get("unit"),
                "sex": (report.get("patient") or {}).get("sex"),
                **{f"n_{t}": len(report.get(t) or []) for t in FACT_TABLES},
                "n_warnings": len(report.get("warnings") or []),
                "caseminer_version": (report.get("provenance") or {}).get("caseminer_version"),
            }
        ]
    }
    for table in FACT_TABLES:
        rows[table] = [
            {**_item_row(doc_id, i, item), **_specific(table, item)}
            for i, item in enumerate(report.get(table) or [])
        ]
    return {t: [{c: row.get(c) for c, _ in COLUMNS[t]} for row in rs] for t, rs in rows.items()}


def collect(outputs: Iterable[tuple[str, str]]) -> dict[str, list[dict]]:
    """Rows of every table from (input, per-document JSON location) pairs."""
    tables: dict[str, list[dict]] = {t: [] for t in COLUMNS}
    for input_location, output in outputs:
        report = json.loads(batch_io.read_text(output))
        for table, rows in flatten(report, input_location).items():
            tables[table].extend(rows)
    return tables


def _arrow_tables(tables: dict[str, list[dict]]):
    import pyarrow as pa

    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    out = {}
    for table, rows in tables.items():
        schema = pa.schema([(c, types[t]) for c, t in COLUMNS[table]])
        out[table] = pa.Table.from_pylist(rows, schema=schema)
    return out


def write_tables(tables: dict[str, list[dict]], out: str, formats: Iterable[str]) -> list[str]:
    """Write OUT/tables/<table>.jsonl|.parquet and OUT/caseminer.duckdb; return what was written."""
    written: list[str] = []
    formats = list(formats)
    if "jsonl" in formats:
        for table, rows in tables.items():
            loc = batch_io.join(batch_io.join(out, "tables"), f"{table}.jsonl")
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            batch_io.write_text_atomic(loc, text)
            written.append(loc)
    if "parquet" in formats or "duckdb" in formats:
        arrow = _arrow_tables(tables)
    if "parquet" in formats:
        import pyarrow.parquet as pq

        for table, data in arrow.items():
            loc = batch_io.join(batch_io.join(out, "tables"), f"{table}.parquet")
            with tempfile.TemporaryDirectory() as tmp:
                pq.write_table(data, Path(tmp) / "t.parquet")
                batch_io.write_bytes_atomic(loc, (Path(tmp) / "t.parquet").read_bytes())
            written.append(loc)
    if "duckdb" in formats:
        written.append(_write_duckdb(arrow, batch_io.join(out, "caseminer.duckdb")))
    return written


def _write_duckdb(arrow: dict, location: str) -> str:
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "caseminer.duckdb"
        con = duckdb.connect(str(path))
        try:
            for table, data in arrow.items():
                con.register("incoming", data)
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM incoming")
                con.unregister("incoming")
        finally:
            con.close()
        if batch_io.is_url(location):
            batch_io.write_bytes_atomic(location, path.read_bytes())
        else:
            target = Path(location)
            staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            staged.write_bytes(path.read_bytes())
            os.replace(staged, target)
    return location
