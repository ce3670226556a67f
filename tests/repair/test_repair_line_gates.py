"""Repair (speed): the line gates answer what the regex searches they replace answer."""

from __future__ import annotations

import re

from corpus import corpus_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.repair import lines as L
from caseminer.repair.resources import layout

ENDS = [
    "",
    ".",
    "\n",
    ".\n",
    ".\n\n",
    'He said "no."',
    "stage A.)]'",
    "see [3]",
    "x:\u201d\n",
    "\u201d",
    ")",
    "done;)",
    "no end)",
    "a.b",
]


def _corpus_lines() -> list[str]:
    out = []
    for text in corpus_texts(ENDS, maccrobat=100):
        out += [ln.stripped for ln in L.split_lines(text)]
        out += [ln.content for ln in L.split_lines(text)]
        out += text.splitlines(keepends=True)
    return out


def test_ends_sentence_on_corpus_lines():
    found = 0
    for line in [*ENDS, *_corpus_lines()]:
        plain = bool(L.SENTENCE_END_RE.search(line))
        assert L.ends_sentence(line) == plain, line
        found += plain
    assert found > 100


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=".!?:;\"')]\u2019\u201d\n ab[", max_size=12))
def test_ends_sentence_on_generated_text(line):
    assert L.ends_sentence(line) == bool(L.SENTENCE_END_RE.search(line))


def test_banner_match_is_the_search_on_corpus_lines():
    banner = layout().banner
    assert L.anchored_at_start(banner)  # the packaged rules: the fast path is taken
    extra = ["ISSN 1234-5678", "  doi: 10.1234/abc", "www.x.org", "Page 3 of 9", "x ISSN 1"]
    hits = 0
    for line in [*extra, *_corpus_lines()]:
        plain = banner.search(line)
        assert bool(banner.match(line)) == bool(plain), line
        hits += bool(plain)
    assert hits >= 4


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "ISSN",
                " ",
                "\t",
                "doi",
                ":",
                "10.1234/x",
                "Page",
                "3",
                "of",
                "x",
                "\n",
                "www.",
                "-",
                "vol",
                "issue",
            ]
        ),
        max_size=10,
    ).map("".join)
)
def test_banner_match_is_the_search_on_generated_lines(line):
    banner = layout().banner
    assert bool(banner.match(line)) == bool(banner.search(line))


def test_anchored_at_start_reads_the_parse_tree():
    anchored = [r"^a", r"\Aa|^b", r"(?:^a)|(?:^b)", r"(?i:^x)y", r"(?:(?:^a)|^b)c"]
    not_anchored = [r"^a|b", r"(?m)^a", r"(?:^a)|(?m:^b)", r"a^", r"(?<=x)^a", r"(?:^a)?b", ""]
    for pattern in anchored:
        assert L.anchored_at_start(re.compile(pattern)), pattern
    for pattern in not_anchored:
        assert not L.anchored_at_start(re.compile(pattern)), pattern
    # where it says anchored, a search finds only what a match finds
    for pattern in anchored:
        regex = re.compile(pattern)
        for text in ["a", "ba", "b", "xy", "\na", "ac", "bc", "\nbc"]:
            assert bool(regex.search(text)) == bool(regex.match(text))
