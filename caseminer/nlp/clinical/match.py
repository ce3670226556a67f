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
from collections.abc import Callable, Iterable

import numpy
from spacy.attrs import LOWER
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from caseminer.nlp.clinical.candidate import (
    DIAGNOSIS,
    HYPHENS,
    MORPH_CACHE_SIZE,
    POSSESSIVES,
    PROCEDURE,
    Candidate,
    _doc_abbreviations,
    _is_word,
    abbreviation_offsets,
    resolve_overlaps,
    space_tokens,
)
from caseminer.nlp.clinical.codes import required_literals
from caseminer.nlp.clinical.filters import CandidateFilters
from caseminer.nlp.clinical.phrases import cached_term_plan
from caseminer.nlp.clinical.view import DocView
from caseminer.nlp.clinical.vocab import ClinicalVocab, Term, is_abbreviation
from caseminer.nlp.clinical.widen import Widener
from caseminer.nlp.coverage import RangeIndex

__all__ = ["DIAGNOSIS", "PROCEDURE", "Candidate", "ClinicalMatcher", "space_tokens"]


def _lower_ids(vocab: Vocab) -> Callable[[str], int]:
    """The LOWER id a token of this word has in a Doc of ``vocab``: its lexeme's when the vocab
    has one, else what ``Vocab`` would give a new lexeme (its LOWER getter's string's id)."""
    strings = vocab.strings
    getter = (vocab.lex_attr_getters or {}).get(LOWER)

    def lower_id(word: str) -> int:
        if word == "":
            return 0  # spaCy's empty lexeme
        if word in vocab:
            return vocab[word].lower
        value = getter(word) if getter is not None else None
        if isinstance(value, str):
            return strings[value]
        return 0 if value is None else int(value)

    return lower_id


def _unique(ids: numpy.ndarray) -> numpy.ndarray:
    """``numpy.unique(ids)`` of a non-empty 1-D array, in four C calls (``numpy.unique`` runs
    several Python frames per call: a fixed cost every document paid)."""
    out = numpy.sort(ids)
    keep = numpy.empty(len(out), dtype=bool)
    keep[0] = True
    numpy.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


def _merge(sorted_ids: numpy.ndarray, new: numpy.ndarray) -> numpy.ndarray:
    """The sorted union of a sorted id array and sorted ids it does not hold (one insert, in
    C: linear in the array, where ``union1d`` would sort everything again)."""
    return numpy.insert(sorted_ids, numpy.searchsorted(sorted_ids, new), new)


class ClinicalMatcher(Widener, CandidateFilters):
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
        # one C-level endswith rejects most words before the ordered per-suffix loop runs
        self._proc_suffix_ends = tuple(self.proc_suffixes)
        # lower-case form's hash -> (label, rule, category), or () for no rule; see
        # morphology_candidates
        self._morph_cache: dict[int, tuple[str, str, str | None] | tuple[()]] = {}
        # the memo's keys, and those with a rule, as sorted uint64 arrays (see there)
        self._morph_decided = numpy.zeros(0, dtype=numpy.uint64)
        self._morph_ruled = numpy.zeros(0, dtype=numpy.uint64)
        self.proc_exceptions = {w.lower() for w in morph["procedure_suffix_exceptions"]}
        self.proc_heads: dict[str, str] = morph["procedure_heads"]
        self.proc_heads_alone = set(morph["procedure_heads_alone"])
        self.proc_verbs: dict[str, str] = morph["procedure_verbs"]
        self.adj_suffixes = tuple(morph["adjective_suffixes"])
        self._any_head = {*self.proc_verbs, *self.dis_heads, *self.proc_heads}
        self._any_suffix = self._proc_suffix_ends + self.dis_suffixes
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
        cues = morph.get("negated_history_cues", [])
        self.negated_history = [re.compile(rx, re.IGNORECASE) for rx in cues]
        # what each cue needs in the text ("history"): most sentences hold none of it
        self.negated_history_needs = [required_literals(rx, re.IGNORECASE) for rx in cues]
        # annotators mark urgency and sequence ("emergent", "initial") apart from the mention
        self.left_excluded = {w.lower() for w in morph.get("left_excluded", [])}
        self.site_words = {
            w.lower() for forms in knowledge.body_sites.values() for f in forms for w in f.split()
        }
        self.modifier_words = {
            w for forms in knowledge.modifiers.values() for f in forms for w in re.split(r"[ -]", f)
        } | {f for forms in knowledge.modifiers.values() for f in forms}
        self._word_ids(vocab)
        self.terms: dict[str, Term] = {}
        self._term_by_id: dict[int, Term] = {}
        self.by_text = {t.text.lower(): t for t in knowledge.terms if not is_abbreviation(t.text)}
        # the wordings spelt backwards, sorted: which end with a text is one bisect (widen.py)
        self.term_ends = sorted(k[::-1] for k in self.by_text)
        self.lower_matcher = PhraseMatcher(vocab, attr="LOWER")
        self.orth_matcher = PhraseMatcher(vocab, attr="ORTH")
        self._add_terms(vocab, make_doc)

    def _word_ids(self, vocab: Vocab) -> None:
        """The word lists the per-candidate rules compare tokens with, as string ids: a token's
        ``LOWER`` id (``DocView.lower_list``) is in such a set exactly when its ``lower_`` is in
        the word list, and no string is built per token."""
        strings = vocab.strings

        def ids(words: Iterable[str]) -> frozenset[int]:
            return frozenset(strings[w] for w in words)

        self.anaphoric_ids = ids(self.anaphoric)
        self.anaphora_cue_ids = ids(self.anaphora_cues)
        self.organism_marker_ids = ids(self.organism_markers)
        self.coordinator_ids = ids(["and", "or", "/", "-"])
        self.test_noun_ids = ids(self.test_nouns)
        self.finding_head_ids = ids(self.finding_heads)
        self.medication_ids = ids(self.medication_words)
        self.therapy_head_ids = ids(["therapy", "therapies", "treatment", "treatments"])
        self.drug_modifier_ids = ids(self.drug_modifiers)
        self.specimen_ids = ids(self.specimen_words)
        self.needs_modifier_ids = ids(w for w, needs in self.dis_heads.items() if needs)
        self.heads_alone_ids = ids(self.proc_heads_alone)
        self._in_h, self._situ_h, self._of_h = strings["in"], strings["situ"], strings["of"]
        self._connector_ids = ids(["in", "non"])  # a widened mention never starts on these
        self.left_excluded_ids = ids(self.left_excluded)
        self.modifier_word_ids = ids(self.modifier_words)
        self.left_blocker_ids = ids(self.k.left_blockers)
        self.left_modifier_ids = ids(self.k.left_modifiers)
        self.site_word_ids = ids(self.site_words)
        # ORTH ids of the possessive and hyphen tokens the leftward widening reads the text of
        marks = {strings[w] for w in (*POSSESSIVES, *HYPHENS)}
        self._mark_ids = numpy.array(sorted(marks), dtype=numpy.uint64)
        # (LOWER id, label) -> Widener.left_kind, across documents (see there)
        self._left_cache: dict[tuple[int, str], int] = {}
        # diagnosis cues by the id of their first word, each cue as a tuple of ids
        self.cue_ids: dict[int, list[tuple[int, ...]]] = {}
        for first, cues in self.diagnosis_cues.items():
            self.cue_ids[strings[first]] = [tuple(strings[w] for w in cue) for cue in cues]
        self.cue_first_ids = numpy.array(sorted(self.cue_ids), dtype=numpy.uint64)
        self.cue_skip_ids = ids(self.cue_skip)
        self._paren_ids = (strings["("], strings[")"])

    def _add_terms(self, vocab: Vocab, make_doc: Callable[[str], Doc] | None) -> None:
        """Each term is added as the pipeline's tokenizer splits it (hyphenated words may stay
        whole) and as spaCy's default rules split it (hyphens apart), so both match; the token
        lists come from the on-disk cache (caseminer.nlp.clinical.phrases).

        A pattern is added as the sequence of its tokens' LOWER (or ORTH) ids, which
        ``PhraseMatcher.add`` takes in place of a Doc: the ids a Doc of these words would have,
        without building a Doc and a lexeme (every lexical attribute) for each new word."""
        lower_docs: dict[str, list[tuple[int, ...]]] = {}
        orth_docs: dict[str, list[tuple[int, ...]]] = {}
        lower_id = _lower_ids(vocab)
        strings = vocab.strings
        for i, (term, (abbreviation, token_lists)) in enumerate(
            zip(self.k.terms, cached_term_plan(self.k.terms, make_doc), strict=True)
        ):
            key = f"CM_TERM_{i}"
            self.terms[key] = term
            self._term_by_id[strings[key]] = term  # the match id PhraseMatcher reports
            if abbreviation:
                orth_docs[key] = [tuple(strings[w] for w in words) for words in token_lists]
            else:
                lower_docs[key] = [tuple(lower_id(w) for w in words) for words in token_lists]
        for key, patterns in lower_docs.items():
            self.lower_matcher.add(key, [p for p in patterns if p])
        for key, patterns in orth_docs.items():
            self.orth_matcher.add(key, [p for p in patterns if p])

    # ---- seeds -------------------------------------------------------------------------
    def vocab_candidates(self, doc: Doc) -> list[Candidate]:
        """Curated terms (case-insensitive, abbreviations case-sensitive)."""
        out = []
        by_id = self._term_by_id
        for matcher in (self.lower_matcher, self.orth_matcher):
            for match_id, start, end in matcher(doc):
                term = by_id[match_id]
                out.append(
                    Candidate(
                        start, end, term.label, term.normalized, "vocab", term.category, term.code
                    )
                )
        return out

    def morphology_candidates(self, doc: Doc, view: DocView | None = None) -> list[Candidate]:
        """Suffix, head-noun and verb rules over single tokens.

        The decision depends on the lower-case word alone, so it is made once per distinct word
        (remembered by its string id across documents) instead of once per token. The words
        decided so far, and those with a rule, are also kept as sorted id arrays: numpy finds
        a document's new words and its tokens with a rule (``DocView.positions``) in C, and
        only new words and the few ruled tokens take a Python step. (A dict lookup per token,
        hashing each 64-bit id, was the component's most expensive line.)"""
        view = DocView(doc) if view is None else view
        if not view.n:
            return []
        cache = self._morph_cache
        if len(cache) > MORPH_CACHE_SIZE:
            cache.clear()
            self._morph_decided = self._morph_ruled = numpy.zeros(0, dtype=numpy.uint64)
        words = _unique(view.lower)
        decided = self._morph_decided
        if len(decided):
            at = decided.searchsorted(words)
            numpy.minimum(at, len(decided) - 1, out=at)
            words = words[decided[at] != words]
        if len(words):  # words no document had before: decide them
            strings = doc.vocab.strings
            ruled = []
            for word in words.tolist():
                rule = cache.get(word)
                if rule is None:
                    rule = cache[word] = self._morph_rule(strings[word]) or ()
                if rule:
                    ruled.append(word)
            self._morph_decided = _merge(decided, words)
            if ruled:
                found = numpy.array(ruled, dtype=numpy.uint64)
                self._morph_ruled = _merge(self._morph_ruled, numpy.sort(found))
        positions = view.positions(view.lower, self._morph_ruled)
        out = []
        for i, word in zip(positions, view.lower[positions].tolist(), strict=True):
            label, rule, category = cache[word]
            out.append(Candidate(i, i + 1, label, None, rule, category))
        return out

    def _morph_rule(self, low: str) -> tuple[str, str, str | None] | None:
        """(label, rule, category) the word-shape rules give one lower-cased word, or None."""
        if len(low) < 4 or not _is_word(low):
            return None
        if "-" in low:  # hyphenated token kept whole: judge it by its last part
            if low.startswith(self.drug_prefixes):
                return None
            low = low.rsplit("-", 1)[1]
        # most words are neither a head nor end with a suffix: two C-level tests say so
        if low not in self._any_head and not low.endswith(self._any_suffix):
            return None
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

    def cue_candidates(self, doc: Doc, view: DocView | None = None) -> list[Candidate]:
        """An undefined abbreviation named as a diagnosis: "diagnosis of ECF", "suspected of having
        JLNS", "consistent with ATM". Case reports often define such short forms only in the title
        or abstract, so the cue phrase is the only evidence that the letters name a condition.
        Words are compared as string ids, at the tokens numpy finds a cue's first word on."""
        view = DocView(doc) if view is None else view
        out: list[Candidate] = []
        n = view.n
        lows = view.lower_list
        for i in view.positions(view.lower, self.cue_first_ids):
            for cue in self.cue_ids[lows[i]]:
                if tuple(lows[i : i + len(cue)]) != cue:
                    continue
                k = i + len(cue)
                while k < n and k - i - len(cue) < 4 and lows[k] in self.cue_skip_ids:
                    k += 1
                if k < n and self._is_condition_abbreviation(doc, k):
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
        if not low.endswith(self._proc_suffix_ends):
            return None
        for suffix, cat in self.proc_suffixes.items():
            if low.endswith(suffix) and len(low) > len(suffix) + 2:
                return cat
        return None

    # ---- abbreviations ----------------------------------------------------------------
    def abbreviation_candidates(
        self, doc: Doc, found: list[Candidate], view: DocView | None = None
    ) -> list[Candidate]:
        """Short forms whose long form is a mention: from doc._.abbreviations, else "(ABBR)".
        Their uses are looked up among the tokens whose string id is a short form's (or its
        plural's), found with numpy, not by reading every token's text."""
        view = DocView(doc) if view is None else view
        n, idx, ends = view.n, view.idx, view.ends
        pairs: dict[str, Candidate] = {}
        offsets = abbreviation_offsets(doc)
        if offsets is None:
            self._defined_pairs(doc, found, view, pairs)
        elif offsets:  # as _defined_pairs, from the token offsets (no Span per short form)
            index = RangeIndex([(idx[c.start], ends[c.end - 1]) for c in found])
            for s, e, ls, le in offsets:
                k = index.first_overlapping(idx[ls], ends[le - 1])
                if k is not None:
                    pairs.setdefault(view.span_text(s, e), found[k])
        text_of = view.token_text
        # "(" and ")" compared as LOWER ids: no other text lower-cases to either
        lower, open_id, close_id = view.lower_list, self._paren_ids[0], self._paren_ids[1]
        for cand in found:
            if cand.rule == "cue":  # "diagnosis of ECF": every later "ECF" too
                pairs.setdefault(text_of(cand.end - 1), cand)
            j = cand.end
            if j + 2 < n and lower[j] == open_id and lower[j + 2] == close_id:
                short = text_of(j + 1)
                if is_abbreviation(short) and short.isalpha() is not False:
                    pairs.setdefault(short, cand)
        out: list[Candidate] = []
        if not pairs:
            return out
        # a use is a token spelt as a short form or as its plural (the test below decides)
        strings = doc.vocab.strings
        spelt = numpy.array(
            sorted({strings[f] for short in pairs for f in (short, short + "s")}),
            dtype=numpy.uint64,
        )
        for i in view.positions(view.orth, spelt):
            text = text_of(i)
            base = text[:-1] if text.endswith("s") and text[:-1] in pairs else text
            cand = pairs.get(base)
            if cand is None or not is_abbreviation(base):
                continue
            out.append(
                Candidate(
                    i,
                    i + 1,
                    cand.label,
                    cand.normalized or view.norm(cand.start, cand.end),
                    "abbreviation",
                    cand.category,
                    cand.code,
                )
            )
        return out

    @staticmethod
    def _defined_pairs(
        doc: Doc, found: list[Candidate], view: DocView, pairs: dict[str, Candidate]
    ) -> None:
        """Short form text -> the mention its defined long form overlaps, from the Spans of
        ``doc._.abbreviations`` (whatever extension wrote them)."""
        shorts = _doc_abbreviations(doc)
        if shorts:  # the mentions' character ranges, indexed only when there is a definition
            idx, ends = view.idx, view.ends
            index = RangeIndex([(idx[c.start], ends[c.end - 1]) for c in found])
            for short in shorts:
                long_form = getattr(short._, "long_form", None)
                if long_form is None:
                    continue
                # not a scan
                k = index.first_overlapping(long_form.start_char, long_form.end_char)
                if k is not None:
                    pairs.setdefault(short.text, found[k])

    # ---- all together ------------------------------------------------------------------
    def __call__(self, doc: Doc, view: DocView | None = None) -> list[Candidate]:
        """The resolved candidates of ``doc`` (``view``: its DocView, when the caller has one)."""
        view = DocView(doc) if view is None else view
        cands = self.vocab_candidates(doc)
        if self.use_morphology:
            cands += self.morphology_candidates(doc, view)
            cands += self.cue_candidates(doc, view)
        widened = self.widen_all(doc, cands, view)
        widened = [c for c in widened if not self.is_other_item(view, c)]
        resolved = resolve_overlaps(widened)
        resolved += self.abbreviation_candidates(doc, resolved, view)
        final = resolve_overlaps(resolved)
        for cand in final:  # kept, and marked: "no history of X" says the patient had no X
            cand.negated_cue = self.negated_history_cue(view, cand)
        return final
