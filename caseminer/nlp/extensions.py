"""Doc and Span extensions: the contract between caseminer's components.

Every extractor writes its items as spans into ONE span group, ``doc.spans["caseminer"]``, with
a label saying the category (``LAB``, ``IMAGING``, ``DIAGNOSIS``, ``PROCEDURE``). A single group
lets medspaCy's ConText assert all of them in one pass and lets spans of different categories
overlap.

Category-specific details live in a plain dict per span (``get_attrs``/``set_attrs``), and the
ConText verdict in another (``get_assertion``/``set_assertion``, also readable and writable as
``span._.assertion``). Both are kept in ``doc.user_data`` under string keys made of the label and
the character offsets, as JSON-able values. Why not Span extension values: spaCy keys those by
offsets only (two spans with the same offsets but different labels would share one value), and
any Python object there stops ``doc.to_bytes()``, ``DocBin(store_user_data=True)`` and
``nlp.pipe(n_process=2)`` (spaCy's E871). Components should never touch the store directly.
All offsets inside the dicts are *Doc* character offsets (into the repaired text); the assembly
step maps them back to the source text.

Every other value caseminer leaves on a Doc is JSON-able too: ``doc._.sections`` and
``doc._.patient`` are dicts and lists, ``doc._.abbreviations`` is rebuilt from token offsets
(caseminer.nlp.abbreviations), the warnings are strings. medspaCy's ConText leaves its own Python
objects (``span._.modifiers``, ``doc._.context_graph``) that its own msgpack hooks cannot
round-trip; what caseminer needs from them is in the assertions, so they serialise as nil (see
``install_serialisers``).
"""

from __future__ import annotations

import logging
import sys
from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

import srsly
from spacy.tokens import Doc, Span, SpanGroup

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
# doc.user_data keys of the item stores: {"LABEL start end": value}, JSON-able values
ATTRS_KEY = "caseminer.attrs"
ASSERTION_KEY = "caseminer.assertion"

log = logging.getLogger("caseminer")


def _items_of(label: str):
    def getter(doc: Doc) -> list[Span]:
        return items(doc, label)

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
    # read-only view {label: attrs} of the store (older code read it; use get_attrs)
    if not Span.has_extension("caseminer"):
        Span.set_extension("caseminer", getter=_attrs_view)
    # {"negated", "uncertain", "hypothetical", "historical", "family": bool, "cues": [str]}
    if not Span.has_extension("assertion"):
        Span.set_extension("assertion", getter=get_assertion, setter=set_assertion)
    install_serialisers()


def _key(span: Span) -> str:
    """The store key of an item: its label and Doc character offsets."""
    return f"{span.label_} {span.start_char} {span.end_char}"


def _store(doc: Doc, name: str) -> dict[str, Any]:
    store = doc.user_data.get(name)
    if store is None:
        store = doc.user_data[name] = {}
    return store


def _attrs_view(span: Span) -> dict[str, Any] | None:
    attrs = span.doc.user_data.get(ATTRS_KEY, {}).get(_key(span))
    return None if attrs is None else {span.label_: attrs}


def get_attrs(span: Span) -> dict[str, Any]:
    """The category-specific fields of an item span (empty dict when none were set)."""
    return span.doc.user_data.get(ATTRS_KEY, {}).get(_key(span), {})


def set_attrs(span: Span, attrs: dict[str, Any]) -> None:
    """Store the category-specific fields of an item span, under its own label and offsets."""
    user_data = span.doc.user_data
    store = user_data.get(ATTRS_KEY)
    if store is None:
        store = user_data[ATTRS_KEY] = {}
    store[f"{span.label_} {span.start_char} {span.end_char}"] = attrs  # _key(span)


def get_assertion(span: Span) -> dict[str, Any] | None:
    """The ConText verdict of an item span (None before the context component ran)."""
    return span.doc.user_data.get(ASSERTION_KEY, {}).get(_key(span))


def set_assertion(span: Span, assertion: dict[str, Any] | None) -> None:
    """Store the ConText verdict of an item span (``span._.assertion = ...`` calls this)."""
    _store(span.doc, ASSERTION_KEY)[_key(span)] = assertion


def add_item(doc: Doc, span: Span, attrs: dict[str, Any]) -> Span:
    """Append an item span to the shared group and attach its fields. Returns the span."""
    label = span.label_
    if label not in CATEGORIES:
        raise ValueError(f"item label must be one of {CATEGORIES}, got {label!r}")
    group, store = item_stores(doc)
    group.append(span)
    store[f"{label} {span.start_char} {span.end_char}"] = attrs  # set_attrs, label read once
    return span


def item_stores(doc: Doc) -> tuple[SpanGroup, dict[str, Any]]:
    """The item group and the attrs store of ``doc``, each made when missing. For writers that
    add many items (``add_items``, the clinical component): an item is appended to the group
    and its attrs stored under ``"LABEL start_char end_char"``, as ``add_item`` does."""
    group = doc.spans.get(SPAN_GROUP)
    if group is None:
        doc.spans[SPAN_GROUP] = []
        group = doc.spans[SPAN_GROUP]
    user_data = doc.user_data
    store = user_data.get(ATTRS_KEY)
    if store is None:
        store = user_data[ATTRS_KEY] = {}
    return group, store


def add_items(doc: Doc, label: str, rows: Iterable[tuple[Span, dict[str, Any]]]) -> list[Span]:
    """``add_item(doc, span, attrs)`` for every ``(span, attrs)`` of ``rows``, all spans labelled
    ``label``. Returns the spans, in order.

    Why: the extractors write many items per document, and ``add_item`` looks the group and the
    store up and reads the span's label string (a StringStore lookup) per item; here that is
    done once, and a span's label is compared as its hash. Each item is written as soon as
    ``rows`` yields it, so a generator that reads the group between items, or raises half-way,
    leaves the Doc as the same ``add_item`` calls would. Make the spans with the label's hash
    (``doc.vocab.strings.add(label)``): a string label is looked up again by every Span.
    """
    if label not in CATEGORIES:
        raise ValueError(f"item label must be one of {CATEGORIES}, got {label!r}")
    label_id = doc.vocab.strings.add(label)
    added: list[Span] = []
    append = add = None  # the group's and the store's writers, looked up at the first item
    for span, attrs in rows:
        if span.label != label_id:
            raise ValueError(f"item of add_items(..., {label!r}, ...) labelled {span.label_!r}")
        if append is None:  # (no item: no group and no store made, as without add_item calls)
            group, store = item_stores(doc)
            append, add = group.append, store.__setitem__
        append(span)
        add(f"{label} {span.start_char} {span.end_char}", attrs)
        added.append(span)
    return added


def _encode_transient(obj: Any, chain: Any = None) -> Any:
    """srsly msgpack encoder: medspaCy's ConText objects (modifiers, the graph) become nil.

    They are in-process working state whose facts are already in the assertions, and medspaCy's
    own encoders cannot round-trip them (the graph holds Spans msgpack cannot pack, so
    ``doc.to_bytes()`` raised on any Doc the context component had seen).
    """
    if type(obj).__module__.startswith("medspacy.context."):
        return None
    return obj if chain is None else chain(obj)


def _decode_plain(obj: Any, chain: Any = None) -> Any:
    """srsly msgpack decoder that leaves a dict alone. medspaCy's decoders rebuild a modifier
    from any dict with a "modifiers" or "modifier" key, which breaks on PROCEDURE attrs."""
    return obj if chain is None else chain(obj)


# medspaCy's registry names, replaced by ours (see install_serialisers)
_MEDSPACY_ENCODERS = ("context_graph", "modifiers", "modifier")
_MEDSPACY_DECODERS = ("context_graph", "modifiers", "modifier")


def install_serialisers() -> None:
    """Replace medspaCy's msgpack encoders/decoders with ``_encode_transient``/``_decode_plain``
    once medspaCy's ConText is imported (registering under its names replaces its entries;
    before its import, its own registration would replace ours). Called by
    ``register_extensions`` and ``caseminer.load``; idempotent."""
    if "medspacy.context.context_graph" not in sys.modules:
        return
    encoders, decoders = srsly.msgpack_encoders.get_all(), srsly.msgpack_decoders.get_all()
    for name in _MEDSPACY_ENCODERS:
        if encoders.get(name) is not _encode_transient:
            srsly.msgpack_encoders.register(name, func=_encode_transient)
    for name in _MEDSPACY_DECODERS:
        if decoders.get(name) is not _decode_plain:
            srsly.msgpack_decoders.register(name, func=_decode_plain)


def items(doc: Doc, label: str | None = None) -> list[Span]:
    """Item spans of the doc, optionally of one category, in the order they were added."""
    group = doc.spans.get(SPAN_GROUP, [])
    if label is None:
        return list(group)
    # the label's hash compared as an int: no string lookup per span
    key = doc.vocab.strings.as_int(label) if label in doc.vocab.strings else None
    return [s for s in group if s.label == key]


def section_kind_at(doc: Doc, char: int) -> str:
    """The section kind that contains Doc character ``char`` (``"case"`` when no sections).

    Sections are contiguous and in text order, so a bisect over their starts finds the candidate
    (components call this per match: a scan would make long documents quadratic); the full scan
    stays as the fallback for a hand-made list that breaks that order.
    """
    sections = doc_sections(doc) or []
    sec = section_at(sections, char, _section_starts(sections))
    return sec["kind"] if sec else "case"


def doc_sections(doc: Doc) -> list[dict[str, Any]] | None:
    """``doc._.sections``, read from ``doc.user_data`` where spaCy keeps a plain extension value.

    Why: ``doc._`` builds an Underscore object per access, and components ask for the section
    of every candidate. An extension re-registered with a getter is still asked through ``doc._``.
    """
    default, method, getter, _setter = Doc.get_extension("sections") or (None, None, None, None)
    if getter is not None or method is not None:
        return doc._.sections
    return doc.user_data.get(("._.", "sections", None, None), default)


def doc_patient(doc: Doc) -> dict[str, Any] | None:
    """``doc._.patient``, read as ``doc_sections`` reads ``doc._.sections`` (the assembly asks
    once per document). Not registered, or registered with a getter or a method: asked through
    ``doc._`` (which raises spaCy's AttributeError for an unknown name, as before)."""
    ext = Doc.get_extension("patient")
    if ext is None or ext[1] is not None or ext[2] is not None:
        return doc._.patient
    return doc.user_data.get(("._.", "patient", None, None), ext[0])


def section_at(
    sections: list[dict[str, Any]], char: int, starts: list[int]
) -> dict[str, Any] | None:
    """The first section of ``sections`` containing ``char`` (``starts``: their start_chars).

    A bisect finds the candidate; only it and its neighbours can match when the sections are
    contiguous and ordered, and a full scan covers a hand-made list that is not."""
    i = bisect_right(starts, char) - 1
    for sec in sections[max(0, i - 1) : i + 2] if i >= 0 else []:
        if sec["start_char"] <= char < sec["end_char"]:
            return sec
    for sec in sections:
        if sec["start_char"] <= char < sec["end_char"]:
            return sec
    return None


# (the sections list last bisected, its starts): one document is processed at a time per thread
_SECTION_STARTS: tuple[list | None, int, list[int]] = (None, 0, [])


def _section_starts(sections: list[dict[str, Any]]) -> list[int]:
    global _SECTION_STARTS
    cached, size, starts = _SECTION_STARTS
    if cached is not sections or size != len(sections):
        starts = [sec["start_char"] for sec in sections]
        _SECTION_STARTS = (sections, len(sections), starts)
    return starts


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
