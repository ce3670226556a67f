"""Turn ConText token patterns that only list words into plain literal rules, for speed.

Why: medspaCy sends every rule that has a token ``pattern`` to spaCy's ``Matcher``, and a pattern
such as ``[{"LOWER": {"IN": ["was", "is", "are"]}}, {"LOWER": {"IN": ["not", "n't"]}}]`` costs a
predicate evaluation on every token of every document. Profiling the dev corpus put about three
quarters of the ConText time in that ``Matcher``. A literal rule goes to the ``PhraseMatcher``
instead, whose cost does not grow with the number of phrases. A pattern whose tokens are only
``LOWER`` strings or ``LOWER`` ``IN`` lists (optionally ``OP: "?"``) matches exactly the finite
set of phrases it spells out, so it is replaced by one literal rule per phrase with the same
category, direction, scope and target types: the same matches, found faster. Any other pattern
(regular expressions, ``NOT_IN``, ``*``/``+`` operators, other attributes) is kept as it is.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from medspacy.context import ConTextRule

# a pattern spelling out more phrases than this stays a pattern. The PhraseMatcher's cost does
# not grow with the number of phrases, so the limit only guards against a runaway product (it was
# 64, which left medspaCy's "family" rule, 153 phrases, in the slow token Matcher)
MAX_PHRASES = 2000


def _token_choices(token: dict[str, Any]) -> list[str | None] | None:
    """The words one pattern token accepts (None = may be absent), or None if not a word list."""
    keys = set(token) - {"OP"}
    if keys != {"LOWER"} or token.get("OP") not in (None, "?"):
        return None
    value = token["LOWER"]
    if isinstance(value, str):
        words: list[str | None] = [value]
    elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list):
        words = [w for w in value["IN"] if isinstance(w, str)]
        if len(words) != len(value["IN"]):
            return None
    else:
        return None
    # a multi-word string in a single-token IN list can never match one token: read it as the
    # phrase it spells (medspaCy's "risks of" rule lists "risk of" that way)
    if any(w is not None and (not w or w != w.lower() or w != " ".join(w.split())) for w in words):
        return None
    if token.get("OP") == "?":
        words.append(None)
    return words


def pattern_phrases(pattern: Any) -> list[str] | None:
    """Every phrase a word-list token pattern matches, or None when it is not such a pattern."""
    if not isinstance(pattern, list) or not pattern:
        return None
    choices = []
    for token in pattern:
        if not isinstance(token, dict):
            return None
        words = _token_choices(token)
        if words is None:
            return None
        choices.append(words)
    n = 1
    for words in choices:
        n *= len(words)
    if n > MAX_PHRASES:
        return None
    phrases = []
    for combo in itertools.product(*choices):
        words = [w for w in combo if w is not None]
        if words:
            phrases.append(" ".join(words))
    return list(dict.fromkeys(phrases))


def _literal_rule(rule: ConTextRule, phrase: str) -> ConTextRule:
    return ConTextRule(
        literal=phrase,
        category=rule.category,
        direction=rule.direction,
        on_match=rule.on_match,
        on_modifies=rule.on_modifies,
        allowed_types=rule.allowed_types,
        excluded_types=rule.excluded_types,
        max_scope=rule.max_scope,
        max_targets=rule.max_targets,
        terminated_by=rule.terminated_by or None,
        metadata=rule.metadata,
    )


def literalize(
    rules: list[ConTextRule], taken: Callable[[str], bool] | None = None
) -> list[ConTextRule]:
    """The same rules with word-list patterns replaced by literal rules (see module docstring).

    A phrase that another literal rule already defines, or that ``taken`` says another matcher
    owns (the cue families), is not added twice: the first rule for a phrase wins, as it would
    when both matched the same tokens.
    """
    seen = {r.literal.lower() for r in rules if r.pattern is None}
    out: list[ConTextRule] = []
    for rule in rules:
        phrases = pattern_phrases(rule.pattern) if rule.pattern is not None else None
        if phrases is None:
            out.append(rule)
            continue
        for phrase in phrases:
            if phrase in seen or (taken is not None and taken(phrase)):
                continue
            seen.add(phrase)
            out.append(_literal_rule(rule, phrase))
    return out
