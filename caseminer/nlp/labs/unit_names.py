"""Unit spellings at one offset, by the names module's trie walk (see ``names.py``).

Why a module of its own: the unit matcher shares only the trie and its walk with the name
matchers, and ``names.py`` stays under the size limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from caseminer.nlp.labs.names import _trie, _walk, _walkable

#: where the power-of-ten unit pattern ("× 10^9/L") can start
_GENERIC_FIRST = "×xX*"
#: what may not follow a unit
_UNIT_TAIL = r"(?![A-Za-z0-9μµ/])"
_NOT_AFTER_UNIT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789μµ/")


class UnitMatcher:
    """The unit written at one offset: the same match as
    ``(?:<power of ten>|<trie of every spelling>)(?![A-Za-z0-9μµ/])`` (``pattern()``), the power
    of ten by its small regex and the spellings by the trie walk (see the module docstring).

    Why: the trie of all ~2,300 spellings is 17k characters; compiling it was about 70 ms of every
    fresh process.
    """

    def __init__(self, spellings: Iterable[str], generic: str, alternation: Callable[..., str]):
        self._alternation = alternation
        self._generic = generic
        self._spellings = list(spellings)
        self._trie = _trie(self._spellings)
        self._generic_re = re.compile(f"(?:{generic}){_UNIT_TAIL}")
        self._exact = _walkable(self._spellings)
        self._full: re.Pattern[str] | None = None

    def first_chars(self) -> frozenset[str]:
        """Every character a unit can start with."""
        return frozenset(k for k in self._trie if k) | frozenset(_GENERIC_FIRST)

    def pattern(self) -> str:
        """The one pattern of every spelling (what ``match`` stands for)."""
        trie = self._alternation(self._spellings, case_insensitive=False)
        return rf"(?:{self._generic}|{trie}){_UNIT_TAIL}"

    def match(self, text: str, pos: int, endpos: int) -> tuple[int, int] | None:
        """The span of the unit starting at ``pos`` (text after ``endpos`` unseen), or None."""
        if pos >= endpos:
            return None
        if not self._exact:
            if self._full is None:
                self._full = re.compile(self.pattern())
            m = self._full.match(text, pos, endpos)
            return m.span() if m else None
        if text[pos] in _GENERIC_FIRST:
            m = self._generic_re.match(text, pos, endpos)
            if m is not None:
                return m.span()

        def tail_ok(e: int) -> bool:
            return e >= endpos or text[e] not in _NOT_AFTER_UNIT

        e = _walk(self._trie, text, pos, endpos, tail_ok)
        return (pos, e) if e > pos else None
