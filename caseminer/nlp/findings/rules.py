"""Precision rules of the findings component, read from caseminer/patterns/findings/rules.json and
the terminology component's disease-shape rules (patterns/terminology/new_items.json).

Why a separate module: the matcher finds every phenotype name, but a case report uses many of them
in senses that are not the patient's finding ("pain" alone, "tall" as an adjective, "cancer" as a
disease). These rules decide, from the words around a match, whether it is a finding, and they are
the part a reviewer tunes, so they read from data and stay small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from caseminer.patterns import read_json, read_jsonl
from caseminer.terminology.normalize import WordStream, key


@dataclass
class Hit:
    """A judged match: Doc character offsets, the terminology key that codes it, its entries."""

    start: int
    end: int
    key: str
    entries: list[list[Any]]
    rule: str
    absent: bool
    surface: str
    # a disease-shaped term: never a finding, only a source of HPO codes for the diagnosis it ends
    code_only: bool = False


_WORD = re.compile(r"[a-z][a-z\-]+")


class FindingRules:
    """The rules of rules.json plus the disease-shape rules; see the module docstring."""

    def __init__(
        self, data: dict[str, Any], disease: dict[str, Any], sites: list[dict[str, Any]] = ()
    ) -> None:
        self.generic = frozenset(key(w) for w in data["generic"])
        # what the phrase after a generic word must name to be its modifier: a body site (the
        # imaging body-site patterns), a side or level, or a listed modifier ("pain in the right
        # hip", "mass of the liver"; not "pain in an effective manner")
        self.object_words = frozenset(key(w) for w in data.get("after_object_words", []))
        alternation = "|".join(f"(?:{row['pattern']})" for row in sites)
        self.site = re.compile(f"(?:{alternation})", re.I) if alternation else None
        self.after_reach = int(data.get("after_object_reach", 4))
        self.modifiers = frozenset(key(w) for w in data["modifiers"])
        self.modifier_suffixes = tuple(data["modifier_suffixes"])
        self.blockers = frozenset(key(w) for w in data["modifier_blockers"])
        self.after = frozenset(data["after_prepositions"])
        self.skip_sections = frozenset(data["skip_sections"])
        self.yield_rules = frozenset(data.get("diagnosis_rules_yielding", []))
        self.min_chars = int(data["min_chars"])
        self.context = {
            cat: frozenset(w.lower() for w in ws) for cat, ws in data["context_words"].items()
        }
        self.anaphoric_heads = frozenset(key(w) for w in data.get("anaphoric_heads", []))
        self.determiners = frozenset(w.lower() for w in data.get("anaphoric_determiners", []))
        self.head_words = frozenset(key(w) for w in disease["head_words"])
        self.head_suffixes = tuple(disease["head_suffixes"])
        self.always = tuple(disease["always_categories"])

    def disease_shaped(self, k: str, categories: list[str]) -> bool:
        """A term annotators call a disorder: an OMIM/Orphanet name, or a disease-like head
        ("... syndrome", "-itis", "-oma", "-pathy") unless ICD-10-CM files it under symptoms and
        signs (chapter R). Left to the diagnosis extractors."""
        if any(c.startswith(self.always) for c in categories):
            return True
        if any(c.startswith("icd:R") for c in categories):
            return False  # ICD-10-CM files it under symptoms and signs ("lymphadenopathy")
        head = k.rsplit(" ", 1)[-1]
        return head in self.head_words or head.endswith(self.head_suffixes)

    def is_generic(self, k: str) -> bool:
        """Every word of the key is generic ("pain", "mass", "lesion")."""
        return all(w in self.generic for w in k.split())

    def modified_start(self, ws: WordStream, s: int, e: int) -> int | None:
        """Where a generic match starts once its modifier is included, or None without one.

        The word before counts when it is a listed modifier or has an adjective's suffix and is
        not a function word or verb ("abdominal pain", "palpable mass", "chest pain"); a phrase
        after counts when a preposition follows ("pain in the left knee")."""
        norms, breaks = ws.norms, ws.breaks
        if s > 0 and not breaks[s]:
            prev = norms[s - 1]
            if prev not in self.blockers and (
                prev in self.modifiers or (len(prev) >= 4 and prev.endswith(self.modifier_suffixes))
            ):
                return ws.starts[s - 1]
        if e + 1 < len(norms) and not breaks[e] and not breaks[e + 1]:
            if norms[e] in self.after and self.names_a_site(ws, e + 1):
                return ws.starts[s]
        return None

    def names_a_site(self, ws: WordStream, i: int) -> bool:
        """The phrase from word ``i`` (after a preposition, up to ``after_object_reach`` words,
        not across a break) names a body site, a side or level, or a listed modifier."""
        for j in range(i, min(i + self.after_reach, len(ws.norms))):
            if j != i and ws.breaks[j]:
                return False
            norm = ws.norms[j]
            if norm in self.object_words or norm in self.modifiers:
                return True
            if self.site is not None and self.site.fullmatch(norm):
                return True
        return False

    def refers_back(self, k: str, text: str, start: int, seen: set[str]) -> bool:
        """ "the mass", "this lesion" after an earlier "mass"/"lesion": a reference back to a
        finding already extracted (a coreference), not a new one."""
        head = k.rsplit(" ", 1)[-1]
        if head not in self.anaphoric_heads or head not in seen:
            return False
        before = text[max(0, start - 12) : start].split()
        return bool(before) and before[-1].lower() in self.determiners

    def rejects_surface(
        self, surface: str, text: str, start: int, end: int, abbreviation: bool = False
    ) -> bool:
        """Too short, a short all-capitals word matched case-insensitively (a terminology
        abbreviation such as "VSD" matched with its exact capitals is fine; "ALL" matching "all"
        is not), or part of a hyphenated compound ("fever-like")."""
        if len(surface) < self.min_chars:
            return True
        if len(surface) <= 5 and surface.isupper() and not abbreviation:
            return True
        before = text[start - 1 : start] if start else ""
        return "-" in (before, text[end : end + 1])

    def category(self, sentence: str) -> str:
        """pathology, examination or sign_symptom, by the words of the finding's sentence
        (imaging is set by the component when an imaging study shares the sentence)."""
        found = _WORD.findall(sentence.lower())
        for cat in ("pathology", "imaging", "examination"):
            if not self.context[cat].isdisjoint(found):
                return cat
        return "sign_symptom"


def load_rules(patterns_dir: str | None = None) -> FindingRules:
    """The rules, read when the component is built (never cached at module level)."""
    return FindingRules(
        read_json("findings", "rules.json", patterns_dir),
        read_json("terminology", "new_items.json"),
        list(read_jsonl("imaging", "body_sites.jsonl")),
    )
