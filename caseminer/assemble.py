"""Assembly: turn an annotated Doc into a validated CaseReport.

This is the one place where JSON is built. Components describe what they found in Doc offsets
(over the repaired text); here every offset is mapped back to the source text through the repair
map, so `source[start:end] == text` holds for everything we output. An item that fails validation
is dropped with a warning instead of failing the whole document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from typing import Any

from pydantic import ValidationError
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from caseminer import schema
from caseminer._version import __version__
from caseminer.nlp.extensions import (
    DIAGNOSIS,
    FINDING,
    IMAGING,
    LAB,
    PROCEDURE,
    doc_warnings,
    get_attrs,
    items,
    section_at,
)
from caseminer.phenotype import build_phenotype
from caseminer.readers.source import SourceText
from caseminer.repair import RepairedText
from caseminer.subject import SubjectRules, default_rules

_MODELS: dict[str, type[schema.Item]] = {
    LAB: schema.Lab,
    IMAGING: schema.Imaging,
    FINDING: schema.Finding,
    DIAGNOSIS: schema.Diagnosis,
    PROCEDURE: schema.Procedure,
}
_FIELDS = {
    LAB: "labs",
    IMAGING: "imaging",
    FINDING: "findings",
    DIAGNOSIS: "diagnoses",
    PROCEDURE: "procedures",
}
# item ids: a letter per fact type and the item's 1-based position in its list ("L1", "D3")
_ID_PREFIX = {"labs": "L", "imaging": "I", "findings": "F", "diagnoses": "D", "procedures": "P"}
_ASSERTION_KEYS = (
    "negated",
    "uncertain",
    "hypothetical",
    "historical",
    "family",
    "resolved",
    "cues",
)
# a repair that removes more than this share of the source's visible characters says so
REMOVED_SHARE_WARNING = 0.02
_NOTE_KIND = re.compile(r"removed (.+?) line ")


class _Mapper:
    """Maps Doc character spans to source spans and slices the source text."""

    def __init__(self, repaired: RepairedText, source: SourceText):
        self.repaired = repaired
        self.text = source.text
        self.page_of = source.page_of
        self.boxes = source.boxes  # PDF: where each span was printed (caseminer.readers.boxes)

    def span(self, start_char: int, end_char: int) -> dict[str, Any]:
        start, end = self.repaired.to_source(start_char, end_char)
        return {"text": self.text[start:end], "start": start, "end": end}


class _DocIndex:
    """Per-document lookups every item needs (its sentence, its section), computed once.

    Why: ``span.sent`` walks the tokens and ``doc.text`` rebuilds the string from the tokens on
    every call; reports have dozens of items, so these are read once per document and bisected.
    """

    def __init__(self, doc: Doc, text: str | None = None) -> None:
        self.doc = doc
        # ``text`` is the string the Doc was made from, if the caller has it (``doc.text`` costs a
        # join over all tokens); it is only trusted when it lines up with the last token.
        if text is None or not _ends_with_doc(doc, text):
            text = doc.text
        self.text = text
        self.n_tokens = len(doc)
        self.idx: list[int] = doc.to_array(IDX).tolist() if len(doc) else []
        self.sent_starts: list[int] | None = None
        if len(doc) and doc.has_annotation("SENT_START"):
            flags = doc.to_array(SENT_START).astype("int64")
            self.sent_starts = [i for i, f in enumerate(flags.tolist()) if f == 1]
        sections = doc._.sections or []
        self.section_starts = [sec["start_char"] for sec in sections]
        self.sections = sections

    def section_kind(self, char: int) -> str:
        """The kind of the first section containing ``char`` (as ``section_kind_at``)."""
        sec = self.section(char)
        return sec["kind"] if sec else "case"

    def section(self, char: int) -> dict[str, Any] | None:
        """The first section containing ``char``, or None."""
        return section_at(self.sections, char, self.section_starts)

    def sentence(self, span: Span) -> str:
        """The whitespace-normalised sentence of ``span``'s first token (as ``span.sent``)."""
        if self.sent_starts is None:
            return _sentence(span)
        starts = self.sent_starts
        i = bisect_right(starts, span.start) - 1
        first = starts[i] if i >= 0 else 0
        # spaCy's Span.sent: the sentence of the span's first token, even if the span runs on.
        j = bisect_right(starts, span.start)
        last = starts[j] if j < len(starts) else self.n_tokens
        end_char = self.idx[last] if last < self.n_tokens else len(self.text)
        return " ".join(self.text[self.idx[first] : end_char].split())


def _ends_with_doc(doc: Doc, text: str) -> bool:
    """``text`` has the Doc's length and its last token where the Doc has it."""
    if not len(doc):
        return text == ""
    last = doc[-1]
    end = last.idx + len(last.text)
    return len(text) == end + len(last.whitespace_) and text[last.idx : end] == last.text


def _sentence(span: Span) -> str:
    try:
        sent = span.sent
    except ValueError:  # no sentence boundaries were set
        doc = span.doc
        sent = doc[max(0, span.start - 20) : min(len(doc), span.end + 20)]
    return " ".join(sent.text.split())


def _assertion(span: Span, attrs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The assertion fields set by the context component (validated with the item). A word that
    states absence by itself ("afebrile": attrs ``_absent``) negates its finding."""
    raw = span._.assertion or {}
    out = {k: raw[k] for k in _ASSERTION_KEYS if k in raw}
    absent = (get_attrs(span) if attrs is None else attrs).get("_absent")
    if absent:
        out["negated"] = True
        out["cues"] = [*out.get("cues", []), str(absent)]
    return out


def _item_fields(
    span: Span, mapper: _Mapper, attrs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The attrs of an item with Doc offsets (`*_char` keys) dropped or mapped."""
    attrs = dict(get_attrs(span) if attrs is None else attrs)
    # "*_char" keys are Doc offsets, "_*" keys are notes between components: neither is a field
    fields = {k: v for k, v in attrs.items() if not k.endswith("_char") and not k.startswith("_")}
    if span.label_ == IMAGING:
        fields["findings"] = [
            {**mapper.span(f["start_char"], f["end_char"]), "descriptors": f.get("descriptors", [])}
            for f in attrs.get("findings", [])
        ]
    if span.label_ == LAB:
        fields.setdefault("value_text", span.text)
    fields.setdefault("rule", "unknown")
    return fields


def _build_item(
    span: Span,
    mapper: _Mapper,
    index: _DocIndex | None = None,
    rules: SubjectRules | None = None,
) -> schema.Item:
    model = _MODELS[span.label_]
    index = index or _DocIndex(span.doc)
    rules = rules or default_rules()
    where = mapper.span(span.start_char, span.end_char)
    section = index.section_kind(span.start_char)
    sentence = index.sentence(span)
    attrs = get_attrs(span)  # read once: each read goes through spaCy's extension store
    assertion = _assertion(span, attrs)
    data = {
        **_item_fields(span, mapper, attrs),
        **where,
        "page": mapper.page_of(where["start"]),
        "boxes": mapper.boxes(where["start"], where["end"]),
        "section": section,
        "sentence": sentence,
        "assertion": assertion,
        "subject": rules.subject(section, sentence, bool(assertion.get("family"))),
    }
    return model.model_validate(data)


def _no_facts(span: Span, index: _DocIndex, rules: SubjectRules) -> bool:
    """The span stands in a reference list, acknowledgements or author information."""
    sec = index.section(span.start_char)
    return sec is not None and rules.no_facts(sec["kind"], str(sec.get("title") or ""))


def _link_studies(built: list[tuple[Span, schema.Item]]) -> None:
    """A finding reported in an imaging study's sentence names that study's id in ``study``."""
    ids = {(s.start_char, s.end_char): it.id for s, it in built if s.label_ == IMAGING}
    for span, item in built:
        if span.label_ == FINDING:
            attrs = get_attrs(span)
            where = (attrs.get("study_start_char"), attrs.get("study_end_char"))
            item.study = ids.get(where)  # type: ignore[attr-defined]


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


def removal_warnings(repaired: RepairedText, share: float = REMOVED_SHARE_WARNING) -> list[str]:
    """A warning when text repair removed more than ``share`` of the source's visible characters.

    Repair removes banners, repeated boilerplate lines and junk on purpose; the user must still be
    told when that is a noticeable part of the document (never lose a word without saying so).
    """
    removed, visible = repaired.removed_visible_chars()
    if not visible or removed / visible <= share:
        return []
    kinds = Counter(m.group(1) for n in repaired.notes if (m := _NOTE_KIND.match(n)))
    why = ", ".join(f"{n} {kind} lines" for kind, n in kinds.most_common()) or "junk lines"
    return [
        f"text repair removed {removed} of {visible} visible characters "
        f"({removed / visible:.0%}): {why}"
    ]


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
    index = _DocIndex(doc, repaired.text)
    warnings = list(source.warnings)
    warnings += removal_warnings(repaired)
    warnings += doc_warnings(doc)
    lists: dict[str, list[schema.Item]] = {field: [] for field in _FIELDS.values()}
    built: list[tuple[Span, schema.Item]] = []
    seen: set[tuple[str, int, int]] = set()
    rules = default_rules()
    for span in sorted(items(doc), key=lambda s: (s.start_char, s.end_char)):
        if span.label_ not in _MODELS or _no_facts(span, index, rules):
            continue
        try:
            item = _build_item(span, mapper, index, rules)
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            first = str(exc).splitlines()[0]
            warnings.append(f"dropped {span.label_} item {span.text!r}: {first}")
            continue
        key = (span.label_, item.start, item.end)
        if key in seen:
            continue
        seen.add(key)
        lists[_FIELDS[span.label_]].append(item)
        built.append((span, item))
    for field, found in lists.items():
        for n, item in enumerate(found, 1):
            item.id = f"{_ID_PREFIX[field]}{n}"
    _link_studies(built)
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
        phenotype=build_phenotype([*lists["findings"], *lists["diagnoses"]]),
        **lists,
    )
