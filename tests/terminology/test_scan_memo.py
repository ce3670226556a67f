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
    assert found > 1000
    assert index._surfaces
