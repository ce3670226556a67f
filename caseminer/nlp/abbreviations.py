"""caseminer_abbreviations: scispaCy's AbbreviationDetector, made safe for a batch service.

scispaCy finds "long form (SF)" definitions (Schwartz & Hearst) and every later use of the short
form, writing ``doc._.abbreviations`` (short-form spans) with ``span._.long_form``. Three things
need care around it, which is why it is wrapped rather than added directly:

- its ``abbreviations`` extension has a mutable list default, which would pile up short forms
  across documents: each doc gets a fresh list before detection;
- a definition is only trusted inside one sentence (our sentences come from caseminer_sentences),
  so a parenthesis that spans a line break cannot define "an abbreviation" across sentences;
- its global matcher keeps state between calls: after any failure the detector is rebuilt and the
  doc gets an empty list, so one odd document never breaks the next (or the batch);
- that global matcher gets one pattern per definition of every document, and spaCy's Matcher
  validates each added pattern with pydantic by default (70% of the detector's time): the
  patterns are plain ``{"ORTH": text}`` lists, so we give it a non-validating Matcher;
- its candidate matcher ``( + )`` yields every pair of brackets in the document (quadratic in
  brackets), of which scispaCy then keeps only those with at most 8 tokens inside:
  ``ParenthesisMatcher`` yields exactly those, in the same order (checked on the MACCROBAT dev
  texts), at a fraction of the cost.

Short forms are returned in text order (scispaCy's order follows set iteration, which changes
between processes), so the JSON output is reproducible.
"""

import logging

import numpy
from scispacy.abbreviation import AbbreviationDetector
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from caseminer.nlp.extensions import record_failure, register_extensions

log = logging.getLogger(__name__)


def same_sentence(short: Span, long: Span) -> bool:
    """Short and long form lie in one sentence (always true when no sentences are set)."""
    doc = short.doc
    if not doc.has_annotation("SENT_START"):
        return True
    first, last = min(short.start, long.start), max(short.end, long.end) - 1
    return not any(doc[i].is_sent_start for i in range(first + 1, last + 1))


def keep_definition(short: Span, long: Span) -> bool:
    """A short form worth keeping: its definition has no line break and is not the short form."""
    return "\n" not in long.text and long.text.strip() != short.text.strip()


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
        orth = doc.to_array(ORTH)
        opens = numpy.flatnonzero(orth == self.open).tolist()
        closes = numpy.flatnonzero(orth == self.close).tolist()
        if not opens or not closes:
            return []
        found = []
        for i in opens:
            lo = int(numpy.searchsorted(closes, i + 2))
            hi = int(numpy.searchsorted(closes, i + self.max_inside + 2))
            found.extend((self.key, i, j + 1) for j in closes[lo:hi])
        found.sort(key=lambda m: (m[2], -m[1]))
        return found


def make_detector(nlp: Language) -> AbbreviationDetector:
    """scispaCy's detector with our candidate matcher and a non-validating global matcher
    (see the module docstring)."""
    detector = AbbreviationDetector(nlp)
    detector.matcher = ParenthesisMatcher(nlp)
    detector.global_matcher = Matcher(nlp.vocab, validate=False)
    return detector


class Abbreviations:
    """Writes ``doc._.abbreviations`` (short-form spans, each with ``span._.long_form``)."""

    def __init__(self, nlp: Language, name: str, same_sentence_only: bool) -> None:
        register_extensions()
        self.nlp = nlp
        self.name = name
        self.same_sentence_only = same_sentence_only
        self.detector = make_detector(nlp)

    def __call__(self, doc: Doc) -> Doc:
        doc._.abbreviations = []
        try:
            self.detector(doc)
        except Exception as exc:  # scispaCy failed on this doc: no abbreviations, fresh detector
            record_failure(doc, self.name, exc)
            doc._.abbreviations = []
            self.detector = make_detector(self.nlp)
            return doc
        self.set_annotations(doc, list(doc._.abbreviations))
        return doc

    def set_annotations(self, doc: Doc, found: list[Span]) -> None:
        """Keep the short forms whose definition passes the filters; drop their long form if not."""
        by_long: dict[str, list[Span]] = {}
        for short in found:
            if short._.long_form is not None:
                by_long.setdefault(short._.long_form.text, []).append(short)
        defined: dict[str, bool] = {}
        for key, shorts in by_long.items():
            long = shorts[0]._.long_form
            # The defining short form is the one right beside its long form: "long (SF)".
            definition = min(shorts, key=lambda s: abs(s.start - long.end))
            ok = keep_definition(definition, long)
            if self.same_sentence_only:
                ok = ok and same_sentence(definition, long)
            defined[key] = ok
        kept = [s for s in found if s._.long_form is not None and defined.get(s._.long_form.text)]
        for short in found:
            if short not in kept:
                short._.long_form = None
        doc._.abbreviations = sorted(kept, key=lambda s: (s.start, s.end))


@Language.factory("caseminer_abbreviations", default_config={"same_sentence_only": True})
def make_abbreviations(nlp: Language, name: str, same_sentence_only: bool) -> Abbreviations:
    """Factory for ``nlp.add_pipe("caseminer_abbreviations")``."""
    return Abbreviations(nlp, name, same_sentence_only)
