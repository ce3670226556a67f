"""caseminer_clinical, speed round 6: the per-word left-modifier memo, the leftward walk that reads
token texts only at possessives and hyphens, the one-dispatch filters, the lazily built collision
tests and the bulk item writer must give exactly what the plain per-token and per-item code
gave, on crafted and corpus texts."""

from __future__ import annotations

import copy

import pytest
from corpus import corpus_texts, doc_before
from spacy.tokens import Span

import caseminer
from caseminer.nlp.clinical.attrs import build_attrs
from caseminer.nlp.clinical.candidate import HYPHENS, MAX_LEFT, POSSESSIVES
from caseminer.nlp.clinical.match import PROCEDURE, _is_word
from caseminer.nlp.clinical.view import DocView
from caseminer.nlp.coverage import Coverage
from caseminer.nlp.extensions import (
    ATTRS_KEY,
    IMAGING,
    LAB,
    SPAN_GROUP,
    add_item,
    get_attrs,
    items,
)

CRAFTED = [
    "She underwent an emergent right total hip replacement of the left knee for Gaucher disease.",
    "Crohn's disease and Wilson's disease. A latex agglutination test was done; HIV serology.",
    "Infiltrating ductal breast cancer (IDC) with salpingo-\noophorectomy and resection\n"
    "arthroplasty. IDC recurred. M. tuberculosis; hepatitis B and C antibodies.",
    "ECG was normal. Hemoglobin 12 g/dL. Physical examination was unremarkable. CT showed a mass.",
    "Non-small cell lung cancer, 2-stage revision - and a two - stage repair.",
]


def _texts() -> list[str]:
    return corpus_texts(CRAFTED, maccrobat=25)


@pytest.fixture(scope="module")
def pipeline():
    return caseminer.load()


def _before_clinical(nlp, text):
    return doc_before(nlp, text, "caseminer_clinical")


@pytest.fixture(scope="module")
def docs(pipeline):
    return [_before_clinical(pipeline, text) for text in _texts()]


def _plain_is_left_modifier(matcher, doc, j: int, label: str) -> bool:
    """The per-token rule before the word memo (Token attributes for the eponym test)."""
    tok = doc[j]
    h = tok.lower
    if h in matcher.left_excluded_ids:
        return False
    if label == PROCEDURE and h in matcher.modifier_word_ids:
        return True
    if h in matcher.left_blocker_ids:
        return False
    if h in matcher.left_modifier_ids or h in matcher.site_word_ids:
        return True
    low = tok.lower_
    if not _is_word(low):
        return False
    if len(low) >= 5 and low.endswith(matcher.adj_suffixes):
        return True
    return len(low) >= 3 and tok.is_title and not tok.is_stop and not tok.is_sent_start


def _plain_extend_left(matcher, doc, start: int, label: str) -> int:
    """The leftward walk before the possessive/hyphen positions: every token's text read."""
    sent_start = doc[start].sent.start if doc.has_annotation("SENT_START") else 0
    i = start
    while i - 1 >= sent_start and start - i < MAX_LEFT:
        j = i - 1
        tok = doc[j]
        text = tok.text
        if tok.is_space and text.count("\n") <= 1 and i - 2 >= sent_start:
            i -= 1
            continue
        if text in POSSESSIVES and i - 2 >= sent_start and doc[i - 2].is_title:
            i -= 2
            continue
        if text in HYPHENS and not tok.whitespace_ and i - 2 >= sent_start:
            prev = doc[i - 2]
            if not prev.whitespace_ and (prev.is_alpha or prev.like_num):
                i -= 2
                continue
            break
        if _plain_is_left_modifier(matcher, doc, j, label):
            i -= 1
            continue
        break
    while i < start and (
        doc[i].is_space or doc[i].lower in matcher._connector_ids or doc[i].text in HYPHENS
    ):
        i += 1
    return i


def test_left_walk_is_the_plain_walk(pipeline, docs):
    matcher = pipeline.get_pipe("caseminer_clinical").matcher
    for doc in docs:
        view = DocView(doc)
        for j in range(len(doc)):
            for label in ("DIAGNOSIS", PROCEDURE):
                assert matcher.is_left_modifier(view, j, label) == _plain_is_left_modifier(
                    matcher, doc, j, label
                ), (doc[j].text, label)
                assert matcher._extend_left(view, j, label) == _plain_extend_left(
                    matcher, doc, j, label
                ), (doc[max(0, j - 6) : j + 1].text, label)


def test_any_space_is_the_set_test(docs):
    for doc in docs[:8]:
        view = DocView(doc)
        for lo in range(-4, len(doc)):
            for hi in range(lo, min(len(doc), lo + 6) + 1):
                assert view.any_space(lo, hi) == (not view.spaces.isdisjoint(range(lo, hi)))


def test_one_dispatch_is_the_four_filters(pipeline, docs):
    matcher = pipeline.get_pipe("caseminer_clinical").matcher
    for doc in docs:
        view = DocView(doc)
        cands = matcher.vocab_candidates(doc) + matcher.morphology_candidates(doc, view)
        for cand in (c for c in cands if matcher.widen(doc, c, view) is not None):
            plain = (
                matcher.is_anaphoric(view, cand)
                or matcher.is_test_or_agent(view, cand)
                or matcher.is_finding(view, cand)
                or matcher.is_medication(view, cand)
            )
            assert matcher.is_other_item(view, cand) == plain


def _plain_match(component, doc, view):
    """``ClinicalExtractor.match`` before the lazily built collision tests."""
    cands = component.matcher(doc, view)
    found = items(doc)
    labs = [s for s in found if s.label_ == LAB]
    taken = [(s.start, s.end) for s in found if s.label_ in (IMAGING, LAB)]
    cover = Coverage(taken, len(doc))
    cands = [c for c in cands if not cover.overlaps(c.start, c.end)]
    analytes = []
    for span in labs:
        attrs = get_attrs(span)
        start, end = attrs.get("analyte_start_char"), attrs.get("analyte_end_char")
        if isinstance(start, int) and isinstance(end, int) and start < end:
            analytes.append((start, end))
    tested = Coverage(analytes)
    return [c for c in cands if not component.matcher.is_valued_test(view, c, tested)]


def test_match_and_bulk_writer_are_the_plain_ones(pipeline, docs):
    component = pipeline.get_pipe("caseminer_clinical")
    for doc in docs:
        fast = component.match(doc, DocView(doc))
        plain = _plain_match(component, doc, DocView(doc))
        assert [vars_of(c) for c in fast] == [vars_of(c) for c in plain]
        # the bulk writer on one copy, add_item per candidate on another
        saved_group = list(doc.spans.get(SPAN_GROUP, ()))
        saved_attrs = copy.deepcopy(doc.user_data.get(ATTRS_KEY))
        component.set_annotations(doc, fast, DocView(doc))
        fast_items = [(s.start, s.end, s.label_) for s in doc.spans.get(SPAN_GROUP, ())]
        fast_attrs = list((doc.user_data.get(ATTRS_KEY) or {}).items())
        doc.spans[SPAN_GROUP] = saved_group
        if saved_attrs is None:
            doc.user_data.pop(ATTRS_KEY, None)
        else:
            doc.user_data[ATTRS_KEY] = saved_attrs
        view, codes = DocView(doc), {}
        for cand in plain:
            span = Span(doc, cand.start, cand.end, label=cand.label)
            add_item(doc, span, build_attrs(component.reader, view, cand, codes))
        assert fast_items == [(s.start, s.end, s.label_) for s in doc.spans.get(SPAN_GROUP, ())]
        assert fast_attrs == list((doc.user_data.get(ATTRS_KEY) or {}).items())


def vars_of(cand) -> tuple:
    return (cand.start, cand.end, cand.label, cand.normalized, cand.rule, cand.category)


def test_morphology_arrays_are_the_per_token_rule(pipeline, docs, monkeypatch):
    """Cold (fresh memo), warm (second pass) and after the memo is cleared, the candidates are
    those of ``_morph_rule`` asked of every token."""
    from caseminer.nlp.clinical import match as match_module
    from caseminer.nlp.clinical.match import ClinicalMatcher
    from caseminer.nlp.clinical.vocab import load_vocab

    matcher = ClinicalMatcher(pipeline.vocab, load_vocab(), True, pipeline.make_doc)

    def plain(doc):
        out = []
        for tok in doc:
            rule = matcher._morph_rule(tok.lower_)
            if rule:
                out.append((tok.i, tok.i + 1, *rule))
        return out

    def fast(doc):
        cands = matcher.morphology_candidates(doc, DocView(doc))
        return [(c.start, c.end, c.label, c.rule, c.category) for c in cands]

    for _ in range(2):
        for doc in docs:
            assert fast(doc) == plain(doc)
    monkeypatch.setattr(match_module, "MORPH_CACHE_SIZE", 50)
    for doc in docs[:6]:
        assert fast(doc) == plain(doc)
        assert len(matcher._morph_decided) == len(matcher._morph_cache)
