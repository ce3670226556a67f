"""caseminer.terminology.ngrams: the runs of a text's words that are keys, found with hashes.

The facts: ``KeyTable.candidates`` gives exactly the runs of words whose norms joined by spaces
are a key and which hold no phrase break, by start and then longest first, whatever the key
lengths (runs of up to HEAD words are hashed at every position, longer ones grown one word at a
time from key prefixes)."""

from __future__ import annotations

import pytest

from caseminer.terminology.ngrams import HEAD, KeyTable
from caseminer.terminology.normalize import words

KEYS = [
    "fever",
    "pain",
    "chest pain",
    "acute chest pain",
    "acute chest pain syndrome",
    "pain of left lower limb",
    "abnormality of left lower limb bone structure",
    "left lower limb",
    "left lower limb bone",
    "x y z w v u",
]


def _brute_force(keys: set[str], text: str) -> list[tuple[int, int]]:
    ws = words(text)
    longest = max(k.count(" ") + 1 for k in keys)
    out = []
    for i in range(len(ws)):
        for n in range(1, min(longest, len(ws) - i) + 1):
            if any(ws.breaks[j] for j in range(i + 1, i + n)):
                break
            if " ".join(ws.norms[i : i + n]) in keys:
                out.append((i, n))
    return sorted(out, key=lambda c: (c[0], -c[1]))


@pytest.mark.parametrize(
    "text",
    [
        "Acute chest pain syndrome and fever; pain of the left lower limb.",
        "Abnormality of left lower limb bone structure, left lower limb bone pain",
        "acute chest. pain syndrome, left lower, limb, x y z w v u x y z w v",
        "Fevers and chest pains: the acute chest pain syndromes of left lower limbs",
        "",
        "pain",
    ],
)
def test_candidates_are_exactly_the_unbroken_runs_that_are_keys(text):
    assert any(k.count(" ") + 1 > HEAD for k in KEYS)  # longer runs are exercised
    table = KeyTable.from_keys(KEYS)
    assert table.candidates(words(text)) == _brute_force(set(KEYS), text)


def test_data_round_trip_keeps_the_candidates():
    table = KeyTable.from_keys(KEYS)
    again = KeyTable.from_data(table.to_data())
    text = "Pain of left lower limb and acute chest pain syndrome with fever"
    assert again.candidates(words(text)) == table.candidates(words(text))


def test_the_index_table_gives_exactly_the_key_runs_of_corpus_texts():
    """The real terminology table on real reports: every unbroken run of words that is a term
    key, and nothing else but hash collisions (none expected), in order."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from corpus import corpus_texts

    from caseminer.terminology.cache import load_index
    from caseminer.terminology.ngrams import key_hash

    index = load_index(None)
    table = index.table
    keys = index.terms
    compared = 0
    crafted = ["Chest pain, fever; acute myocardial infarction. Left lower limb pain of the hip."]
    for text in corpus_texts(crafted, maccrobat=15):
        ws = words(text)
        expected = []
        for i in range(len(ws)):
            for n in range(1, min(table.max_words, len(ws) - i) + 1):
                if n > 1 and ws.breaks[i + n - 1]:
                    break
                if " ".join(ws.norms[i : i + n]) in keys:
                    expected.append((i, n))
        found = table.candidates(words(text[:]))  # a fresh stream (no memo)
        assert found == sorted(found, key=lambda c: (c[0], -c[1]))
        extra = [c for c in found if c not in set(expected)]
        for i, n in extra:  # a collision: no key, no break inside, yet the number of one
            assert " ".join(ws.norms[i : i + n]) not in keys
            assert not any(ws.breaks[i + 1 : i + n])
            assert key_hash(" ".join(ws.norms[i : i + n])) in set(table.hashes.tolist())
        expected.sort(key=lambda c: (c[0], -c[1]))  # by start, longest first
        assert [c for c in found if c not in set(extra)] == expected, text[:60]
        compared += len(expected)
    assert compared > 100
