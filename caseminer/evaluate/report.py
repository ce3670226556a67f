"""Markdown rendering of an Evaluation: what a developer reads to decide what to fix next."""

from __future__ import annotations

from typing import TYPE_CHECKING

from caseminer.evaluate.scorer import PRF, Tally

if TYPE_CHECKING:
    from caseminer.evaluate.core import Evaluation


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _f(x: float) -> str:
    return f"{x:.3f}"


def _prf_cells(p: PRF) -> list[str]:
    return [_f(p.precision), _f(p.recall), _f(p.f1)]


def render_markdown(ev: Evaluation) -> str:
    """The whole report as one Markdown string."""
    rate = ev.n_docs / ev.seconds_extract if ev.seconds_extract > 0 else 0.0
    out = [
        "# caseminer evaluation",
        "",
        f"- Gold: `{ev.gold_path}`: {ev.n_docs} documents, {ev.n_chars:,} characters",
        f"- Extraction: {ev.seconds_extract:.1f} s ({rate:.1f} documents/s); "
        f"whole evaluation {ev.seconds_total:.1f} s",
        f"- Lenient match: spans overlap, one-to-one, a prediction at most {ev.max_extra} "
        "characters longer than the gold span (see docs/EVALUATION.md)",
        "",
        "## Scores (micro)",
        "",
        "| category | strict P | strict R | strict F1 | lenient P | lenient R | lenient F1 "
        "| per-doc lenient F1 | gold | predicted |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in ev.categories():
        cs = ev.scores[c]
        row = [c, *_prf_cells(cs.strict), *_prf_cells(cs.lenient), _f(cs.macro(False)[2])]
        out.append("| " + " | ".join([*row, str(cs.lenient.n_gold), str(cs.lenient.n_pred)]) + " |")
    s, le = ev.overall(True), ev.overall(False)
    out.append(
        "| **all** | "
        + " | ".join([*_prf_cells(s), *_prf_cells(le), "", str(le.n_gold), str(le.n_pred)])
        + " |"
    )
    out += _hpo_lines(ev)
    labs = ev.scores["labs"]
    if "labs" in ev.categories():
        out += [
            "",
            "## Labs",
            "",
            f"- Value accuracy (our number equals the gold number, on matched labs whose gold text "
            f"is numeric): **{labs.value.value:.3f}** ({labs.value.correct}/{labs.value.total})",
            f"- Analyte-value pairing accuracy (our analyte names the linked gold test, on matched "
            f"labs that have one): **{labs.pairing.value:.3f}** "
            f"({labs.pairing.correct}/{labs.pairing.total})",
        ]
    out += [
        "",
        "## Negation (on lenient matches)",
        "",
        "| category | P | R | F1 | gold negated | predicted negated | both |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in ev.categories():
        n = ev.scores[c].negation
        out.append(
            f"| {c} | " + " | ".join([*_prf_cells(n), *map(str, (n.n_gold, n.n_pred, n.tp))]) + " |"
        )
    n = ev.negation()
    out.append(
        "| **all** | " + " | ".join([*_prf_cells(n), *map(str, (n.n_gold, n.n_pred, n.tp))]) + " |"
    )
    for c in ev.categories():
        cs = ev.scores[c]
        out += ["", f"## {c}: what to fix next", ""]
        out += _tally_table("Most frequent misses (gold not found)", cs.misses)
        out += _tally_table("Most frequent false positives (not in gold)", cs.false_positives)
        if cs.negation_missed.counts or cs.negation_wrong.counts:
            out += _tally_table("Negation missed (gold negated, ours not)", cs.negation_missed)
            out += _tally_table("Negation wrong (ours negated, gold not)", cs.negation_wrong)
    if ev.warnings:
        out += ["", f"## Warnings ({len(ev.warnings)})", ""]
        out += [f"- {_cell(w)}" for w in ev.warnings[:30]]
        if len(ev.warnings) > 30:
            out.append(f"- … {len(ev.warnings) - 30} more (see --json)")
    return "\n".join(out) + "\n"


def _hpo_lines(ev: Evaluation) -> list[str]:
    """The HPO table (GSC+ gold only)."""
    hpo = ev.hpo()
    if hpo is None:
        return []
    out = [
        "",
        "## HPO ids",
        "",
        "| measure | P | R | F1 |",
        "|---|---|---|---|",
    ]
    for name, prf in (
        ("per document (set of ids)", hpo["documents"]),
        ("per mention", hpo["mentions"]),
    ):
        out.append(f"| {name} | " + " | ".join(_prf_cells(prf)) + " |")
    return out


def _tally_table(title: str, tally: Tally) -> list[str]:
    top = tally.top()
    total = sum(tally.counts.values())
    lines = [f"### {title}: {total} in all, {len(tally.counts)} distinct", ""]
    if not top:
        return lines + ["(none)", ""]
    lines += ["| n | text | first seen in | sentence |", "|---|---|---|---|"]
    for row in top:
        lines.append(
            f"| {row['count']} | {_cell(row['text'])} | {_cell(row['doc'])} "
            f"| {_cell(row['sentence'])} |"
        )
    return lines + [""]
