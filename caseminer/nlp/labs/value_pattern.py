"""The value pattern (comparator, number or range or titre, unit, flag) run in three parts.

Why not one regex: the unit alternative held the trie of every unit spelling (17k characters),
and compiling it was most of the component's build time in a fresh process. The pattern is
``head (?:gap unit)? flag?`` where only the head can fail, so running the head, then the unit at
the end of the gap (a unit never starts with whitespace, so no shorter gap can give one), then
the flag, gives exactly the one regex's match; ``UnitMatcher`` finds the unit from the spellings
that start with the characters written there.
"""

from __future__ import annotations

import re

from caseminer.nlp.labs.catalogue import SPACE, Catalogue
from caseminer.nlp.labs.unit_names import UnitMatcher

_HEAD_GROUPS = frozenset({"comp", "titre", "ratio", "bnum", "bnum2", "num", "num2"})


class ValueMatch:
    """The parts of one value match, read like an ``re.Match`` of the one pattern."""

    __slots__ = ("_text", "_head", "_unit", "_flag", "_end", "head")

    def __init__(
        self,
        text: str,
        head: re.Match[str],
        unit: tuple[int, int] | None,
        flag: re.Match[str] | None,
    ) -> None:
        self._text, self._head, self._unit, self._flag = text, head, unit, flag
        #: the head's own match: its groups (all but usp, unit and flag) read in C
        self.head = head
        self._end = flag.end() if flag else unit[1] if unit else head.end()

    def span(self, name: str | None = None) -> tuple[int, int]:
        """(start, end) of the match or of a group, (-1, -1) when the group did not take part."""
        if name is None:
            return self._head.start(), self._end
        if name in _HEAD_GROUPS:
            return self._head.span(name)
        if name == "usp":
            return (self._head.end(), self._unit[0]) if self._unit else (-1, -1)
        if name == "unit":
            return self._unit or (-1, -1)
        if name == "flag":
            return self._flag.span() if self._flag else (-1, -1)
        raise IndexError(f"no such group: {name}")

    def start(self, name: str | None = None) -> int:
        return self.span(name)[0]

    def end(self, name: str | None = None) -> int:
        return self.span(name)[1]

    def group(self, name: str | None = None) -> str | None:
        if name in _HEAD_GROUPS:
            return self._head.group(name)
        s, e = self.span(name)
        return None if s < 0 else self._text[s:e]

    def groupdict(self) -> dict[str, str | None]:
        """Every group at once (one C call for the head's; ``find_values`` reads them all)."""
        d = self._head.groupdict()  # its usp, unit and flag never take part: None
        if self._unit is not None:
            d["usp"] = self._text[self._head.end() : self._unit[0]]
            d["unit"] = self._text[self._unit[0] : self._unit[1]]
        if self._flag is not None:
            d["flag"] = self._flag.group()
        return d


class ValuePattern:
    """``match`` as the one value regex would (``full()`` builds that regex, for checks)."""

    def __init__(self, cat: Catalogue) -> None:
        from caseminer.nlp.labs.values import _COMP_RE, _DASH, _NUM

        sp = SPACE + "*"
        self.units: UnitMatcher = cat.unit_names
        self._head = (
            rf"(?P<comp>{_COMP_RE}{sp})?"
            rf"(?:(?P<titre>1{sp}:{sp}\d+)"
            rf"|(?P<ratio>\d{{1,3}}(?:{sp}[–-]{sp}\d{{1,3}}(?=/)|[+−-](?=/))?"
            rf"(?:{sp}/{sp}\d{{1,3}}){{1,2}})(?![\d/]|[.,]\d)"
            rf"|(?i:between){sp}(?P<bnum>{_NUM}){sp}(?i:and|to|-|–){sp}(?P<bnum2>{_NUM})"
            rf"|(?P<num>{_NUM})(?:{sp}%?{sp}{_DASH}{sp}(?P<num2>{_NUM}))?)"
        )
        self._gap = rf"(?:{sp}\n?{sp})"
        self._flag = rf"(?P<flag>{sp}\(?(?:[HL]{{1,2}}|↑{{1,2}}|↓{{1,2}})\)?(?![\w]))"
        # the head alone, with the tail's groups present and never taking part, so a value with
        # nothing after it is this match itself (read like the one regex's, without a wrapper)
        self.head = re.compile(self._head + "(?:(?P<usp>(?!))(?P<unit>)(?P<flag>))?")
        self.gap = re.compile(self._gap)
        self.flag = re.compile(self._flag)
        # what can follow a value for the gap, a unit or a flag to take part
        self._after = (
            frozenset(" \t\n\u00a0\u202f(HL↑↓" + "".join(map(chr, range(0x2002, 0x200B))))
            | self.units.first_chars()
        )

    def full(self) -> re.Pattern[str]:
        """The one regex these parts stand for."""
        unit = rf"(?:(?P<usp>{self._gap})(?P<unit>{self.units.pattern()}))?"
        return re.compile(f"{self._head}{unit}{self._flag}?")

    def match(self, text: str, pos: int, endpos: int) -> ValueMatch | re.Match[str] | None:
        """The value starting at ``pos`` (text after ``endpos`` unseen), or None."""
        head = self.head.match(text, pos, endpos)
        if head is None:
            return None
        e = head.end()
        if e >= endpos or text[e] not in self._after:
            return head  # no gap, unit or flag can start here
        gap = self.gap.match(text, e, endpos)
        unit = self.units.match(text, gap.end(), endpos) if gap is not None else None
        flag = self.flag.match(text, unit[1] if unit else e, endpos)
        return head if unit is None and flag is None else ValueMatch(text, head, unit, flag)
