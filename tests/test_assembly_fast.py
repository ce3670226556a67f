"""The assembly's later fast paths against the plain behaviour they replace.

- ``_DocIndex.section_window``: one bisect per section instead of one per item; every character
  of the window it returns must get the answer ``_DocIndex.section`` gives.
- ``assemble`` pauses the cyclic garbage collector and must leave it as it found it.
- ``doc_patient`` reads ``doc._.patient`` from ``doc.user_data``.
- ``build_items`` against the plain version (tests/test_assembly_items.py) on more real reports
  than that file reads (the MACCROBAT texts too when ../shared is present).
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
import spacy
from corpus import corpus_texts
from hypothesis import given, settings
from hypothesis import strategies as st
from test_assembly_items import _both, _hand_made

from caseminer.assemble import assemble
from caseminer.assembly_items import _DocIndex
from caseminer.nlp.extensions import doc_patient, register_extensions
from caseminer.readers.source import SourceText
from caseminer.repair import repair

_TEXT = "Na 140 he was well . CT showed mass there . It was reported by Smith et al ."


def _index_with(sections: list[dict[str, Any]] | None) -> _DocIndex:
    register_extensions()
    doc = spacy.blank("en")(_TEXT)
    doc._.sections = sections
    return _DocIndex(doc)


_SECTION = st.builds(
    lambda a, b, kind: {"title": "", "kind": kind, "start_char": a, "end_char": b},
    st.integers(-3, 90),
    st.integers(-3, 90),
    st.sampled_from(["case", "references", "discussion"]),
)


@settings(max_examples=300, deadline=None)
@given(
    sections=st.one_of(
        st.none(),
        st.lists(_SECTION, max_size=6),  # anything, mostly out of order
        # in text order, with gaps, empty sections and equal starts
        st.lists(st.integers(0, 80), max_size=10).map(
            lambda cuts: [
                {"title": "", "kind": "case", "start_char": a, "end_char": b}
                for a, b in zip(sorted(cuts)[::2], sorted(cuts)[1::2], strict=False)
            ]
        ),
    )
)
def test_section_window_gives_what_section_gives(sections):
    index = _index_with(sections)
    for char in range(-2, 95):
        sec, lo, hi = index.section_window(char)
        assert lo <= char < hi
        assert sec is index.section(char)
        for other in range(max(lo, -5), min(hi, 100)):  # the whole window, within the test range
            assert index.section(other) is sec


@pytest.mark.parametrize("sentences", [True, False])
@pytest.mark.parametrize(
    "sections",
    [
        [  # in order, with a gap, a references section between two others and an empty one
            {"title": "", "kind": "case", "start_char": 0, "end_char": 10},
            {"title": "", "kind": "case", "start_char": 12, "end_char": 12},
            {"title": "Refs", "kind": "references", "start_char": 12, "end_char": 30},
            {"title": "Funding", "kind": "other", "start_char": 30, "end_char": 35},
            {"title": "", "kind": "discussion", "start_char": 40, "end_char": 10**6},
        ],
        [{"title": "", "kind": "introduction", "start_char": 20, "end_char": 10**6}],
    ],
)
def test_items_match_the_plain_code_with_ordered_sections(sentences, sections):
    doc = _hand_made(_TEXT, sentences, sections)
    repaired = repair(_TEXT)
    fast, plain = _both(doc, repaired, SourceText(text=_TEXT, format="string"))
    assert fast == plain


def test_items_match_the_plain_code_on_more_reports(nlp):
    n_items = 0
    for text in corpus_texts([_TEXT]):
        repaired = repair(text)
        doc = nlp(repaired.text)
        fast, plain = _both(doc, repaired, SourceText(text=text, format="string"))
        assert fast == plain
        n_items += sum(map(len, fast[0].values()))
    assert n_items > 100


class _Boom(Exception):
    pass


def test_assemble_leaves_the_collector_as_it_found_it(nlp, monkeypatch):
    import caseminer.assemble as assemble_module

    text = "A 40-year-old woman had fever. Sodium 140 mmol/L."
    repaired = repair(text)
    doc = nlp(repaired.text)
    source = SourceText(text=text, format="string")
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            report = assemble(doc, repaired, source, doc_id="t", nlp=nlp)
            assert report.labs and gc.isenabled() == enabled
        seen = []

        def boom(*args: Any, **kwargs: Any) -> None:
            seen.append(gc.isenabled())  # paused while the items are built
            raise _Boom

        monkeypatch.setattr(assemble_module, "build_items", boom)
        gc.enable()
        with pytest.raises(_Boom):
            assemble(doc, repaired, source, doc_id="t", nlp=nlp)
        assert seen == [False] and gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_doc_patient_reads_what_doc_underscore_reads(nlp):
    doc = nlp("A 40-year-old woman had fever.")
    assert doc._.patient and doc_patient(doc) is doc._.patient
    blank = spacy.blank("en")("no patient here")
    assert doc_patient(blank) is blank._.patient is None
    blank._.patient = {"sex": "male"}
    assert doc_patient(blank) is blank._.patient
