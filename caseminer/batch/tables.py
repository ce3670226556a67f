"""Tabular outputs of a batch run: one table per fact type, one row per item, ready for SQL.

Fact tables (labs, imaging, findings, diagnoses, procedures) share the item columns: doc_id, the
item's `id` within its report (L1, I1, F1, D1, P1; the key the other tables refer to), its index,
the evidence (text, start_char, end_char into the source text, page), the sentence, section and
subject (patient, family, literature, other: a reviewer drops the literature with one WHERE), the
assertion flags and the rule. Then the fields of the type; labs add the value normalized to the
analyte's canonical unit. Linked tables: `codes` (one row per terminology code of an item),
`imaging_findings` (one row per finding of a study, with its descriptors) and `phenotype` (the
patient's HPO terms per report). `start`/`end` are not used as names: END is reserved in SQL.
Remaining lists (body sites, planes, descriptors) become '; '-joined strings so every column is
a scalar in JSON Lines, Parquet and DuckDB alike. Columns are typed up front so an empty table
still has its schema. Parquet needs pyarrow and DuckDB needs duckdb (the `scale` extra); both
are imported only when asked for.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from caseminer.batch import io as batch_io

TABLE_FORMATS = ("jsonl", "parquet", "duckdb")
FLAGS = ("negated", "uncertain", "hypothetical", "historical", "family", "resolved")
ITEM_COLUMNS = [
    ("doc_id", "str"),
    ("id", "str"),
    ("item", "int"),
    ("text", "str"),
    ("start_char", "int"),
    ("end_char", "int"),
    ("page", "int"),
    ("section", "str"),
    ("subject", "str"),
    ("sentence", "str"),
    *[(flag, "bool") for flag in FLAGS],
    ("rule", "str"),
]
FACT_TABLES = ("labs", "imaging", "findings", "diagnoses", "procedures")
ID_PREFIX = {"labs": "L", "imaging": "I", "findings": "F", "diagnoses": "D", "procedures": "P"}
CODED = ("findings", "diagnoses", "procedures")
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
        *[(f"n_{t}", "int") for t in FACT_TABLES],
        ("n_phenotype", "int"),
        ("n_warnings", "int"),
        ("caseminer_version", "str"),
    ],
    "labs": ITEM_COLUMNS
    + [
        ("analyte", "str"),
        ("category", "str"),
        ("analyte_text", "str"),
        ("value", "float"),
        ("value_high", "float"),
        ("value_text", "str"),
        ("comparator", "str"),
        ("unit", "str"),
        ("unit_ucum", "str"),
        ("normalized_value", "float"),
        ("normalized_value_high", "float"),
        ("normalized_unit", "str"),
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
    "imaging_findings": [
        ("doc_id", "str"),
        ("imaging_id", "str"),
        ("finding", "int"),
        ("modality", "str"),
        ("text", "str"),
        ("start_char", "int"),
        ("end_char", "int"),
        ("descriptors", "str"),
    ],
    "findings": ITEM_COLUMNS + [("normalized", "str"), ("category", "str"), ("study", "str")],
    "diagnoses": ITEM_COLUMNS + [("normalized", "str"), ("status", "str")],
    "procedures": ITEM_COLUMNS
    + [
        ("normalized", "str"),
        ("category", "str"),
        ("body_sites", "str"),
        ("laterality", "str"),
        ("modifiers", "str"),
    ],
    "codes": [
        ("doc_id", "str"),
        ("item_id", "str"),
        ("item_type", "str"),
        ("system", "str"),
        ("code", "str"),
        ("display", "str"),
        ("match", "str"),
    ],
    "phenotype": [
        ("doc_id", "str"),
        ("hpo", "str"),
        ("label", "str"),
        ("excluded", "bool"),
        ("evidence", "str"),
    ],
}


def _joined(values: Iterable[str] | None) -> str | None:
    values = [v for v in values or [] if v]
    return "; ".join(values) if values else None


def item_id(table: str, index: int, item: dict) -> str:
    """The item's id, or the id the schema would give it (reports made before ids existed)."""
    return item.get("id") or f"{ID_PREFIX[table]}{index + 1}"


def _item_row(doc_id: str, table: str, index: int, item: dict) -> dict:
    flags = item.get("assertion") or {}
    row = {
        "doc_id": doc_id,
        "id": item_id(table, index, item),
        "item": index,
        "text": item.get("text"),
        "start_char": item.get("start"),
        "end_char": item.get("end"),
        "page": item.get("page"),
        "section": item.get("section"),
        "subject": item.get("subject", "patient"),
        "sentence": item.get("sentence"),
        "rule": item.get("rule"),
    }
    row.update({flag: bool(flags.get(flag, False)) for flag in FLAGS})
    return row


def _specific(table: str, item: dict) -> dict:
    if table == "labs":
        ref = item.get("reference_range") or {}
        norm = item.get("normalized") or {}
        out = {k: item.get(k) for k, _ in COLUMNS["labs"] if k in item and k != "source"}
        out.update(
            source=item.get("source"),
            normalized_value=norm.get("value"),
            normalized_value_high=norm.get("value_high"),
            normalized_unit=norm.get("unit"),
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
    if table == "findings":
        return {k: item.get(k) for k in ("normalized", "category", "study")}
    if table == "diagnoses":
        return {"normalized": item.get("normalized"), "status": item.get("status")}
    return {
        "normalized": item.get("normalized"),
        "category": item.get("category"),
        "body_sites": _joined(item.get("body_sites")),
        "laterality": item.get("laterality"),
        "modifiers": _joined(item.get("modifiers")),
    }


def _linked(doc_id: str, table: str, index: int, item: dict, rows: dict[str, list[dict]]) -> None:
    """Rows of the linked tables: codes of coded items, findings of imaging studies."""
    ident = item_id(table, index, item)
    if table in CODED:
        for code in item.get("codes") or []:
            rows["codes"].append({"doc_id": doc_id, "item_id": ident, "item_type": table, **code})
    if table == "imaging":
        for n, finding in enumerate(item.get("findings") or []):
            rows["imaging_findings"].append(
                {
                    "doc_id": doc_id,
                    "imaging_id": ident,
                    "finding": n,
                    "modality": item.get("modality"),
                    "text": finding.get("text"),
                    "start_char": finding.get("start"),
                    "end_char": finding.get("end"),
                    "descriptors": _joined(finding.get("descriptors")),
                }
            )


def flatten(report: dict, input_location: str | None = None) -> dict[str, list[dict]]:
    """One CaseReport (as a dict) -> rows per table, every row with the document id."""
    doc = report.get("document") or {}
    doc_id = doc.get("id")
    age = (report.get("patient") or {}).get("age") or {}
    rows: dict[str, list[dict]] = {t: [] for t in COLUMNS}
    rows["documents"].append(
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
            "n_phenotype": len(report.get("phenotype") or []),
            "n_warnings": len(report.get("warnings") or []),
            "caseminer_version": (report.get("provenance") or {}).get("caseminer_version"),
        }
    )
    for table in FACT_TABLES:
        for i, item in enumerate(report.get(table) or []):
            rows[table].append({**_item_row(doc_id, table, i, item), **_specific(table, item)})
            _linked(doc_id, table, i, item, rows)
    for term in report.get("phenotype") or []:
        rows["phenotype"].append(
            {
                "doc_id": doc_id,
                "hpo": term.get("hpo"),
                "label": term.get("label"),
                "excluded": bool(term.get("excluded", False)),
                "evidence": _joined(term.get("evidence")),
            }
        )
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
