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
from dataclasses import dataclass, field
from pathlib import Path

from caseminer.nlp.regex_tree import sre_c, sre_parse

# What counts as part of a word for the rules' boundaries (vocab._LEFT / vocab._RIGHT).
WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_WORDS = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]+")
# more first words than this for one rule: not worth listing, scan the rule on its own
MAX_WORDS = 512


class _Unlisted(Exception):
    """The pattern's first words cannot be listed (or there are too many)."""


class _TooMany(_Unlisted):
    """More first words than ``MAX_WORDS``: not worth listing, even as prefixes."""


def first_words(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Every word (lower case, ``[A-Za-z0-9]+``) a match of ``pattern`` can start with, or None
    when they cannot be listed. A superset is fine (a rule is tried where it cannot match); a
    missing word would lose matches, so anything not understood returns None."""
    found = start_words(pattern, flags)
    if found is None or found[1]:
        return None
    return found[0]


def start_words(pattern: str, flags: int = 0) -> tuple[frozenset[str], frozenset[str]] | None:
    """(words, prefixes): a match of ``pattern`` starts with one of the words or with a word
    that begins with one of the prefixes; None when neither can be listed.

    Prefixes are for patterns whose first word can grow without bound after a known start
    ("tc-?99m?\\s*\\w*": any word beginning "tc99"): whatever follows the known start, the
    match's first word begins with it. A start that is still empty cannot be a prefix."""
    try:
        done, open_, prefixes = _seq(list(sre_parse.parse(pattern, flags)), {""})
    except (_Unlisted, RecursionError):
        return None
    words = done | open_  # a word still open at the end of a match ends there (right boundary)
    if (not words and not prefixes) or "" in words or "" in prefixes:
        return None  # a match could start with a non-word character or be empty
    return frozenset(w.lower() for w in words), frozenset(p.lower() for p in prefixes)


def _seq(items: list, open_: set[str]) -> tuple[set[str], set[str], set[str]]:
    """Walk a sequence from words ``open_`` (still growing): (words ended by a non-word
    character, words still growing at the end, prefixes of words that grow without bound)."""
    done: set[str] = set()
    prefixes: set[str] = set()
    for op, arg in items:
        if not open_:
            break
        try:
            open_ = _step(op, arg, open_, done, prefixes)
        except _TooMany:
            raise
        except _Unlisted:
            if "" in open_:
                raise  # nothing known of the first word yet
            prefixes |= open_  # what follows only lengthens the words begun so far
            return done, set(), prefixes
        if len(open_) + len(done) + len(prefixes) > MAX_WORDS:
            raise _TooMany
    return done, open_, prefixes


def _step(op, arg, open_: set[str], done: set[str], prefixes: set[str]) -> set[str]:
    """One item of a sequence: the open words after it (ended words go to ``done``, unbounded
    ones to ``prefixes``); raises _Unlisted for what it does not understand."""
    if op is sre_c.LITERAL:
        char = chr(arg)
        if char in WORD_CHARS:
            return {w + char for w in open_}
        done |= open_
        return set()
    if op is sre_c.IN:
        chars, ends = _class(arg)
        if ends:
            done |= open_
        return {w + c for w in open_ for c in chars}
    if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
        return open_  # zero-width: a superset is fine
    if op is sre_c.SUBPATTERN:
        d, o, p = _seq(list(arg[-1]), open_)
        done |= d
        prefixes |= p
        return o
    if op is sre_c.BRANCH:
        grown: set[str] = set()
        for alternative in arg[1]:
            d, o, p = _seq(list(alternative), open_)
            done |= d
            prefixes |= p
            grown |= o
        return grown
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        low, high, body = arg
        d, o, p = _seq(list(body), open_) if high else (set(), set(), set())
        done |= d
        prefixes |= p
        if not o:  # one copy always ends the word: more copies change nothing
            return open_ if low == 0 else set()
        if high == 1:
            return (open_ | o) if low == 0 else o
        raise _Unlisted  # copies that keep the word growing: unbounded words
    raise _Unlisted  # ANY, GROUPREF, NOT_LITERAL, ...


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
    except for the two characters in ``_NOT_PLAIN`` (İ lowers to two characters, the Kelvin
    sign to an ASCII "k"); texts holding one are lowered by ``translate`` (A-Z only, slower)."""
    if text.isascii() or not any(c in text for c in _NOT_PLAIN):
        return text.lower()
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
# the only characters whose str.lower() changes the length or yields an ASCII character
_NOT_PLAIN = ("\u0130", "\u212a")


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
    data = diskcache.cached("imaging-triggers", [*sources, Path(__file__)], build, extra=digest)
    return {
        name: Triggers(dict(by_word), tuple(fb), dict(by_prefix))
        for name, (by_word, fb, by_prefix) in data.items()
    }
