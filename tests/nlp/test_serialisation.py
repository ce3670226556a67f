"""Docs from caseminer's pipeline serialise: to_bytes, DocBin and spaCy's own multiprocessing.

Why: item fields and assertions used to be Python objects in Span extension values, and scispaCy
stored Span objects; spaCy then raised E871 in ``nlp.pipe(n_process=2)``, ``doc.to_bytes()`` and
``DocBin(store_user_data=True)``.
"""

from __future__ import annotations

import json

import pytest
from spacy.tokens import Doc, DocBin, Span

from caseminer.nlp.extensions import (
    DIAGNOSIS,
    LAB,
    add_item,
    get_assertion,
    get_attrs,
    items,
    set_assertion,
    set_attrs,
)

TEXTS = [
    "A 45-year-old woman with systemic lupus erythematosus (SLE) had a hemoglobin of 9.1 g/dL. "
    "She had no history of tuberculosis. SLE flared. Serum creatinine was 2.3 mg/dL.",
    "MRI of the brain showed no lesion. Her platelet count was 85,000/uL and CRP 45 mg/L. "
    "Pneumonia was diagnosed and treated.",
    "Laboratory tests: sodium 131 mmol/L, potassium 5.9 mmol/L. The patient denied fever.",
    "He underwent total hip arthroplasty for avascular necrosis. ALT 88 U/L.",
]


def facts(doc: Doc) -> list[tuple]:
    """Every item with its fields, assertion and abbreviations, as comparable plain data."""
    out = [
        (
            s.label_,
            s.start_char,
            s.end_char,
            json.dumps(get_attrs(s), sort_keys=True),
            json.dumps(s._.assertion, sort_keys=True),
        )
        for s in items(doc)
    ]
    out += [("ABBR", a.text, a._.long_form.text) for a in doc._.abbreviations]
    return out


def test_items_have_labs_and_diagnoses(nlp):
    labels = {f[0] for t in TEXTS for f in facts(nlp(t))}
    assert {LAB, DIAGNOSIS, "ABBR"} <= labels


def test_to_bytes_round_trips_items(nlp):
    for text in TEXTS:
        doc = nlp(text)
        again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
        assert facts(again) == facts(doc)
        assert again._.sections == doc._.sections
        assert again._.patient == doc._.patient


def test_docbin_with_user_data_round_trips_items(nlp):
    docs = list(nlp.pipe(TEXTS))
    bin_ = DocBin(store_user_data=True)
    for doc in docs:
        bin_.add(doc)
    back = list(DocBin().from_bytes(bin_.to_bytes()).get_docs(nlp.vocab))
    assert [facts(d) for d in back] == [facts(d) for d in docs]


def test_pipe_n_process_2_gives_the_same_facts(nlp):
    one = [facts(d) for d in nlp.pipe(TEXTS, n_process=1)]
    two = [facts(d) for d in nlp.pipe(TEXTS, n_process=2, batch_size=1)]
    assert two == one
    assert any(f[0] == LAB for doc in two for f in doc)


def test_same_offsets_different_labels_keep_their_own_fields(nlp):
    doc = nlp.make_doc("fever and chills")
    lab = add_item(doc, Span(doc, 0, 1, label=LAB), {"value": 1})
    dx = add_item(doc, Span(doc, 0, 1, label=DIAGNOSIS), {"normalized": "fever"})
    set_assertion(dx, {"negated": True, "cues": ["no"]})
    assert get_attrs(lab) == {"value": 1}
    assert get_attrs(dx) == {"normalized": "fever"}
    assert get_assertion(lab) is None
    # a fresh Span with the same label and offsets reads the same store
    assert Span(doc, 0, 1, label=DIAGNOSIS)._.assertion == {"negated": True, "cues": ["no"]}
    set_attrs(Span(doc, 0, 1, label=LAB), {"value": 2})
    assert get_attrs(lab) == {"value": 2}


def test_assertion_attribute_writes_through_the_helper(nlp):
    doc = nlp.make_doc("no fever")
    span = add_item(doc, Span(doc, 1, 2, label=DIAGNOSIS), {})
    span._.assertion = {"negated": True}
    assert get_assertion(Span(doc, 1, 2, label=DIAGNOSIS)) == {"negated": True}


@pytest.mark.parametrize("text", ["", "   ", "x"])
def test_odd_docs_serialise(nlp, text):
    doc = nlp(text)
    assert facts(Doc(nlp.vocab).from_bytes(doc.to_bytes())) == facts(doc)


def test_a_pipeline_built_with_add_pipe_serialises_in_a_fresh_process():
    """Without caseminer.load(): the context component installs the msgpack hooks itself (in a
    fresh process, since this one already has them)."""
    import subprocess
    import sys

    code = (
        "import spacy\n"
        "from spacy.tokens import Doc\n"
        "import caseminer.nlp.clinical.component, caseminer.nlp.context.component\n"
        "from caseminer.nlp.extensions import get_attrs, items\n"
        "nlp = spacy.blank('en'); nlp.add_pipe('sentencizer')\n"
        "nlp.add_pipe('caseminer_clinical'); nlp.add_pipe('caseminer_context')\n"
        "doc = nlp('No pneumonia. She underwent total hip arthroplasty.')\n"
        "back = Doc(nlp.vocab).from_bytes(doc.to_bytes())\n"
        "f = lambda d: [(s.label_, s.start_char, get_attrs(s), s._.assertion) for s in items(d)]\n"
        "assert f(back) == f(doc) and len(f(doc)) == 2, f(back)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_items_by_label_and_sections_read_as_plain_data(nlp):
    """``items(doc, label)`` compares label hashes and ``doc_sections``/``section_kind_at`` read
    the stored sections: the same answers as the label strings and ``doc._.sections``."""
    from caseminer.nlp.extensions import doc_sections, section_kind_at

    doc = nlp(TEXTS[0])
    for label in (LAB, DIAGNOSIS, "NO_SUCH_LABEL"):
        assert items(doc, label) == [s for s in items(doc) if s.label_ == label]
    assert doc_sections(doc) == doc._.sections
    assert doc_sections(nlp.make_doc("x")) is None
    fresh = nlp.make_doc("fever")
    fresh._.sections = [{"title": "", "kind": "discussion", "start_char": 0, "end_char": 5}]
    assert section_kind_at(fresh, 1) == "discussion"
