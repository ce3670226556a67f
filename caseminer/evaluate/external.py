"""Readers for the shared phenotype gold sets: GSC+ (HPO-coded mentions in PubMed abstracts) and
E3C (disease/sign/symptom spans in clinical case reports, with polarity from their events).

Why a pooled category: neither set tells a sign from a disease, so both are scored against our
findings and diagnoses together ("conditions"); GSC+ also scores the HPO ids per document, the
measure PhenoTagger reports. Formats: see ../shared/corpora/external/README.md; ``detect`` tells
them from the MACCROBAT export by their fields.
"""

from __future__ import annotations

from typing import Any

from caseminer.evaluate.model import POOLED, GoldDoc, GoldItem

# E3C event attributes that make a mention negated (polarity) or not asserted (modality)
E3C_NEGATED = frozenset({"NEG"})


def detect(record: dict[str, Any]) -> str:
    """ "e3c", "gscplus" or "maccrobat" for one JSONL record."""
    if "clinentities" in record:
        return "e3c"
    entities = record.get("entities") or []
    if "relations" not in record and all("hpo" in e and "label" not in e for e in entities):
        return "gscplus"  # (an abstract with no mention is still GSC+: no relations, no labels)
    return "maccrobat"


def read_gscplus(record: dict[str, Any], doc_id: str) -> GoldDoc:
    """One GSC+ abstract: every mention a "conditions" item carrying its HPO id."""
    doc = GoldDoc(id=doc_id, text=record["text"], annotated=(POOLED,), negation_annotated=False)
    items = [
        GoldItem(
            category=POOLED,
            start=int(e["start"]),
            end=int(e["end"]),
            text=str(e["text"]),
            label="HPO",
            hpo=str(e["hpo"]),
        )
        for e in record.get("entities") or []
    ]
    doc.items[POOLED] = sorted(items, key=lambda g: (g.start, g.end))
    doc.hpo_ids = frozenset(g.hpo for g in items if g.hpo)
    return doc


def read_e3c(record: dict[str, Any], doc_id: str) -> GoldDoc:
    """One E3C case report: clinical entities as "conditions"; negated when an event overlapping
    the mention has polarity NEG."""
    doc = GoldDoc(id=doc_id, text=record["text"], annotated=(POOLED,))
    negative = [
        (int(ev["start"]), int(ev["end"]))
        for ev in record.get("events") or []
        if str(ev.get("polarity")) in E3C_NEGATED
    ]
    items = []
    for e in record.get("clinentities") or []:
        start, end = int(e["start"]), int(e["end"])
        negated = any(s < end and start < t for s, t in negative)
        items.append(
            GoldItem(
                category=POOLED,
                start=start,
                end=end,
                text=str(e["text"]),
                negated=negated,
                label="clinentity",
            )
        )
    doc.items[POOLED] = sorted(items, key=lambda g: (g.start, g.end))
    return doc
