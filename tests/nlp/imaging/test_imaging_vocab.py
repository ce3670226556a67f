"""Imaging vocabularies and the pure helpers behind caseminer_imaging."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.imaging.attrs import abbreviation_definitions, contrast, descriptors
from caseminer.nlp.imaging.vocab import find_modality_terms, load_vocabulary


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


@pytest.mark.parametrize(
    ("text", "mention", "modality"),
    [
        ("a plain radiograph", "radiograph", "X-ray"),
        ("x ray of the hip", "x ray", "X-ray"),
        ("computerized tomography", "computerized tomography", "CT"),
        ("HRCT of the lungs", "HRCT", "CT"),
        ("CT angiography of the neck", "CT angiography", "CT angiography"),
        ("magnetic resonance imaging", "magnetic resonance imaging", "MRI"),
        ("MR imaging", "MR", "MRI"),
        ("transesophageal echocardiogram", "transesophageal echocardiogram", "echocardiography"),
        ("18F-FDG-PET", "18F-FDG-PET", "PET"),
        ("PET/CT", "PET/CT", "PET-CT"),
        ("a whole-body bone scan", "whole-body bone scan", "bone scan"),
        ("Tc-99m scintigraphy", "Tc-99m scintigraphy", "scintigraphy"),
        ("digital subtraction angiography", "digital subtraction angiography", "angiography"),
        ("screening mammography", "mammography", "mammography"),
        ("a barium swallow", "barium swallow", "barium study"),
        ("sonography", "sonography", "ultrasound"),
        ("carotid Doppler ultrasound", "ultrasound", "Doppler ultrasound"),
        ("a plain X-ray of the chest", "X-ray", "X-ray"),
        ("cardiac magnetic resonance", "cardiac magnetic resonance", "MRI"),
        ("on T2-weighted images", "T2-weighted images", "MRI"),
        ("despite negative imaging", "imaging", "imaging"),
        ("additional radiologic examinations", "radiologic examinations", "imaging"),
    ],
)
def test_modality_terms(vocab, text, mention, modality):
    found = find_modality_terms(text, vocab)
    assert len(found) == 1
    m = found[0]
    assert text[m.start : m.end] == mention
    assert m.modality == modality


@pytest.mark.parametrize("text", ["ECT", "CTLA4", "pCT", "Ct value", "factor", "atmospheric"])
def test_no_term_inside_words_or_wrong_case(vocab, text):
    assert find_modality_terms(text, vocab) == []


def test_longest_term_wins(vocab):
    text = "positron emission tomography"
    found = find_modality_terms(text, vocab)
    assert [(m.start, m.end, m.modality) for m in found] == [(0, len(text), "PET")]


def test_abbreviation_definitions(vocab):
    text = "Computed tomography (CT) was done; clotting time (CT) was long. Renal US (US) too."
    defs = abbreviation_definitions(text, vocab)
    assert defs["CT"] == {"imaging", "other"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("non-contrast-enhanced CT", False),
        ("CT without contrast", False),
        ("contrast-enhanced CT", True),
        ("CT with intravenous contrast", True),
        ("CT of the abdomen", None),
    ],
)
def test_contrast(vocab, text, expected):
    assert contrast(text, vocab) is expected


def test_descriptors(vocab):
    text = (
        "a lesion with a low intensity in T1, heterogeneous characteristics in T2, a liquid "
        "level, calcifications, rim enhancement and a size of 3,2x2 cm"
    )
    found = descriptors(text, vocab)
    for d in [
        "lesion",
        "low T1 signal",
        "heterogeneous",
        "heterogeneous T2 signal",
        "fluid level",
        "calcification",
        "rim enhancement",
        "size 3.2 x 2 cm",
    ]:
        assert d in found
    assert "enhancement" not in found


# One scan for all modality rules must give exactly what each rule's own finditer gives.
_SCAN_TEXTS = [
    "CT and MRI of the brain; X-ray, x rays, PET/CT and 18F-FDG-PET. US-guided biopsy, CTLA-4.",
    "Transthoracic echocardiography (TTE) and a whole-body bone scan; MR angiography, MRCP.",
    "ECT bus CTCT MRIMRI; T1-weighted and T2 images; Doppler ultrasound; chest radiographs.",
    "",
    "ct mri Ct",
    "X-rayX-ray",
    "(CT)",
    "CT-guided",
    "PET-CT/MRI",
]


@pytest.mark.parametrize("text", _SCAN_TEXTS)
def test_single_scan_equals_per_rule_finditer(vocab, text):
    from caseminer.nlp.imaging.vocab import _rule_matches

    expected = sorted(
        (m.start(), m.end(), rule.id)
        for rule in vocab.modalities
        for m in rule.regex.finditer(text)
    )
    got = sorted((m.start(), m.end(), rule.id) for rule, m in _rule_matches(text, vocab))
    assert got == expected
    for start, end, _ in got:
        assert text[start:end].strip() == text[start:end]


def test_single_scan_finds_overlapping_rules(vocab):
    from caseminer.nlp.imaging.vocab import _rule_matches

    text = "positron emission tomography"
    ids = {rule.id for rule, _ in _rule_matches(text, vocab)}
    assert {"pet.long", "ct.tomography"} <= ids
    found = find_modality_terms(text, vocab)
    assert [text[m.start : m.end] for m in found] == [text]


_PIECES = [
    "CT",
    "MRI",
    "MR",
    "US",
    "x",
    "-",
    "ray",
    " ",
    "/",
    "PET",
    "scan",
    "bone",
    "echo",
    "cardiography",
    "tomography",
    "a",
    "1",
    "18F",
    "(",
    ")",
    "T2",
    "weighted",
    "angio",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_single_scan_equals_per_rule_finditer_on_generated_text(pieces):
    from caseminer.nlp.imaging.vocab import _rule_matches

    vocab = load_vocabulary()
    text = "".join(pieces)
    expected = sorted(
        (m.start(), m.end(), rule.id)
        for rule in vocab.modalities
        for m in rule.regex.finditer(text)
    )
    assert sorted((m.start(), m.end(), r.id) for r, m in _rule_matches(text, vocab)) == expected
