"""CaseReport (or its JSON dict) -> the PredItems the scorer compares with gold.

Works on the pydantic model or on ``model_dump()`` output alike, so saved JSON can be re-scored.
Items whose offsets do not reproduce their text are dropped with a warning: they could not be
matched fairly, and the broken contract is itself worth reporting.
"""

from __future__ import annotations

from typing import Any

from caseminer.evaluate.model import FACT_CATEGORIES, POOLED, POOLED_FROM, PredItem


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def predicted_items(report: Any, text: str) -> tuple[dict[str, list[PredItem]], list[str]]:
    """Items of one report per category, and warnings about items that break the span contract."""
    out: dict[str, list[PredItem]] = {}
    warnings: list[str] = []
    for category in FACT_CATEGORIES:
        kept: list[PredItem] = []
        for raw in _get(report, category) or []:
            start, end, mention = _get(raw, "start"), _get(raw, "end"), _get(raw, "text")
            if not (isinstance(start, int) and isinstance(end, int)) or text[start:end] != mention:
                warnings.append(
                    f"{category} item {start}-{end} {mention!r} does not match the text; dropped"
                )
                continue
            assertion = _get(raw, "assertion") or {}
            value = _get(raw, "value") if category == "labs" else None
            kept.append(
                PredItem(
                    category=category,
                    start=start,
                    end=end,
                    text=mention,
                    negated=bool(_get(assertion, "negated", False)),
                    value=float(value) if isinstance(value, (int, float)) else None,
                    value_text=_get(raw, "value_text") if category == "labs" else None,
                    analyte=_get(raw, "analyte") if category == "labs" else None,
                    analyte_text=_get(raw, "analyte_text") if category == "labs" else None,
                    hpo=_hpo_codes(raw),
                )
            )
        out[category] = kept
    out[POOLED] = sorted(
        (p for c in POOLED_FROM for p in out.get(c, [])), key=lambda p: (p.start, p.end)
    )
    return out, warnings


def _hpo_codes(raw: Any) -> tuple[str, ...]:
    """The HPO ids an item is coded with."""
    codes = _get(raw, "codes") or []
    return tuple(
        str(_get(c, "code")) for c in codes if _get(c, "system") == "HPO" and _get(c, "code")
    )
