"""Repair (speed): ``may_have_junk`` says False only of texts ``classify`` finds no junk in,
and the line pass that skips naming the lines of such texts gives what the full pass gives."""

from __future__ import annotations

import pytest
from corpus import corpus_texts
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_repair_fuzz import PIECES, texts

from caseminer.repair import core
from caseminer.repair import lines as L
from caseminer.repair.resources import layout, lexicon

CRAFTED = [
    "A 45-year-old man.\nHe had pain.\n\nCT showed a mass.\nHe recovered.\n",
    "ISSN 1234-5678\nA man.\nHe had pain.",
    "A man.\n12\nHe had pain.",
    "R he umat o\nRheumatology journal of things.\nA man had pain for years.",
    "\n".join(["J Case Rep 2019; 3: 1-3", *[f"Body line {i} of the page." for i in range(14)]] * 3),
    # one sentence per line (all different), a page number between two of them
    "\n".join(
        [
            f"The patient was seen on day {w} with a long history of pain in the hip."
            for w in "abcdef"
        ]
        + ["12"]
        + [f"Radiographs showed masses {w} around the joint of the hip and knee." for w in "ghijkl"]
    ),
    # a running header in other letter cases and numbers, far apart (the body lines differ),
    # after a long first line (so no head line can be a garbled banner)
    "The report of this case follows on the next pages of the journal.\n"
    + "\n".join(
        f"{h}\n" + "\n".join(f"Line {w * k} of the body text." for w in "abcdefghijkl")
        for k, h in enumerate(("Case Rep 12", "CASE Rep 3", "case rep \u0663"), 1)
    ),
    "CASE REPORT\nA man.\nFigure 1: a mass.\nTable 1: values.\n1\n2\nHe recovered.",
]


def _check(text: str, monkeypatch) -> bool:
    """Asserts the fast path is exact for ``text``; returns whether ``may_have_junk`` said
    False."""
    lay, lex = layout(), lexicon()
    lines = L.split_lines(text)
    contents, stripped = [ln.content for ln in lines], [ln.stripped for ln in lines]
    # the lines read with str.split, when the loop would copy them all as they are
    plain = L.plain_lines(text)
    assert (plain is not None) == (bool(text) and core._kept_as_is(lines))
    if plain is not None:
        assert plain == (contents, stripped)
    per_line = L.sentence_per_line(lines, lay)
    assert L.stripped_per_line(stripped, lay) == per_line
    maybe = L.may_have_junk(contents, stripped, lay)
    notes = L.classify(lines, lay, lex, L.typical_width(lines, lay))
    if not maybe:
        assert not notes and all(ln.kind != L.JUNK for ln in lines)
    assert L.sentence_per_line(lines, lay) == per_line  # naming lines leaves it as it is
    fast = core.repair_lines(text)
    with monkeypatch.context() as m:
        m.setattr(core, "may_have_junk", lambda *args: True)
        assert core.repair_lines(text) == fast
    return not maybe


def test_no_junk_on_corpus_texts(monkeypatch):
    sources = corpus_texts(CRAFTED, maccrobat=100)
    clean = [_check(t, monkeypatch) for t in sources]
    assert sum(clean) >= len(sources) // 2  # most reports take the fast path
    assert not all(clean[1 : len(CRAFTED)])  # the crafted junk is seen


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_no_junk_on_generated_text(source):
    with pytest.MonkeyPatch.context() as monkeypatch:
        _check(source, monkeypatch)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                *PIECES,
                "A man.",
                "He had pain.",
                "Page 3",
                "www.x.org",
                "J Case Rep 2019; 3",
                "Body line of the page.",
                "R he",
                "umat o",
                "Rheumatology",
            ]
        ).map(lambda p: p + "\n"),
        max_size=40,
    ).map("".join)
)
def test_no_junk_on_generated_lines(source):
    with pytest.MonkeyPatch.context() as monkeypatch:
        _check(source, monkeypatch)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a. \t\n\r\f\v\u00a0\u2028\x85")), max_size=20))
@example("a.\n\u00a0\nb.")
@example("a.\n \nb.")
@example("a. \nb.")
@example("a.\t\nb.")
@example("a.\nb.\t")
@example("a.\rb.")
@example("a.\n\n")
@example("\na.")
def test_plain_lines_on_generated_breaks_and_blanks(text):
    lines = L.split_lines(text)
    plain = L.plain_lines(text)
    assert (plain is not None) == (bool(text) and core._kept_as_is(lines))
    if plain is not None:
        assert plain == ([ln.content for ln in lines], [ln.stripped for ln in lines])
