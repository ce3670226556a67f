"""The steps of scispaCy's abbreviation detection, run on a Doc's token arrays.

scispaCy's ``AbbreviationDetector`` finds "long form (SF)" definitions (Schwartz & Hearst) with a
``( + )`` Matcher, then slices the Doc into Spans and walks Tokens per candidate, and looks up
every later use of a short form with a global Matcher that gets one pattern per definition. Each
of those makes spaCy objects per token; these classes take the same steps on plain arrays and
strings, with the same results (``caseminer.nlp.abbreviations.detect``, scispaCy's own steps,
stays as the reference the tests compare them with on every corpus text):
``ParenthesisMatcher`` (the bracket pairs scispaCy keeps), ``OrthSequenceMatcher`` (later uses),
``DefinitionFinder`` (the whole detection).
"""

from __future__ import annotations

from bisect import bisect_left

import numpy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc

from caseminer.nlp.doc_arrays import ORTH_COL, SPACY_COL, has_sentences, token_table
from caseminer.nlp.tokenizer import doc_text

# scispaCy's filter_matches drops candidates with more tokens than this inside the brackets.
MAX_INSIDE = 8


class ParenthesisMatcher:
    """What scispaCy's ``[{"ORTH": "("}, {"OP": "+"}, {"ORTH": ")"}]`` Matcher returns, limited to
    the candidates scispaCy keeps (1 to ``MAX_INSIDE`` tokens inside): ``(key, start, end)``
    with the brackets included, ordered like spaCy's Matcher (by end, then by start descending).
    """

    def __init__(self, nlp: Language, max_inside: int = MAX_INSIDE) -> None:
        self.key = nlp.vocab.strings.add("parenthesis")
        self.open = nlp.vocab.strings.add("(")
        self.close = nlp.vocab.strings.add(")")
        self.max_inside = max_inside

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        if not len(doc):
            return []
        return self.in_ids(doc.to_array(ORTH))

    def in_ids(self, orth: numpy.ndarray) -> list[tuple[int, int, int]]:
        """The matches in a Doc's ORTH array."""
        opens = numpy.flatnonzero(orth == self.open).tolist()
        closes = numpy.flatnonzero(orth == self.close).tolist()
        if not opens or not closes:
            return []
        found = []
        for i in opens:
            lo = bisect_left(closes, i + 2)  # numpy.searchsorted, without its per-call cost
            hi = bisect_left(closes, i + self.max_inside + 2)
            found.extend((self.key, i, j + 1) for j in closes[lo:hi])
        found.sort(key=lambda m: (m[2], -m[1]))
        return found


class OrthSequenceMatcher:
    """What scispaCy's global ``Matcher`` does with its ``[{"ORTH": text}, ...]`` patterns (one
    per definition: every later use of a short form), over the Doc's ORTH array instead.

    Why: spaCy's Matcher builds a Token object at every position of the Doc for every call,
    which cost more than the rest of the detector; the short forms are exact token sequences, so
    comparing ids in a numpy array finds the same matches. Only what scispaCy calls is provided
    (``add``, ``remove``, ``__call__``, ``vocab``), and matches come in the Matcher's order:
    by end token, then by start.
    """

    def __init__(self, nlp: Language) -> None:
        self.vocab = nlp.vocab
        self.patterns: dict[int, list[list[int]]] = {}

    def add(self, key: str, patterns: list[list[dict[str, str]]]) -> None:
        """Add ``patterns`` (lists of ``{"ORTH": text}``) under ``key``."""
        strings = self.vocab.strings
        found = self.patterns.setdefault(strings.add(key), [])
        for pattern in patterns:
            if not pattern or any(set(token) != {"ORTH"} for token in pattern):
                raise ValueError(f"only non-empty ORTH sequences are supported: {pattern!r}")
            found.append([strings.add(token["ORTH"]) for token in pattern])

    def remove(self, key: str) -> None:
        """Forget the patterns of ``key`` (KeyError if there are none, as spaCy's)."""
        del self.patterns[self.vocab.strings[key]]

    def __len__(self) -> int:
        return len(self.patterns)

    @staticmethod
    def find(orth: numpy.ndarray, pattern: list[int]) -> list[int]:
        """Start of every occurrence of the id sequence ``pattern`` in ``orth``, ascending."""
        size = len(pattern)
        starts = numpy.flatnonzero(orth[: len(orth) - size + 1] == pattern[0])
        for k in range(1, size):
            if not len(starts):
                break
            starts = starts[orth[starts + k] == pattern[k]]
        return starts.tolist()

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        if not self.patterns or not len(doc):
            return []
        orth = doc.to_array(ORTH)
        found = []
        for key, patterns in self.patterns.items():
            for pattern in patterns:
                size = len(pattern)
                found.extend((key, start, start + size) for start in self.find(orth, pattern))
        found.sort(key=lambda m: (m[2], m[1]))
        return found


def schwartz_hearst_start(long_words: list[str], short_words: list[str], spaced: list[int]) -> int:
    """scispaCy's ``find_abbreviation`` on plain strings: the index of the first word of the
    long form in ``long_words``, or -1 when the short form's characters cannot be found in
    order. ``spaced``: 1 where a word of the long form is followed by whitespace (scispaCy
    joins the words with single spaces but then counts ``text_with_ws``; kept as it is)."""
    long_form = " ".join(long_words)
    short_form = " ".join(short_words)
    if long_form.isascii() and short_form.isascii():
        long_index = _ascii_long_index(long_form, short_form)
        if long_index < 0:
            return -1
        return _first_word(long_words, spaced, long_index)
    long_index = len(long_form) - 1
    short_index = len(short_form) - 1
    while short_index >= 0:
        current_char = short_form[short_index].lower()
        if not current_char.isalnum():
            short_index -= 1
            continue
        while (long_index >= 0 and long_form[long_index].lower() != current_char) or (
            short_index == 0 and long_index > 0 and long_form[long_index - 1].isalnum()
        ):
            long_index -= 1
        if long_index < 0:
            return -1
        long_index -= 1
        short_index -= 1
    return _first_word(long_words, spaced, long_index + 1)


def _ascii_long_index(long_form: str, short_form: str) -> int:
    """scispaCy's character loop for ASCII strings (where ``lower`` maps one character to one
    and ``isalnum`` is the ASCII test): each character of the short form, from the last, is
    the nearest one to the left in the lower-cased long form (``rfind`` in C instead of a step
    per character), the first one also at the start of a word. Returns where the long form
    starts (``long_index + 1`` of the loop), or -1 when a character is not found."""
    lowered = long_form.lower()
    end = len(long_form)  # characters before ``end`` are still free
    found = -1
    for short_index in range(len(short_form) - 1, -1, -1):
        char = short_form[short_index].lower()
        if not char.isalnum():
            continue
        found = lowered.rfind(char, 0, end)
        if short_index == 0:
            while found > 0 and long_form[found - 1].isalnum():
                found = lowered.rfind(char, 0, found)
        if found < 0:
            return -1
        end = found
    return found if found >= 0 else len(long_form)


def _first_word(long_words: list[str], spaced: list[int], long_index: int) -> int:
    """scispaCy's mapping of the long form's first character to its first word: the first
    word whose running length (with its following space, as ``text_with_ws``) passes it."""
    word_lengths = 0
    for i, word in enumerate(long_words):
        word_lengths += len(word) + spaced[i]
        if word_lengths > long_index:
            return i
    return 0  # scispaCy's ``long_form_candidate[None:]``: the whole candidate


class DefinitionFinder:
    """``detect`` followed by ``Abbreviations.set_annotations``, on the Doc's token arrays.

    Why: scispaCy's steps slice the Doc into Spans and iterate Tokens (each a new Python
    object) for every candidate. Here a token text is a slice of the Doc's text and a span a
    pair of token offsets; steps, order and filters are scispaCy's (comments name the function
    each block replaces). The one choice scispaCy leaves to set order (two uses of a short form
    equally far from its long form) takes the earlier use. The tests compare the stored rows
    (``[short_start, short_end, long_start, long_end]``) with ``detect`` on every corpus text."""

    def __init__(self, nlp: Language, same_sentence_only: bool = True) -> None:
        self.parentheses = ParenthesisMatcher(nlp)
        self.open, self.close = self.parentheses.open, self.parentheses.close
        self.same_sentence_only = same_sentence_only

    def __call__(self, doc: Doc) -> list[list[int]]:
        if not len(doc):
            return []
        # the Doc's shared token table (``caseminer.nlp.doc_arrays``; its lists are only read)
        tokens = token_table(doc)
        array = tokens.column(ORTH_COL)
        matches = self.parentheses.in_ids(array)
        if not matches:
            return []
        text = doc_text(doc)
        starts = tokens.idx
        lengths = tokens.lengths
        spaced = tokens.column(SPACY_COL)

        def words(a: int, b: int) -> list[str]:
            return [text[starts[i] : starts[i] + lengths[i]] for i in range(a, b)]

        def span_text(a: int, b: int) -> str:
            return text[starts[a] : starts[b - 1] + lengths[b - 1]] if b > a else ""

        # filter_matches: (long, short) candidates
        candidates: list[tuple[int, int, int, int]] = []
        for _, first, last in matches:
            start, end = first + 1, last - 1
            if end - start > MAX_INSIDE or start == 1:
                continue
            if end - start > 3:  # "SF (long form)"
                ss, se, ls, le = start - 2, start - 1, start, end
                if self.unbalanced(array[ls:le].tolist()):
                    continue
            else:  # "long form (SF)"
                ss, se = start, end
                size = sum(lengths[start:end])
                ls, le = max(start - min(size + 5, size * 2) - 1, 0), start - 1
            if self.short_form_ok(lengths, ss, se, span_text(ss, se)):
                candidates.append((ls, le, ss, se))
        # find_matches_for: the first definition of each long and short form text
        longs: dict[tuple[int, int], list[tuple[int, int]]] = {}
        patterns: list[tuple[tuple[int, int], list[int]]] = []
        seen_long: set[str] = set()
        seen_short: set[str] = set()
        for ls, le, ss, se in candidates:
            first = schwartz_hearst_start(words(ls, le), words(ss, se), spaced[ls:le].tolist())
            if first < 0 or ls + first >= le:
                continue
            long = (ls + first, le)
            long_text, short_text = span_text(*long), span_text(ss, se)
            if long_text in seen_long or short_text in seen_short:
                continue
            seen_long.add(long_text)
            seen_short.add(short_text)
            longs[long] = [(ss, se)]
            patterns.append((long, array[ss:se].tolist()))
        if not longs:
            return []
        # the global matcher: every use of each short form's token sequence
        for long, pattern in patterns:
            uses = longs[long]
            for start in OrthSequenceMatcher.find(array, pattern):
                if (start, start + len(pattern)) not in uses:
                    uses.append((start, start + len(pattern)))
        # Abbreviations.set_annotations: keep the long forms whose definition passes
        # (``doc.has_annotation("SENT_START")``, and ``1 in SENT_START[a:b]`` as a bisect)
        sentences = self.same_sentence_only and has_sentences(doc, tokens)
        kept: list[tuple[int, int, int, int]] = []
        for (ls, le), uses in longs.items():
            ss, se = min(sorted(uses), key=lambda use: abs(use[0] - le))
            long_text = span_text(ls, le)
            if "\n" in long_text or long_text.strip() == span_text(ss, se).strip():
                continue
            if sentences:
                first, last = min(ss, ls), max(se, le) - 1
                if tokens.any_start(first + 1, last + 1):
                    continue
            kept.extend((s, e, ls, le) for s, e in uses)
        kept.sort(key=lambda row: (row[0], row[1]))
        return [list(row) for row in kept]

    def unbalanced(self, orth: list[int]) -> bool:
        """scispaCy's ``span_contains_unbalanced_parentheses`` on a span's token ids."""
        depth = 0
        for token in orth:
            if token == self.open:
                depth += 1
            elif token == self.close:
                if depth == 0:
                    return True
                depth -= 1
        return depth != 0

    @staticmethod
    def short_form_ok(lengths: list[int], start: int, end: int, text: str) -> bool:
        """scispaCy's ``short_form_filter``: words of 2 to 9 characters, at least half of the
        characters letters, a letter first."""
        if not all(2 <= n < 10 for n in lengths[start:end]):
            return False
        if sum(c.isalpha() for c in text) / len(text) < 0.5:
            return False
        return text[0].isalpha()
