"""First words of the header rules: a line whose first word no caption or title can start with
is spared those regexes.

Why: ``match_header`` tries the two caption rules on every line and the title rule (about 130
alternatives behind ``^\\s*`` and an optional numbering) on every line that starts with a
capital and has no prose mark; most lines are prose and fail them all. The words a match can
start with are read off the parsed rules (``caseminer.nlp.regex_tree.start_words``: a
superset, or None when they cannot be listed, and then the rule is always tried), so skipping a
line whose first word is not among them loses no match.
"""

from __future__ import annotations

import re

from caseminer.nlp.casefold import fold
from caseminer.nlp.regex_tree import start_words

# (words, prefixes) a match can start with, as ``start_words`` gives them
Starts = tuple[frozenset[str], tuple[str, ...]]

_LOW_WORD = re.compile(r"[a-z0-9]+")
_LINE_START = r"^\s*"


def rule_starts(patterns: list[str], flags: int) -> Starts | None:
    """The union of the first words of ``patterns`` (each parsed with ``flags``) after a
    leading ``^\\s*``, or None when one pattern's cannot be listed (``start_words`` also
    refuses a pattern a match of which can start with a character other than
    ``[A-Za-z0-9]``, or be empty: so what follows ``^\\s*`` starts at the line's first
    character that is not white space, however ``\\s*`` backtracks)."""
    words: set[str] = set()
    prefixes: set[str] = set()
    for pattern in patterns:
        found = start_words(pattern.removeprefix(_LINE_START), flags)
        if found is None:
            return None
        words |= found[0]
        prefixes |= found[1]
    return frozenset(words), tuple(sorted(prefixes))


def first_token(line: str) -> str:
    """The line's first run of characters other than white space ("" for a blank line);
    ``str.split`` splits at what ``\\s`` matches."""
    parts = line.split(None, 1)
    return parts[0] if parts else ""


def lead_word(token: str) -> str | None:
    """The leading word (``[A-Za-z0-9]+``) of ``token`` folded (``fold``: lower case, and the
    characters ``re.IGNORECASE`` takes for an ASCII letter made that letter); "" for an empty
    token (a blank line: every rule is tried); None when the token starts with any other
    character."""
    if not token:
        return ""
    word = _LOW_WORD.match(fold(token))
    return None if word is None else word.group()


def may_start(word: str | None, starts: Starts | None) -> bool:
    """Whether a rule with first words ``starts``, tried after the line's leading white space
    (``^\\s*``), can match a line whose first token has the leading word ``word``
    (``lead_word``).

    A match starts with a word (``[A-Za-z0-9]+``, whole: it is followed by a character that is
    not a word character or by the end, as ``start_words`` assumes) that is one of the words or
    begins with one of the prefixes; a token that starts with another character (None) starts
    no match."""
    if starts is None or word == "":
        return True
    if word is None:
        return False
    return word in starts[0] or (bool(starts[1]) and word.startswith(starts[1]))


def may_be_numbered(token: str) -> bool:
    """Whether ``token`` can be the numbering of sections.py's ``_NUMBERING``
    (``\\d+(?:\\.\\d+)*\\.?``, ``[IVXivx]+\\.`` or ``[A-Z]\\.``, then white space): it starts
    with a digit (``\\d``: ``str.isdecimal``, within ``str.isdigit``) or holds a ".". Only
    then can a title start later than the first token."""
    return bool(token) and (token[0].isdigit() or "." in token)
