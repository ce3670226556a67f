"""Imaging vocabularies and the pure helpers behind caseminer_imaging."""

from __future__ import annotations

import pytest

from caseminer.nlp.imaging_attrs import abbreviation_definitions, contrast, descriptors
from caseminer.nlp.imaging_vocab import find_modality_terms, load_vocabulary


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
