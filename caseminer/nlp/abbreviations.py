"""caseminer_abbreviations: scispaCy's AbbreviationDetector, made safe for a batch service.

scispaCy finds "long form (SF)" definitions (Schwartz & Hearst) and every later use of the short
form, writing ``doc._.abbreviations`` (short-form spans) with ``span._.long_form``. Three things
need care around it, which is why it is wrapped rather than added directly:

- its ``abbreviations`` extension had a mutable list default (short forms piled up across
  documents): ours is a getter over per-Doc data (see below);
- a definition is only trusted inside one sentence (our sentences come from caseminer_sentences),
  so a parenthesis that spans a line break cannot define "an abbreviation" across sentences;
- its global matcher keeps state between calls: after any failure the detector is rebuilt and the
  doc gets an empty list, so one odd document never breaks the next; it gets a ``{"ORTH": ...}``
  pattern per definition and makes a Token at every position per call: ``OrthSequenceMatcher``
  finds the same matches in the Doc's ORTH array;
- its candidate matcher ``( + )`` yields every pair of brackets in the document (quadratic in
  brackets), of which scispaCy then keeps only those with at most 8 tokens inside:
  ``ParenthesisMatcher`` yields exactly those, in the same order (checked on the MACCROBAT dev
  texts), at a fraction of the cost;
- its per-candidate steps slice the Doc into Spans and walk Tokens: ``DefinitionFinder`` runs
  the same steps on the Doc's token arrays (``detect`` with ``Abbreviations.set_annotations``
  stays as the reference the tests compare it with on every corpus text).

(``OrthSequenceMatcher``, ``ParenthesisMatcher`` and ``DefinitionFinder`` live in
``caseminer.nlp.abbreviation_finder``.) Short forms are returned in text order (scispaCy's order
follows set iteration, which changes between processes), so the JSON output is reproducible.

What is stored is plain data: ``doc.user_data[ABBREVIATIONS_KEY]`` holds
``[short_start, short_end, long_start, long_end]`` token offsets, and ``doc._.abbreviations`` /
``span._.long_form`` are getters that rebuild the Spans. scispaCy stores Span objects in those
extensions, which ``doc.to_bytes()``, ``DocBin`` and ``nlp.pipe(n_process=2)`` cannot serialise,
so the detector's steps are run here without letting it write them.
"""

import logging

from scispacy.abbreviation import AbbreviationDetector, filter_matches
from spacy.language import Language
from spacy.tokens import Doc, Span

from caseminer.nlp.abbreviation_finder import (
    DefinitionFinder,
    OrthSequenceMatcher,
    ParenthesisMatcher,
)
from caseminer.nlp.extensions import record_failure, register_extensions

log = logging.getLogger(__name__)

# doc.user_data key: [[short_start, short_end, long_start, long_end], ...] in text order
ABBREVIATIONS_KEY = "caseminer.abbreviations"
# doc.user_data key: {"n": number of pairs indexed, "by": {"short_start short_end": [ls, le]}}
_INDEX_KEY = "caseminer.abbreviations.index"


def _stored(doc: Doc) -> list[list[int]]:
    return doc.user_data.get(ABBREVIATIONS_KEY) or []


def _abbreviations_getter(doc: Doc) -> list[Span]:
    """``doc._.abbreviations``: the kept short forms, rebuilt from token offsets."""
    return [Span(doc, s, e) for s, e, _, _ in _stored(doc)]


def _long_form_getter(span: Span) -> Span | None:
    """``span._.long_form``: the long form a kept short form stands for (None otherwise).

    The first stored pair of the short form's offsets wins, looked up in a per-Doc dict (plain
    data beside the pairs, rebuilt when their number changes) instead of a scan per call, which
    would grow with the square of the document's length."""
    stored = _stored(span.doc)
    index = span.doc.user_data.get(_INDEX_KEY)
    if not index or index.get("n") != len(stored):
        by: dict[str, list[int]] = {}
        for s, e, ls, le in stored:
            by.setdefault(f"{s} {e}", [ls, le])
        index = span.doc.user_data[_INDEX_KEY] = {"n": len(stored), "by": by}
    found = index["by"].get(f"{span.start} {span.end}")
    return None if found is None else Span(span.doc, found[0], found[1])


def abbreviation_offsets(doc: Doc) -> list[tuple[int, int, int, int]]:
    """``short_form_offsets``, or the same read off ``doc._.abbreviations`` when it gives None."""
    found = short_form_offsets(doc)
    if found is None:  # the extensions are not caseminer's: read them
        found = [
            (short.start_char, short.end_char, long.start_char, long.end_char)
            for short in getattr(doc._, "abbreviations", None) or []
            if (long := short._.long_form) is not None
        ]
    return found


def short_forms_as_text(doc: Doc, text: str) -> list[tuple[int, int, str, str]] | None:
    """(start_char, end_char, text, long form's text) of each short form with a long form, in
    ``doc._.abbreviations`` order, as the getters give them but without building Spans
    (``text``: the Doc's text). None when the extensions are not ours (scispaCy's own detector
    re-registered them): then read ``doc._.abbreviations``.

    Why: the assembly reads every short form of every document."""
    found = short_form_offsets(doc)
    if found is None:
        return None
    return [(s, e, text[s:e], text[ls:le]) for s, e, ls, le in found]


def short_form_offsets(doc: Doc) -> list[tuple[int, int, int, int]] | None:
    """(start_char, end_char, long form's start_char, long form's end_char) of each short form
    with a long form, in ``doc._.abbreviations`` order, as the getters give them but without
    building Spans. None when the extensions are not ours (scispaCy's own detector
    re-registered them) or a stored span is empty: then read ``doc._.abbreviations``.

    Why: the findings and terminology components read every short form of every document."""
    doc_ext = Doc.get_extension("abbreviations")
    span_ext = Span.get_extension("long_form")
    if doc_ext is None or span_ext is None:
        return None
    if doc_ext[2] is not _abbreviations_getter or span_ext[2] is not _long_form_getter:
        return None
    stored = _stored(doc)
    if not stored:
        return []
    if any(e <= s or le <= ls for s, e, ls, le in stored):
        return None  # an empty span: leave its offsets to spaCy
    long_of: dict[tuple[int, int], tuple[int, int]] = {}
    for s, e, ls, le in stored:  # the first stored pair of a short form wins (_long_form_getter)
        long_of.setdefault((s, e), (ls, le))
    # only the tokens at the ends of the pairs (the Doc's whole offset arrays cost more)
    bounds: dict[int, tuple[int, int]] = {}

    def at(i: int) -> tuple[int, int]:
        found = bounds.get(i)
        if found is None:  # one Token per index (each ``doc[i]`` builds one)
            token = doc[i]
            found = bounds[i] = (token.idx, token.idx + len(token))
        return found

    out = []
    for s, e, _, _ in stored:
        ls, le = long_of[(s, e)]
        out.append((at(s)[0], at(e - 1)[1], at(ls)[0], at(le - 1)[1]))
    return out


def register_abbreviation_extensions() -> None:
    """Replace scispaCy's value extensions (Span objects) with getters over plain offsets.

    Called after every detector construction: scispaCy's constructor registers its own with
    ``force=True``.
    """
    Doc.set_extension("abbreviations", getter=_abbreviations_getter, force=True)
    Span.set_extension("long_form", getter=_long_form_getter, force=True)


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


def make_detector(nlp: Language) -> AbbreviationDetector:
    """scispaCy's detector with our candidate matcher and our global matcher (see the module
    docstring)."""
    detector = AbbreviationDetector(nlp)
    detector.matcher = ParenthesisMatcher(nlp)
    detector.global_matcher = OrthSequenceMatcher(nlp)
    register_abbreviation_extensions()
    return detector


def detect(detector: AbbreviationDetector, doc: Doc) -> list[tuple[Span, Span]]:
    """(short form, long form) pairs in scispaCy's order: ``AbbreviationDetector.__call__``
    without its writes to the extensions."""
    matches = detector.matcher(doc)
    inside = [(key, start + 1, end - 1) for key, start, end in matches]
    filtered = filter_matches(inside, doc)
    return [
        (short, long_form)
        for long_form, shorts in detector.find_matches_for(filtered, doc)
        for short in shorts
    ]


class Abbreviations:
    """Writes ``doc._.abbreviations`` (short-form spans, each with ``span._.long_form``)."""

    def __init__(self, nlp: Language, name: str, same_sentence_only: bool) -> None:
        register_extensions()
        self.nlp = nlp
        self.name = name
        self.same_sentence_only = same_sentence_only
        # the whole detection on token arrays (``DefinitionFinder``); ``detect`` plus
        # ``set_annotations`` is the straightforward path it must equal
        self.detector = DefinitionFinder(nlp, same_sentence_only)
        register_abbreviation_extensions()

    def __call__(self, doc: Doc) -> Doc:
        doc.user_data[ABBREVIATIONS_KEY] = []
        try:
            rows = self.detector(doc)
        except Exception as exc:  # failed on this doc: no abbreviations, fresh detector
            record_failure(doc, self.name, exc)
            self.detector = DefinitionFinder(self.nlp, self.same_sentence_only)
            return doc
        doc.user_data[ABBREVIATIONS_KEY] = rows
        return doc

    def set_annotations(self, doc: Doc, found: list[tuple[Span, Span]]) -> None:
        """The straightforward path (``detect``'s pairs): keep the short forms whose definition
        passes the filters; drop their long form if not."""
        by_long: dict[str, list[tuple[Span, Span]]] = {}
        for short, long in found:
            by_long.setdefault(long.text, []).append((short, long))
        kept: list[tuple[Span, Span]] = []
        for pairs in by_long.values():
            long = pairs[0][1]
            # The defining short form is the one right beside its long form: "long (SF)".
            definition = min((short for short, _ in pairs), key=lambda s: abs(s.start - long.end))
            ok = keep_definition(definition, long)
            if self.same_sentence_only:
                ok = ok and same_sentence(definition, long)
            if ok:
                kept.extend(pairs)
        kept.sort(key=lambda p: (p[0].start, p[0].end))
        doc.user_data[ABBREVIATIONS_KEY] = [[s.start, s.end, lf.start, lf.end] for s, lf in kept]


@Language.factory(
    "caseminer_abbreviations",
    assigns=["doc._.abbreviations"],
    requires=["token.is_sent_start"],
    default_config={"same_sentence_only": True},
)
def make_abbreviations(nlp: Language, name: str, same_sentence_only: bool) -> Abbreviations:
    """Factory for ``nlp.add_pipe("caseminer_abbreviations")``."""
    return Abbreviations(nlp, name, same_sentence_only)
