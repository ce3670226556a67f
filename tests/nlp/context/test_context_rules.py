"""caseminer.nlp.context.rules: word-list patterns become phrase rules with the same matches."""

from __future__ import annotations

import pytest
import spacy

import caseminer.nlp.clinical.component  # noqa: F401  (registers the factories)
import caseminer.nlp.context.component  # noqa: F401
from caseminer.nlp.context.rules import Rule, literalize, pattern_phrases
from caseminer.nlp.extensions import items


def test_word_lists_and_optional_tokens_are_spelled_out():
    pattern = [
        {"LOWER": {"IN": ["was", "is"]}},
        {"LOWER": "not", "OP": "?"},
        {"LOWER": "seen"},
    ]
    assert set(pattern_phrases(pattern)) == {"was not seen", "is not seen", "was seen", "is seen"}


@pytest.mark.parametrize(
    "pattern",
    [
        [{"LOWER": {"NOT_IN": ["for"]}}],
        [{"IS_SPACE": True, "OP": "*"}, {"LOWER": "negative"}],
        [{"LOWER": {"REGEX": "^neg"}}],
        [{"LEMMA": "be"}, {"LOWER": "negative"}],
        [{"LOWER": "no", "OP": "+"}],
        "no|not",
        [],
    ],
)
def test_other_patterns_are_left_alone(pattern):
    assert pattern_phrases(pattern) is None


def test_literalize_keeps_category_direction_scope_and_types():
    rule = Rule(
        "was not",
        "NEGATED_EXISTENCE",
        pattern=[{"LOWER": {"IN": ["was", "were"]}}, {"LOWER": "not"}],
        direction="BACKWARD",
        max_scope=5,
        allowed_types={"DIAGNOSIS"},
    )
    plain = Rule("were not", "POSSIBLE_EXISTENCE", direction="FORWARD")
    out = literalize([plain, rule])
    by_literal = {r.literal: r for r in out}
    assert set(by_literal) == {"were not", "was not"}
    assert by_literal["were not"] is plain  # an existing phrase is not defined twice
    made = by_literal["was not"]
    assert made.pattern is None
    assert (made.category, made.direction, made.max_scope) == ("NEGATED_EXISTENCE", "BACKWARD", 5)
    assert made.allowed_types == {"DIAGNOSIS"}


SENTENCES = [
    "There was no evidence of pneumonia or sarcoidosis.",
    "Tuberculosis was not seen, and appendicitis was suspected.",
    "She denies any history of asthma; her mother had multiple sclerosis.",
    "Lymphoma may be ruled out by flow cytometry.",
    "The source of the endocarditis was not identified.",
]


def test_literal_rules_give_the_same_assertions_as_patterns():
    def build(literal: bool):
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("caseminer_clinical")
        nlp.add_pipe("caseminer_context", config={"literal_patterns": literal})
        return nlp

    fast, slow = build(True), build(False)
    compared = 0
    for text in SENTENCES:
        a, b = items(fast(text)), items(slow(text))
        assert [(s.start_char, s.end_char) for s in a] == [(s.start_char, s.end_char) for s in b]
        for sa, sb in zip(a, b, strict=True):
            assert text[sa.start_char : sa.end_char] == sa.text
            flags_a = {k: v for k, v in sa._.assertion.items() if k != "cues"}
            flags_b = {k: v for k, v in sb._.assertion.items() if k != "cues"}
            assert flags_a == flags_b, sa.text
            compared += 1
    assert compared >= 8
