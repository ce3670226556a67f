"""Procedure attributes (body sites, laterality, modifiers) and normalized names.

Kept apart from matching because these read a *window* around the mention ("right total hip
replacement", "resection of the left kidney") rather than the mention itself, and because each
decision is small enough to test on its own.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Doc, Span

from caseminer.nlp.clinical.match import PROCEDURE, Candidate
from caseminer.nlp.clinical.vocab import ClinicalVocab

WINDOW_BEFORE = 4
WINDOW_AFTER = 6


def _phrase_regex(forms: list[str]) -> re.Pattern[str]:
    alts = sorted((re.escape(f.lower()).replace(r"\ ", r"[\s\-]+") for f in forms), key=len)
    return re.compile(r"(?<![\w-])(?:" + "|".join(reversed(alts)) + r")(?![\w-])")


class AttributeReader:
    """Reads body sites, laterality and modifiers around a procedure mention."""

    def __init__(self, knowledge: ClinicalVocab):
        self.sites = {k: _phrase_regex(v) for k, v in knowledge.body_sites.items()}
        # one pass over the text first: most mentions name no site, and then no per-site regex runs
        self.any_site = _phrase_regex([f for v in knowledge.body_sites.values() for f in v])
        self.sides = {k: _phrase_regex(v) for k, v in knowledge.laterality.items()}
        self.modifiers = {k: _phrase_regex(v) for k, v in knowledge.modifiers.items()}
        self.any_modifier = _phrase_regex([f for v in knowledge.modifiers.values() for f in v])
        table = knowledge.procedure_codes or {}
        self.code_system = str(table.get("system", "ICD-10-PCS"))
        self.code_rules = [
            (re.compile(r["match"], re.IGNORECASE), r["code"], r["display"])
            for r in table.get("rules", [])
        ]

    def procedure_codes(self, *names: str) -> list[dict[str, str]]:
        """The ICD-10-PCS section and root operation a procedure's wording supports (see
        patterns/clinical/procedure_codes.json): the first rule matching the mention text,
        else its normalized name; none when no rule does."""
        for name in names:
            for rx, code, display in self.code_rules:
                if name and rx.search(name):
                    return [
                        {
                            "system": self.code_system,
                            "code": code,
                            "display": display,
                            "match": "curated",
                        }
                    ]
        return []

    def window(self, doc: Doc, span: Span, before: int) -> str:
        """The mention plus up to ``before`` words to its left, not crossing punctuation."""
        sent_start = span.sent.start if doc.has_annotation("SENT_START") else 0
        start = span.start
        while start > max(sent_start, span.start - before) and not doc[start - 1].is_punct:
            start -= 1
        return doc[start : span.end].text.lower()

    def body_sites(self, doc: Doc, span: Span) -> list[str]:
        text = span.text.lower() + " " + self._after_of(doc, span)
        if self.any_site.search(text) is None:
            return []
        return [site for site, rx in self.sites.items() if rx.search(text)]

    def _after_of(self, doc: Doc, span: Span) -> str:
        """The phrase after "of/on/in" that names what was operated on."""
        if span.end < len(doc) and doc[span.end].lower_ in {"of", "on", "in"}:
            return doc[span.end : min(len(doc), span.end + WINDOW_AFTER)].text.lower()
        return ""

    def laterality(self, doc: Doc, span: Span) -> str | None:
        text = self.window(doc, span, WINDOW_BEFORE) + " " + self._after_of(doc, span)
        found = [side for side, rx in self.sides.items() if rx.search(text)]
        if "bilateral" in found or {"left", "right"} <= set(found):
            return "bilateral"
        return found[0] if found else None

    def modifier_list(self, doc: Doc, span: Span) -> list[str]:
        """Modifiers in the mention or just before it ("emergent" is read, not marked)."""
        text = self.window(doc, span, WINDOW_BEFORE)
        if self.any_modifier.search(text) is None:
            return []
        found = [(m.start(), name) for name, rx in self.modifiers.items() if (m := rx.search(text))]
        names = [name for _, name in sorted(found)]
        # "modified radical" already says "radical"
        if "modified radical" in names and "radical" in names:
            names.remove("radical")
        return names


def normalize(span: Span, cand: Candidate, modifier_names: list[str]) -> str:
    """Curated name when there is one, else the mention without its modifiers, lower-cased."""
    if cand.normalized:
        return cand.normalized
    text = re.sub(r"\s*([\-–])\s*", r"\1", re.sub(r"\s+", " ", span.text.lower())).strip()
    if cand.label == PROCEDURE:
        for name in modifier_names:
            text = re.sub(rf"^{re.escape(name)}[\s-]+", "", text)
    return text.strip() or span.text.lower()


def build_attrs(reader: AttributeReader, doc: Doc, span: Span, cand: Candidate) -> dict[str, Any]:
    """The attrs dict of a DIAGNOSIS or PROCEDURE item, per docs/ARCHITECTURE.md."""
    codes = []
    if cand.code:
        codes.append(
            {
                "system": "ICD-10-CM",
                "code": cand.code["code"],
                "display": cand.code["display"],
                "match": "curated",
            }
        )
    rule = f"clinical.{cand.rule}"
    if cand.label != PROCEDURE:
        attrs: dict[str, Any] = {
            "normalized": normalize(span, cand, []),
            "status": "confirmed",
            "codes": codes,
            "rule": rule,
        }
        if cand.negated_cue:  # read by the assembly: the item is stated absent
            attrs["_absent"] = cand.negated_cue
        return attrs
    mods = reader.modifier_list(doc, span)
    normalized = normalize(span, cand, mods)
    return {
        "normalized": normalized,
        "category": cand.category or "other",
        "body_sites": reader.body_sites(doc, span),
        "laterality": reader.laterality(doc, span),
        "modifiers": mods,
        "codes": reader.procedure_codes(span.text.lower(), normalized),
        "rule": rule,
    }
