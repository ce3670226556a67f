"""What the findings component has read of a Doc, for the terminology component that runs next.

Why: both components read every item of ``doc.spans["caseminer"]`` (the terminology component
codes the DIAGNOSIS items and adds none where an item stands), and reading an item builds a Span
and two Tokens. The findings component, which runs just before, has read the group and knows
what it added, so it leaves the DIAGNOSIS offsets and the covered characters here; the
terminology component takes them only for the same Doc whose group is still the same object of
the same length (so a component that ran in between and added, removed or replaced the group
makes it read the group itself), and only once. Nothing is kept on the Doc: it stays as the
pipeline leaves it (serialisable, the same bytes).

The short forms' offsets (``abbreviation_offsets``, a Token per pair end) are read once per Doc
the same way: ``abbreviation_pairs`` answers the second reader from the first reading while the
Doc, its stored pairs (the same list, the same length) and the extensions they are read through
are the same.
"""

from __future__ import annotations

import weakref
from typing import Any

from spacy.tokens import Doc, Span

from caseminer.nlp.abbreviations import ABBREVIATIONS_KEY, abbreviation_offsets
from caseminer.nlp.extensions import SPAN_GROUP


class ItemRows:
    """What one findings pass leaves: the DIAGNOSIS items' (start_char, end_char) in group
    order, and one byte per character of the text, 1 where some item covers it."""

    __slots__ = ("_doc", "_group", "_size", "diagnoses", "covered")

    def __init__(
        self,
        doc: Doc,
        diagnoses: list[tuple[int, int]],
        covered: bytearray,
    ) -> None:
        self._doc = weakref.ref(doc)
        group = doc.spans[SPAN_GROUP] if SPAN_GROUP in doc.spans else None
        self._group: Any = group
        self._size = len(group) if group is not None else 0
        self.diagnoses = diagnoses
        self.covered = covered

    def fits(self, doc: Doc) -> bool:
        """Left for ``doc``, whose item group is the one left (same object, same length)."""
        if self._doc() is not doc:
            return False
        group = doc.spans[SPAN_GROUP] if SPAN_GROUP in doc.spans else None
        return group is self._group and (len(group) if group is not None else 0) == self._size


_LEFT: list[ItemRows] = []  # at most one: the last findings pass's


def leave(rows: ItemRows | None) -> None:
    """Keep ``rows`` (None: nothing) for the next ``take``, replacing what was left before."""
    _LEFT.clear()
    if rows is not None:
        _LEFT.append(rows)


def take(doc: Doc) -> ItemRows | None:
    """What the findings pass left for ``doc`` if it still fits the Doc; used up either way."""
    try:
        rows = _LEFT.pop()
    except IndexError:  # nothing left (or another thread took it)
        return None
    return rows if rows.fits(doc) else None


# at most one: (the Doc, what its offsets were read from, the offsets)
_PAIRS: list[tuple[weakref.ref, tuple[Any, ...], list[tuple[int, int, int, int]]]] = []


def abbreviation_pairs(doc: Doc) -> list[tuple[int, int, int, int]]:
    """``abbreviation_offsets(doc)`` (the caller must not change the list), read once while
    the Doc, its stored pairs and the abbreviation extensions stay the same."""
    stored = doc.user_data.get(ABBREVIATIONS_KEY)
    source = (
        stored,
        len(stored) if stored is not None else 0,
        Doc.get_extension("abbreviations"),
        Span.get_extension("long_form"),
    )
    try:
        ref, was, pairs = _PAIRS[0]
    except IndexError:
        pass
    else:
        same = was[0] is stored and was[1] == source[1]
        if same and ref() is doc and was[2] is source[2] and was[3] is source[3]:
            return pairs
    pairs = abbreviation_offsets(doc)
    _PAIRS[:] = [(weakref.ref(doc), source, pairs)]
    return pairs
