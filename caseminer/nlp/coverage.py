"""Overlap tests against many ranges in constant time per query, for long documents.

Why: components check each candidate against every item or analyte found so far ("does it
overlap any of them?"). As a scan over a list, that is candidates x items, which grows with the
square of the document's length (a 600k-character text has thousands of both). ``Coverage``
marks the covered positions (characters or tokens) in a bytearray once; a query is one
``bytearray.find`` over the candidate's own range, in C.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable


class Coverage:
    """Positions covered by half-open ranges ``[start, end)``; empty ranges cover nothing.

    ``overlaps(start, end)`` is exactly ``any(start < e and s < end for s, e in ranges)`` for
    non-empty ranges. Ranges can be added at any time (``add``).
    """

    __slots__ = ("_mask", "_count")

    def __init__(self, ranges: Iterable[tuple[int, int]] = (), size: int = 0) -> None:
        # ``add`` inlined: a document's items are marked in one loop (a method call per range
        # cost more than the marking); the statements are ``add``'s own, so the mask and the
        # count are exactly those of calling ``add`` per range (tests/nlp/test_coverage.py)
        mask = bytearray(size)
        count = 0
        for start, end in ranges:
            if end <= start:
                continue
            if end > len(mask):
                mask.extend(bytes(max(end - len(mask), len(mask))))
            mask[max(0, start) : end] = b"\x01" * (end - max(0, start))
            count += 1
        self._mask = mask
        self._count = count

    def add(self, start: int, end: int) -> None:
        """Mark ``[start, end)`` as covered."""
        if end <= start:
            return
        if end > len(self._mask):
            self._mask.extend(bytes(max(end - len(self._mask), len(self._mask))))
        self._mask[max(0, start) : end] = b"\x01" * (end - max(0, start))
        self._count += 1

    def overlaps(self, start: int, end: int) -> bool:
        """Some position of ``[start, end)`` is covered."""
        return end > start and self._mask.find(1, max(0, start), end) != -1

    def __bool__(self) -> bool:
        """Any range was added (an empty Coverage is falsy, like an empty list of ranges)."""
        return self._count > 0

    def __len__(self) -> int:
        return self._count


class RangeIndex:
    """Ranges kept in their given order, answering "the first one overlapping [start, end)".

    ``first_overlapping(start, end)`` is the smallest ``k`` with
    ``ranges[k][0] < end and start < ranges[k][1]`` (None when none), as a scan in list order
    would find it, but by bisecting the starts and looking back only as far as the longest range.
    """

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self._ranges = ranges
        self._order = sorted(range(len(ranges)), key=lambda k: ranges[k][0])
        self._starts = [ranges[k][0] for k in self._order]
        self._reach = max((e - s for s, e in ranges), default=0)

    def first_overlapping(self, start: int, end: int) -> int | None:
        """Index of the first range (in the given order) overlapping ``[start, end)``."""
        lo = bisect_left(self._starts, start - self._reach)
        hi = bisect_left(self._starts, end)
        hits = [k for k in self._order[lo:hi] if start < self._ranges[k][1]]
        return min(hits) if hits else None
