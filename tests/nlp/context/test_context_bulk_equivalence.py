"""caseminer_context, speed round 6: the bulk writer of ``set_annotations`` (verdicts and attrs
written straight into their ``doc.user_data`` stores), the document-wide differential test and
the sentence starts read from the component's one array must give exactly the Doc state of the
plain per-span setters, the per-sentence regex and ``sentence_starts``."""

from __future__ import annotations

import copy
import re
from bisect import bisect_right

import pytest
from corpus import corpus_texts, doc_before
from hypothesis import given, settings
from hypothesis import strategies as st

import caseminer
from caseminer.nlp.context.graph import sentence_starts, starts_of, target_ranges
from caseminer.nlp.context.status import (
    NO_FLAGS,
    DifferentialCues,
    ProcedureNegation,
    _is_filler,
    assertion_of,
    differential_regex,
    status_of,
)
from caseminer.nlp.extensions import (
    ASSERTION_KEY,
    ATTRS_KEY,
    DIAGNOSIS,
    IMAGING,
    PROCEDURE,
    SPAN_GROUP,
    get_attrs,
    set_assertion,
    set_attrs,
)
from caseminer.patterns import read_json

CRAFTED = [
    "The differential diagnosis included sarcoidosis and tuberculosis. No lymphoma was seen.",
    "Lupus can MIMIC vasculitis. She had no biopsy. A CT scan was not performed.",
    "The dıfferential diagnosis included lupus; asthma was suspected.",  # dotless i
    "Asthma had to be DISTINGUISHED FROM bronchitis. Pneumonia resolved after treatment.",
    "She had pneumonia. Her mother had multiple sclerosis. No fever.",
]


def _texts() -> list[str]:
    return corpus_texts(CRAFTED, maccrobat=25)


@pytest.fixture(scope="module")
def pipeline():
    return caseminer.load()


def _before_context(nlp, text):
    return doc_before(nlp, text, "caseminer_context")


def _plain_set_annotations(component, doc, targets, starts, modifiers, lower):
    """The writer before the bulk one: a setter call per target, Span texts, and the
    differential regex run on every sentence a diagnosis touches."""
    strings = doc.vocab.strings

    def cue_text(start: int, end: int) -> str:
        return doc[start:end].text

    def word(i: int) -> str:
        return strings[lower[i]]

    regex = differential_regex(read_json("context", "status.json")["differential_cues"])
    for span, (start, end, label) in zip(targets, target_ranges(targets), strict=True):
        first = bisect_right(starts, start) - 1
        sent_start = starts[first]
        found = modifiers.get((start, end))
        assertion = assertion_of(found, cue_text) if found else {**NO_FLAGS, "cues": []}
        if label in (PROCEDURE, IMAGING) and not assertion["negated"]:
            cue = component.procedure_negation.cue(lower, start, sent_start, word)
            if cue:
                assertion["negated"] = True
                assertion["cues"].append(cue_text(*cue))
        set_assertion(span, assertion)
        if label != DIAGNOSIS:
            continue
        attrs = dict(get_attrs(span))
        last = bisect_right(starts, max(start, end - 1))
        sent_end = starts[last] if last < len(starts) else len(doc)
        attrs["status"] = status_of(assertion, bool(regex.search(doc[sent_start:sent_end].text)))
        set_attrs(span, attrs)


def test_bulk_writer_is_the_setters(pipeline):
    component = pipeline.get_pipe("caseminer_context")
    checked = 0
    for text in _texts():
        doc = _before_context(pipeline, text)
        saved = {key: copy.deepcopy(doc.user_data.get(key)) for key in (ASSERTION_KEY, ATTRS_KEY)}
        component(doc)
        fast = {key: copy.deepcopy(doc.user_data.get(key)) for key in saved}
        for key, value in saved.items():  # back to the state before the component
            if value is None:
                doc.user_data.pop(key, None)
            else:
                doc.user_data[key] = value
        targets = list(doc.spans.get(SPAN_GROUP, ()))
        if not targets:
            continue
        lower, arr = component.matcher.arrays(doc)
        starts = sentence_starts(doc)
        matches = component.matches(doc, lower, arr)
        modifiers = component.run_context(doc, lower, matches, target_ranges(targets), starts)
        _plain_set_annotations(component, doc, targets, starts, modifiers, lower)
        for key in saved:  # same entries, in the same order
            assert list((fast[key] or {}).items()) == list(doc.user_data[key].items()), text[:60]
        checked += 1
    assert checked >= len(CRAFTED)


def test_sentence_starts_from_the_array_are_sentence_starts(pipeline):
    component = pipeline.get_pipe("caseminer_context")
    for text in _texts()[:10]:
        doc = _before_context(pipeline, text)
        _, arr = component.matcher.arrays(doc)
        assert starts_of(arr[:, 4]) == sentence_starts(doc)
        assert arr[:, 0].tolist() == [t.lower for t in doc]


CUES = read_json("context", "status.json")["differential_cues"]
_PIECES = [*CUES, "differ", "mimi", "distinguished", " ", ".", "x", "ı", "İ", "ſ", "K", "é"]


@st.composite
def cue_texts(draw) -> str:
    """Texts made of cue words and their pieces in random letter case, with the characters
    ``re.IGNORECASE`` folds to ASCII letters."""
    parts = draw(st.lists(st.sampled_from(_PIECES), max_size=8))
    flips = draw(st.lists(st.booleans(), min_size=200, max_size=200))
    text = "".join(parts)
    return "".join(c.upper() if flips[i % 200] else c for i, c in enumerate(text))


@settings(max_examples=300, deadline=None)
@given(cue_texts())
def test_differential_possible_never_misses_a_match(text):
    cues = DifferentialCues(CUES)
    if cues.regex.search(text) is not None:
        assert cues.possible(text), text
    assert cues.regex.pattern == differential_regex(CUES).pattern


def test_differential_possible_rules_out_plain_text():
    cues = DifferentialCues(CUES)
    assert not cues.possible("She had pneumonia. No fever.")
    assert cues.possible("The Differential Diagnosis included lupus.")
    assert cues.possible("The dıfferential diagnosis included lupus.")  # folds: always tried
    assert re.search(cues.regex, "The dıfferential diagnosis") is not None


def _plain_cue(negation, lower, start, sent_start, word):
    """``ProcedureNegation.cue`` before the per-word filler memo."""
    i = start
    while i > sent_start and start - i < 3 and _is_filler(word(i - 1), negation.fillers):
        i -= 1
    if i <= sent_start or lower[i - 1] not in negation.last_words:
        return None
    for width in (3, 2, 1):
        if i - width >= sent_start and tuple(lower[i - width : i]) in negation.negators:
            return i - width, i
    return None


def test_procedure_negation_memo_is_the_plain_test(pipeline):
    cues = read_json("context", "cues.json")["procedure_negation"]
    negation = ProcedureNegation(cues.get("negators", []), cues.get("fillers", []))
    texts = [*_texts(), "No further 24-hour surgery. Without prophylactic 2 endoscopic therapy."]
    for text in texts:
        doc = _before_context(pipeline, text)
        lower = [t.lower for t in doc]
        starts = sentence_starts(doc)
        strings = doc.vocab.strings

        def word(i: int, strings=strings, lower=lower) -> str:
            return strings[lower[i]]

        for start in range(len(doc)):
            sent_start = starts[bisect_right(starts, start) - 1]
            for _ in range(2):  # the second call reads the memo
                got = negation.cue(lower, start, sent_start, word)
                assert got == _plain_cue(negation, lower, start, sent_start, word)
