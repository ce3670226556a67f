"""caseminer_imaging: one IMAGING item per imaging-study mention, with what the sentence says of it.

Reads top to bottom as: load the vocabularies (caseminer/patterns/imaging/), find modality terms
in the text, keep those that are study mentions (context gates for ambiguous short forms such as
"US"), group mentions that share a sentence stretch, read body sites, side, planes, MRI sequences,
contrast and findings from that stretch, and add the items with ``add_items``.

The item span is the study mention as MACCROBAT annotators mark it: the modality name ("CT",
"MRI", "X rays", "transthoracic echocardiography", "bone scan"), without the body site or the
word "scan"; the site and everything else go into the attrs.
"""

# No `from __future__ import annotations` here: spaCy resolves the factory's type hints at
# runtime to validate its config.
import bisect
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from caseminer.nlp.diskcache import copy_pattern_files
from caseminer.nlp.doc_arrays import has_sentences, token_table
from caseminer.nlp.extensions import IMAGING, add_items, register_extensions, section_at
from caseminer.nlp.imaging.attrs import (
    abbreviation_definitions,
    accept,
    describe_group,
    drop_umbrella_terms,
    group_mentions,
    merge_modes,
    split_hybrids,
)
from caseminer.nlp.imaging.vocab import (
    PATTERNS_DIR,
    Gate,
    StudyMatch,
    Vocabulary,
    find_modality_terms,
    load_vocabulary,
)
from caseminer.nlp.tokenizer import doc_text

_FALLBACK_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])|\n\s*\n")


@Language.factory(
    "caseminer_imaging",
    assigns=["doc.spans"],
    default_config={
        "patterns_dir": None,
        "skip_sections": ["keywords", "references"],
        "generic_skip_sections": [
            "introduction",
            "discussion",
            "conclusion",
            "acknowledgements",
        ],
    },
)
def make_imaging(
    nlp: Language,
    name: str,
    patterns_dir: str | None,
    skip_sections: list[str],
    generic_skip_sections: list[str],
) -> "ImagingExtractor":
    """Factory: ``nlp.add_pipe("caseminer_imaging")``. ``patterns_dir`` overrides the packaged
    vocabularies (a folder laid out like caseminer/patterns/imaging); mentions in the section
    kinds ``skip_sections`` (keyword lists, references) are not studies; a generic study word
    (gate "generic", e.g. "imaging") in ``generic_skip_sections`` is literature talk ("multimodal
    imaging is recommended"), not a study of this patient. Section kinds are those of
    caseminer_sections."""
    register_extensions()
    return ImagingExtractor(
        name=name,
        vocab=load_vocabulary(patterns_dir),
        skip_sections=skip_sections,
        generic_skip_sections=generic_skip_sections,
        patterns_dir=patterns_dir,
    )


class ImagingExtractor:
    """Finds imaging studies and writes them as IMAGING items."""

    def __init__(
        self,
        name: str,
        vocab: Vocabulary,
        skip_sections: list[str] | None = None,
        generic_skip_sections: list[str] | None = None,
        patterns_dir: str | None = None,
    ) -> None:
        self.name = name
        self.vocab = vocab
        self.patterns_dir = str(patterns_dir or PATTERNS_DIR)
        self.skip_sections = set(skip_sections or ())
        self.generic_skip_sections = set(generic_skip_sections or ())

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        """spaCy's ``nlp.to_disk``: the pattern files this component was built from."""
        copy_pattern_files(self.patterns_dir, path)

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> "ImagingExtractor":
        """spaCy's ``spacy.load``: rebuild from the pattern files ``to_disk`` wrote."""
        self.patterns_dir = str(path)
        self.vocab = load_vocabulary(self.patterns_dir)
        return self

    def match(self, doc: Doc) -> list[tuple[int, int, dict[str, Any]]]:
        """(start_char, end_char, attrs) of every study mention, in text order."""
        text = doc_text(doc)
        terms = find_modality_terms(text, self.vocab)
        # the definitions are looked up by a term's surface only (``accept``)
        defs = abbreviation_definitions(text, self.vocab, {text[m.start : m.end] for m in terms})
        kind_at = _section_kinds(doc)
        mentions = [
            m
            for m in terms
            if accept(text, m, self.vocab, defs) and not self._skipped(doc, m, kind_at)
        ]
        mentions = split_hybrids(text, merge_modes(text, mentions, self.vocab), self.vocab)
        bounds = sentence_bounds(doc)
        starts = [b[0] for b in bounds]
        by_sentence: dict[int, list[StudyMatch]] = {}
        for m in mentions:
            by_sentence.setdefault(max(0, bisect.bisect_right(starts, m.start) - 1), []).append(m)
        results: list[tuple[int, int, dict[str, Any]]] = []
        for index, sent_mentions in by_sentence.items():
            sent_mentions = drop_umbrella_terms(text, sent_mentions, self.vocab)
            sent_start, sent_end = bounds[index] if bounds else (0, len(text))
            results.extend(self._describe_sentence(text, sent_mentions, sent_start, sent_end))
        return sorted(results, key=lambda r: r[0])

    def _describe_sentence(
        self, text: str, mentions: list[StudyMatch], sent_start: int, sent_end: int
    ) -> list[tuple[int, int, dict[str, Any]]]:
        """Group one sentence's mentions and describe each group.

        Sequence mentions ("T1-weighted images") ride on the study whose part of the sentence
        holds them: they must not cut "On MRI, the mass was hypointense on T1-weighted images"
        into two groups, which would take the sequence and the finding away from the MRI.
        """
        riders = [m for m in mentions if self.vocab.cues["rider_rules"].fullmatch(m.rule.id)]
        main = [m for m in mentions if m not in riders] or riders
        groups = group_mentions(text, main, sent_start, sent_end, self.vocab)
        out: list[tuple[int, int, dict[str, Any]]] = []
        shared_of = [describe_group(text, g, self.vocab) for g in groups]
        for group, shared in zip(groups, shared_of, strict=True):
            for m in group.mentions:
                attrs = {"modality": m.modality, **shared, "rule": f"imaging.{m.rule.id}"}
                out.append((m.start, m.end, attrs))
        if main is riders:
            return out
        for m in riders:
            index = next((i for i, g in enumerate(groups) if g.seg_start <= m.start < g.seg_end), 0)
            attrs = {"modality": m.modality, **shared_of[index], "rule": f"imaging.{m.rule.id}"}
            out.append((m.start, m.end, attrs))
        return out

    def set_annotations(self, doc: Doc, matches: list[tuple[int, int, dict[str, Any]]]) -> None:
        """Add one IMAGING item per match (token-aligned outward if the tokenizer split oddly)."""
        add_items(doc, IMAGING, self._items(doc, matches))  # each written as it is yielded

    @staticmethod
    def _items(
        doc: Doc, matches: list[tuple[int, int, dict[str, Any]]]
    ) -> Iterator[tuple[Span, dict[str, Any]]]:
        """The (span, attrs) of each item ``set_annotations`` writes, in order. The label is
        given as its hash (a string is looked up in the StringStore by every Span), and
        ``char_span``'s Span is the item (``Span(doc, span.start, span.end, label=IMAGING)``
        is the same Span)."""
        taken: set[tuple[int, int]] = set()
        label = doc.vocab.strings.add(IMAGING)
        for start, end, attrs in matches:
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is None or (span.start, span.end) in taken:
                continue
            taken.add((span.start, span.end))
            yield span, attrs

    def _skipped(
        self, doc: Doc, m: StudyMatch, kind_at: "Callable[[int], str] | None" = None
    ) -> bool:
        """Whether the mention lies in a section kind its gate skips (``kind_at``: the
        document's ``_section_kinds``, when the caller has it)."""
        kinds = self.skip_sections
        if m.rule.gate is Gate.GENERIC:
            kinds = kinds | self.generic_skip_sections
        if not kinds:
            return False
        return (kind_at or _section_kinds(doc))(m.start) in kinds


def _section_kinds(doc: Doc) -> "Callable[[int], str]":
    """``section_kind_at(doc, char)`` with the sections read off the Doc once (each
    ``doc._.sections`` builds an Underscore object; a document has many mentions)."""
    sections = doc._.sections or []
    starts = [sec["start_char"] for sec in sections]

    def kind_at(char: int) -> str:
        sec = section_at(sections, char, starts)
        return sec["kind"] if sec else "case"

    return kind_at


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """(start_char, end_char) of each sentence: the Doc's when set, else a punctuation split."""
    table = token_table(doc)  # the Doc's shared token columns (``caseminer.nlp.doc_arrays``)
    if has_sentences(doc, table):  # doc.has_annotation("SENT_START")
        if "sents" in doc.user_hooks or not table.n:
            return [(s.start_char, s.end_char) for s in doc.sents]
        # what doc.sents gives, from token arrays: a sentence starts at token 0 and at every
        # token flagged as a start, and ends where the next begins
        starts, idx, ends = table.starts0, table.idx, table.ends
        last_char = [ends[i - 1] for i in starts[1:]]
        last_char.append(ends[-1])
        return list(zip([idx[i] for i in starts], last_char, strict=True))
    bounds: list[tuple[int, int]] = []
    start = 0
    text = doc_text(doc)
    for m in _FALLBACK_SENT.finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds
