"""Assembly: turn an annotated Doc into a validated CaseReport.

This is the one place where JSON is built. Components describe what they found in Doc offsets
(over the repaired text); here every offset is mapped back to the source text through the repair
map, so `source[start:end] == text` holds for everything we output. An item that fails validation
is dropped with a warning instead of failing the whole document.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections import Counter
from typing import Any

import numpy
from pydantic import ValidationError
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from caseminer import schema
from caseminer._version import __version__
from caseminer.nlp.extensions import (
    ASSERTION_KEY,
    ATTRS_KEY,
    DIAGNOSIS,
    FINDING,
    IMAGING,
    LAB,
    PROCEDURE,
    SPAN_GROUP,
    doc_warnings,
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
        # the offset map itself (``to_source`` inlined per item); page_of/boxes are only asked
        # when the source has pages/geometry (plain text: None and no boxes)
        self.offsets = repaired.offsets
        self.paged = bool(source.page_starts)
        self.boxed = bool(source.geometry)

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
        self.sent_starts: list[int] | None = None
        # the character offsets of the sentence starts (only they are read: not a list per token)
        self.sent_chars: list[int] = []
        self.first_char = 0
        if len(doc) and doc.has_annotation("SENT_START"):
            arr = doc.to_array([IDX, SENT_START])
            starts = numpy.flatnonzero(arr[:, 1].astype("int64") == 1)
            self.sent_starts = starts.tolist()
            self.sent_chars = arr[starts, 0].tolist()
            self.first_char = int(arr[0, 0])
        sections = doc._.sections or []
        self.section_starts = [sec["start_char"] for sec in sections]
        self.sections = sections
        # Sections as the sections component writes them (ordered, not overlapping): then the
        # one section that can hold a character is found by one bisect (``section``).
        self.ordered = all(
            a["start_char"] <= a["end_char"] <= b["start_char"]
            for a, b in zip(sections, sections[1:], strict=False)
        )

    def section_kind(self, char: int) -> str:
        """The kind of the first section containing ``char`` (as ``section_kind_at``)."""
        sec = self.section(char)
        return sec["kind"] if sec else "case"

    def section(self, char: int) -> dict[str, Any] | None:
        """The first section containing ``char``, or None."""
        if self.ordered:  # section_at's answer: only the section starting last can hold it
            i = bisect_right(self.section_starts, char) - 1
            if i < 0:
                return None
            sec = self.sections[i]
            return sec if char < sec["end_char"] else None
        return section_at(self.sections, char, self.section_starts)

    def sentence_start(self, token: int) -> int | None:
        """The first token of ``token``'s sentence (None: the Doc has no sentence boundaries)."""
        if self.sent_starts is None:
            return None
        i = bisect_right(self.sent_starts, token) - 1
        return self.sent_starts[i] if i >= 0 else 0

    def sentence(self, span: Span) -> str:
        """The whitespace-normalised sentence of ``span``'s first token (as ``span.sent``)."""
        if self.sent_starts is None:
            return _sentence(span)
        starts = self.sent_starts
        i = bisect_right(starts, span.start) - 1
        start_char = self.sent_chars[i] if i >= 0 else self.first_char
        # spaCy's Span.sent: the sentence of the span's first token, even if the span runs on.
        j = i + 1
        end_char = self.sent_chars[j] if j < len(starts) else len(self.text)
        return " ".join(self.text[start_char:end_char].split())


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


_ASSERTION_KEYSET = frozenset(_ASSERTION_KEYS)


def _assertion_of(raw: dict[str, Any] | None, attrs: dict[str, Any]) -> dict[str, Any]:
    """The assertion fields of an item from the context component's verdict ``raw`` (validated
    with the item). A word that states absence by itself ("afebrile": attrs ``_absent``) negates
    its finding."""
    if not raw:
        out: dict[str, Any] = {}
    elif raw.keys() <= _ASSERTION_KEYSET:  # the usual verdict: every key is a field
        out = dict(raw)
    else:
        out = {k: raw[k] for k in _ASSERTION_KEYS if k in raw}
    absent = attrs.get("_absent")
    if absent:
        out["negated"] = True
        out["cues"] = [*out.get("cues", []), str(absent)]
    return out


def _is_field(key: str) -> bool:
    """Whether an attrs key is a schema field: "*_char" keys are Doc offsets and "_*" keys are
    notes between components."""
    return not key.endswith("_char") and not key.startswith("_")


class _Items:
    """Builds and validates the items of one document (see ``assemble``).

    Why a class: everything an item needs that items share (its section and whether it yields
    facts, its sentence, the subject of that sentence, which attrs keys are fields) is computed
    once per document and kept here, and the two item stores are read as plain dicts, not
    through spaCy's extension machinery per item. Items are validated once, ids in place.
    """

    def __init__(self, doc: Doc, mapper: _Mapper, index: _DocIndex, rules: SubjectRules) -> None:
        self.mapper = mapper
        self.index = index
        self.rules = rules
        self.attrs_store: dict[str, Any] = doc.user_data.get(ATTRS_KEY, {})
        self.assertion_store: dict[str, Any] = doc.user_data.get(ASSERTION_KEY, {})
        # every attrs key met so far, and those of them that are not fields (``fields_of``)
        self.keys_seen: set[str] = set()
        self.not_fields: set[str] = set()
        self.no_facts: dict[int, bool] = {}  # id(section dict) -> its items are dropped
        self.sentences: dict[int, str] = {}  # first token of a sentence -> its text
        self.subjects: dict[tuple[str, str, bool], str] = {}

    def skip(self, sec: dict[str, Any] | None) -> bool:
        """The section is a reference list, acknowledgements or author information."""
        if sec is None:
            return False
        found = self.no_facts.get(id(sec))
        if found is None:
            found = self.no_facts[id(sec)] = self.rules.no_facts(
                sec["kind"], str(sec.get("title") or "")
            )
        return found

    def sentence(self, span: Span) -> str:
        """``_DocIndex.sentence``, kept per sentence."""
        first = self.index.sentence_start(span.start)
        if first is None:
            return self.index.sentence(span)
        found = self.sentences.get(first)
        if found is None:
            found = self.sentences[first] = self.index.sentence(span)
        return found

    def subject(self, section: str, sentence: str, family: bool) -> str:
        key = (section, sentence, family)
        found = self.subjects.get(key)
        if found is None:
            found = self.subjects[key] = self.rules.subject(section, sentence, family)
        return found

    def fields_of(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``attrs`` without the keys that are not schema fields. Set operations on
        the keys (in C) instead of a test per key per item: only keys never met before in this
        document are classified one by one. (Key order does not matter: the model orders.)"""
        keys = attrs.keys()
        new = keys - self.keys_seen
        if new:
            self.keys_seen |= new
            self.not_fields.update(k for k in new if not _is_field(k))
        data = dict(attrs)
        for key in keys & self.not_fields:
            del data[key]
        return data

    def data(
        self, span: Span, label: str, key: str, start_char: int, end_char: int, section: str
    ) -> dict[str, Any]:
        """The fields of one item (``key``: its store key), as its model validates them: the
        attrs with Doc offsets (`*_char` keys) dropped or mapped, plus the assembly's fields."""
        mapper = self.mapper
        attrs = self.attrs_store.get(key, _NO_ATTRS)
        data = self.fields_of(attrs)
        if label == IMAGING:
            span_of = mapper.span
            data["findings"] = [
                {**span_of(f["start_char"], f["end_char"]), "descriptors": f.get("descriptors", [])}
                for f in attrs.get("findings", [])
            ]
        elif label == LAB and "value_text" not in data:
            data["value_text"] = span.text
        if "rule" not in data:
            data["rule"] = "unknown"
        offsets = mapper.offsets
        if end_char <= start_char:
            start = end = offsets[start_char]
        else:
            start, end = offsets[start_char], offsets[end_char - 1] + 1
        sentence = self.sentence(span)
        assertion = _assertion_of(self.assertion_store.get(key), attrs)
        family = bool(assertion.get("family"))
        subject = self.subjects.get((section, sentence, family))
        if subject is None:
            subject = self.subject(section, sentence, family)
        data["text"] = mapper.text[start:end]
        data["start"] = start
        data["end"] = end
        data["page"] = mapper.page_of(start) if mapper.paged else None
        data["boxes"] = mapper.boxes(start, end) if mapper.boxed else []
        data["section"] = section
        data["sentence"] = sentence
        data["assertion"] = assertion
        data["subject"] = subject
        return data


_NO_ATTRS: dict[str, Any] = {}


def _build_items(
    doc: Doc, mapper: _Mapper, index: _DocIndex, warnings: list[str]
) -> dict[str, list[schema.Item]]:
    """The validated items of ``doc`` per report field, with ids and study links; an item that
    fails validation is left out with a warning, a repeated one (same label and source span)
    is left out silently."""
    lists: dict[str, list[schema.Item]] = {field: [] for field in _FIELDS.values()}
    builder = _Items(doc, mapper, index, default_rules())
    # by offsets, then in the order they were added (``n`` is unique: spans are never compared)
    rows = [(s.start_char, s.end_char, n, s) for n, s in enumerate(doc.spans.get(SPAN_GROUP, []))]
    rows.sort()
    seen: set[tuple[str, int, int]] = set()
    imaging_ids: dict[tuple[int, int], str] = {}
    studies: list[tuple[schema.Item, tuple[Any, Any]]] = []
    section_of, skip, data_of = index.section, builder.skip, builder.data
    for start_char, end_char, _, span in rows:
        label = span.label_
        model = _MODELS.get(label)
        if model is None:
            continue
        sec = section_of(start_char)
        if sec is not None and skip(sec):
            continue
        key = f"{label} {start_char} {end_char}"  # extensions._key
        field = _FIELDS[label]
        found = lists[field]
        try:
            section = sec["kind"] if sec else "case"
            data = data_of(span, label, key, start_char, end_char, section)
            data["id"] = f"{_ID_PREFIX[field]}{len(found) + 1}"
            if label == FINDING:
                data["study"] = None  # set below once every study has its id
            item = model.__pydantic_validator__.validate_python(data)  # model.model_validate
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            first = str(exc).splitlines()[0]
            warnings.append(f"dropped {label} item {span.text!r}: {first}")
            continue
        where = (label, data["start"], data["end"])
        if where in seen:
            continue
        seen.add(where)
        found.append(item)
        if label == IMAGING:
            imaging_ids[(start_char, end_char)] = data["id"]
        elif label == FINDING:
            attrs = builder.attrs_store.get(key, _NO_ATTRS)
            studies.append((item, (attrs.get("study_start_char"), attrs.get("study_end_char"))))
    for item, study_span in studies:  # a finding reported in an imaging study's sentence
        study = imaging_ids.get(study_span)  # type: ignore[arg-type]
        if study is not None:
            item.study = study  # type: ignore[attr-defined]
    return lists


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


def _abbreviations(doc: Doc, mapper: _Mapper, text: str) -> list[schema.Abbreviation]:
    if not Doc.has_extension("abbreviations"):
        return []
    found = None
    if "caseminer.nlp.abbreviations" in sys.modules:  # our extensions: read as plain data
        found = sys.modules["caseminer.nlp.abbreviations"].short_forms_as_text(doc, text)
    if found is None:
        found = []
        for short in doc._.abbreviations or []:
            long_form = getattr(short._, "long_form", None)
            if long_form is not None:
                found.append((short.start_char, short.end_char, short.text, long_form.text))
    seen: set[tuple[str, str]] = set()
    out = []
    for start_char, end_char, short_text, long_text in found:
        key = (short_text, long_text)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            schema.Abbreviation(
                **mapper.span(start_char, end_char), long_form=" ".join(long_text.split())
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
    lists = _build_items(doc, mapper, index, warnings)
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
        abbreviations=_abbreviations(doc, mapper, index.text),
        warnings=warnings,
        provenance=schema.Provenance(
            caseminer_version=__version__,
            pipeline=list(nlp.pipe_names),
            terminologies=terminologies or {},
        ),
        phenotype=build_phenotype([*lists["findings"], *lists["diagnoses"]]),
        **lists,
    )
