"""Doc and Span extensions: the contract between caseminer's components.

Every extractor writes its items as spans into ONE span group, ``doc.spans["caseminer"]``, with a
label saying the category (``LAB``, ``IMAGING``, ``DIAGNOSIS``, ``PROCEDURE``). A single group lets
medspaCy's ConText assert all of them in one pass and lets spans of different categories overlap.

Category-specific details live in a plain dict per span (``get_attrs``/``set_attrs``). spaCy keys
span extension values by character offsets only, so two spans with the same offsets but different
labels would share one value; the dict is therefore namespaced by label here, and components should
never touch ``span._.caseminer`` directly. All offsets inside the dicts are *Doc* character offsets
(into the repaired text); the assembly step maps them back to the source text.
"""

from __future__ import annotations

import logging
from typing import Any

from spacy.tokens import Doc, Span

SPAN_GROUP = "caseminer"
LAB = "LAB"
IMAGING = "IMAGING"
DIAGNOSIS = "DIAGNOSIS"
PROCEDURE = "PROCEDURE"
FINDING = "FINDING"
CATEGORIES = (LAB, IMAGING, FINDING, DIAGNOSIS, PROCEDURE)
# doc.user_data key of the warnings components leave for the report (plain strings, so a Doc with
# them still serialises with to_bytes/DocBin)
WARNINGS_KEY = "caseminer_warnings"

log = logging.getLogger("caseminer")


def _items_of(label: str):
    def getter(doc: Doc) -> list[Span]:
        return [s for s in doc.spans.get(SPAN_GROUP, []) if s.label_ == label]

    return getter


def register_extensions() -> None:
    """Register every extension once (idempotent, safe to call from each factory)."""
    doc_ext: dict[str, dict[str, Any]] = {
        # list of {"title", "kind", "start_char", "end_char"} in Doc offsets, in text order
        "sections": {"default": None},
        # {"age": {"value": float, "unit": str, "start_char", "end_char"} | None,
        #  "sex": "female"|"male"|None, "sex_start_char", "sex_end_char"}
        "patient": {"default": None},
        "labs": {"getter": _items_of(LAB)},
        "imaging": {"getter": _items_of(IMAGING)},
        "diagnoses": {"getter": _items_of(DIAGNOSIS)},
        "procedures": {"getter": _items_of(PROCEDURE)},
        "findings": {"getter": _items_of(FINDING)},
    }
    for name, kwargs in doc_ext.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, **kwargs)
    # {label: {field: value}}: see get_attrs/set_attrs
    if not Span.has_extension("caseminer"):
        Span.set_extension("caseminer", default=None)
    # {"negated", "uncertain", "hypothetical", "historical", "family": bool, "cues": [str]}
    if not Span.has_extension("assertion"):
        Span.set_extension("assertion", default=None)


def get_attrs(span: Span) -> dict[str, Any]:
    """The category-specific fields of an item span (empty dict when none were set)."""
    store = span._.caseminer or {}
    return store.get(span.label_, {})


def set_attrs(span: Span, attrs: dict[str, Any]) -> None:
    """Store the category-specific fields of an item span, under its own label."""
    store = dict(span._.caseminer or {})
    store[span.label_] = attrs
    span._.caseminer = store


def add_item(doc: Doc, span: Span, attrs: dict[str, Any]) -> Span:
    """Append an item span to the shared group and attach its fields. Returns the span."""
    if span.label_ not in CATEGORIES:
        raise ValueError(f"item label must be one of {CATEGORIES}, got {span.label_!r}")
    if SPAN_GROUP not in doc.spans:
        doc.spans[SPAN_GROUP] = []
    doc.spans[SPAN_GROUP].append(span)
    set_attrs(span, attrs)
    return span


def items(doc: Doc, label: str | None = None) -> list[Span]:
    """Item spans of the doc, optionally of one category, in the order they were added."""
    group = doc.spans.get(SPAN_GROUP, [])
    return [s for s in group if label is None or s.label_ == label]


def section_kind_at(doc: Doc, char: int) -> str:
    """The section kind that contains Doc character ``char`` (``"case"`` when no sections)."""
    for sec in doc._.sections or []:
        if sec["start_char"] <= char < sec["end_char"]:
            return sec["kind"]
    return "case"


def record_failure(doc: Doc, component: str, exc: BaseException) -> str:
    """Note on the Doc that ``component`` failed on it, and log it once at warning level.

    Why: a component that breaks on one document must not silently return fewer facts. The
    caller (caseminer's runner, or a component that falls back to a degraded result) records the
    failure here; the assembly copies it into the report's ``warnings``.
    """
    message = f"component {component} failed: {type(exc).__name__}: {exc}"
    doc.user_data.setdefault(WARNINGS_KEY, []).append(message)
    log.warning("%s", message)
    return message


def doc_warnings(doc: Doc) -> list[str]:
    """The warnings components left on the Doc, in the order they were recorded."""
    return list(doc.user_data.get(WARNINGS_KEY, []))
