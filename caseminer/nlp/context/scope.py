"""Clause-bounded ConText scopes, without a parser.

Why: medspaCy's scope runs from the cue to the sentence end (or a fixed number of tokens), so in
"No fracture was seen, and pneumonia developed" the pneumonia was negated, while in "no fever,
cough, pneumonia or tuberculosis" a short fixed window missed the end of the list. Case reports
pack several clauses into one sentence and list conditions after one cue, so the scope has to
follow the list and stop at the clause. Without a tagger the clues are words (patterns/context/
cues.json "scope"): a hard break (";", "but", "although", ...) always ends a scope; a soft break
(",", "and", "or") ends it unless the list goes on, i.e. another item starts within a few tokens
and no clause opener ("the", "she", "there") or finite verb ("was", "developed") comes first; and
once the scope has passed a finite verb the list is over ("No A was seen, and B ..."). The items
themselves (the span group) mark where the list members are.

Also here, since it is a scope decision: the treatment shield. A negation cue whose way to a
condition passes through a treatment and a link word ("refused chemotherapy for her breast
cancer", "no anticoagulation for the pulmonary embolism") is about the treatment, not the
condition the treatment is for.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from spacy.strings import get_string_id
from spacy.tokens import Doc

from caseminer.nlp.context.families import Lexicon
from caseminer.nlp.doc_arrays import token_table

_COMMA = get_string_id(",")


def lower_hashes(doc: Doc) -> list[int]:
    """The LOWER hash of every token: what the scope methods read (one ``to_array`` per Doc
    instead of a Token object and a string per word looked at): the Doc's shared token
    table's, copied (``caseminer.nlp.doc_arrays``)."""
    return list(token_table(doc).lower)


def _hashes(words: Iterable[str]) -> frozenset[int]:
    return frozenset(get_string_id(w) for w in words)


@dataclass(frozen=True)
class ClauseScope:
    """Where a cue's scope ends, from the clause clues of ``cues.json`` ``scope``.

    The word sets hold string hashes (spaCy's LOWER values) and the methods read a Doc's
    ``lower_hashes``: comparing integers from one array is what keeps the scope walks cheap."""

    categories: frozenset[str]
    hard: frozenset[int]
    forward_breaks: frozenset[int]
    backward_breaks: frozenset[int]
    soft: frozenset[int]
    openers: frozenset[int]
    finite: frozenset[int]
    subjects: frozenset[int]
    list_window: int
    list_blockers: frozenset[int]
    treatment_words: frozenset[int]
    treatment_links: frozenset[int]

    @classmethod
    def from_json(cls, data: dict[str, Any], lexicon: Lexicon) -> ClauseScope:
        def words(key: str) -> frozenset[int]:
            return _hashes(w.lower() for w in data.get(key, []))

        finite = lexicon.finite_forms(
            data.get("finite_verbs_from", []), data.get("finite_verb_groups", [])
        )
        treatment = (
            w for c in data.get("treatment_words_from", []) for w in lexicon.words.get(c, [])
        )
        return cls(
            categories=frozenset(c.upper() for c in data.get("categories", [])),
            hard=words("hard_breaks"),
            forward_breaks=words("forward_breaks"),
            backward_breaks=words("backward_breaks"),
            soft=words("soft_breaks"),
            openers=words("clause_openers"),
            finite=_hashes(finite),
            subjects=words("subject_pronouns"),
            list_window=int(data.get("list_window", 4)),
            list_blockers=words("list_blockers"),
            treatment_words=_hashes(treatment),
            treatment_links=words("treatment_links"),
        )

    def applies(self, rule: Any) -> bool:
        """Whether ``limit`` cuts the scopes of ``rule``'s cues at all (it returns any other
        rule's scope unchanged): a fact of the rule alone, so drivers may ask it once per rule."""
        meta = rule.metadata or {}
        return rule.category in self.categories and meta.get("clause_scope") is not False

    def limit(
        self,
        doc: Doc,
        lower: Sequence[int],
        rule: Any,
        start: int,
        end: int,
        scope: tuple[int, int],
        sent: tuple[int, int],
        target_starts: Collection[int],
        target_ends: Collection[int],
    ) -> tuple[int, int]:
        """The scope ``(lo, hi)`` of a cue at ``doc[start:end]`` cut at its clause.

        ``scope`` is medspaCy's (the sentence side of the cue, at most the rule's max_scope
        tokens); a list that goes on past max_scope is followed to its end, within the sentence.
        """
        if not self.applies(rule):
            return scope
        meta = rule.metadata or {}
        lo, hi = scope
        direction = rule.direction
        if direction in ("FORWARD", "BIDIRECTIONAL") and hi > end:
            fronted = bool(meta.get("fronted_comma_closes")) and all(
                doc[i].is_punct for i in range(sent[0], start)
            )
            clause_end, listed = self.forward_end(
                lower, end, sent[1], target_starts, fronted, target_ends
            )
            hi = clause_end if listed else min(hi, clause_end)
        if direction in ("BACKWARD", "BIDIRECTIONAL") and lo < start:
            clause_start, listed = self.backward_start(lower, start, sent[0], target_ends)
            lo = clause_start if listed else max(lo, clause_start)
        return lo, hi

    def forward_end(
        self,
        lower: Sequence[int],
        i: int,
        hi: int,
        target_starts: Collection[int],
        fronted: bool = False,
        target_ends: Collection[int] = (),
    ) -> tuple[int, bool]:
        """Where a forward scope starting at ``i`` stops (``hi`` at most), and whether it went on
        through a list. A finite verb after the first word ends it ("No A was seen in B"); so
        does a soft break after a member with a prepositional phrase ("without A in B and C")."""
        first, listed, blocked = i, False, False
        while i < hi:
            if i in target_ends:
                blocked = False
            word = lower[i]
            if word in self.hard or word in self.forward_breaks:
                return i, listed
            if word in self.soft:
                if blocked or (fronted and word == _COMMA):
                    return i, listed
                if not self._list_goes_on(lower, i + 1, hi, target_starts):
                    return i, listed
                listed = True
            elif word in self.finite and i > first:
                return i, listed
            elif word in self.list_blockers and i > first:
                blocked = True
            i += 1
        return hi, listed

    def _list_goes_on(
        self, lower: Sequence[int], j: int, hi: int, target_starts: Collection[int]
    ) -> bool:
        """Whether a list goes on after a soft break at ``j - 1``: an item starts, or another soft
        break comes ("A, B, C or D"), within the list window, before any clause opener."""
        for k in range(j, min(j + self.list_window, hi)):
            if k in target_starts:
                return True
            word = lower[k]
            if word in self.openers or word in self.finite or word in self.hard:
                return False
            if k > j and word in self.soft:
                return True
        return False

    def backward_start(
        self, lower: Sequence[int], i: int, lo: int, target_ends: Collection[int]
    ) -> tuple[int, bool]:
        """Where a backward scope ending at ``i`` starts (``lo`` at least), and whether it went
        back through a list. A soft break ends it when a subject pronoun lies between it and the
        cue ("He had A and we excluded B"), or when the list does not go on before it. When the
        walk meets a finite verb or a subject after crossing a soft break, the words before that
        break belong to another clause ("The biopsy showed A, B and C were ruled out": B and C),
        so the scope starts after the break. A finite verb before any break is the list's own
        ("A and B were considered but were excluded")."""
        passed_subject = False  # a subject pronoun between the cue and the break
        last_break = None  # the soft break crossed farthest from the cue
        k = i - 1
        while k >= lo:
            word = lower[k]
            if word in self.hard or word in self.backward_breaks:
                return k + 1, last_break is not None
            if word in self.soft:
                if passed_subject or not self._list_went_on(lower, k, lo, target_ends):
                    return k + 1, last_break is not None
                last_break = k
            elif word in self.finite or word in self.subjects:
                if last_break is not None:
                    return last_break + 1, True
                passed_subject = passed_subject or word in self.subjects
            k -= 1
        return lo, last_break is not None

    def _list_went_on(
        self, lower: Sequence[int], k: int, lo: int, target_ends: Collection[int]
    ) -> bool:
        """Whether an item ends, or another soft break comes, within the list window before a
        soft break at ``k``."""
        for m in range(k, max(k - self.list_window, lo), -1):
            if m in target_ends:
                return True
            word = lower[m - 1]
            if word in self.finite or word in self.hard or word in self.subjects:
                return False
            if m < k and word in self.soft:
                return True
        return False

    def shields(
        self, lower: Sequence[int], cue_end: int, target_start: int, anchors: Collection[int]
    ) -> bool:
        """Whether a treatment directly followed by a link word lies between a forward cue and a
        condition, so the cue is about the treatment ("refused chemotherapy for her breast
        cancer", "no surgery because of the metastasis"). The link must follow the treatment
        at once: in "no biopsy evidence of lymphoma" the "of" belongs to "evidence".
        ``anchors``: token indexes inside PROCEDURE items."""
        last_treatment = None
        for k in range(cue_end, target_start):
            word = lower[k]
            if k in anchors or word in self.treatment_words:
                last_treatment = k
            elif last_treatment is not None and word in self.treatment_links:
                if k == last_treatment + 1:
                    return True
        return False
