"""Filters: widened candidates that are not diagnoses or procedures of their own.

References back ("the surgery"), tests and agents ("HIV serology"), signs annotators call findings
("hemorrhage"), drug treatments ("chemotherapy") and examinations whose result is a lab value. A
denied history ("no history of tuberculosis") is *kept* and marked absent (``negated_cue``): the
report says the patient did not have it, which is a fact too. A mixin of ClinicalMatcher.
"""

from __future__ import annotations

from spacy.tokens import Doc

from caseminer.nlp.clinical.candidate import (
    CLAUSE_BREAK,
    DIAGNOSIS,
    PROCEDURE,
    Candidate,
    _abbreviated_genus,
)
from caseminer.nlp.coverage import Coverage
from caseminer.nlp.tokenizer import doc_text


class CandidateFilters:
    """Filter predicates (see the module docstring)."""

    def is_anaphoric(self, doc: Doc, cand: Candidate) -> bool:
        """ "the surgery", "after the operation": a reference back or a time anchor, not a new
        procedure (annotators mark these as coreference or dates)."""
        if cand.label != PROCEDURE or cand.length != 1:
            return False
        if doc[cand.start].lower_ not in self.anaphoric or cand.start == 0:
            return False
        return doc[cand.start - 1].lower_ in self.anaphora_cues

    def is_test_or_agent(self, doc: Doc, cand: Candidate) -> bool:
        """ "HIV serology", "hepatitis B and C antibodies", "tuberculosis drugs", "M. tuberculosis":
        the disease word names a test, a treatment or an organism, not a diagnosis."""
        if cand.label != DIAGNOSIS:
            return False
        if cand.start > 0 and doc[cand.start - 1].lower_ in self.organism_markers:
            return True
        if _abbreviated_genus(doc, cand.start):
            return True
        j = cand.end
        # skip a coordinated short tail: "hepatitis B and C serology"
        while (
            j < len(doc)
            and j - cand.end < 3
            and (doc[j].lower_ in {"and", "or", "/", "-"} or (len(doc[j]) == 1 and doc[j].is_upper))
        ):
            j += 1
        return j < len(doc) and doc[j].lower_ in self.test_nouns

    def is_finding(self, doc: Doc, cand: Candidate) -> bool:
        """ "hemorrhage", "metastases", "portal vein stenosis": annotators mark these as signs or
        findings, not diseases. Only a curated multi-word disease name keeps such a head
        ("aortic stenosis", "pulmonary hypertension")."""
        if cand.label != DIAGNOSIS or doc[cand.end - 1].lower_ not in self.finding_heads:
            return False
        normalized = (cand.normalized or "").lower()
        curated_name = cand.rule == "vocab" and " " in normalized
        return (
            not curated_name
            or normalized.split()[-1] not in self.finding_heads
            or (normalized in self.finding_heads)
        )

    def negated_history_cue(self, doc: Doc, cand: Candidate) -> str | None:
        """ "no history of tuberculosis", "no family history of cancer": the cue of a denied past
        or family condition, or None. The cue must govern the mention: same sentence, no clause
        break (";", "but") in between. The text is read once per document (``doc_text``), not
        rebuilt per candidate."""
        if cand.label != DIAGNOSIS or not self.negated_history:
            return None
        sent = doc[cand.start].sent if doc.has_annotation("SENT_START") else doc[:]
        before = doc_text(doc)[sent.start_char : doc[cand.start].idx]
        found = [m for rx in self.negated_history for m in rx.finditer(before)]
        if not found:
            return None
        last = max(found, key=lambda m: m.end())
        if CLAUSE_BREAK.search(before[last.end() :]) is not None:
            return None
        return last.group().strip()

    def is_medication(self, doc: Doc, cand: Candidate) -> bool:
        """ "chemotherapy", "general anesthesia", "antibiotic therapy": drug treatments, which
        annotators mark as medications, not procedures."""
        if cand.label != PROCEDURE:
            return False
        words = {t.lower_ for t in doc[cand.start : cand.end]}
        if words & self.medication_words:
            return True
        head = doc[cand.end - 1].lower_
        return head in {"therapy", "therapies", "treatment", "treatments"} and bool(
            words & self.drug_modifiers
        )

    def is_valued_test(self, doc: Doc, cand: Candidate, tested: Coverage) -> bool:
        """ "ECG was normal", "physical examination was unremarkable": an examination whose result
        the lab extractor reports is that lab's analyte, not a procedure of its own. Procedures that
        take a specimen ("biopsy", "blood cultures", "aspiration") stay procedures."""
        if cand.label != PROCEDURE or cand.category != "diagnostic" or not tested:
            return False
        start, end = doc[cand.start].idx, doc[cand.end - 1].idx + len(doc[cand.end - 1])
        if not tested.overlaps(start, end):
            return False
        return not any(t.lower_ in self.specimen_words for t in doc[cand.start : cand.end])
