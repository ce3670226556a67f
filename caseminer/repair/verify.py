"""Check a RepairedText's map: the contract every later offset depends on.

Used by the tests and available to callers that want to assert the invariant on their inputs.
"""

from __future__ import annotations

from caseminer.repair.core import RepairedText
from caseminer.repair.resources import layout

BREAKS = "\n\r\f\v\x85\u2028\u2029"


def char_comes_from(out: str, src: str) -> bool:
    """May repaired character `out` have been produced from source character `src`?"""
    if out == src:
        return True
    if out in " \n" and (src.isspace() or src in BREAKS):
        return True  # a break became a space, an odd space a plain one, a space a caption break
    return out in layout().expand.get(src, "")  # one character of a ligature's expansion


def map_errors(r: RepairedText, limit: int = 10) -> list[str]:
    """Violations of the map contract (empty when the map is exact).

    Checks: one offset per character plus the sentinel len(source); offsets non-decreasing and in
    range; every repaired character comes from the source character it maps to.
    """
    errors: list[str] = []
    if len(r.offsets) != len(r.text) + 1:
        return [f"{len(r.offsets)} offsets for {len(r.text)} characters (+1 sentinel expected)"]
    if r.offsets[-1] != len(r.source):
        errors.append(f"sentinel {r.offsets[-1]} != source length {len(r.source)}")
    prev = 0
    for i, ch in enumerate(r.text):
        o = r.offsets[i]
        if o < prev or not 0 <= o < len(r.source):
            errors.append(f"offset {o} at {i} out of order or range")
        elif not char_comes_from(ch, r.source[o]):
            errors.append(f"text[{i}]={ch!r} maps to source[{o}]={r.source[o]!r}")
        prev = o
        if len(errors) >= limit:
            break
    return errors


def source_of(r: RepairedText, start: int, end: int) -> str:
    """The source text a repaired span maps back to."""
    s, e = r.to_source(start, end)
    return r.source[s:e]
