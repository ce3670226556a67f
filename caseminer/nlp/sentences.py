"""caseminer_sentences: sentence starts from line structure and punctuation, no statistical model.

Case reports reach us either as one sentence per line (PMC text, MACCROBAT) or as PDF text whose
lines break mid-sentence. A line break therefore starts a sentence only when the previous line ends
a sentence, a blank line separates them, or one of them is a header or caption line (found with the
same rules as caseminer_sections, so a header is always its own sentence). Inside a line, ". " (or
"?", "!") followed by a capital or digit starts a sentence, except after a dotted abbreviation
("Fig.", "e.g.", "vs.", "No.": ``patterns/tokenizer/tokenizer.json``) or an initial ("J. Smith").
Decimals never split because the tokenizer keeps "7.35" whole.

Why not medspaCy's PyRuSH: measured on the 100 MACCROBAT dev texts (gold: one sentence per line) it
took 13.2 s of CPU against 2.0 s for our tokenizer plus this pass, with line-start precision/recall
0.998/0.993 against 0.999/0.999; it also does not know our headers. This pass is linear in tokens.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START, SPACY
from spacy.lang import lex_attrs
from spacy.language import Language
from spacy.tokens import Doc

from caseminer.nlp.extensions import record_failure, register_extensions
from caseminer.nlp.sections import find_headers, split_lines
from caseminer.nlp.tokenizer import doc_text, no_split_abbreviations

_END_PUNCT = frozenset({".", "?", "!", "...", "…"})
_CLOSERS = frozenset({")", "]", '"', "”", "’", "'", "»"})
_OPENERS = frozenset({"(", "[", '"', "“", "‘", "'", "«"})
# Last characters of a token that can close a sentence: a cheap test before the full rules.
_CLOSING_CHARS = frozenset(".?!…")


@dataclass(frozen=True)
class TokenView:
    """The token attributes the splitter reads, as plain lists.

    Why: every ``doc[i]`` builds a Python Token object; reading the attributes once per doc and
    working on lists makes the pass several times faster on long reports.
    """

    text: list[str]
    idx: list[int]
    has_ws: list[bool]
    is_space: list[bool]

    @classmethod
    def of(cls, doc: Doc, text: str | None = None) -> "TokenView":
        """Read ``doc`` with array calls; the words are slices of ``text`` (the Doc's text)."""
        return cls.with_candidates(doc, text)[0]

    @classmethod
    def with_candidates(cls, doc: Doc, text: str | None = None) -> tuple["TokenView", list[int]]:
        """The view and the tokens that can start a sentence: the first non-space token, and
        every non-space token after a space token or after a token that may end a sentence
        (``_may_end_sentence``). Both tests read the text's characters as one numpy array
        instead of asking every word in Python."""
        return cls._with_candidates(doc, text, lazy=False)

    @classmethod
    def _with_candidates(
        cls, doc: Doc, text: str | None, lazy: bool
    ) -> tuple["TokenView", list[int]]:
        """``with_candidates``; ``lazy``: the words as ``_LazyWords`` (what the splitter
        reads), not a list."""
        if not len(doc):
            return cls([], [], [], []), []
        text = doc_text(doc) if text is None else text
        lexeme_flag = doc.vocab.lex_attr_getters.get(IS_SPACE) is lex_attrs.is_space
        arr = doc.to_array([IDX, LENGTH, SPACY, IS_SPACE] if lexeme_flag else [IDX, LENGTH, SPACY])
        starts, lengths = arr[:, 0].astype(numpy.int64), arr[:, 1].astype(numpy.int64)
        ends = starts + lengths
        idx, stops = starts.tolist(), ends.tolist()
        if lazy:
            words: list[str] = _LazyWords(text, idx, stops)  # type: ignore[assignment]
        else:
            words = [text[start:stop] for start, stop in zip(idx, stops, strict=True)]
        codes = numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)
        if lexeme_flag:
            # spaCy's IS_SPACE: ``str.isspace()`` of the word, set once per lexeme (the vocab
            # computes it with spaCy's own getter, checked above), not read off every character
            is_space = arr[:, 3] != 0
        else:
            # str.isspace() of a word: not empty and every character white space
            chars = numpy.minimum(codes, len(_SPACE_CHARS) - 1)  # above the table: none of ours
            spaces = numpy.concatenate(([0], numpy.cumsum(_SPACE_CHARS[chars])))
            is_space = (lengths > 0) & (spaces[ends] - spaces[starts] == lengths)
        # above the tables: none of ours
        last = numpy.minimum(codes[numpy.maximum(ends - 1, 0)], len(_SPACE_CHARS) - 1)
        may_end = (lengths > 0) & (_CLOSING_CODES[last] | ((lengths == 1) & _CLOSER_CODES[last]))
        after = (is_space[:-1] | may_end[:-1]) & ~is_space[1:]
        candidates = (numpy.flatnonzero(after) + 1).tolist()
        if not is_space[0]:
            candidates.insert(0, 0)
        view = cls(words, idx, arr[:, 2].astype(bool).tolist(), is_space.tolist())
        return view, candidates


class _LazyWords(dict):
    """The words of a Doc by token index, each sliced out of the text when first read.

    Why: the splitter reads the words of the tokens around its candidates only (about an
    eighth of a case report's tokens), and slicing every word cost more than the rest of the
    pass. A dict with ``__missing__``: a word read again is a C-level lookup. It answers only
    what the splitter asks of a word list: ``words[i]`` (an int, as a list would take it,
    IndexError past the end) and ``len(words)``."""

    __slots__ = ("_text", "_idx", "_stops")

    def __init__(self, text: str, idx: list[int], stops: list[int]) -> None:
        super().__init__()
        self._text, self._idx, self._stops = text, idx, stops

    def __missing__(self, i: int) -> str:
        word = self[i] = self._text[self._idx[i] : self._stops[i]]
        return word

    def __len__(self) -> int:
        return len(self._idx)


def _char_table(chars: Iterable[str], size: int) -> numpy.ndarray:
    """table[c]: code point c is one of ``chars`` (single characters below ``size``)."""
    table = numpy.zeros(size, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return table


# Character tables over code points up to U+3000, the last white space character; every code
# point above maps to the final entry, which is in none of them.
_TABLE_SIZE = 0x3002
_SPACE_CHARS = numpy.array([chr(c).isspace() for c in range(_TABLE_SIZE)], dtype=bool)
_CLOSING_CODES = _char_table(_CLOSING_CHARS, _TABLE_SIZE)
_CLOSER_CODES = _char_table(_CLOSERS, _TABLE_SIZE)
# SENT_START of a token that does not start a sentence: -1, as spaCy's uint64 array holds it
_NOT_START = numpy.uint64(2**64 - 1)


def _starts_like_sentence(tv: TokenView, i: int) -> bool:
    """Token ``i`` (skipping an opening bracket or quote) begins with a capital or a digit."""
    word = tv.text[i]
    if word in _OPENERS and i + 1 < len(tv.text):
        word = tv.text[i + 1]
    first = word[:1]
    return first.isupper() or first.isdigit()


def _skip_closers(words: list[str], j: int) -> int:
    """Step back over a closing quote/bracket or a bracketed citation after end punctuation
    ("disease.[3]", 'said."'), returning the index of the punctuation (or ``j`` unchanged)."""
    if words[j] == "]":
        k = j - 1
        while k > 0 and j - k < 8 and words[k] != "[":
            k -= 1
        if words[k] == "[" and k > 0 and words[k - 1] in _END_PUNCT:
            return k - 1
    if words[j] in _CLOSERS and j > 0 and words[j - 1] in _END_PUNCT:
        return j - 1
    return j


def _may_end_sentence(word: str) -> bool:
    """Necessary condition for ``_ends_sentence``: end punctuation or a closer after it."""
    return word[-1:] in _CLOSING_CHARS or word in _CLOSERS


def _ends_sentence(
    tv: TokenView, j: int, abbreviations: frozenset[str], line_break: bool = False
) -> bool:
    """Token ``j`` closes a sentence: end punctuation not belonging to an abbreviation, an
    initial ("J. Smith") or a dotted code glued on both sides ("p.R227W", "Mirage.008")."""
    words = tv.text
    word = words[j]
    if word[-1:] not in _CLOSING_CHARS:
        # not end punctuation itself: a closer after some ("disease.[3]", 'said."'), or no end
        if word not in _CLOSERS:
            return False  # what ``_may_end_sentence`` says
        if word == "]" and _skip_closers(words, j) != j:
            return True
        j = _skip_closers(words, j)
        word = words[j]
    # (a word ending in end punctuation is no closer: ``_skip_closers`` would keep ``j``)
    if word in _END_PUNCT:
        if word != "." or j == 0:
            return True
        before = words[j - 1]
        if tv.has_ws[j - 1] or tv.is_space[j - 1]:
            return True
        if before + "." in abbreviations:
            return False
        if not line_break and not tv.has_ws[j] and j + 1 < len(words):
            # Glued on both sides: only "word.Word" (a lost space) ends a sentence.
            after = words[j + 1]
            if after == "[":  # "rare.[3] Bone": the sentence ends after the citation
                return False
            return (
                before.isalpha()
                and before.islower()
                and len(before) >= 3
                and after.isalpha()
                and after.istitle()
            )
        # An initial ("J. Smith") is a single capital; at a line end it is rather "stage A."
        return line_break or not (len(before) == 1 and before.isupper())
    if word.endswith(".") and len(word) > 1:
        if word in abbreviations:
            return False
        if not line_break and not tv.has_ws[j] and j + 1 < len(words):
            stem, after = word[:-1], words[j + 1]
            return stem.isalpha() and stem.islower() and len(stem) >= 3 and after.istitle()
        return True
    return word.endswith(("?", "!"))


def _line_starts(text: str) -> tuple[set[int], set[int]]:
    """Offsets of line starts that must start a sentence: headers and captions, the line after
    an own-line header, and the line after a blank line."""
    lines = split_lines(text)
    forced: set[int] = set()
    headers = find_headers(text)
    by_line = {h.line: h for h in headers}
    for index in by_line:
        forced.add(lines[index].start)
        if not by_line[index].inline and index + 1 < len(lines):
            forced.add(lines[index + 1].start)
    # the line after a blank line (a header line's own start is already in)
    forced.update(
        line.start
        for prev, line in zip(lines[:-1], lines[1:], strict=True)
        if (not prev.text or prev.text.isspace())  # Line.blank, without a property call
    )
    return forced, {ln.start for ln in lines}


def sentence_starts(doc: Doc, abbreviations: frozenset[str]) -> list[bool]:
    """``is_sent_start`` for every token of ``doc`` (see the module docstring)."""
    text = doc_text(doc)
    tv, candidates = TokenView._with_candidates(doc, text, lazy=True)
    words, idx, is_space = tv.text, tv.idx, tv.is_space
    forced, line_starts = _line_starts(text)
    starts = [False] * len(words)
    # Only tokens after white space or after a token that may end a sentence can start one
    # (an adjacent token after any other word never does): visit those, not every token.
    for i in candidates:
        prev = i - 1  # the previous non-space token
        while prev >= 0 and is_space[prev]:
            prev -= 1
        if prev < 0:
            starts[i] = True
            continue
        if i == prev + 1:
            # Adjacent tokens: at most one space between them (spaCy makes every other
            # whitespace a token of its own), so no line break and no line start here.
            # Both tests are pure: the cheap one first (most such tokens follow a bracket or
            # an abbreviation and begin in lower case)
            starts[i] = _starts_like_sentence(tv, i) and _ends_sentence(tv, prev, abbreviations)
            continue
        gap_start = idx[prev] + len(words[prev])
        newline = text.rfind("\n", gap_start, idx[i])
        if newline >= 0:
            line_start = newline + 1
            starts[i] = (
                line_start in forced
                or text.count("\n", gap_start, idx[i]) >= 2
                or _ends_sentence(tv, prev, abbreviations, line_break=True)
            )
        else:
            starts[i] = (idx[i] in forced and idx[i] in line_starts) or (
                _starts_like_sentence(tv, i) and _ends_sentence(tv, prev, abbreviations)
            )
    return starts


class SentenceSplitter:
    """Sets ``token.is_sent_start`` on every token."""

    def __init__(self, nlp: Language, name: str) -> None:
        register_extensions()
        self.name = name
        self.abbreviations = no_split_abbreviations()

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        try:
            starts = sentence_starts(doc, self.abbreviations)
        except Exception as exc:  # fall back to one sentence per line, and say so
            record_failure(doc, self.name, exc)
            starts = [i == 0 or "\n" in doc[i - 1].text for i in range(len(doc))]
        self.set_annotations(doc, starts)
        return doc

    @staticmethod
    def set_annotations(doc: Doc, starts: list[bool]) -> None:
        """Write all starts in one array call. Why not ``token.is_sent_start = x`` per token:
        spaCy's setter scans the whole doc for a parse each time, which is quadratic.
        A start is 1, any other token -1 (as uint64), the first token always a start; the flags
        are read through ``bytes`` (one C pass over a list of bools, where ``numpy.array``
        inspects every object), or ``numpy.array`` for values ``bytes`` does not take."""
        n = len(doc)
        try:
            marks = numpy.frombuffer(bytes(starts[:n]), dtype=numpy.uint8) != 0
        except (TypeError, ValueError):
            marks = numpy.array(starts[:n], dtype=bool)
        flags = numpy.full(n, _NOT_START, dtype=numpy.uint64)
        flags[: len(marks)][marks] = 1
        flags[0] = 1
        doc.from_array([SENT_START], flags.reshape(-1, 1))


@Language.factory("caseminer_sentences", assigns=["token.is_sent_start"], default_config={})
def make_sentences(nlp: Language, name: str) -> SentenceSplitter:
    """Factory for ``nlp.add_pipe("caseminer_sentences")``."""
    return SentenceSplitter(nlp, name)
