"""Scores: strict and lenient P/R/F1 (micro and per-document macro), lab value and analyte-pairing
accuracy, negation P/R/F1 on matched items, and the most frequent misses and false positives.

Zero-denominator rule (documented in docs/EVALUATION.md): a ratio whose denominator is zero is 1.0
when its numerator's population is also empty (nothing to find and nothing claimed), else 0.0. So a
document with no gold and no predictions is perfect; no predictions against gold gives P=R=F1=0;
predictions against no gold gives P=R=F1=0. The per-document (macro) average skips documents with
neither gold nor predictions in the category, which would otherwise inflate it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from caseminer.evaluate.matching import MAX_EXTRA_CHARS, lenient_pairs, strict_pairs
from caseminer.evaluate.model import CATEGORIES, POOLED, GoldDoc, GoldItem, PredItem
from caseminer.evaluate.numbers import same_number

TOP_ERRORS = 20


@dataclass
class PRF:
    """Counts and the precision/recall/F1 they give (zero-denominator rule in the module doc)."""

    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.n_pred += other.n_pred
        self.n_gold += other.n_gold

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.n_pred, self.n_gold)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.n_gold, self.n_pred)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "n_pred": self.n_pred,
            "n_gold": self.n_gold,
        }


def _ratio(num: int, den: int, other: int) -> float:
    if den:
        return num / den
    return 1.0 if other == 0 else 0.0


@dataclass
class Accuracy:
    """correct / total, 0.0 when nothing was eligible (total is reported beside it)."""

    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {"accuracy": round(self.value, 4), "correct": self.correct, "total": self.total}


@dataclass
class Tally:
    """Errors grouped by normalised surface text, with the first place each was seen."""

    counts: Counter = field(default_factory=Counter)
    shown: dict[str, str] = field(default_factory=dict)
    examples: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, text: str, doc_id: str, sentence: str) -> None:
        key = " ".join(text.lower().split())
        self.counts[key] += 1
        self.shown.setdefault(key, text)
        self.examples.setdefault(key, (doc_id, sentence))

    def top(self, n: int = TOP_ERRORS) -> list[dict[str, object]]:
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        return [
            {
                "text": self.shown[k],
                "count": c,
                "doc": self.examples[k][0],
                "sentence": self.examples[k][1],
            }
            for k, c in ranked
        ]


@dataclass
class CategoryScore:
    """Everything measured for one category over the whole gold set."""

    name: str
    strict: PRF = field(default_factory=PRF)
    lenient: PRF = field(default_factory=PRF)
    doc_strict: list[tuple[float, float, float]] = field(default_factory=list)
    doc_lenient: list[tuple[float, float, float]] = field(default_factory=list)
    negation: PRF = field(default_factory=PRF)
    value: Accuracy = field(default_factory=Accuracy)
    pairing: Accuracy = field(default_factory=Accuracy)
    misses: Tally = field(default_factory=Tally)
    false_positives: Tally = field(default_factory=Tally)
    negation_missed: Tally = field(default_factory=Tally)  # gold negated, ours not
    negation_wrong: Tally = field(default_factory=Tally)  # ours negated, gold not
    # True once a document annotating this category was scored
    seen: bool = False
    # GSC+: HPO ids per document (set against set), and lenient mention matches with the same id
    hpo_docs: PRF = field(default_factory=PRF)
    hpo_mentions: PRF = field(default_factory=PRF)

    def macro(self, strict: bool) -> tuple[float, float, float]:
        """Per-document P/R/F1 averaged over documents with gold or predictions here."""
        rows = self.doc_strict if strict else self.doc_lenient
        if not rows:
            return (1.0, 1.0, 1.0)
        n = len(rows)
        return tuple(sum(r[i] for r in rows) / n for i in range(3))  # type: ignore[return-value]


def score_document(
    doc: GoldDoc,
    predicted: dict[str, list[PredItem]],
    scores: dict[str, CategoryScore],
    max_extra: int = MAX_EXTRA_CHARS,
) -> None:
    """Add one document's counts to ``scores`` (one CategoryScore per category the gold
    annotates)."""
    for category in doc.scored():
        gold = doc.of(category)
        pred = predicted.get(category, [])
        cs = scores[category]
        cs.seen = True
        strict = PRF(len(strict_pairs(gold, pred)), len(pred), len(gold))
        pairs = lenient_pairs(gold, pred, max_extra)
        lenient = PRF(len(pairs), len(pred), len(gold))
        cs.strict.add(strict)
        cs.lenient.add(lenient)
        if gold or pred:
            cs.doc_strict.append((strict.precision, strict.recall, strict.f1))
            cs.doc_lenient.append((lenient.precision, lenient.recall, lenient.f1))
        for gi, pi in pairs:
            g, p = gold[gi], pred[pi]
            if doc.negation_annotated:
                cs.negation.add(PRF(int(g.negated and p.negated), int(p.negated), int(g.negated)))
                if g.negated != p.negated:
                    tally = cs.negation_missed if g.negated else cs.negation_wrong
                    tally.add(g.text, doc.id, context(doc.text, g.start, g.end))
            if category == "labs":
                _score_lab(g, p, cs)
        if category == POOLED and doc.hpo_ids is not None:
            _score_hpo(doc, gold, pred, pairs, cs)
        matched_gold = {gi for gi, _ in pairs}
        matched_pred = {pi for _, pi in pairs}
        for gi, g in enumerate(gold):
            if gi not in matched_gold:
                cs.misses.add(g.text, doc.id, context(doc.text, g.start, g.end))
        for pi, p in enumerate(pred):
            if pi not in matched_pred:
                cs.false_positives.add(p.text, doc.id, context(doc.text, p.start, p.end))


def _score_hpo(
    doc: GoldDoc,
    gold: list[GoldItem],
    pred: list[PredItem],
    pairs: list[tuple[int, int]],
    cs: CategoryScore,
) -> None:
    """HPO ids per document (the set of ids we code against the set the gold annotates, the
    PhenoTagger document-level measure) and per mention (a lenient span match whose item carries
    the gold id; predictions counted are those with an HPO code)."""
    ours = {h for p in pred for h in p.hpo}
    gold_ids = doc.hpo_ids or frozenset()
    cs.hpo_docs.add(PRF(len(ours & gold_ids), len(ours), len(gold_ids)))
    coded = sum(1 for p in pred if p.hpo)
    hits = sum(1 for gi, pi in pairs if gold[gi].hpo and gold[gi].hpo in pred[pi].hpo)
    cs.hpo_mentions.add(PRF(hits, coded, sum(1 for g in gold if g.hpo)))


def _score_lab(g: GoldItem, p: PredItem, cs: CategoryScore) -> None:
    if g.value is not None:
        cs.value.total += 1
        cs.value.correct += int(same_number(p.value, g.value))
    if g.analytes:
        cs.pairing.total += 1
        cs.pairing.correct += int(analyte_matches(p, g.analytes))


def analyte_matches(p: PredItem, gold_analytes: Sequence[str]) -> bool:
    """True when our analyte (as written, or its canonical name) names the linked gold test.

    Two ways to match: (1) both sides lower-cased, cut into alphanumeric words with a plural "s"
    dropped, and one word sequence contains the other ("platelets" ~ "platelet count", "CRP" ~
    "crp"; "Ca" never matches "carcinoembryonic antigen"); (2) the lab catalogue's synonym table
    (caseminer.nlp.labs.catalogue, when it loads) names the gold test with our canonical analyte
    ("C-reactive protein" -> "CRP").
    """
    ours = [_words(x) for x in (p.analyte_text, p.analyte) if x]
    ours_canonical = {p.analyte, _canonical(p.analyte_text)} - {None}
    for gold in gold_analytes:
        gold_canonical = _canonical(gold)
        if gold_canonical is not None and gold_canonical in ours_canonical:
            return True
        gw = _words(gold)
        for ow in ours:
            if ow and gw and (_contains(gw, ow) or _contains(ow, gw)):
                return True
    return False


def _words(text: str) -> list[str]:
    return [
        w[:-1] if len(w) > 3 and w.endswith("s") else w
        for w in re.findall(r"[a-z0-9]+", text.lower())
    ]


def _canonical(text: str | None) -> str | None:
    """The lab catalogue's canonical name for an analyte text, None when unknown or unavailable."""
    if not text:
        return None
    catalogue = _catalogue()
    if catalogue is None:
        return None
    try:
        analyte = catalogue.analyte_for(text)
    except Exception:  # noqa: BLE001 - the catalogue is optional help, never a failure
        return None
    return getattr(analyte, "name", None)


@lru_cache(maxsize=1)
def _catalogue() -> Any:
    try:
        from caseminer.nlp.labs.catalogue import load_catalogue

        return load_catalogue()
    except Exception:  # noqa: BLE001 - scoring works (word rule only) without the lab module
        return None


def _contains(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def context(text: str, start: int, end: int, width: int = 240) -> str:
    """The line holding ``text[start:end]`` with the span marked «like this», cut to ``width``."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if line_end < 0:
        line_end = len(text)
    left, right = text[line_start:start], text[end:line_end]
    room = max(0, width - (end - start)) // 2
    if len(left) > room:
        left = "…" + left[len(left) - room :]
    if len(right) > room:
        right = right[:room] + "…"
    return " ".join(f"{left}«{text[start:end]}»{right}".split())


def new_scores() -> dict[str, CategoryScore]:
    """Empty scores for every category."""
    return {c: CategoryScore(c) for c in CATEGORIES}
