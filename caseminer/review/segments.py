"""Evidence spans -> non-overlapping text segments, each knowing every item that covers it.

Items of different categories may overlap (a diagnosis inside a procedure, a finding inside an
imaging sentence), so the page cannot nest <mark>s. It cuts the text at every span boundary and
tags each piece with the ids of the items covering it; clicking an item lights all its pieces.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mark:
    """One highlight: an item id, its category and its [start, end) in the text."""

    item_id: str
    kind: str  # lab | imaging | finding | diagnosis | procedure
    start: int
    end: int
    flags: tuple[str, ...] = ()  # negated, uncertain, hypothetical, historical, family


@dataclass
class Segment:
    start: int
    end: int
    marks: list[Mark] = field(default_factory=list)


# When pieces of several items overlap, the piece takes the color of the first kind listed here.
KIND_PRIORITY = ("lab", "imaging", "diagnosis", "procedure", "finding")


def valid_marks(marks: list[Mark], text: str) -> tuple[list[Mark], list[str]]:
    """Keep marks that fit the text; return the rest as warnings (the page never fails on them)."""
    kept, dropped = [], []
    for m in marks:
        if 0 <= m.start < m.end <= len(text):
            kept.append(m)
        else:
            dropped.append(f"{m.item_id}: offsets {m.start}-{m.end} outside the text")
    return kept, dropped


def segment(text: str, marks: list[Mark]) -> list[Segment]:
    """Cut text at every mark boundary; every character is in exactly one segment, in order."""
    cuts = {0, len(text)}
    for m in marks:
        cuts.add(m.start)
        cuts.add(m.end)
    bounds = sorted(c for c in cuts if 0 <= c <= len(text))
    segments = [Segment(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    by_start = sorted(marks, key=lambda m: (m.start, m.end))
    for seg in segments:
        for m in by_start:
            if m.start >= seg.end:
                break
            if m.end > seg.start:
                seg.marks.append(m)
    return segments


def primary(marks: list[Mark]) -> Mark | None:
    """The mark whose color a shared segment shows."""
    if not marks:
        return None
    return min(marks, key=lambda m: (KIND_PRIORITY.index(m.kind), m.end - m.start))
