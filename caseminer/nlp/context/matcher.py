"""Match the cue families (caseminer.nlp.context.families) on a Doc, one PhraseMatcher pass.

Why a matcher of our own next to medspaCy's: family phrases are spelled over match keys, where a
word of a class matched as a class (lexicon.json ``matched_as_class``: adverbs, modals, "not")
stands for its class ("@adverb"), and so does a token of a listed shape ("dddd" is "@year").

The PhraseMatcher matches on ``NORM``: for the one matching call, each token's NORM is set to its
key (its lower-case form, or its class), then every token's NORM is put back as it was, so the
user's Doc leaves unchanged. Building a separate view Doc per document cost ten times more
(measured: 47 ms against 5 ms over the 100 MACCROBAT dev texts); it is built only when the Doc
has whitespace tokens (line breaks), which a cue may straddle. One rule per family: all its
phrases are patterns of one PhraseMatcher key, so adding a wording adds no rule.
"""

from __future__ import annotations

from typing import Any

import numpy
from spacy.attrs import IS_SPACE, LOWER, NORM, SHAPE
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from caseminer.nlp.context.families import Family, Lexicon


class FamilyMatcher:
    """Finds family cues; ``rule_map`` maps each match key to its ``ConTextRule``."""

    def __init__(self, vocab: Vocab, families: list[Family], lexicon: Lexicon, taken: set[str]):
        """``taken``: phrases (lower case) already owned by someone else; updated with ours."""
        from medspacy.context import ConTextRule

        self.vocab = vocab
        self.lexicon = lexicon
        self.matcher = PhraseMatcher(vocab, attr="NORM")
        self.rule_map: dict[str, Any] = {}
        self.phrases: dict[str, str] = {}  # phrase -> family name
        for family in families:
            docs = []
            for phrase in family.phrases(lexicon):
                if phrase in taken:
                    continue
                taken.add(phrase)
                self.phrases[phrase] = family.name
                docs.append(_pattern_doc(vocab, phrase.split()))
            if not docs:
                continue
            key = f"caseminer_family_{family.name}"
            self.rule_map[key] = ConTextRule(
                literal=family.name,
                category=family.category,
                direction=family.direction,
                allowed_types=family.targets,
                max_scope=family.max_scope,
                metadata=family.metadata(),
            )
            self.matcher.add(key, docs)
        strings = vocab.strings
        pairs = sorted((strings.add(w), strings.add(c)) for w, c in lexicon.class_of.items())
        self._class_words = numpy.array([w for w, _ in pairs], dtype=numpy.uint64)
        self._class_keys = numpy.array([c for _, c in pairs], dtype=numpy.uint64)
        self._shapes = [
            (strings.add(shape), strings.add(c)) for shape, c in lexicon.shape_classes.items()
        ]

    def keys(self, doc: Doc) -> numpy.ndarray:
        """Match key of every token (hashes): its lower-case form, or its class."""
        lower = doc.to_array(LOWER).astype(numpy.uint64)
        if len(self._class_words):
            hit = numpy.flatnonzero(numpy.isin(lower, self._class_words))
            if len(hit):
                lower[hit] = self._class_keys[numpy.searchsorted(self._class_words, lower[hit])]
        if self._shapes:
            shapes = doc.to_array(SHAPE).astype(numpy.uint64)
            for shape, key in self._shapes:
                lower[shapes == numpy.uint64(shape)] = key
        return lower

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        if not len(doc):
            return []
        keys = self.keys(doc)
        space = doc.to_array(IS_SPACE).astype(bool)
        if any(_inside_sentence(doc, i) for i in numpy.flatnonzero(space)):
            return self._match_without_space(keys, space)
        saved = doc.to_array([NORM])
        try:
            doc.from_array([NORM], keys.reshape(-1, 1))
            return list(self.matcher(doc))
        finally:
            doc.from_array([NORM], saved)

    def _match_without_space(
        self, keys: numpy.ndarray, space: numpy.ndarray
    ) -> list[tuple[int, int, int]]:
        """Match on a view without whitespace tokens, so a cue broken by a line break ("until\n
        2006", "was not\nseen") is found; offsets are mapped back to the Doc's tokens."""
        kept = numpy.flatnonzero(~space)
        if not len(kept):
            return []
        strings = self.vocab.strings
        view = Doc(self.vocab, words=[strings[int(k)] for k in keys[kept]])
        view.from_array([NORM], keys[kept].reshape(-1, 1))
        return [
            (match_id, int(kept[start]), int(kept[end - 1]) + 1)
            for match_id, start, end in self.matcher(view)
        ]

    def rules(self) -> list[Any]:
        """One ConTextRule per family (its phrases are the PhraseMatcher patterns of its key)."""
        return list(self.rule_map.values())


# after these (or at the start) a line break cannot split a cue: no view is needed for it
_ENDS = frozenset({".", "!", "?", ":", ";"})


def _inside_sentence(doc: Doc, i: int) -> bool:
    """Whether the whitespace token ``i`` lies inside a sentence (a wrapped line), where a cue
    may straddle it; paragraph breaks after a full stop do not count."""
    return i > 0 and not doc[i - 1].is_space and doc[i - 1].text not in _ENDS


def _pattern_doc(vocab: Vocab, words: list[str]) -> Doc:
    """A pattern Doc whose NORMs are its words (already match keys). A token's NORM defaults to
    its lexeme's norm, which is the word itself unless a norm exception says otherwise; only
    then are the NORMs set (setting them always doubled the build time)."""
    doc = Doc(vocab, words=words)
    if any(t.norm_ != w for t, w in zip(doc, words, strict=True)):
        norms = numpy.array([[vocab.strings.add(w)] for w in words], dtype=numpy.uint64)
        doc.from_array([NORM], norms)
    return doc
