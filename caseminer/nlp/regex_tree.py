"""Python's regex parser, for the modules that read a rule's parse tree to decide where the rule
can match (imaging triggers, clinical codes, patient anchors, section headers), and the reader
they share: the words a match of a pattern can start with (``start_words``, ``first_words``).

Why one module: the parser is ``re._parser`` (with ``re._constants`` and ``re._compiler``) from
Python 3.11 and ``sre_parse`` before, and caseminer supports 3.10; and the first-word reader
serves imaging's trigger words and the section header gate alike.
"""

from __future__ import annotations

try:  # Python 3.11+
    from re import _compiler as sre_compile
    from re import _constants as sre_c
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_compile  # type: ignore[no-redef]
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

# What counts as part of a word for the rules' boundaries (imaging's vocab._LEFT / vocab._RIGHT,
# the header gate's words).
WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
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


__all__ = [
    "MAX_WORDS",
    "WORD_CHARS",
    "first_words",
    "sre_c",
    "sre_compile",
    "sre_parse",
    "start_words",
]
