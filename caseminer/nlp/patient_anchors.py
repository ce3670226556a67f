"""Anchored search for caseminer_patient's age patterns: ``pattern.finditer(text)``, faster.

Why: an age pattern's own ``finditer`` tries it at every position of the text (most of the
component's time), while its matches are rare and each contains a match of its ``requires``
words ("old", "aged", ...). So those words are found first, with a case-sensitive search on
the case-folded text (``caseminer.nlp.casefold.fold``: C's substring search, where a
case-insensitive regex tests every position), and the pattern is tried only at the positions
before each of them from which a match could reach it (``Anchor.reach``).
``anchored_finditer`` gives exactly what ``finditer`` gives: it tries, in order, every position
a match can start at.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from caseminer.nlp.regex_tree import sre_c, sre_parse


@dataclass(frozen=True)
class Anchor:
    """Where matches of an age pattern can start."""

    # ``requires`` made case-sensitive, for the folded text (a literal start: a fast search)
    starts: re.Pattern[str]
    # the most characters other than white space that a match can hold
    reach: int


def anchor_of(pattern: re.Pattern[str], requires: re.Pattern[str] | None) -> Anchor | None:
    """The ``Anchor`` of a pattern whose every match contains a match of ``requires`` (the
    vocabulary's promise, tested in tests/nlp/test_patient.py), or None when it cannot be
    derived: ``requires`` must be case-insensitive and spelt with lower-case ASCII letters,
    white space classes and grouping only (so it matches the folded text as it matches the
    text), and a match of the pattern must hold a bounded number of non-space characters."""
    if requires is None or not requires.flags & re.IGNORECASE:
        return None
    try:
        if not _plain(sre_parse.parse(requires.pattern, requires.flags)):
            return None
        reach = _nonspace_width(sre_parse.parse(pattern.pattern, pattern.flags))
    except (re.error, RecursionError):  # pragma: no cover - compiled patterns parse
        return None
    if reach is None or not sre_parse.parse(pattern.pattern, pattern.flags).getwidth()[0]:
        return None  # unbounded, or can match empty text (finditer's rules for those differ)
    starts = re.compile(requires.pattern, requires.flags & ~re.IGNORECASE)
    return Anchor(starts, reach)


def cached_anchors(
    patterns: Sequence[tuple[str, re.Pattern[str], re.Pattern[str] | None]],
) -> dict[str, Anchor]:
    """``anchor_of`` of each (rule, pattern, requires) that has one, by rule, through the
    on-disk cache (``caseminer.nlp.diskcache``). Why: reading the parse trees of the age
    patterns (several milliseconds) is paid again by every fresh process; what they give is
    plain data (a reach, a pattern's text and flags), kept under a key made of the patterns'
    text and flags and of the code that reads them."""
    from caseminer.nlp import diskcache, regex_tree

    def build() -> dict[str, list]:
        out: dict[str, list] = {}
        for rule, pattern, requires in patterns:
            anchor = anchor_of(pattern, requires)
            if anchor is not None:
                out[rule] = [anchor.starts.pattern, anchor.starts.flags, anchor.reach]
        return out

    key = repr([(r, p.pattern, p.flags, q and (q.pattern, q.flags)) for r, p, q in patterns])
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    code = [Path(__file__), Path(regex_tree.__file__)]
    data = diskcache.cached("patient-anchors", code, build, extra=digest)
    return {
        rule: Anchor(re.compile(starts, starts_flags), reach)
        for rule, (starts, starts_flags, reach) in data.items()
    }


def _plain(items) -> bool:
    """Only lower-case ASCII letters (or other ASCII characters without case), white space
    classes, groups, alternatives and repeats: no assertion, class or backreference."""
    for op, arg in items:
        if op is sre_c.LITERAL:
            char = chr(arg)
            if not char.isascii() or char != char.lower():
                return False
        elif op is sre_c.IN:
            if not all(o is sre_c.CATEGORY and a is sre_c.CATEGORY_SPACE for o, a in arg):
                return False
        elif op is sre_c.SUBPATTERN:
            if not _plain(arg[-1]):
                return False
        elif op is sre_c.BRANCH:
            if not all(_plain(alt) for alt in arg[1]):
                return False
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            if not _plain(arg[2]):
                return False
        else:
            return False
    return True


def _only_space(items) -> bool:
    """A character class that matches white space only."""
    return all(
        (op is sre_c.CATEGORY and arg is sre_c.CATEGORY_SPACE)
        or (op is sre_c.LITERAL and chr(arg).isspace())
        for op, arg in items
    )


def _nonspace_width(items) -> int | None:
    """The most characters other than white space (``str.isspace``, which is what ``\\s``
    matches) a match of the parsed pattern can consume; None when unbounded or not known."""
    total = 0
    for op, arg in items:
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue  # zero-width
        if op is sre_c.LITERAL:
            total += not chr(arg).isspace()
        elif op in (sre_c.NOT_LITERAL, sre_c.ANY):
            total += 1
        elif op is sre_c.IN:
            total += not _only_space(arg)
        elif op is sre_c.SUBPATTERN:
            width = _nonspace_width(arg[-1])
            if width is None:
                return None
            total += width
        elif op is sre_c.BRANCH:
            widths = [_nonspace_width(alt) for alt in arg[1]]
            if None in widths:
                return None
            total += max(widths)  # type: ignore[type-var]
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            _, high, body = arg
            width = _nonspace_width(body)
            if width is None or (width and high is sre_c.MAXREPEAT):
                return None
            total += high * width if width else 0
        else:
            return None
    return total


def _window_start(text: str, anchor: int, reach: int) -> int:
    """The first position from which ``text[start:anchor]`` holds at most ``reach``
    characters other than white space: no match holding the anchor starts before it.

    Read backwards with a regex over the reversed stretch before ``anchor`` (``\\s`` is
    ``str.isspace``): up to ``reach`` characters other than white space and all white space
    around them; the stretch is widened when the match runs to its start, as white space
    may go on further back. Why: a loop over characters cost most of the anchored search."""
    back = _backwards(reach)
    size = 2 * reach + 16
    while True:
        low = max(0, anchor - size)
        stretch = text[low:anchor][::-1]
        taken = back.match(stretch).end()  # type: ignore[union-attr]  # it matches ""
        if taken < len(stretch) or low == 0:
            return anchor - taken
        size *= 4


@lru_cache(maxsize=64)
def _backwards(reach: int) -> re.Pattern[str]:
    """Up to ``reach`` characters other than white space, with the white space between and
    after them (reading a reversed text: the white space before them in the text)."""
    return re.compile(r"(?:\s*\S){0,REACH}\s*".replace("REACH", str(reach)))


def _anchor_positions(folded: str, starts: re.Pattern[str]) -> list[int]:
    """Every position where ``starts`` matches, overlapping ones included (each search resumes
    one past the last start, not at its end)."""
    out: list[int] = []
    search = starts.search
    m = search(folded)
    while m is not None:
        out.append(m.start())
        m = search(folded, m.start() + 1)
    return out


def anchored_finditer(
    text: str, folded: str, pattern: re.Pattern[str], anchor: Anchor
) -> Iterator[re.Match[str]]:
    """Exactly ``pattern.finditer(text)`` (``folded``: ``fold(text)``).

    Every match holds a match of ``requires`` starting at some anchor position ``a`` (where
    ``anchor.starts`` matches the folded text: the same positions), and starts at or after
    ``_window_start(text, a, reach)``. So the positions where a match can start are those
    windows; ``finditer`` tries every position from where the last match ended, in order, and
    so does this loop over the windows' positions (no anchored pattern matches empty text)."""
    anchors = _anchor_positions(folded, anchor.starts)
    if not anchors:
        return
    if 3 * len(anchors) * (anchor.reach + 4) > len(text):  # windows cover most of the text
        yield from pattern.finditer(text)
        return
    done = 0  # every position before it has been tried, or lies inside a match
    match = pattern.match
    for a in anchors:
        for start in range(max(done, _window_start(text, a, anchor.reach)), a + 1):
            if start < done:
                continue
            m = match(text, start)
            if m is not None:
                yield m
                done = m.end()
        done = max(done, a + 1)
