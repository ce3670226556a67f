"""Negation of caseminer's ConText on E3C gold entity spans: a measure independent of recognition.

Why: the MACCROBAT evaluation scores negation only on items caseminer also found, and its dev
half is what the context rules were tuned on. E3C (English clinical cases, training split) marks
diseases, disorders, signs and symptoms (``clinentities``) and, on overlapping ``events``, their
polarity (NEG) and modality (HEDGED, HYPOTHETICAL-*). This script puts every gold entity on the
Doc as a DIAGNOSIS item, runs caseminer's own sentence, section and context components, and
compares the ``negated`` flag with the gold polarity, so every entity counts, found or not.

    python tools/negation_e3c.py ../shared/corpora/external/e3c_en_train.jsonl [--show 20]

An entity is gold-negated when an event with polarity NEG overlaps it; gold-uncertain when an
overlapping event is HEDGED or HYPOTHETICAL-*. An entity no event overlaps has no polarity in the
gold ("no evidence of «lung lesions»" carries its NEG on "evidence"): it is scored only with
``--all`` (as not negated), since otherwise every correct negation of it counts as wrong.
``resolved`` predictions on gold-negated entities are counted apart (E3C has no "resolved": a
condition that has gone may be annotated NEG).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

import caseminer
from caseminer.nlp.extensions import DIAGNOSIS, SPAN_GROUP, register_extensions, set_attrs

KEEP = ("caseminer_sentences", "caseminer_sections", "caseminer_context")
CONTEXT = "caseminer_context"


def gold_entities(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each clinentity with ``negated`` and ``uncertain`` from its overlapping events."""
    out = []
    for ent in doc["clinentities"]:
        events = [e for e in doc["events"] if e["start"] < ent["end"] and ent["start"] < e["end"]]
        negated = any(e.get("polarity") == "NEG" for e in events)
        modality = {e.get("contextualModality", "") for e in events}
        uncertain = "HEDGED" in modality or any(m.startswith("HYPOTHETICAL") for m in modality)
        out.append({**ent, "negated": negated, "uncertain": uncertain, "events": len(events)})
    return out


def assert_entities(nlp, text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the non-context components, add the gold spans as items, run context; the
    assertion of each entity (None when its span does not align with tokens)."""
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        if name != CONTEXT:
            doc = proc(doc)
    spans, index = [], []
    for i, ent in enumerate(entities):
        span = doc.char_span(ent["start"], ent["end"], label=DIAGNOSIS, alignment_mode="expand")
        if span is not None:
            spans.append(span)
            index.append(i)
    doc.spans[SPAN_GROUP] = spans
    for span in doc.spans[SPAN_GROUP]:
        set_attrs(span, {})
    doc = nlp.get_pipe(CONTEXT)(doc)
    out: list[dict[str, Any]] = [{} for _ in entities]
    for i, span in zip(index, doc.spans[SPAN_GROUP], strict=True):
        out[i] = dict(span._.assertion or {})
        out[i]["sentence"] = span.sent.text if doc.has_annotation("SENT_START") else ""
    return out


def prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = tp / pred if pred else 1.0
    r = tp / gold if gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold", type=Path, help="e3c_en_train.jsonl")
    ap.add_argument("--show", type=int, default=0, help="print this many errors of each kind")
    ap.add_argument("--all", action="store_true", help="also score entities no event overlaps")
    args = ap.parse_args(argv)

    register_extensions()
    nlp = caseminer.load(exclude=[n for n, _ in caseminer.load().pipeline if n not in KEEP])
    counts: Counter[str] = Counter()
    errors: dict[str, list[str]] = {"missed": [], "wrong": []}
    for line in args.gold.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        doc = json.loads(line)
        entities = gold_entities(doc)
        for ent, pred in zip(entities, assert_entities(nlp, doc["text"], entities), strict=True):
            if not pred:
                counts["unaligned"] += 1
                continue
            if not ent["events"] and not args.all:
                counts["no_event"] += 1
                continue
            counts["entities"] += 1
            g, p = ent["negated"], bool(pred.get("negated"))
            counts["gold_neg"] += g
            counts["pred_neg"] += p
            counts["tp"] += g and p
            counts["gold_unc"] += ent["uncertain"]
            pu = bool(pred.get("uncertain") or pred.get("hypothetical"))
            counts["pred_unc"] += pu
            counts["tp_unc"] += ent["uncertain"] and pu
            counts["resolved_on_gold_neg"] += g and bool(pred.get("resolved"))
            if g != p:
                kind = "missed" if g else "wrong"
                errors[kind].append(f"{ent['text']!r} | {pred.get('cues')} | {pred['sentence']}")
    p, r, f = prf(counts["tp"], counts["pred_neg"], counts["gold_neg"])
    up, ur, uf = prf(counts["tp_unc"], counts["pred_unc"], counts["gold_unc"])
    print(
        f"E3C entities scored: {counts['entities']} (unaligned {counts['unaligned']}, "
        f"without an overlapping event {counts['no_event']})"
    )
    print(
        f"negation: P {p:.3f} R {r:.3f} F1 {f:.3f} "
        f"(gold {counts['gold_neg']}, predicted {counts['pred_neg']}, both {counts['tp']})"
    )
    print(
        f"uncertain or hypothetical: P {up:.3f} R {ur:.3f} F1 {uf:.3f} "
        f"(gold {counts['gold_unc']}, predicted {counts['pred_unc']}, both {counts['tp_unc']})"
    )
    print(f"gold-negated entities we mark resolved: {counts['resolved_on_gold_neg']}")
    for kind, rows in errors.items():
        for row in rows[: args.show]:
            print(f"{kind}: {' '.join(row.split())[:300]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
