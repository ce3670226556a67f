"""Where ``Interpreter.cue_in`` may find a result phrase, read off the words the name matchers
already found in the same stretch of prose.

Why: ``cue_in`` is asked about a window around each pairing (about a thousand per hundred
reports), and it split each window into words (``\\w+``) to see whether one starts a result
phrase, then ran the result pattern at every character of the windows that passed. The
stretch's ``names.TextWords`` already lists, in text order, every word of the stretch that
starts a name (result phrases included), so a window's candidates are a bisection away; the
pattern is then tried only at them (``scan.finditer_at``).

Exactness: the words of a window, as the window cuts them, are the stretch's whole words that
lie inside it, and at most two cut ones (the part after the window's start of a word that
starts before it, the part before the window's end of one that ends after it; one word cut at
both ends when a word covers the window). The whole ones are read from the stretch's list when
the window lies inside the stretch, the cut ones from the text. A window outside every noted
stretch (a table's) gets None: its caller scans as before.
"""

from __future__ import annotations

import bisect
import re
from operator import itemgetter

from caseminer.nlp.labs.names import TextWords, _subset

_WORD = re.compile(r"\w+")


def _is_word_char(c: str) -> bool:
    """The regex engine's ``\\w`` for one character (``str.isalnum`` or "_")."""
    return c.isalnum() or c == "_"


class StretchWords:
    """The ``TextWords`` of the prose stretches of the last document (one lowercased text),
    noted by the result-word finder, and the offsets of their words in ``first``."""

    def __init__(self, first: frozenset[str]) -> None:
        self.first = first
        #: (the lowercased text the noted stretches are of, held so its identity is not reused;
        #: their words; the offsets of each one's words, built when first read), replaced as a
        #: whole for a new document, so a reader (another thread's too) sees one document's
        self._state: tuple[str | None, list[TextWords], dict[int, list[int]]] = (None, [], {})

    def note(self, words: TextWords) -> None:
        """Keep the words of one stretch, when they list every word of ``first`` it has (a
        new document's first stretch forgets the last document's). Nothing is read here: a
        document none of whose windows is asked about costs nothing."""
        if words._at is None or words._keys is None or not _subset(self.first, words._keys):
            return
        state = self._state
        if words.low is not state[0]:
            state = self._state = (words.low, [], {})
        state[1].append(words)

    def starts(self, low: str, lo: int, end: int) -> list[int] | None:
        """The offsets in [lo, end) of the words of low[lo:end] (as the window cuts them) that
        are in ``first``, in order; None when no noted stretch of ``low`` holds the window."""
        state = self._state
        if low is not state[0]:
            return None
        stretches, known = state[1], state[2]
        held = [k for k, w in enumerate(stretches) if w.lo <= lo and end <= w.hi]
        if not held:
            return None
        k = held[0]
        at = stretches[k]._at
        assert at is not None
        offsets = known.get(k)
        if offsets is None:
            offsets = known[k] = list(map(_OFFSET, at))
        out: list[int] = []
        if lo >= end:
            return out
        first = self.first
        cut = lo > 0 and _is_word_char(low[lo - 1]) and _is_word_char(low[lo])
        if cut:
            m = _WORD.match(low, lo, end)  # the word cut at the window's start
            if m is not None and m.group() in first:
                out.append(lo)
        i = bisect.bisect_left(offsets, lo + 1 if cut else lo)  # (a word at lo is that one)
        n = len(offsets)
        while i < n and offsets[i] < end:
            p, w, _ = at[i]
            if p + len(w) <= end and w in first:
                out.append(p)  # a whole word inside the window
            i += 1
        if end < len(low) and _is_word_char(low[end]) and _is_word_char(low[end - 1]):
            j = end - 1  # the word cut at the window's end starts at j
            while j > lo and _is_word_char(low[j - 1]):
                j -= 1
            if not (j == lo and cut) and low[j:end] in first:  # (else it is the one above)
                out.append(j)
        return out


_OFFSET = itemgetter(0)  # the offset of a ``TextWords._at`` hit
