"""Repair (speed): the fast paths give what the straightforward code gives."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.repair import lines as L
from caseminer.repair.resources import layout

CORPORA = Path(__file__).resolve().parents[2] / "corpora"


def _mark_repeated_plainly(lines: list[L.Line], lay, notes: list[str]) -> None:
    """The running-header rule as first written: every candidate line's key computed."""
    th = lay.thresholds
    seen: dict[str, list[L.Line]] = defaultdict(list)
    for ln in lines:
        s = ln.stripped
        if ln.kind != L.PROSE or len(s) < th["repeated_min_chars"] or not L.TWO_WORDS_RE.search(s):
            continue
        seen[re.sub(r"\d+", "#", s.lower())].append(ln)
    for group in seen.values():
        if len(group) < th["repeated_min_count"]:
            continue
        gaps = [b.index - a.index for a, b in zip(group, group[1:], strict=False)]
        if min(gaps) >= th["repeated_min_gap_lines"]:
            for ln in group:
                L._junk(ln, "running header", notes)


def _both(text: str) -> tuple[list, list]:
    lay = layout()
    results = []
    for mark in (L._mark_repeated, _mark_repeated_plainly):
        lines = L.split_lines(text)
        notes: list[str] = []
        mark(lines, lay, notes)
        results.append(([ln.kind for ln in lines], notes))
    return results[0], results[1]


def test_running_headers_on_corpus_texts():
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("*.txt"))]
    filler = "\n".join(f"Body line number {i} of the page." for i in range(12))
    # the same header with other numbers (ASCII and not), far apart: removed
    texts.append(
        "\n".join([f"J Case Rep 2019; {n}: 1-{n}\n{filler}" for n in ("3", "12", "\u0663", "7")])
    )
    removed = 0
    for text in texts:
        fast, plain = _both(text)
        assert fast == plain
        removed += len(fast[1])
    assert removed >= 4


_HEADERS = [
    "Case Rep 12",
    "case rep 3",
    "Case Rep #",
    "Case Rep \u0663",
    "CASE REP 45",
    "Ca\u212ae Rep 1",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(_HEADERS) | st.sampled_from(["x y", "", "Some prose here."]), max_size=80
    )
)
def test_running_headers_on_generated_lines(lines):
    fast, plain = _both("\n".join(lines))
    assert fast == plain


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab \t\n\r-\u00ad\ufb01\u200b\ufeff\u00a0")), max_size=30)
)
def test_expand_characters_are_where_the_expansion_matches(text):
    from caseminer.repair.chars import _expand_chars_re, _expand_re

    assert bool(_expand_chars_re().search(text)) == bool(_expand_re().search(text))
    assert "\u00ad" in layout().expand  # the soft hyphen alternative starts with a listed char


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a \n\r\f\v\x85\u2028\u2029\t")), max_size=30))
def test_line_breaks_are_the_alternation(text):
    plain = re.compile(r"\r\n|[\n\r\f\v\x85\u2028\u2029]")
    assert [m.span() for m in L.BREAK_RE.finditer(text)] == [m.span() for m in plain.finditer(text)]


def _lines_both_ways(text: str, monkeypatch) -> tuple[tuple, tuple]:
    from caseminer.repair import core

    fast = core.repair_lines(text)
    with monkeypatch.context() as m:
        m.setattr(core, "_kept_as_is", lambda lines: False)
        slow = core.repair_lines(text)
    return fast, slow


def test_texts_kept_as_is_are_what_the_line_loop_gives(monkeypatch):
    from caseminer.repair import core

    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("*.txt"))]
    kept = 0
    for text in texts:
        fast, slow = _lines_both_ways(text, monkeypatch)
        assert fast == slow
        kept += fast[0] == text and core._kept_as_is(L.split_lines(text))
    # one sentence per line, as MACCROBAT: the fast path is taken
    text = "A 45-year-old man.\nHe had pain.\n\nCT showed a mass.\nHe recovered.\n"
    assert core._kept_as_is(L.split_lines(text)) and core.repair_lines(text)[0] == text
    assert _lines_both_ways(text, monkeypatch)[0] == _lines_both_ways(text, monkeypatch)[1]
    assert kept >= 1


_LINE_PIECES = [
    "A man.",
    "He had pain.",
    "Results were",
    "normal.",
    "ISSN 1234-5678",
    "Page 3",
    "12",
    "\n",
    "\n\n",
    "\r\n",
    "\f",
    " ",
    "\t",
    "CASE REPORT",
    "Figure 1: a mass.",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_LINE_PIECES), max_size=30))
def test_line_pass_fast_path_on_generated_texts(pieces):
    import pytest

    text = "".join(pieces)
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = _lines_both_ways(text, monkeypatch)
    assert fast == slow


def test_identity_map_is_the_range():
    from caseminer.repair.chars import _IDENTITY_KEPT, identity_map, identity_range

    for start, stop in [(0, 0), (5, 3), (0, 9), (7, 3000), (10, _IDENTITY_KEPT)]:
        assert list(identity_range(start, stop)) == list(range(start, stop))
    for start, stop in [(0, _IDENTITY_KEPT + 1), (_IDENTITY_KEPT + 2, _IDENTITY_KEPT + 9)]:
        assert list(identity_range(start, stop)) == list(range(start, stop))
    for size in (0, 1, 2, 3000, _IDENTITY_KEPT, _IDENTITY_KEPT + 1, 3 * _IDENTITY_KEPT):
        first = identity_map(size)
        assert first == list(range(size))
        first.append(-1)  # a new list each time: the kept one is untouched
        assert identity_map(size) == list(range(size))


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("ab \t\n-Figure 1:.\u00a0\u2009\u3000\u00ad\ufb01\u200b\ufeff")
        ),
        max_size=40,
    )
)
def test_one_scan_for_odd_spaces_and_expansions(text):
    from caseminer.repair.chars import _odd_or_expand_re

    lay = layout()
    either = bool(lay.odd_spaces.search(text)) or any(c in text for c in lay.expand)
    assert bool(_odd_or_expand_re().search(text)) == either
    assert _odd_or_expand_re().pattern.startswith("[")  # the packaged data: one class
