"""caseminer_terminology: open-terminology codes for diagnoses, and diagnoses the patterns missed.

Runs after caseminer_clinical. Reads top to bottom: load the cached index (ICD-10-CM, HPO with
UMLS CUIs, OMIM/Orphanet names; see caseminer.terminology), scan the document for vocabulary terms
(longest match, normalised words), then

1. code every existing DIAGNOSIS item: its text, else its ``normalized`` name, else the same
   words in any order, else the longest vocabulary term inside it; a short form defined in the
   text ("avascular necrosis (AVN)") is coded through its long form. Codes already present are
   kept; only systems the item lacks are added.
2. add NEW DIAGNOSIS items for vocabulary matches no existing item overlaps, behind precision
   filters: a stop-list of generic words, case-sensitive short abbreviations, no all-capital short
   words matched case-insensitively, no sign/symptom categories (ICD-10-CM chapter R by default),
   nothing in the references.

Matching (``match``) is separate from writing (``set_annotations``).
"""

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc, Span

from caseminer.nlp.extensions import (
    ATTRS_KEY,
    DIAGNOSIS,
    SPAN_GROUP,
    add_items,
    get_attrs,
    items,
    register_extensions,
    section_at,
)
from caseminer.nlp.findings.handoff import abbreviation_pairs, take
from caseminer.nlp.tokenizer import doc_text
from caseminer.patterns import read_json
from caseminer.terminology.cache import load_index
from caseminer.terminology.index import Match, TerminologyIndex
from caseminer.terminology.normalize import key

# bound of the linker's lookups and codes kept across documents (emptied when reached)
_MEMO_SIZE = 50_000


@Language.factory(
    "caseminer_terminology",
    assigns=["doc.spans"],
    requires=["doc.spans"],
    default_config={
        "patterns_dir": None,
        "cache_path": None,
        "add_new_items": True,
        "new_item_categories": ["icd", "disease", "hpo"],
        "exclude_categories": ["icd:R"],
        "skip_sections": ["references", "acknowledgements"],
        "max_codes_per_system": 1,
    },
)
def make_terminology(
    nlp: Language,
    name: str,
    patterns_dir: str | None,
    cache_path: str | None,
    add_new_items: bool,
    new_item_categories: list[str],
    exclude_categories: list[str],
    skip_sections: list[str],
    max_codes_per_system: int,
) -> "TerminologyLinker":
    """Build the component (the index is built into the cache dir on first use).
    ``patterns_dir`` overrides caseminer/patterns/terminology for the new-item rules and the
    stop-list (the index itself is built from the packaged folder).

    (No ``from __future__ import annotations`` here: spaCy validates factory arguments from
    their real annotations.)
    """
    register_extensions()
    return TerminologyLinker(
        load_index(cache_path),
        add_new_items=add_new_items,
        new_item_categories=tuple(new_item_categories),
        exclude_categories=tuple(exclude_categories),
        skip_sections=frozenset(skip_sections),
        max_codes_per_system=max_codes_per_system,
        patterns_dir=patterns_dir,
    )


def load_new_item_rules(patterns_dir: str | None = None) -> dict[str, Any]:
    """Disease-shaped heads a new item needs (patterns/terminology/new_items.json)."""
    rules = read_json("terminology", "new_items.json", patterns_dir)
    return {
        "head_words": frozenset(key(w) for w in rules["head_words"]),
        "head_suffixes": tuple(rules["head_suffixes"]),
        "always_categories": tuple(rules["always_categories"]),
    }


def load_stoplist(patterns_dir: str | None = None) -> frozenset[str]:
    """Normalised keys never added as new items (patterns/terminology/stoplist.json)."""
    return frozenset(
        key(t) for t in read_json("terminology", "stoplist.json", patterns_dir)["terms"]
    )


@dataclass
class DocMatches:
    """What ``match`` found: vocabulary terms in the text and coded short forms."""

    terms: list[Match] = field(default_factory=list)
    # short form text -> (entries of its long form)
    short_forms: dict[str, list[list[Any]]] = field(default_factory=dict)
    # (start_char, end_char) of every short-form use whose long form is coded
    short_spans: list[tuple[int, int, str]] = field(default_factory=list)
    # the Doc's text (slices of it are the items' texts, without building them from tokens)
    text: str = ""
    # the document's whole-mention lookups and codes (long forms now, items' texts later)
    memo: "_Memo | None" = None

    @cached_property
    def term_starts(self) -> list[int]:
        """start_char of each term, in text order as the scan returns them (for bisecting)."""
        return [m.start_char for m in self.terms]


class TerminologyLinker:
    """Codes DIAGNOSIS items and adds vocabulary diagnoses; see the module docstring."""

    def __init__(
        self,
        index: TerminologyIndex,
        add_new_items: bool = True,
        new_item_categories: tuple[str, ...] = ("icd", "disease", "hpo"),
        exclude_categories: tuple[str, ...] = ("icd:R",),
        skip_sections: frozenset[str] = frozenset({"references", "acknowledgements"}),
        max_codes_per_system: int = 1,
        patterns_dir: str | None = None,
    ):
        self.index = index
        self.add_new_items = add_new_items
        self.new_item_categories = new_item_categories
        self.exclude_categories = exclude_categories
        self.skip_sections = skip_sections
        self.per_system = max_codes_per_system
        self.stoplist = load_stoplist(patterns_dir)
        # whole-mention lookups and codes kept across documents (see ``memo``)
        self._entries: dict[str, tuple[list[list[Any]], bool]] = {}
        self._codes: dict[Any, list[dict[str, str]]] = {}
        self._kept: dict[tuple[str, str], bool] = {}  # see ``add_items``
        # (item text, its normalized name, the surface of the longest term inside) -> its codes,
        # across documents (see ``_codes_at``)
        self._coded: dict[tuple[str, str, str | None], list[dict[str, str]]] = {}
        self.rules = load_new_item_rules(patterns_dir)

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    # ---- matching ------------------------------------------------------------------------
    def match(self, doc: Doc) -> DocMatches:
        text = doc_text(doc)
        memo = self.memo()
        found = DocMatches(terms=self.index.scan(text), text=text, memo=memo)
        shorts = abbreviation_pairs(doc)  # plain offsets, read once for both components
        for start, end, long_start, long_end in shorts:
            short, long = text[start:end], text[long_start:long_end]
            entries, _ = memo.lookup_entries(long)
            if entries:
                found.short_forms[short] = [[e[0], "a"] for e in entries]
                if self.keep_new(long, entries, long):
                    found.short_spans.append((start, end, short))
        return found

    def memo(self) -> "_Memo":
        """A ``_Memo`` over the linker's lookups and codes, kept across documents: a lookup or
        a coding depends only on its text or entries (the index and ``per_system`` are the
        linker's), and the same diagnoses recur from one report to the next. Emptied when it
        reaches _MEMO_SIZE entries so that it never grows without bound."""
        if len(self._entries) + len(self._codes) >= _MEMO_SIZE:
            self._entries.clear()
            self._codes.clear()
        return _Memo(self.index, self.per_system, self._entries, self._codes)

    # ---- writing -------------------------------------------------------------------------
    def set_annotations(self, doc: Doc, found: DocMatches) -> None:
        """Code the DIAGNOSIS items, then add new ones. The items are read as offsets: from
        what the findings component left for this Doc (caseminer.nlp.findings.handoff) when it
        still fits, else from one pass over the group. Their fields are read and written in
        the store under their keys (``get_attrs``/``set_attrs`` without a Span each)."""
        left = take(doc)
        if left is not None:
            diagnoses, covered = left.diagnoses, left.covered
        else:
            diagnoses, covered = _read_items(doc, len(found.text or doc_text(doc)))
        memo = found.memo or self.memo()  # mentions repeat in a document and across documents
        if len(self._coded) >= _MEMO_SIZE:
            self._coded.clear()
        user_data = doc.user_data
        text = found.text or (doc.text if diagnoses else "")
        for start, end in diagnoses:
            key = f"{DIAGNOSIS} {start} {end}"
            stored = user_data.get(ATTRS_KEY, {}).get(key, {})  # get_attrs
            codes = self._codes_at(text[start:end], start, end, found, memo, stored)
            if codes:
                attrs = dict(stored)
                have = {c["system"] for c in attrs.get("codes") or []}
                extra = [c for c in codes if c["system"] not in have]
                if extra:
                    attrs["codes"] = list(attrs.get("codes") or []) + extra
                    store = user_data.get(ATTRS_KEY)  # set_attrs
                    if store is None:
                        store = user_data[ATTRS_KEY] = {}
                    store[key] = attrs
        if self.add_new_items:
            self.add_items(doc, found, covered=covered)

    def codes_for(
        self, span: Span, found: DocMatches, memo: "_Memo | None" = None
    ) -> list[dict[str, str]]:
        """Codes of one existing item, most direct evidence first, never a guess: the short
        form's long form, the text, the normalized name, then the longest term inside the span.
        Later steps only fill terminologies the earlier ones left empty."""
        memo = (found.memo or self.memo()) if memo is None else memo
        start, end = span.start_char, span.end_char
        text = found.text[start:end] if found.text else span.text
        return self._codes_at(text, start, end, found, memo, get_attrs(span))

    def _codes_at(
        self,
        text: str,
        start_char: int,
        end_char: int,
        found: DocMatches,
        memo: "_Memo",
        stored: dict[str, Any],
    ) -> list[dict[str, str]]:
        """``codes_for`` of the item over ``start_char..end_char`` whose text is ``text`` and
        whose stored fields are ``stored``.

        Kept per (text, normalized name, surface of the longest term inside) across documents:
        the steps' entries follow from those three alone (a whole-mention lookup from its
        string, the scan's entries for a term from its surface, see ``TerminologyIndex.scan``),
        and the same diagnoses recur. Not kept for a short form defined in the text, whose
        long form is the document's. Each call gets its own dicts."""
        text = text.strip()
        lo = bisect_left(found.term_starts, start_char)  # a scan is quadratic in length
        hi = bisect_left(found.term_starts, end_char)
        inner = [m for m in found.terms[lo:hi] if m.end_char <= end_char]
        best = max(inner, key=lambda m: (m.last - m.first, m.end_char)) if inner else None
        normalized = str(stored.get("normalized") or "")
        name = None
        if found.text and text not in found.short_forms:
            surface = found.text[best.start_char : best.end_char] if best is not None else None
            name = (text, normalized, surface)
            known = self._coded.get(name)
            if known is not None:
                return [dict(c) for c in known]
        steps: list[tuple[list[list[Any]], bool]] = []
        if text in found.short_forms:
            steps.append((found.short_forms[text], False))
        for mention in (text, normalized):
            steps.append(memo.lookup_entries(mention))
        if best is not None:
            steps.append((best.entries, True))
        codes: list[dict[str, str]] = []
        for entries, variant in steps:
            if not entries:
                continue
            have = {c["system"] for c in codes}
            for code in memo.ranked(entries, variant):
                if code["system"] not in have:
                    codes.append(dict(code))
        if name is not None:
            self._coded[name] = [dict(c) for c in codes]
        return codes

    def add_items(
        self,
        doc: Doc,
        found: DocMatches,
        existing: list[Span] | None = None,
        covered: bytearray | None = None,
    ) -> None:
        """New DIAGNOSIS items for the vocabulary matches no item overlaps (``existing``: the
        doc's items, or ``covered``: the characters they cover, when the caller has them)."""
        text = doc_text(doc)  # not doc.text: spaCy rebuilds that string on every access
        if covered is None:
            existing = items(doc) if existing is None else existing
            covered = _covering((s.start_char, s.end_char) for s in existing)
        taken = covered
        candidates: list[tuple[int, int, list[list[Any]], bool]] = []
        kept = self._kept  # (surface, key) -> keep_new, across documents
        if len(kept) >= _MEMO_SIZE:
            kept.clear()
        for m in found.terms:
            surface = text[m.start_char : m.end_char]
            before = text[m.start_char - 1 : m.start_char] if m.start_char else ""
            after = text[m.end_char : m.end_char + 1]
            if "-" in (before, after):  # part of a compound ("melanoma-specific")
                continue
            if m.key:  # a scanned term's entries follow from its key and surface
                keep = kept.get((surface, m.key))
                if keep is None:
                    keep = kept[(surface, m.key)] = self.keep_new(surface, m.entries, norm=m.key)
            else:
                keep = self.keep_new(surface, m.entries)
            if keep:
                candidates.append((m.start_char, m.end_char, m.entries, m.normalised))
        for start, end, short in found.short_spans:
            candidates.append((start, end, found.short_forms[short], False))
        if not candidates:
            return
        sections = doc._.sections or []  # read once: ``doc._`` costs more than the bisect
        section_starts = [sec["start_char"] for sec in sections]
        label = doc.vocab.strings.add(DIAGNOSIS)  # a string is looked up again by every Span

        def rows() -> Iterator[tuple[Span, dict[str, Any]]]:  # each written as it is yielded
            for start, end, entries, variant in sorted(candidates, key=lambda c: c[0]):
                if end > start and taken.find(1, max(0, start), end) != -1:  # Coverage.overlaps
                    continue
                sec = section_at(sections, start, section_starts)
                if (sec["kind"] if sec else "case") in self.skip_sections:
                    continue
                span = doc.char_span(start, end, label=label, alignment_mode="expand")
                if span is None or not text[span.start_char : span.end_char].strip():
                    continue
                codes = self.index.codes(entries, variant, self.per_system)
                yield (
                    span,
                    {
                        "normalized": (codes[0]["display"] if codes else span.text).lower(),
                        "status": "confirmed",
                        "codes": codes,
                        "rule": f"terminology.{codes[0]['system'].lower() if codes else 'vocab'}",
                    },
                )
                _mark(taken, span.start_char, span.end_char)

        add_items(doc, DIAGNOSIS, rows())

    def keep_new(
        self,
        surface: str,
        entries: list[list[Any]],
        long_form: str = "",
        norm: str | None = None,
    ) -> bool:
        """Precision filters for a vocabulary match that no other extractor claimed (for a short
        form, ``long_form`` is what the filters judge). ``norm``: the key of what is judged
        when the caller has it (a scanned term's own key), instead of splitting it again."""
        norm = key(long_form or surface) if norm is None else norm
        if norm in self.stoplist or len(surface) < 3:
            return False
        abbreviation_entry = bool(long_form) or any(len(e) > 2 for e in entries)
        if not abbreviation_entry and len(surface) <= 5 and surface.isupper():
            return False
        cats = [self.index.category(e[0]) for e in entries]
        if any(c.startswith(self.exclude_categories) for c in cats):
            return False
        if not any(c.startswith(self.new_item_categories) for c in cats):
            return False
        return self.disease_shaped(norm, cats)

    def disease_shaped(self, norm: str, cats: list[str]) -> bool:
        """Annotators call a term a disorder (not a sign) when its head is disease-like."""
        if any(c.startswith(self.rules["always_categories"]) for c in cats):
            return True
        head = norm.rsplit(" ", 1)[-1]
        return head in self.rules["head_words"] or head.endswith(self.rules["head_suffixes"])


class _Memo:
    """Whole-mention lookups and codes: the same diagnosis is usually named several times,
    and each lookup splits and normalises its text and each coding ranks its entries. Holds
    one document's mentions unless the caller passes dicts to share (``TerminologyLinker.memo``
    shares the linker's, bounded); every caller gets its own code dicts."""

    def __init__(
        self,
        index: TerminologyIndex,
        per_system: int,
        entries: dict[str, tuple[list[list[Any]], bool]] | None = None,
        codes: dict[Any, list[dict[str, str]]] | None = None,
    ) -> None:
        self.index = index
        self.per_system = per_system
        self._entries = {} if entries is None else entries
        self._codes = {} if codes is None else codes

    def lookup_entries(self, text: str) -> tuple[list[list[Any]], bool]:
        found = self._entries.get(text)
        if found is None:
            found = self._entries[text] = self.index.lookup_entries(text)
        return found

    def codes(self, entries: list[list[Any]], variant: bool) -> list[dict[str, str]]:
        return [dict(c) for c in self.ranked(entries, variant)]

    def ranked(self, entries: list[list[Any]], variant: bool) -> list[dict[str, str]]:
        """``codes`` without the copies: the memo's own list (the caller copies what it keeps)."""
        name = (variant, *map(tuple, entries))
        found = self._codes.get(name)
        if found is None:
            found = self._codes[name] = self.index.codes(entries, variant, self.per_system)
        return found


def _covering(ranges: Iterable[tuple[int, int]]) -> bytearray:
    """One byte per character, 1 where one of ``ranges`` covers it (``Coverage``'s mask)."""
    covered = bytearray()
    for start, end in ranges:
        _mark(covered, start, end)
    return covered


def _mark(covered: bytearray, start: int, end: int) -> None:
    """``Coverage.add``: mark ``[start, end)`` (nothing for an empty range)."""
    if end <= start:
        return
    if end > len(covered):
        covered.extend(bytes(end - len(covered)))
    covered[max(0, start) : end] = b"\x01" * (end - max(0, start))


def _read_items(doc: Doc, size: int) -> tuple[list[tuple[int, int]], bytearray]:
    """One pass over the item group: the DIAGNOSIS items' offsets in group order, and the
    characters any item covers (``size``: the text's length)."""
    diagnosis = hash_string(DIAGNOSIS)  # compared as a hash: ``label_`` is a string lookup
    diagnoses: list[tuple[int, int]] = []
    covered = bytearray(size)
    for span in doc.spans[SPAN_GROUP] if SPAN_GROUP in doc.spans else ():
        start, end = span.start_char, span.end_char
        if span.label == diagnosis:
            diagnoses.append((start, end))
        _mark(covered, start, end)
    return diagnoses, covered
