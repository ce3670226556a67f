"""Plain records the scorer works on: gold and predicted items reduced to what is scored.

Gold comes from three formats and predictions from pydantic CaseReports; both are reduced to the
same small shape here so the matcher and the scorer never care where an item came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# the fact types of the report, then "conditions": findings and diagnoses pooled (E3C and GSC+
# annotate disease/sign/symptom mentions without telling a finding from a diagnosis)
FACT_CATEGORIES = ("labs", "imaging", "findings", "diagnoses", "procedures")
POOLED = "conditions"
POOLED_FROM = ("findings", "diagnoses")
CATEGORIES = (*FACT_CATEGORIES, POOLED)


@dataclass(frozen=True)
class GoldItem:
    """One gold mention in one category.

    ``analytes`` holds the texts of the tests a lab value is linked to (MACCROBAT MODIFY targets, or
    the ``analyte`` of our own gold); ``value`` is the gold number when the gold gives one.
    """

    category: str
    start: int
    end: int
    text: str
    negated: bool = False
    label: str = ""
    value: float | None = None
    analytes: tuple[str, ...] = ()
    hpo: str | None = None


@dataclass(frozen=True)
class PredItem:
    """One predicted item (from a CaseReport) in one category."""

    category: str
    start: int
    end: int
    text: str
    negated: bool = False
    value: float | None = None
    value_text: str | None = None
    analyte: str | None = None
    analyte_text: str | None = None
    hpo: tuple[str, ...] = ()


@dataclass
class GoldDoc:
    """A gold document: its text and its items per category."""

    id: str
    text: str
    items: dict[str, list[GoldItem]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # the categories this gold annotates (others are not scored); None: every category
    annotated: tuple[str, ...] | None = None
    # the HPO ids the document is annotated with (GSC+), scored per document; None: not annotated
    hpo_ids: frozenset[str] | None = None
    # False when the gold says nothing about negation (GSC+): negation is then not scored
    negation_annotated: bool = True

    def scored(self) -> tuple[str, ...]:
        return CATEGORIES if self.annotated is None else self.annotated

    def of(self, category: str) -> list[GoldItem]:
        """Gold items of one category (empty list when none); the pooled category is derived
        from its parts when a reader did not set it."""
        if category == POOLED and POOLED not in self.items:
            parts = [g for c in POOLED_FROM for g in self.items.get(c, [])]
            return sorted(parts, key=lambda g: (g.start, g.end))
        return self.items.get(category, [])
