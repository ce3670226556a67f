"""All of the low/normal/high logic of the labs component, in one place.

A lab's ``interpretation`` comes, in this order of trust, from:

1. the result word itself ("negative", "elevated", "within normal limits") or a flag printed
   after the value ("H", "↓");
2. a word stated around the value ("CRP was elevated at 80 mg/L", "low potassium of 2.9");
3. the reference range printed in the text ("(normal 8.5-10.5)"), compared with the value;
4. the catalogue's adult reference range, after unit conversion.

Scores are direction-aware: the catalogue says which end of a scale is abnormal (``abnormal``:
"low" for the Glasgow Coma Scale and Apgar, "high" for NIHSS or pain scores), so a GCS below 8 can
only be "low" (never "high"), and a score with no direction gets no computed flag at all.
Everything the words mean is data (``qualitative.json``: ``results``, ``result_interpretation``,
``interpretation_flags``, ``weak_results``; ``analytes.jsonl``: ranges and ``abnormal``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from caseminer.nlp.labs.catalogue import Analyte, Catalogue, convert, trie_alternation
from caseminer.nlp.labs.cue_words import StretchWords
from caseminer.nlp.labs.names import NameMatcher
from caseminer.nlp.labs.scan import finditer_at
from caseminer.nlp.labs.values import ValueMention

# a result word followed by a number or range is a reference cue: "(normal, <1:40)"
REF_AFTER = re.compile(r"\s*[:,]?\s*(?:range|limits?|values?)?\s*[:,=]?\s*[<>≤≥]?\s*\d")
_TREND_AFTER = re.compile(r"\s+(?:to|from)\b")
_CLOSED_AFTER = re.compile(r"\s*(?:[),;.\]]|$)")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_KINDS = ("normal", "positive", "high", "low", "abnormal")
#: what a stated or computed flag means on a scale whose abnormal end is known
_OPPOSITE = {"low": "high", "high": "low"}


class Interpreter:
    """Says low/normal/high (or positive/negative/abnormal) for a lab pairing."""

    def __init__(self, cat: Catalogue, *, use_catalogue_ranges: bool = True) -> None:
        vocab = cat.vocab
        self.cat = cat
        self.use_catalogue_ranges = use_catalogue_ranges
        self.flags: dict[str, str] = dict(vocab["interpretation_flags"])
        self.kind: dict[str, str] = {}
        for kind in _KINDS:
            for phrase in vocab["results"][kind]:
                self.kind.setdefault(phrase.lower(), kind)
        self.overrides: dict[str, str | None] = {
            k.lower(): v for k, v in vocab["result_interpretation"].items()
        }
        self.weak = frozenset(w.lower() for w in vocab["weak_results"])
        alt = trie_alternation(list(self.kind), case_insensitive=True)
        #: every result phrase; ResultWords finds results with it, ``cue_in`` finds stated flags
        self.result_re = re.compile(rf"(?i)(?<![\w-])(?:{alt})(?![\w-])")
        #: the same matches over a whole text, by first-word lookup (``names.py``)
        self.result_names = NameMatcher(list(self.kind), [], trie_alternation, tail=r"(?![\w-])")
        self._result_first = self.result_names.first_words()
        self._by_first_word = self.result_names.by_first_word()
        #: the words of the last document's prose that start a result phrase, noted by
        #: ``ResultWords.find``: where ``cue_in`` tries the pattern (``cue_words.py``)
        self.stretch_words = StretchWords(self._result_first)

    # -- words -----------------------------------------------------------------------------
    def word(self, phrase: str) -> str | None:
        """The interpretation a result phrase states (overrides first, then its kind)."""
        return self.overrides.get(phrase, self.kind.get(phrase))

    def flag(self, flag: str | None) -> str | None:
        """The interpretation of a printed flag ("H", "(L)", "↑↑"), None when it is not one."""
        if not flag:
            return None
        return self.flags.get(flag.strip().strip("()").strip())

    def cue_in(
        self,
        text: str,
        lo: int,
        hi: int,
        *,
        closed: bool = False,
        base: tuple[str, bool] | None = None,
    ) -> str | None:
        """A stated low/normal/high starting in text[lo:hi] (not a reference cue, not a trend).

        With ``closed`` (the words after a value) the word must end its phrase: "7.2 g/dL (low)"
        states the value's flag, "<8 with elevated intracranial pressure" qualifies another noun.
        ``base``: ``names.text_base(text)``, when the caller has it: then a window none of whose
        words (as the window cuts them) starts a result phrase is not searched, as no match can
        start elsewhere (``NameMatcher.by_first_word``).
        """
        end = min(len(text), hi + 25)
        found: Iterable[re.Match[str]] | None = None
        if base is not None and base[1] and self._by_first_word and len(base[0]) == len(text):
            starts = self.stretch_words.starts(base[0], lo, end)
            if starts is not None:
                # the window's words that start a phrase, read off the stretch's words: every
                # match starts at one of them (none: no match)
                if not starts:
                    return None
                found = finditer_at(self.result_re, text, starts, end)
            elif self._result_first.isdisjoint(_WORD.findall(base[0], lo, end)):
                return None
        if found is None:
            found = self.result_re.finditer(text, lo, end)
        for r in found:
            if r.start() >= hi:
                break
            after = text[r.end() : r.end() + 30]
            if REF_AFTER.match(after):
                continue  # "(normal 8.5-10.5": a reference range cue, not a stated result
            if _TREND_AFTER.match(after):
                continue  # "decreased to 72 mmHg": a trend, not an interpretation
            if closed and not _CLOSED_AFTER.match(after):
                continue
            phrase = _SPACES.sub(" ", r.group().lower())
            kind = self.word(phrase)
            if kind in ("high", "low", "normal") and phrase not in self.weak:
                return kind
        return None

    # -- one pairing -----------------------------------------------------------------------
    def interpret(self, text: str, m: Any, base: tuple[str, bool] | None = None) -> None:
        """Set ``m.interpretation``/``m.interpretation_source`` of a LabMatch (``base``:
        ``names.text_base(text)``, when the caller has it)."""
        v, a = m.value, m.analyte.analyte
        found, source = self._stated(text, m, base)
        found = directed(found, a)  # "GCS <8 ... high risk": a flag the scale cannot have
        if found is None and v.qualitative is None:
            found, source = directed(self.compare(v, a), a), "catalogue"  # from either range
        m.interpretation = found
        m.interpretation_source = source if found is not None else None

    def _stated(self, text: str, m: Any, base=None) -> tuple[str | None, str | None]:
        v = m.value
        if v.qualitative is not None:
            return v.interpretation, "text"
        flagged = v.interpretation or self.flag(v.flag)
        if flagged:
            return flagged, "text"
        lo, hi = min(m.analyte.end, v.start), max(m.analyte.start, v.start)
        cue = self.cue_in(text, lo, hi, base=base) or self.cue_in(
            text, v.end, v.end + 15, closed=True, base=base
        )
        return cue, "text"

    def compare(self, v: ValueMention, a: Analyte) -> str | None:
        """low/normal/high from the text's reference range, else the catalogue's."""
        if v.value is None or v.ratio:
            return None
        if v.reference and (v.reference.get("low") is not None or v.reference.get("high")):
            ref_unit = v.reference.get("unit")
            if ref_unit is None or v.unit is None or ref_unit.ucum == v.unit.ucum:
                return classify(v, v.reference.get("low"), v.reference.get("high"))
            # "159 μmol/L (normal 0.6-1.2 mg/dL)": compare in the range's unit when it converts
            return self._in_unit(
                v, a, ref_unit.ucum, v.reference.get("low"), v.reference.get("high")
            )
        if not self.use_catalogue_ranges or (a.ref_low is None and a.ref_high is None):
            return None
        if v.unit is None:
            if a.ref_unit == "1":  # dimensionless analytes (pH, INR, specific gravity, scores)
                return classify(v, a.ref_low, a.ref_high)
            return None
        return self._in_unit(v, a, a.ref_unit, a.ref_low, a.ref_high)

    def _in_unit(self, v, a, target, low, high) -> str | None:
        """Classify ``v`` against limits given in another unit, converting the value first."""
        if v.value is None or v.unit is None:
            return None
        value = convert(self.cat, v.value, v.unit, target, a)
        if value is None:
            return None
        top = None
        if v.value_high is not None:
            top = convert(self.cat, v.value_high, v.unit, target, a)
        probe = ValueMention(v.start, v.end, v.value_text, value=value, value_high=top)
        probe.comparator = v.comparator
        return classify(probe, low, high)


def directed(found: str | None, a: Analyte) -> str | None:
    """A flag that a scale with a known abnormal end cannot have becomes no flag.

    "GCS < 8" is never "high": on a scale whose abnormal end is "low", "high" means nothing (the
    best score is the top of the scale), and the reverse for scales where high is bad.
    """
    if found is None or a.abnormal is None or a.abnormal == "both":
        return found
    if found == _OPPOSITE.get(a.abnormal):
        return None
    return found


def classify(v: ValueMention, low: float | None, high: float | None) -> str | None:
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
