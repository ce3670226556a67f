"""Finding and parsing lab values in text: numbers, comparators, ranges, units, titres, flags.

A value mention is found on its own here, without any analyte; pairing with an analyte is the
component's job. The numbers that are never lab values (citations, years, ages, figure numbers,
dates, durations) are filtered here because the surrounding characters tell them apart.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from caseminer.nlp.labs.catalogue import Catalogue, Unit
from caseminer.nlp.labs.scan import Low, lowered, occurrences
from caseminer.nlp.labs.value_pattern import ValueMatch, ValuePattern

_COMPARATORS = {
    "<": "<",
    ">": ">",
    "≤": "<=",
    "≥": ">=",
    "<=": "<=",
    ">=": ">=",
    "=<": "<=",
    "=>": ">=",
    "=": "=",
    "less than": "<",
    "lower than": "<",
    "below": "<",
    "under": "<",
    "greater than": ">",
    "more than": ">",
    "higher than": ">",
    "above": ">",
    "over": ">",
    "up to": "<=",
    "at least": ">=",
}
_COMP_WORDS = "less than|lower than|greater than|more than|higher than|up to|at least"
_COMP_RE = rf"(?:<=|>=|=<|=>|[<>≤≥=]|(?i:{_COMP_WORDS}))"
# a number: digits with optional decimal point/comma groups or thin-space thousands, optional sign
# (a plain space separates thousands only after 1-3 digits: "625 000", never "2 100-mg")
_NUM = (
    r"[-−]?(?:\d{1,3}(?: \d{3})+(?![\d.,-])"
    r"|\d+(?:(?:[.,·]\d+)+|(?:[\u2005\u2009\u202f\u00a0]\d{3})+)?)"
)
_DASH = r"(?:-|–|—|‐|to)"
# Where a value mention can start: a comparator, "between", a digit or a sign. Why: the value
# regex opens with optional groups, so ``search`` tries the whole pattern at every character;
# skipping to these positions first finds exactly the same matches in about half the time.
_START = re.compile(rf"(?i:{_COMP_WORDS}|between)|[<>≤≥=\d\-−]")
# the two halves of ``_START``: its characters (a plain character class, which the regex engine
# scans for fast) and its words, found once per text with ``str.find`` on the lowercased text
_START_CHAR = re.compile(r"[<>≤≥=\d\-−]")
_START_WORDS = (*_COMP_WORDS.split("|"), "between")
_START_WORDS_NO_THAN = tuple(w for w in _START_WORDS if "than" not in w)
# ``_START_CHAR`` where ``_inside_word`` is false, in one search: a comparator, or a digit or sign
# not after a word character or a dot, nor after a dash that follows a letter or digit (``\w``
# is ``str.isalnum`` or "_", ``[^\W_]`` is ``str.isalnum``)
_START_OUTSIDE = re.compile(r"[<>≤≥=\d\-−](?<![\w.][\d\-−])(?<![^\W_][-‐][\d\-−])")
# the small checks of ``find_values``, compiled once (``re.search(pattern, ...)`` looks each up in
# the module's cache on every call)
_FROM_BEFORE = re.compile(r"(?i)\bfrom\s*$")
_OPEN_BEFORE = re.compile(r"[\[(]\s*$")
_CLOSE_AFTER = re.compile(r"^\s*[\])]")
_LEADING_INT = re.compile(r"\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")
_BRACKET_BEFORE = re.compile(r"\[\s*$")
_TIME_BEFORE = re.compile(r"\d:$")
_BRACKET_AFTER = re.compile(r"^\s*\]")
_DATE_AFTER = re.compile(r"^[/.-]\d")
_DATE_SEPARATORS = ("/", ".", "-")
_SPACE_SPLIT = re.compile(r"\s")
_NUMBER_SPACES = re.compile(r"[\u2005\u2009\u202f\u00a0 ]")
_NON_VALUE_AFTER = re.compile(
    r"^(?:[-‐\s]*(?:years?|yrs?|y/o|yo|months?|mo|weeks?|wks?|days?|hours?|hrs?|h\b|minutes?|min\b|"
    r"year-old|years-old|month-old|week-old|day-old|times|fold|cycles?|courses?|sessions?|doses?|"
    r"tablets?|episodes?|patients?|cases?|lesions?|nodules?|cm|mm|millimet|centimet|vertebra|rib|"
    r"st\b|nd\b|rd\b|th\b|[A-Za-z]\d)|\s*[×xX]\s*\d|:\d\d)",
    re.IGNORECASE,
)
_NON_VALUE_WORDS = (
    r"fig(?:ure)?s?|tables?|refs?|references?|stage|grade|type|class|phase|day|pod|week|"
    r"month|year|years|age|aged|segment|lead|leads|chapter|page|pages|vol|no|number|issn|isbn|"
    r"doi|pmid|room|bed|cycle|cycles|course|version"
)
_NON_VALUE_BEFORE = re.compile(
    rf"(?:\b(?:{_NON_VALUE_WORDS})\.?\s*$|[\[/]\s*$|\d[–-]$)",
    re.IGNORECASE,
)
#: at least the longest word of ``_NON_VALUE_WORDS`` (a test checks it against the words)
_NON_VALUE_REACH = 11
_DATE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$")
#: one word of ``_NON_VALUE_WORDS``, the whole string (``_non_value_before`` checks the last word)
_NON_VALUE_WORD = re.compile(rf"(?:{_NON_VALUE_WORDS})", re.IGNORECASE)


def _may_be_non_value_after(text: str, at: int) -> bool:
    """Whether ``_NON_VALUE_AFTER`` may match at ``at``: each of its alternatives starts with
    a dash, whitespace, a letter (its words and "x" are ASCII letters, which match only letters
    case-insensitively), "×" or ":" (a test checks every character)."""
    c = text[at : at + 1]
    return c.isalpha() or c.isspace() or (c != "" and c in _NON_VALUE_AFTER_FIRST)


_NON_VALUE_AFTER_FIRST = "-‐×:"


def _non_value_before(before: str) -> bool:
    """``_NON_VALUE_BEFORE.search(before)``, read off the end of ``before`` (a search tried the
    word list at each of the last dozen characters).

    Its three alternatives, with ``b`` the text without trailing whitespace (``str.isspace`` is
    the engine's ``\\s``, and ``$`` only also allows a final newline, which is whitespace):
    "[" or "/" ends ``b``; a digit and a dash end the text (``$`` or before a final newline);
    or ``b``, without one final dot, ends with one of the words right after a word boundary, so
    the word is the whole last run of word characters (letters only, so none longer than
    ``_NON_VALUE_REACH``).
    """
    b = before.rstrip()
    if not b:
        return False
    last = b[-1]
    if last in "[/":
        return True
    if last in "–-":  # only the digit-dash alternative can end here: it starts 2-3 back
        return _NON_VALUE_BEFORE.search(before, max(0, len(before) - 3)) is not None
    if last == ".":
        b = b[:-1]
    elif not last.isalpha():
        return False
    end = i = len(b)
    while i > 0 and (b[i - 1].isalnum() or b[i - 1] == "_"):  # the engine's \w
        i -= 1
        if end - i > _NON_VALUE_REACH:
            return False  # longer than any word
    return i < end and _NON_VALUE_WORD.fullmatch(b, i) is not None


@dataclass
class ValueMention:
    """A value found in text, with Doc character offsets."""

    start: int
    end: int
    value_text: str
    value: float | None = None
    value_high: float | None = None
    comparator: str | None = None
    unit_text: str | None = None
    unit: Unit | None = None
    qualitative: str | None = None  # the result phrase for qualitative values
    interpretation: str | None = None  # what a qualitative word states (set by its finder)
    flag: str | None = None  # a printed flag after the value ("H", "↓"), read by interpret.py
    titre: bool = False
    ratio: bool = False
    consumed: bool = False  # part of a reference range
    reference: dict | None = field(default=None)


#: number as written -> ``parse_number``'s answer (a pure function of the string, read again for
#: every value written the same way)
_NUMBERS: dict[str, float | None] = {}
_MAX_NUMBERS = 20_000


def parse_number(s: str, *, unit_known: bool = True) -> float | None:
    """Parse '7.8', '7,8' (decimal comma), '12,300' (thousands), '200 000', '−5.1'."""
    if s in _NUMBERS:
        return _NUMBERS[s]
    if len(_NUMBERS) > _MAX_NUMBERS:
        _NUMBERS.clear()
    found = _NUMBERS[s] = _parse_number(s)
    return found


def _parse_number(s: str) -> float | None:
    s = s.strip().replace("−", "-").replace("·", ".")
    s = _NUMBER_SPACES.sub("", s)
    if "," in s and "." in s:
        s = s.replace(",", "")
    elif "," in s:
        parts = s.split(",")
        if len(parts) == 2 and len(parts[1]) != 3:
            s = parts[0] + "." + parts[1]  # decimal comma: "7,8", "36,8"
        elif all(len(p) == 3 for p in parts[1:]):
            s = s.replace(",", "")  # thousands: "12,300", "1,763"
        else:
            return None
    try:
        return float(s)
    except ValueError:
        return None


def value_regex(cat: Catalogue) -> ValuePattern:
    """The pattern of a numeric value mention: comparator, number or range or titre, unit, flag
    (``value_pattern.py``; its ``full()`` is the one regex it stands for)."""
    return ValuePattern(cat)


def _is_flag(flag: str, cat: Catalogue) -> bool:
    """Whether a printed mark after a value is a known flag; its meaning is interpret.py's."""
    return flag.strip().strip("()").strip() in cat.vocab["interpretation_flags"]


def find_values(
    text: str,
    cat: Catalogue,
    rx: ValuePattern | re.Pattern[str],
    lo: int = 0,
    hi: int | None = None,
    low: Low = ...,
):
    """All numeric value mentions in text[lo:hi], in order, with the non-values filtered out
    (``low``: ``lowered(text)`` when the caller has it)."""
    hi = len(text) if hi is None else hi
    out: list[ValueMention] = []
    pos = lo
    low = lowered(text) if low is ... else low
    starts = None
    if low is not None and isinstance(rx, ValuePattern):  # "... than" words only with "than"
        starts = value_starts(text, lo, hi, low, _START_WORDS_NO_THAN)
        than = _than_words(low, lo, hi)
        if than:
            starts = sorted(set(starts).union(than))
    k = 0  # where ``starts`` is read from: ``pos`` only grows, so the starts before stay behind
    while True:
        if starts is None:
            m = _search(rx, text, pos, hi, None, skip_inside=True)
        else:  # _match_from(rx, text, pos, hi, starts), read on from the last start tried
            k = bisect.bisect_left(starts, pos, k)
            m = None
            while k < len(starts):
                m = rx.match(text, starts[k], hi)
                if m is not None:
                    break
                k += 1
        if m is None:
            break
        start, mend = m.span()
        pos = mend if mend > start else start + 1
        g = m.groupdict()  # one call for every group (a ValueMatch's are Python methods)
        hd = m.head if type(m) is ValueMatch else m  # the head's groups, read in C
        if g["num2"] and _FROM_BEFORE.search(text[max(0, start - 8) : start]):
            m = rx.match(text, start, hd.end("num"))  # "from 1.2 to 3.4" is two values
            pos = mend = m.end()
            g = m.groupdict()
            hd = m.head if type(m) is ValueMatch else m
        if (
            start > 0
            and not g["comp"]
            and (
                text[start - 1].isalnum()
                or text[start - 1] in "._"
                or (text[start - 1] in "-‐" and start > 1 and text[start - 2].isalnum())
            )
        ):
            pos = start + 1  # retry inside: "HCO3- 20.1" must still find 20.1
            continue  # inside a word or a longer number ("T2N0", "CA19-9", "3.5.1")
        end = mend
        before = text[max(0, start - 20) : start]
        unit_text = g["unit"]
        unit = cat.unit_for(unit_text) if unit_text else None
        if g["titre"]:
            vm = ValueMention(start, end, text[start:end].strip(), titre=True)
        elif g["ratio"]:
            after = text[end : end + 25]
            if not unit and _OPEN_BEFORE.search(before) and _CLOSE_AFTER.match(after):
                continue  # "(1/2)" citation-like or figure panel; "(150/100 mmHg)" is a value
            vm = ValueMention(start, end, text[start:end].strip(), ratio=True)
            head = _LEADING_INT.match(g["ratio"])  # "4+/5", "2–3/5": the first grade
            vm.value = float(head.group()) if head else None
            vm.value_high = None
        elif g["bnum"]:
            vm = ValueMention(start, end, "")
            vm.value = parse_number(g["bnum"])
            vm.value_high = parse_number(g["bnum2"])
            if vm.value is None:
                continue
        else:
            num = g["num"]
            raw_end = hd.end("num2") if g["num2"] else hd.end("num")
            if unit is None:
                if _may_be_non_value_after(text, raw_end) and _NON_VALUE_AFTER.match(
                    text[raw_end : raw_end + 20]
                ):
                    continue
                if _YEAR.fullmatch(num) and not g["comp"]:
                    continue  # a year
            # each pattern below needs its bracket, colon or separator: looked for first
            bracket_before = "[" in before and _BRACKET_BEFORE.search(before) is not None
            bracketed_unit = unit is not None and bracket_before
            if not g["comp"] and not bracketed_unit and _non_value_before(before):
                continue  # "[12]" is a citation, "[5.5 mmol/L]" a second unit
            time_before = text[max(0, start - 3) : start]
            if ":" in time_before and _TIME_BEFORE.search(time_before):
                continue  # minutes of a time "02:15"
            after3 = text[raw_end : raw_end + 3]
            if not bracketed_unit and (
                ("]" in after3 and _BRACKET_AFTER.match(after3)) or bracket_before
            ):
                continue  # citation [12]
            if (
                after3[:1] in _DATE_SEPARATORS
                and _DATE_AFTER.match(after3)
                and _DATE.match(_SPACE_SPLIT.split(text[start : raw_end + 11])[0])
            ):
                continue
            value = parse_number(num)
            if value is None:
                continue
            vm = ValueMention(start, end, "")
            vm.value = value
            if g["num2"]:
                vm.value_high = parse_number(g["num2"])
            if g["comp"]:
                vm.comparator = _COMPARATORS.get(g["comp"].strip().lower(), None)
        if g["flag"]:
            if _is_flag(g["flag"], cat):
                vm.flag = g["flag"].strip()
            else:
                end = m.start("flag")
        if unit_text and unit is None:
            end = m.start("usp")
        vm.end = _rstrip_end(text, start, end)
        vm.value_text = _value_text(text, m, hd, start, g, vm)
        vm.unit_text = unit_text if unit is not None else None
        vm.unit = unit
        out.append(vm)
    return _with_decades(text, out, lo, hi)


# "saturation in the 90s", "systolic pressure in the high 180s": a decade stands for a range
_DECADE = re.compile(
    r"(?i)\b(?:in|into|to)\s+the\s+(?:(?P<q>low|mid|high|upper|lower)[\s-]+)?"
    r"(?P<n>[1-9]\d?0)['’]?s\b"
)
# what every decade contains ("90s", "180’s"): a literal "0" first, which the engine finds fast,
# where ``_DECADE`` opens with a word boundary and is tried at every character
_DECADE_HINT = re.compile(r"(?i)0['’]?s\b")
_DECADE_PART = {"low": (0, 3), "lower": (0, 3), "mid": (3, 6), "high": (6, 9), "upper": (6, 9)}


def _with_decades(text: str, values: list[ValueMention], lo: int, hi: int) -> list[ValueMention]:
    """Add decade values ("in the 90s" = 90-99) and drop the number they were misread as
    ("90 s", ninety seconds)."""
    decades: list[ValueMention] = []
    if _DECADE_HINT.search(text, lo, hi) is None:
        return values
    for m in _DECADE.finditer(text, lo, hi):
        start = m.start("q") if m.group("q") else m.start("n")
        n = float(m.group("n"))
        a, b = _DECADE_PART.get((m.group("q") or "").lower(), (0, 9))
        vm = ValueMention(start, m.end(), text[start : m.end()], value=n + a, value_high=n + b)
        decades.append(vm)
    if not decades:
        return values
    kept = [v for v in values if not any(d.start <= v.start < d.end for d in decades)]
    return sorted(kept + decades, key=lambda v: v.start)


def _search(
    rx: ValuePattern | re.Pattern[str],
    text: str,
    pos: int,
    hi: int,
    words: list[int] | None = None,
    skip_inside: bool = False,
) -> ValueMatch | re.Match[str] | None:
    """``rx.search(text, pos, hi)`` for the value pattern, trying only where a value can start.

    ``words``: the sorted offsets of ``_START``'s words in the text (None: search ``_START``
    itself). Any other regex (whose starts ``_START`` does not describe) is searched as it is.
    With ``skip_inside`` (``find_values``), a digit or sign inside a word or a longer number
    ("T2N0", "CA19-9"; ``_inside_word``) is not tried (``_START_OUTSIDE``): a match there has no
    comparator, so ``find_values`` would drop it and search on from the next character, which is
    what skipping it does.
    """
    if not isinstance(rx, ValuePattern):
        return rx.search(text, pos, hi)
    k = 0
    while True:
        if words is None:
            cand = _START.search(text, pos, hi)
            if cand is None:
                return None
            at = cand.start()
        else:
            c = (_START_OUTSIDE if skip_inside else _START_CHAR).search(text, pos, hi)
            at = c.start() if c is not None else hi
            if words:
                k = bisect.bisect_left(words, pos, k)
                if k < len(words) and words[k] < at:
                    at = words[k]
            if at >= hi:
                return None
        m = rx.match(text, at, hi)
        if m is not None:
            return m
        pos = at + 1


def value_starts(text: str, lo: int, hi: int, low: str, words: tuple[str, ...]) -> list[int]:
    """Every offset in [lo, hi) ``_search`` with ``skip_inside`` would try, in order: the
    ``_START_OUTSIDE`` characters (one pass; the lookbehinds see the text itself, so where a
    search starts does not change them) and the occurrences of ``words`` in ``low``."""
    found = [m.start() for m in _START_OUTSIDE.finditer(text, lo, hi)]
    more = occurrences(low, words, lo, hi)
    return sorted(found + more) if more else found


_THAN_WORDS = tuple(w for w in _START_WORDS if "than" in w)


def _than_words(low: str, lo: int, hi: int) -> list[int]:
    """``occurrences(low, _THAN_WORDS, lo, hi)`` from one search: each of those words ends with
    its only "than", so each occurrence ends at an occurrence of "than" (one ``str.find`` pass
    for all five, which are rarer than "than" is)."""
    found: list[int] = []
    q = low.find("than", lo, hi)
    while q >= 0:
        for w in _THAN_WORDS:
            s = q + 4 - len(w)
            if s >= lo and low.startswith(w, s):
                found.append(s)
        q = low.find("than", q + 1, hi)
    return found


def _match_from(
    rx: ValuePattern | re.Pattern[str], text: str, pos: int, hi: int, starts: list[int]
) -> ValueMatch | re.Match[str] | None:
    """``_search(rx, text, pos, hi, words, skip_inside=True)`` over ``value_starts``: the first
    value matched at one of them from ``pos`` on (one search of the text instead of one per
    value)."""
    for k in range(bisect.bisect_left(starts, pos), len(starts)):
        m = rx.match(text, starts[k], hi)
        if m is not None:
            return m
    return None


def _inside_word(text: str, at: int) -> bool:
    """A value starting at ``at`` without a comparator would be inside a word or a longer number
    (``find_values``' test: "T2N0", "CA19-9", "3.5.1")."""
    if at == 0 or text[at] in "<>≤≥=":
        return False  # nothing before, or a comparator starts here
    prev = text[at - 1]
    return prev.isalnum() or prev in "._" or (prev in "-‐" and at > 1 and text[at - 2].isalnum())


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\n\u00a0\u2009\u2005\u200a\u202f":
        end -= 1
    return end


def _value_text(
    text: str,
    m: ValueMatch | re.Match[str],
    hd: re.Match[str],
    start: int,
    g: dict[str, str | None],
    vm: ValueMention,
) -> str:
    """The value as written, without its unit: '7.8', '<0.5', '3-5', '1:320' (``hd``: the
    match's head, whose groups are the match's own but usp, unit and flag; ``start``: where
    the match starts; ``g``: its groupdict)."""
    if g["unit"] and vm.unit is not None:
        stop = m.start("usp")
    else:
        stop = hd.end("num2") if g["num2"] else (hd.end("num") if g["num"] else vm.end)
        if g["bnum2"]:
            stop = hd.end("bnum2")
        if g["titre"]:
            stop = hd.end("titre")
        if g["ratio"]:
            stop = hd.end("ratio")
    return text[start:stop].strip()
