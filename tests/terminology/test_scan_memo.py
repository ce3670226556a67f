"""``TerminologyIndex.scan`` keeps its answer per surface string (``_term_at``); it must find
exactly what the straightforward scan (key, entries, surface filter, normalisation test on
every run) finds, on corpus texts, the second time round (every answer kept) included."""

from __future__ import annotations

import json

import pytest
from paths import MACCROBAT, REPO

from caseminer.terminology.index import Match, _was_normalised
from caseminer.terminology.normalize import words


def _reference_scan(index, text: str) -> list[Match]:
    ws = words(text)
    norms, starts, ends = ws.norms, ws.starts, ws.ends
    out: list[Match] = []
    after = 0
    for i, n in index.table.candidates(ws):
        if i < after:
            continue
        k = " ".join(norms[i : i + n])
        entries = index.terms.get(k)
        if not entries:
            continue
        surface = text[starts[i] : ends[i + n - 1]]
        entries = [e for e in entries if len(e) < 3 or e[2] == surface]
        if entries:
            normalised = _was_normalised(text, ws, i, i + n)
            out.append(Match(i, i + n, starts[i], ends[i + n - 1], entries, normalised, k))
            after = i + n
    return out


def test_scan_equals_the_straightforward_scan_on_corpus_texts():
    import caseminer

    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))]
    if MACCROBAT.exists():
        with MACCROBAT.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()][:40]
    if not texts:
        pytest.skip("no corpus texts")
    texts += [
        "Crohn's disease and crohn disease; the Crohns' diseases. VSD, vsd and Vsd.",
        "Tumours of the kidneys, tumors of kidney and renal tumours; haemorrhages.",
    ]
    index = caseminer.load().get_pipe("caseminer_terminology").index
    found = 0
    for text in texts * 2:  # the second time round every surface is known
        expected = _reference_scan(index, text)
        assert index.scan(text) == expected, text[:60]
        found += len(expected)
    assert found > (1000 if MACCROBAT.exists() else 300)  # the repository's reports alone: ~470
    assert index._surfaces


def _reference_memo_map(memo, size, keys, compute):
    """``memo_map`` as it was: the missing keys found with one set difference."""
    missing = set(keys).difference(memo)
    if len(memo) + len(missing) > size:
        memo.clear()
        missing = set(keys)
    for key in missing:
        memo[key] = compute(key)
    return list(map(memo.__getitem__, keys))


def test_memo_map_equals_the_set_difference_version():
    """``memo_map`` gives ``[compute(k) for k in keys]`` and leaves the memo as the set
    difference version does, falsy answers ("" or 0) and the emptying at ``size`` included."""
    import random

    from caseminer.terminology.normalize import memo_map

    def compute(k: str) -> str:
        return "" if k.startswith("e") else k.upper()

    rng = random.Random(3)
    for size in (5, 8, 12, 1000):
        memo: dict[str, str] = {}
        reference: dict[str, str] = {}
        for _ in range(200):
            keys = [rng.choice("abcdeefgh") + rng.choice("xy") for _ in range(rng.randrange(12))]
            expected = _reference_memo_map(reference, size, keys, compute)
            assert memo_map(memo, size, keys, compute) == expected == [compute(k) for k in keys]
            assert memo == reference
