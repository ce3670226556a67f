"""ConText rules as plain data (``Rule``), and word-list token patterns turned into literal rules.

Why a rule class of our own: medspaCy's ``ConTextRule`` is the same record, but importing it
imports medspaCy (and through it PyRuSH, loguru, QuickUMLS) at every cold start, and the
component only needs the fields. ``Rule`` reads medspaCy's rule format (``rules.json``, medspaCy's
packaged ``context_rules.json``) with medspaCy's normalisation (upper-case category, direction and
types), and ``Rule.to_medspacy`` gives the medspaCy object when medspaCy's own ConText is wanted
(a global ``max_scope``, the tests that compare the two).

Literal rules, for speed: medspaCy sends every rule that has a token ``pattern`` to spaCy's
``Matcher``, and a pattern such as ``[{"LOWER": {"IN": ["was", "is", "are"]}}, {"LOWER": {"IN":
["not", "n't"]}}]`` costs a predicate evaluation on every token of every document. A literal rule
goes to the phrase matcher instead, whose cost does not grow with the number of phrases. A pattern
whose tokens are only ``LOWER`` strings or ``LOWER`` ``IN`` lists (optionally ``OP: "?"``) matches
exactly the finite set of phrases it spells out, so it is replaced by one literal rule per phrase
with the same category, direction, scope and target types: the same matches, found faster. Any
other pattern (regular expressions, ``NOT_IN``, ``*``/``+`` operators, other attributes) is kept.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")
# the keys a rule of medspaCy's JSON format may have
RULE_KEYS = frozenset(
    {
        "literal",
        "direction",
        "pattern",
        "category",
        "metadata",
        "allowed_types",
        "excluded_types",
        "max_targets",
        "max_scope",
    }
)


def _upper_set(values: Iterable[str] | None) -> set[str] | None:
    return None if values is None else {v.upper() for v in values}


class Rule:
    """One ConText rule, with medspaCy's ``ConTextRule`` fields and checks."""

    __slots__ = (
        "literal",
        "category",
        "pattern",
        "direction",
        "on_match",
        "on_modifies",
        "allowed_types",
        "excluded_types",
        "max_scope",
        "max_targets",
        "terminated_by",
        "metadata",
    )

    def __init__(
        self,
        literal: str,
        category: str,
        pattern: str | list[dict[str, Any]] | None = None,
        direction: str = "BIDIRECTIONAL",
        on_match: Callable[..., Any] | None = None,
        on_modifies: Callable[..., bool] | None = None,
        allowed_types: Iterable[str] | None = None,
        excluded_types: Iterable[str] | None = None,
        max_scope: int | None = None,
        max_targets: int | None = None,
        terminated_by: Iterable[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ):
        if allowed_types is not None and excluded_types is not None:
            raise ValueError(f"rule {literal!r}: allowed_types and excluded_types are exclusive")
        if max_targets is not None and max_targets <= 0:
            raise ValueError(f"rule {literal!r}: max_targets must be > 0 or None")
        if max_scope is not None and max_scope <= 0:
            raise ValueError(f"rule {literal!r}: max_scope must be > 0 or None")
        if isinstance(terminated_by, str):
            raise ValueError(f"rule {literal!r}: terminated_by must be a collection of categories")
        if direction.upper() not in DIRECTIONS:
            raise ValueError(f"rule {literal!r}: direction {direction!r} not in {DIRECTIONS}")
        self.literal = literal
        self.category = category.upper()
        self.pattern = pattern
        self.direction = direction.upper()
        self.on_match = on_match
        self.on_modifies = on_modifies
        self.allowed_types = _upper_set(allowed_types)
        self.excluded_types = _upper_set(excluded_types)
        self.max_scope = max_scope
        self.max_targets = max_targets
        self.terminated_by = _upper_set(terminated_by) or set()
        self.metadata = metadata

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        unknown = set(data) - RULE_KEYS
        if unknown:
            raise ValueError(f"rule keys {sorted(unknown)} not among {sorted(RULE_KEYS)}")
        return cls(**data)

    def to_data(self) -> dict[str, Any]:
        """Plain data (for the on-disk cache): the JSON keys plus ``terminated_by``."""
        out = {key: getattr(self, key) for key in RULE_KEYS}
        for key in ("allowed_types", "excluded_types"):
            if out[key] is not None:
                out[key] = sorted(out[key])
        out["terminated_by"] = sorted(self.terminated_by)
        return out

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Rule:
        return cls(**data)

    def arguments(self, **changes: Any) -> dict[str, Any]:
        """The constructor arguments that rebuild this rule, with ``changes`` applied (shared by
        ``to_medspacy`` and the literal copies of word-list patterns)."""
        args = {name: getattr(self, name) for name in self.__slots__}
        args["terminated_by"] = self.terminated_by or None
        args.update(changes)
        return args

    def to_medspacy(self) -> Any:
        """The same rule as medspaCy's ``ConTextRule`` (imports medspaCy)."""
        from medspacy.context import ConTextRule

        return ConTextRule(**self.arguments())

    def __repr__(self) -> str:
        return f"Rule({self.literal!r}, {self.category!r}, direction={self.direction!r})"


def rules_from_json(path: str | Path) -> list[Rule]:
    """The rules of a file in medspaCy's format (a ``context_rules`` list)."""
    with open(path, encoding="utf-8") as fh:
        return [Rule.from_dict(r) for r in json.load(fh)["context_rules"]]


# a pattern spelling out more phrases than this stays a pattern. The phrase trie's cost does
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


def _literal_rule(rule: Rule, phrase: str) -> Rule:
    return Rule(**rule.arguments(literal=phrase, pattern=None))


def literalize(rules: list[Rule], taken: Callable[[str], bool] | None = None) -> list[Rule]:
    """The same rules with word-list patterns replaced by literal rules (see module docstring).

    A phrase that another literal rule already defines, or that ``taken`` says another matcher
    owns (the cue families), is not added twice: the first rule for a phrase wins, as it would
    when both matched the same tokens.
    """
    seen = {r.literal.lower() for r in rules if r.pattern is None}
    out: list[Rule] = []
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
