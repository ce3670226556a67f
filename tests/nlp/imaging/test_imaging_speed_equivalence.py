"""caseminer_imaging (speed): sentence bounds read from token arrays are what ``doc.sents``
gives; the rule filters with words given by the caller select what they select alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pipelines import component_pipeline

from caseminer.nlp.imaging.component import sentence_bounds
from caseminer.nlp.imaging.triggers import words_of
from caseminer.nlp.imaging.vocab import (
    StudyMatch,
    applicable,
    load_vocabulary,
    modality_rules_in,
    resolve_overlaps,
)


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline()


@pytest.mark.parametrize(
    "text",
    ["", "One.", "CT of the chest. MRI showed a mass!  Then\n\nUS was normal", "No stop at all"],
)
def test_sentence_bounds_are_the_doc_sentences(nlp, text):
    doc = nlp(text)
    assert sentence_bounds(doc) == [(s.start_char, s.end_char) for s in doc.sents]


def test_rule_filters_with_and_without_words():
    vocab = load_vocabulary()
    text = "Non-contrast CT of the left hip and T2-weighted MRI (axial) with gadolinium"
    for rules in (vocab.sites, vocab.planes, vocab.sequences, vocab.contrast, vocab.laterality):
        assert applicable(rules, text, words_of(text)) == applicable(rules, text)
        tried = set(applicable(rules, text))
        # every rule that matches is among those tried
        assert {r for r in rules if r.regex.search(text)} <= tried
    found = {r.id for r in vocab.modalities if r.regex.search(text)}
    assert found <= {r.id for r in modality_rules_in(text, vocab)}


_PASSIVE_TAIL = r"\s*\b(?:was|were|is|are|be|been|clearly|also|well)\s*$"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "A mass was",
        "A mass was  \n",
        "A mass  clearly ",
        "this",
        "xwas",
        "was",
        "  been\t",
        "A mass Was",
        "lesion (was",
        "well was",
        "A mass\u00a0were\u00a0",
        "fluid_is",
    ],
)
def test_before_passive_verb_is_the_substitution(text):
    import re

    from caseminer.nlp.imaging.attrs import _before_passive_verb

    for end in range(len(text) + 1):
        assert _before_passive_verb(text, end) == len(re.sub(_PASSIVE_TAIL, "", text[:end]))


def test_section_kinds_read_once_are_section_kind_at():
    from caseminer.nlp.extensions import section_kind_at
    from caseminer.nlp.imaging.component import _section_kinds

    doc = component_pipeline("caseminer_sections")(
        "Case report\nA CT was done.\n\nDiscussion\nMRI is useful.\n\nReferences\n1. CT."
    )
    assert len(doc._.sections) > 1
    kind_at = _section_kinds(doc)
    for char in range(len(doc.text) + 1):
        assert kind_at(char) == section_kind_at(doc, char)


def _overlaps_kept_by_scan(matches):
    """The definition resolve_overlaps implements: longest first (earliest on ties), kept when
    it overlaps no match kept before, returned in text order."""
    chosen = []
    for m in sorted(matches, key=lambda m: (-(m.end - m.start), m.start)):
        if all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.sampled_from([0, 1, 2, 3, 5, 8, 13])), max_size=15)
)
def test_resolve_overlaps_by_bisection_keeps_what_the_pairwise_scan_keeps(spans):
    matches = [StudyMatch(s, s + n, k) for k, (s, n) in enumerate(spans)]
    got = [(m.start, m.end, m.rule) for m in resolve_overlaps(matches)]
    assert got == [(m.start, m.end, m.rule) for m in _overlaps_kept_by_scan(matches)]


def test_definitions_of_the_terms_only():
    """``abbreviation_definitions`` limited to the terms' surfaces gives each of them what the
    full table gives, on the corpus texts and on text with defined and undefined short forms."""
    from corpus import corpus_texts

    from caseminer.nlp.imaging.attrs import abbreviation_definitions
    from caseminer.nlp.imaging.vocab import find_modality_terms

    vocab = load_vocabulary()
    crafted = [
        "Computed tomography (CT) and clotting time (CT) were done; an MRI (MRI) and US (US).",
        "ultrasonography (US), optical coherence tomography (OCT), positron emission (PET)",
    ]
    looked_up = 0
    for text in corpus_texts(crafted):
        surfaces = {text[m.start : m.end] for m in find_modality_terms(text, vocab)}
        full = abbreviation_definitions(text, vocab)
        some = abbreviation_definitions(text, vocab, surfaces)
        assert set(some) <= surfaces
        for surface in surfaces:
            assert some.get(surface) == full.get(surface)
            looked_up += surface in full
    assert looked_up > 3
