"""Procedure codes, speed round 2: ``ProcedureCoder`` remembers each name's first matching rule
across calls; its codes must be those of trying the rules in order on every call, for names
read from the corpora and for made-up ones, on first sight and when remembered."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import MACCROBAT, REPO, SEED

from caseminer.nlp.clinical import codes as codes_module
from caseminer.nlp.clinical.codes import ProcedureCoder
from caseminer.nlp.clinical.vocab import load_vocab

TABLE = load_vocab().procedure_codes


def _plain_codes(table, *names):
    """The rules tried in order on every name, nothing remembered or skipped."""
    for name in names:
        if not name:
            continue
        for rule in table.get("rules", []):
            if re.search(rule["match"], name, re.IGNORECASE):
                found = {"system": str(table.get("system", "ICD-10-PCS"))}
                found |= {"code": rule["code"], "display": rule["display"]}
                return [{**found, "match": "curated"}]
    return []


def _corpus_names() -> list[str]:
    """Every 1-4 word run of the repository's reports, the seed and some MACCROBAT texts,
    lower-cased."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))]
    if SEED.exists():
        texts.append(SEED.read_text(encoding="utf-8"))
    if MACCROBAT.exists():
        with MACCROBAT.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for _, line in zip(range(15), fh, strict=False)]
    names = set()
    for text in texts:
        words = re.findall(r"[\w-]+", text.lower())
        for n in range(1, 5):
            names.update(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return sorted(names)


@pytest.fixture(scope="module")
def coder():
    return ProcedureCoder(TABLE)


def test_remembered_codes_are_the_plain_codes_on_corpus_names(coder):
    names = _corpus_names()
    coded = 0
    for _ in range(2):  # first sight, then from the memo
        for name in names:
            got = coder.codes(name)
            assert got == _plain_codes(TABLE, name), name
            coded += bool(got)
    assert coded > 20
    # each call returns new dicts: changing one leaves the next call's alone
    first = coder.codes("liver biopsy")
    first[0]["code"] = "changed"
    assert coder.codes("liver biopsy") == _plain_codes(TABLE, "liver biopsy")


def test_memo_is_cleared_when_full(coder, monkeypatch):
    monkeypatch.setattr(codes_module, "CODE_MEMO_SIZE", 3)
    small = ProcedureCoder(TABLE)
    for name in ["biopsy", "colonoscopy", "fever", "stent", "x", "thyroidectomy", "biopsy"]:
        assert small.codes(name, "lumbar puncture") == _plain_codes(TABLE, name, "lumbar puncture")
        assert len(small._first) <= 3


_PIECES = ["biops", "ectomy", "stent", "scopy", " ", "-", "ı", "İ", "x", "total ", "ing", "K"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=6).map("".join), max_size=3))
def test_remembered_codes_are_the_plain_codes_on_made_up_names(coder, names):
    for _ in range(2):
        assert coder.codes(*names) == _plain_codes(TABLE, *names)
