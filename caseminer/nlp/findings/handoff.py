"""The item group's offsets as the findings component leaves them, for the terminology component.

Why: both components read every item of ``doc.spans["caseminer"]`` (the terminology component
codes the DIAGNOSIS items and adds none where an item stands), and reading an item builds a Span
and two Tokens. The findings component, which runs just before, has read the group and knows
what it added, so it leaves the DIAGNOSIS offsets and the covered characters here; the
terminology component takes them only for the same Doc whose group is still the same object of
the same length (so a component that ran in between and added, removed or replaced the group
makes it read the group itself), and only once. Nothing is kept on the Doc: it stays as the
pipeline leaves it (serialisable, the same bytes).
"""

from __future__ import annotations

import weakref
from typing import Any

from spacy.tokens import Doc

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
