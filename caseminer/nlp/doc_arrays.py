"""One table of token columns per Doc, read once and shared by the components (``token_table``).

Why: the abbreviation finder, labs, imaging, clinical, findings, context and the assembly each
read token columns of the same Doc with ``doc.to_array`` (offsets, sentence starts, string ids,
white-space and punctuation flags) and turned them into the same Python lists: eight reads of
30-odd columns per document where one read of eleven does. ``token_table(doc)`` reads all of
them once and keeps the table of the last Doc it was asked about; its derived lists (character
offsets, sentence starts, ...) are worked out once, on first use.

Staleness. The table is handed out again only for the same Doc object whose token boundaries
(IDX, SPACY) and sentence starts (SENT_START) are still what they were when it was read: each
call reads those three columns (one small ``to_array`` of fields stored in spaCy's token array
itself, much cheaper than the eleven, most of which are read off the lexemes) and compares
their bytes. So a component that retokenizes the Doc, sets sentence starts, or a call on
another Doc (a copy included: the Doc's identity is part of the key, held by a weak
reference, so a freed Doc whose id is reused never matches) gets a fresh table. Not detected
(no component does either): a change to a lexeme's flags in the Vocab (``is_stop``,
``is_punct``) between two calls on one Doc, and ``doc.from_array`` writing other string ids
over tokens whose boundaries stay. The check costs what it saves only in part: in a pipeline,
any ``to_array`` call costs some 10-20 microseconds however few its columns (memory the other
components have since displaced), so sharing pays by the derived lists and the one pass over
the lexemes, not by fewer calls. Nothing is stored on the Doc, so ``doc.to_bytes()``,
``DocBin(store_user_data=True)`` and ``nlp.pipe(n_process=2)`` see the Doc as before
(``caseminer.nlp.extensions``).

Sharing. The table's array is read-only, and the lists it hands out are shared by every reader
of the Doc: callers must not change them (copy a list before handing it to code that might).
One slot: one document is processed at a time per pipeline; two threads working on different
Docs replace each other's table (each then reads its own again), never use the other's.
"""

from __future__ import annotations

import weakref
from bisect import bisect_left
from functools import cached_property

import numpy
from spacy.attrs import (
    IDX,
    IS_PUNCT,
    IS_SPACE,
    IS_STOP,
    IS_TITLE,
    LENGTH,
    LOWER,
    ORTH,
    SENT_START,
    SHAPE,
    SPACY,
)
from spacy.tokens import Doc

# The columns, in this order. The first five are ``context.matcher.ARRAY_COLUMNS`` in its order,
# so that reader gets ``array[:, :5]`` (a view, no copy).
COLUMNS = (
    LOWER,
    IS_SPACE,
    ORTH,
    SHAPE,
    SENT_START,
    IDX,
    LENGTH,
    SPACY,
    IS_PUNCT,
    IS_TITLE,
    IS_STOP,
)
(
    LOWER_COL,
    SPACE_COL,
    ORTH_COL,
    SHAPE_COL,
    SENT_COL,
    IDX_COL,
    LENGTH_COL,
    SPACY_COL,
    PUNCT_COL,
    TITLE_COL,
    STOP_COL,
) = range(len(COLUMNS))
# what is read again on every call to tell whether the Doc changed: fields of spaCy's token
# structs, not of the lexemes they point to (reading a lexeme column costs a cache miss per token
# in a pipeline that has touched other memory since; these are one contiguous array). The text
# cannot change, so the same token starts and trailing spaces mean the same tokens, and with
# them the same lexemes (a merge and a split that keep the length move some start).
_CHECK = [IDX, SPACY, SENT_START]


class TokenTable:
    """The ``COLUMNS`` of one Doc (``array``, uint64 as spaCy gives them, read-only) and lists
    derived from them on first use (each ``cached_property`` computed once per table). See the
    module docstring: never change what it hands out."""

    def __init__(self, array: numpy.ndarray) -> None:
        array.flags.writeable = False
        self.array = array
        self.n: int = len(array)

    @cached_property
    def starts(self) -> list[int]:
        """Indices of the tokens flagged as sentence starts (SENT_START == 1), ascending; token 0
        only when it is flagged."""
        # uint64 as spaCy gives it: a non-start (-1) is 2**64-1, never 1
        return (self.array[:, SENT_COL] == 1).nonzero()[0].tolist()

    @cached_property
    def starts0(self) -> list[int]:
        """``starts`` with token 0 first: where ``Span.sent`` begins each sentence (it walks
        back to a flagged token, or to token 0). ``[0]`` for an empty Doc."""
        starts = self.starts
        return starts if starts[:1] == [0] else [0, *starts]

    @cached_property
    def start_chars(self) -> list[int]:
        """The character offsets of the ``starts`` tokens."""
        idx = self.idx
        return [idx[i] for i in self.starts]

    @cached_property
    def flagged(self) -> bool:
        """Some token after the first has a SENT_START value (start or not start): what
        ``doc.has_annotation("SENT_START")`` tests when the Doc has two tokens or more."""
        return bool(self.array[1:, SENT_COL].any())

    def column(self, col: int) -> numpy.ndarray:
        """One column (``LOWER_COL``, ...), a read-only view."""
        return self.array[:, col]

    @cached_property
    def idx(self) -> list[int]:
        """The character offset of each token (``token.idx``)."""
        return self.array[:, IDX_COL].tolist()

    @cached_property
    def lengths(self) -> list[int]:
        """The length in characters of each token."""
        return self.array[:, LENGTH_COL].tolist()

    @cached_property
    def ends(self) -> list[int]:
        """The character offset where each token ends (``token.idx + len(token)``)."""
        array = self.array
        return (array[:, IDX_COL] + array[:, LENGTH_COL]).tolist()

    @cached_property
    def lower(self) -> list[int]:
        """The LOWER string id of each token."""
        return self.array[:, LOWER_COL].tolist()

    @cached_property
    def spaces(self) -> list[int]:
        """Indices of the white-space tokens (``token.is_space``), ascending."""
        return self.array[:, SPACE_COL].nonzero()[0].tolist()

    def any_start(self, lo: int, hi: int) -> bool:
        """Some token in ``[lo, hi)`` is flagged as a sentence start (``1 in flags[lo:hi]``)."""
        starts = self.starts
        k = bisect_left(starts, lo)
        return k < len(starts) and starts[k] < hi


def has_sentences(doc: Doc, table: TokenTable) -> bool:
    """``doc.has_annotation("SENT_START")`` from the table (the user hooks are read off the Doc:
    they are no token column)."""
    return table.n <= 1 or "sents" in doc.user_hooks or table.flagged


# (weak reference to the Doc, bytes of its _CHECK columns, its table), or None
_SLOT: tuple[weakref.ref, bytes, TokenTable] | None = None


def token_table(doc: Doc) -> TokenTable:
    """The ``TokenTable`` of ``doc``: the last one read if it is still the Doc's (see the module
    docstring), else read now."""
    global _SLOT
    key = doc.to_array(_CHECK).tobytes()
    slot = _SLOT
    if slot is not None and slot[1] == key and slot[0]() is doc:
        return slot[2]
    table = TokenTable(doc.to_array(COLUMNS))
    _SLOT = (weakref.ref(doc), key, table)
    return table


def forget() -> None:
    """Drop the kept table (tests; nothing else needs it)."""
    global _SLOT
    _SLOT = None
