"""The scorer on tiny hand-made gold: exact expected numbers for every matching rule."""

from __future__ import annotations

import pytest

from caseminer.evaluate.matching import lenient_pairs, may_claim, strict_pairs
from caseminer.evaluate.model import GoldDoc, GoldItem, PredItem
from caseminer.evaluate.numbers import leading_number, same_number
from caseminer.evaluate.scorer import PRF, analyte_matches, context, new_scores, score_document

TEXT = (
    "Hemoglobin was 10.2 g/dL and platelets were normal.\n"
    "CT of the chest showed no pneumonia and no pleural effusion.\n"
    "She underwent laparoscopic appendectomy.\n"
)


def g(start: int, end: int, cat: str = "diagnoses", **kw) -> GoldItem:
    return GoldItem(category=cat, start=start, end=end, text=TEXT[start:end], **kw)


def p(start: int, end: int, cat: str = "diagnoses", **kw) -> PredItem:
    return PredItem(category=cat, start=start, end=end, text=TEXT[start:end], **kw)


def span(mention: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(mention, start + 1)
    assert TEXT[start : start + len(mention)] == mention
    return start, start + len(mention)


def doc_of(gold: list[GoldItem]) -> GoldDoc:
    d = GoldDoc(id="d", text=TEXT)
    for it in gold:
        d.items.setdefault(it.category, []).append(it)
    return d


def scored(gold: list[GoldItem], pred: list[PredItem], cat: str = "diagnoses"):
    scores = new_scores()
    score_document(doc_of(gold), {cat: pred}, scores)
    return scores[cat]


def test_perfect_match_scores_one_everywhere():
    a, b = span("pneumonia"), span("pleural effusion")
    cs = scored([g(*a), g(*b)], [p(*a), p(*b)])
    assert (cs.strict.tp, cs.strict.n_pred, cs.strict.n_gold) == (2, 2, 2)
    assert cs.strict.f1 == 1.0 and cs.lenient.f1 == 1.0
    assert cs.macro(strict=True) == (1.0, 1.0, 1.0)


def test_empty_rules():
    nothing = PRF(0, 0, 0)
    assert (nothing.precision, nothing.recall, nothing.f1) == (1.0, 1.0, 1.0)
    silent = PRF(0, 0, 3)  # gold but no predictions
    assert (silent.precision, silent.recall, silent.f1) == (0.0, 0.0, 0.0)
    noisy = PRF(0, 2, 0)  # predictions but no gold
    assert (noisy.precision, noisy.recall, noisy.f1) == (0.0, 0.0, 0.0)
    cs = scored([], [])
    assert cs.doc_lenient == []  # a document with neither is left out of the macro average
    assert cs.macro(strict=False) == (1.0, 1.0, 1.0)


def test_partial_overlap_is_lenient_not_strict():
    s, e = span("pleural effusion")
    assert TEXT[s + 8 : e] == "effusion"
    cs = scored([g(s, e)], [p(s + 8, e + 1)])
    assert cs.strict.tp == 0 and cs.lenient.tp == 1
    assert cs.strict.f1 == 0.0 and cs.lenient.f1 == 1.0


def test_off_by_one_spans():
    s, e = span("pneumonia")
    assert strict_pairs([g(s, e)], [p(s + 1, e)]) == []
    assert lenient_pairs([g(s, e)], [p(s + 1, e)]) == [(0, 0)]
    # touching is not overlapping: a prediction starting where the gold ends never matches
    assert lenient_pairs([g(s, e)], [p(e, e + 4)]) == []
    assert lenient_pairs([g(s, e)], [p(s - 4, s)]) == []


def test_overlapping_gold_each_claimed_once():
    # gold "pleural effusion" and the nested "effusion"; one long prediction covers both
    outer = span("pleural effusion")
    inner = (outer[0] + 8, outer[1])
    cs = scored([g(*outer), g(*inner)], [p(*outer)])
    assert cs.lenient.tp == 1
    assert cs.lenient.precision == 1.0 and cs.lenient.recall == 0.5
    assert cs.lenient.f1 == pytest.approx(2 / 3)
    both = scored([g(*outer), g(*inner)], [p(*outer), p(*inner)])
    assert both.strict.tp == 2 and both.lenient.tp == 2


def test_prediction_more_than_40_chars_longer_is_refused():
    s, e = span("CT")
    assert e - s == 2
    ok, too_long = p(s, s + 42), p(s, s + 43)  # 40 and 41 characters longer
    assert may_claim(g(s, e), ok) and not may_claim(g(s, e), too_long)
    assert scored([g(s, e)], [too_long]).lenient.tp == 0
    assert scored([g(s, e)], [ok]).lenient.tp == 1
    # the limit is one-sided: a prediction much shorter than its gold may still claim it
    line_end = TEXT.index("\n", s)
    assert scored([g(s, line_end)], [p(s, e)]).lenient.tp == 1


def test_one_to_one_two_predictions_one_gold():
    s, e = span("laparoscopic appendectomy")
    cs = scored(
        [g(s, e, "procedures")],
        [p(s, s + 12, "procedures"), p(s + 13, e, "procedures")],
        "procedures",
    )
    assert (cs.lenient.tp, cs.lenient.n_pred, cs.lenient.n_gold) == (1, 2, 1)
    assert cs.lenient.precision == 0.5 and cs.lenient.recall == 1.0
    assert cs.lenient.f1 == pytest.approx(2 / 3)
    assert sum(cs.false_positives.counts.values()) == 1


def test_lenient_matching_is_maximal_not_just_greedy():
    s, _ = span("pleural effusion")
    gold = [g(s, s + 10), g(s + 8, s + 12)]
    pred = [p(s, s + 12), p(s, s + 3)]
    # greedy by overlap alone pairs gold 0 with pred 0 (overlap 10) and strands gold 1
    assert sorted(lenient_pairs(gold, pred)) == [(0, 1), (1, 0)]


def test_micro_and_macro_over_documents():
    a = span("pneumonia")
    scores = new_scores()
    score_document(doc_of([g(*a)]), {"diagnoses": [p(*a)]}, scores)
    score_document(doc_of([g(*a)]), {"diagnoses": []}, scores)
    score_document(doc_of([]), {}, scores)
    cs = scores["diagnoses"]
    assert (cs.lenient.tp, cs.lenient.n_pred, cs.lenient.n_gold) == (1, 1, 2)
    assert cs.lenient.precision == 1.0 and cs.lenient.recall == 0.5
    assert cs.lenient.f1 == pytest.approx(2 / 3)
    assert cs.macro(strict=False) == (0.5, 0.5, 0.5)


def test_lab_value_and_pairing_accuracy():
    v1, v2 = span("10.2 g/dL"), span("normal")
    gold = [
        g(*v1, "labs", value=10.2, analytes=("Hemoglobin",)),
        g(*v2, "labs", value=None, analytes=("platelet count",)),
    ]
    pred = [
        p(*v1, "labs", value=10.2, analyte="Hemoglobin", analyte_text="Hb"),
        p(*v2, "labs", value=None, analyte="Platelet", analyte_text=None),
    ]
    cs = scored(gold, pred, "labs")
    assert (cs.value.correct, cs.value.total) == (1, 1)  # "normal" has no gold number
    assert (cs.pairing.correct, cs.pairing.total) == (2, 2)
    wrong = scored(gold, [p(*v1, "labs", value=1.02, analyte="Calcium", analyte_text="Ca")], "labs")
    assert (wrong.value.correct, wrong.value.total) == (0, 1)
    assert (wrong.pairing.correct, wrong.pairing.total) == (0, 1)


def test_analyte_matching_is_word_based():
    def pred(text: str | None, canonical: str | None = None) -> PredItem:
        return PredItem("labs", 0, 1, "x", analyte=canonical, analyte_text=text)

    assert analyte_matches(pred("CRP"), ["crp"])
    assert analyte_matches(pred(None, "Platelet count"), ["platelet"])
    assert not analyte_matches(pred("Ca"), ["carcinoembryonic antigen"])
    assert not analyte_matches(pred(None), ["hemoglobin"])
    assert analyte_matches(pred("platelets"), ["platelet count"])  # plural dropped


def test_analyte_matching_uses_the_lab_catalogue_synonyms():
    pytest.importorskip("caseminer.nlp.labs.catalogue")
    from caseminer.evaluate.scorer import _canonical

    crp = _canonical("C-reactive protein")
    if crp is None or crp != _canonical("CRP"):
        pytest.skip("the lab catalogue does not list C-reactive protein / CRP")
    assert analyte_matches(
        PredItem("labs", 0, 1, "x", analyte=crp, analyte_text="CRP"), ["C-reactive protein"]
    )
    assert not analyte_matches(PredItem("labs", 0, 1, "x", analyte=crp), ["creatinine"])


def test_negation_on_matched_items():
    spans = [span("pneumonia"), span("pleural effusion"), span("CT"), span("Hemoglobin")]
    flags = [(True, True), (True, False), (False, True), (False, False)]
    gold = [g(*sp, negated=gn) for sp, (gn, _) in zip(spans, flags, strict=True)]
    pred = [p(*sp, negated=pn) for sp, (_, pn) in zip(spans, flags, strict=True)]
    pred.append(p(*span("appendectomy"), negated=True))  # unmatched: not a negation error
    cs = scored(gold, pred)
    assert (cs.negation.tp, cs.negation.n_pred, cs.negation.n_gold) == (1, 2, 2)
    assert cs.negation.precision == 0.5 and cs.negation.recall == 0.5
    assert [r["text"] for r in cs.negation_missed.top()] == ["pleural effusion"]
    assert [r["text"] for r in cs.negation_wrong.top()] == ["CT"]


def test_misses_and_false_positives_carry_their_sentence():
    cs = scored([g(*span("pneumonia"))], [p(*span("appendectomy"))])
    (miss,) = cs.misses.top()
    assert miss["text"] == "pneumonia" and miss["count"] == 1
    assert miss["sentence"] == "CT of the chest showed no «pneumonia» and no pleural effusion."
    (fp,) = cs.false_positives.top()
    assert fp["sentence"] == "She underwent laparoscopic «appendectomy»."


def test_context_cuts_long_lines():
    text = "x" * 500 + " target " + "y" * 500
    s = text.index("target")
    out = context(text, s, s + 6, width=60)
    assert "«target»" in out and out.startswith("…") and out.endswith("…")
    assert len(out) < 80


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("13.4", 13.4),
        ("<0.5", 0.5),
        ("1,200", 1200.0),
        ("3,5", 3.5),
        ("−2.1", -2.1),
        ("145\u2009μmol/l", 145.0),
        ("90%", 90.0),
        ("normal", None),
        ("grade 2/6", None),
    ],
)
def test_leading_number(text, number):
    assert leading_number(text) == number


def test_same_number():
    assert same_number(10.2, 10.2000000001)
    assert not same_number(10.2, 10.3)
    assert not same_number(None, 1.0)


def test_many_items_stay_fast_and_one_to_one():
    import time

    gold = [GoldItem("labs", i * 3, i * 3 + 2, "xx") for i in range(3000)]
    pred = [PredItem("labs", i * 3 + 1, i * 3 + 3, "xx") for i in range(3000)]
    t0 = time.perf_counter()
    pairs = lenient_pairs(gold, pred)
    assert time.perf_counter() - t0 < 2.0
    assert len(pairs) == 3000
    assert len({gi for gi, _ in pairs}) == len({pi for _, pi in pairs}) == 3000


def _brute_max(gold, pred) -> int:
    def best(gi: int, used: frozenset) -> int:
        if gi == len(gold):
            return 0
        out = best(gi + 1, used)
        for pi, pp in enumerate(pred):
            if pi not in used and may_claim(gold[gi], pp):
                out = max(out, 1 + best(gi + 1, used | {pi}))
        return out

    return best(0, frozenset())


def test_lenient_pairs_reach_the_maximum_on_random_spans():
    import random

    rng = random.Random(7)

    def spans(n: int) -> list[tuple[int, int]]:
        out = []
        for _ in range(n):
            start = rng.randint(0, 60)
            out.append((start, start + rng.randint(1, 50)))
        return out

    for _ in range(400):
        gold = [GoldItem("labs", s, e, "") for s, e in spans(rng.randint(0, 5))]
        pred = [PredItem("labs", s, e, "") for s, e in spans(rng.randint(0, 5))]
        pairs = lenient_pairs(gold, pred)
        assert len({gi for gi, _ in pairs}) == len({pi for _, pi in pairs}) == len(pairs)
        assert all(may_claim(gold[gi], pred[pi]) for gi, pi in pairs)
        assert len(pairs) == _brute_max(gold, pred)
