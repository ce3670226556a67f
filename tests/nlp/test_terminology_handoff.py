"""The terminology component's fast paths against the plain code they replace.

It codes the DIAGNOSIS items from the offsets the findings pass leaves for the same Doc
(caseminer.nlp.findings.handoff), or from one pass over the group when nothing fits, and reads
and writes their fields by store key; the plain code read every item as a Span (``items``),
coded it with ``codes_for`` and marked the items in a ``Coverage``. All three ways must leave
the same Doc, on corpus texts; and what is left must be refused whenever the group changed."""

from __future__ import annotations

import json

import pytest
from corpus import corpus_texts, doc_before

import caseminer
from caseminer.nlp.coverage import Coverage
from caseminer.nlp.extensions import (
    ASSERTION_KEY,
    ATTRS_KEY,
    DIAGNOSIS,
    SPAN_GROUP,
    get_attrs,
    items,
    set_attrs,
)
from caseminer.nlp.findings import handoff
from caseminer.nlp.terminology import TerminologyLinker, _covering


@pytest.fixture(scope="module")
def nlp():
    return caseminer.load()


def _plain_codes_for(linker: TerminologyLinker, span, found) -> list[dict]:
    """``codes_for`` as it was: every step looked up and coded for every item (no memo of
    whole items), every code copied."""
    from bisect import bisect_left

    memo = found.memo or linker.memo()
    text = found.text[span.start_char : span.end_char].strip()
    steps = []
    if text in found.short_forms:
        steps.append((found.short_forms[text], False))
    for mention in (text, str(get_attrs(span).get("normalized") or "")):
        steps.append(memo.lookup_entries(mention))
    starts = [m.start_char for m in found.terms]
    lo, hi = bisect_left(starts, span.start_char), bisect_left(starts, span.end_char)
    inner = [m for m in found.terms[lo:hi] if m.end_char <= span.end_char]
    if inner:
        best = max(inner, key=lambda m: (m.last - m.first, m.end_char))
        steps.append((best.entries, True))
    codes: list[dict] = []
    for entries, variant in steps:
        have = {c["system"] for c in codes}
        for code in memo.codes(entries, variant) if entries else []:
            if code["system"] not in have:
                codes.append(code)
    return codes


def _plain_set_annotations(linker: TerminologyLinker, doc, found) -> None:
    """``set_annotations`` as it was: a Span per item, ``codes_for``, ``Coverage``."""
    existing = items(doc)
    for span in [s for s in existing if s.label_ == DIAGNOSIS]:
        codes = _plain_codes_for(linker, span, found)
        if codes:
            attrs = dict(get_attrs(span))
            have = {c["system"] for c in attrs.get("codes") or []}
            extra = [c for c in codes if c["system"] not in have]
            if extra:
                attrs["codes"] = list(attrs.get("codes") or []) + extra
                set_attrs(span, attrs)
    taken = Coverage(((s.start_char, s.end_char) for s in existing), len(found.text))
    assert _covering((s.start_char, s.end_char) for s in existing).rstrip(b"\0") == bytes(
        taken._mask
    ).rstrip(b"\0")
    if linker.add_new_items:
        linker.add_items(doc, found, existing)


def _state(doc) -> tuple:
    group = doc.spans[SPAN_GROUP] if SPAN_GROUP in doc.spans else []
    return (
        [(s.start_char, s.end_char, s.label_) for s in group],
        json.dumps(doc.user_data.get(ATTRS_KEY, {}), sort_keys=True),
        json.dumps(doc.user_data.get(ASSERTION_KEY, {}), sort_keys=True, default=str),
    )


def test_the_three_ways_leave_the_same_doc_on_corpus_texts(nlp):
    findings = nlp.get_pipe("caseminer_findings")
    linker = nlp.get_pipe("caseminer_terminology")
    handed = coded = 0
    texts = corpus_texts(["Avascular necrosis (AVN) of the femoral head; fever, AVN."])
    for text in texts + texts:  # the second time, the items' codes come from the memo
        before = doc_before(nlp, text, "caseminer_findings")
        out = []
        for way in ("handoff", "read", "plain"):
            doc = before.copy()
            findings(doc)
            if way != "handoff":
                handoff.leave(None)  # nothing fits: the group is read
            else:
                left = handoff._LEFT[0]
                assert left.fits(doc)
                handed += 1
                coded += len(left.diagnoses)
            found = linker.match(doc)
            if way == "plain":
                _plain_set_annotations(linker, doc, found)
            else:
                linker.set_annotations(doc, found)
            out.append(_state(doc))
        assert out[0] == out[1] == out[2], text[:60]
    assert handed and coded


def test_what_is_left_is_refused_when_the_group_changed(nlp):
    findings = nlp.get_pipe("caseminer_findings")
    text = "Avascular necrosis of the femoral head. She had fever and sarcoidosis."
    before = doc_before(nlp, text, "caseminer_findings")

    doc = before.copy()
    findings(doc)
    assert handoff.take(doc) is not None
    assert handoff.take(doc) is None  # used up

    doc = before.copy()
    findings(doc)
    assert handoff.take(before.copy()) is None  # another Doc

    doc = before.copy()
    findings(doc)
    doc.spans[SPAN_GROUP].append(doc[0:1])  # a component in between added an item
    assert handoff.take(doc) is None

    doc = before.copy()
    findings(doc)
    doc.spans[SPAN_GROUP] = list(doc.spans[SPAN_GROUP])  # ... or replaced the group
    assert handoff.take(doc) is None

    doc = before.copy()
    findings(doc)
    del doc.spans[SPAN_GROUP]
    assert handoff.take(doc) is None

    doc = before.copy()
    findings(doc)
    other = before.copy()
    findings(other)  # the last pass wins
    assert handoff.take(doc) is None


def test_a_pipeline_without_findings_reads_the_group(nlp):
    """The terminology component alone (nothing left) codes what the plain code codes."""
    linker = nlp.get_pipe("caseminer_terminology")
    text = "Avascular necrosis (AVN) of the femoral head. Sarcoidosis was suspected; AVN again."
    before = doc_before(nlp, text, "caseminer_terminology")
    out = []
    for plain in (False, True):
        doc = before.copy()
        handoff.leave(None)
        found = linker.match(doc)
        if plain:
            _plain_set_annotations(linker, doc, found)
        else:
            linker.set_annotations(doc, found)
        out.append(_state(doc))
    assert out[0] == out[1]


def test_abbreviation_pairs_are_the_offsets_read_once_per_doc(nlp):
    from caseminer.nlp.abbreviations import ABBREVIATIONS_KEY, abbreviation_offsets

    compared = 0
    for text in corpus_texts(["Shortness of breath (SOB); SOB again. Avascular necrosis (AVN)."]):
        doc = doc_before(nlp, text, "caseminer_findings")
        expected = abbreviation_offsets(doc)
        assert handoff.abbreviation_pairs(doc) == expected
        assert handoff.abbreviation_pairs(doc) is handoff.abbreviation_pairs(doc)  # read once
        other = doc.copy()
        assert handoff.abbreviation_pairs(other) == expected  # another Doc: read again
        assert handoff.abbreviation_pairs(other) is not handoff.abbreviation_pairs(doc) or not (
            expected
        )
        compared += len(expected)
    assert compared
    # the stored pairs replaced (or emptied) in between: read again
    doc = doc_before(nlp, "Shortness of breath (SOB); SOB again.", "caseminer_findings")
    first = handoff.abbreviation_pairs(doc)
    assert first
    doc.user_data[ABBREVIATIONS_KEY] = []
    assert handoff.abbreviation_pairs(doc) == abbreviation_offsets(doc) == []
