"""Gold readers: MACCROBAT JSONL, brat standoff folders, and our own ``corpora/*.gold.json``.

Each reader yields GoldDoc records whose item spans satisfy ``doc.text[start:end] == item.text``;
an item that does not is dropped with a warning on the document, so a bad gold file degrades the
measurement visibly instead of crashing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from caseminer.evaluate.external import detect, read_e3c, read_gscplus
from caseminer.evaluate.label_map import LabelMap, add_pooled, load_label_map, map_annotations
from caseminer.evaluate.model import FACT_CATEGORIES, POOLED, POOLED_FROM, GoldDoc, GoldItem
from caseminer.evaluate.numbers import leading_number


def load_gold(
    path: Path | str, *, limit: int | None = None, label_map: LabelMap | None = None
) -> list[GoldDoc]:
    """Read gold from a ``.jsonl`` file, a brat folder, or a folder of ``*.gold.json`` files.

    Raises FileNotFoundError when the path does not exist and ValueError when it holds no gold.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"gold path not found: {p}")
    lm = label_map or load_label_map()
    if p.is_file():
        if p.name.endswith(".gold.json"):
            docs: Iterator[GoldDoc] = iter([read_corpus_doc(p)])
        elif p.suffix == ".ann":
            docs = iter([read_brat_doc(p, lm)])
        else:
            docs = read_jsonl(p, lm)
    elif any(p.glob("*.gold.json")):
        docs = (read_corpus_doc(f) for f in sorted(p.glob("*.gold.json")))
    elif any(p.glob("*.ann")):
        docs = (read_brat_doc(f, lm) for f in sorted(p.glob("*.ann")))
    elif any(p.glob("*.jsonl")):
        docs = (d for f in sorted(p.glob("*.jsonl")) for d in read_jsonl(f, lm))
    else:
        raise ValueError(f"no gold found in {p}: expected *.gold.json, *.ann or *.jsonl files")
    out: list[GoldDoc] = []
    for doc in docs:
        if limit is not None and len(out) >= limit:
            break
        out.append(doc)
    return out


# --- MACCROBAT JSONL -------------------------------------------------------------------------


def read_jsonl(path: Path, label_map: LabelMap | None = None) -> Iterator[GoldDoc]:
    """One GoldDoc per line: the MACCROBAT export (``{"id","text","entities","relations"}``), or
    GSC+ / E3C records (caseminer.evaluate.external; told apart by their fields)."""
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            doc_id = str(rec.get("id", f"{Path(path).stem}:{n}"))
            kind = detect(rec)
            if kind == "gscplus":
                doc = read_gscplus(rec, doc_id)
            elif kind == "e3c":
                doc = read_e3c(rec, doc_id)
            else:
                ents = [_normalise_attrs(e) for e in rec.get("entities", [])]
                doc = map_annotations(
                    doc_id, rec["text"], ents, rec.get("relations", []), label_map
                )
            _check_spans(doc)
            yield doc


def _normalise_attrs(ent: dict[str, Any]) -> dict[str, Any]:
    """Attributes as a {name: value} dict whatever shape the export used."""
    attrs = ent.get("attributes") or {}
    if isinstance(attrs, list):
        merged: dict[str, Any] = {}
        for a in attrs:
            if isinstance(a, dict):
                merged[str(a.get("type") or a.get("name"))] = a.get("value", True)
            else:
                merged[str(a)] = True
        attrs = merged
    return {**ent, "attributes": attrs}


# --- brat standoff ---------------------------------------------------------------------------

_OFFSETS = re.compile(r"^(\d+) (\d+)$")


def read_brat_doc(ann_path: Path, label_map: LabelMap | None = None) -> GoldDoc:
    """Read NAME.ann with NAME.txt beside it.

    T lines may be discontinuous ("Label 0 5;9 12": outer bounds are scored); E lines map an event
    to its trigger T; R lines become relations with event ids resolved to triggers; A lines
    (``A1<TAB>POLARITY E3 NEG``, or a binary ``A1<TAB>Negation T3``) land on the trigger entity.
    """
    ann_path = Path(ann_path)
    txt_path = ann_path.with_suffix(".txt")
    # bytes -> str without newline translation: brat offsets count every character, \r included
    text = txt_path.read_bytes().decode("utf-8")
    entities: dict[str, dict[str, Any]] = {}
    trigger: dict[str, str] = {}
    raw_relations: list[tuple[str, str, str]] = []
    raw_attrs: list[tuple[str, str, Any]] = []
    warnings: list[str] = []
    for n, line in enumerate(ann_path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split("\t")
        if not parts or not parts[0]:
            continue
        kind = parts[0][0]
        try:
            if kind == "T":
                label, _, offsets = parts[1].partition(" ")
                frags = [tuple(map(int, f.split())) for f in offsets.split(";")]
                start, end = min(f[0] for f in frags), max(f[1] for f in frags)
                entities[parts[0]] = {
                    "id": parts[0],
                    "label": label,
                    "start": start,
                    "end": end,
                    "text": parts[2] if len(parts) > 2 else text[start:end],
                    "attributes": {},
                }
            elif kind == "E":
                args = parts[1].split()
                trigger[parts[0]] = args[0].split(":", 1)[1]
            elif kind == "R":
                rtype, a1, a2 = parts[1].split()[:3]
                raw_relations.append((rtype, a1.split(":", 1)[1], a2.split(":", 1)[1]))
            elif kind == "A" or kind == "M":
                fields = parts[1].split()
                raw_attrs.append((fields[1], fields[0], fields[2] if len(fields) > 2 else True))
        except (IndexError, ValueError):
            warnings.append(f"{ann_path.name}:{n}: unreadable annotation line {line!r}")

    def resolve(ref: str) -> str:
        return trigger.get(ref, ref)

    for target, name, value in raw_attrs:
        ent = entities.get(resolve(target))
        if ent is not None:
            ent["attributes"][name] = value
    relations = [{"type": t, "arg1": resolve(a), "arg2": resolve(b)} for t, a, b in raw_relations]
    doc = map_annotations(ann_path.stem, text, entities.values(), relations, label_map)
    doc.warnings.extend(warnings)
    _check_spans(doc)
    return doc


# --- our own corpora -------------------------------------------------------------------------


def read_corpus_doc(gold_path: Path) -> GoldDoc:
    """Read ``NAME.gold.json`` (the CaseReport shape) with ``NAME.txt`` beside it.

    Negation comes from ``negated`` or ``assertion.negated``; a lab's gold analyte is ``analyte``
    (and ``analyte_text`` when given); its gold number is ``value``.
    """
    gold_path = Path(gold_path)
    data = json.loads(gold_path.read_text(encoding="utf-8"))
    txt = gold_path.with_name(gold_path.name[: -len(".gold.json")] + ".txt")
    if txt.exists():
        text = txt.read_bytes().decode("utf-8")
    else:
        text = str(data.get("text") or "")
    doc = GoldDoc(id=str(data.get("id") or txt.stem), text=text)
    # findings (and the pooled conditions) are scored only when the gold file lists them (gold
    # written before findings existed does not); the other fact types always are
    annotated = [c for c in FACT_CATEGORIES if c != "findings" or c in data]
    if all(c in data for c in POOLED_FROM):
        annotated.append(POOLED)
    doc.annotated = tuple(annotated)
    for category in FACT_CATEGORIES:
        for rec in data.get(category) or []:
            try:
                start, end = int(rec["start"]), int(rec["end"])
            except (KeyError, TypeError, ValueError):
                doc.warnings.append(f"{gold_path.name}: {category} item without offsets: {rec!r}")
                continue
            assertion = rec.get("assertion") or {}
            negated = bool(rec.get("negated", assertion.get("negated", False)))
            if rec.get("status") == "ruled_out":
                negated = True
            value = rec.get("value") if category == "labs" else None
            if category == "labs" and value is None:
                value = leading_number(str(rec.get("value_text") or rec.get("text") or ""))
            analytes = tuple(
                str(rec[k])
                for k in ("analyte_text", "analyte")
                if category == "labs" and rec.get(k)
            )
            doc.items.setdefault(category, []).append(
                GoldItem(
                    category=category,
                    start=start,
                    end=end,
                    text=str(rec.get("text", text[start:end])),
                    negated=negated,
                    label=category,
                    value=float(value) if isinstance(value, (int, float)) else None,
                    analytes=analytes,
                )
            )
    add_pooled(doc)
    _check_spans(doc)
    return doc


def _check_spans(doc: GoldDoc) -> None:
    """Drop (with a warning) any gold item whose offsets do not reproduce its text."""
    for category, items in doc.items.items():
        kept: list[GoldItem] = []
        for it in items:
            ok = 0 <= it.start < it.end <= len(doc.text) and doc.text[it.start : it.end] == it.text
            if ok:
                kept.append(it)
            else:
                doc.warnings.append(
                    f"{doc.id}: {category} gold span {it.start}-{it.end} {it.text!r} "
                    "does not match the text; dropped"
                )
        doc.items[category] = kept
