"""What the clinical rules read from a Doc, read once per document (``DocView``).

Why: the rules run per candidate (thousands per document), and each ``doc[i]``, ``span.text`` or
``Span.sent`` builds a Python object and walks tokens again; the widening, filter and attribute
rules asked for the same sentence bounds and span texts many times over. The Doc's token table
(``caseminer.nlp.doc_arrays``, read once and shared with the other components) gives every
token's lower-case and verbatim string ids, character offsets, white-space flag and sentence
start; token-wide scans (word-shape rules, diagnosis cues, abbreviation uses) then
select their few positions with numpy, and span texts are slices of the document's text. Nothing
outlives the document: a view is built per call and dropped with it, and the lists it shares
with the token table are only read.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Any

import numpy
from spacy.tokens import Doc

from caseminer.nlp.doc_arrays import (
    LOWER_COL,
    ORTH_COL,
    PUNCT_COL,
    SENT_COL,
    STOP_COL,
    TITLE_COL,
    has_sentences,
    token_table,
)
from caseminer.nlp.tokenizer import doc_text

_SPACES = re.compile(r"\s*([\-–])\s*")


def norm_text(text: str) -> str:
    """Lower case, white space folded to one space, none around hyphens: the key of a curated
    term (``by_text``). Same result as the two regex substitutions it replaces (``str.split``
    and ``\\s`` agree on what white space is), without a regex when there is no hyphen."""
    low = " ".join(text.lower().split())
    if "-" in low or "–" in low:
        low = _SPACES.sub(r"\1", low).strip()
    return low


class DocView:
    """Token columns of one Doc, for rules that run per candidate (see the module docstring).

    ``lower``/``orth`` are numpy arrays of string ids (``doc.vocab.strings``); ``idx``/``ends``
    are the character offsets of each token's start and end in ``text``; ``spaces`` and
    ``punct`` the indices of white-space and punctuation tokens; ``proper`` those of the
    title-case tokens that are no stop word and no flagged sentence start (what the widening's
    eponym test asks of a Token: ``is_title and not is_stop and not is_sent_start``)."""

    __slots__ = (
        "doc",
        "table",
        "n",
        "text",
        "lower",
        "orth",
        "idx",
        "ends",
        "spaces",
        "space_list",
        "punct",
        "proper",
        "has_sents",
        "memo",
        "_starts",
    )

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.n = n = len(doc)
        self.text = doc_text(doc)
        # the Doc's shared token table (``caseminer.nlp.doc_arrays``): its lists are shared
        # with the other readers of the Doc, and no rule changes them
        table = self.table = token_table(doc)
        self.lower, self.orth = table.column(LOWER_COL), table.column(ORTH_COL)
        self.idx: list[int] = table.idx
        self.ends: list[int] = table.ends
        self.space_list: list[int] = table.spaces
        self.spaces = frozenset(self.space_list)
        if n:
            arr = table.array
            self.punct = frozenset(arr[:, PUNCT_COL].nonzero()[0].tolist())
            # uint64 as spaCy gives it: a non-start (-1) is 2**64-1, never 1
            proper = (arr[:, TITLE_COL] != 0) & (arr[:, STOP_COL] == 0) & (arr[:, SENT_COL] != 1)
            self.proper = frozenset(proper.nonzero()[0].tolist())
        else:
            self.punct = self.proper = frozenset()
        self.has_sents = has_sentences(doc, table)
        # Span.sent walks back to a token flagged as a sentence start, or to token 0
        self._starts: list[int] = table.starts0
        # per-document answers of rules that several candidates ask alike (see widen.py)
        self.memo: dict[tuple, Any] = {}

    @property
    def lower_list(self) -> list[int]:
        """``lower`` as a list (indexing a list is cheaper than indexing numpy)."""
        return self.table.lower

    def positions(self, column: numpy.ndarray, ids: numpy.ndarray) -> list[int]:
        """Token indices whose ``column`` id (``lower`` or ``orth``) is one of ``ids`` (a
        sorted uint64 array): a binary search per token, in C."""
        if not self.n or not len(ids):
            return []
        # (array methods, not numpy's module functions: those add Python frames per call, a
        # fixed cost that every document pays several times)
        at = ids.searchsorted(column)
        numpy.minimum(at, len(ids) - 1, out=at)
        return (ids[at] == column).nonzero()[0].tolist()

    def any_space(self, lo: int, hi: int) -> bool:
        """``not spaces.isdisjoint(range(lo, hi))``: some white-space token in ``[lo, hi)``
        (a bisect of the sorted positions instead of a set test per position)."""
        k = bisect_left(self.space_list, lo)
        return k < len(self.space_list) and self.space_list[k] < hi

    def sent_start(self, i: int) -> int:
        """``doc[i].sent.start`` (only meaningful when ``has_sents``)."""
        return self._starts[bisect_right(self._starts, i) - 1]

    def sent_end(self, i: int) -> int:
        """``doc[i].sent.end``: the next sentence start after token ``i``, else the Doc's end."""
        k = bisect_right(self._starts, i)
        return self._starts[k] if k < len(self._starts) else self.n

    def span_text(self, start: int, end: int) -> str:
        """``doc[start:end].text`` (tokens ``start`` to ``end - 1``; empty when none)."""
        if end <= start:
            return ""
        return self.text[self.idx[start] : self.ends[end - 1]]

    def token_text(self, i: int) -> str:
        """``doc[i].text``."""
        return self.text[self.idx[i] : self.ends[i]]

    def norm(self, start: int, end: int) -> str:
        """``norm_text`` of the span's text (worked out once per span and document: the
        widening, the abbreviations and the attributes ask for the same spans)."""
        key = ("norm", start, end)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = norm_text(self.span_text(start, end))
        return found
