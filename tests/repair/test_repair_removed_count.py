"""Repair (speed): the removed-character count read off the line pass's kept ranges is the
plain count over the offset map, on real reports and on generated broken text."""

from __future__ import annotations

from corpus import corpus_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_repair_fuzz import PIECES, texts

from caseminer.repair import repair
from caseminer.repair.core import RepairedText

BROKEN = [
    "CASE REPORT\nA 45-year-old wo-\nman was admitted with calcifi-\ncation of the hip.\n\n12\n\n"
    "ISSN: 1234-5678\nThe patient had pain.\fPage 2 of 7\nShe re\u00adcovered.\n",
    "J Case Rep 2019; 3: 1-3\n" + "Body line of the page that wraps\nhere.\n" * 14,
    "   indented\tline   \n\n\n  another  \r\nlast",
    # prose wrapped mid-sentence: breaks become spaces, "calcifi-" loses its hyphen
    "The patient was admitted to the hospital with severe pain in the left hip and calcifi-\n"
    "cation of the soft tissue around the joint was seen on the radiographs that were taken\n"
    "on the day of admission and the patient was treated with a phosphate binder for the next\n"
    "several weeks.\n",
]


def _plain(r: RepairedText) -> tuple[int, int]:
    """The definition: visible source characters no repaired character maps to."""
    mapped = set(r.offsets[:-1])
    visible = [i for i, c in enumerate(r.source) if not c.isspace()]
    return sum(i not in mapped for i in visible), len(visible)


def _check(source: str) -> bool:
    """Whether the fast count was used (kept ranges known); asserts it is the plain one."""
    r = repair(source)
    assert r.removed_visible_chars() == _plain(r)
    return r.kept is not None


def test_removed_count_on_corpus_texts():
    sources = corpus_texts(BROKEN, maccrobat=100)
    used = [_check(t) for t in sources]
    assert sum(used) >= len(sources) // 2  # the kept ranges answer most texts
    # and some of them lost visible characters (the count is not trivially 0)
    assert any(repair(t).removed_visible_chars()[0] for t in BROKEN)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_removed_count_on_generated_text(source):
    _check(source)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*PIECES, "www.example.org", "Page 3", "\n7\n"]), max_size=120))
def test_removed_count_on_generated_lines(pieces):
    _check("".join(pieces))


def _identity_checked(source: str) -> bool:
    r = repair(source)
    plain = r.offsets == list(range(len(source) + 1))
    assert r.is_identity() == plain
    if r.identity_known:
        assert plain  # (the text may differ: a line break made a space keeps the map)
    return r.identity_known


def test_identity_known_on_corpus_texts():
    # a ligature at the end: every position kept, but one twice (the map is no identity)
    sources = [
        "The patient had a mass in the left hip and a \ufb01",
        *corpus_texts(BROKEN, maccrobat=100),
    ]
    assert sum(_identity_checked(t) for t in sources) >= len(sources) // 2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_identity_known_on_generated_text(source):
    _identity_checked(source)
