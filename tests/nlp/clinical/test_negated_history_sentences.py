"""caseminer_clinical, speed round 2: the denied-history cue with its literal pre-check read once
per sentence (``CandidateFilters._history_literals``) must be the plain search of every cue in
the text before the mention, on corpus documents and on texts with non-ASCII characters before,
inside and after the cue."""

from __future__ import annotations

import re

import pytest
from corpus import corpus_texts

import caseminer
from caseminer.nlp.clinical.view import DocView

CRAFTED = [
    "No history of tuberculosis was reported. NO FAMILY HISTORY OF diabetes mellitus.",
    "Café owner, no history of sarcoidosis. Denied any history of asthma; but had lupus.",
    "No history of sarcoidosis, café au lait spots, or lupus nephritis. No hıstory of gout.",
    "She had pneumonia.\nNo prior history of stroke or myocardial infarction.",
]
_BREAK = re.compile(r"[;:]|\b(?:but|however|although|though|whereas|except)\b", re.I)


def _texts() -> list[str]:
    return corpus_texts(CRAFTED, maccrobat=40)


@pytest.fixture(scope="module")
def pipeline():
    return caseminer.load()


def _plain(matcher, doc, cand) -> str | None:
    if cand.label != "DIAGNOSIS":
        return None
    sent_start = doc[cand.start].sent.start_char if doc.has_annotation("SENT_START") else 0
    before = doc.text[sent_start : doc[cand.start].idx]
    found = [m for rx in matcher.negated_history for m in rx.finditer(before)]
    if not found:
        return None
    last = max(found, key=lambda m: m.end())
    return None if _BREAK.search(before[last.end() :]) else last.group().strip()


def test_sentence_precheck_is_the_plain_search(pipeline):
    matcher = pipeline.get_pipe("caseminer_clinical").matcher
    cued = checked = 0
    for text in _texts():
        doc = pipeline.make_doc(text)
        for name, proc in pipeline.pipeline:
            if name == "caseminer_clinical":
                break
            doc = proc(doc)
        view = DocView(doc)
        for cand in matcher(doc, view):
            got = matcher.negated_history_cue(view, cand)
            assert got == _plain(matcher, doc, cand), (text[:60], cand)
            cued += got is not None
            checked += 1
    assert cued >= 4 and checked > 200
