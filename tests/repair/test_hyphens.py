"""Line-end hyphens: compounds keep theirs, words split by typesetting join (both paths)."""

from __future__ import annotations

import pytest

from caseminer.readers.pdf.words import join_hyphenated
from caseminer.repair import repair

# (text before the break, text after it, expected joined form)
KEEP = [
    ("acid-", "alcohol", "acid-alcohol"),
    ("two-", "dimensional", "two-dimensional"),
    ("N-", "terminal", "N-terminal"),
    ("C-", "reactive", "C-reactive"),
    ("low-", "molecular-weight", "low-molecular-weight"),
    ("low-molecular-", "weight", "low-molecular-weight"),
    ("moderate-", "to-severe", "moderate-to-severe"),
    ("moderate-to-", "severe", "moderate-to-severe"),
    ("thoraco-", "abdominal", "thoraco-abdominal"),
    ("follow-", "up", "follow-up"),
    ("IL-", "6", "IL-6"),
]
JOIN = [
    ("calcifi-", "cation", "calcification"),
    ("hyperphos-", "phatemia", "hyperphosphatemia"),
    ("examina-", "tion", "examination"),
    ("intrave-", "nous", "intravenous"),
    ("inflam-", "matory", "inflammatory"),
    ("Histo-", "pathological", "Histopathological"),
    ("prote-", "in", "protein"),
]


@pytest.mark.parametrize(("head", "tail", "expected"), KEEP + JOIN)
def test_pdf_reader_join(head, tail, expected):
    assert join_hyphenated(head, tail + " was seen", {}) == expected + " was seen"


@pytest.mark.parametrize(("head", "tail", "expected"), KEEP + JOIN)
def test_text_repair_join(head, tail, expected):
    text = (
        "The patient was admitted with pain in the left hip and a mass that was reported "
        f"on the {head}\n{tail} examination of the whole body.\n"
    )
    assert expected in repair(text).text, repair(text).text


def test_the_document_itself_decides_first():
    # the document writes "followup" elsewhere: the hyphen was typesetting
    assert join_hyphenated("follow-", "up visit", {"followup": 2}) == "followup visit"
