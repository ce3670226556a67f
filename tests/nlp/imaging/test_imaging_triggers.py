"""First words of modality patterns (caseminer.nlp.imaging.triggers): a superset of every word a
match can start with, or None when they cannot be listed."""

from __future__ import annotations

import re

import pytest

from caseminer.nlp.imaging.triggers import build_triggers, candidate_starts, first_words


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("CT|MRI", {"ct", "mri"}),
        ("(?:plain\\s+)?x[- ]?rays?", {"plain", "x", "xray", "xrays"}),
        ("T2(?:[- ]?weighted)?", {"t2", "t2weighted"}),
        ("(?:(?:two|2)[- ]dimensional\\s+|stress\\s+)*echo", {"two", "2", "stress", "echo"}),
        ("18F-FDG", {"18f"}),
        ("colou?r", {"color", "colour"}),
    ],
)
def test_first_words(pattern, words):
    assert first_words(pattern, re.IGNORECASE) == words


@pytest.mark.parametrize(
    "pattern", ["\\w+ scan", "a+rt", "tc-?99m?\\s*\\w*", "-CT", "(?:CT)?", "."]
)
def test_unlistable_patterns_fall_back(pattern):
    assert first_words(pattern) is None


def test_candidates_are_word_starts_with_a_trigger():
    triggers = build_triggers([("CT", 0), ("x[- ]?ray", re.IGNORECASE), ("\\w+ scan", 0)])
    assert triggers.fallback == (2,)
    text = "ECT, a CT and X-ray; CTLA-4 (ct)"
    got = [(pos, rules) for pos, rules in candidate_starts(text, triggers)]
    assert got == [(7, (0,)), (14, (1,)), (29, (0,))]
