"""caseminer_clinical, speed round 2: the short forms and their long forms read from the stored
token offsets (``abbreviation_offsets``) must be those of ``doc._.abbreviations`` and
``span._.long_form``, and the abbreviation candidates made from them those made from the
Spans."""

from __future__ import annotations

import pytest
from corpus import corpus_texts, doc_before

import caseminer
from caseminer.nlp.clinical import match as match_module
from caseminer.nlp.clinical.candidate import abbreviation_offsets
from caseminer.nlp.clinical.view import DocView

CRAFTED = [
    "She had systemic lupus erythematosus (SLE). SLE flared. Two SLEs were noted.",
    "A transthoracic echocardiogram (TTE) and a coronary artery bypass graft (CABG) were "
    "done.\nThe TTE was normal; CABG followed.",
    "No abbreviation here at all.",
]


def _texts() -> list[str]:
    return corpus_texts(CRAFTED, maccrobat=40)


@pytest.fixture(scope="module")
def pipeline():
    return caseminer.load()


def _before_clinical(nlp, text):
    return doc_before(nlp, text, "caseminer_clinical")


def test_offsets_are_the_spans_and_candidates_are_the_same(pipeline, monkeypatch):
    matcher = pipeline.get_pipe("caseminer_clinical").matcher
    defined = used = 0
    for text in _texts():
        doc = _before_clinical(pipeline, text)
        offsets = abbreviation_offsets(doc)
        assert offsets is not None  # the pipeline's own getters are registered
        spans = [(s.start, s.end, s._.long_form) for s in doc._.abbreviations]
        assert offsets == [(s, e, lf.start, lf.end) for s, e, lf in spans], text[:60]
        view = DocView(doc)
        found = matcher.vocab_candidates(doc)
        fast = matcher.abbreviation_candidates(doc, found, view)
        with monkeypatch.context() as m:
            m.setattr(match_module, "abbreviation_offsets", lambda doc: None)
            plain = matcher.abbreviation_candidates(doc, found, DocView(doc))
        assert fast == plain, text[:60]
        defined += bool(offsets)
        used += len(fast)
    assert defined >= 2 and used >= 3  # the definitions were read and made candidates


def test_no_offsets_when_the_extensions_are_not_ours(pipeline):
    from spacy.tokens import Doc

    doc = _before_clinical(pipeline, CRAFTED[0])
    getter = Doc.get_extension("abbreviations")[2]
    try:
        Doc.set_extension("abbreviations", getter=lambda d: getter(d), force=True)
        assert abbreviation_offsets(doc) is None
    finally:
        Doc.set_extension("abbreviations", getter=getter, force=True)
    assert abbreviation_offsets(doc)
