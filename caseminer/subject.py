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
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from caseminer.patterns import read_json

SUBJECTS = ("patient", "family", "literature", "other")


def _words_rx(phrases: Iterable[str], ignore_case: bool = True) -> re.Pattern[str]:
    """One regex matching any of ``phrases`` as whole words (case-insensitive by default).

    The alternatives are merged into a trie ("h(?:e(?:r)?|is)" for he, her, his): it matches
    the same strings as the plain alternation, but the engine tries each first letter once at
    every word start instead of every phrase, which halves the search on a sentence that matches
    none (the common case for the literature cues)."""
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for char in phrase.lower():
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(r"\b" + _trie_rx(trie) + r"\b", re.IGNORECASE if ignore_case else 0)


def _ascii_rx(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """The case-sensitive twin of ``_words_rx`` for lowercased ASCII text, or None when a phrase
    is not ASCII. On an ASCII sentence, IGNORECASE matching is exactly matching the lowercased
    sentence (the letters with other case-insensitive partners, such as "K" for "k", are not
    ASCII), and the case-sensitive search is about twice as fast."""
    phrases = list(phrases)
    if not all(p.isascii() for p in phrases):
        return None
    return _words_rx(phrases, ignore_case=False)


def _trie_rx(node: dict[str, dict]) -> str:
    """The regex of the phrases below one trie node (``""`` marks a phrase ending there)."""
    alts = [re.escape(char) + _trie_rx(node[char]) for char in sorted(node) if char]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    if "" in node:  # a phrase ends here and longer ones go on
        body = "(?:" + body + ")?"
    return body


@dataclass(frozen=True, eq=False)  # compared by identity: it holds its per-sentence cache
class SubjectRules:
    """The compiled rules of subject.json."""

    no_facts_sections: frozenset[str]
    no_facts_titles: frozenset[str]
    literature_sections: frozenset[str]
    patient_cues: re.Pattern[str]
    literature_cues: re.Pattern[str]
    # the same cues for lowercased ASCII sentences (see _ascii_rx); None: use the ones above
    patient_ascii: re.Pattern[str] | None = None
    literature_ascii: re.Pattern[str] | None = None
    # sentence -> (patient cues found, literature cues found or None: not searched yet); why a
    # plain dict: an lru_cache keyed by the two compiled patterns hashes their code on every call
    _searched: dict[str, tuple[bool, bool | None]] = field(
        default_factory=dict, init=False, repr=False
    )

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SubjectRules:
        return cls(
            frozenset(data["no_facts_sections"]),
            frozenset(t.lower() for t in data["no_facts_titles"]),
            frozenset(data["literature_sections"]),
            _words_rx(data["patient_cues"]),
            _words_rx(data["literature_cues"]),
            _ascii_rx(data["patient_cues"]),
            _ascii_rx(data["literature_cues"]),
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
        # A sentence pointing at the patient makes it the patient's in every section: the
        # literature cues are searched only when that answer is still open.
        found = self._searched.get(sentence)
        if found is None:
            found = self._search(sentence)
        patient, literature = found
        if patient:
            return "patient"
        if section in self.literature_sections:
            return "literature"
        if literature is None:  # not searched yet for this sentence
            literature = _found(self.literature_cues, self.literature_ascii, sentence)
            self._searched[sentence] = (False, literature)
        return "literature" if literature else "patient"

    def _search(self, sentence: str) -> tuple[bool, bool | None]:
        """(the patient cues occur in ``sentence``, None: the literature cues are searched only
        when ``subject`` needs them), kept per sentence: items share sentences."""
        searched = self._searched
        if len(searched) >= _SEARCHED_MAX:
            searched.clear()
        found = searched[sentence] = (
            _found(self.patient_cues, self.patient_ascii, sentence),
            None,
        )
        return found


# sentences whose cue searches a SubjectRules keeps (emptied when full). Kept small: the assembly
# already keeps the subject per sentence within a document, this only serves sentences repeated
# across documents (boilerplate), and it must not hold a whole benchmark pass of texts either.
_SEARCHED_MAX = 1024


def _found(cues: re.Pattern[str], ascii_cues: re.Pattern[str] | None, sentence: str) -> bool:
    """``cues`` occur in ``sentence`` (``ascii_cues``: their twin for a lowercased ASCII
    sentence)."""
    if ascii_cues is not None and sentence.isascii():
        return ascii_cues.search(sentence.lower()) is not None
    return cues.search(sentence) is not None


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
