"""The RepairedText contract and the repair entry point.

Repair runs in two passes, each producing text plus a map to its input, composed at the end:
1. characters (caseminer.repair.chars): odd spaces, ligatures, soft hyphens, caption breaks;
2. lines (caseminer.repair.lines + joins): junk lines removed, breaks kept/joined/dropped.
The composed map satisfies offsets[i] = source index of repaired char i, plus a sentinel.
"""

from __future__ import annotations

import array
from dataclasses import dataclass, field

import numpy

from caseminer.repair.chars import identity_map, identity_range, normalize_chars_kept
from caseminer.repair.joins import Context, Join, decide
from caseminer.repair.lines import (
    BLANK,
    JUNK,
    Line,
    classify,
    may_have_junk,
    plain_lines,
    sentence_per_line,
    split_lines,
    stripped_per_line,
    typical_width,
)
from caseminer.repair.resources import layout, lexicon

# _IS_SPACE[c]: code point c is one str.isspace() accepts, for c up to U+3000 (the last of
# them); every code point above maps to the final False entry (see removed_visible_chars)
_IS_SPACE = numpy.array([chr(c).isspace() for c in range(0x3002)], dtype=bool)


@dataclass
class RepairedText:
    """Repaired text plus, for each repaired character, the source offset it came from.

    `offsets[i]` is the source index of repaired character i; `offsets[len(text)]` is the source
    length (a sentinel), so `to_source(start, end)` works for spans that end at the text's end.
    Inserted characters (e.g. a space replacing a removed line break) map to the source position of
    what they replaced.
    """

    text: str
    source: str
    offsets: list[int]
    notes: list[str] = field(default_factory=list)
    # source ranges [start, end) that repaired characters map to, in order and disjoint, when
    # ``repair`` knows them (the line pass records what it copies); None: read the map
    kept: list[tuple[int, int]] | None = field(default=None, compare=False, repr=False)
    # set by ``repair`` when it knows the map is the identity (``is_identity`` then answers
    # without comparing the map)
    identity_known: bool = field(default=False, compare=False, repr=False)

    def removed_visible_chars(self) -> tuple[int, int]:
        """(source characters other than white space that no repaired character maps to, all
        source characters other than white space). Vectorised: it runs on every document."""
        codes = numpy.frombuffer(self.source.encode("utf-32-le"), dtype=numpy.uint32)
        # a table lookup, not numpy.isin (which sorts): code points past the table share its
        # last entry, which is not white space
        visible = ~_IS_SPACE[numpy.minimum(codes, len(_IS_SPACE) - 1)]
        n_visible = int(numpy.count_nonzero(visible))
        offsets = self.offsets
        if self.kept is not None:
            # the characters between the kept ranges are the ones no repaired character maps
            # to: count their visible ones (``str.split`` splits at ``str.isspace``), instead
            # of turning the whole map into an array (most repairs drop a few line breaks)
            return _visible_between(self.source, self.kept), n_visible
        if self.is_identity():
            return 0, n_visible
        if len(offsets) > 1:
            # through array.array: a faster conversion of a list of ints than numpy.array
            mapped = numpy.frombuffer(array.array("q", offsets), dtype=numpy.int64)[:-1]
            visible[mapped] = False
        return int(numpy.count_nonzero(visible)), n_visible

    def is_identity(self) -> bool:
        """Whether repair changed nothing: the map is 0, 1, ..., len(source).

        Why: most texts need no line repair, and then nothing was removed; one list comparison in
        C answers that, cheaper than counting removed characters (assembly asks per document)."""
        if self.identity_known:
            return True
        offsets, n = self.offsets, len(self.source)
        return len(offsets) == n + 1 and offsets[-1] == n and offsets == identity_map(n + 1)

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a repaired span [start, end) to the smallest source span covering it."""
        if end <= start:
            s = self.offsets[start]
            return s, s
        return self.offsets[start], self.offsets[end - 1] + 1


def _visible_between(source: str, kept: list[tuple[int, int]]) -> int:
    """Characters of ``source`` other than white space outside the ``kept`` ranges (in order,
    disjoint)."""
    removed = 0
    pos = 0
    for start, end in kept:
        if start > pos:
            removed += sum(map(len, source[pos:start].split()))
        pos = end
    if pos < len(source):
        removed += sum(map(len, source[pos:].split()))
    return removed


def identity(source: str) -> RepairedText:
    """No repair at all: the map is the identity."""
    return RepairedText(source, source, list(range(len(source) + 1)))


class _Builder:
    """Accumulates output text and its map to the input of the line pass."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offsets: list[int] = []
        # the input ranges [start, end) that output characters map to, in output order
        # (``put``'s characters map to one position each); see ``kept_ranges``
        self.kept: list[list[int]] = []

    def copy(self, text: str, start: int, end: int) -> None:
        if end > start:
            self.parts.append(text[start:end])
            self.offsets.extend(identity_range(start, end))
            self.kept.append([start, end])

    def put(self, chars: str, at: int) -> None:
        self.parts.append(chars)
        self.offsets.extend([at] * len(chars))
        if chars:
            self.kept.append([at, at + 1])

    def drop_last(self) -> None:
        """Remove the last emitted character (a line-end hyphen being dropped)."""
        last = self.parts[-1]
        self.parts[-1] = last[:-1]
        self.offsets.pop()
        if self.kept:
            self.kept[-1][1] -= 1  # the last range ends at the last offset

    def kept_ranges(self) -> list[tuple[int, int]] | None:
        """The ranges of input positions some output character maps to, merged, in order;
        None when they are not in increasing order (then the caller reads the map)."""
        merged: list[tuple[int, int]] = []
        last_start = last_end = -1
        for start, end in self.kept:
            if end <= start:
                continue
            if start < last_end:
                return None
            if start == last_end:
                last_end = end
                continue
            if last_end >= 0:
                merged.append((last_start, last_end))
            last_start, last_end = start, end
        if last_end >= 0:
            merged.append((last_start, last_end))
        return merged


def repair_lines(text: str) -> tuple[str, list[int], list[str]]:
    """The line pass: returns (text, map to `text`, notes)."""
    out, notes = _repair_lines(text)
    return out[0], out[1], notes


def _repair_lines(
    text: str,
) -> tuple[tuple[str, list[int], list[tuple[int, int]] | None], list[str]]:
    """``repair_lines`` plus the ranges of ``text`` the map covers (``_Builder.kept_ranges``;
    all of it when the text is kept as is)."""
    lay, lex = layout(), lexicon()
    plain = plain_lines(text)
    if (
        plain is not None
        and stripped_per_line(plain[1], lay)
        and not may_have_junk(plain[0], plain[1], lay)
    ):
        # kept as is (``_kept_as_is``) once named too, as no line would be junk: the lines
        # need no names, nor ``Line`` objects
        return (text, identity_map(len(text) + 1), [(0, len(text))]), []
    lines = split_lines(text)
    # it reads blank lines only, which naming the lines leaves as they are
    per_line = sentence_per_line(lines, lay)
    width = typical_width(lines, lay)
    notes = classify(lines, lay, lex, width)
    ctx = Context(lay, lex, width, per_line, text)
    if ctx.sentence_per_line and _kept_as_is(lines):
        return (text, identity_map(len(text) + 1), [(0, len(text))]), notes
    out = _Builder()
    prev: Line | None = None
    gap: list[Line] = []
    for ln in lines:
        if ln.kind in (BLANK, JUNK):
            gap.append(ln)
            continue
        start = ln.start
        if prev is not None:
            how = decide(prev, ln, gap, ctx)
            if how is Join.BREAK:
                _emit_breaks(out, prev, gap)
            else:
                start = ln.start + ln.indent
                if how is Join.SPACE:
                    out.put(" ", prev.brk_start)
                elif how is Join.HYPHEN_DROP:
                    out.drop_last()
                if how is not Join.SPACE:
                    notes.append(f"joined {how.value} at {prev.end}: {_piece(text, prev, ln)!r}")
        out.copy(text, start, ln.end)
        prev, gap = ln, []
    if prev is not None and prev.brk:
        out.put("\n", prev.brk_start)
    out.offsets.append(len(text))
    return ("".join(out.parts), out.offsets, out.kept_ranges()), notes


def _kept_as_is(lines: list[Line]) -> bool:
    """Whether the loop of ``repair_lines`` would give back the text unchanged, with the
    identity map, in a text laid out one sentence per line (every break is kept there:
    ``decide`` returns BREAK). It copies each content line and puts one "\\n" for each break
    after it and for each blank line between content lines; that is the text itself when no
    line is junk, no line has trailing blanks, every blank line is empty, every break is "\\n"
    and the text neither starts nor ends with a blank line (those are dropped). Why: most case
    reports (MACCROBAT's, PMC text) are such texts, and the loop costs a list entry per
    character."""
    if not lines or lines[0].kind == BLANK or lines[-1].kind == BLANK:
        return False
    for ln in lines:
        if ln.kind == JUNK or ln.end != ln.brk_start or (ln.brk != "\n" and ln.brk):
            return False
        if ln.kind == BLANK and ln.start != ln.end:
            return False
    return True


def _emit_breaks(out: _Builder, prev: Line, gap: list[Line]) -> None:
    """Keep the break after `prev` and the blank lines in the gap (one, if junk was removed)."""
    out.put("\n", prev.brk_start)
    blanks = [ln for ln in gap if ln.kind == BLANK and ln.brk]
    if any(ln.kind == JUNK for ln in gap):
        blanks = blanks[:1]
    for ln in blanks:
        out.put("\n", ln.brk_start)


def _piece(text: str, prev: Line, cur: Line) -> str:
    left = text[max(prev.start, prev.end - 12) : prev.end]
    right = cur.stripped.split(" ", 1)[0][:12]
    return f"{left}|{right}"


def repair(source: str) -> RepairedText:
    """Repair `source`; see the module docstring. Never raises on any str input."""
    if not source:
        return identity(source)
    try:
        chars, map1, kept1 = normalize_chars_kept(source)
        (text, map2, kept), notes = _repair_lines(chars)
    except Exception as exc:  # a repair bug must never lose the document
        result = identity(source)
        result.notes.append(f"repair failed, text left as is: {type(exc).__name__}: {exc}")
        return result
    if map1 is None:
        offsets = map2  # the kept ranges of ``chars`` are the source's own
    elif len(map2) == len(map1) and map2 == identity_map(len(map2)):
        offsets = map1  # the line pass kept every character: the map is the character pass's
        kept = kept1
    else:
        offsets = [map1[i] for i in map2]
        kept = None  # both passes dropped characters: read the composed map
    # every source position kept, as many characters as positions: each position once, in
    # order (the kept ranges are increasing), so the map is the identity
    known = kept == [(0, len(source))] and len(offsets) == len(source) + 1
    return RepairedText(text, source, offsets, notes, kept, known)
