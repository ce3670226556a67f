"""First words of modality patterns (caseminer.nlp.imaging.triggers): a superset of every word a
match can start with, or None when they cannot be listed."""

from __future__ import annotations

import re

import pytest

from caseminer.nlp.imaging.triggers import build_triggers, candidate_starts
from caseminer.nlp.regex_tree import first_words, start_words


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


@pytest.mark.parametrize(
    ("pattern", "words", "prefixes"),
    [
        ("tc-?99m?\\s*\\w*", {"tc", "tc99", "tc99m"}, {"tc99", "tc99m"}),
        ("bone\\w*", {"bone"}, {"bone"}),  # zero copies: the word "bone" itself
        ("CT|MRI", {"ct", "mri"}, set()),
    ],
)
def test_start_words_with_prefixes(pattern, words, prefixes):
    assert start_words(pattern, re.IGNORECASE) == (words, prefixes)


@pytest.mark.parametrize("pattern", ["\\w+ scan", "a+rt", "(?:\\w|-)+x", "-CT"])
def test_start_words_unlistable(pattern):
    assert start_words(pattern) is None


def test_prefix_rules_start_where_a_word_begins_with_the_prefix():
    triggers = build_triggers([("CT", 0), ("tc-?99m?\\s*\\w*\\s+scan", re.IGNORECASE)])
    assert triggers.fallback == () and "tc99" in triggers.by_prefix
    text = "Tc99mMDP scan, tc-99m scan, CT; atc99 and TC99 x"
    got = list(candidate_starts(text, triggers))
    assert got == [(0, (1,)), (15, (1,)), (28, (0,)), (42, (1,))]


def test_candidate_starts_give_every_rule_match_of_the_modality_rules():
    """Trying each rule at its candidate starts finds what its own finditer finds."""
    from caseminer.nlp.imaging.vocab import load_vocabulary

    vocab = load_vocabulary()
    text = (
        "A Tc-99m MDP bone scan, TC99m sestamibi scan and Tc99mDTPA renal scan; 18F-FDG PET/CT, "
        "x-rays, CT angiography and ultrasound (US) of the İliac region; chest X ray \u212a."
    )
    starts = {}
    for pos, rules in candidate_starts(text, vocab.triggers):
        for k in rules:
            starts.setdefault(k, set()).add(pos)
    for k, rule in enumerate(vocab.modalities):
        if k in vocab.triggers.fallback:
            continue
        for m in rule.regex.finditer(text):
            assert m.start() in starts.get(k, set()), (rule.id, m.group())
