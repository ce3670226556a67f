"""Whose fact is it: the ``subject`` of every item, and which sections produce no facts at all.

Why at assembly and not in a component: the decision needs the section, the sentence and the
ConText family flag of each item, which only exist together once every component has run, and it
applies to every fact type alike. The rules are data (caseminer/patterns/findings/subject.json):

- items in reference lists, acknowledgements and author/funding/conflict sections are dropped;
- an item the context component flags as about a family member is ``family``;
- in the introduction and discussion an item is ``literature`` unless its sentence points at the
  report's own patient ("our patient", "she"); in any section, a sentence about published cases or
  guidelines ("previously reported", "et al.") makes it ``literature`` with the same exception;
- everything else is the ``patient``'s. (``other`` is in the schema for callers; no rule sets it.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from caseminer.patterns import read_json

SUBJECTS = ("patient", "family", "literature", "other")


def _words_rx(phrases: Iterable[str]) -> re.Pattern[str]:
    alts = sorted((re.escape(p.lower()) for p in phrases), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)


@dataclass(frozen=True, eq=False)  # hashed by identity: it keys the per-sentence cache
class SubjectRules:
    """The compiled rules of subject.json."""

    no_facts_sections: frozenset[str]
    no_facts_titles: frozenset[str]
    literature_sections: frozenset[str]
    patient_cues: re.Pattern[str]
    literature_cues: re.Pattern[str]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SubjectRules:
        return cls(
            frozenset(data["no_facts_sections"]),
            frozenset(t.lower() for t in data["no_facts_titles"]),
            frozenset(data["literature_sections"]),
            _words_rx(data["patient_cues"]),
            _words_rx(data["literature_cues"]),
        )

    def no_facts(self, kind: str, title: str = "") -> bool:
        """True for a section whose words are never facts (references, acknowledgements...)."""
        if kind in self.no_facts_sections:
            return True
        return kind == "other" and title.strip(" :.").lower() in self.no_facts_titles

    def subject(self, section: str, sentence: str, family: bool = False) -> str:
        """patient, family or literature for one item (see the module docstring)."""
        if family:
            return "family"
        about_patient, about_literature = _sentence_flags(self, sentence)
        if section in self.literature_sections and not about_patient:
            return "literature"
        if not about_patient and about_literature:
            return "literature"
        return "patient"


@lru_cache(maxsize=1024)
def _sentence_flags(rules: SubjectRules, sentence: str) -> tuple[bool, bool]:
    """(about the patient, about the literature) for one sentence; items share sentences, so the
    two searches run once per sentence."""
    return (
        rules.patient_cues.search(sentence) is not None,
        rules.literature_cues.search(sentence) is not None,
    )


@lru_cache(maxsize=1)
def default_rules() -> SubjectRules:
    """The packaged rules (immutable data, read once per process)."""
    return SubjectRules.from_data(read_json("findings", "subject.json"))


def of_subject(items: Iterable[Any], subjects: Iterable[str] | str = "patient") -> list[Any]:
    """The items (schema models or their dicts) whose ``subject`` is one of ``subjects``: what
    ``caseminer summary`` and the tables call to count the patient's facts only. ``"all"`` keeps
    every item."""
    wanted = {subjects} if isinstance(subjects, str) else set(subjects)
    if "all" in wanted:
        return list(items)
    out = []
    for item in items:
        subject = item.get("subject") if isinstance(item, dict) else getattr(item, "subject", None)
        if (subject or "patient") in wanted:
            out.append(item)
    return out
