"""The findings pattern files are consistent with the terminology cache, and the lexicon is
cached on disk (built once, then read back)."""

from __future__ import annotations

import pytest

from caseminer.nlp.findings import lexicon as lexmod
from caseminer.patterns import read_json, read_jsonl
from caseminer.terminology.cache import load_index
from caseminer.terminology.normalize import key, words


@pytest.fixture(scope="module")
def index():
    return load_index()


def test_every_adjective_acronym_and_head_target_is_a_known_term(index):
    adjectives = read_json("findings", "adjectives.json")
    missing = [t for t in adjectives["forms"].values() if key(t) not in index.terms]
    missing += [r["term"] for r in read_jsonl("findings", "acronyms.jsonl")
                if key(r["term"]) not in index.terms]  # fmt: skip
    heads = read_json("findings", "heads.json")["heads"]
    missing += [t for t in heads.values() if t and key(t) not in index.terms]
    assert not missing, missing
    assert set(adjectives["absent"]) <= set(adjectives["forms"])


def test_site_variants_expand_templates(index):
    variants = lexmod.site_variant_keys(index, None)
    assert variants["enlarged spleen"] == "splenomegaly"
    assert variants["liver was markedly enlarged"] == "hepatomegaly"
    assert variants["splenic enlargement"] == "splenomegaly"
    assert variants["ocular abnormality"] == "abnormality of eye"


def test_lexicon_is_written_once_and_read_back(index, tmp_path, monkeypatch):
    monkeypatch.setattr(lexmod, "cache_dir", lambda: tmp_path)
    first = lexmod.load_lexicon(index)
    files = list(tmp_path.glob("findings-*.bin"))
    assert len(files) == 1
    second = lexmod.load_lexicon(index)
    assert second is not first and second.targets == first.targets
    assert "spleen was enlarged" in _matches(second, index, "the spleen was enlarged")
    files[0].write_bytes(b"not a lexicon")  # a damaged file is rebuilt, not trusted
    third = lexmod.load_lexicon(index)
    assert {"fever", "splenomegaly"} <= set(_matches(third, index, "fever and splenomegaly"))


def _matches(lex, index, text: str) -> list[str]:
    return [k for k, _, _ in lex.matches(index, words(text))]
