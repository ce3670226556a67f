"""Cheap scans that tell a regex where it can match, so it is not tried at every character.

Why: Python's regex engine has no fast skip for a pattern that opens with ``\\b``, a lookbehind or
a case-insensitive word list, so ``finditer`` runs the whole pattern at each of a report's
characters. Most rules here need an anchor word ("stable", "improvement", "centile") that a plain
``str.find`` on the lowercased text locates in C; trying the pattern only at (or only when there
are) such anchors finds exactly the same matches for a fraction of the cost.

Exactness: ``text.lower()`` stands for the regex's case-insensitive matching of ASCII words only
when no character folds differently (the three below, the only ones whose regex case-folding to an
ASCII letter differs from ``str.lower``) and lowercasing keeps every offset; otherwise ``lowered``
returns None and callers scan as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import accumulate
from types import EllipsisType

from caseminer.nlp.casefold import LOWER_MISSES
from caseminer.nlp.labs.names import norm

_WORD = re.compile(r"\w+")


#: a finder's ``low`` argument: ``lowered(text)`` computed once by the caller (component.py
#: reads it once per document for every finder), or ``...`` for "compute it here"
Low = str | None | EllipsisType


def lowered(text: str, lower: str | None = None) -> str | None:
    """``text.lower()`` when it has the same offsets and folds ASCII words as the regex engine
    does, else None (then no anchor scan may be trusted). ``lower``: ``text.lower()`` when the
    caller has it."""
    low = text.lower() if lower is None else lower
    if len(low) != len(text):
        return None
    if not text.isascii() and any(c in text for c in LOWER_MISSES):
        return None
    return low


def contains_any(low: str | None, words: Iterable[str], lo: int, hi: int) -> bool:
    """Whether any of ``words`` (lowercase) occurs in low[lo:hi]; True when ``low`` is None."""
    return low is None or any(low.find(w, lo, hi) >= 0 for w in words)


def occurrences(low: str, words: Iterable[str], lo: int, hi: int) -> list[int]:
    """Sorted start offsets of every occurrence of any of ``words`` inside low[lo:hi]."""
    found: set[int] = set()
    for w in words:
        i = low.find(w, lo, hi)
        while i >= 0:
            found.add(i)
            i = low.find(w, i + 1, hi)
    return sorted(found)


def finditer_at(
    rx: re.Pattern[str], text: str, starts: Iterable[int], hi: int
) -> Iterator[re.Match[str]]:
    """``rx.finditer(text, lo, hi)`` when every match can only start at one of ``starts``
    (sorted offsets >= lo): the same matches, trying the pattern only there.

    ``match(text, pos, hi)`` sees the characters before ``pos`` (lookbehinds, ``\\b``) exactly as
    ``finditer`` does, and skipping starts inside the previous match keeps them non-overlapping.
    """
    end = -1
    for p in starts:
        if p < end:
            continue
        m = rx.match(text, p, hi)
        if m is not None:
            end = m.end() if m.end() > p else p + 1
            yield m


def letter_runs(text: str, starts: Iterable[int], lo: int, hi: int) -> list[tuple[int, int]]:
    """(start, end + 1) of the run of letters and whitespace around each of ``starts``, inside
    text[lo:hi], in order and without repeats (end + 1: the character after the run, which a
    closing ``\\b`` must see, capped at ``hi``).

    Why: a pattern whose every match is letters and whitespace only and holds an anchor word
    (``find_status``) finds the same matches run over these windows alone: a match never
    crosses a run's ends, and the pattern sees the characters around each window as in the text.
    """
    out: list[tuple[int, int]] = []
    c = -1  # the end of the last run
    for q in starts:
        if q < c:
            continue  # inside the last run
        a = q
        while a > lo and (text[a - 1].isalpha() or text[a - 1].isspace()):
            a -= 1
        c = q
        while c < hi and (text[c].isalpha() or text[c].isspace()):
            c += 1
        out.append((a, min(hi, c + 1)))
    return out


def token_spans(
    split_rx: re.Pattern[str], text: str, lo: int, hi: int
) -> list[tuple[int, int, str]]:
    """(start, end, token) of every match in text[lo:hi] of a pattern with no lookaround, no
    anchors and no empty match, given as ``split_rx``: that pattern in one capturing group.

    Why: ``[(m.start(), m.end(), m.group()) for m in rx.finditer(...)]`` makes a match object and
    three calls per token; one ``split`` (which finds the same matches) and a running sum of the
    part lengths build the same list in C.
    """
    parts = split_rx.split(text[lo:hi])  # separator, token, separator, ..., separator
    offsets = list(accumulate(map(len, parts), initial=lo))
    return list(zip(offsets[1:-1:2], offsets[2::2], parts[1::2], strict=True))


def minimal_words(words: Iterable[str]) -> tuple[str, ...]:
    """The words that contain none of the others: text holds one of ``words`` exactly when it
    holds one of these (each of the others contains one), so ``contains_any`` reads fewer."""
    ws = sorted(set(words), key=len)
    out: list[str] = []
    for w in ws:
        if not any(o in w for o in out):
            out.append(w)
    return tuple(sorted(out))


def char_runs(
    run_re: re.Pattern[str], text: str, starts: Iterable[int], lo: int, hi: int
) -> list[tuple[int, int]]:
    """(start, end + 1) of the run of ``run_re`` characters (a pattern ``[...]*``) around each of
    ``starts``, inside text[lo:hi], in order and without repeats (end + 1: the character after
    the run, which a closing ``\\b`` must see, capped at ``hi``).

    Why: a pattern whose every match is such characters and holds an anchor word finds the same
    matches run over these windows alone (``letter_runs`` for any set of characters): no match
    crosses a character outside the set, so the matches of the whole text fall apart by runs.
    """
    out: list[tuple[int, int]] = []
    c = -1  # the end of the last run
    for q in starts:
        if q < c:
            continue  # inside the last run
        back = run_re.match(text[lo:q][::-1])  # the run's part before q, read backwards
        a = q - (back.end() if back else 0)
        fwd = run_re.match(text, q, hi)
        c = fwd.end() if fwd else q
        out.append((a, min(hi, c + 1)))
    return out


def first_words(phrases: Iterable[str]) -> frozenset[str]:
    """The first word (``\\w`` run, ``names.norm``ed) of each phrase, as a ``TextWords`` split
    of a text holding the phrase has it (a phrase's first word is a whole word of the text)."""
    return frozenset(m.group() for m in (_WORD.match(norm(p)) for p in phrases) if m)
