"""caseminer_context, speed round 2: the targets' ranges and store keys read in one pass
(``target_rows``) must be ``target_ranges`` and ``extensions._key`` of every item; the
differential pre-check lower-casing bytes must answer as with ``str.lower``."""

from __future__ import annotations

import pytest
from corpus import corpus_texts
from hypothesis import given, settings
from hypothesis import strategies as st

import caseminer
from caseminer.nlp.context.graph import target_ranges, target_rows
from caseminer.nlp.context.status import FOLDS_TO_ASCII, DifferentialCues
from caseminer.nlp.extensions import SPAN_GROUP, _key
from caseminer.patterns import read_json

CUES = read_json("context", "status.json")["differential_cues"]


def _texts() -> list[str]:
    crafted = "She had no fever. A CT scan was not performed; biopsy showed lupus nephritis."
    return corpus_texts([crafted], maccrobat=20)


@pytest.fixture(scope="module")
def pipeline():
    return caseminer.load()


def test_target_rows_are_the_ranges_and_keys(pipeline):
    labels = set()
    checked = 0
    for text in _texts():
        doc = pipeline(text)
        targets = list(doc.spans.get(SPAN_GROUP, ()))
        ranges, keys = target_rows(targets)
        assert ranges == target_ranges(targets)
        assert keys == [_key(t) for t in targets]
        labels |= {label for _, _, label in ranges}
        checked += len(targets)
    assert checked > 100 and len(labels) >= 3  # several labels, so the label cache is used
    assert target_rows([]) == ([], [])


_NEAR = ["differential", "DIFFERENTIAL", "mimic", "MiMiC", "distinguished from", "é", "ß", "ﬀ"]
_NEAR += ["\u0130", "\u212a", "\ud800", "Σ", "ǅ", " ", "x", "to be differentiated from"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_NEAR), max_size=8).map("".join))
def test_byte_lowering_is_str_lower(text):
    """``DifferentialCues.possible`` (byte lower-casing) against the ``str.lower`` test it
    replaced, on texts mixing the cues in any case with non-ASCII letters."""
    cues = DifferentialCues(CUES)
    if cues.needles is None or any(c in text for c in FOLDS_TO_ASCII):
        expected = True
    else:
        expected = any(n in text.lower() for n in cues.needles)
    assert cues.possible(text) == expected


def test_no_str_lower_turns_other_characters_into_ascii():
    """The premise of the byte test: only FOLDS_TO_ASCII characters lower-case to ASCII."""
    import sys

    to_ascii = [
        chr(c) for c in range(128, sys.maxunicode + 1) if any(ord(x) < 128 for x in chr(c).lower())
    ]
    assert set(to_ascii) <= set(FOLDS_TO_ASCII)
