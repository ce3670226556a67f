"""Term and text normalisation: the one place that decides when two wordings are "the same term".

Matching works on a stream of normalised words, not on spaCy tokens, so the cache can be built
without a pipeline and the matcher does not depend on how the tokenizer splits "peri-articular"
or "Crohn's". The same ``norm_word`` runs on vocabulary terms at build time and on document text
at run time; any rule added here therefore applies to both sides and cannot break an exact match.

Normalisation: lower case, British -> American spelling, plural -> singular, possessive "'s"
dropped, articles dropped ("necrosis of the femoral head" == "necrosis of femoral head"). The
word-order-free "bag" key (content words only, sorted) backs the lookup of whole mentions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import accumulate, compress
from operator import not_
from typing import Any, NamedTuple, TypeVar

from caseminer.patterns import concern_dir

T = TypeVar("T")

PATTERN_DIR = concern_dir("terminology")

# A word: letters/digits; apostrophes and hyphens separate words but do not break a phrase.
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
# Characters allowed between two words of one phrase (whitespace, hyphens/dashes, apostrophes).
JOINERS = set(" \t\r\n-\u2010\u2011\u2012\u2013\u2014'\u2019\u00a0")


class Word(NamedTuple):
    """One normalised word of a text, with where it stands and whether a break precedes it.

    (A NamedTuple: every document yields thousands, and a frozen dataclass builds slowly.)"""

    norm: str
    start: int
    end: int
    # True when punctuation other than a hyphen/apostrophe separates it from the previous word.
    break_before: bool


@lru_cache(maxsize=1)
def _rules() -> dict:
    with open(PATTERN_DIR / "normalize.json", encoding="utf-8") as fh:
        return json.load(fh)


class _NormRules(NamedTuple):
    """normalize.json in the shapes ``norm_word`` tests fastest."""

    irregular: dict[str, str]
    spelling: list[tuple[str, str]]
    # finds any British spelling at all: most words have none and skip the rewrite loop
    any_spelling: re.Pattern[str]
    suffix_plurals: list[tuple[str, str]]
    no_singular_suffixes: tuple[str, ...]


@lru_cache(maxsize=1)
def _norm_rules() -> _NormRules:
    rules = _rules()
    spelling = [(old, new) for old, new in rules["spelling"]]
    return _NormRules(
        rules["irregular_plurals"],
        spelling,
        re.compile("|".join(re.escape(old) for old, _ in spelling) or "(?!)"),
        [(plural, singular) for plural, singular in rules["suffix_plurals"]],
        tuple(rules["no_singular_suffixes"]),
    )


# word -> its normal form: words repeat across documents. A plain dict (a hit costs one probe,
# and a document's words are looked up in bulk, see ``_norm_all``), emptied when it reaches
# _MEMO_SIZE so that it never grows without bound.
_MEMO: dict[str, str] = {}
_MEMO_SIZE = 200_000


def norm_word(word: str) -> str:
    """Lower case, American spelling, singular (memoised)."""
    norm = _MEMO.get(word)
    if norm is None:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        norm = _MEMO[word] = _norm_word(word)
    return norm


def memo_map(
    memo: dict[str, T], size: int, keys: list[str], compute: Callable[[str], T]
) -> list[T]:
    """``[compute(k) for k in keys]`` through ``memo``: each new key computed once, the known ones
    probed in C; the memo is emptied when it would pass ``size``, so it never grows without bound
    across documents.

    One ``get`` per key first: when every answer is there (and truthy) and the memo is within
    ``size``, that list is the result; otherwise only the keys without a truthy answer are
    looked at again (a falsy answer that is in the memo is kept), so the result and the memo
    are those of ``set(keys).difference(memo)`` either way (tests/terminology/test_scan_memo)."""
    found = list(map(memo.get, keys))
    if all(found) and len(memo) <= size:
        return found
    missing = set(compress(keys, map(not_, found))).difference(memo)
    if len(memo) + len(missing) > size:
        memo.clear()
        missing = set(keys)
        for key in missing:
            memo[key] = compute(key)
        return list(map(memo.__getitem__, keys))
    for key in missing:
        memo[key] = compute(key)
    # only the places without a truthy answer are read again (a new text has a few new
    # words, and a second probe of every word costs a cache miss each): the other answers
    # are memo values that adding the missing keys left alone
    for i in compress(range(len(keys)), map(not_, found)):
        found[i] = memo[keys[i]]
    return found


def _norm_all(raw: list[str]) -> list[str]:
    """``[norm_word(w) for w in raw]`` through the normal-form memo."""
    return memo_map(_MEMO, _MEMO_SIZE, raw, _norm_word)


def _norm_word(word: str) -> str:
    rules = _norm_rules()
    w = word.lower()
    irregular = rules.irregular
    if w in irregular:
        return irregular[w]
    if rules.any_spelling.search(w):  # (no rewrite can apply when no old spelling occurs)
        for old, new in rules.spelling:
            if old in w:
                w = w.replace(old, new)
        if w in irregular:
            return irregular[w]
    for plural, singular in rules.suffix_plurals:
        if len(w) > 6 and w.endswith(plural):
            return w[: -len(plural)] + singular
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(rules.no_singular_suffixes):
        return w[:-1]
    return w


@lru_cache(maxsize=1)
def _dropped() -> frozenset[str]:
    return frozenset(_rules()["dropped_words"])


@lru_cache(maxsize=1)
def _dropped_cased() -> frozenset[str]:
    """Every word ``w`` with ``w.lower()`` a dropped word, so that a document's words are tested
    with one set probe each instead of a ``lower()`` each. Besides the ASCII capitals, the only
    character whose lower case is ASCII is the Kelvin sign (it lower-cases to "k");
    ``tests/terminology`` checks that against the whole of Unicode."""
    variants = {c: {c, c.upper(), *(["\u212a"] if c == "k" else [])} for w in _dropped() for c in w}
    cased: set[str] = set()
    for word in _dropped():
        out = {""}
        for c in word:
            out = {w + v for w in out for v in variants[c]}
        cased |= {w for w in out if w.lower() == word}
    return frozenset(cased)


@lru_cache(maxsize=1)
def _drop_candidates() -> frozenset[str]:
    """The words ``_words`` may drop: every spelling of a dropped word, and "s"/"S"."""
    return _dropped_cased() | _POSSESSIVE


@lru_cache(maxsize=1)
def _drop_len() -> int:
    """The longest dropped word: longer words cannot lower-case to one (lower-casing never
    shortens a word), so they skip the lower-casing."""
    return max([1, *map(len, _dropped())])


def words(text: str) -> WordStream:
    """The normalised word stream of ``text`` (articles and possessive 's dropped).

    A document's stream is computed once and shared: the findings and terminology components
    both scan the same text one after the other, so the last few results are remembered (by the
    text itself; callers must not modify the returned stream)."""
    if len(text) < _SHORT:
        return _words(text)
    return _document_words(text)


_SHORT = 200  # terms and short mentions are not worth remembering


@lru_cache(maxsize=4)
def _document_words(text: str) -> WordStream:
    return _words(text)


# the characters between two words that do not break a phrase, as one regex
_BREAK_RE = re.compile("[^" + re.escape("".join(sorted(JOINERS))) + "]")
# WORD_RE as a splitter: gaps at even positions of the result, words at odd ones
_SPLIT_RE = re.compile("(" + WORD_RE.pattern + ")", re.UNICODE)
_APOSTROPHES = ("'", "\u2019")
_POSSESSIVE = frozenset(("s", "S"))


class WordStream:
    """The words of a text as parallel lists (``norms``, ``starts``, ``ends``, ``breaks``).

    Why lists and not one ``Word`` per word: a document has thousands of words and the matchers
    only read a few of them by position; indexing still gives a ``Word`` (``stream[i]``), so
    code written against a list of words reads the same. Per-document derived arrays (the
    n-gram hashes of caseminer.terminology.ngrams) are memoised in ``derived``."""

    __slots__ = ("norms", "starts", "ends", "breaks", "derived")

    def __init__(
        self, norms: list[str], starts: list[int], ends: list[int], breaks: list[bool]
    ) -> None:
        self.norms = norms
        self.starts = starts
        self.ends = ends
        # True when punctuation other than a hyphen/apostrophe separates a word from the last
        self.breaks = breaks
        self.derived: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.norms)

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.norms)))]
        return Word(self.norms[i], self.starts[i], self.ends[i], self.breaks[i])

    def __iter__(self) -> Iterator[Word]:
        return map(Word, self.norms, self.starts, self.ends, self.breaks)


def _words(text: str) -> WordStream:
    """Split at WORD_RE once (C), then build the lists with comprehensions: the same words,
    offsets and breaks as a loop over ``WORD_RE.finditer`` would give, several times cheaper."""
    parts = _SPLIT_RE.split(text)
    raw = parts[1::2]
    n = len(raw)
    if not n:
        return WordStream([], [], [], [])
    gaps = parts[0 : 2 * n : 2]  # gaps[j] precedes word j
    offsets = list(accumulate(map(len, parts)))
    starts = offsets[0 : 2 * n : 2]
    ends = offsets[1 : 2 * n : 2]
    search_break = _BREAK_RE.search
    gap_breaks = {g: g != " " and search_break(g) is not None for g in set(gaps)}
    breaks = list(map(gap_breaks.__getitem__, gaps))
    # dropped words found in C: every spelling that lower-cases to one (``_dropped_cased``), and
    # a possessive "s" only where an apostrophe precedes it (few words are a bare "s")
    # (one pass over the words finds both: a word that is "s" or "S" and no dropped word is
    # dropped only after an apostrophe)
    dropped = _dropped_cased()
    drops = [
        j
        for j in compress(range(n), map(_drop_candidates().__contains__, raw))
        if raw[j] in dropped or gaps[j] in _APOSTROPHES
    ]
    if drops:
        # a dropped word passes its break on to the next word ("x, the y": y follows a break)
        for j in drops:
            if breaks[j] and j + 1 < n:
                breaks[j + 1] = True
        keep = [True] * n
        for j in drops:
            keep[j] = False
        raw = list(compress(raw, keep))
        starts = list(compress(starts, keep))
        ends = list(compress(ends, keep))
        breaks = list(compress(breaks, keep))
    if breaks:
        breaks[0] = False  # nothing precedes the first word
    return WordStream(_norm_all(raw), starts, ends, breaks)


def _kept(text: str) -> list[str]:
    """The words of a short text as written, dropped words left out (the surfaces of
    ``words(text)``)."""
    parts = _SPLIT_RE.split(text)
    dropped, longest = _dropped(), _drop_len()
    return [
        w
        for j, w in enumerate(parts[1::2])
        if len(w) > longest
        or not (w.lower() in dropped or (w in ("s", "S") and parts[2 * j] in _APOSTROPHES))
    ]


def _norms(text: str) -> list[str]:
    """The ``norms`` of ``words(text)`` without the offsets and breaks (what a key needs): the
    same split and the same dropped words, a fraction of the work for a short mention."""
    if len(text) >= _SHORT:
        return words(text).norms
    return [norm_word(w) for w in _kept(text)]


def normalised(text: str) -> bool:
    """Some word of ``text`` has a normal form other than its lower-cased surface (a match
    needed spelling or plural normalisation)."""
    if len(text) >= _SHORT:
        ws = words(text)
        spans = zip(ws.norms, ws.starts, ws.ends, strict=True)
        return any(n != text[a:b].lower() for n, a, b in spans)
    return any(norm_word(w) != w.lower() for w in _kept(text))


def key(text: str) -> str:
    """The exact-match key of a term: its normalised words joined by spaces."""
    return " ".join(_norms(text))


@lru_cache(maxsize=1)
def _bag_stopwords() -> frozenset[str]:
    return frozenset(_rules()["bag_stopwords"])


def bag_key(text: str) -> str:
    """A word-order-free key: sorted set of normalised content words."""
    return bag_of(_norms(text))


def bag_of(norms: list[str]) -> str:
    """``bag_key`` of a text given the ``norms`` of its words (its ``mention`` words)."""
    stop = _bag_stopwords()
    return " ".join(sorted({w for w in norms if w not in stop}))


def mention(text: str) -> tuple[list[str], bool]:
    """The norms of ``words(text)`` and ``normalised(text)`` from one split of the text: what
    coding a whole mention needs (its key, its bag, whether it was normalised), which three
    separate calls would split it for three times."""
    if len(text) >= _SHORT:
        return _norms(text), normalised(text)
    kept = _kept(text)
    norms = [norm_word(w) for w in kept]
    return norms, any(n != w.lower() for n, w in zip(norms, kept, strict=True))


def is_abbreviation(term: str) -> bool:
    """A short all-capitals term ("AVN", "HCC"): matched case-sensitively to avoid 'pa'/'PA'."""
    t = term.strip()
    return 1 < len(t) <= 6 and " " not in t and sum(c.isupper() for c in t) >= 2 and t == t.upper()
