"""Qualitative lab results: result words ("negative", "elevated", "within normal limits") and
their pairing with a catalogue analyte written before or after them.

Split out of the labs component because the word results follow their own rules: a word is only
a result when a test anchors it in the same clause, and the words allowed between the two are
few ("CRP was elevated", "elevated levels of CRP"). The vocabularies come from
``caseminer/patterns/labs/qualitative.json`` (see its README).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from caseminer.nlp.labs.catalogue import AnalyteMention, Catalogue
from caseminer.nlp.labs.interpret import REF_AFTER, Interpreter
from caseminer.nlp.labs.names import NameMatch, TextWords
from caseminer.nlp.labs.values import ValueMention

WORD = re.compile(r"[A-Za-z][\w'’-]*")
# "fell from 798 to 98": the numbers carry the result ("CRP rose to 120" keeps its trend word)
_TREND_FROM = re.compile(r"^\s+(?:(?:up|down)\s+)?(?:from|by)\s+[<>≤≥]?\s*[-−]?\d")
_POWER = re.compile(r"^[\s-]+power\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[;:,.()]")
_CLAUSE_BREAK = re.compile(r";|\n\s*\n|\.\s")
#: the ASCII characters a ``growth_re`` match can start with (grew, isolated, yielded, positive,
#: growth, in either case); any character outside ASCII is tried too (a few fold to these)
_GROWTH_FIRST = frozenset("gGiIyYpP")


@dataclass
class LabMatch:
    """One analyte-value pairing, before it is written to the Doc."""

    analyte: AnalyteMention
    value: ValueMention
    source: str  # "text" | "table"
    rule: str
    interpretation: str | None = None
    interpretation_source: str | None = None


def sentence_bounds_same(bounds: list[int], a: int, b: int) -> bool:
    """Whether chars a and b (a <= b) are in the same sentence (``bounds``: sentence starts)."""
    return bisect.bisect_right(bounds, a) == bisect.bisect_right(bounds, max(a, b - 1))


def inside(mentions: Sequence[AnalyteMention], starts: list[int], pos: int) -> bool:
    """Whether char ``pos`` falls inside one of the (sorted, non-overlapping) mentions."""
    k = bisect.bisect_right(starts, pos) - 1
    return k >= 0 and mentions[k].start <= pos < mentions[k].end


def has_verb_clause(words: list[str], verbs: frozenset[str]) -> bool:
    """A finite verb other than be/show in the gap starts another clause ("was given and")."""
    return any(w in verbs for w in words)


class ResultWords:
    """Finds result words and pairs them with catalogue analytes."""

    def __init__(self, cat: Catalogue, interp: Interpreter, max_gap_chars: int = 60) -> None:
        vocab = cat.vocab
        self.max_gap_chars = max_gap_chars
        self.interp = interp
        self.result_re = interp.result_re
        self.overrides = interp.overrides
        self.weak = {w.lower() for w in vocab["weak_results"]}
        self.copulas = {w.lower() for w in vocab["copulas"]}
        self.after_words = {w.lower() for w in vocab["result_after_words"]}
        self.result_link = {w.lower() for w in vocab["result_link_words"]}
        self.blockers = {w.lower() for w in vocab["blockers"]}
        self.clause_verbs = frozenset(w.lower() for w in vocab["clause_verbs"])
        #: result surface -> (its phrase, what the phrase states), see ``_mention``
        self._phrases: dict[str, tuple[str, str | None]] = {}
        self.growth_re = re.compile(
            r"(?i:grew|isolated|yielded|positive\s+for|growth\s+of)\s+"
            r"(?P<org>(?:[A-Z][a-z]+|[A-Z]{3,5})(?:\s+(?:[a-z]{3,}|spp?\.))?"
            r"|(?i:gram)[-\s](?:positive|negative|variable)\s+(?:cocci|bacilli|rods|organisms))"
        )

    def interpretation(self, phrase: str) -> str | None:
        """The interpretation a result phrase states (see interpret.py)."""
        return self.interp.word(phrase)

    def _mention(self, m: re.Match[str] | NameMatch) -> ValueMention:
        """The result word as a value: its phrase (lowercase, one space) and what it states,
        read once per surface (``_phrases``; both are pure of the surface and the vocabulary)."""
        return self._mention_at(m.group(), m.start(), m.end())

    def _mention_at(self, surface: str, start: int, end: int) -> ValueMention:
        """``_mention`` of a match of ``surface`` at text[start:end]."""
        known = self._phrases.get(surface)
        if known is None:
            if len(self._phrases) > 20_000:
                self._phrases.clear()  # whitespace runs inside phrases make surfaces unbounded
            phrase = _SPACES.sub(" ", surface.lower())
            known = self._phrases[surface] = (phrase, self.interpretation(phrase))
        vm = ValueMention(start, end, surface, qualitative=known[0])
        vm.interpretation = known[1]
        return vm

    # -- finding ---------------------------------------------------------------------------
    def find(
        self,
        text: str,
        lo: int,
        hi: int,
        analytes: Sequence[AnalyteMention],
        words: TextWords | None = None,
    ) -> list[ValueMention]:
        """Result-word mentions in text[lo:hi] that are not reference cues, trends or names
        (``words``: ``names.text_words`` of the same range, when the caller has them)."""
        out: list[ValueMention] = []
        astarts = [a.start for a in analytes]
        for m in self.interp.result_names.finditer(text, lo, hi, words):
            s, e = m.span()
            after = text[e : e + 30]
            if REF_AFTER.match(after):
                continue  # "(normal, <1:40)": a reference range, not a result
            if inside(analytes, astarts, s):
                continue
            # each pattern below needs whitespace first (or a dash), or its verb's first letter
            space = after[:1].isspace()
            if space and _TREND_FROM.match(after):
                continue  # "fell from 798 to 98": the numbers carry the result
            if (space or after[:1] == "-") and _POWER.match(after):
                continue  # "high power field"
            vm = self._mention_at(text[s:e], s, e)
            c = text[s]
            g = None
            if c in _GROWTH_FIRST or not c.isascii():
                g = self.growth_re.match(text, s)
            if g:
                vm.end = g.end("org")
                vm.value_text = g.group("org")
                vm.interpretation = "positive"
            out.append(vm)
        if words is not None:
            self.interp.stretch_words.note(words)  # for ``Interpreter.cue_in``
        return out

    def find_in_table(self, text: str, lo: int, hi: int) -> list[ValueMention]:
        """Qualitative cells of a table ("Negative", "Normal") standing alone on their line."""
        out = []
        for m in self.interp.result_names.finditer(text, lo, hi):
            ls = text.rfind("\n", 0, m.start()) + 1
            le = text.find("\n", m.end())
            le = len(text) if le < 0 else le
            if text[ls:le].strip() == m.group().strip():
                out.append(self._mention(m))
        return out

    # -- pairing with catalogue analytes ---------------------------------------------------
    def pair(
        self,
        text: str,
        analytes: Sequence[AnalyteMention],
        results: list[ValueMention],
        values: list[ValueMention],
        bounds: list[int],
    ) -> list[LabMatch]:
        """Pair each result word with the catalogue analyte it qualifies, when there is one."""
        starts = [a.start for a in analytes]
        stops = sorted([v.start for v in values] + [r.start for r in results])
        out: list[LabMatch] = []
        for r in results:
            best = self._analyte_after(text, analytes, starts, r, bounds)
            if best is None:
                best = self._analyte_before(text, analytes, starts, stops, r, bounds)
            if best is not None:
                out.append(LabMatch(best[0], r, "text", best[1]))
        return out

    def _analyte_after(self, text, analytes, starts, r, bounds):
        """ "elevated CRP", "increased levels of prolactin": the analyte after the word."""
        if r.qualitative in self.weak:
            return None
        j = bisect.bisect_left(starts, r.end)
        if j >= len(analytes) or analytes[j].weak:
            return None
        a = analytes[j]
        if a.start - r.end > 25:
            return None  # the gap may be a whole paragraph: no need to read its words
        gap = text[r.end : a.start]
        words = [w.lower() for w in WORD.findall(gap)]
        polar = self.overrides.get(r.qualitative or "") in ("positive", "negative") or (
            r.qualitative in ("positive", "negative")
        )
        if (
            len(gap) <= 25
            and sentence_bounds_same(bounds, r.end, a.start)
            and all(w in self.after_words for w in words)
            and ("for" not in words or polar)
            and not _PUNCT.search(gap)
        ):
            return a, "prose_result_analyte"
        return None

    def _link(self, w: str) -> bool:
        """A word that may stand between a test and its result: listed, or an adverb in -ly
        ("CRP then dropped", "creatinine abruptly rose")."""
        return w in self.result_link or (w.endswith("ly") and len(w) > 4)

    def _analyte_before(self, text, analytes, starts, stops, r, bounds):
        """ "CRP was elevated", "cultures were all negative": the analyte before the word."""
        j = bisect.bisect_left(starts, r.start) - 1
        if j < 0:
            return None
        a = analytes[j]
        if r.start - a.end > self.max_gap_chars:
            return None  # the gap may be a whole paragraph: no need to read its words
        gap = text[a.end : r.start]
        words = [w.lower() for w in WORD.findall(gap)]
        k = bisect.bisect_right(stops, a.end)
        between = k < len(stops) and stops[k] < r.start
        ok = (
            not a.weak
            and a.end <= r.start
            and sentence_bounds_same(bounds, a.end, r.start)
            and len(gap) <= self.max_gap_chars
            and not between
            and not _CLAUSE_BREAK.search(gap)
            and not any(w in self.blockers for w in words)
        )
        if ok and r.qualitative in self.weak:
            ok = all(self._link(w) for w in words) and len(words) <= 4
        if ok and not all(self._link(w) for w in words):
            ok = len(words) <= 4 and not has_verb_clause(words, self.clause_verbs)
            ok = ok and any(w in self.copulas for w in words)
        return (a, "prose_analyte_result") if ok else None
