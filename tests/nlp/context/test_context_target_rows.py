"""caseminer_context, speed round 2: the targets' ranges and store keys read in one pass
(``target_rows``) must be ``target_ranges`` and ``extensions._key`` of every item."""

from __future__ import annotations

import json

import pytest
from paths import MACCROBAT, SEED

import caseminer
from caseminer.nlp.context.graph import target_ranges, target_rows
from caseminer.nlp.extensions import SPAN_GROUP, _key


def _texts() -> list[str]:
    texts = ["She had no fever. A CT scan was not performed; biopsy showed lupus nephritis."]
    if SEED.exists():
        texts.append(SEED.read_text(encoding="utf-8"))
    if MACCROBAT.exists():
        with MACCROBAT.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for _, line in zip(range(20), fh, strict=False)]
    return texts


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
