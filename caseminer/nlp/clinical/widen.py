"""Widening: grow a seed mention to the span an annotator marks.

Left: modifiers, body sites, adjectives and eponyms ("infiltrating ductal breast cancer", "Gaucher
disease"), but not the temporal and urgency words MACCROBAT annotators leave outside ("acute",
"emergent", "initial"). Right: "of the femoral head", "in situ". Generic heads ("disease",
"therapy") only count with a modifier. A mixin of ClinicalMatcher: it reads the matcher's
vocabularies (``self.k``, ``self.site_words``, ...).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from spacy.tokens import Doc

from caseminer.nlp.clinical.candidate import (
    DIAGNOSIS,
    HYPHENS,
    MAX_LEFT,
    MAX_RIGHT,
    MORPH_CACHE_SIZE,
    POSSESSIVES,
    PROCEDURE,
    Candidate,
    _is_word,
)
from caseminer.nlp.clinical.view import DocView

# what a word is to the left of a head (Widener.left_kind)
LEFT_NO, LEFT_YES, LEFT_EPONYM = 0, 1, 2


class Widener:
    """Widening rules (see the module docstring)."""

    def needs_modifier(self, view: DocView, cand: Candidate) -> bool:
        """Generic heads ("disease", "failure", "therapy") only count with a modifier. The
        word lists are compared as string ids (``needs_modifier_ids``, ``heads_alone_ids``): a
        token's LOWER id is a listed word's id exactly when its lower-case form is the word."""
        if cand.rule != "head":
            return False
        if cand.label == DIAGNOSIS:
            return view.lower_list[cand.start] in self.needs_modifier_ids
        return view.lower_list[cand.start] not in self.heads_alone_ids

    def ends_no_term(self, view: DocView, start: int, end: int) -> bool:
        """True when no curated wording (``by_text``) ends with ``view.norm(start, end)``:
        then ``norm(i, end)`` is no wording for any ``i <= start`` either, because it ends
        with ``norm(start, end)`` (lower-casing is per character, white space is folded and
        dropped around hyphens the same way in the longer text; a token starts with no white
        space). The one context-dependent lower-casing, the Greek final sigma, makes this
        False (no claim) for a text holding a capital sigma. A bisect in the reversed wordings."""
        sigma = view.memo.get(("sigma",))
        if sigma is None:
            sigma = view.memo[("sigma",)] = "Σ" in view.text
        if sigma:
            return False
        tail = view.norm(start, end)[::-1]
        ends = self.term_ends
        k = bisect_left(ends, tail)
        return k >= len(ends) or not ends[k].startswith(tail)

    def is_left_modifier(self, view: DocView, j: int, label: str) -> bool:
        """Could token ``j`` be part of the mention, to the left of its head? Decided by its
        word (``left_kind``) and, for a possible eponym, by whether the token is title case,
        no stop word and no flagged sentence start (``DocView.proper``): no Token is built."""
        kind = self.left_kind(view, view.lower_list[j], label)
        return kind == LEFT_YES or (kind == LEFT_EPONYM and j in view.proper)

    def left_kind(self, view: DocView, h: int, label: str) -> int:
        """What the word with LOWER id ``h`` is to the left of a ``label`` head: ``LEFT_YES``,
        ``LEFT_NO`` or ``LEFT_EPONYM`` (a modifier only as an eponym: "Gaucher disease").
        The word lists, the suffix test and the length test depend on the word alone, so the
        answer is remembered per word and label across documents (cleared past
        ``MORPH_CACHE_SIZE``, as the morphology memo)."""
        cache = self._left_cache
        found = cache.get((h, label))
        if found is None:
            if len(cache) > MORPH_CACHE_SIZE:
                cache.clear()
            found = cache[(h, label)] = self._left_kind(view.doc.vocab.strings[h], h, label)
        return found

    def _left_kind(self, low: str, h: int, label: str) -> int:
        """``left_kind`` worked out (the word tests of the former per-token rule, in order)."""
        if h in self.left_excluded_ids:
            return LEFT_NO
        if label == PROCEDURE and h in self.modifier_word_ids:
            return LEFT_YES
        if h in self.left_blocker_ids:
            return LEFT_NO
        if h in self.left_modifier_ids or h in self.site_word_ids:
            return LEFT_YES
        if not _is_word(low):
            return LEFT_NO
        if len(low) >= 5 and low.endswith(self.adj_suffixes):
            return LEFT_YES
        # eponyms: "Gaucher disease", "Cowden syndrome" (title case, not a stop word, not a
        # sentence start: DocView.proper)
        return LEFT_EPONYM if len(low) >= 3 else LEFT_NO

    def extend_left(self, view: DocView, start: int, label: str) -> int:
        """How far left of ``start`` the mention reaches. It depends on the start and the
        label only, and several seeds share both (a curated term and a word-shape rule on the
        same word), so it is worked out once per document (``DocView.memo``)."""
        key = ("left", start, label)
        found = view.memo.get(key)
        if found is None:
            found = view.memo[key] = self._extend_left(view, start, label)
        return found

    def _extend_left(self, view: DocView, start: int, label: str) -> int:
        # what every walk of the document reads, gathered once per document (DocView.memo)
        setup = view.memo.get(("left walk",))
        if setup is None:
            starts = view._starts if view.has_sents else None
            setup = (view.spaces, self._marks(view), view.lower_list, view.proper, starts)
            view.memo[("left walk",)] = setup
        spaces, marks, lower, proper, starts = setup
        # view.sent_start(start), inlined: this runs for every seed
        sent_start = starts[bisect_right(starts, start) - 1] if starts is not None else 0
        cache = self._left_cache
        i = start
        if i - 1 >= sent_start:
            j = i - 1
            if j not in spaces and j not in marks:
                # the usual first step: a plain word that is no modifier ends the walk at once
                kind = cache.get((lower[j], label))
                if (
                    kind is not None
                    and kind != LEFT_YES
                    and not (kind == LEFT_EPONYM and j in proper)
                ):
                    return start
        doc, text_of = view.doc, view.token_text
        idx, ends = view.idx, view.ends
        while i - 1 >= sent_start and start - i < MAX_LEFT:
            j = i - 1
            if j in spaces:
                if text_of(j).count("\n") <= 1 and i - 2 >= sent_start:
                    i -= 1  # a line break inside the mention (PDF-to-text output)
                    continue
            elif j in marks:  # the token is spelt as a possessive or a hyphen
                text = text_of(j)
                if text in POSSESSIVES and i - 2 >= sent_start and doc[i - 2].is_title:
                    i -= 2
                    continue
                # (a token is followed by white space exactly when the next one starts later)
                if text in HYPHENS and ends[j] == idx[j + 1] and i - 2 >= sent_start:
                    prev = doc[i - 2]
                    if ends[i - 2] == idx[i - 1] and (prev.is_alpha or prev.like_num):
                        i -= 2
                        continue
                    break
            kind = cache.get((lower[j], label))
            if kind is None:
                kind = self.left_kind(view, lower[j], label)
            if kind == LEFT_YES or (kind == LEFT_EPONYM and j in proper):
                i -= 1
                continue
            break
        # never start on a connector
        while i < start and (
            i in spaces or lower[i] in self._connector_ids or text_of(i) in HYPHENS
        ):
            i += 1
        return i

    def _marks(self, view: DocView) -> frozenset[int]:
        """Positions of the tokens spelt as a possessive or a hyphen (found in C, once per
        document): only there does the leftward walk need the token's text. A white-space
        token is neither, so the walk's first test (``spaces``) is unaffected."""
        found = view.memo.get(("marks",))
        if found is None:
            found = view.memo[("marks",)] = frozenset(view.positions(view.orth, self._mark_ids))
        return found

    def _qualifier_noun(self, view: DocView, start: int) -> int:
        """One plain noun before a generic head: "carnitine deficiency", "CNS disease"."""
        doc = view.doc
        if start == 0 or (view.has_sents and doc[start].is_sent_start):
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

    def extend_right(self, view: DocView, end: int, label: str) -> int:
        """Absorb "of the femoral head", "in situ" (once per end and document, as for
        ``extend_left``)."""
        key = ("right", end)
        found = view.memo.get(key)
        if found is None:
            found = view.memo[key] = self._extend_right(view, end)
        return found

    def _extend_right(self, view: DocView, end: int) -> int:
        doc, n = view.doc, view.n
        if end >= n:
            return end
        low = view.lower_list[end]
        if low == self._in_h and end + 1 < n and view.lower_list[end + 1] == self._situ_h:
            return end + 2
        if low != self._of_h:
            return end
        sent_end = view.sent_end(end) if view.has_sents else n
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

    def widen(self, doc: Doc, cand: Candidate, view: DocView | None = None) -> Candidate | None:
        """Grow a seed to the annotator's span (``view``: the Doc's ``DocView``, built here when
        the caller has none)."""
        view = DocView(doc) if view is None else view
        # (the join needs a white-space token among the four before the seed)
        if view.space_list and view.any_space(cand.start - 4, cand.start):
            self._join_broken_term(view, cand)
        memo = view.memo
        # extend_left and extend_right, with their memo read here (once per seed)
        key = ("left", cand.start, cand.label)
        start = memo.get(key)
        if start is None:
            start = memo[key] = self._extend_left(view, cand.start, cand.label)
        # "captopril therapy": a noun before a treatment head is usually a drug, so only
        # diagnoses and non-drug procedures take a bare qualifier noun
        qualifiable = cand.category != "therapeutic"
        needs_modifier = cand.rule == "head" and self.needs_modifier(view, cand)
        if start == cand.start and needs_modifier and qualifiable:
            start = self._qualifier_noun(view, start)
            if cand.label == PROCEDURE and start < cand.start:
                # tests are named by noun compounds: "latex agglutination test"
                start = self._qualifier_noun(view, start)
        if needs_modifier and start == cand.start:
            return None
        key = ("right", cand.end)
        end = memo.get(key)
        if end is None:
            end = memo[key] = self._extend_right(view, cand.end)
        if start < cand.start:
            self._renormalize(view, cand, start)
        # a mention never starts or ends on white space (line breaks of PDF-to-text output)
        spaces = view.spaces
        while start < end - 1 and start in spaces:
            start += 1
        while end - 1 > start and end - 1 in spaces:
            end -= 1
        cand.start, cand.end = start, end
        return cand

    def widen_all(self, doc: Doc, cands: list[Candidate], view: DocView) -> list[Candidate]:
        """``[w for c in cands if (w := self.widen(doc, c, view)) is not None]``, with what
        every seed reads (the view's memo, columns and word lists) looked up once per document
        and ``needs_modifier`` asked inline: the same steps in the same order, without the
        per-seed calls and lookups (``test_widen_all_is_widen``)."""
        memo = view.memo
        space_list, spaces, lower = view.space_list, view.spaces, view.lower_list
        any_space = view.any_space
        needs_ids, alone_ids = self.needs_modifier_ids, self.heads_alone_ids
        extend_left, extend_right = self._extend_left, self._extend_right
        out: list[Candidate] = []
        for cand in cands:
            if space_list and any_space(cand.start - 4, cand.start):
                self._join_broken_term(view, cand)
            seed, label = cand.start, cand.label
            key = ("left", seed, label)
            start = memo.get(key)
            if start is None:
                start = memo[key] = extend_left(view, seed, label)
            needs = False
            if cand.rule == "head":  # needs_modifier
                h = lower[seed]
                needs = h in needs_ids if label == DIAGNOSIS else h not in alone_ids
            if needs and start == seed:
                if cand.category != "therapeutic":
                    start = self._qualifier_noun(view, start)
                    if label == PROCEDURE and start < seed:
                        start = self._qualifier_noun(view, start)
                if start == seed:
                    continue
            key = ("right", cand.end)
            end = memo.get(key)
            if end is None:
                end = memo[key] = extend_right(view, cand.end)
            if start < seed:
                self._renormalize(view, cand, start)
            if spaces:
                while start < end - 1 and start in spaces:
                    start += 1
                while end - 1 > start and end - 1 in spaces:
                    end -= 1
            cand.start, cand.end = start, end
            out.append(cand)
        return out

    def _join_broken_term(self, view: DocView, cand: Candidate) -> None:
        """A curated term broken by a line break ("resection\narthroplasty") is one mention."""
        low = max(0, cand.start - 4)
        if not view.any_space(low, cand.start):
            return  # no line break just before the seed: nothing to join
        spaces = view.spaces
        for i in range(low, cand.start):
            if i in spaces or not view.any_space(i, cand.start):
                continue
            term = self.by_text.get(view.norm(i, cand.end))
            if term is not None and term.label == cand.label:
                cand.start = i
                cand.name_by(term)
                return

    def _renormalize(self, view: DocView, cand: Candidate, start: int) -> None:
        """'hip' + 'replacement' widened: name it by the longest curated term it ends with.
        The term depends on the token range and the label only, and seeds of one word often
        widen alike, so it is looked up once per document (``DocView.memo``)."""
        key = ("renormalize", start, cand.start, cand.end, cand.label)
        if key in view.memo:
            term = view.memo[key]
        else:
            term = view.memo[key] = self._longest_term(view, cand, start)
        if term is not None:
            cand.name_by(term)

    def _longest_term(self, view: DocView, cand: Candidate, start: int) -> Any:
        """The curated term of ``cand``'s label that the widest of the spans from ``start``
        (up to the seed's start) to the seed's end spells, or None (at once when two or more
        spans are to be tried and no wording ends with the narrowest: ``ends_no_term``)."""
        if cand.start - start >= 2 and self.ends_no_term(view, cand.start - 1, cand.end):
            return None
        for i in range(start, cand.start):
            term = self.by_text.get(view.norm(i, cand.end))
            if term is not None and term.label == cand.label:
                return term
        return None
