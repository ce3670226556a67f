"""Finding the catalogue's analyte names in text: a dictionary lookup of each word, then a small
regex for the names that start with that word.

Why not one regex: the alternation of all ~1,900 names is 23k characters; compiling it cost
about 50 ms of every fresh process and running it tried the whole trie at each character of a
report. Every name starts with a word (a run of ``\\w`` characters, or a single non-word character
for a name like "(1,3)-β-d-glucan"), and the word in the text where a name matches is that same
word, so a set lookup tells where a name can start and which few names to try there. The regex for
one first word is compiled the first time a report contains that word; it holds the names of the
full pattern that can match there, in the same trie order, so the match is the full pattern's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

_WORD = re.compile(r"\w+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: what may follow a name (the full pattern's tail): not inside a word, not an age ("CRP-year")
_TAIL = r"(?![\w])(?!-(?:year|month|week|day))"


def norm(s: str) -> str:
    """The case-insensitive form of a name or text (micro signs and dashes unified)."""
    return s.lower().replace("µ", "μ").replace("–", "-").replace("‐", "-")


def text_words(text: str, lo: int, hi: int) -> set[str]:
    """The words of text[lo:hi] in the case-insensitive form ``NameMatcher`` looks them up in;
    computed once per text and passed to each matcher."""
    return set(_WORD.findall(norm(text), lo, hi))


def _first_word(name: str) -> str:
    """The word a name starts with, or its first character when that is not a word character."""
    m = _WORD.match(name)
    return m.group() if m else name[:1]


def _folds_like_lower(c: str) -> bool:
    """Whether the regex engine's case-insensitive matching of ``c`` is ``norm``'s: false for
    the few characters with a second lowercase form ("ſ" is "s", "ϐ" is "β", "ς" is "σ")."""
    return len(c.lower()) == 1 and norm(c.upper()) == norm(c)


class NameMatcher:
    """Leftmost-longest names in text, the same matches as the regex
    ``(?<![\\w-])(?:(?i:<insensitive names>)|<sensitive names>)(?![\\w])(?!-(?:year|...))``
    over tries of all the names, found by first-word lookup."""

    def __init__(
        self,
        insensitive: Iterable[str],
        sensitive: Iterable[str],
        alternation: Callable[..., str],  # catalogue.trie_alternation
        tail: str = _TAIL,
    ) -> None:
        self._alternation = alternation
        self._tail = tail
        self._ci: dict[str, list[str]] = {}
        self._cs: dict[str, list[str]] = {}
        for name in insensitive:
            self._ci.setdefault(norm(_first_word(name)), []).append(name)
        for name in sensitive:
            self._cs.setdefault(_first_word(name), []).append(name)
        # first characters that are not word characters ("(" of "(1,3)-β-d-glucan")
        self._odd = {k for k in (*self._ci, *self._cs) if not _WORD.match(k)}
        # sensitive first words by their lowercased form: the text's words are lowercased once
        self._cs_folded: dict[str, list[str]] = {}
        for key in self._cs:
            if key not in self._odd:
                self._cs_folded.setdefault(norm(key), []).append(key)
        self._finders: dict[str, re.Pattern[str]] = {}
        self._names = (list(insensitive), list(sensitive))
        # names whose own characters fold unusually: then only the full pattern is exact
        chars = {c for names in self._names for n in names for c in n if not c.isascii()}
        self._exact = all(_folds_like_lower(c) for c in chars)
        self._compiled: dict[tuple[str | None, str | None], re.Pattern[str]] = {}
        self._full: re.Pattern[str] | None = None

    def _pattern(self, ci_names: list[str], cs_names: list[str]) -> re.Pattern[str]:
        alts = []
        if ci_names:
            alts.append(f"(?i:{self._alternation(ci_names, case_insensitive=True)})")
        if cs_names:
            alts.append(self._alternation(cs_names, case_insensitive=False))
        return re.compile(rf"(?<![\w-])(?:{'|'.join(alts)}){self._tail}")

    def _for(self, ci_key: str | None, cs_key: str | None) -> re.Pattern[str]:
        """The pattern of the names starting with these words (compiled once per matcher)."""
        rx = self._compiled.get((ci_key, cs_key))
        if rx is None:
            ci = self._ci.get(ci_key, []) if ci_key is not None else []
            cs = self._cs.get(cs_key, []) if cs_key is not None else []
            rx = self._compiled[(ci_key, cs_key)] = self._pattern(ci, cs)
        return rx

    def full(self) -> re.Pattern[str]:
        """The one pattern of all names (for texts whose characters fold unusually)."""
        if self._full is None:
            self._full = self._pattern(*self._names)
        return self._full

    def finditer(
        self, text: str, lo: int = 0, hi: int | None = None, words: set[str] | None = None
    ) -> Iterator[re.Match[str]]:
        """What ``full().finditer(text, lo, hi)`` finds, trying names only where a first word
        of one stands (``words``: ``text_words(text, lo, hi)`` when the caller has it)."""
        hi = len(text) if hi is None else hi
        low = norm(text)
        if (
            not self._exact
            or len(low) != len(text)
            or not (text.isascii() or all(map(_folds_like_lower, set(_NON_ASCII.findall(text)))))
        ):
            yield from self.full().finditer(text, lo, hi)
            return
        if words is None:
            words = set(_WORD.findall(low, lo, hi))
        starts = self._starts(text, low, lo, hi, words)
        end = -1
        for p in sorted(starts):
            if p < end:
                continue
            ci_key, cs_key = starts[p]
            m = self._for(ci_key, cs_key).match(text, p, hi)
            if m is not None:
                end = m.end()
                yield m

    def _starts(self, text: str, low: str, lo: int, hi: int, words: set[str]) -> dict[int, tuple]:
        """Offset -> (insensitive key, sensitive key) of every place a name can start."""
        starts: dict[int, tuple] = {}
        for key in words.intersection(self._ci):
            for m in self._finder(key).finditer(low, lo, hi):
                starts[m.start()] = (key, None)
        for folded in words.intersection(self._cs_folded):
            for key in self._cs_folded[folded]:
                for m in self._finder(key).finditer(text, lo, hi):
                    starts[m.start()] = (starts.get(m.start(), (None,))[0], key)
        for key in self._odd:
            for which, (s, names) in enumerate(((low, self._ci), (text, self._cs))):
                if key not in names:
                    continue
                p = s.find(key, lo, hi)
                while p >= 0:
                    entry = starts.get(p, (None, None))
                    starts[p] = (key, entry[1]) if which == 0 else (entry[0], key)
                    p = s.find(key, p + 1, hi)
        return starts

    def _finder(self, key: str) -> re.Pattern[str]:
        """Where ``key`` stands as a whole word: the literal first, so the engine finds it as
        fast as ``str.find``, then the checks on the characters around it."""
        rx = self._finders.get(key)
        if rx is None:
            k = re.escape(key)
            rx = self._finders[key] = re.compile(rf"{k}(?!\w)(?<!\w{k})")
        return rx


#: where the power-of-ten unit pattern ("× 10^9/L") can start
_GENERIC_FIRST = "×xX*"
#: what may not follow a unit
_UNIT_TAIL = r"(?![A-Za-z0-9μµ/])"


class UnitMatcher:
    """The unit written at one offset: the same match as
    ``(?:<power of ten>|<trie of every spelling>)(?![A-Za-z0-9μµ/])``, from a small pattern of the
    spellings that start with the offset's first two characters.

    Why: the trie of all ~2,300 spellings is 17k characters; compiling it was about 70 ms of every
    fresh process. A spelling matches only where its first character is written and its second is
    too (a space in a spelling stands for any whitespace), so those two characters pick the few
    spellings to try, in the full trie's order.
    """

    def __init__(self, spellings: Iterable[str], generic: str, alternation: Callable[..., str]):
        self._alternation = alternation
        self._generic = generic
        self._spellings = list(spellings)
        self._by_key: dict[str, list[str]] = {}
        for s in self._spellings:
            self._by_key.setdefault(_unit_key(s, 0, len(s)), []).append(s)
        self._compiled: dict[tuple[str, str], re.Pattern[str] | None] = {}

    def first_chars(self) -> frozenset[str]:
        """Every character a unit can start with."""
        return frozenset(k[0] for k in self._by_key) | frozenset(_GENERIC_FIRST)

    def pattern(self) -> str:
        """The one pattern of every spelling (what ``match`` stands for)."""
        trie = self._alternation(self._spellings, case_insensitive=False)
        return rf"(?:{self._generic}|{trie}){_UNIT_TAIL}"

    def match(self, text: str, pos: int, endpos: int) -> re.Match[str] | None:
        """The unit starting at ``pos`` (text after ``endpos`` unseen), or None."""
        if pos >= endpos:
            return None
        first = text[pos]
        two = _unit_key(text, pos, endpos) if pos + 1 < endpos else ""
        rx = self._compiled.get((first, two), False)
        if rx is False:
            names = self._by_key.get(first, []) + (self._by_key.get(two, []) if two else [])
            alts = [self._generic] if first in _GENERIC_FIRST else []
            if names:
                alts.append(self._alternation(names, case_insensitive=False))
            rx = re.compile(f"(?:{'|'.join(alts)}){_UNIT_TAIL}") if alts else None
            self._compiled[(first, two)] = rx
        return rx.match(text, pos, endpos) if rx is not None else None


def _unit_key(s: str, pos: int, end: int) -> str:
    """The first two characters at ``pos`` (whitespace as one space), or the one before ``end``."""
    if pos + 1 >= end:
        return s[pos]
    second = s[pos + 1]
    return s[pos] + (" " if second.isspace() else second)
