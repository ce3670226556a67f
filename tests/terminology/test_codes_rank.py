"""``TerminologyIndex.codes`` ranks entries with ``_rank`` (each concept's row read once); the
order must be the one of the key that read the row twice, for every term with several entries."""

from __future__ import annotations

import random

from caseminer.terminology.index import KIND_RANK, _rank


def _index():
    import caseminer

    return caseminer.load().get_pipe("caseminer_terminology").index


def test_rank_orders_as_the_two_read_key_on_the_vocabulary():
    index = _index()
    row = index.concepts.row
    rng = random.Random(13)
    keys = [k for k in index.terms.keys() if not isinstance(index.terms._packed[k], int)]
    compared = 0
    for k in rng.sample(keys, min(3000, len(keys))):
        entries = index.terms[k]
        # shuffled and with entries of other keys, so that ties and every kind are met
        entries = entries + index.terms[rng.choice(keys)]
        rng.shuffle(entries)
        expected = sorted(entries, key=lambda e: (KIND_RANK[e[1]], len(row(e[0])[1]), row(e[0])[1]))
        assert sorted(entries, key=lambda e: _rank(e, row)) == expected
        for variant in (False, True):
            codes = index.codes(entries, variant, 2)
            assert codes == index.codes(expected, variant, 2)  # as ranked by the old key
        compared += 1
    assert compared > 100
