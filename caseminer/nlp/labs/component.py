"""caseminer_labs: laboratory results (and bedside measurements) as LAB items.

Reads top to bottom as: load the analyte catalogue, find analyte and value mentions, pair them
(prose and flattened tables separately), attach reference ranges, interpret, write items.
The item span is the value evidence ("7.8 mg/dL", "<0.5", "negative", "within normal limits");
the analyte mention goes in ``analyte_text``/``analyte_start_char``/``analyte_end_char``.
A value is only reported when an analyte from the catalogue anchors it in the same clause, so
doses, ages, years, sizes and citations do not become labs.
"""

import bisect
import re
from typing import Any

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from caseminer.nlp.extensions import LAB, add_item, items, register_extensions, section_kind_at
from caseminer.nlp.labs.catalogue import (
    AnalyteMention,
    Catalogue,
    convert,
    find_analytes,
    load_catalogue,
    units_compatible,
)
from caseminer.nlp.labs.results import (
    WORD,
    LabMatch,
    ResultWords,
    inside,
    sentence_bounds_same,
)
from caseminer.nlp.labs.scores import (
    denominator,
    find_changes,
    find_graded,
    find_percentiles,
    find_status,
)
from caseminer.nlp.labs.tables import find_table_regions, pair_table, table_events
from caseminer.nlp.labs.test_heads import find_attached_results, find_test_for, load_test_vocab
from caseminer.nlp.labs.values import ValueMention, find_values, value_regex
from caseminer.nlp.tokenizer import doc_text

# what may stand between two values of one analyte: "from 1.2 to 3.4", "20/20 right eye and 20/30"
_CHAIN_GAP = re.compile(
    r"\s*(?:(?:in\s+)?(?:the\s+)?(?:right|left|RE|LE|OD|OS)(?:\s+eye)?\s*)?"
    r"(?:,|and|,\s*and|,\s*or|to|then|→|->|–|-|, then|and then|or|\(|\["
    r"|(?:,?\s*(?:which|and)\s+)?(?:improved|increased|decreased|rose|fell|dropped|returned)"
    r"\s+to)\s*"
)


@Language.factory(
    "caseminer_labs",
    default_config={
        "max_gap_chars": 60,
        "max_gap_words": 7,
        "unitless_max_gap_chars": 30,
        "result_max_gap_chars": 60,
        "tables": True,
        "use_catalogue_ranges": True,
        "skip_sections": ["references", "acknowledgements"],
        "other_tests": True,
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
    ) -> None:
        register_extensions()
        self.name = name
        self.max_gap_chars = max_gap_chars
        self.max_gap_words = max_gap_words
        self.unitless_max_gap_chars = unitless_max_gap_chars
        self.result_max_gap_chars = result_max_gap_chars
        self.tables = tables
        self.use_catalogue_ranges = use_catalogue_ranges
        self.skip_sections = frozenset(skip_sections)
        self.other_tests = other_tests
        self.cat: Catalogue = load_catalogue()
        vocab = self.cat.vocab
        self.value_re = value_regex(self.cat)
        self.results = ResultWords(self.cat, max_gap_chars=result_max_gap_chars)
        followers = "|".join(re.escape(w) for w in vocab["drug_followers"])
        self.drug_follow_re = re.compile(rf"\s+(?i:{followers})\b")
        dose = "|".join(re.escape(w) for w in sorted(vocab["dose_after"], key=len, reverse=True))
        self.dose_re = re.compile(rf"^[\s,)]*(?:[a-z]+\s+){{0,2}}?(?i:{dose})(?![A-Za-z0-9])")
        self.link = {w.lower() for w in vocab["link_words"]}
        self.never_dose = frozenset(vocab.get("never_dose_dimensions", []))
        self.blockers = {w.lower() for w in vocab["blockers"]}
        cues = sorted(vocab["reference_cues"], key=len, reverse=True)
        cue_alt = "|".join(re.escape(c) for c in cues)
        self.ref_between = re.compile(
            rf"^\s*(?:[\(\[]|[,;])?\s*(?:(?i:{cue_alt})\s*)?(?:range\s*)?[:,=]?\s*$"
        )
        self.ref_cue_before = re.compile(rf"(?:[\(\[,;]|^)\s*(?i:{cue_alt})\s*[:,=]?\s*$")
        self.category_names: dict[str, str] = dict(vocab.get("category_names", {}))
        connectors = "|".join(re.escape(w) for w in vocab.get("series_connectors", []))
        self.series_end_re = (
            re.compile(rf"(?:^|[\s(])(?i:{connectors})\s*$") if connectors else None
        )
        self.series_max_gap = int(vocab.get("series_max_gap_chars", 80))
        snellen = vocab.get("snellen", {})
        self.snellen_analytes = frozenset(snellen.get("analytes", []))
        self.snellen_numerators = frozenset(float(n) for n in snellen.get("numerators", []))
        self.snellen_max_gap = int(snellen.get("max_gap_chars", 120))

    # -- component -------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[LabMatch]:
        """All lab pairings in the doc: tables first, then prose outside the tables."""
        text = doc_text(doc)
        bounds = _sentence_bounds(doc)
        regions = find_table_regions(text) if self.tables else []
        out: list[LabMatch] = []
        taken: list[tuple[int, int]] = []
        for region in regions:
            values = [
                v
                for v in find_values(text, self.cat, self.value_re, region.start, region.end)
                + self.results.find_in_table(text, region.start, region.end)
            ]
            values.sort(key=lambda v: v.start)
            events = table_events(text, region, self.cat, values)
            for pair in pair_table(events):
                out.append(LabMatch(pair.analyte, pair.value, "table", pair.rule))
            taken.append((region.start, region.end))
        segments = _complement(taken, len(text))
        for lo, hi in segments:
            out.extend(self._match_prose(text, lo, hi, bounds))
        for m in out:
            self._interpret(text, m)
        return out

    # -- prose -----------------------------------------------------------------------------
    def _match_prose(self, text: str, lo: int, hi: int, bounds: list[int]) -> list[LabMatch]:
        analytes = [
            a
            for a in find_analytes(text, self.cat, lo, hi)
            if not self.drug_follow_re.match(text, a.end, min(len(text), a.end + 30))
        ]
        values = [
            v
            for v in find_values(text, self.cat, self.value_re, lo, hi)
            if not self._dose_like(text, v)
        ]
        astarts = [a.start for a in analytes]
        values = [v for v in values if not inside(analytes, astarts, v.start)]
        orphans = self._reference_ranges(text, values)
        live = [v for v in values if not v.consumed]
        results = self.results.find(text, lo, hi, analytes)
        matches = self._pair_numeric(text, analytes, live, bounds)
        matches = self._respectively(text, analytes, live, bounds, matches)
        matches += self.results.pair(text, analytes, results, live, bounds)
        if self.other_tests:
            matches += self._other_tests(text, results, matches, bounds)
            for a, r, rule in find_attached_results(text, lo, hi):
                r.interpretation = self.results.interpretation(r.qualitative or "")
                matches.append(LabMatch(a, r, "text", rule))
        matches += self._scores(text, lo, hi, bounds, matches, analytes)
        matches.sort(key=lambda m: m.value.start)
        for ref_value, pos in orphans:
            before = [
                m
                for m in matches
                if m.value.end <= pos and sentence_bounds_same(bounds, m.value.end, pos)
            ]
            if before and before[-1].value.reference is None:
                before[-1].value.reference = _range_of(ref_value)
        return matches

    def _scores(self, text, lo, hi, bounds, matches, analytes) -> list[LabMatch]:
        """Murmur and plus grades, then percentiles; never over a value already taken."""
        spans = [(m.value.start, m.value.end) for m in matches]
        out: list[LabMatch] = []
        for a, v, rule in find_graded(text, lo, hi, bounds):
            if any(s < v.end and v.start < e for s, e in spans):
                continue
            spans.append((v.start, v.end))
            out.append(LabMatch(a, v, "text", rule))
        for a, v, rule in find_changes(text, lo, hi):
            if not any(s < v.end and v.start < e for s, e in spans):
                spans.append((v.start, v.end))
                out.append(LabMatch(a, v, "text", rule))
        for a, v in find_status(text, lo, hi):
            if not any(s < v.end and v.start < e for s, e in spans):
                spans.append((v.start, v.end))
                out.append(LabMatch(a, v, "text", "prose_patient_status"))
        for m in find_percentiles(text, lo, hi, matches + out, analytes):
            if not any(s < m.value.end and m.value.start < e for s, e in spans):
                out.append(m)
        return out

    def _dose_like(self, text: str, v: ValueMention) -> bool:
        """A dose word follows ("500 mg daily"); units that are never doses (mmHg, %) pass."""
        if v.unit is not None and v.unit.dimension in self.never_dose:
            return False
        return self.dose_re.match(text[v.end : v.end + 30]) is not None

    def _other_tests(self, text, results, matches, bounds) -> list[LabMatch]:
        """Result words no catalogue analyte took, anchored by a test named in the text."""
        taken = {id(m.value) for m in matches}
        skip = load_test_vocab().not_test_results
        out: list[LabMatch] = []
        for r in results:
            if id(r) in taken or r.qualitative in skip:
                continue
            k = bisect.bisect_right(bounds, r.start) - 1
            s0 = bounds[k] if k >= 0 else 0
            s1 = bounds[k + 1] if k + 1 < len(bounds) else len(text)
            found = find_test_for(text, r, s0, s1)
            if found is not None:
                out.append(LabMatch(found[0], r, "text", found[1]))
        return out

    def _pair_numeric(self, text, analytes, values, bounds) -> list[LabMatch]:
        starts = [a.start for a in analytes]
        paired: dict[int, LabMatch] = {}
        for idx, v in enumerate(values):
            before = self._before_candidate(text, analytes, starts, values, idx, bounds)
            after = self._after_candidate(text, analytes, starts, v, bounds)
            choice = None
            if before is not None and before[1]:
                choice = (before[0], "prose_analyte_value")
            elif after is not None:
                choice = (after, "prose_value_analyte")
            elif before is not None:
                choice = (before[0], "prose_analyte_words_value")
            if choice is not None:
                paired[idx] = LabMatch(choice[0], v, "text", choice[1])
        # "rose from 1.2 to 3.4 mg/dL", "between 52 and 69 × 10^9/L": the next value inherits
        for idx, v in enumerate(values):
            if idx in paired or idx == 0 or (idx - 1) not in paired:
                continue
            prev = paired[idx - 1]
            gap = text[prev.value.end : v.start]
            if _CHAIN_GAP.fullmatch(gap) and (
                sentence_bounds_same(bounds, prev.value.end, v.start)
                and units_compatible(v.unit, prev.analyte.analyte)
            ):
                paired[idx] = LabMatch(prev.analyte, v, "text", "prose_value_chain")
        self._ratio_series(text, analytes, values, bounds, paired)
        self._unit_series(text, analytes, values, bounds, paired)
        self._snellen_series(analytes, values, bounds, paired)
        return [paired[i] for i in sorted(paired)]

    def _snellen_series(self, analytes, values, bounds, paired: dict[int, LabMatch]) -> None:
        """ "visual acuity in his RE and LE were 6/18 and 6/5": acuities after words.

        A fraction in Snellen notation (numerator 6 or 20) takes the acuity analyte when that
        is the last analyte named before it in the sentence, even with words in between; a
        Snellen fraction is distinctive enough that the word gap needs no vocabulary.
        """
        if not self.snellen_analytes:
            return
        starts = [a.start for a in analytes]
        for idx, v in enumerate(values):
            if idx in paired or not v.ratio or v.value not in self.snellen_numerators:
                continue
            j = bisect.bisect_left(starts, v.start) - 1
            if j < 0:
                continue
            a = analytes[j]
            if a.analyte.name not in self.snellen_analytes or a.end > v.start:
                continue
            if v.start - a.end > self.snellen_max_gap:
                continue
            if not sentence_bounds_same(bounds, a.end, v.start):
                continue
            paired[idx] = LabMatch(a, v, "text", "prose_snellen_series")

    def _unit_series(self, text, analytes, values, bounds, paired: dict[int, LabMatch]) -> None:
        """ "from 115 mmol/l before X to 40 mmol/l after 6 weeks and 52 mmol/l": a later value.

        An unpaired value inherits the analyte of the last paired value of the sentence when
        both carry the same unit, no analyte is named between them, the gap is short and ends
        with a series connector ("to", "and", "from", ","). The same unit is the evidence the
        value belongs to the series; a time phrase or a comment may stand in between.
        """
        if self.series_end_re is None:
            return
        starts = [a.start for a in analytes]
        for idx, v in enumerate(values):
            if idx in paired or v.unit is None or v.ratio:
                continue
            prev = next((paired[j] for j in range(idx - 1, -1, -1) if j in paired), None)
            if prev is None or prev.value.unit is None or prev.value.unit.ucum != v.unit.ucum:
                continue
            gap = text[prev.value.end : v.start]
            if len(gap) > self.series_max_gap or re.search(r"[;:]|\n|\.\s", gap):
                continue
            if not sentence_bounds_same(bounds, prev.value.end, v.start):
                continue
            if not self.series_end_re.search(gap):
                continue
            k0 = bisect.bisect_left(starts, prev.value.end)
            k1 = bisect.bisect_left(starts, v.start)
            if k1 > k0:
                continue
            paired[idx] = LabMatch(prev.analyte, v, "text", "prose_unit_series")

    @staticmethod
    def _ratio_series(text, analytes, values, bounds, paired: dict[int, LabMatch]) -> None:
        """ "2/5 strength in the right leg, 3/5 in the left": later grades on the same scale.

        An unpaired score inherits the analyte of the last paired score of the same sentence
        when both are out of the same maximum and no other analyte is named between them.
        """
        starts = [a.start for a in analytes]
        for idx, v in enumerate(values):
            den = denominator(v)
            if idx in paired or den is None:
                continue
            prev = next(
                (paired[j] for j in range(idx - 1, -1, -1) if j in paired and values[j].ratio),
                None,
            )
            if prev is None or denominator(prev.value) != den:
                continue
            if not sentence_bounds_same(bounds, prev.value.end, v.start):
                continue
            k0 = bisect.bisect_left(starts, prev.value.end)
            k1 = bisect.bisect_left(starts, v.start)
            if any(analytes[k].start != prev.analyte.start for k in range(k0, k1)):
                continue
            paired[idx] = LabMatch(prev.analyte, v, "text", "prose_score_series")

    def _respectively(self, text, analytes, values, bounds, matches) -> list[LabMatch]:
        """ "A, B and C were 1, 2 and 3, respectively": pair the two lists in order."""
        by_value = {id(m.value): m for m in matches}
        for r in re.finditer(r"\brespectively\b", text):
            k = bisect.bisect_right(bounds, r.start()) - 1
            s0 = bounds[k] if k >= 0 else 0
            vals = [v for v in values if s0 <= v.start < r.start()]
            if len(vals) < 2:
                continue
            names = [a for a in analytes if s0 <= a.start < vals[0].start and not a.weak]
            if len(names) < len(vals):
                continue
            names = names[len(names) - len(vals) :]  # the list right before the values
            for a, v in zip(names, vals, strict=True):
                if units_compatible(v.unit, a.analyte) and not a.analyte.qualitative:
                    by_value[id(v)] = LabMatch(a, v, "text", "prose_respectively")
        return sorted(by_value.values(), key=lambda m: m.value.start)

    def _before_candidate(self, text, analytes, starts, values, idx, bounds):
        """The analyte just before value ``idx``: (mention, gap_is_tight) or None."""
        v = values[idx]
        j = bisect.bisect_left(starts, v.start) - 1
        if j < 0:
            return None
        a = analytes[j]
        if a.analyte.qualitative and not v.titre and j > 0:
            a = analytes[j - 1]  # "SaO2 in arterial blood gas was 97.7%": skip the panel name
        if a.end > v.start or not sentence_bounds_same(bounds, a.end, v.start):
            return None
        if idx > 0 and values[idx - 1].start >= a.end:
            return None  # another value stands between
        gap = text[a.end : v.start]
        if len(gap) > self.max_gap_chars or re.search(r";|\n\s*\n|\.\s", gap):
            return None
        words = [w.lower() for w in WORD.findall(gap)]
        if len(words) > self.max_gap_words or (
            v.unit is None and any(w in self.blockers for w in words)
        ):
            return None
        adjacent = not words and len(gap) <= 3
        if a.weak and (v.unit is None or not units_compatible(v.unit, a.analyte)):
            return None
        if not adjacent and not units_compatible(v.unit, a.analyte):
            return None
        if a.analyte.qualitative and not v.titre and v.unit is None:
            return None
        tight = all(w in self.link for w in words) and len(gap) <= self.unitless_max_gap_chars
        if v.unit is None and not v.titre and not tight:
            return None
        if v.ratio and not self._ratio_ok(v, a, tight):
            return None
        return a, tight

    @staticmethod
    def _ratio_ok(v: ValueMention, a: AnalyteMention, tight: bool) -> bool:
        """'150/100' is a blood pressure, '6/18' an acuity, '4/5' a strength; not a date or IHC."""
        if v.unit is not None and v.unit.dimension == "pressure":
            return True
        if a.analyte.name == "Blood pressure":
            return True
        return tight and a.analyte.category == "measurement" and v.unit is None

    def _after_candidate(self, text, analytes, starts, v, bounds):
        """An analyte written right after the value ("79% lymphocytes", "30 leukocytes")."""
        j = bisect.bisect_left(starts, v.start)
        if j >= len(analytes):
            return None
        a = analytes[j]
        gap = text[v.end : a.start] if a.start >= v.end else ""
        if a.start < v.start or len(gap) > 2 or gap.strip() or a.start > v.end + 2:
            if not (v.start <= a.start < v.end):
                return None
        if a.analyte.qualitative or a.weak:
            return None
        if v.ratio:  # "2/5 strength", "30/30 on the MMSE": a score written before its scale
            ok = a.analyte.category == "measurement" and text[v.end : a.start] == " "
            return a if ok else None
        if v.unit is None and not (
            a.analyte.category == "hematology"
            and text[v.end : a.start] == " "
            and v.value_high is None
        ):
            return None
        if not units_compatible(v.unit, a.analyte):
            return None
        return a

    # -- reference ranges ------------------------------------------------------------------
    def _reference_ranges(self, text: str, values: list[ValueMention]):
        """Mark values that are reference ranges; attach them; return orphans (no value before)."""
        orphans: list[tuple[ValueMention, int]] = []
        for i, w in enumerate(values):
            if w.consumed:
                continue
            is_range = w.value_high is not None or w.comparator in ("<", "<=", ">", ">=")
            prefix = text[max(0, w.start - 40) : w.start]
            cue_before = self.ref_cue_before.search(prefix)
            if i > 0 and not values[i - 1].consumed:
                v = values[i - 1]
                gap = text[v.end : w.start]
                if len(gap) <= 40 and self.ref_between.match(gap):
                    bracket = "(" in gap or "[" in gap
                    if (bracket and is_range) or (cue_before and (is_range or bracket)):
                        w.consumed = True
                        if v.reference is None:
                            v.reference = _range_of(w)
                        continue
            if cue_before and (is_range or "(" in prefix[-15:]):
                w.consumed = True
                orphans.append((w, w.start))
        return orphans

    # -- interpretation --------------------------------------------------------------------
    def _interpret(self, text: str, m: LabMatch) -> None:
        v, a = m.value, m.analyte.analyte
        if v.qualitative is not None:
            m.interpretation, m.interpretation_source = v.interpretation, "text"
            if m.interpretation is None:
                m.interpretation_source = None
            return
        if v.interpretation:
            m.interpretation, m.interpretation_source = v.interpretation, "text"
            return
        lo, hi = min(m.analyte.end, v.start), max(m.analyte.start, v.start)
        cue = self.results.cue_in(text, lo, hi) or self.results.cue_in(text, v.end, v.end + 15)
        if cue is not None:
            m.interpretation, m.interpretation_source = cue, "text"
            return
        computed = self._compare(v, a)
        if computed is not None:
            m.interpretation, m.interpretation_source = computed, "catalogue"

    def _compare(self, v: ValueMention, a) -> str | None:
        """low/normal/high from the text's reference range, else the catalogue's."""
        if v.value is None or v.ratio:
            return None
        if v.reference and (v.reference.get("low") is not None or v.reference.get("high")):
            ref_unit = v.reference.get("unit")
            if ref_unit is None or v.unit is None or ref_unit.ucum == v.unit.ucum:
                return _classify(v, v.reference.get("low"), v.reference.get("high"))
            return None
        if not self.use_catalogue_ranges or (a.ref_low is None and a.ref_high is None):
            return None
        if v.unit is None:
            if a.ref_unit == "1":  # dimensionless analytes (pH, INR, specific gravity)
                return _classify(v, a.ref_low, a.ref_high)
            return None
        value = convert(v.value, v.unit, a.ref_unit, a)
        if value is None:
            return None
        high = convert(v.value_high, v.unit, a.ref_unit, a) if v.value_high is not None else None
        probe = ValueMention(v.start, v.end, v.value_text, value=value, value_high=high)
        probe.comparator = v.comparator
        return _classify(probe, a.ref_low, a.ref_high)

    # -- writing ---------------------------------------------------------------------------
    def set_annotations(self, doc: Doc, matches: list[LabMatch]) -> None:
        """Write one LAB item per distinct value span (first pairing wins)."""
        seen = {(s.start_char, s.end_char) for s in items(doc, LAB)}
        for m in sorted(matches, key=lambda m: m.value.start):
            if section_kind_at(doc, m.value.start) in self.skip_sections:
                continue  # a bibliography's numbers are not the patient's results
            span = _char_span(doc, m.value.start, m.value.end)
            if span is None or (span.start_char, span.end_char) in seen:
                continue
            seen.add((span.start_char, span.end_char))
            add_item(doc, span, self._attrs(m))

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
            "analyte": a.name,
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
            "loinc": a.loinc,
            "source": m.source,
            "rule": m.rule,
        }


# -- small pure helpers --------------------------------------------------------------------
def _classify(v: ValueMention, low: float | None, high: float | None) -> str | None:
    """low/normal/high of a value against limits, honouring comparators; None when unclear."""
    x = v.value
    if x is None:
        return None
    if v.comparator in ("<", "<="):
        if high is not None and x <= high and (low is None or low <= 0):
            return "normal"
        if low is not None and x <= low:
            return "low"
        return None
    if v.comparator in (">", ">="):
        if high is not None and x >= high:
            return "high"
        return None
    top = v.value_high if v.value_high is not None else x
    if low is not None and top < low:
        return "low"
    if high is not None and x > high:
        return "high"
    if (low is None or x >= low) and (high is None or top <= high):
        return "normal"
    return None


def _range_of(w: ValueMention) -> dict[str, Any]:
    if w.value_high is not None:
        return {"low": w.value, "high": w.value_high, "unit": w.unit}
    if w.comparator in ("<", "<="):
        return {"low": None, "high": w.value, "unit": w.unit}
    if w.comparator in (">", ">="):
        return {"low": w.value, "high": None, "unit": w.unit}
    return {"low": None, "high": None, "unit": w.unit}


def _sentence_bounds(doc: Doc) -> list[int]:
    """Character offsets where sentences start (spaCy's if set, else punctuation/blank lines)."""
    if doc.has_annotation("SENT_START"):
        # read the arrays once: iterating doc.sents builds a Span per sentence
        flags = doc.to_array(SENT_START)
        idx = doc.to_array(IDX)
        starts = [int(idx[i]) for i in numpy.flatnonzero(flags == 1)]
        return starts if starts and starts[0] == 0 else [0, *starts]
    starts = [0]
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z(\[])|\n\s*\n", doc_text(doc)):
        starts.append(m.end())
    return starts


def _complement(taken: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    out, pos = [], 0
    for s, e in sorted(taken):
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < n:
        out.append((pos, n))
    return out


def _char_span(doc: Doc, start: int, end: int) -> Span | None:
    """The token span of a char range; expanded to token bounds when the tokenizer is coarser."""
    span = doc.char_span(start, end, label=LAB)
    if span is None:
        span = doc.char_span(start, end, label=LAB, alignment_mode="expand")
        if span is not None and (span.end_char - span.start_char) > (end - start) + 12:
            span = doc.char_span(start, end, label=LAB, alignment_mode="contract")
    if span is None or not span.text.strip():
        return None
    return span
