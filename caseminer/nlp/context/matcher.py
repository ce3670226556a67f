"""Find ConText cues on a Doc: phrase tries over token hashes, built once and cached on disk.

Why not spaCy's PhraseMatcher: it needs a pattern Doc per phrase, and building 6,000 of them (the
cue families' phrases and the literal rules) was most of the component's build in every fresh
process. A trie of plain dicts keyed by string hashes is plain data: ``caseminer.nlp.diskcache``
stores it and a cold start reads it back in milliseconds. Matching walks the trie from the
positions where a phrase can start, with the same result as the PhraseMatcher: every
(phrase, start, end) whose tokens spell the phrase, overlapping ones included.

Two kinds of phrases, two tries:
- the cue families (caseminer.nlp.context.families) are spelled over match keys, where a word of
  a class matched as a class (lexicon.json ``matched_as_class``: adverbs, modals, "not") stands
  for its class ("@adverb"), and so does a token of a listed shape ("dddd" is "@year"). When the
  Doc has whitespace tokens inside a sentence (a wrapped line), the families are matched on the
  tokens without them, so a cue broken by a line break ("until\\n2006", "was not\\nseen") is found;
- the literal rules (rules.json, medspaCy's defaults) match the lower-case token texts, as
  medspaCy's matcher does, with each literal tokenized by the pipeline's own tokenizer.
A trie node is a dict {token hash: child}; key ``LEAF`` holds the rule index a phrase ends with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import compress
from operator import itemgetter
from typing import Any

import numpy
from spacy.attrs import IS_SPACE, LOWER, ORTH, SENT_START, SHAPE
from spacy.strings import get_string_id
from spacy.tokens import Doc

from caseminer.nlp.context.families import Lexicon
from caseminer.nlp.doc_arrays import token_table

# what ``CueMatcher.arrays`` reads in one ``to_array`` (columns in this order)
ARRAY_COLUMNS = [LOWER, IS_SPACE, ORTH, SHAPE, SENT_START]

LEAF = -1  # string hashes are unsigned, so -1 never collides with a token
Trie = dict[int, Any]
Match = tuple[int, int, int]  # (rule index, start token, end token)


def add_phrase(trie: Trie, words: Iterable[str], rule: int) -> None:
    """Add one phrase (its token texts, already in the trie's key space) ending in ``rule``."""
    node = trie
    for word in words:
        node = node.setdefault(get_string_id(word), {})
    node.setdefault(LEAF, rule)  # a phrase has one meaning: the first rule that spells it


def find(trie: Trie, keys: Sequence[int], starts: Sequence[int] | None = None) -> list[Match]:
    """Every phrase of ``trie`` spelled by ``keys[start:end]``, by start, then by length; with
    ``starts`` (ascending), only the phrases starting there.
    (``in`` tests rather than ``dict.get`` calls: this loop runs for every token.)"""
    out: list[Match] = []
    n = len(keys)
    pairs: Iterable[tuple[int, int]] = enumerate(keys)
    if starts is not None:
        pairs = zip(starts, map(keys.__getitem__, starts), strict=True)
    for i, key in pairs:
        if key not in trie:
            continue
        node = trie[key]
        j = i + 1
        while True:
            if LEAF in node:
                out.append((node[LEAF], i, j))
            if j >= n:
                break
            key = keys[j]
            if key not in node:
                break
            node = node[key]
            j += 1
    return out


# after these (or at the start) a line break cannot split a cue: no view is needed for it
_ENDS = frozenset(get_string_id(p) for p in (".", "!", "?", ":", ";"))


class CueMatcher:
    """The family and literal tries, and how a Doc's tokens become their keys."""

    def __init__(self, family_trie: Trie, literal_trie: Trie, lexicon: Lexicon):
        self.family_trie = family_trie
        self.literal_trie = literal_trie
        self.class_of = {get_string_id(w): get_string_id(c) for w, c in lexicon.class_of.items()}
        self.shapes = [
            (get_string_id(shape), get_string_id(c)) for shape, c in lexicon.shape_classes.items()
        ]
        # the LOWER hashes whose family key (``family_keys``: the word, or its class) starts a
        # family phrase, so one pass over the LOWER hashes finds where a family cue can start
        roots = {k for k in family_trie if k != LEAF}
        self.family_firsts = frozenset(
            {h for h in roots if h not in self.class_of}
            | {w for w, c in self.class_of.items() if c in roots}
        )
        # ... and the words a cue of either kind can start with
        self.any_firsts = frozenset(k for k in literal_trie if k != LEAF) | self.family_firsts

    def arrays(self, doc: Doc) -> tuple[list[int], numpy.ndarray]:
        """The LOWER hash of every token, and the Doc's ``[LOWER, IS_SPACE, ORTH, SHAPE,
        SENT_START]`` array (everything the component reads per token, the sentence starts
        included): the first columns of the Doc's shared token table, whose leading columns are
        ``ARRAY_COLUMNS`` (``caseminer.nlp.doc_arrays``; both are shared: read only)."""
        table = token_table(doc)
        return table.lower, table.array[:, : len(ARRAY_COLUMNS)]

    def family_keys(self, lower: list[int], arr: numpy.ndarray) -> list[int]:
        """Match key of every token (hashes): its lower-case form, its class, or its shape's."""
        get = self.class_of.get
        keys = list(map(get, lower, lower))  # get(h, h): the class, or the word itself
        shapes = arr[:, 3]
        for shape, key in self.shapes:
            for i in (shapes == numpy.uint64(shape)).nonzero()[0].tolist():
                keys[i] = key
        return keys

    def families(self, lower: list[int], arr: numpy.ndarray) -> list[Match]:
        """Family cues, on the tokens without whitespace when a line break splits a sentence."""
        if not self.family_trie or not lower:
            return []
        keys = self.family_keys(lower, arr)
        space = arr[:, 1]
        spaces = space.nonzero()[0].tolist()
        orth = arr[:, 2]
        if not any(i > 0 and not space[i - 1] and int(orth[i - 1]) not in _ENDS for i in spaces):
            return find(self.family_trie, keys)
        kept = (space == 0).nonzero()[0].tolist()
        if not kept:
            return []
        return [
            (rule, kept[start], kept[end - 1] + 1)
            for rule, start, end in find(self.family_trie, [keys[i] for i in kept])
        ]

    def literals(self, lower: list[int]) -> list[Match]:
        return find(self.literal_trie, lower) if self.literal_trie else []

    def literals_and_families(
        self, lower: list[int], arr: numpy.ndarray
    ) -> tuple[list[Match], list[Match]]:
        """``(self.literals(lower), self.families(lower, arr))`` in one pass over the tokens.

        Why: each of the two walks (and the family keys before them) was a Python step per
        token, and most tokens start no cue of either kind. Here a token is tested against the
        literal trie's first words and against ``family_firsts`` (the words whose family key
        starts a family phrase); the family key of a word is worked out only inside a walk.
        A token of a listed shape has its shape class as key whatever its word, so those few
        positions are walked apart and their matches put in start order (a stable sort keeps
        each start's matches in walk order). When a line break splits a sentence, the families
        are matched on the tokens without white space (``families``)."""
        if not lower:
            return [], []
        space = arr[:, 1]
        spaces = space.nonzero()[0].tolist()
        orth = arr[:, 2]
        joined = any(i > 0 and not space[i - 1] and int(orth[i - 1]) not in _ENDS for i in spaces)
        literal_trie, family_trie = self.literal_trie, self.family_trie
        if joined or not family_trie:
            return self.literals(lower), self.families(lower, arr)
        shaped: dict[int, int] = {}
        if self.shapes:
            shapes = arr[:, 3]
            for shape, key in self.shapes:
                for i in (shapes == numpy.uint64(shape)).nonzero()[0].tolist():
                    shaped[i] = key
        firsts = self.family_firsts
        class_get = self.class_of.get
        fam: list[Match] = []
        # the positions whose word can start a cue of either kind, selected at C level (a
        # set test mapped over the hashes): only those take a Python step
        maybe = list(compress(range(len(lower)), map(self.any_firsts.__contains__, lower)))
        lit = find(literal_trie, lower, maybe)
        for i in maybe:
            h = lower[i]
            if h in firsts and i not in shaped:
                self._walk_family(lower, shaped, class_get, i, class_get(h, h), fam)
        if shaped:
            for i in sorted(shaped):
                self._walk_family(lower, shaped, class_get, i, shaped[i], fam)
            fam.sort(key=_start)
        return lit, fam

    def _walk_family(
        self,
        lower: list[int],
        shaped: dict[int, int],
        class_get: Any,
        i: int,
        key: int,
        out: list[Match],
    ) -> None:
        """``find``'s walk from token ``i`` (family key ``key``) in the family trie, each next
        token's key made as ``family_keys`` makes it (shape class, else class, else word)."""
        node = self.family_trie.get(key)
        if node is None:
            return
        n = len(lower)
        j = i + 1
        while True:
            if LEAF in node:
                out.append((node[LEAF], i, j))
            if j >= n:
                break
            key = shaped.get(j) if shaped else None
            if key is None:
                key = class_get(lower[j], lower[j])
            if key not in node:
                break
            node = node[key]
            j += 1


def literal_trie(rules: Sequence[Any], tokens: dict[str, list[str]], first: int) -> Trie:
    """The trie of the literal rules (pattern None) among ``rules``, rule ``i`` stored as
    ``first + i``; ``tokens`` maps each lower-cased literal to its token texts."""
    trie: Trie = {}
    for i, rule in enumerate(rules):
        if rule.pattern is None:
            add_phrase(trie, (t.lower() for t in tokens[rule.literal.lower()]), first + i)
    return trie


def prune_overlaps(matches: list[Match]) -> list[Match]:
    """medspaCy's ``prune_overlapping_matches`` (longest wins): sort by (start, end); of two
    neighbours that overlap keep the longer (the earlier on a tie) and skip past both; repeat
    until a pass removes nothing."""
    while matches:
        ordered = sorted(matches, key=_span_order)
        kept: list[Match] = []
        i, n = 0, len(ordered)
        current = ordered[0]
        i = 1
        while True:
            if i >= n:
                kept.append(current)
                break
            nxt = ordered[i]
            i += 1
            # _overlap(current, nxt), inlined (a call per neighbour pair was most of the cost)
            if current[1] <= nxt[1] < current[2] or current[1] < nxt[2] <= current[2]:
                kept.append(nxt if nxt[2] - nxt[1] > current[2] - current[1] else current)
                if i >= n:
                    break
                current = ordered[i]
                i += 1
            else:
                kept.append(current)
                current = nxt
        if len(kept) == len(matches):
            return kept
        matches = kept
    return matches


_span_order = itemgetter(1, 2)
_start = itemgetter(1)


def _overlap(a: Match, b: Match) -> bool:
    """medspaCy's ``tuple_overlaps`` on the token ranges of two matches."""
    return a[1] <= b[1] < a[2] or a[1] < b[2] <= a[2]
