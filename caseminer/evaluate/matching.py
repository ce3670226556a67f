"""One-to-one matching of predicted spans to gold spans, strict and lenient.

Strict: same (start, end). Lenient: the spans overlap by at least one character and the prediction
is at most ``max_extra`` characters longer than the gold span it claims (so a whole-sentence
prediction cannot claim a one-word gold). Lenient matching maximises the number of pairs: pairs are
first taken greedily by overlap size (largest first, then the closest length, then text order), and
augmenting paths then add any pair the greedy pass blocked, so the count is a true maximum while the
pairs stay the intuitive ones. See docs/EVALUATION.md.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Protocol

MAX_EXTRA_CHARS = 40


class _Span(Protocol):
    start: int
    end: int


Pairs = list[tuple[int, int]]  # (gold index, prediction index)


def strict_pairs(gold: Sequence[_Span], pred: Sequence[_Span]) -> Pairs:
    """Pairs with identical offsets; each gold and each prediction used at most once."""
    free: dict[tuple[int, int], list[int]] = {}
    for pi, p in enumerate(pred):
        free.setdefault((p.start, p.end), []).append(pi)
    pairs: Pairs = []
    for gi, g in enumerate(gold):
        waiting = free.get((g.start, g.end))
        if waiting:
            pairs.append((gi, waiting.pop(0)))
    return pairs


def may_claim(g: _Span, p: _Span, max_extra: int = MAX_EXTRA_CHARS) -> bool:
    """True when prediction ``p`` may be matched leniently to gold ``g``."""
    overlap = min(g.end, p.end) - max(g.start, p.start)
    return overlap > 0 and (p.end - p.start) - (g.end - g.start) <= max_extra


def lenient_pairs(
    gold: Sequence[_Span], pred: Sequence[_Span], max_extra: int = MAX_EXTRA_CHARS
) -> Pairs:
    """A maximum one-to-one set of overlapping pairs (greedy by overlap, then augmented)."""
    candidates: list[tuple[int, int, int, int]] = []  # (-overlap, length gap, gi, pi)
    by_gold: dict[int, list[int]] = {}
    order = sorted(range(len(pred)), key=lambda i: pred[i].start)
    starts = [pred[i].start for i in order]
    for gi, g in enumerate(gold):
        # a claimant starts before g.end and, being at most max_extra longer, after this bound
        lo = bisect_left(starts, g.start - (g.end - g.start) - max_extra)
        hi = bisect_left(starts, g.end)
        for k in range(lo, hi):
            pi = order[k]
            p = pred[pi]
            if p.end > g.start and may_claim(g, p, max_extra):
                overlap = min(g.end, p.end) - max(g.start, p.start)
                gap = abs((p.end - p.start) - (g.end - g.start))
                candidates.append((-overlap, gap, gi, pi))
                by_gold.setdefault(gi, []).append(pi)
    candidates.sort(key=lambda c: (c[0], c[1], gold[c[2]].start, pred[c[3]].start))
    gold_to: dict[int, int] = {}
    pred_to: dict[int, int] = {}
    for _, _, gi, pi in candidates:
        if gi not in gold_to and pi not in pred_to:
            gold_to[gi], pred_to[pi] = pi, gi

    def augment(gi: int, seen: set[int]) -> bool:
        for pi in by_gold.get(gi, ()):
            if pi in seen:
                continue
            seen.add(pi)
            if pi not in pred_to or augment(pred_to[pi], seen):
                gold_to[gi], pred_to[pi] = pi, gi
                return True
        return False

    for gi in by_gold:
        if gi not in gold_to:
            try:
                augment(gi, set())
            except RecursionError:  # pathological chains: keep the greedy pairs (state unchanged)
                continue
    return sorted(gold_to.items())
