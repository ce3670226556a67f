"""Map ConText flags to a DIAGNOSIS ``status`` and to the ``span._.assertion`` dict.

Kept apart from the component so the decision table is readable and testable on its own: negated
-> ruled_out, in a "differential diagnosis" sentence -> differential, uncertain or hypothetical ->
suspected, historical -> historical, otherwise confirmed.

A resolved condition ("the pneumonia resolved", "recovered from sepsis", "the hypokalemia was
corrected") is absent now and was present before: it is marked ``negated`` (what a reader asking
"does the patient have it?" and the annotated corpora expect) *and* ``resolved`` (so that nobody
mistakes it for a condition that was ruled out). Its status stays what the diagnosis was
(confirmed, or historical), never ruled_out.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Span

FLAG_OF_CATEGORY = {
    "NEGATED_EXISTENCE": "negated",
    "POSSIBLE_EXISTENCE": "uncertain",
    "HYPOTHETICAL": "hypothetical",
    "HISTORICAL": "historical",
    "FAMILY": "family",
    # the condition was present and has gone ("resolved", "recovered from"): see the docstring
    "RESOLVED": "resolved",
}


def assertion_of(span: Span) -> dict[str, Any]:
    """The assertion dict from the ConText modifiers attached to ``span``."""
    out: dict[str, Any] = {flag: False for flag in FLAG_OF_CATEGORY.values()}
    cues: list[str] = []
    for modifier in getattr(span._, "modifiers", ()) or ():
        flag = FLAG_OF_CATEGORY.get(modifier.category)
        if flag is None:
            continue
        out[flag] = True
        start, end = modifier.modifier_span
        cue = span.doc[start:end].text
        if cue not in cues:
            cues.append(cue)
    if out["resolved"]:
        out["negated"] = True  # absent now; ``resolved`` says it was there (module docstring)
    out["cues"] = cues
    return out


def differential_regex(cues: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(c) for c in cues) + r")\b", re.I)


def status_of(assertion: dict[str, Any], in_differential: bool) -> str:
    """DIAGNOSIS status from the assertion flags (see module docstring)."""
    if assertion.get("resolved"):
        return "historical" if assertion["historical"] else "confirmed"
    if assertion["negated"]:
        return "ruled_out"
    if in_differential:
        return "differential"
    if assertion["uncertain"] or assertion["hypothetical"]:
        return "suspected"
    if assertion["historical"]:
        return "historical"
    return "confirmed"


def _is_filler(word: str, fillers: set[str]) -> bool:
    """A listed filler, or a numeric modifier ("6-minute", "24-hour", "2")."""
    return word in fillers or any(c.isdigit() for c in word)


def procedure_negation(
    span: Span, negators: set[str], fillers: set[str], sent_start: int | None = None
) -> str | None:
    """The cue when a procedure is negated right before it: "no (further) surgery", "without
    prophylactic endoscopic therapy", "in the absence of plasma exchange"; else None.

    Generic negation does not reach procedures in ConText (see context.load_rules); only a cue
    adjacent to the mention, with at most a few filler words between, does. ``sent_start`` (the
    token where the span's sentence starts) saves a ``span.sent`` lookup when the caller knows it.
    """
    doc = span.doc
    if sent_start is None:
        sent_start = span.sent.start if doc.has_annotation("SENT_START") else 0
    i = span.start
    while i > sent_start and span.start - i < 3 and _is_filler(doc[i - 1].lower_, fillers):
        i -= 1
    for width in (3, 2, 1):
        if i - width < sent_start:
            continue
        cue = doc[i - width : i]
        if " ".join(t.lower_ for t in cue) in negators:
            return cue.text
    return None
