"""Coverage built from ranges in one loop equals Coverage built by ``add`` per range."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.coverage import Coverage

_RANGES = st.lists(st.tuples(st.integers(-5, 120), st.integers(-5, 120)), max_size=30)


def _by_add(ranges: list[tuple[int, int]], size: int) -> Coverage:
    cov = Coverage((), size)
    for start, end in ranges:
        cov.add(start, end)
    return cov


@settings(max_examples=300, deadline=None)
@given(_RANGES, st.integers(0, 100))
def test_init_marks_as_add_does(ranges: list[tuple[int, int]], size: int) -> None:
    fast, slow = Coverage(ranges, size), _by_add(ranges, size)
    assert fast._mask == slow._mask
    assert len(fast) == len(slow) and bool(fast) == bool(slow)
    for start in range(-2, 125, 3):
        for end in range(start, start + 12, 4):
            assert fast.overlaps(start, end) == slow.overlaps(start, end)


def test_init_on_document_like_ranges() -> None:
    ranges = [(0, 5), (3, 9), (20, 20), (30, 25), (40, 48), (47, 300)]
    fast = Coverage(ranges, 100)
    assert fast._mask == _by_add(ranges, 100)._mask
    assert fast.overlaps(4, 6) and not fast.overlaps(10, 20) and fast.overlaps(299, 305)
    assert len(fast) == 4
