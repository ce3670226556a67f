"""The tokenizer's suffix and infix regexes, run only with the alternatives that can match.

Why: spaCy splits every chunk it has not seen with ``suffix_search`` (one ``(?:...)$``
alternative per suffix rule, 84 of them, searched from every position) and ``infix_finditer``
(15 alternatives, tried at every position). On a chunk such as "hyperparathyroidism," each call
costs about 13 microseconds, most of what tokenizing a new text costs (the chunk cache answers
chunks seen before). Most alternatives cannot match a given chunk at all:

- a suffix alternative ends with ``$``, so its match ends with the chunk's last character; an
  alternative whose last consumed character can never be that character cannot match. The
  alternatives that can are found once per last character (read off the parse tree) and
  compiled into a smaller regex, kept per character.
- an infix match starting at a position consumes (or, for a lookahead, looks at) that
  position's character first; an alternative none of whose possible first characters occurs in
  the chunk cannot match anywhere. The chunk's characters select the alternatives.

Either way the smaller regex is the same alternation without alternatives that cannot match,
in the same order, so it finds the same matches (the leftmost position where some alternative
matches, the first alternative matching there). Whatever the analysis does not understand (a
backreference, local flags, an alternative that need not end at ``$``) keeps its alternative in
every subset, and a string ending in "\\n" (where ``$`` also matches before it) gets the whole
regex.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from caseminer.nlp.regex_tree import sre_c, sre_compile, sre_parse

_LEAVES = (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY)
_REPEATS = tuple(
    getattr(sre_c, name)
    for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
    if hasattr(sre_c, name)
)
_ATOMIC = getattr(sre_c, "ATOMIC_GROUP", None)
_ENDS = (sre_c.AT_END, sre_c.AT_END_STRING)
# subsets remembered per regex before the memo is emptied (bounded across documents)
MEMO_MAX = 4096


class _Opaque(Exception):
    """A part of the pattern the analysis does not understand."""


def edge_leaves(items: Any, last: bool = False) -> tuple[list[Any], bool]:
    """(leaves, bound) of a parsed sequence: when ``bound``, the first (``last``: the last)
    character a match consumes is matched by one of the leaves (LITERAL, NOT_LITERAL, IN, ANY
    items); a lookahead at the start whose body must consume bounds the character at that
    position likewise. Not bound: the match can be empty there. Raises _Opaque."""
    leaves: list[Any] = []
    for op, arg in reversed(list(items)) if last else items:
        if op in _LEAVES:
            leaves.append((op, arg))
            return leaves, True
        if op is sre_c.AT or op is sre_c.ASSERT_NOT:
            continue  # zero width
        if op is sre_c.ASSERT:
            direction, body = arg
            if not last and direction == 1:
                found, bound = edge_leaves(body)
                if bound:  # the character here must start the lookahead's match
                    return leaves + found, True
            continue
        if op is sre_c.SUBPATTERN:
            if arg[1] or arg[2]:  # local flags: a leaf compiled alone would lose them
                raise _Opaque
            body = arg[-1]
        elif op is _ATOMIC:
            body = arg
        elif op is sre_c.BRANCH:
            every = True
            for alternative in arg[1]:
                found, bound = edge_leaves(alternative, last)
                leaves += found
                every = every and bound
            if every:
                return leaves, True
            continue
        elif op in _REPEATS:
            low, _high, body = arg
            found, bound = edge_leaves(body, last)
            leaves += found
            if low > 0 and bound:
                return leaves, True
            continue
        else:
            raise _Opaque  # GROUPREF, ...
        found, bound = edge_leaves(body, last)
        leaves += found
        if bound:
            return leaves, True
    return leaves, False


class _Branches:
    """The top-level alternatives of a compiled regex, with a character test per alternative
    (None: the alternative is kept whatever the character)."""

    def __init__(self, regex: re.Pattern[str], last: bool) -> None:
        self.regex = regex
        self.flags = regex.flags
        self.branches: list[Any] = []
        self.tests: list[Callable[[str], Any] | None] = []
        with warnings.catch_warnings():  # compile() has said it once already ("set union")
            warnings.simplefilter("ignore", FutureWarning)
            parsed = sre_parse.parse(regex.pattern, regex.flags)
        self.state = parsed.state
        items = list(parsed)
        if len(items) == 1 and items[0][0] is sre_c.BRANCH:
            self.branches = list(items[0][1][1])
        else:
            self.branches = [sre_parse.SubPattern(self.state, items)]
        for branch in self.branches:
            self.tests.append(self._test(branch, last))

    def _test(self, branch: Any, last: bool) -> Callable[[str], Any] | None:
        branch = list(branch)
        if last and not (branch and branch[-1][0] is sre_c.AT and branch[-1][1] in _ENDS):
            return None  # may end before the end of the string: no last character to test
        try:
            leaves, bound = edge_leaves(branch, last)
        except _Opaque:
            return None
        if not bound:
            return None
        alternatives = [sre_parse.SubPattern(self.state, [leaf]) for leaf in leaves]
        sub = sre_parse.SubPattern(self.state, [(sre_c.BRANCH, (None, alternatives))])
        return sre_compile.compile(sub, self.flags).fullmatch

    def compile(self, keep: list[int]) -> re.Pattern[str] | None:
        """The regex of the alternatives ``keep`` (indices, in order); None for none."""
        if not keep:
            return None
        if len(keep) == len(self.branches):
            return self.regex
        chosen = [self.branches[i] for i in keep]
        data = list(chosen[0]) if len(chosen) == 1 else [(sre_c.BRANCH, (None, chosen))]
        return sre_compile.compile(sre_parse.SubPattern(self.state, data), self.flags)


_NONE: object = object()


class SuffixSearch:
    """``suffix_search`` for spaCy's Tokenizer: ``regex.search`` with only the alternatives
    that can end with the string's last character (see the module docstring). ``pattern`` is
    the whole regex's source, which spaCy's serialisation reads (``search.__self__.pattern``)."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.pattern = regex.pattern
        self._branches = _Branches(regex, last=True)
        self._by_char: dict[str, Any] = {}
        # one regex per subset of the alternatives, emptied with ``_by_char``
        self._by_keep: dict[tuple[int, ...], Any] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.regex,))

    def search(self, string: str) -> re.Match[str] | None:
        """``regex.search(string)``."""
        if not string or string[-1] == "\n":
            return self.regex.search(string)
        char = string[-1]
        sub = self._by_char.get(char, _NONE)
        if sub is _NONE:
            if len(self._by_char) >= MEMO_MAX:
                self._by_char.clear()
                self._by_keep.clear()
            tests = self._branches.tests
            keep = tuple(i for i, test in enumerate(tests) if test is None or test(char))
            # characters share subsets (26 over the corpora for 112 last characters)
            sub = self._by_keep.get(keep, _NONE)
            if sub is _NONE:
                sub = self._by_keep[keep] = self._branches.compile(list(keep))
            self._by_char[char] = sub
        return None if sub is None else sub.search(string)


class InfixFinditer:
    """``infix_finditer`` for spaCy's Tokenizer: no regex at all for a string none of whose
    characters can start an alternative's match (about seven chunks in ten), else the whole
    ``regex.finditer``. Why not a smaller regex per set of alternatives, as for suffixes: the
    infix alternatives carry spaCy's large letter classes, and compiling one subset costs
    3-8 ms, more than a whole text's infix searches, for about a hundred subsets."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.pattern = regex.pattern
        tests = _Branches(regex, last=False).tests
        self._tests = [] if None in tests else tests  # [] : no gate, always the regex
        self._by_char: dict[str, bool] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.regex,))

    def _starts(self, char: str) -> bool:
        """Whether some alternative can start at ``char`` (remembered per character)."""
        if len(self._by_char) >= MEMO_MAX:
            self._by_char.clear()
        found = self._by_char[char] = not self._tests or any(t(char) for t in self._tests)
        return found

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        """``regex.finditer(string)``."""
        by_char = self._by_char
        for char in set(string):
            found = by_char.get(char)
            if found or (found is None and self._starts(char)):
                return self.regex.finditer(string)
        return iter(())


def required_chars(items: Any) -> frozenset[str] | None:
    """Characters one of which every match of the parsed sequence ``items`` consumes, or None
    when no such set is known (anything not understood counts as none)."""
    best: frozenset[str] | None = None
    for op, arg in items:
        found: frozenset[str] | None = None
        if op is sre_c.LITERAL:
            found = frozenset(chr(arg))
        elif op is sre_c.SUBPATTERN and not (arg[1] or arg[2]):
            found = required_chars(arg[-1])
        elif op is sre_c.BRANCH:
            sets = [required_chars(alternative) for alternative in arg[1]]
            if all(s is not None for s in sets):
                found = frozenset().union(*sets)  # type: ignore[arg-type]
        elif op in _REPEATS and arg[0] > 0:
            found = required_chars(arg[2])
        if found is not None and (best is None or len(found) < len(best)):
            best = found
    return best


class MatchGate:
    """``url_match`` for spaCy's Tokenizer: ``regex.match``, answered None without the regex
    for a string holding none of the characters every match consumes (``required_chars``:
    spaCy's URL pattern needs a "."; about 3 microseconds a call, asked of every new core)."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.pattern = regex.pattern
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            parsed = sre_parse.parse(regex.pattern, regex.flags)
        needed = None if regex.flags & re.IGNORECASE else required_chars(parsed)
        self._needed = tuple(needed) if needed else ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.regex,))

    def match(self, string: str) -> re.Match[str] | None:
        """``regex.match(string)``."""
        if self._needed and not any(char in string for char in self._needed):
            return None
        return self.regex.match(string)
