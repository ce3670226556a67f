"""Trigger words for the modality rules: where in a text each rule can start, found in one pass.

Why: trying every modality rule (or one regex alternating all of them inside a lookahead) at every
word start costs more than the rest of the imaging component. Every rule match starts at a word
start (patterns are wrapped in ``(?<![A-Za-z0-9])``) with a word that the rule's pattern spells out:
"x-ray" starts with the word "x", "X rays" with "x", "radiographs" with "radiographs". So the
possible first words of each rule are read off its parsed pattern (``regex_tree.start_words``),
the text's words are listed once with a C-level regex, and a rule is tried only at the words it
can start with. Rules whose first word cannot be listed (a repeated letter class, a leading
digit run) are kept as ``fallback`` and scanned on their own. The result is exactly each rule's
``finditer``: the trigger set of a rule contains every word a match of it can start with.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from caseminer.nlp import regex_tree
from caseminer.nlp.casefold import LOWER_NOT_PLAIN
from caseminer.nlp.regex_tree import WORD_CHARS, start_words

_WORDS = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]+")


@dataclass(frozen=True)
class Triggers:
    """Which rules (by index) can start with each first word, or with a word beginning with
    each prefix; rules with no list: ``fallback``."""

    by_word: dict[str, tuple[int, ...]]
    fallback: tuple[int, ...]
    by_prefix: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # ``by_word`` keyed by the words' ASCII bytes (see ``candidate_starts``)
    _by_bytes: dict[bytes, tuple[int, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        # trigger words are made of WORD_CHARS (ASCII), so each encodes one byte a character
        self._by_bytes.update((w.encode("ascii"), rules) for w, rules in self.by_word.items())

    def bytes_by_word(self) -> dict[bytes, tuple[int, ...]]:
        """``by_word`` with each word as ASCII bytes."""
        return self._by_bytes

    def rules_for(self, words: set[str]) -> dict[str, tuple[int, ...]]:
        """The rules each of ``words`` (lower case) can start, for the words some rule can."""
        by_word = self.by_word
        found = {w: by_word[w] for w in words & by_word.keys()}
        for word in self.prefixed(words):
            extra = [k for p, ks in self.by_prefix.items() if word.startswith(p) for k in ks]
            found[word] = tuple(sorted({*found.get(word, ()), *extra}))
        return found

    def prefixed(self, words: set[str]) -> list[str]:
        """The words of ``words`` that begin with one of the prefixes (one comprehension with
        a C-level ``startswith`` of the prefix tuple per word)."""
        if not self.by_prefix:
            return []
        starts = tuple(self.by_prefix)
        return [w for w in words if w.startswith(starts)]


def build_triggers(patterns: list[tuple[str, int]]) -> Triggers:
    """Triggers of rules given as (pattern, flags), in rule order."""
    by_word: dict[str, list[int]] = {}
    by_prefix: dict[str, list[int]] = {}
    fallback: list[int] = []
    for index, (pattern, flags) in enumerate(patterns):
        found = start_words(pattern, flags)
        if found is None:
            fallback.append(index)
            continue
        for word in found[0]:
            by_word.setdefault(word, []).append(index)
        for prefix in found[1]:
            by_prefix.setdefault(prefix, []).append(index)
    return Triggers(
        {w: tuple(ix) for w, ix in by_word.items()},
        tuple(fallback),
        {p: tuple(ix) for p, ix in by_prefix.items()},
    )


def candidate_starts(text: str, triggers: Triggers) -> Iterator[tuple[int, tuple[int, ...]]]:
    """(position, rule indices) for every word start whose word some rule can start with.

    Why not one pass over every word: a text has thousands of words and a few of them are
    triggers, so testing each word in Python cost more than the rest of the imaging rules.
    Instead the text is made ASCII bytes at the same offsets (``_ascii_lower``), its distinct
    words are listed at C level (non-word bytes turned to spaces, ``split``), the few that are
    triggers are kept, and each is looked up with its own regex (a literal, so the scan is C's
    substring search), keeping only the hits that start a word. That is every word start whose
    word is a trigger: a word's occurrences as a whole word cannot overlap one another, so
    ``finditer`` skips none."""
    low = _ascii_lower(text)
    by_word = triggers.bytes_by_word()
    found: list[tuple[int, tuple[int, ...]]] = []
    # the keys view intersected with the word list itself: only the trigger words found are
    # put in a set (a set of every word of the text first cost a third of the scan)
    for word in by_word.keys() & low.translate(_SPACE_NON_WORD).split():
        rules = by_word[word]
        found.extend(
            (pos, rules)
            for m in _word_regex(word).finditer(low)
            if (pos := m.start()) == 0 or low[pos - 1] not in _WORD_BYTES
        )
    found.sort(key=_first)
    if triggers.by_prefix:
        found = _add_prefixed(text, triggers, found)
    return iter(found)


def _ascii_lower(text: str) -> bytes:
    """``text`` as bytes at the same offsets, A-Z lowered: every non-ASCII character becomes
    one "?" (the encoder's replacement), which is no word character, as the character was not
    (``WORD_CHARS`` is ASCII); ``bytes.lower`` lowers A-Z only."""
    return text.encode("ascii", "replace").lower()


_WORD_BYTES = frozenset(ord(c) for c in WORD_CHARS)
# every byte that is not a word character, made a space (so ``split`` lists the words)
_SPACE_NON_WORD = bytes(c if chr(c) in WORD_CHARS else 32 for c in range(256))
_WORD_REGEX: dict[bytes, re.Pattern[bytes]] = {}


def _word_regex(word: bytes) -> re.Pattern[bytes]:
    """``word`` (lower case) not followed by a word character; compiled once per trigger word
    (the left boundary is checked by the caller: a lookbehind first would keep ``re`` from
    scanning for the literal)."""
    regex = _WORD_REGEX.get(word)
    if regex is None:
        regex = _WORD_REGEX[word] = re.compile(re.escape(word) + b"(?![a-z0-9])")
    return regex


def _first(item: tuple[int, tuple[int, ...]]) -> int:
    return item[0]


def _add_prefixed(
    text: str, triggers: Triggers, found: list[tuple[int, tuple[int, ...]]]
) -> list[tuple[int, tuple[int, ...]]]:
    """``found`` plus the words that begin with a trigger prefix, in text order.

    Why apart: testing every word of the text against the prefixes would cost as much as the
    word scan itself, while the prefixes ("tc99") are rare; so the words that begin with one
    are found with ``str.find`` on the lower-cased text (lowering keeps offsets: see
    ``_lower_ascii``)."""
    # a prefix's caseless part ("99") must be in the text as written: most texts are skipped
    # without being lowered
    prefixes = [p for p in triggers.by_prefix if _caseless_part(p) in text]
    if not prefixes:
        return found
    low = _lower_ascii(text)
    extra: dict[int, str] = {}
    for prefix in prefixes:
        pos = low.find(prefix)
        while pos >= 0:
            if pos == 0 or low[pos - 1] not in WORD_CHARS:
                extra[pos] = _WORDS.match(low, pos).group()  # type: ignore[union-attr]
            pos = low.find(prefix, pos + 1)
    if not extra:
        return found
    merged = dict(found)
    for pos, word in extra.items():
        merged[pos] = triggers.rules_for({word})[word]  # the word's own rules included
    return sorted(merged.items())


def _caseless_part(word: str) -> str:
    """The longest run of ``word``'s characters that have no case ("99" of "tc99m"), which any
    spelling of the word contains as written ("" when every character has a case)."""
    runs = re.findall(r"[^A-Za-z]+", word)
    return max(runs, key=len) if runs else ""


def _lower_ascii(text: str) -> str:
    """``text`` with A-Z lowered and every other character's word-ness unchanged, at the same
    offsets. ``str.lower`` does that (non-ASCII letters stay non-ASCII, one character each)
    except for the two characters in ``LOWER_NOT_PLAIN`` (İ lowers to two characters, the Kelvin
    sign to an ASCII "k"); texts holding one are lowered by ``translate`` (A-Z only, slower)."""
    if text.isascii() or not any(c in text for c in LOWER_NOT_PLAIN):
        return text.lower()
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


class RuleFilter:
    """For a tuple of word-bounded rules (body sites, descriptors, ...): which of them can match
    in a given text, from the words the text contains. Rules whose first words cannot be listed
    are always kept. ``select`` keeps the rules' order, so callers that let earlier rules claim
    words first ("specific rules first") behave as if every rule had been tried."""

    def __init__(self, patterns: list[tuple[str, int]], triggers: Triggers | None = None) -> None:
        self.triggers = triggers or build_triggers(patterns)
        # trigger words found -> the sorted rule indices; see ``select``
        self._chosen: dict[frozenset[str], list[int]] = {}

    def select(self, text: str, words: set[str] | None = None) -> list[int]:
        """Indices of the rules that can match somewhere in ``text``, in rule order
        (``words``: ``words_of(text)`` or a superset, when the caller has it).

        The answer depends only on which trigger words the text holds and which of its
        words begin with a trigger prefix (``rules_for`` of those words is ``rules_for`` of
        all: the other words add nothing), and the same few combinations recur (a side, a
        plane): it is kept per combination (a new list each call; at most ``_CHOSEN_MAX``
        combinations)."""
        triggers = self.triggers
        words = words_of(text) if words is None else words
        hit = frozenset(words & triggers.by_word.keys())
        if triggers.by_prefix:
            # the words that begin with a prefix decide too: keyed with the others (a word
            # can be both; the set is the same whichever way it came in)
            hit = hit.union(triggers.prefixed(words))
        cached = self._chosen.get(hit)
        if cached is None:
            chosen = set(triggers.fallback)
            for rules in triggers.rules_for(set(hit)).values():
                chosen.update(rules)
            if len(self._chosen) >= _CHOSEN_MAX:
                self._chosen.clear()
            cached = self._chosen[hit] = sorted(chosen)
        return list(cached)


_CHOSEN_MAX = 4096


def words_of(text: str) -> set[str]:
    """The distinct words (``[A-Za-z0-9]+``, lower case) of ``text`` (lowered first: the
    lowering keeps every character's word-ness, see ``_lower_ascii``)."""
    return set(_LOW_WORDS.findall(_lower_ascii(text)))


_LOW_WORDS = re.compile(r"[a-z0-9]+")


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
            out[name] = [t.by_word, t.fallback, t.by_prefix]
        return out

    digest = hashlib.sha256(repr(sorted(rule_sets.items())).encode()).hexdigest()[:16]
    code = [Path(__file__), Path(regex_tree.__file__)]  # the first-word reader lives there
    data = diskcache.cached("imaging-triggers", [*sources, *code], build, extra=digest)
    return {
        name: Triggers(dict(by_word), tuple(fb), dict(by_prefix))
        for name, (by_word, fb, by_prefix) in data.items()
    }
