"""Pairing numeric values with the catalogue analyte they report, in prose.

Split out of the component because the pairing is the longest piece of the labs logic: a value
takes the analyte written just before it (with only link words between) or right after it; later
values inherit through chains ("from 1.2 to 3.4"), same-unit series, score series and Snellen
series; "A and B were 1 and 2, respectively" pairs two lists; printed reference ranges attach to
the value before them. Every word list is data (``qualitative.json``).
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from caseminer.nlp.labs.catalogue import AnalyteMention, Catalogue, units_compatible
from caseminer.nlp.labs.results import WORD, LabMatch, sentence_bounds_same
from caseminer.nlp.labs.scores import denominator
from caseminer.nlp.labs.values import ValueMention

#: what ``dose_re`` skips first: "," and ")" and whitespace, every character ``str.isspace``
#: (the engine's ``\s``) holds (a test checks the list)
_DOSE_LEAD = (
    ",)\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SERIES_BREAK = re.compile(r"[;:]|\n|\.\s")
_GAP_BREAK = re.compile(r";|\n\s*\n|\.\s")
# every match contains the word, which ``in`` finds at once; the pattern opens with ``\b``, so
# ``finditer`` alone tries it at every character
_RESPECTIVELY = re.compile(r"\brespectively\b")


def _alt(words: list[str], *, spaces: bool = False) -> str:
    """An alternation of literal words, longest first; with ``spaces`` a space matches \\s*."""
    out = [re.escape(w) for w in sorted(words, key=len, reverse=True)]
    if spaces:
        out = [w.replace("\\ ", r"\s*") for w in out]
    return "|".join(out)


def chain_gap_regex(vocab: dict[str, Any]) -> re.Pattern[str]:
    """What may stand between two values of one analyte: "from 1.2 to 3.4", "20/20 right eye and
    20/30", "6.2, which improved to 8.1" (``chain_gap`` in qualitative.json)."""
    cg = vocab["chain_gap"]
    eyes = _alt(cg["eye_words"])
    conn = _alt(cg["connectors"], spaces=True)
    verbs = _alt(cg["trend_verbs"])
    return re.compile(
        rf"\s*(?:(?:in\s+)?(?:the\s+)?(?:{eyes})(?:\s+eye)?\s*)?"
        rf"(?:{conn}|(?:,?\s*(?:which|and)\s+)?(?:{verbs})\s+to)\s*"
    )


class ProsePairer:
    """Pairs numeric values with catalogue analytes in one stretch of prose."""

    def __init__(
        self,
        cat: Catalogue,
        *,
        max_gap_chars: int = 60,
        max_gap_words: int = 7,
        unitless_max_gap_chars: int = 30,
    ) -> None:
        vocab = cat.vocab
        self.cat = cat
        self.max_gap_chars = max_gap_chars
        self.max_gap_words = max_gap_words
        self.unitless_max_gap_chars = unitless_max_gap_chars
        self.chain_gap = chain_gap_regex(vocab)
        dose = "|".join(re.escape(w) for w in sorted(vocab["dose_after"], key=len, reverse=True))
        self.dose_re = re.compile(rf"^[\s,)]*(?:[a-z]+\s+){{0,2}}?(?i:{dose})(?![A-Za-z0-9])")
        self.dose_first = frozenset(w[0] for w in vocab["dose_after"] if w)
        self.link = {w.lower() for w in vocab["link_words"]}
        self.never_dose = frozenset(vocab.get("never_dose_dimensions", []))
        self.blockers = {w.lower() for w in vocab["blockers"]}
        cues = sorted(vocab["reference_cues"], key=len, reverse=True)
        cue_alt = "|".join(re.escape(c) for c in cues)
        self.ref_between = re.compile(
            rf"^\s*(?:[\(\[]|[,;])?\s*(?:(?i:{cue_alt})\s*)?(?:range\s*)?[:,=]?\s*$"
        )
        self.ref_cue_before = re.compile(rf"(?:[\(\[,;]|^)\s*(?i:{cue_alt})\s*[:,=]?\s*$")
        connectors = "|".join(re.escape(w) for w in vocab.get("series_connectors", []))
        self.series_end_re = (
            re.compile(rf"(?:^|[\s(])(?i:{connectors})\s*$") if connectors else None
        )
        self.series_max_gap = int(vocab.get("series_max_gap_chars", 80))
        snellen = vocab.get("snellen", {})
        self.snellen_analytes = frozenset(snellen.get("analytes", []))
        self.snellen_numerators = frozenset(float(n) for n in snellen.get("numerators", []))
        self.snellen_max_gap = int(snellen.get("max_gap_chars", 120))

    def _share_unit(self, values: list[ValueMention], last: ValueMention, analyte: Any) -> None:
        """A unit written once after a list or a range ("128 and 5.9 mmol/L", "from 1.2 to 3.4
        mg/dL") is the unit of the bare numbers before it, when it fits their analyte."""
        if last.unit is None or not self.fits(last.unit, analyte):
            return
        for v in values:
            if v.unit is None and v.value is not None and not v.ratio and not v.titre:
                v.unit, v.unit_text = last.unit, last.unit_text

    def fits(self, unit: Any, analyte: Any) -> bool:
        """Whether a value's unit can be a result of the analyte (catalogue.units_compatible)."""
        return units_compatible(self.cat, unit, analyte)

    def dose_like(self, text: str, v: ValueMention) -> bool:
        """A dose word follows ("500 mg daily"); units that are never doses (mmHg, %) pass."""
        if v.unit is not None and v.unit.dimension in self.never_dose:
            return False
        after = text[v.end : v.end + 30]
        # after the leading spaces, commas and brackets of ``dose_re`` comes a letter (a word, or
        # a dose word ignoring case) or a dose word's other first character: else no match
        c = after.lstrip(_DOSE_LEAD)[:1]
        if not c or not (c.isalpha() or c in self.dose_first):
            return False
        return self.dose_re.match(after) is not None

    def pair_numeric(self, text, analytes, values, bounds) -> list[LabMatch]:
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
            if self.chain_gap.fullmatch(gap) and (
                sentence_bounds_same(bounds, prev.value.end, v.start)
                and self.fits(v.unit, prev.analyte.analyte)
            ):
                rule = "prose_value_chain"
                if (
                    gap.strip() in ("(", "[")
                    and v.unit
                    and prev.value.unit
                    and (v.unit.ucum != prev.value.unit.ucum)
                ):
                    rule = "prose_unit_equivalent"  # "9.8 g/dL (98 g/L)": one result, two units
                paired[idx] = LabMatch(prev.analyte, v, "text", rule)
                self._share_unit([prev.value], v, prev.analyte.analyte)  # "from 1.2 to 3.4 mg/dL"
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
            if len(gap) > self.series_max_gap or _SERIES_BREAK.search(gap):
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

    def _ratio_series(self, text, analytes, values, bounds, paired: dict[int, LabMatch]) -> None:
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

    def respectively(self, text, analytes, values, bounds, matches) -> list[LabMatch]:
        """ "A, B and C were 1, 2 and 3, respectively": pair the two lists in order."""
        by_value = {id(m.value): m for m in matches}
        for r in _RESPECTIVELY.finditer(text) if "respectively" in text else ():
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
                if v.unit is None and vals[-1].unit is not None:
                    self._share_unit([v], vals[-1], a.analyte)  # "128 and 5.9 mmol/L"
                if self.fits(v.unit, a.analyte) and not a.analyte.qualitative:
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
        if len(gap) > self.max_gap_chars or _GAP_BREAK.search(gap):
            return None
        words = [w.lower() for w in WORD.findall(gap)]
        if len(words) > self.max_gap_words or (
            v.unit is None and any(w in self.blockers for w in words)
        ):
            return None
        adjacent = not words and len(gap) <= 3
        if a.weak and (v.unit is None or not self.fits(v.unit, a.analyte)):
            return None
        if not adjacent and not self.fits(v.unit, a.analyte):
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
        return tight and a.analyte.measure and v.unit is None

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
            ok = a.analyte.measure and text[v.end : a.start] == " "
            return a if ok else None
        if v.unit is None and not (
            a.analyte.category == "hematology"
            and text[v.end : a.start] == " "
            and v.value_high is None
        ):
            return None
        if not self.fits(v.unit, a.analyte):
            return None
        return a

    def reference_ranges(self, text: str, values: list[ValueMention]):
        """Mark values that are reference ranges; attach them; return orphans (no value before)."""
        orphans: list[tuple[ValueMention, int]] = []
        for i, w in enumerate(values):
            if w.consumed:
                continue
            is_range = w.value_high is not None or w.comparator in ("<", "<=", ">", ">=")
            prefix = text[max(0, w.start - 40) : w.start]
            cue: bool | None = None  # the cue search, run only where its answer counts
            if i > 0 and not values[i - 1].consumed:
                v = values[i - 1]
                gap = text[v.end : w.start]
                if len(gap) <= 40 and self.ref_between.match(gap):
                    bracket = "(" in gap or "[" in gap
                    if not (bracket and is_range) and (is_range or bracket):
                        cue = self.ref_cue_before.search(prefix) is not None
                    if (bracket and is_range) or ((is_range or bracket) and cue):
                        w.consumed = True
                        if v.reference is None:
                            v.reference = range_of(w)
                        continue
            if is_range or "(" in prefix[-15:]:
                if cue is None:
                    cue = self.ref_cue_before.search(prefix) is not None
                if cue:
                    w.consumed = True
                    orphans.append((w, w.start))
        return orphans


def range_of(w: ValueMention) -> dict[str, Any]:
    if w.value_high is not None:
        return {"low": w.value, "high": w.value_high, "unit": w.unit}
    if w.comparator in ("<", "<="):
        return {"low": None, "high": w.value, "unit": w.unit}
    if w.comparator in (">", ">="):
        return {"low": w.value, "high": None, "unit": w.unit}
    return {"low": None, "high": None, "unit": w.unit}
