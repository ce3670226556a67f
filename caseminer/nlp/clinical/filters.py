"""Filters: widened candidates that are not diagnoses or procedures of their own.

References back ("the surgery"), tests and agents ("HIV serology"), signs annotators call findings
("hemorrhage"), drug treatments ("chemotherapy") and examinations whose result is a lab value. A
denied history ("no history of tuberculosis") is *kept* and marked absent (``negated_cue``): the
report says the patient did not have it, which is a fact too. A mixin of ClinicalMatcher.
"""

from __future__ import annotations

from caseminer.nlp.clinical.candidate import (
    CLAUSE_BREAK,
    DIAGNOSIS,
    PROCEDURE,
    Candidate,
)
from caseminer.nlp.clinical.view import DocView
from caseminer.nlp.coverage import Coverage


def genus_before(view: DocView, start: int) -> bool:
    """``candidate._abbreviated_genus(view.doc, start)`` read from the view, without Tokens:
    a token's ``whitespace_`` is empty exactly when the next token starts where it ends (the
    Doc's text is each token's text followed by its ``whitespace_``), and both tokens asked
    about have a next one (the "." and, at most, the mention's first token)."""
    if start < 2:
        return False
    idx, ends = view.idx, view.ends
    dot, genus = start - 1, start - 2
    if view.text[idx[dot] : ends[dot]] != "." or ends[dot] == idx[start]:
        return False
    return (
        ends[genus] - idx[genus] == 1
        and view.text[idx[genus]].isupper()
        and (ends[genus] == idx[dot])
    )


class CandidateFilters:
    """Filter predicates (see the module docstring). Token words are compared as string ids
    (``DocView.lower_list`` against the ``*_ids`` sets of ClinicalMatcher): no Token objects."""

    def is_other_item(self, view: DocView, cand: Candidate) -> bool:
        """``is_anaphoric or is_test_or_agent or is_finding or is_medication``, with only the
        filters of the candidate's label asked: the other two answer False for it at their
        first test (a diagnosis is never anaphoric nor a medication, a procedure never a test
        nor a finding)."""
        if cand.label == DIAGNOSIS:
            return self.is_test_or_agent(view, cand) or self.is_finding(view, cand)
        if cand.label == PROCEDURE:
            return self.is_anaphoric(view, cand) or self.is_medication(view, cand)
        return False

    def is_anaphoric(self, view: DocView, cand: Candidate) -> bool:
        """ "the surgery", "after the operation": a reference back or a time anchor, not a new
        procedure (annotators mark these as coreference or dates)."""
        if cand.label != PROCEDURE or cand.length != 1:
            return False
        lower = view.lower_list
        if lower[cand.start] not in self.anaphoric_ids or cand.start == 0:
            return False
        return lower[cand.start - 1] in self.anaphora_cue_ids

    def is_test_or_agent(self, view: DocView, cand: Candidate) -> bool:
        """ "HIV serology", "hepatitis B and C antibodies", "tuberculosis drugs", "M. tuberculosis":
        the disease word names a test, a treatment or an organism, not a diagnosis."""
        if cand.label != DIAGNOSIS:
            return False
        lower, n = view.lower_list, view.n
        if cand.start > 0 and lower[cand.start - 1] in self.organism_marker_ids:
            return True
        if genus_before(view, cand.start):
            return True
        j = cand.end
        idx, ends = view.idx, view.ends
        # skip a coordinated short tail: "hepatitis B and C serology" (a one-character
        # token's ``is_upper`` is its text's ``isupper()``)
        while (
            j < n
            and j - cand.end < 3
            and (
                lower[j] in self.coordinator_ids
                or (ends[j] - idx[j] == 1 and view.text[idx[j]].isupper())
            )
        ):
            j += 1
        return j < n and lower[j] in self.test_noun_ids

    def is_finding(self, view: DocView, cand: Candidate) -> bool:
        """ "hemorrhage", "metastases", "portal vein stenosis": annotators mark these as signs or
        findings, not diseases. Only a curated multi-word disease name keeps such a head
        ("aortic stenosis", "pulmonary hypertension")."""
        if cand.label != DIAGNOSIS or view.lower_list[cand.end - 1] not in self.finding_head_ids:
            return False
        normalized = (cand.normalized or "").lower()
        curated_name = cand.rule == "vocab" and " " in normalized
        return (
            not curated_name
            or normalized.split()[-1] not in self.finding_heads
            or (normalized in self.finding_heads)
        )

    def negated_history_cue(self, view: DocView, cand: Candidate) -> str | None:
        """ "no history of tuberculosis", "no family history of cancer": the cue of a denied past
        or family condition, or None. The cue must govern the mention: same sentence, no clause
        break (";", "but") in between. The text is read once per document (``DocView.text``),
        not rebuilt per candidate, and a cue is only searched for in sentences holding the
        words it needs (``codes.required_literals``)."""
        if cand.label != DIAGNOSIS or not self.negated_history:
            return None
        first = view.sent_start(cand.start) if view.has_sents else 0
        sent_start = view.idx[first] if view.has_sents else 0
        ascii_len, first_end, earliest = self._history_literals(view, first, sent_start)
        size = view.idx[cand.start] - sent_start  # len(before), before it is sliced
        if size <= ascii_len and size < earliest:
            return None  # no cue's literal ends inside the text before the mention (below)
        before = view.text[sent_start : view.idx[cand.start]]
        cues = self.negated_history
        if len(before) <= ascii_len:  # ASCII: case-insensitive matching is plain ASCII folding
            # ``s in before.lower()``: s's first place in the lower-cased sentence ends in it
            cues = [
                rx
                for rx, need in zip(self.negated_history, self.negated_history_needs, strict=True)
                if need is None or any(first_end[s] <= size for s in need)
            ]
        found = [m for rx in cues for m in rx.finditer(before)]
        if not found:
            return None
        last = max(found, key=lambda m: m.end())
        if CLAUSE_BREAK.search(before[last.end() :]) is not None:
            return None
        return last.group().strip()

    def _history_literals(
        self, view: DocView, first: int, sent_start: int
    ) -> tuple[int, dict[str, float], float]:
        """For the sentence starting at token ``first`` (character ``sent_start``): how many of
        its leading characters are ASCII, where the first place of each literal the cues need
        ends in its lower-cased ASCII beginning (inf: nowhere), and the least of those ends (0
        when a cue needs no literal). Read once per sentence (``DocView.memo``) for all its
        candidates. A candidate whose ASCII ``before`` is shorter than that least end keeps no
        cue after the literal test, so it has none: most sentences say no "history".

        Why it is exact: a candidate's ``before`` is a prefix of the sentence; it is ASCII when
        no longer than the ASCII beginning, and then ``before.lower()`` is the same prefix of
        the lower-cased beginning (ASCII lower-casing maps each character to one), so a literal
        is in it exactly when its first place there ends inside it."""
        key = ("history literals", first)
        found = view.memo.get(key)
        if found is None:
            end = view.ends[view.sent_end(first) - 1] if view.has_sents else len(view.text)
            sentence = view.text[sent_start:end]
            ascii_len = len(sentence)
            if not sentence.isascii():
                ascii_len = next(i for i, c in enumerate(sentence) if not c.isascii())
            low = sentence[:ascii_len].lower()
            first_end: dict[str, float] = {}
            earliest = float("inf")
            for need in self.negated_history_needs:
                if need is None:
                    earliest = 0
                for literal in need or ():
                    at = low.find(literal)
                    first_end[literal] = at + len(literal) if at >= 0 else float("inf")
                    earliest = min(earliest, first_end[literal])
            found = view.memo[key] = (ascii_len, first_end, earliest)
        return found

    def is_medication(self, view: DocView, cand: Candidate) -> bool:
        """ "chemotherapy", "general anesthesia", "antibiotic therapy": drug treatments, which
        annotators mark as medications, not procedures."""
        if cand.label != PROCEDURE:
            return False
        words = view.lower_list[cand.start : cand.end]
        if not self.medication_ids.isdisjoint(words):
            return True
        return words[-1] in self.therapy_head_ids and not self.drug_modifier_ids.isdisjoint(words)

    def is_valued_test(self, view: DocView, cand: Candidate, tested: Coverage) -> bool:
        """ "ECG was normal", "physical examination was unremarkable": an examination whose result
        the lab extractor reports is that lab's analyte, not a procedure of its own. Procedures that
        take a specimen ("biopsy", "blood cultures", "aspiration") stay procedures."""
        if cand.label != PROCEDURE or cand.category != "diagnostic" or not tested:
            return False
        if not tested.overlaps(view.idx[cand.start], view.ends[cand.end - 1]):
            return False
        return self.specimen_ids.isdisjoint(view.lower_list[cand.start : cand.end])
