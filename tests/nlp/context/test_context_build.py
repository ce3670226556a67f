"""caseminer.nlp.context.build and matcher: the cached rule data, the phrase tries, and parity of
the plain-data pieces with medspaCy's (Rule with ConTextRule, prune_overlaps with its pruning)."""

from __future__ import annotations

import random

import pytest

from caseminer.nlp.context.build import _build, medspacy_rules_file, rule_data
from caseminer.nlp.context.families import Lexicon, load_families
from caseminer.nlp.context.matcher import add_phrase, find, prune_overlaps
from caseminer.nlp.context.rules import Rule, rules_from_json
from caseminer.patterns import concern_dir, read_json

FIELDS = (
    "literal",
    "category",
    "pattern",
    "direction",
    "allowed_types",
    "excluded_types",
    "max_scope",
    "max_targets",
    "terminated_by",
    "metadata",
)


def test_cached_rule_data_is_the_built_data(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEMINER_CACHE_DIR", str(tmp_path))
    folder = concern_dir("context", None)
    built = _build(folder, True, True)
    first = rule_data(folder, True, True)  # builds and stores
    assert list(tmp_path.glob("context-rules-*.bin"))
    again = rule_data(folder, True, True)  # reads the file
    assert first == built and again == built
    assert rule_data(folder, False, True) != built  # the knobs are part of the key


def test_family_trie_spells_every_family_phrase():
    folder = concern_dir("context", None)
    data = _build(folder, True, True)
    lexicon = Lexicon.from_json(read_json("context", "lexicon.json"))
    families = load_families(read_json("context", "cues.json"))
    names = [r["literal"] for r in data["rules"][: data["n_families"]]]
    from spacy.strings import get_string_id

    seen: set[str] = set()
    for family in families:
        for phrase in family.phrases(lexicon):
            keys = [get_string_id(w) for w in phrase.split()]
            found = [
                (r, s, e) for r, s, e in find(data["family_trie"], keys) if (s, e) == (0, len(keys))
            ]
            assert len(found) == 1, phrase
            owner = family.name if phrase not in seen else None
            if owner is not None:
                assert names[found[0][0]] == owner, phrase
            seen.add(phrase)


def test_find_returns_overlapping_and_nested_phrases():
    trie: dict = {}
    add_phrase(trie, ["no", "evidence", "of"], 0)
    add_phrase(trie, ["evidence", "of"], 1)
    add_phrase(trie, ["no"], 2)
    from spacy.strings import get_string_id

    keys = [get_string_id(w) for w in "there was no evidence of it".split()]
    assert find(trie, keys) == [(2, 2, 3), (0, 2, 5), (1, 3, 5)]


def test_rules_read_as_medspacy_reads_them():
    from medspacy.context import ConTextRule

    for path in (medspacy_rules_file(), concern_dir("context", None) / "rules.json"):
        ours = rules_from_json(path)
        theirs = ConTextRule.from_json(str(path))
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert [getattr(a, f) for f in FIELDS] == [getattr(b, f) for f in FIELDS]
            back = a.to_medspacy()
            assert [getattr(back, f) for f in FIELDS] == [getattr(b, f) for f in FIELDS]
            assert Rule.from_data(a.to_data()).to_data() == a.to_data()
    with pytest.raises(ValueError, match="direction"):
        Rule("x", "NEGATED_EXISTENCE", direction="SIDEWAYS")


def test_prune_overlaps_is_medspacys_pruning():
    from medspacy.common.util import prune_overlapping_matches

    rng = random.Random(13)
    for _ in range(500):
        matches = []
        for rule in range(rng.randint(0, 12)):
            start = rng.randint(0, 20)
            matches.append((rule, start, start + rng.randint(1, 5)))
        assert prune_overlaps(list(matches)) == prune_overlapping_matches(list(matches))
