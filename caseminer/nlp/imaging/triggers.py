"""Trigger words for the modality rules: where in a text each rule can start, found in one pass.

Why: trying every modality rule (or one regex alternating all of them inside a lookahead) at every
word start costs more than the rest of the imaging component. Every rule match starts at a word
start (patterns are wrapped in ``(?<![A-Za-z0-9])``) with a word that the rule's pattern spells out:
"x-ray" starts with the word "x", "X rays" with "x", "radiographs" with "radiographs". So the
possible first words of each rule are read off its parsed pattern (``first_words``), the text's
words are listed once with a C-level regex, and a rule is tried only at the words it can start
with. Rules whose first word cannot be listed (a repeated letter class, a leading digit run) are
kept as ``fallback`` and scanned on their own. The result is exactly each rule's ``finditer``:
the trigger set of a rule contains every word a match of it can start with.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:  # Python 3.11+
    from re import _constants as sre_c
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

# What counts as part of a word for the rules' boundaries (vocab._LEFT / vocab._RIGHT).
WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_WORDS = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]+")
# more first words than this for one rule: not worth listing, scan the rule on its own
MAX_WORDS = 512


class _Unlisted(Exception):
    """The pattern's first words cannot be listed (or there are too many)."""


def first_words(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Every word (lower case, ``[A-Za-z0-9]+``) a match of ``pattern`` can start with, or None
    when they cannot be listed. A superset is fine (a rule is tried where it cannot match); a
    missing word would lose matches, so anything not understood returns None."""
    try:
        done, open_ = _seq(list(sre_parse.parse(pattern, flags)), {""})
    except (_Unlisted, RecursionError):
        return None
    words = done | open_  # a word still open at the end of a match ends there (right boundary)
    if not words or "" in words:
        return None  # a match could start with a non-word character or be empty
    return frozenset(w.lower() for w in words)


def _seq(items: list, open_: set[str]) -> tuple[set[str], set[str]]:
    """Walk a sequence from words ``open_`` (still growing): (words ended by a non-word
    character, words still growing at the end)."""
    done: set[str] = set()
    for op, arg in items:
        if not open_:
            break
        if op is sre_c.LITERAL:
            char = chr(arg)
            if char in WORD_CHARS:
                open_ = {w + char for w in open_}
            else:
                done |= open_
                open_ = set()
        elif op is sre_c.IN:
            chars, ends = _class(arg)
            if ends:
                done |= open_
            open_ = {w + c for w in open_ for c in chars}
        elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue  # zero-width: a superset is fine
        elif op is sre_c.SUBPATTERN:
            d, open_ = _seq(list(arg[-1]), open_)
            done |= d
        elif op is sre_c.BRANCH:
            grown: set[str] = set()
            for alternative in arg[1]:
                d, o = _seq(list(alternative), open_)
                done |= d
                grown |= o
            open_ = grown
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            low, high, body = arg
            d, o = _seq(list(body), open_) if high else (set(), set())
            done |= d
            if not o:  # one copy always ends the word: more copies change nothing
                open_ = open_ if low == 0 else set()
            elif high == 1:
                open_ = (open_ | o) if low == 0 else o
            else:
                raise _Unlisted  # copies that keep the word growing: unbounded words
        else:
            raise _Unlisted  # ANY, GROUPREF, NOT_LITERAL, ...
        if len(open_) + len(done) > MAX_WORDS:
            raise _Unlisted
    return done, open_


def _ends_word(body: list) -> bool:
    """The body always starts with a non-word character (so the word ends at it)."""
    if not body:
        return False
    op, arg = body[0]
    if op is sre_c.LITERAL:
        return chr(arg) not in WORD_CHARS
    if op is sre_c.IN:
        chars, ends = _class(arg)
        return ends and not chars
    return False


def _class(items: list) -> tuple[list[str], bool]:
    """(word characters of a character class, whether it also holds a non-word character)."""
    chars: list[str] = []
    ends = False
    for op, arg in items:
        if op is sre_c.LITERAL:
            char = chr(arg)
            if char in WORD_CHARS:
                chars.append(char)
            else:
                ends = True
        elif op is sre_c.RANGE:
            for code in range(arg[0], arg[1] + 1):
                if chr(code) in WORD_CHARS:
                    chars.append(chr(code))
                else:
                    ends = True
        elif op is sre_c.CATEGORY and arg is sre_c.CATEGORY_SPACE:
            ends = True
        else:
            raise _Unlisted  # \d, \w, negated classes: not listed
    if len(chars) > 40:
        raise _Unlisted
    return chars, ends


@dataclass(frozen=True)
class Triggers:
    """Which rules (by index) can start with each first word; rules with no list: ``fallback``."""

    by_word: dict[str, tuple[int, ...]]
    fallback: tuple[int, ...]


def build_triggers(patterns: list[tuple[str, int]]) -> Triggers:
    """Triggers of rules given as (pattern, flags), in rule order."""
    by_word: dict[str, list[int]] = {}
    fallback: list[int] = []
    for index, (pattern, flags) in enumerate(patterns):
        words = first_words(pattern, flags)
        if words is None:
            fallback.append(index)
            continue
        for word in words:
            by_word.setdefault(word, []).append(index)
    return Triggers({w: tuple(ix) for w, ix in by_word.items()}, tuple(fallback))


def candidate_starts(text: str, triggers: Triggers) -> Iterator[tuple[int, tuple[int, ...]]]:
    """(position, rule indices) for every word start whose word some rule can start with."""
    by_word = triggers.by_word
    for m in _WORDS.finditer(text):
        rules = by_word.get(m.group().lower())
        if rules:
            yield m.start(), rules


class RuleFilter:
    """For a tuple of word-bounded rules (body sites, descriptors, ...): which of them can match
    in a given text, from the words the text contains. Rules whose first words cannot be listed
    are always kept. ``select`` keeps the rules' order, so callers that let earlier rules claim
    words first ("specific rules first") behave as if every rule had been tried."""

    def __init__(self, patterns: list[tuple[str, int]], triggers: Triggers | None = None) -> None:
        self.triggers = triggers or build_triggers(patterns)

    def select(self, text: str) -> list[int]:
        """Indices of the rules that can match somewhere in ``text``, in rule order."""
        by_word = self.triggers.by_word
        chosen = set(self.triggers.fallback)
        for word in {w.lower() for w in _WORDS.findall(text)}:
            chosen.update(by_word.get(word, ()))
        return sorted(chosen)


def cached_triggers(
    rule_sets: dict[str, list[tuple[str, int]]], sources: list[Path]
) -> dict[str, Triggers]:
    """``build_triggers`` of each named rule set, through the on-disk cache (parsing every
    pattern costs more than loading the result; the key covers the patterns, ``sources`` and
    this module)."""
    from caseminer.nlp import diskcache

    def build() -> dict[str, list]:
        out = {}
        for name, patterns in rule_sets.items():
            t = build_triggers(patterns)
            out[name] = [t.by_word, t.fallback]
        return out

    digest = hashlib.sha256(repr(sorted(rule_sets.items())).encode()).hexdigest()[:16]
    data = diskcache.cached("imaging-triggers", [*sources, Path(__file__)], build, extra=digest)
    return {name: Triggers(dict(by_word), tuple(fb)) for name, (by_word, fb) in data.items()}
