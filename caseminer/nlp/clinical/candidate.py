"""The clinical extractor's shared pieces: a Candidate mention, rule constants and token helpers.

Why a module of its own: the seeds (caseminer.nlp.clinical.match), the widening rules
(caseminer.nlp.clinical.widen) and the filters (caseminer.nlp.clinical.filters) all work on
Candidates and the same few token tests; keeping them here lets each of those modules stay small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import attrgetter

from spacy.tokens import Doc, Span

from caseminer.nlp.doc_arrays import token_table

# ends the reach of a negated-history cue ("no history of X; she had Y", "no history of X but Y")
CLAUSE_BREAK = re.compile(r"[;:]|\b(?:but|however|although|though|whereas|except)\b", re.I)

DIAGNOSIS = "DIAGNOSIS"
PROCEDURE = "PROCEDURE"
HYPHENS = {"-", "–", "—", "‐"}
POSSESSIVES = {"'s", "’s"}
# rule priority when overlapping candidates compete (higher wins at equal length)
PRIORITY = {"vocab": 3, "abbreviation": 2, "cue": 2, "head": 1, "suffix": 1, "verb": 1}
MAX_LEFT = 6
MAX_RIGHT = 5
# per-word morphology decisions remembered across documents; cleared when it grows this large
MORPH_CACHE_SIZE = 200_000


@dataclass(slots=True)
class Candidate:
    """A mention found by one rule, before overlaps are resolved (slots: thousands are made
    per document)."""

    start: int  # token index
    end: int  # token index (exclusive)
    label: str
    normalized: str | None
    rule: str
    category: str | None = None
    code: dict[str, str] | None = None
    # the cue of a denied history ("no history of"): the item is stated absent
    negated_cue: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start

    def name_by(self, term) -> None:
        """Take the name, category and code of the curated vocabulary term the mention now is."""
        self.normalized, self.category, self.code = term.normalized, term.category, term.code
        self.rule = "vocab"


def space_tokens(doc: Doc) -> frozenset[int]:
    """Indices of white-space tokens (line breaks of PDF-to-text output), read in one pass."""
    return frozenset(token_table(doc).spaces)  # the Doc's shared token table


def _abbreviated_genus(doc: Doc, start: int) -> bool:
    """ "M. tuberculosis", "H. pylori" split as "M" "." "tuberculosis": an organism's name."""
    if start < 2 or doc[start - 1].text != "." or doc[start - 1].whitespace_ == "":
        return False
    genus = doc[start - 2]
    return len(genus.text) == 1 and genus.text.isupper() and not genus.whitespace_


def _is_word(low: str) -> bool:
    """Letters, optionally joined by inner hyphens ("salpingo-oophorectomy")."""
    if low.isalpha():
        return True  # most words: no split needed
    return "-" in low and all(p.isalpha() for p in low.split("-"))


def _split(text: str) -> list[str]:
    """Split a term the way the tokenizer splits hyphens and possessives."""
    text = re.sub(r"([\-–—‐/(),])", r" \1 ", text)
    text = re.sub(r"(['’]s)\b", r" \1", text)
    return text.split()


def _doc_abbreviations(doc: Doc) -> list[Span]:
    if not Doc.has_extension("abbreviations"):
        return []
    return list(doc._.abbreviations or [])


def abbreviation_offsets(doc: Doc) -> list[tuple[int, int, int, int]] | None:
    """(short start, short end, long start, long end) token offsets of each of
    ``doc._.abbreviations`` with its ``span._.long_form``, read from the stored pairs without
    building a Span per short form and per long form; None when the extensions are not
    caseminer.nlp.abbreviations' getters (or a stored span is empty): then read the Spans.

    Why it is the same: those getters rebuild ``doc._.abbreviations`` as ``Span(doc, s, e)``
    of every stored pair in order, and a short form's long form as the first stored pair
    with its offsets (what ``long_of`` keeps), as ``short_forms_as_text`` does there."""
    import sys

    module = sys.modules.get("caseminer.nlp.abbreviations")
    if module is None:  # not imported: the extensions cannot be its getters
        return None
    doc_ext = Doc.get_extension("abbreviations")
    span_ext = Span.get_extension("long_form")
    if doc_ext is None or span_ext is None:
        return None
    if doc_ext[2] is not module._abbreviations_getter:
        return None
    if span_ext[2] is not module._long_form_getter:
        return None
    stored = module._stored(doc)
    if any(e <= s or le <= ls for s, e, ls, le in stored):
        return None
    long_of: dict[tuple[int, int], tuple[int, int]] = {}
    for s, e, ls, le in stored:
        long_of.setdefault((s, e), (ls, le))
    return [(s, e, *long_of[(s, e)]) for s, e, _, _ in stored]


_START, _END = attrgetter("start"), attrgetter("end")


def resolve_overlaps(cands: list[Candidate]) -> list[Candidate]:
    """Merge same-label overlaps into one mention; across labels keep the stronger one."""
    merged: list[Candidate] = []
    # ``sorted(cands, key=lambda c: (c.start, -c.end))`` as two stable C-keyed sorts (ends
    # descending, then starts): the same order, ties kept in input order, no Python key call
    for c in sorted(sorted(cands, key=_END, reverse=True), key=_START):
        if merged and c.start < merged[-1].end:
            prev = merged[-1]
            if c.label == prev.label:
                best = _stronger(prev, c)
                best_start, best_end = min(prev.start, c.start), max(prev.end, c.end)
                merged[-1] = Candidate(
                    best_start,
                    best_end,
                    best.label,
                    best.normalized,
                    best.rule,
                    best.category,
                    best.code,
                )
            else:
                merged[-1] = _stronger(prev, c)
            continue
        merged.append(c)
    return merged


def _stronger(a: Candidate, b: Candidate) -> Candidate:
    """Curated beats rule-based; among equals, the longer mention wins."""
    key_a = (PRIORITY[a.rule], a.length)
    key_b = (PRIORITY[b.rule], b.length)
    return a if key_a >= key_b else b
