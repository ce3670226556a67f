"""Graded bedside findings and percentiles: the lab values that have no analyte in the catalogue.

Annotators mark "2/6" (a murmur grade), "2+" (pitting oedema, reflexes, anterior chamber cells)
and "10th percentile" (of a birth weight) as lab values. None of them is found by the ordinary
analyte-value pairing: the grade comes before a finding that is not a test, and a percentile
qualifies a value already paired. Each rule here needs its own anchor word from
``patterns/labs/scores.json`` so a bare "2/6" or "3+" (a fraction, a Gleason sum) stays out.
"""

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from caseminer.nlp.labs.catalogue import AnalyteMention
from caseminer.nlp.labs.names import TextWords
from caseminer.nlp.labs.results import LabMatch
from caseminer.nlp.labs.scan import (
    Low,
    char_runs,
    contains_any,
    finditer_at,
    first_words,
    letter_runs,
    lowered,
    minimal_words,
    occurrences,
)
from caseminer.nlp.labs.test_heads import TestVocab, other_test, subject_before
from caseminer.nlp.labs.values import ValueMention
from caseminer.patterns import read_json

_SP = r"[ \u00a0\u2009\u200a\u2005]*"
_PERCENTILE_COMP = {"<": "<", "≤": "<=", "≥": ">=", "below": "<", "under": "<", "less than": "<"}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
#: every character a percentile match can hold (comparators, words, numbers, dashes, spaces)
_PERCENTILE_RUN = re.compile(r"[\w\s.<>≤≥–-]*")


@dataclass(frozen=True)
class ScoreVocab:
    """Compiled patterns of scores.json."""

    fraction_re: re.Pattern[str]
    fraction_name: str
    fraction_cues: re.Pattern[str]
    grade_re: re.Pattern[str]
    grade_name: str
    plus_re: re.Pattern[str]
    plus_before_re: re.Pattern[str]
    plus_name: str
    percentile_re: re.Pattern[str]
    anchor_max: int
    status_re: re.Pattern[str]
    status_name: str
    # Cheap pre-checks: lowercase words every match of the big pattern must contain. Why: most
    # reports have no percentile and no "grade", and ``str.find`` for one word costs a fraction of
    # trying the full pattern at every character; when the word is absent the result is the same.
    percentile_hint: tuple[str, ...] | None = None
    percentile_any: tuple[str, ...] | None = None  # the hint's words that contain no other
    grade_hint: tuple[str, ...] | None = None
    # "/6" or "/VI" with its lookahead: every murmur fraction contains one (a literal "/" first,
    # which the regex engine finds fast)
    fraction_hint: re.Pattern[str] | None = None
    # the words a plus-grade-before match starts with, and the result words every status match
    # contains ("unstable" contains "stable")
    plus_before_words: tuple[str, ...] = ()
    status_words: tuple[str, ...] = ()
    status_letters: bool = False  # every word of patient_status is letters and spaces only
    # change and expression results ("improvement in X", "X was expressed")
    change_re: re.Pattern[str] | None = None
    change_stop: frozenset[str] = frozenset()
    change_max_words: int = 3
    expression_re: re.Pattern[str] | None = None
    # the words a change / expression match starts with (where the patterns are tried)
    change_starts: tuple[str, ...] = ()  # the change nouns ("improvement")
    change_modifiers: tuple[str, ...] = ()  # the words before one ("marked improvement")
    expression_starts: tuple[str, ...] = ()
    copula_results: tuple[str, ...] = ()  # "expressed": what "was"/"were" must be followed by
    # the words of status_words / copula_results that contain no other (for ``contains_any``)
    status_any: tuple[str, ...] = ()
    copula_any: tuple[str, ...] = ()
    # the first words of the change nouns and prefix results (whole words of any match)
    change_words: frozenset[str] = frozenset()
    prefix_words: frozenset[str] = frozenset()
    plus_before_first: frozenset[str] = frozenset()  # and of the nouns before a plus grade


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def load_score_vocab(patterns_dir: str | Path | None = None) -> ScoreVocab:
    """Read and compile scores.json of ``patterns_dir`` (None: the packaged one)."""
    v = read_json("labs", "scores.json", patterns_dir)
    change, change_stop, change_max, expression = _change_vocab(v)
    st = v["patient_status"]
    ch, ex = v["change_results"], v["expression_results"]
    frac = v["fraction_grades"][0]
    dens = _alt(frac["denominators"])
    grade = v["grade_word_cues"]
    plus = v["plus_grades"]
    n = int(plus["max_words_between"])
    words_between = rf"(?:[A-Za-z-]+\s+){{0,{n}}}?"
    plus_val = r"(?:[0-4]\+|\+[1-4])"
    return ScoreVocab(
        fraction_re=re.compile(
            rf"(?<![\w/.])(?:(?i:grade){_SP})?[1-6](?:{_SP}[–-]{_SP}[1-6])?{_SP}/{_SP}(?:{dens})"
            r"(?![\w/])"
        ),
        fraction_name=frac["name"],
        fraction_cues=re.compile(rf"(?i)\b(?:{_alt(frac['cues'])})\b"),
        grade_re=re.compile(
            rf"\b(?i:grade){_SP}(?P<g>[1-6]\+?|VI|IV|V|I{{1,3}})(?![\w/])"
            rf"(?P<gap>[^.;:\n]{{0,{int(grade['max_gap_chars'])}}}?)"
            rf"(?i:\b(?:{_alt(grade['cues'])})\b)"
        ),
        grade_name=grade["name"],
        plus_re=re.compile(
            rf"(?<![\w+/])(?P<v>{plus_val})(?![\w+/])\s+{words_between}"
            rf"(?i:(?:{_alt(plus['nouns_after'])})\b)"
        ),
        plus_before_re=re.compile(
            rf"(?i:\b(?:{_alt(plus['nouns_before'])}))\s+(?:(?:were|was|of|at)\s+)?"
            rf"(?P<v>{plus_val})(?![\w+/])"
        ),
        plus_name=plus["name"],
        percentile_re=re.compile(
            r"(?:(?P<comp>[<>≤≥]|(?i:below|above|under|over|less than|greater than))"
            r"\s*(?:the\s+)?)?(?:(?i:between)\s+(?:the\s+)?)?"
            r"(?:(?P<n0>\d{1,2}(?:\.\d)?)\s*(?:st|nd|rd|th)?\s*(?:[–-]|to|and)\s*(?:the\s+)?)?"
            r"(?P<n>\d{1,2}(?:\.\d)?)\s*(?:st|nd|rd|th)?[\s-]*"
            rf"(?i:{_alt(v['percentile_words'])})\b"
        ),
        anchor_max=int(v["percentile_anchor_max_chars"]),
        status_re=_status_regex(v["patient_status"]),
        status_name=v["patient_status"]["name"],
        percentile_hint=_lower_words(v["percentile_words"]),
        percentile_any=minimal_words(_lower_words(v["percentile_words"])),
        grade_hint=("grade",),
        fraction_hint=re.compile(rf"/{_SP}(?:{dens})(?![\w/])"),
        plus_before_words=_lower_words(plus["nouns_before"]),
        status_words=_lower_words(st["results"] + st["condition_results"]),
        status_letters=all(
            w.replace(" ", "").isalpha()
            for key in ("subjects", "verbs", "adverbs", "results", "condition_results")
            for w in st[key]
        ),
        change_re=change,
        change_stop=change_stop,
        change_max_words=change_max,
        expression_re=expression,
        change_starts=_lower_words(ch["nouns"]),
        change_modifiers=_lower_words(ch["modifiers"]),
        expression_starts=_lower_words(["was", "were", *ex["prefix_results"]]),
        copula_results=_lower_words(ex["copula_results"]),
        status_any=minimal_words(_lower_words(st["results"] + st["condition_results"])),
        copula_any=minimal_words(_lower_words(ex["copula_results"])),
        change_words=first_words(ch["nouns"]),
        prefix_words=first_words(ex["prefix_results"]),
        plus_before_first=first_words(plus["nouns_before"]),
    )


def _lower_words(words: list[str]) -> tuple[str, ...]:
    """Anchor words for ``str.find`` on lowercased text (the patterns match them ignoring case)."""
    return tuple(sorted({w.lower() for w in words}))


def _status_regex(st: dict) -> re.Pattern[str]:
    """ "the patient remained (haemodynamically) stable", "discharged in stable condition"."""
    verbs = "|".join(w.replace(" ", r"\s+") for w in st["verbs"])
    return re.compile(
        rf"(?i)\b(?P<subj>{_alt(st['subjects'])})\s+(?:{verbs})\s+"
        rf"(?:(?:{_alt(st['adverbs'])})\s+)?(?P<res>{_alt(st['results'])})\b"
        rf"|\bin\s+(?:a\s+)?(?P<res2>{_alt(st['condition_results'])})\s+"
        r"(?:general\s+|clinical\s+)?(?P<subj2>condition)\b"
    )


def _grade_value(s: str) -> float | None:
    m = re.search(r"\d+", s)
    if m:
        return float(m.group())
    roman = re.search(r"\b(VI|IV|V|I{1,3})\b", s)
    return float(_ROMAN[roman.group(1)]) if roman else None


def _value(start: int, end: int, text: str) -> ValueMention:
    vt = text[start:end]
    return ValueMention(start, end, vt, value=_grade_value(vt))


def _sentence(bounds: list[int], pos: int, n: int) -> tuple[int, int]:
    k = bisect.bisect_right(bounds, pos) - 1
    s0 = bounds[k] if k >= 0 else 0
    s1 = bounds[k + 1] if k + 1 < len(bounds) else n
    return s0, s1


def find_graded(
    text: str,
    lo: int,
    hi: int,
    bounds: list[int],
    voc: ScoreVocab,
    low: Low = ...,
    words: TextWords | None = None,
) -> Iterator[tuple[AnalyteMention, ValueMention, str]]:
    """Murmur grades ("2/6 systolic murmur", "grade 3 murmur") and plus grades ("2+ edema").
    ``low``: ``lowered(text)`` when the caller has it (every finder here reads it); ``words``:
    ``names.text_words(text, lo, hi)``, when the caller has it."""
    low = lowered(text) if low is ... else low
    hint = voc.fraction_hint
    fractions = (
        voc.fraction_re.finditer(text, lo, hi)
        if text.find("/", lo, hi) >= 0 and (hint is None or hint.search(text, lo, hi))
        else ()
    )
    for m in fractions:
        s0, s1 = _sentence(bounds, m.start(), len(text))
        window = (max(s0, m.start() - 80), min(s1, m.end() + 80))
        cues = list(voc.fraction_cues.finditer(text, *window))
        if not cues:
            continue
        cue = min(cues, key=lambda c: abs(c.start() - m.start()))
        a = other_test(cue.start(), cue.end(), cue.group(), name=voc.fraction_name)
        yield a, _value(m.start(), m.end(), text), "prose_murmur_grade"
    grades: Iterable[re.Match[str]] = ()
    if _has(voc.grade_hint, low, lo, hi):
        grades = voc.grade_re.finditer(text, lo, hi)
        if low is not None and voc.grade_hint is not None:  # a grade match starts at "grade"
            grades = finditer_at(voc.grade_re, text, occurrences(low, voc.grade_hint, lo, hi), hi)
    for m in grades:
        if re.search(r"/", m.group("gap")[:3]):
            continue  # "grade 2/6" is the fraction rule's
        cue = m.group().split()[-1]
        a = other_test(m.end() - len(cue), m.end(), cue, name=voc.grade_name)
        yield a, _value(m.start(), m.end("g"), text), "prose_grade_finding"
    plus = (voc.plus_re, voc.plus_before_re) if text.find("+", lo, hi) >= 0 else ()
    if plus and words is not None and words.folds and not words.having(voc.plus_before_first):
        plus = (voc.plus_re,)  # a noun before a grade is a whole word: none in the text
    for rx in plus:
        for m in _plus_matches(rx, voc, text, low, lo, hi):
            s, e = m.span("v")
            noun = m.group().split()[-1] if rx is voc.plus_re else m.group().split()[0]
            ns = m.end() - len(noun) if rx is voc.plus_re else m.start()
            a = other_test(ns, ns + len(noun), noun, name=voc.plus_name)
            yield a, _value(s, e, text), "prose_plus_grade"


def _plus_matches(
    rx: re.Pattern[str], voc: ScoreVocab, text: str, low: str | None, lo: int, hi: int
) -> Iterable[re.Match[str]]:
    """``rx.finditer`` for the two plus-grade patterns, tried only where a match can start: at
    a "+" or the digit before it ("2+", "+2"), or at a noun of ``plus_before_words``."""
    if rx is voc.plus_re:
        starts: set[int] = set()
        i = text.find("+", lo, hi)
        while i >= 0:
            starts.update((i - 1, i) if i > lo else (i,))
            i = text.find("+", i + 1, hi)
        return finditer_at(rx, text, sorted(starts), hi)
    if low is None or not voc.plus_before_words:
        return rx.finditer(text, lo, hi)
    return finditer_at(rx, text, occurrences(low, voc.plus_before_words, lo, hi), hi)


def _has(hint: tuple[str, ...] | None, low: str | None, lo: int, hi: int) -> bool:
    """False only when ``hint`` is set and none of its words is in text[lo:hi], ignoring case
    (so no full match can exist); ``low``: ``lowered(text)``."""
    return hint is None or contains_any(low, hint, lo, hi)


def find_status(
    text: str, lo: int, hi: int, voc: ScoreVocab, low: Low = ...
) -> Iterator[tuple[AnalyteMention, ValueMention]]:
    """The patient's overall state as a result: "the patient remained stable" -> "stable"."""
    low = lowered(text) if low is ... else low
    if not contains_any(low, voc.status_any, lo, hi):
        return
    if low is None or not voc.status_letters:
        found: Iterable[re.Match[str]] = voc.status_re.finditer(text, lo, hi)
    else:  # every match is words around a status word: only those runs are read
        runs = letter_runs(text, occurrences(low, voc.status_words, lo, hi), lo, hi)
        found = (m for a, c in runs for m in voc.status_re.finditer(text, a, c))
    for m in found:
        res = "res" if m.group("res") else "res2"
        subj = "subj" if m.group("subj") else "subj2"
        a = other_test(m.start(subj), m.end(subj), m.group(subj), name=voc.status_name)
        r = ValueMention(m.start(res), m.end(res), m.group(res))
        r.qualitative = m.group(res).lower()
        yield a, r


def find_percentiles(
    text: str,
    lo: int,
    hi: int,
    matches: list[LabMatch],
    analytes: list[AnalyteMention],
    voc: ScoreVocab,
    low: Low = ...,
) -> list[LabMatch]:
    """ "2.3 kg (10th percentile)", "weight below the 3rd percentile": a percentile of a value.

    The percentile takes the analyte of the value written just before it, or else of a
    measurement named just before it; with neither it is left out.
    """
    out: list[LabMatch] = []
    low = lowered(text) if low is ... else low
    if not _has(voc.percentile_any, low, lo, hi):
        return out
    ends = sorted(matches, key=lambda m: m.value.end)
    found: Iterable[re.Match[str]] = voc.percentile_re.finditer(text, lo, hi)
    if low is not None and voc.percentile_any:  # read only the runs around a percentile word
        runs = char_runs(
            _PERCENTILE_RUN, text, occurrences(low, voc.percentile_any, lo, hi), lo, hi
        )
        found = (m for a, c in runs for m in voc.percentile_re.finditer(text, a, c))
    for m in found:
        anchor: AnalyteMention | None = None
        for prev in reversed(ends):
            if prev.value.end <= m.start():
                gap = text[prev.value.end : m.start()]
                if len(gap) <= 4 and re.fullmatch(r"[\s(\[,;]*", gap):
                    anchor = prev.analyte
                break
        if anchor is None:
            for a in reversed(analytes):
                if a.end <= m.start():
                    gap = text[a.end : m.start()]
                    if (
                        a.analyte.measure
                        and len(gap) <= voc.anchor_max
                        and not re.search(r"[.;\d]", gap)
                    ):
                        anchor = a
                    break
        if anchor is None:
            continue
        v = ValueMention(m.start(), m.end(), m.group(), value=float(m.group("n")))
        if m.group("n0"):  # "9th–25th centile": a band between two centiles
            v.value, v.value_high = float(m.group("n0")), float(m.group("n"))
        comp = (m.group("comp") or "").lower()
        v.comparator = _PERCENTILE_COMP.get(comp, ">" if comp else None)
        v.unit_text = None
        out.append(LabMatch(anchor, v, "text", "prose_percentile"))
    return out


def denominator(v: ValueMention) -> str | None:
    """The scale of a ratio value: "5" of "4+/5"."""
    if not v.ratio:
        return None
    return v.value_text.rsplit("/", 1)[-1].strip()


def _change_vocab(v: dict) -> tuple[re.Pattern[str], frozenset[str], int, re.Pattern[str]]:
    ch, ex = v["change_results"], v["expression_results"]
    change = re.compile(
        rf"(?i)\b(?P<res>(?:(?:{_alt(ch['modifiers'])})\s+)?(?:{_alt(ch['nouns'])}))"
        rf"\s+(?:in|of)\s+(?:(?:{_alt(ch['determiners'])})\s+)?(?P<obj>[A-Za-z][\w-]*)"
    )
    expr = re.compile(
        rf"(?i)\b(?:was|were)\s+(?:also\s+|focally\s+|strongly\s+|diffusely\s+)?"
        rf"(?P<res>{_alt(ex['copula_results'])})\b"
        rf"|\b(?P<res2>{_alt(ex['prefix_results'])})\s+(?:of|for)\s+(?P<obj>[A-Za-z][\w-]*)"
    )
    return (
        change,
        frozenset(w.lower() for w in ch["object_stop"]),
        int(ch["max_object_words"]),
        expr,
    )


def _change_starts(low: str, voc: ScoreVocab, lo: int, hi: int) -> list[int]:
    """Where a change match can start: at a change noun, or at a modifier that whitespace alone
    separates from one ("marked  improvement"); modifiers elsewhere ("further", "clinical") are
    common words the pattern need not be tried at."""
    starts: set[int] = set()
    for q in occurrences(low, voc.change_starts, lo, hi):
        starts.add(q)
        ws = q
        while ws > lo and low[ws - 1].isspace():
            ws -= 1
        if ws < q:
            for w in voc.change_modifiers:
                if ws - len(w) >= lo and low.startswith(w, ws - len(w)):
                    starts.add(ws - len(w))
    return sorted(starts)


_NP_WORD = re.compile(r"\s*([A-Za-z0-9][\w-]*)")
_NP_BREAK = frozenset(
    {"and", "or", "with", "after", "before", "to", "from", "in", "of", "at", "but"}
)


def find_changes(
    text: str,
    lo: int,
    hi: int,
    voc: ScoreVocab,
    tests: TestVocab,
    low: Low = ...,
    words: TextWords | None = None,
) -> Iterator[tuple[AnalyteMention, ValueMention, str]]:
    """ "improvement in systolic function", "overexpression of p53": the change is the result.
    ``words``: ``names.text_words(text, lo, hi)``, when the caller has it.

    The object noun phrase (up to a few words, cut at a preposition or conjunction) is the test;
    doses, sizes, symptoms and diseases in ``object_stop`` are not measurements, so they block.
    """
    change, stop, max_words, expr = (
        voc.change_re,
        voc.change_stop,
        voc.change_max_words,
        voc.expression_re,
    )
    assert change is not None and expr is not None  # set by load_score_vocab
    low = lowered(text) if low is ... else low
    changes, exprs = change.finditer(text, lo, hi), expr.finditer(text, lo, hi)
    if low is not None and voc.change_starts and voc.expression_starts:
        # every match starts at one of these words (after ``\b``): try the patterns only there
        # (none when the text's words, ``words``, have no change noun: each is a whole word)
        some = words is None or not words.folds or bool(words.having(voc.change_words))
        changes = finditer_at(change, text, _change_starts(low, voc, lo, hi), hi) if some else ()
        starts = voc.expression_starts
        if not contains_any(low, voc.copula_any, lo, hi):  # "was"/"were" need one after
            starts = tuple(w for w in starts if w not in ("was", "were"))
            if words is not None and words.folds and not words.having(voc.prefix_words):
                starts = ()  # and the first word of a prefix result is a whole word
        exprs = finditer_at(expr, text, occurrences(low, starts, lo, hi), hi)
    for m in changes:
        if m.group("obj").lower() in stop:
            continue
        s, e = m.span("obj")
        pos, n = e, 1
        while n < max_words:
            w = _NP_WORD.match(text, pos, hi)
            if w is None or w.group(1).lower() in _NP_BREAK:
                break
            if w.group(1).lower() in stop:
                s = -1
                break
            pos, n = w.end(), n + 1
        if s < 0:
            continue
        e = pos
        a = other_test(s, e, text[s:e])
        r = ValueMention(m.start("res"), m.end("res"), m.group("res"))
        r.qualitative = m.group("res").lower()
        yield a, r, "prose_change_of"
    for m in exprs:
        res = "res" if m.group("res") else "res2"
        if m.group("obj") and m.group("obj").lower() in stop:
            continue
        if m.group("obj"):
            a = other_test(m.start("obj"), m.end("obj"), m.group("obj"))
        else:  # "EMA and CK7 were expressed": the subject before the verb is the marker
            s0 = max(lo, text.rfind(". ", max(lo, m.start() - 300), m.start()) + 1)
            a = subject_before(text, m.start(res), s0, tests)
            if a is None:
                continue
        r = ValueMention(m.start(res), m.end(res), m.group(res))
        r.qualitative = m.group(res).lower()
        yield a, r, "prose_expression"


def find_classes(
    text: str, analytes: list[AnalyteMention]
) -> Iterator[tuple[AnalyteMention, ValueMention]]:
    """ "NYHA class III", "Child-Pugh class B", "NYHA functional class II": a staged score.

    The catalogue lists the class values of each staged score (``classes``); a class written right
    after the score's name (with "class", "stage", "grade" or "functional class" between) is its
    value. Roman classes also get a number, so they compare.
    """
    for a in analytes:
        classes = a.analyte.classes
        if not classes:
            continue
        alt = "|".join(re.escape(c) for c in sorted(classes, key=len, reverse=True))
        m = re.compile(
            rf"[ \t]*(?:\([A-Za-z-]+\)[ \t]*)?(?:(?i:functional)[ \t]+)?"
            rf"(?:(?i:class|stage|grade|score)[ \t]*)?(?P<v>{alt})(?:[-–/](?P<v2>{alt}))?(?![\w-])"
        ).match(text, a.end)
        if m is None:
            continue
        v = ValueMention(m.start("v"), m.end(), text[m.start("v") : m.end()])
        v.value = float(_ROMAN[m.group("v")]) if m.group("v") in _ROMAN else None
        if m.group("v2") in _ROMAN and v.value is not None:
            v.value_high = float(_ROMAN[m.group("v2")])  # "class II-III"
        yield a, v
