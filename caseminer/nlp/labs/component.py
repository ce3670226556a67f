"""caseminer_labs: laboratory results (and bedside measurements) as LAB items.

Reads top to bottom as: load the analyte catalogue (from ``patterns_dir``, when the component is
built), find analyte and value mentions, pair them (prose and flattened tables separately), attach
reference ranges, interpret (``interpret.py``), write items with a ``normalized`` value.
The item span is the value evidence ("7.8 mg/dL", "<0.5", "negative", "within normal limits");
the analyte mention goes in ``analyte_text``/``analyte_start_char``/``analyte_end_char``.
A value is only reported when a test anchors it in the same clause: a catalogue analyte, or a noun
phrase whose head is a test (``test_heads`` in tests.json), so doses, ages, years, sizes, body
parts and citations do not become labs.
"""

import bisect
import re
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from caseminer.nlp.doc_arrays import has_sentences, token_table
from caseminer.nlp.extensions import LAB, add_items, items, register_extensions, section_at
from caseminer.nlp.labs.catalogue import (
    Catalogue,
    analyte_name,
    find_analytes,
    load_catalogue,
    normalize,
)
from caseminer.nlp.labs.interpret import Interpreter
from caseminer.nlp.labs.markers import find_marker_signs, load_marker_vocab
from caseminer.nlp.labs.names import text_base, text_words
from caseminer.nlp.labs.pairing import ProsePairer, range_of
from caseminer.nlp.labs.results import LabMatch, ResultWords, inside, sentence_bounds_same
from caseminer.nlp.labs.scan import lowered
from caseminer.nlp.labs.scores import (
    find_changes,
    find_classes,
    find_graded,
    find_percentiles,
    find_status,
    load_score_vocab,
)
from caseminer.nlp.labs.tables import find_table_regions, pair_table, table_events
from caseminer.nlp.labs.test_heads import find_attached_results, find_test_for, load_test_vocab
from caseminer.nlp.labs.test_values import (
    find_respectively,
    find_test_values,
    load_value_vocab,
)
from caseminer.nlp.labs.values import find_values, value_regex
from caseminer.nlp.tokenizer import doc_text
from caseminer.patterns import concern_dir


@Language.factory(
    "caseminer_labs",
    assigns=["doc.spans"],
    default_config={
        "max_gap_chars": 60,
        "max_gap_words": 7,
        "unitless_max_gap_chars": 30,
        "result_max_gap_chars": 60,
        "tables": True,
        "use_catalogue_ranges": True,
        "skip_sections": ["references", "acknowledgements"],
        "other_tests": True,
        "patterns_dir": None,
    },
)
def make_labs(
    nlp: Language,
    name: str,
    max_gap_chars: int,
    max_gap_words: int,
    unitless_max_gap_chars: int,
    result_max_gap_chars: int,
    tables: bool,
    use_catalogue_ranges: bool,
    skip_sections: list[str],
    other_tests: bool,
    patterns_dir: str | None,
) -> "LabExtractor":
    """Factory of the labs component (entry point caseminer.nlp.labs.component:make_labs)."""
    register_extensions()
    return LabExtractor(
        name,
        max_gap_chars=max_gap_chars,
        max_gap_words=max_gap_words,
        unitless_max_gap_chars=unitless_max_gap_chars,
        result_max_gap_chars=result_max_gap_chars,
        tables=tables,
        use_catalogue_ranges=use_catalogue_ranges,
        skip_sections=skip_sections,
        other_tests=other_tests,
        patterns_dir=patterns_dir,
    )


class LabExtractor:
    """Finds lab results; ``match`` returns pairings, ``set_annotations`` writes LAB items."""

    def __init__(
        self,
        name: str = "caseminer_labs",
        *,
        max_gap_chars: int = 60,
        max_gap_words: int = 7,
        unitless_max_gap_chars: int = 30,
        result_max_gap_chars: int = 60,
        tables: bool = True,
        use_catalogue_ranges: bool = True,
        skip_sections: list[str] | tuple[str, ...] = ("references", "acknowledgements"),
        other_tests: bool = True,
        patterns_dir: str | Path | None = None,
    ) -> None:
        register_extensions()
        self.name = name
        self.tables = tables
        self.skip_sections = frozenset(skip_sections)
        self.other_tests = other_tests
        self.use_catalogue_ranges = use_catalogue_ranges
        self._gaps = (max_gap_chars, max_gap_words, unitless_max_gap_chars, result_max_gap_chars)
        self._load(patterns_dir)

    def _load(self, patterns_dir: str | Path | None) -> None:
        """Read everything the component knows from ``patterns_dir``, once (None: packaged)."""
        max_gap_chars, max_gap_words, unitless_max_gap_chars, result_max_gap_chars = self._gaps
        self.patterns_dir = patterns_dir
        self.cat: Catalogue = load_catalogue(patterns_dir)
        self.test_vocab = load_test_vocab(patterns_dir)
        self.score_vocab = load_score_vocab(patterns_dir)
        self.value_vocab = load_value_vocab(patterns_dir)
        self.marker_vocab = load_marker_vocab(patterns_dir)
        vocab = self.cat.vocab
        self.value_re = value_regex(self.cat)
        self.interp = Interpreter(self.cat, use_catalogue_ranges=self.use_catalogue_ranges)
        self.results = ResultWords(self.cat, self.interp, max_gap_chars=result_max_gap_chars)
        self.pairer = ProsePairer(
            self.cat,
            max_gap_chars=max_gap_chars,
            max_gap_words=max_gap_words,
            unitless_max_gap_chars=unitless_max_gap_chars,
        )
        followers = "|".join(re.escape(w) for w in vocab["drug_followers"])
        self.drug_follow_re = re.compile(rf"\s+(?i:{followers})\b")
        self.category_names: dict[str, str] = dict(vocab.get("category_names", {}))
        # the words the name matchers and the change finder look up in a text's split (found
        # there in one pass)
        self.name_keys = (
            self.cat.analyte_names.first_words()
            | self.interp.result_names.first_words()
            | self.score_vocab.change_words
            | self.score_vocab.prefix_words
            | self.score_vocab.plus_before_first
        )

    # -- serialization: the component is its data folder -----------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the data files the component was built from (``nlp.to_disk`` calls this)."""
        src, dst = concern_dir("labs", self.patterns_dir), Path(path)
        dst.mkdir(parents=True, exist_ok=True)
        for f in src.iterdir():
            if f.is_file() and f.suffix in (".json", ".jsonl", ".md"):
                shutil.copyfile(f, dst / f.name)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "LabExtractor":
        """Rebuild the component from data files written by ``to_disk``."""
        self._load(Path(path))
        return self

    # -- component -------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[LabMatch]:
        """All lab pairings in the doc: tables first, then prose outside the tables."""
        text = doc_text(doc)
        lower = text.lower()
        low = lowered(text, lower)  # read by the value and score finders
        base = text_base(text, lower)  # read by the word split of each stretch of prose
        bounds = _sentence_bounds(doc)
        regions = find_table_regions(text) if self.tables else []
        out: list[LabMatch] = []
        taken: list[tuple[int, int]] = []
        for region in regions:
            values = [
                v
                for v in find_values(text, self.cat, self.value_re, region.start, region.end, low)
                + self.results.find_in_table(text, region.start, region.end)
            ]
            values.sort(key=lambda v: v.start)
            events = table_events(text, region, self.cat, values)
            for pair in pair_table(events, self.cat):
                out.append(LabMatch(pair.analyte, pair.value, "table", pair.rule))
            taken.append((region.start, region.end))
        segments = _complement(taken, len(text))
        for lo, hi in segments:
            out.extend(self._match_prose(text, lo, hi, bounds, low, base))
        for m in out:
            self.interp.interpret(text, m, base)
        return out

    # -- prose -----------------------------------------------------------------------------
    def _match_prose(
        self,
        text: str,
        lo: int,
        hi: int,
        bounds: list[int],
        low: str | None,
        base: tuple[str, bool] | None = None,
    ) -> list[LabMatch]:
        # looked up by both name matchers
        words = text_words(text, lo, hi, self.name_keys, base)
        analytes = [
            a
            for a in find_analytes(text, self.cat, lo, hi, words=words)
            if not self.drug_follow_re.match(text, a.end, min(len(text), a.end + 30))
        ]
        values = [
            v
            for v in find_values(text, self.cat, self.value_re, lo, hi, low)
            if not self.pairer.dose_like(text, v)
        ]
        astarts = [a.start for a in analytes]
        values = [v for v in values if not inside(analytes, astarts, v.start)]
        orphans = self.pairer.reference_ranges(text, values)
        live = [v for v in values if not v.consumed]
        results = self.results.find(text, lo, hi, analytes, words)
        matches = self.pairer.pair_numeric(text, analytes, live, bounds)
        matches = self.pairer.respectively(text, analytes, live, bounds, matches)
        matches += self.results.pair(text, analytes, results, live, bounds)
        if self.other_tests:
            taken = {id(m.value) for m in matches}
            sent_start = lambda pos: _sentence_start(bounds, pos)  # noqa: E731
            args = (analytes, sent_start, self.test_vocab, self.value_vocab)
            listed = find_respectively(text, live, taken, *args)
            ids = {id(m.value) for m in listed}
            matches = [m for m in matches if id(m.value) not in ids] + listed
            taken |= ids
            matches += find_test_values(text, live, taken, *args, low)
            matches += self._other_tests(text, results, matches, bounds)
            for a, r, rule in find_attached_results(text, lo, hi, self.test_vocab):
                r.interpretation = self.results.interpretation(r.qualitative or "")
                matches.append(LabMatch(a, r, "text", rule))
            for a, r in find_marker_signs(text, lo, hi, self.marker_vocab, self.cat):
                r.interpretation = self.results.interpretation(r.qualitative or "")
                matches.append(LabMatch(a, r, "text", "prose_marker_sign"))
        matches += self._scores(text, lo, hi, bounds, matches, analytes, low, words)
        matches.sort(key=lambda m: m.value.start)
        for ref_value, pos in orphans:
            before = [
                m
                for m in matches
                if m.value.end <= pos and sentence_bounds_same(bounds, m.value.end, pos)
            ]
            if before and before[-1].value.reference is None:
                before[-1].value.reference = range_of(ref_value)
        return matches

    def _scores(self, text, lo, hi, bounds, matches, analytes, low, words=None) -> list[LabMatch]:
        """Murmur and plus grades, then percentiles; never over a value already taken."""
        spans = [(m.value.start, m.value.end) for m in matches]
        out: list[LabMatch] = []
        for a, v, rule in find_graded(text, lo, hi, bounds, self.score_vocab, low, words):
            if any(s < v.end and v.start < e for s, e in spans):
                continue
            spans.append((v.start, v.end))
            out.append(LabMatch(a, v, "text", rule))
        changes = find_changes(text, lo, hi, self.score_vocab, self.test_vocab, low, words)
        for a, v, rule in changes:
            if not any(s < v.end and v.start < e for s, e in spans):
                spans.append((v.start, v.end))
                out.append(LabMatch(a, v, "text", rule))
        for a, v in find_classes(text, analytes):
            if not any(s < v.end and v.start < e for s, e in spans):
                spans.append((v.start, v.end))
                out.append(LabMatch(a, v, "text", "prose_score_class"))
        for a, v in find_status(text, lo, hi, self.score_vocab, low):
            if not any(s < v.end and v.start < e for s, e in spans):
                spans.append((v.start, v.end))
                out.append(LabMatch(a, v, "text", "prose_patient_status"))
        for m in find_percentiles(text, lo, hi, matches + out, analytes, self.score_vocab, low):
            if not any(s < m.value.end and m.value.start < e for s, e in spans):
                out.append(m)
        return out

    def _other_tests(self, text, results, matches, bounds) -> list[LabMatch]:
        """Result words no catalogue analyte took, anchored by a test named in the text."""
        taken = {id(m.value) for m in matches}
        skip = self.test_vocab.not_test_results
        out: list[LabMatch] = []
        for r in results:
            if id(r) in taken or r.qualitative in skip:
                continue
            k = bisect.bisect_right(bounds, r.start) - 1
            s0 = bounds[k] if k >= 0 else 0
            s1 = bounds[k + 1] if k + 1 < len(bounds) else len(text)
            found = find_test_for(text, r, s0, s1, self.test_vocab)
            if found is not None:
                out.append(LabMatch(found[0], r, "text", found[1]))
        return out

    # -- writing ---------------------------------------------------------------------------
    def set_annotations(self, doc: Doc, matches: list[LabMatch]) -> None:
        """Write one LAB item per distinct value span (first pairing wins)."""
        add_items(doc, LAB, self._items(doc, matches))  # each written as it is yielded

    def _items(self, doc: Doc, matches: list[LabMatch]) -> Iterator[tuple[Span, dict[str, Any]]]:
        """The (span, attrs) of each item ``set_annotations`` writes, in order."""
        seen = {(s.start_char, s.end_char) for s in items(doc, LAB)}
        text = doc_text(doc)
        # section_kind_at's lookup, with the sections read off the Doc once (doc._ per match
        # was most of its cost)
        sections = doc._.sections or []
        starts = [sec["start_char"] for sec in sections]
        skip = self.skip_sections
        tried: set[tuple[int, int]] = set()  # a value range met again gives the same span
        # the label as its hash: a string label is looked up in the StringStore by every Span
        # (two thirds of the cost of ``doc.char_span``); the Span is the same
        label = doc.vocab.strings.add(LAB)
        for m in sorted(matches, key=lambda m: m.value.start):
            rng = (m.value.start, m.value.end)
            if rng in tried:
                continue
            tried.add(rng)
            sec = section_at(sections, m.value.start, starts) if sections else None
            if (sec["kind"] if sec else "case") in skip:
                continue  # a bibliography's numbers are not the patient's results
            span = _char_span(doc, m.value.start, m.value.end, text, label)
            if span is None or (span.start_char, span.end_char) in seen:
                continue
            seen.add((span.start_char, span.end_char))
            yield span, self._attrs(m)

    def _normalized(self, m: LabMatch) -> dict[str, Any] | None:
        """The value in the canonical unit; a ratio ("150/100 mmHg") is two numbers, so none."""
        v = m.value
        if v.ratio:
            return None
        return normalize(self.cat, v.value, v.value_high, v.unit, m.analyte.analyte)

    def _attrs(self, m: LabMatch) -> dict[str, Any]:
        v, a = m.value, m.analyte.analyte
        ref = None
        if v.reference:
            unit = v.reference.get("unit")
            ref = {
                "low": v.reference.get("low"),
                "high": v.reference.get("high"),
                "unit": unit.ucum if unit is not None else (v.unit.ucum if v.unit else None),
                "source": "text",
            }
        elif (
            self.use_catalogue_ranges
            and v.qualitative is None
            and (a.ref_low is not None or a.ref_high is not None)
        ):
            ref = {"low": a.ref_low, "high": a.ref_high, "unit": a.ref_unit, "source": "catalogue"}
        return {
            "analyte": analyte_name(a, m.analyte.text),
            "category": self.category_names.get(a.category, a.category),
            "analyte_text": m.analyte.text,
            "analyte_start_char": m.analyte.start,
            "analyte_end_char": m.analyte.end,
            "value": v.value,
            "value_high": v.value_high,
            "value_text": v.value_text,
            "comparator": v.comparator,
            "unit": v.unit_text,
            "unit_ucum": v.unit.ucum if v.unit else None,
            "reference_range": ref,
            "interpretation": m.interpretation,
            "interpretation_source": m.interpretation_source,
            "normalized": self._normalized(m),
            "loinc": a.loinc,
            "source": m.source,
            "rule": m.rule,
        }


# -- small pure helpers --------------------------------------------------------------------
def _sentence_bounds(doc: Doc) -> list[int]:
    """Character offsets where sentences start (spaCy's if set, else punctuation/blank lines)."""
    # the Doc's shared token table (``doc_arrays``): iterating doc.sents builds a Span per
    # sentence; ``has_sentences`` is ``doc.has_annotation("SENT_START")`` without its token loop
    table = token_table(doc)
    if has_sentences(doc, table):
        starts = table.start_chars
        return list(starts) if starts and starts[0] == 0 else [0, *starts]
    starts = [0]
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z(\[])|\n\s*\n", doc_text(doc)):
        starts.append(m.end())
    return starts


def _sentence_start(bounds: list[int], pos: int) -> int:
    k = bisect.bisect_right(bounds, pos) - 1
    return bounds[k] if k >= 0 else 0


def _complement(taken: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    out, pos = [], 0
    for s, e in sorted(taken):
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < n:
        out.append((pos, n))
    return out


def _char_span(
    doc: Doc, start: int, end: int, text: str | None = None, label: str | int = LAB
) -> Span | None:
    """The token span of a char range; expanded to token bounds when the tokenizer is coarser.

    ``text``: the Doc's text (``doc_text``), whose slice is ``span.text`` without building it
    from the tokens; ``label``: ``LAB`` or its hash in the Doc's StringStore."""
    span = doc.char_span(start, end, label=label)
    if span is None:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None and (span.end_char - span.start_char) > (end - start) + 12:
            span = doc.char_span(start, end, label=label, alignment_mode="contract")
    if span is None:
        return None
    written = span.text if text is None else text[span.start_char : span.end_char]
    return span if written.strip() else None
