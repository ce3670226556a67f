"""Cheaper equivalents of some imaging regex searches, derived from the rules' parse trees.

- ``boundary_first``: a cue that begins with negative look-behinds and then ``\\b``
  ("finding_verbs": ``(?<!be )(?<!was )...\\b(?:showed|...)``) searched as the same regex with
  the ``\\b`` first. Zero-width tests at one position are a conjunction, so their order changes
  no match; but the engine tries a pattern at every position, and ``\\b`` (one character
  comparison) fails at most of them before any look-behind is read.
- ``needs_digit``: a rule whose every match begins with a decimal digit (the "size"
  descriptor, ``\\d+ ... mm|cm``) cannot match a text without one; one C scan for ``\\d``
  answers that, where the rule itself (no first word to look up) is tried at every position.
"""

from __future__ import annotations

import re
from typing import Any

from caseminer.nlp.regex_tree import sre_c, sre_parse

# leading negative look-behinds without parentheses or escapes inside, then ``\b``
_LEADING_LOOKBEHINDS = re.compile(r"((?:\(\?<![^()\\]*\))+)\\b")
_TWINS: dict[re.Pattern[str], re.Pattern[str]] = {}
_TWINS_MAX = 256


def boundary_first(regex: re.Pattern[str]) -> re.Pattern[str]:
    """``regex``, or a regex that finds exactly what it finds with its leading negative
    look-behinds moved after its ``\\b`` (checked on the parse trees: the same items, the
    ``\\b`` moved to the front). Kept per regex (bounded)."""
    twin = _TWINS.get(regex)
    if twin is None:
        if len(_TWINS) >= _TWINS_MAX:
            _TWINS.clear()
        twin = _TWINS[regex] = _boundary_first(regex)
    return twin


def _boundary_first(regex: re.Pattern[str]) -> re.Pattern[str]:
    m = _LEADING_LOOKBEHINDS.match(regex.pattern)
    if m is None:
        return regex
    pattern = "\\b" + m.group(1) + regex.pattern[m.end() :]
    try:
        twin = re.compile(pattern, regex.flags)
        old = _tree(sre_parse.parse(regex.pattern, regex.flags))
        new = _tree(sre_parse.parse(pattern, regex.flags))
    except (re.error, RecursionError):  # pragma: no cover - both parse when the rule does
        return regex
    k = 0  # the leading negative look-behinds
    while k < len(old) and old[k][0] is sre_c.ASSERT_NOT and old[k][1][0] == -1:
        k += 1
    if (
        0 < k < len(old)
        and old[k] == (sre_c.AT, sre_c.AT_BOUNDARY)
        and new == [old[k], *old[:k], *old[k + 1 :]]
        and twin.groupindex == regex.groupindex
    ):
        return twin
    return regex


def _tree(items: Any) -> Any:
    """A parse tree as nested lists and tuples (``SubPattern`` has no value equality)."""
    if isinstance(items, sre_parse.SubPattern):
        return [_tree(item) for item in items.data]
    if isinstance(items, tuple):
        return tuple(_tree(x) for x in items)
    if isinstance(items, list):
        return [_tree(x) for x in items]
    return items


_DIGIT = re.compile(r"\d")
_NEEDS_DIGIT: dict[tuple[str, int], bool] = {}


def needs_digit(pattern: str, flags: int) -> bool:
    """Whether every match of the rule begins with a decimal digit (``\\d``, what ``_DIGIT``
    finds; under ``re.ASCII`` a subset of it), read off the parse tree past zero-width tests,
    groups and repeats of at least one. Kept per rule (bounded)."""
    key = (pattern, flags)
    known = _NEEDS_DIGIT.get(key)
    if known is None:
        if len(_NEEDS_DIGIT) >= _TWINS_MAX:
            _NEEDS_DIGIT.clear()
        try:
            known = _starts_with_digit(list(sre_parse.parse(pattern, flags)))
        except (re.error, RecursionError):  # pragma: no cover - rules parse
            known = False
        _NEEDS_DIGIT[key] = known
    return known


def has_digit(text: str) -> bool:
    """``text`` holds a decimal digit (as ``\\d`` reads one)."""
    return _DIGIT.search(text) is not None


def _starts_with_digit(items: list) -> bool:
    for op, arg in items:
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue  # zero-width: the first character is the next item's
        if op is sre_c.SUBPATTERN:
            return _starts_with_digit(list(arg[-1]))
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            return arg[0] >= 1 and _starts_with_digit(list(arg[2]))
        if op is sre_c.IN:
            return bool(arg) and all(
                o is sre_c.CATEGORY and a is sre_c.CATEGORY_DIGIT for o, a in arg
            )
        return False
    return False
