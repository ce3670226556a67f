"""The items of a report: item spans -> validated schema models (the core of caseminer.assemble).

Every item needs its source offsets, its section (and whether that section yields facts), its
sentence, its assertion and its subject, then one pydantic validation. A report has dozens to
hundreds of items and every document is assembled, so the per-item work is one loop over the
span group in text order with everything the items share computed once per document: the
sentence and section bounds (``_DocIndex``; an item looks a section up only when it leaves the
previous item's section window), the sentence text and the subject per sentence, and which attrs
keys are not fields per key order. An item that fails validation is dropped with a
warning naming the item, the rest of the document is kept.
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from typing import Any

from pydantic import ValidationError
from spacy.tokens import Doc, Span

from caseminer import schema
from caseminer.nlp.doc_arrays import has_sentences, token_table
from caseminer.nlp.extensions import (
    ASSERTION_KEY,
    ATTRS_KEY,
    DIAGNOSIS,
    FINDING,
    IMAGING,
    LAB,
    PROCEDURE,
    SPAN_GROUP,
    doc_sections,
    section_at,
)
from caseminer.readers.source import SourceText
from caseminer.repair import RepairedText
from caseminer.subject import default_rules

_MODELS: dict[str, type[schema.Item]] = {
    LAB: schema.Lab,
    IMAGING: schema.Imaging,
    FINDING: schema.Finding,
    DIAGNOSIS: schema.Diagnosis,
    PROCEDURE: schema.Procedure,
}
# the validating call of each model: ``model.model_validate`` without its Python-level wrapper
_VALIDATE = {
    label: model.__pydantic_validator__.validate_python for label, model in _MODELS.items()
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
_ASSERTION_KEYSET = frozenset(_ASSERTION_KEYS)
_NO_ATTRS: dict[str, Any] = {}
_NOWHERE = (1, 0)  # an empty token window: no token lies in it


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
        # the Doc's shared token table (``caseminer.nlp.doc_arrays``: the components read it
        # already; its lists are only read here)
        table = token_table(doc)
        if table.n and has_sentences(doc, table):  # doc.has_annotation("SENT_START")
            self.sent_starts = table.starts
            self.sent_chars = table.start_chars
            self.first_char = table.idx[0]
        sections = doc_sections(doc) or []  # doc._.sections without an Underscore object
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

    def section_window(self, char: int) -> tuple[dict[str, Any] | None, int, int]:
        """(``section(char)``, lo, hi): every character in [lo, hi) has that same answer.

        Why: items come in text order, so one bisect serves every item of a section (and of the
        gap after it). Sections out of order get a window of one character."""
        if not self.ordered:
            return self.section(char), char, char + 1
        starts = self.section_starts
        i = bisect_right(starts, char) - 1
        if i < 0:  # before the first section (or no sections at all)
            return None, -sys.maxsize, starts[0] if starts else sys.maxsize
        sec = self.sections[i]
        end = sec["end_char"]
        if char < end:  # [start, end): ordered sections start at or after this one's end
            return sec, starts[i], end
        # the gap up to the next start (the last section's end may lie before its start)
        return None, max(end, starts[i]), starts[i + 1] if i + 1 < len(starts) else sys.maxsize

    def sentence_start(self, token: int) -> int | None:
        """The first token of ``token``'s sentence (None: the Doc has no sentence boundaries)."""
        if self.sent_starts is None:
            return None
        i = bisect_right(self.sent_starts, token) - 1
        return self.sent_starts[i] if i >= 0 else 0

    def sentence_window(self, token: int) -> tuple[int, int]:
        """The tokens [lo, hi) that share ``token``'s sentence as ``sentence`` finds it (the
        same bisect answer), for a Doc with sentence boundaries."""
        starts = self.sent_starts
        assert starts is not None
        i = bisect_right(starts, token) - 1
        lo = starts[i] if i >= 0 else -sys.maxsize
        hi = starts[i + 1] if i + 1 < len(starts) else sys.maxsize
        return lo, hi

    def sentence(self, span: Span) -> str:
        """The whitespace-normalised sentence of ``span``'s first token (as ``span.sent``)."""
        if self.sent_starts is None:
            return _sentence(span)
        return self.sentence_of(span.start)

    def sentence_of(self, token: int) -> str:
        """``sentence`` of a span starting at ``token`` (a Doc with sentence boundaries)."""
        starts = self.sent_starts
        assert starts is not None
        i = bisect_right(starts, token) - 1
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


def build_items(
    doc: Doc, mapper: _Mapper, index: _DocIndex, warnings: list[str]
) -> dict[str, list[schema.Item]]:
    """The validated items of ``doc`` per report field, with ids and study links; an item that
    fails validation is left out with a warning, a repeated one (same label and source span)
    is left out silently.

    One loop with the per-document state in locals (see the module docstring). What each item
    reads is what the straightforward code reads (tests/test_assembly_items.py keeps that
    version and compares): the sentence is looked up again only when an item's first token
    leaves the token window of the previous item's sentence, and the keys that are not fields
    are found once per attrs key order."""
    lists: dict[str, list[schema.Item]] = {field: [] for field in _FIELDS.values()}
    rules = default_rules()
    user_data = doc.user_data
    attrs_store: dict[str, Any] = user_data.get(ATTRS_KEY, {})
    assertion_store: dict[str, Any] = user_data.get(ASSERTION_KEY, {})
    # a span's label compared as its hash (``span.label``): no string lookup per span, and one
    # lookup gives the label, its list, its id letter and its validator; a label that is not a
    # category is absent and the span is skipped, as ``_MODELS.get(span.label_)`` does
    strings = doc.vocab.strings
    kinds = {
        strings[label]: (label, lists[field], _ID_PREFIX[field], _VALIDATE[label])
        for label, field in _FIELDS.items()
    }
    # by offsets, then in the order they were added (``n`` is unique: spans are never compared)
    rows = [(s.start_char, s.end_char, n, s) for n, s in enumerate(doc.spans.get(SPAN_GROUP, []))]
    rows.sort()
    seen: set[tuple[str, int, int]] = set()
    imaging_ids: dict[tuple[int, int], str] = {}
    studies: list[tuple[schema.Item, tuple[Any, Any]]] = []
    no_facts: dict[int, bool] = {}  # id(section dict) -> its items are dropped
    not_fields: dict[tuple[str, ...], tuple[str, ...]] = {}  # attrs key order -> keys to drop
    sentences: dict[int, str] = {}  # first token of a sentence -> its text
    subjects: dict[tuple[str, str, bool], str] = {}
    section_window, offsets, source_text = index.section_window, mapper.offsets, mapper.text
    paged, boxed = mapper.paged, mapper.boxed
    sentence_bounds = index.sent_starts is not None
    lo, hi = _NOWHERE  # the token window of the current sentence
    sec_lo, sec_hi = _NOWHERE  # the characters whose section is the current one
    sentence = section = ""
    sec: dict[str, Any] | None = None
    skip = False
    for start_char, end_char, _, span in rows:
        kind = kinds.get(span.label)
        if kind is None:
            continue
        if not sec_lo <= start_char < sec_hi:  # rows go by offset: a new section now and then
            sec, sec_lo, sec_hi = section_window(start_char)
            if sec is None:
                skip = False
            else:
                cached = no_facts.get(id(sec))
                if cached is None:
                    cached = no_facts[id(sec)] = rules.no_facts(
                        sec["kind"], str(sec.get("title") or "")
                    )
                skip = cached
            # (a section dict without "kind" has raised above, as section_of's caller did)
            section = sec["kind"] if sec else "case"
        if skip:
            continue
        label, found, prefix, validate = kind
        key = f"{label} {start_char} {end_char}"  # extensions._key
        try:
            # the attrs without the keys that are not fields ("*_char", "_*")
            attrs = attrs_store.get(key, _NO_ATTRS)
            order = tuple(attrs)
            drop = not_fields.get(order)
            if drop is None:
                drop = not_fields[order] = tuple(k for k in order if not _is_field(k))
            data = dict(attrs)
            for k in drop:
                del data[k]
            if label == IMAGING:
                span_of = mapper.span
                data["findings"] = [
                    {
                        **span_of(f["start_char"], f["end_char"]),
                        "descriptors": f.get("descriptors", []),
                    }
                    for f in attrs.get("findings", [])
                ]
            elif label == LAB and "value_text" not in data:
                data["value_text"] = span.text
            if "rule" not in data:
                data["rule"] = "unknown"
            if end_char <= start_char:
                start = end = offsets[start_char]
            else:
                start, end = offsets[start_char], offsets[end_char - 1] + 1
            if not sentence_bounds:
                sentence = index.sentence(span)
            else:
                token = span.start
                if not lo <= token < hi:
                    window = index.sentence_window(token)
                    first = max(window[0], 0)  # _DocIndex.sentence_start
                    found_sentence = sentences.get(first)
                    if found_sentence is None:
                        found_sentence = sentences[first] = index.sentence_of(token)
                    sentence = found_sentence
                    lo, hi = window
            raw = assertion_store.get(key)
            # _assertion_of; "_absent" is not a field, so an attrs without keys to drop has none
            # (the verdict itself when it is all fields: validation copies it into a new model,
            # lists included, and it is copied here before it is changed)
            if not raw:
                assertion: dict[str, Any] = {}
            elif raw.keys() <= _ASSERTION_KEYSET:
                assertion = raw
            else:
                assertion = {k: raw[k] for k in _ASSERTION_KEYS if k in raw}
            if drop:
                absent = attrs.get("_absent")
                if absent:
                    assertion = dict(assertion)
                    assertion["negated"] = True
                    assertion["cues"] = [*assertion.get("cues", []), str(absent)]
            subject_key = (section, sentence, bool(assertion.get("family")))
            subject = subjects.get(subject_key)
            if subject is None:
                subject = subjects[subject_key] = rules.subject(*subject_key)
            data["text"] = source_text[start:end]
            data["start"] = start
            data["end"] = end
            data["page"] = mapper.page_of(start) if paged else None
            data["boxes"] = mapper.boxes(start, end) if boxed else []
            data["section"] = section
            data["sentence"] = sentence
            data["assertion"] = assertion
            data["subject"] = subject
            data["id"] = f"{prefix}{len(found) + 1}"
            if label == FINDING:
                data["study"] = None  # set below once every study has its id
            item = validate(data)  # model.model_validate
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            first_line = str(exc).splitlines()[0]
            warnings.append(f"dropped {label} item {span.text!r}: {first_line}")
            continue
        where = (label, start, end)
        if where in seen:
            continue
        seen.add(where)
        found.append(item)
        if label == IMAGING:
            imaging_ids[(start_char, end_char)] = data["id"]
        elif label == FINDING:
            studies.append((item, (attrs.get("study_start_char"), attrs.get("study_end_char"))))
    for item, study_span in studies:  # a finding reported in an imaging study's sentence
        study = imaging_ids.get(study_span)  # type: ignore[arg-type]
        if study is not None:
            item.study = study  # type: ignore[attr-defined]
    return lists
