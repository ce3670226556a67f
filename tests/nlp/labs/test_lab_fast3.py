"""Labs speed round 3: each fast path against the plain form on real and generated texts."""

from __future__ import annotations

import pytest
from corpus import corpus_texts, doc_before

from caseminer.nlp.extensions import LAB
from caseminer.nlp.labs.component import _char_span


@pytest.fixture(scope="module")
def nlp():
    from caseminer.nlp import pipeline

    return pipeline.build()


def test_char_span_with_the_label_hash_is_the_span_with_the_label(nlp):
    """``set_annotations`` passes LAB as its hash: the same spans (tokens, label) as the string,
    for every value the component pairs and for ranges that need expanding or fail."""
    labs = nlp.get_pipe("caseminer_labs")
    checked = 0
    for text in corpus_texts(["Na 140 mmol/L, K+3.9, CRP<5 mg/L and Hb 12,5 g/dL."], maccrobat=10):
        doc = doc_before(nlp, text, "caseminer_labs")
        label = doc.vocab.strings.add(LAB)
        ranges = [(m.value.start, m.value.end) for m in labs.match(doc)]
        ranges += [(s + 1, e) for s, e in ranges] + [(s, e - 1) for s, e in ranges]
        for s, e in ranges:
            plain, fast = _char_span(doc, s, e, doc.text), _char_span(doc, s, e, doc.text, label)
            if plain is None:
                assert fast is None
                continue
            assert fast is not None
            assert (fast.start, fast.end, fast.label_) == (plain.start, plain.end, plain.label_)
            checked += 1
    assert checked > 100
