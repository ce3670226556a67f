"""``evaluate()``: run an extractor over gold texts and score it; ``Evaluation`` holds the result.

The extractor is any callable taking a list of texts and yielding one CaseReport (or its dict) per
text, in order; by default ``caseminer.extract_many``. A failing batch is retried document by
document and a failing document scores as "nothing predicted" with a warning: this is a measuring
tool, it reports and never dies on one bad document.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caseminer.evaluate.gold import load_gold
from caseminer.evaluate.label_map import LabelMap
from caseminer.evaluate.matching import MAX_EXTRA_CHARS
from caseminer.evaluate.model import CATEGORIES, POOLED, GoldDoc
from caseminer.evaluate.predictions import predicted_items
from caseminer.evaluate.scorer import PRF, CategoryScore, new_scores, score_document

Extractor = Callable[[list[str]], Iterable[Any]]
SummaryRow = tuple[str, float, float, float, float, float, float, int, int]


def default_extractor(texts: list[str]) -> Iterable[Any]:
    """``caseminer.extract_many`` (imported late so the scorer works without the pipeline)."""
    import caseminer

    return caseminer.extract_many(texts)


@dataclass
class Evaluation:
    """The scores of one run, renderable as Markdown, a dict (``--json``) or table rows."""

    gold_path: str
    n_docs: int
    n_chars: int
    scores: dict[str, CategoryScore]
    seconds_extract: float = 0.0
    seconds_total: float = 0.0
    max_extra: int = MAX_EXTRA_CHARS
    warnings: list[str] = field(default_factory=list)

    def categories(self) -> list[str]:
        """The categories the gold annotates (those scored), in CATEGORIES order."""
        return [c for c in CATEGORIES if self.scores[c].seen]

    def fact_categories(self) -> list[str]:
        """The scored fact types, without the pooled category (which would count twice)."""
        return [c for c in self.categories() if c != POOLED]

    def overall(self, strict: bool) -> PRF:
        """Micro counts pooled over the scored fact types."""
        total = PRF()
        for c in self.fact_categories():
            cs = self.scores[c]
            total.add(cs.strict if strict else cs.lenient)
        return total

    def negation(self, categories: tuple[str, ...] | None = None) -> PRF:
        """Negation counts on lenient matches, pooled over the scored fact types (or over
        ``categories``); the pooled category alone when it is all the gold annotates."""
        names = categories or tuple(self.fact_categories()) or tuple(self.categories())
        total = PRF()
        for c in names:
            total.add(self.scores[c].negation)
        return total

    def hpo(self) -> dict[str, PRF] | None:
        """HPO ids per document and HPO-coded mentions (GSC+), or None when not annotated."""
        cs = self.scores[POOLED]
        if not cs.hpo_docs.n_gold and not cs.hpo_docs.n_pred:
            return None
        return {"documents": cs.hpo_docs, "mentions": cs.hpo_mentions}

    def lenient_f1(self) -> dict[str, float]:
        """The figures the regression ratchet guards: lenient micro F1 per scored category,
        negation, and (GSC+) HPO ids per document."""
        out = {c: round(self.scores[c].lenient.f1, 4) for c in self.categories()}
        negation = self.negation()
        if negation.n_gold or negation.n_pred:  # (GSC+ does not annotate negation)
            out["negation"] = round(negation.f1, 4)
        if "findings" in self.categories():
            # the negation figure as measured before findings were scored (issue 11)
            without = tuple(c for c in self.fact_categories() if c != "findings")
            out["negation_excl_findings"] = round(self.negation(without).f1, 4)
        hpo = self.hpo()
        if hpo is not None:
            out["hpo_documents"] = round(hpo["documents"].f1, 4)
        return out

    def summary_rows(self) -> list[SummaryRow]:
        """(category, strict P/R/F1, lenient P/R/F1, n_gold, n_pred) per scored category, then
        "all" (the fact types, without the pooled category)."""
        rows: list[SummaryRow] = []
        named = [(c, self.scores[c].strict, self.scores[c].lenient) for c in self.categories()]
        named.append(("all", self.overall(True), self.overall(False)))
        for name, s, le in named:
            rows.append(
                (
                    name,
                    s.precision,
                    s.recall,
                    s.f1,
                    le.precision,
                    le.recall,
                    le.f1,
                    le.n_gold,
                    le.n_pred,
                )
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable result (what ``--json`` prints)."""
        cats: dict[str, Any] = {}
        for c in self.categories():
            cs = self.scores[c]
            entry: dict[str, Any] = {
                "strict": cs.strict.to_dict(),
                "lenient": cs.lenient.to_dict(),
                "strict_macro": _prf3(cs.macro(strict=True)),
                "lenient_macro": _prf3(cs.macro(strict=False)),
                "n_docs_scored": len(cs.doc_lenient),
                "negation": cs.negation.to_dict(),
                "top_misses": cs.misses.top(),
                "top_false_positives": cs.false_positives.top(),
                "top_negation_missed": cs.negation_missed.top(),
                "top_negation_wrong": cs.negation_wrong.top(),
            }
            if c == "labs":
                entry["value_accuracy"] = cs.value.to_dict()
                entry["pairing_accuracy"] = cs.pairing.to_dict()
            cats[c] = entry
        return {
            "gold": self.gold_path,
            "n_docs": self.n_docs,
            "n_chars": self.n_chars,
            "seconds": {
                "extract": round(self.seconds_extract, 3),
                "total": round(self.seconds_total, 3),
            },
            "max_extra_chars": self.max_extra,
            "lenient_f1": self.lenient_f1(),
            "overall": {
                "strict": self.overall(True).to_dict(),
                "lenient": self.overall(False).to_dict(),
            },
            "negation": self.negation().to_dict(),
            "hpo": {k: v.to_dict() for k, v in (self.hpo() or {}).items()},
            "categories": cats,
            "n_warnings": len(self.warnings),
            "warnings": self.warnings[:200],
        }


def _prf3(t: tuple[float, float, float]) -> dict[str, float]:
    return {"precision": round(t[0], 4), "recall": round(t[1], 4), "f1": round(t[2], 4)}


def evaluate(
    gold_path: Path | str,
    *,
    extractor: Extractor | None = None,
    limit: int | None = None,
    label_map: LabelMap | None = None,
    max_extra: int = MAX_EXTRA_CHARS,
) -> Evaluation:
    """Read the gold at ``gold_path``, run ``extractor`` on its texts and score the output."""
    t0 = time.perf_counter()
    docs = load_gold(gold_path, limit=limit, label_map=label_map)
    return evaluate_docs(
        docs, extractor=extractor, gold_path=str(gold_path), max_extra=max_extra, t0=t0
    )


def evaluate_docs(
    docs: list[GoldDoc],
    *,
    extractor: Extractor | None = None,
    gold_path: str = "",
    max_extra: int = MAX_EXTRA_CHARS,
    t0: float | None = None,
) -> Evaluation:
    """Score already-read gold documents (``evaluate`` without the reading)."""
    t0 = time.perf_counter() if t0 is None else t0
    run = extractor or default_extractor
    warnings = [w for d in docs for w in d.warnings]
    t1 = time.perf_counter()
    reports = _run_extractor(run, [d.text for d in docs], [d.id for d in docs], warnings)
    seconds_extract = time.perf_counter() - t1
    scores = new_scores()
    for doc, report in zip(docs, reports, strict=True):
        if report is None:
            predicted: dict = {}
        else:
            predicted, bad = predicted_items(report, doc.text)
            warnings.extend(f"{doc.id}: {w}" for w in bad)
        score_document(doc, predicted, scores, max_extra)
    return Evaluation(
        gold_path=gold_path,
        n_docs=len(docs),
        n_chars=sum(len(d.text) for d in docs),
        scores=scores,
        seconds_extract=seconds_extract,
        seconds_total=time.perf_counter() - t0,
        max_extra=max_extra,
        warnings=warnings,
    )


def _run_extractor(
    run: Extractor, texts: list[str], ids: list[str], warnings: list[str]
) -> list[Any | None]:
    """All reports in order; on a failing batch, retry one by one and keep going."""
    try:
        reports = list(run(texts))
        if len(reports) == len(texts):
            return reports
        warnings.append(f"extractor returned {len(reports)} reports for {len(texts)} texts")
    except ImportError as exc:  # the pipeline cannot even load: retrying per document is useless
        warnings.append(f"extractor unavailable ({type(exc).__name__}: {exc}); nothing predicted")
        return [None] * len(texts)
    except Exception as exc:  # noqa: BLE001 - a measuring tool reports failures, it does not die
        warnings.append(f"extractor failed on the batch ({type(exc).__name__}: {exc}); retrying")
    out: list[Any | None] = []
    for doc_id, text in zip(ids, texts, strict=True):
        try:
            got = list(run([text]))
            out.append(got[0] if got else None)
        except Exception as exc:  # noqa: BLE001
            warnings.append(f"{doc_id}: extractor failed ({type(exc).__name__}: {exc})")
            out.append(None)
    return out
