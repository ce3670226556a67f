"""Assembly: turn an annotated Doc into a validated CaseReport.

This is the one place where JSON is built. Components describe what they found in Doc offsets
(over the repaired text); here every offset is mapped back to the source text through the repair
map, so `source[start:end] == text` holds for everything we output. An item that fails validation
is dropped with a warning instead of failing the whole document.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from spacy.language import Language
from spacy.tokens import Doc, Span

from caseminer import schema
from caseminer._version import __version__
from caseminer.nlp.extensions import (
    DIAGNOSIS,
    IMAGING,
    LAB,
    PROCEDURE,
    get_attrs,
    items,
    section_kind_at,
)
from caseminer.readers.source import SourceText
from caseminer.repair import RepairedText

_MODELS: dict[str, type[schema.Item]] = {
    LAB: schema.Lab,
    IMAGING: schema.Imaging,
    DIAGNOSIS: schema.Diagnosis,
    PROCEDURE: schema.Procedure,
}
_FIELDS = {LAB: "labs", IMAGING: "imaging", DIAGNOSIS: "diagnoses", PROCEDURE: "procedures"}
_ASSERTION_KEYS = ("negated", "uncertain", "hypothetical", "historical", "family", "cues")


class _Mapper:
    """Maps Doc character spans to source spans and slices the source text."""

    def __init__(self, repaired: RepairedText, source: SourceText):
        self.repaired = repaired
        self.text = source.text

    def span(self, start_char: int, end_char: int) -> dict[str, Any]:
        start, end = self.repaired.to_source(start_char, end_char)
        return {"text": self.text[start:end], "start": start, "end": end}


def _sentence(span: Span) -> str:
    try:
        sent = span.sent
    except ValueError:  # no sentence boundaries were set
        doc = span.doc
        sent = doc[max(0, span.start - 20) : min(len(doc), span.end + 20)]
    return " ".join(sent.text.split())


def _assertion(span: Span) -> schema.Assertion:
    raw = span._.assertion or {}
    return schema.Assertion(**{k: raw[k] for k in _ASSERTION_KEYS if k in raw})


def _item_fields(span: Span, mapper: _Mapper) -> dict[str, Any]:
    """The attrs of an item with Doc offsets (`*_char` keys) dropped or mapped."""
    attrs = dict(get_attrs(span))
    fields = {k: v for k, v in attrs.items() if not k.endswith("_char")}
    if span.label_ == IMAGING:
        fields["findings"] = [
            {**mapper.span(f["start_char"], f["end_char"]), "descriptors": f.get("descriptors", [])}
            for f in attrs.get("findings", [])
        ]
    if span.label_ == LAB:
        fields.setdefault("value_text", span.text)
    fields.setdefault("rule", "unknown")
    return fields


def _build_item(span: Span, mapper: _Mapper) -> schema.Item:
    model = _MODELS[span.label_]
    data = {
        **_item_fields(span, mapper),
        **mapper.span(span.start_char, span.end_char),
        "section": section_kind_at(span.doc, span.start_char),
        "sentence": _sentence(span),
        "assertion": _assertion(span),
    }
    return model.model_validate(data)


def _sections(doc: Doc, mapper: _Mapper) -> list[schema.Section]:
    out = []
    for sec in doc._.sections or []:
        mapped = mapper.span(sec["start_char"], sec["end_char"])
        out.append(
            schema.Section(
                title=sec.get("title", ""),
                kind=sec["kind"],
                start=mapped["start"],
                end=mapped["end"],
            )
        )
    return out


def _patient(doc: Doc, mapper: _Mapper) -> schema.Patient:
    raw = doc._.patient or {}
    age = None
    if raw.get("age"):
        a = raw["age"]
        where = {}
        if a.get("start_char") is not None and a.get("end_char") is not None:
            where = mapper.span(a["start_char"], a["end_char"])
        age = schema.Age(value=a["value"], unit=a["unit"], **where)
    return schema.Patient(age=age, sex=raw.get("sex"))


def _abbreviations(doc: Doc, mapper: _Mapper) -> list[schema.Abbreviation]:
    if not Doc.has_extension("abbreviations"):
        return []
    seen: set[tuple[str, str]] = set()
    out = []
    for short in doc._.abbreviations or []:
        long_form = getattr(short._, "long_form", None)
        if long_form is None:
            continue
        key = (short.text, long_form.text)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            schema.Abbreviation(
                **mapper.span(short.start_char, short.end_char),
                long_form=" ".join(long_form.text.split()),
            )
        )
    return out


def assemble(
    doc: Doc,
    repaired: RepairedText,
    source: SourceText,
    *,
    doc_id: str,
    nlp: Language,
    include_text: bool = False,
    terminologies: dict[str, str] | None = None,
) -> schema.CaseReport:
    """Build the CaseReport for one processed document."""
    mapper = _Mapper(repaired, source)
    warnings = list(source.warnings)
    lists: dict[str, list[schema.Item]] = {field: [] for field in _FIELDS.values()}
    seen: set[tuple[str, int, int]] = set()
    for span in sorted(items(doc), key=lambda s: (s.start_char, s.end_char)):
        if span.label_ not in _MODELS:
            continue
        try:
            item = _build_item(span, mapper)
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            first = str(exc).splitlines()[0]
            warnings.append(f"dropped {span.label_} item {span.text!r}: {first}")
            continue
        key = (span.label_, item.start, item.end)
        if key in seen:
            continue
        seen.add(key)
        lists[_FIELDS[span.label_]].append(item)
    document = schema.Document(
        id=doc_id,
        source_path=source.path,
        sha256=source.sha256,
        format=source.format,
        n_chars=len(source.text),
        pages=source.n_pages,
        text=source.text if include_text else None,
    )
    return schema.CaseReport(
        document=document,
        sections=_sections(doc, mapper),
        patient=_patient(doc, mapper),
        abbreviations=_abbreviations(doc, mapper),
        warnings=warnings,
        provenance=schema.Provenance(
            caseminer_version=__version__,
            pipeline=list(nlp.pipe_names),
            terminologies=terminologies or {},
        ),
        **lists,
    )
