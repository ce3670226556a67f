"""Find diagnosis and procedure mentions: curated terms, word-shape rules, abbreviations.

Why three sources: the curated vocabulary is precise but never complete, so general rules over word
shape ("-itis", "-ectomy", "X syndrome", "X carcinoma") catch conditions no list anticipates, and
abbreviations defined in the text ("avascular necrosis (AVN)") carry their long form's meaning to
every later use. Short forms never defined in the body (the title or abstract did it) are taken
from diagnosis cues ("diagnosis of ECF", "suspected of having JLNS"). Every seed is then widened to
the modifiers an annotator would include ("infiltrating ductal breast cancer", "necrosis of the
femoral head"); MACCROBAT annotators leave temporal and urgency words ("acute", "emergent",
"initial") outside the mention, so those are not absorbed. Matching is pure: it returns
``Candidate`` objects and writes nothing to the Doc.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.attrs import IS_SPACE, LOWER
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from caseminer.nlp.clinical.vocab import ClinicalVocab, Term, is_abbreviation
from caseminer.nlp.coverage import Coverage, RangeIndex
from caseminer.nlp.tokenizer import doc_text

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
_UNDECIDED = ("", "", None)


@dataclass
class Candidate:
    """A mention found by one rule, before overlaps are resolved."""

    start: int  # token index
    end: int  # token index (exclusive)
    label: str
    normalized: str | None
    rule: str
    category: str | None = None
    code: dict[str, str] | None = None

    @property
    def length(self) -> int:
        return self.end - self.start

    def name_by(self, term) -> None:
        """Take the name, category and code of the curated vocabulary term the mention now is."""
        self.normalized, self.category, self.code = term.normalized, term.category, term.code
        self.rule = "vocab"


class ClinicalMatcher:
    """Applies the vocabulary and the morphology rules to a Doc."""

    def __init__(
        self,
        vocab: Vocab,
        knowledge: ClinicalVocab,
        use_morphology: bool = True,
        make_doc: Callable[[str], Doc] | None = None,
    ):
        self.k = knowledge
        self.use_morphology = use_morphology
        morph = knowledge.morphology
        self.dis_suffixes = tuple(morph["disorder_suffixes"])
        self.dis_exceptions = {w.lower() for w in morph["disorder_suffix_exceptions"]}
        self.dis_heads: dict[str, bool] = morph["disorder_heads"]
        self.proc_suffixes: dict[str, str] = morph["procedure_suffixes"]
        # one regex rejects most words before the ordered per-suffix loop runs
        self._proc_suffix_rx = re.compile(
            "(?:"
            + "|".join(re.escape(s) for s in sorted(self.proc_suffixes, key=len, reverse=True))
            + ")$"
        )
        # lower-case form's hash -> (label, rule, category) or None; see morphology_candidates
        self._morph_cache: dict[int, tuple[str, str, str | None] | None] = {}
        self.proc_exceptions = {w.lower() for w in morph["procedure_suffix_exceptions"]}
        self.proc_heads: dict[str, str] = morph["procedure_heads"]
        self.proc_heads_alone = set(morph["procedure_heads_alone"])
        self.proc_verbs: dict[str, str] = morph["procedure_verbs"]
        self.adj_suffixes = tuple(morph["adjective_suffixes"])
        self.anaphoric = set(morph["anaphoric_generic_procedures"])
        self.drug_prefixes = tuple(morph["drug_prefixes"])
        self.test_nouns = set(morph["test_nouns_after"])
        self.organism_markers = set(morph["organism_markers"])
        self.anaphora_cues = set(morph["anaphora_cues"])
        self.finding_heads = {w.lower() for w in morph.get("finding_heads", [])}
        self.medication_words = {w.lower() for w in morph.get("medication_words", [])}
        self.drug_modifiers = {w.lower() for w in morph.get("drug_therapy_modifiers", [])}
        self.specimen_words = {w.lower() for w in morph.get("specimen_procedures", [])}
        self.diagnosis_cues: dict[str, list[list[str]]] = {}
        for cue in sorted((c.lower().split() for c in morph.get("diagnosis_cues", [])), key=len):
            self.diagnosis_cues.setdefault(cue[0], []).insert(0, cue)  # longest first
        self.cue_skip = {w.lower() for w in morph.get("diagnosis_cue_skip", [])}
        self.negated_history = [
            re.compile(rx, re.IGNORECASE) for rx in morph.get("negated_history_cues", [])
        ]
        # annotators mark urgency and sequence ("emergent", "initial") apart from the mention
        self.left_excluded = {w.lower() for w in morph.get("left_excluded", [])}
        self.site_words = {
            w.lower() for forms in knowledge.body_sites.values() for f in forms for w in f.split()
        }
        self.modifier_words = {
            w for forms in knowledge.modifiers.values() for f in forms for w in re.split(r"[ -]", f)
        } | {f for forms in knowledge.modifiers.values() for f in forms}
        self.terms: dict[str, Term] = {}
        self.by_text = {t.text.lower(): t for t in knowledge.terms if not is_abbreviation(t.text)}
        self.lower_matcher = PhraseMatcher(vocab, attr="LOWER")
        self.orth_matcher = PhraseMatcher(vocab, attr="ORTH")
        self._add_terms(vocab, make_doc)

    def _add_terms(self, vocab: Vocab, make_doc: Callable[[str], Doc] | None) -> None:
        """Each term is added as the pipeline's tokenizer splits it (hyphenated words may stay
        whole) and as spaCy's default rules split it (hyphens apart), so both match."""

        def variants(text: str) -> list[Doc]:
            docs = [Doc(vocab, words=_split(text))]
            if make_doc is not None:
                own = make_doc(text)
                if [t.text for t in own] != _split(text):
                    docs.append(own)
            return docs

        lower_docs: dict[str, list[Doc]] = {}
        orth_docs: dict[str, list[Doc]] = {}
        for i, term in enumerate(self.k.terms):
            key = f"CM_TERM_{i}"
            self.terms[key] = term
            forms = [term.text]
            if not is_abbreviation(term.text) and not term.text.endswith("s"):
                forms.append(term.text + "s")
            target = orth_docs if is_abbreviation(term.text) else lower_docs
            target[key] = [d for f in forms for d in variants(f)]
        for key, docs in lower_docs.items():
            self.lower_matcher.add(key, docs)
        for key, docs in orth_docs.items():
            self.orth_matcher.add(key, docs)

    # ---- seeds -------------------------------------------------------------------------
    def vocab_candidates(self, doc: Doc) -> list[Candidate]:
        """Curated terms (case-insensitive, abbreviations case-sensitive)."""
        out = []
        for matcher in (self.lower_matcher, self.orth_matcher):
            for match_id, start, end in matcher(doc):
                term = self.terms[doc.vocab.strings[match_id]]
                out.append(
                    Candidate(
                        start, end, term.label, term.normalized, "vocab", term.category, term.code
                    )
                )
        return out

    def morphology_candidates(self, doc: Doc) -> list[Candidate]:
        """Suffix, head-noun and verb rules over single tokens.

        The decision depends on the lower-case word alone, so it is made once per distinct word
        (remembered by its string hash across documents) instead of once per token."""
        out: list[Candidate] = []
        cache = self._morph_cache
        if len(cache) > MORPH_CACHE_SIZE:
            cache.clear()
        strings = doc.vocab.strings
        for i, h in enumerate(doc.to_array(LOWER).tolist()):
            rule = cache.get(h, _UNDECIDED)
            if rule is _UNDECIDED:
                rule = cache[h] = self._morph_rule(strings[h])
            if rule is not None:
                out.append(Candidate(i, i + 1, rule[0], None, rule[1], rule[2]))
        return out

    def _morph_rule(self, low: str) -> tuple[str, str, str | None] | None:
        """(label, rule, category) the word-shape rules give one lower-cased word, or None."""
        if not _is_word(low) or len(low) < 4:
            return None
        if "-" in low:  # hyphenated token kept whole: judge it by its last part
            if low.startswith(self.drug_prefixes):
                return None
            low = low.rsplit("-", 1)[1]
        if low in self.proc_verbs:
            return PROCEDURE, "verb", self.proc_verbs[low]
        if low in self.dis_heads:
            return DIAGNOSIS, "head", None
        if low in self.proc_heads:
            return PROCEDURE, "head", self.proc_heads[low]
        if low not in self.proc_exceptions and (cat := self._proc_suffix(low)):
            return PROCEDURE, "suffix", cat
        if low not in self.dis_exceptions and low.endswith(self.dis_suffixes):
            if len(low) >= 6:
                return DIAGNOSIS, "suffix", None
        return None

    def cue_candidates(self, doc: Doc) -> list[Candidate]:
        """An undefined abbreviation named as a diagnosis: "diagnosis of ECF", "suspected of having
        JLNS", "consistent with ATM". Case reports often define such short forms only in the title
        or abstract, so the cue phrase is the only evidence that the letters name a condition."""
        out: list[Candidate] = []
        lows = [t.lower_ for t in doc]
        for i in range(len(doc)):
            for cue in self.diagnosis_cues.get(lows[i], ()):
                if lows[i : i + len(cue)] != cue:
                    continue
                k = i + len(cue)
                while k < len(doc) and k - i - len(cue) < 4 and lows[k] in self.cue_skip:
                    k += 1
                if k < len(doc) and self._is_condition_abbreviation(doc, k):
                    out.append(Candidate(k, k + 1, DIAGNOSIS, None, "cue"))
                break
        return out

    def _is_condition_abbreviation(self, doc: Doc, k: int) -> bool:
        """A short form that ends its noun phrase ("CNS lymphoma" and "CO2 retention" do not),
        and that the vocabulary does not already know as something else."""
        tok = doc[k]
        if not (tok.text[:1].isupper() and tok.text.isalnum() and is_abbreviation(tok.text)):
            return False
        if tok.text.lower() in self.by_text and self.by_text[tok.text.lower()].label != DIAGNOSIS:
            return False
        nxt = doc[k + 1] if k + 1 < len(doc) else None
        return nxt is None or not (nxt.is_alpha and nxt.is_lower) or nxt.is_stop

    def _proc_suffix(self, low: str) -> str | None:
        if self._proc_suffix_rx.search(low) is None:
            return None
        for suffix, cat in self.proc_suffixes.items():
            if low.endswith(suffix) and len(low) > len(suffix) + 2:
                return cat
        return None

    # ---- widening ----------------------------------------------------------------------
    def needs_modifier(self, doc: Doc, cand: Candidate) -> bool:
        """Generic heads ("disease", "failure", "therapy") only count with a modifier."""
        if cand.rule != "head":
            return False
        low = doc[cand.start].lower_
        if cand.label == DIAGNOSIS:
            return bool(self.dis_heads.get(low, False))
        return low not in self.proc_heads_alone

    def is_left_modifier(self, tok: Token, label: str) -> bool:
        """Could this token be part of the mention, to the left of its head?"""
        low = tok.lower_
        if low in self.left_excluded:
            return False
        if label == PROCEDURE and low in self.modifier_words:
            return True
        if low in self.k.left_blockers:
            return False
        if low in self.k.left_modifiers or low in self.site_words:
            return True
        if _is_word(low) and len(low) >= 5 and low.endswith(self.adj_suffixes):
            return True
        if (
            tok.is_title
            and _is_word(low)
            and not tok.is_stop
            and len(low) >= 3
            and not tok.is_sent_start
        ):
            return True  # eponyms: "Gaucher disease", "Cowden syndrome"
        return False

    def extend_left(self, doc: Doc, start: int, label: str) -> int:
        sent_start = doc[start].sent.start if doc.has_annotation("SENT_START") else 0
        i = start
        while i - 1 >= sent_start and start - i < MAX_LEFT:
            tok = doc[i - 1]
            if tok.is_space and tok.text.count("\n") <= 1 and i - 2 >= sent_start:
                i -= 1  # a line break inside the mention (PDF-to-text output)
                continue
            if tok.text in POSSESSIVES and i - 2 >= sent_start and doc[i - 2].is_title:
                i -= 2
                continue
            if tok.text in HYPHENS and not tok.whitespace_ and i - 2 >= sent_start:
                prev = doc[i - 2]
                if not prev.whitespace_ and (prev.is_alpha or prev.like_num):
                    i -= 2
                    continue
                break
            if self.is_left_modifier(tok, label):
                i -= 1
                continue
            break
        # never start on a connector
        while i < start and (
            doc[i].text in HYPHENS or doc[i].is_space or doc[i].lower_ in {"in", "non"}
        ):
            i += 1
        return i

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

    def is_negated_history(self, doc: Doc, cand: Candidate) -> bool:
        """ "no history of tuberculosis", "no family history of cancer": a denied past or family
        condition is a pertinent negative about the history, which annotators leave unmarked. The
        cue must govern the mention: same sentence, no clause break (";", "but") in between."""
        if cand.label != DIAGNOSIS or not self.negated_history:
            return False
        sent = doc[cand.start].sent if doc.has_annotation("SENT_START") else doc[:]
        before = doc_text(doc)[sent.start_char : doc[cand.start].idx]
        ends = [m.end() for rx in self.negated_history for m in rx.finditer(before)]
        if not ends:
            return False
        between = before[max(ends) :]
        return CLAUSE_BREAK.search(between) is None

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

    def _qualifier_noun(self, doc: Doc, start: int) -> int:
        """One plain noun before a generic head: "carnitine deficiency", "CNS disease"."""
        if start == 0 or (doc.has_annotation("SENT_START") and doc[start].is_sent_start):
            return start
        tok = doc[start - 1]
        low = tok.lower_
        if (
            tok.is_alpha
            and len(low) >= 3
            and not tok.is_stop
            and low not in self.k.left_blockers
            and not low.endswith("ed")
            and not low.endswith("ly")
        ):
            return start - 1
        return start

    def extend_right(self, doc: Doc, end: int, label: str) -> int:
        """Absorb "of the femoral head", "in situ"."""
        n = len(doc)
        if end + 1 < n and doc[end].lower_ == "in" and doc[end + 1].lower_ == "situ":
            return end + 2
        if end >= n or doc[end].lower_ != "of":
            return end
        sent_end = doc[end].sent.end if doc.has_annotation("SENT_START") else n
        best = end
        i = end + 1
        while i < min(sent_end, end + 1 + MAX_RIGHT):
            tok = doc[i]
            low = tok.lower_
            if low in {"the", "left", "right", "both"}:
                i += 1
                continue
            if tok.text in HYPHENS and not tok.whitespace_:
                i += 1
                continue
            if low in self.site_words or low in self.k.left_modifiers:
                best = i + 1
                i += 1
                continue
            if tok.is_alpha and len(low) >= 5 and low.endswith(self.adj_suffixes):
                i += 1
                continue
            break
        return best

    def widen(
        self, doc: Doc, cand: Candidate, spaces: frozenset[int] | None = None
    ) -> Candidate | None:
        """Grow a seed to the annotator's span (``spaces``: indices of white-space tokens,
        computed here when the caller has not)."""
        self._join_broken_term(doc, cand, space_tokens(doc) if spaces is None else spaces)
        start = self.extend_left(doc, cand.start, cand.label)
        # "captopril therapy": a noun before a treatment head is usually a drug, so only
        # diagnoses and non-drug procedures take a bare qualifier noun
        qualifiable = cand.category != "therapeutic"
        if start == cand.start and self.needs_modifier(doc, cand) and qualifiable:
            start = self._qualifier_noun(doc, start)
            if cand.label == PROCEDURE and start < cand.start:
                # tests are named by noun compounds: "latex agglutination test"
                start = self._qualifier_noun(doc, start)
        if self.needs_modifier(doc, cand) and start == cand.start:
            return None
        end = self.extend_right(doc, cand.end, cand.label)
        if start < cand.start:
            self._renormalize(doc, cand, start)
        # a mention never starts or ends on white space (line breaks of PDF-to-text output)
        while start < end - 1 and doc[start].is_space:
            start += 1
        while end - 1 > start and doc[end - 1].is_space:
            end -= 1
        cand.start, cand.end = start, end
        return cand

    def _join_broken_term(self, doc: Doc, cand: Candidate, spaces: frozenset[int]) -> None:
        """A curated term broken by a line break ("resection\narthroplasty") is one mention."""
        low = max(0, cand.start - 4)
        if spaces.isdisjoint(range(low, cand.start)):
            return  # no line break just before the seed: nothing to join
        for i in range(low, cand.start):
            if doc[i].is_space or not any(t.is_space for t in doc[i : cand.start]):
                continue
            term = self.by_text.get(_norm(doc[i : cand.end]))
            if term is not None and term.label == cand.label:
                cand.start = i
                cand.name_by(term)
                return

    def _renormalize(self, doc: Doc, cand: Candidate, start: int) -> None:
        """'hip' + 'replacement' widened: name it by the longest curated term it ends with."""
        for i in range(start, cand.start):
            term = self.by_text.get(_norm(doc[i : cand.end]))
            if term is not None and term.label == cand.label:
                cand.name_by(term)
                return

    # ---- abbreviations ----------------------------------------------------------------
    def abbreviation_candidates(self, doc: Doc, found: list[Candidate]) -> list[Candidate]:
        """Short forms whose long form is a mention: from doc._.abbreviations, else "(ABBR)"."""
        pairs: dict[str, Candidate] = {}
        by_char = [(doc[c.start].idx, doc[c.end - 1].idx + len(doc[c.end - 1]), c) for c in found]
        index = RangeIndex([(s, e) for s, e, _ in by_char])
        for short in _doc_abbreviations(doc):
            long_form = getattr(short._, "long_form", None)
            if long_form is None:
                continue
            k = index.first_overlapping(long_form.start_char, long_form.end_char)  # not a scan
            if k is not None:
                pairs.setdefault(short.text, by_char[k][2])
        for cand in found:
            if cand.rule == "cue":  # "diagnosis of ECF": every later "ECF" too
                pairs.setdefault(doc[cand.end - 1].text, cand)
            j = cand.end
            if j + 2 < len(doc) and doc[j].text == "(" and doc[j + 2].text == ")":
                short = doc[j + 1].text
                if is_abbreviation(short) and short.isalpha() is not False:
                    pairs.setdefault(short, cand)
        out = []
        if not pairs:
            return out
        for tok in doc:
            base = tok.text[:-1] if tok.text.endswith("s") and tok.text[:-1] in pairs else tok.text
            cand = pairs.get(base)
            if cand is None or not is_abbreviation(base):
                continue
            out.append(
                Candidate(
                    tok.i,
                    tok.i + 1,
                    cand.label,
                    cand.normalized or _norm(doc[cand.start : cand.end]),
                    "abbreviation",
                    cand.category,
                    cand.code,
                )
            )
        return out

    # ---- all together ------------------------------------------------------------------
    def __call__(self, doc: Doc) -> list[Candidate]:
        cands = self.vocab_candidates(doc)
        if self.use_morphology:
            cands += self.morphology_candidates(doc)
            cands += self.cue_candidates(doc)
        spaces = space_tokens(doc)
        widened = [w for c in cands if (w := self.widen(doc, c, spaces)) is not None]
        widened = [
            c
            for c in widened
            if not self.is_anaphoric(doc, c)
            and not self.is_test_or_agent(doc, c)
            and not self.is_finding(doc, c)
            and not self.is_medication(doc, c)
            and not self.is_negated_history(doc, c)
        ]
        resolved = resolve_overlaps(widened)
        resolved += self.abbreviation_candidates(doc, resolved)
        return resolve_overlaps(resolved)


def space_tokens(doc: Doc) -> frozenset[int]:
    """Indices of white-space tokens (line breaks of PDF-to-text output), read in one pass."""
    flags = doc.to_array(IS_SPACE).tolist() if len(doc) else []
    return frozenset(i for i, f in enumerate(flags) if f)


def _abbreviated_genus(doc: Doc, start: int) -> bool:
    """ "M. tuberculosis", "H. pylori" split as "M" "." "tuberculosis": an organism's name."""
    if start < 2 or doc[start - 1].text != "." or doc[start - 1].whitespace_ == "":
        return False
    genus = doc[start - 2]
    return len(genus.text) == 1 and genus.text.isupper() and not genus.whitespace_


def _is_word(low: str) -> bool:
    """Letters, optionally joined by inner hyphens ("salpingo-oophorectomy")."""
    parts = low.split("-")
    return all(p.isalpha() for p in parts)


def _split(text: str) -> list[str]:
    """Split a term the way the tokenizer splits hyphens and possessives."""
    text = re.sub(r"([\-–—‐/(),])", r" \1 ", text)
    text = re.sub(r"(['’]s)\b", r" \1", text)
    return text.split()


def _norm(span: Span) -> str:
    return re.sub(r"\s*([\-–])\s*", r"\1", re.sub(r"\s+", " ", span.text.lower())).strip()


def _doc_abbreviations(doc: Doc) -> list[Span]:
    if not Doc.has_extension("abbreviations"):
        return []
    return list(doc._.abbreviations or [])


def resolve_overlaps(cands: list[Candidate]) -> list[Candidate]:
    """Merge same-label overlaps into one mention; across labels keep the stronger one."""
    merged: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (c.start, -c.end)):
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
