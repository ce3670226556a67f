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

from spacy.language import Language
from spacy.tokens import Doc, Token

from caseminer.nlp.extensions import register_extensions
from caseminer.nlp.sections import find_headers, split_lines
from caseminer.nlp.tokenizer import no_split_abbreviations

_END_PUNCT = frozenset({".", "?", "!", "...", "…"})
_CLOSERS = frozenset({")", "]", '"', "”", "’", "'", "»"})
_OPENERS = frozenset({"(", "[", '"', "“", "‘", "'", "«"})


def _starts_like_sentence(doc: Doc, i: int) -> bool:
    """Token ``i`` (skipping an opening bracket or quote) begins with a capital or a digit."""
    token = doc[i]
    if token.text in _OPENERS and i + 1 < len(doc):
        token = doc[i + 1]
    first = token.text[:1]
    return first.isupper() or first.isdigit()


def _skip_closers(doc: Doc, j: int) -> int:
    """Step back over a closing quote/bracket or a bracketed citation after end punctuation
    ("disease.[3]", 'said."'), returning the index of the punctuation (or ``j`` unchanged)."""
    if doc[j].text == "]":
        k = j - 1
        while k > 0 and j - k < 8 and doc[k].text != "[":
            k -= 1
        if doc[k].text == "[" and k > 0 and doc[k - 1].text in _END_PUNCT:
            return k - 1
    if doc[j].text in _CLOSERS and j > 0 and doc[j - 1].text in _END_PUNCT:
        return j - 1
    return j


def _ends_sentence(
    doc: Doc, j: int, abbreviations: frozenset[str], line_break: bool = False
) -> bool:
    """Token ``j`` closes a sentence: end punctuation not belonging to an abbreviation, an
    initial ("J. Smith") or a dotted code glued on both sides ("p.R227W", "Mirage.008")."""
    if doc[j].text == "]" and _skip_closers(doc, j) != j:
        return True
    j = _skip_closers(doc, j)
    token = doc[j]
    if token.text in _END_PUNCT:
        if token.text != "." or j == 0:
            return True
        before = doc[j - 1]
        if before.whitespace_ or before.is_space:
            return True
        if before.text + "." in abbreviations:
            return False
        if not line_break and not token.whitespace_ and j + 1 < len(doc):
            # Glued on both sides: only "word.Word" (a lost space) ends a sentence.
            after = doc[j + 1]
            if after.text == "[":  # "rare.[3] Bone": the sentence ends after the citation
                return False
            return (
                before.text.isalpha()
                and before.text.islower()
                and len(before.text) >= 3
                and after.text.isalpha()
                and after.text.istitle()
            )
        # An initial ("J. Smith") is a single capital; at a line end it is rather "stage A."
        return line_break or not (len(before.text) == 1 and before.text.isupper())
    if token.text.endswith(".") and len(token.text) > 1:
        if token.text in abbreviations:
            return False
        if not line_break and not token.whitespace_ and j + 1 < len(doc):
            word, after = token.text[:-1], doc[j + 1]
            return word.isalpha() and word.islower() and len(word) >= 3 and after.text.istitle()
        return True
    return token.text.endswith(("?", "!"))


def _line_starts(text: str) -> tuple[set[int], set[int]]:
    """Offsets of line starts that must start a sentence: headers and captions, the line after
    an own-line header, and the line after a blank line."""
    lines = split_lines(text)
    forced: set[int] = set()
    headers = find_headers(text)
    by_line = {h.line: h for h in headers}
    for index, line in enumerate(lines):
        if index in by_line:
            forced.add(line.start)
            if not by_line[index].inline and index + 1 < len(lines):
                forced.add(lines[index + 1].start)
        elif index > 0 and lines[index - 1].blank:
            forced.add(line.start)
    return forced, {ln.start for ln in lines}


def sentence_starts(doc: Doc, abbreviations: frozenset[str]) -> list[bool]:
    """``is_sent_start`` for every token of ``doc`` (see the module docstring)."""
    text = doc.text
    forced, line_starts = _line_starts(text)
    starts = [False] * len(doc)
    prev = -1  # index of the previous non-space token
    for i, token in enumerate(doc):
        if token.is_space:
            continue
        if prev < 0:
            starts[i] = True
            prev = i
            continue
        gap = text[doc[prev].idx + len(doc[prev].text) : token.idx]
        if "\n" in gap:
            line_start = token.idx - len(gap) + gap.rfind("\n") + 1
            starts[i] = (
                line_start in forced
                or gap.count("\n") >= 2
                or _ends_sentence(doc, prev, abbreviations, line_break=True)
            )
        else:
            starts[i] = (token.idx in forced and token.idx in line_starts) or (
                _ends_sentence(doc, prev, abbreviations) and _starts_like_sentence(doc, i)
            )
        prev = i
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
        except Exception:  # never lose a document: fall back to one sentence per line
            starts = [i == 0 or "\n" in doc[i - 1].text for i in range(len(doc))]
        self.set_annotations(doc, starts)
        return doc

    @staticmethod
    def set_annotations(doc: Doc, starts: list[bool]) -> None:
        token: Token
        for token, start in zip(doc, starts, strict=False):
            token.is_sent_start = start
        doc[0].is_sent_start = True


@Language.factory("caseminer_sentences", default_config={})
def make_sentences(nlp: Language, name: str) -> SentenceSplitter:
    """Factory for ``nlp.add_pipe("caseminer_sentences")``."""
    return SentenceSplitter(nlp, name)
