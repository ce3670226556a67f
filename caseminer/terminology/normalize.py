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
from functools import lru_cache
from typing import NamedTuple

from caseminer.patterns import concern_dir

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


@lru_cache(maxsize=200_000)
def norm_word(word: str) -> str:
    """Lower case, American spelling, singular (memoised: words repeat across documents)."""
    rules = _rules()
    w = word.lower()
    irregular = rules["irregular_plurals"]
    if w in irregular:
        return irregular[w]
    for old, new in rules["spelling"]:
        if old in w:
            w = w.replace(old, new)
    if w in irregular:
        return irregular[w]
    for plural, singular in rules["suffix_plurals"]:
        if len(w) > 6 and w.endswith(plural):
            return w[: -len(plural)] + singular
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(tuple(rules["no_singular_suffixes"])):
        return w[:-1]
    return w


@lru_cache(maxsize=1)
def _dropped() -> frozenset[str]:
    return frozenset(_rules()["dropped_words"])


def words(text: str) -> list[Word]:
    """The normalised word stream of ``text`` (articles and possessive 's dropped).

    A document's stream is computed once and shared: the findings and terminology components
    both scan the same text one after the other, so the last few results are remembered (by the
    text itself; callers must not modify the returned list)."""
    if len(text) < _SHORT:
        return _words(text)
    return _document_words(text)


_SHORT = 200  # terms and short mentions are not worth remembering


@lru_cache(maxsize=4)
def _document_words(text: str) -> list[Word]:
    return _words(text)


# the characters between two words that do not break a phrase, as one regex
_BREAK_RE = re.compile("[^" + re.escape("".join(sorted(JOINERS))) + "]")


def _words(text: str) -> list[Word]:
    dropped = _dropped()
    out: list[Word] = []
    append = out.append
    prev_end = 0
    pending_break = False
    search_break = _BREAK_RE.search
    for m in WORD_RE.finditer(text):
        start, end = m.span()
        gap = text[prev_end:start]
        brk = pending_break or (gap != " " and search_break(gap) is not None)
        prev_end = end
        raw = m.group()
        low = raw.lower()
        if low in dropped or (low == "s" and gap in ("'", "\u2019")):
            pending_break = brk
            continue
        pending_break = False
        append(Word(norm_word(raw), start, end, brk if out else False))
    return out


def key(text: str) -> str:
    """The exact-match key of a term: its normalised words joined by spaces."""
    return " ".join(w.norm for w in words(text))


def bag_key(text: str) -> str:
    """A word-order-free key: sorted set of normalised content words."""
    stop = set(_rules()["bag_stopwords"])
    return " ".join(sorted({w.norm for w in words(text) if w.norm not in stop}))


def is_abbreviation(term: str) -> bool:
    """A short all-capitals term ("AVN", "HCC"): matched case-sensitively to avoid 'pa'/'PA'."""
    t = term.strip()
    return 1 < len(t) <= 6 and " " not in t and sum(c.isupper() for c in t) >= 2 and t == t.upper()
