"""The analyte catalogue, the unit table and unit conversion, loaded from caseminer/patterns/labs/.

Everything the labs component knows about tests and units is data (``analytes.jsonl``,
``units.jsonl``, ``qualitative.json``); this module turns it into name matchers (``names.py``:
character tries walked where a name's first word is written, standing for one regex alternation
that is never compiled) and small lookup tables once, and keeps the unit arithmetic (needed to
compare a value with a catalogue range given in another unit) in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from caseminer.nlp.labs.names import NameMatcher, TextWords
from caseminer.nlp.labs.unit_names import UnitMatcher
from caseminer.patterns import read_json, read_jsonl

#: characters that separate a number from its unit (regular, no-break and thin spaces)
SPACE = "[ \\t\\u00a0\\u2002-\\u200a\\u202f]"
_MICRO = "μµ"
_SPACES = re.compile(r"\s+")
_NEWLINE_SPACE = re.compile(r"\s*\n\s*")
_POWER_UNIT = re.compile(
    r"[×xX*]? ?10 ?(?:\^|e|E)?\(?([0-9⁰¹²³⁴⁵⁶⁷⁸⁹]+)\)? ?(?:cells? ?)?"
    r"/ ?(L|l|litre|liter|[μµu]L|[μµu]l|mm3|mm³)"
)


@dataclass(frozen=True)
class Analyte:
    """One catalogue entry (see the catalogue format in docs)."""

    name: str
    synonyms: tuple[str, ...]
    abbreviations: tuple[str, ...]
    loinc: str | None
    units: tuple[str, ...]
    ucum_units: frozenset[str]
    ref_low: float | None
    ref_high: float | None
    ref_unit: str | None
    category: str
    molar_mass: float | None = None
    valence: int | None = None
    qualitative: bool = False
    generic: bool = False
    weak_terms: tuple[str, ...] = ()
    abnormal: str | None = None  # which end of a scale is abnormal: "low", "high", "both"
    canonical_unit: str | None = None  # UCUM unit of ``normalized`` (default: ref_unit)
    measure: bool = False  # a bedside measurement or score (its category is a measurement one)
    classes: tuple[str, ...] = ()  # class values of a staged score ("I".."IV", "A".."C")
    # a panel of markers ("Immunohistochemistry markers"): a result names the marker as written,
    # except for these words, which name the panel itself
    panel_terms: frozenset[str] | None = None


@dataclass(frozen=True)
class Unit:
    """A unit: its UCUM code, dimension and factor to the dimension's base unit."""

    ucum: str
    dimension: str
    factor: float


@dataclass
class Catalogue:
    """Analytes, units and vocabularies with their compiled matchers."""

    analytes: dict[str, Analyte]
    units: dict[str, Unit]  # spelling -> unit
    by_ucum: dict[str, Unit]
    vocab: dict[str, Any]
    analyte_names: NameMatcher = field(repr=False)
    analyte_ci: dict[str, str] = field(repr=False)  # lowercased synonym -> analyte name
    analyte_cs: dict[str, str] = field(repr=False)  # abbreviation -> analyte name
    weak: frozenset[str] = field(repr=False)  # lowercased weak terms (anchor unit values only)
    unit_names: UnitMatcher = field(repr=False)
    #: dimension -> the UCUM unit whose factor is 1 (where a lab outside the catalogue normalizes)
    base_units: dict[str, str] = field(default_factory=dict, repr=False)
    #: matched surface -> (``analyte_for(surface)``, whether it is a weak term): the catalogue
    #: does not change once loaded, so a surface met again reads the same (``find_analytes``)
    _surfaces: dict[str, tuple[Analyte | None, bool]] = field(
        default_factory=dict, repr=False, compare=False
    )
    #: unit spelling -> ``unit_for(spelling)``, for the same reason
    _units_read: dict[str, Unit | None] = field(default_factory=dict, repr=False, compare=False)

    def analyte_for(self, surface: str) -> Analyte | None:
        """The analyte a matched surface string names (newlines inside words ignored)."""
        key = _NEWLINE_SPACE.sub("", surface) if "\n" in surface else surface
        name = self.analyte_cs.get(key) or self.analyte_ci.get(_norm(key))
        if name is None:
            name = self.analyte_ci.get(_norm(_SPACES.sub(" ", surface)))
        return self.analytes.get(name) if name else None

    def unit_for(self, surface: str) -> Unit | None:
        """The unit a matched unit string stands for, including generic ×10^n forms (a
        spelling met before is read from ``_units_read``: the catalogue does not change once
        loaded, and a ``Unit`` is frozen, so sharing one is as good as building it again)."""
        known = self._units_read
        if surface in known:
            return known[surface]
        if len(known) > _MAX_SURFACES:
            known.clear()  # whitespace runs inside units make spellings unbounded
        found = known[surface] = self._unit_for(surface)
        return found

    def _unit_for(self, surface: str) -> Unit | None:
        s = _SPACES.sub(" ", surface.strip())
        unit = self.units.get(s) or self.units.get(s.replace("µ", "μ"))
        unit = unit or self.units.get(s.replace("/ ", "/")) or self.by_ucum.get(s)
        if unit is not None:
            return unit
        m = _POWER_UNIT.fullmatch(s)
        if m:
            exp = int(m.group(1).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")))
            per_ul = m.group(2) not in ("L", "l", "litre", "liter")
            if exp > 15:  # "109/L" read as 10^9 is in the table; larger is noise
                return None
            factor = 10.0**exp * (1e6 if per_ul else 1.0)
            code = f"10*{exp}/{'uL' if per_ul else 'L'}"
            return Unit(code, "cell_count", factor)
        return None


def _norm(s: str) -> str:
    return s.lower().replace("µ", "μ").replace("–", "-").replace("‐", "-")


def trie_alternation(words: list[str], *, case_insensitive: bool) -> str:
    """A regex matching any of ``words`` (longest first), any space standing for any run of spaces.

    The words are merged into a trie first: Python's regex engine tries a flat alternation of two
    thousand names one by one at every character, a trie only follows the prefix that matches.
    """
    trie: dict = {}
    for w in set(words):
        node = trie
        for ch in w.lower() if case_insensitive else w:
            node = node.setdefault(_fragment(ch, case_insensitive), {})
        node[""] = {}
    return _trie_regex(trie)


@cache
def _fragment(ch: str, case_insensitive: bool) -> str:
    """The regex for one character of a name; cached because a catalogue has ~35k characters
    but only a few hundred distinct ones, and ``re.escape`` dominated catalogue build time."""
    if ch == " ":
        return r"\s+"
    if case_insensitive and ch in "μµ":
        return "[μµ]"
    if case_insensitive and ch in "-‐–":
        return "[-‐–]"
    return re.escape(ch)


def _trie_regex(node: dict) -> str:
    ends = "" in node
    alts = [frag + _trie_regex(child) for frag, child in sorted(node.items()) if frag != ""]
    if not alts:
        return ""
    if len(alts) == 1 and not ends:
        return alts[0]
    return "(?:" + "|".join(alts) + ")" + ("?" if ends else "")


def _spelled(spelling: str, unit_words: dict[str, Any]) -> set[str]:
    """ "grams per deciliter", "beats every minute": a symbol 'A/B' written out in words."""
    parts = spelling.split("/")
    words = unit_words.get("words", {})
    if len(parts) != 2 or parts[0] not in words or parts[1] not in words:
        return set()
    return {
        f"{a} {per} {b}"
        for a in words[parts[0]]
        for b in words[parts[1]]
        for per in unit_words.get("per", [])
    }


def _unit_variants(spelling: str) -> list[str]:
    out = {spelling}
    if spelling.endswith("/L"):
        out.add(spelling[:-1] + "l")
    if "/" in spelling and not spelling.startswith("/"):
        out |= {v.replace("/", "/ ", 1) for v in list(out)}
    if "μ" in spelling:
        out |= {v.replace("μ", "µ") for v in list(out)}
    return sorted(out)


def load_catalogue(patterns_dir: str | Path | None = None) -> Catalogue:
    """Load and compile the catalogue of ``patterns_dir`` (None: the packaged patterns/labs).

    Not cached here: the component loads it once when it is built, so two components pointed at
    two folders each keep their own catalogue.
    """
    units: dict[str, Unit] = {}
    by_ucum: dict[str, Unit] = {}
    unit_words = read_json("labs", "unit_words.json", patterns_dir)
    for row in read_jsonl("labs", "units.jsonl", patterns_dir):
        unit = Unit(row["ucum"], row["dimension"], float(row["factor"]))
        by_ucum.setdefault(unit.ucum, unit)
        for sp in row["spellings"]:
            for v in _unit_variants(sp):
                units.setdefault(v, unit)
            for v in _spelled(sp, unit_words):
                units.setdefault(v, unit)
    vocab = read_json("labs", "qualitative.json", patterns_dir)
    measures = frozenset(vocab.get("measurement_categories", ["measurement"]))
    analytes: dict[str, Analyte] = {}
    ci: dict[str, str] = {}
    cs: dict[str, str] = {}
    weak: set[str] = set()
    for row in read_jsonl("labs", "analytes.jsonl", patterns_dir):
        listed_units = [units.get(s) or by_ucum.get(s) for s in row.get("units", [])]
        ucum = frozenset(u.ucum for u in listed_units if u)
        a = Analyte(
            name=row["name"],
            synonyms=tuple(row.get("synonyms", [])),
            abbreviations=tuple(row.get("abbreviations", [])),
            loinc=row.get("loinc"),
            units=tuple(row.get("units", [])),
            ucum_units=ucum,
            ref_low=row.get("ref_low"),
            ref_high=row.get("ref_high"),
            ref_unit=row.get("ref_unit"),
            category=row.get("category", "other"),
            molar_mass=row.get("molar_mass"),
            valence=row.get("valence"),
            qualitative=bool(row.get("qualitative", False)),
            generic=bool(row.get("generic", False)),
            weak_terms=tuple(row.get("weak_terms", [])),
            abnormal=row.get("abnormal"),
            canonical_unit=row.get("canonical_unit")
            or row.get("ref_unit")
            or _first_ucum(listed_units),
            measure=row.get("category", "other") in measures,
            classes=tuple(row.get("classes", [])),
            panel_terms=(
                frozenset(_norm(t) for t in row["panel_terms"]) if "panel_terms" in row else None
            ),
        )
        analytes[a.name] = a
        for s in a.synonyms:
            ci.setdefault(_norm(s), a.name)
        for s in a.abbreviations:
            cs.setdefault(s, a.name)
        for s in a.weak_terms:
            if _norm(s) not in ci:
                ci[_norm(s)] = a.name
                weak.add(_norm(s))
    analyte_names = NameMatcher(ci, cs, trie_alternation)
    generic_pow = r"[×xX*]" + SPACE + r"*10" + SPACE + r"*(?:\^|e|E)?\(?[0-9⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2}\)?"
    generic_pow += (
        SPACE
        + r"*(?:cells?"
        + SPACE
        + r"*)?/"
        + SPACE
        + r"*(?:L|l|litre|liter|[μµu]L|[μµu]l|mm3|mm³)"
    )
    unit_names = UnitMatcher(units, generic_pow, trie_alternation)
    # where a lab outside the catalogue normalizes: the factor-1 unit of its dimension, else the
    # first unit listed for the dimension (mmol/L for amounts of substance)
    base = {u.dimension: u.ucum for u in reversed(list(by_ucum.values())) if u.factor == 1}
    for u in by_ucum.values():
        base.setdefault(u.dimension, u.ucum)
    return Catalogue(
        analytes, units, by_ucum, vocab, analyte_names, ci, cs, frozenset(weak), unit_names, base
    )


def analyte_name(a: Analyte, written: str) -> str:
    """The LAB analyte for a mention: the catalogue name, or for a marker panel the marker itself
    ("CK20", "Ki-67"), so that "CK20+, CD99-" gives one result per marker."""
    if a.panel_terms is None:
        return a.name
    key = _norm(" ".join(written.split()))
    return a.name if key in a.panel_terms else " ".join(written.split())


def normalize(
    cat: Catalogue,
    value: float | None,
    value_high: float | None,
    unit: Unit | None,
    analyte: Analyte,
) -> dict[str, Any] | None:
    """``{value, value_high, unit}`` in the analyte's canonical UCUM unit, None when it does not
    convert.

    Why: reports write one analyte in several units (CRP in mg/L and mg/dL, weight in kg and lb);
    a reader comparing reports needs one. The target is the catalogue's ``canonical_unit`` (default
    its ``ref_unit``); for a test outside the catalogue, the base unit of the value's dimension.
    """
    if value is None or unit is None:
        return None
    for target in (analyte.canonical_unit, cat.base_units.get(unit.dimension)):
        if target is None or target not in cat.by_ucum:
            continue
        x = convert(cat, value, unit, target, analyte)
        if x is None:
            continue
        high = convert(cat, value_high, unit, target, analyte) if value_high is not None else None
        return {"value": _round(x), "value_high": _round(high), "unit": target}
    return None


def _first_ucum(listed: list[Unit | None]) -> str | None:
    """The first listed unit of an analyte (its canonical unit when no range unit is given)."""
    return next((u.ucum for u in listed if u is not None and u.ucum != "1"), None)


def _round(x: float | None) -> float | None:
    """Six significant digits: conversion factors make 31 mg/dL 309.99999999999994 mg/L."""
    return None if x is None else float(f"{x:.6g}")


def convert(
    cat: Catalogue, value: float, unit: Unit, target_ucum: str | None, analyte: Analyte
) -> float | None:
    """``value`` in ``unit`` expressed in ``target_ucum``; None when the conversion is not sure."""
    if target_ucum is None:
        return None
    if unit.ucum == target_ucum:
        return value
    target = cat.by_ucum.get(target_ucum)
    if target is None:
        return None
    if unit.dimension == target.dimension:
        if unit.dimension in ("temperature", "temperature_f"):
            return None
        return value * unit.factor / target.factor
    if unit.dimension == "temperature_f" and target.dimension == "temperature":
        return (value - 32.0) * 5.0 / 9.0
    # mass <-> amount of substance <-> equivalents, through molar mass and valence
    moles = _to_moles(value, unit, analyte)
    if moles is None:
        return None
    return _from_moles(moles, target, analyte)


def _to_moles(value: float, unit: Unit, a: Analyte) -> float | None:
    if unit.dimension == "subst_conc":
        return value * unit.factor
    if unit.dimension == "mass_conc" and a.molar_mass:
        return value * unit.factor / a.molar_mass
    if unit.dimension == "eq_conc" and a.valence:
        return value * unit.factor / a.valence
    return None


def _from_moles(moles: float, target: Unit, a: Analyte) -> float | None:
    if target.dimension == "subst_conc":
        return moles / target.factor
    if target.dimension == "mass_conc" and a.molar_mass:
        return moles * a.molar_mass / target.factor
    if target.dimension == "eq_conc" and a.valence:
        return moles * a.valence / target.factor
    return None


def units_compatible(cat: Catalogue, unit: Unit | None, analyte: Analyte) -> bool:
    """Whether a value in ``unit`` can be a result of ``analyte`` (unknown units pass)."""
    if unit is None or not analyte.ucum_units:
        return unit is None or not analyte.qualitative
    if analyte.qualitative:  # a qualitative test only takes the units it lists (titres in U/mL)
        return unit.ucum in analyte.ucum_units
    if unit.ucum in analyte.ucum_units:
        return True
    for code in analyte.ucum_units:
        other = cat.by_ucum.get(code)
        if other is None:
            continue
        if other.dimension == unit.dimension:
            return True
        dims = {other.dimension, unit.dimension}
        if dims <= {"mass_conc", "subst_conc", "eq_conc"} and (
            analyte.molar_mass or analyte.valence
        ):
            return True
        if dims == {"temperature", "temperature_f"}:
            return True
    return False


@dataclass(frozen=True)
class AnalyteMention:
    """An analyte named in the text, with Doc character offsets."""

    start: int
    end: int
    text: str
    analyte: Analyte
    weak: bool = False  # a condition word ("hypokalemia") that anchors only values with units


#: how many surfaces ``Catalogue._surfaces`` keeps before it starts again
_MAX_SURFACES = 20_000


def find_analytes(
    text: str,
    cat: Catalogue,
    lo: int = 0,
    hi: int | None = None,
    *,
    squeeze: bool = False,
    words: TextWords | None = None,
) -> list[AnalyteMention]:
    """Analyte mentions in text[lo:hi], leftmost-longest, non-overlapping, in text order
    (``words``: ``names.text_words`` of the same range, when the caller has them).

    With ``squeeze`` a line break between two letters is also tried as a word split by a PDF tool
    ("Creatini\\nne"), so table labels match both before and after text repair.
    """
    hi = len(text) if hi is None else hi
    found: list[AnalyteMention] = []
    known = cat._surfaces
    for m in cat.analyte_names.finditer(text, lo, hi, words):
        s, e = m.span()
        surface = text[s:e]  # ``m.group()``
        entry = known.get(surface)
        if entry is None:
            if len(known) > _MAX_SURFACES:
                known.clear()  # whitespace runs inside names make surfaces unbounded
            entry = known[surface] = (cat.analyte_for(surface), _norm(surface) in cat.weak)
        if entry[0] is not None:
            found.append(AnalyteMention(s, e, surface, entry[0], entry[1]))
    if not squeeze:
        # the matches of one finditer: in text order, none empty, none overlapping the last,
        # which is what the sort and the overlap pass below leave (a test compares them)
        return found
    found.extend(_split_word_mentions(text, cat, lo, hi))
    return _leftmost_longest(found)


def _leftmost_longest(found: list[AnalyteMention]) -> list[AnalyteMention]:
    """``found`` in text order, the longer of two overlapping mentions kept."""
    found.sort(key=lambda x: (x.start, -(x.end - x.start)))
    out: list[AnalyteMention] = []
    for f in found:
        if out and f.start < out[-1].end:
            if f.end - f.start > out[-1].end - out[-1].start:
                out[-1] = f
            continue
        out.append(f)
    return out


def _split_word_mentions(text: str, cat: Catalogue, lo: int, hi: int) -> list[AnalyteMention]:
    """Analytes whose name a line break splits ("Creatini\nne"), trying one break at a time."""
    out: list[AnalyteMention] = []
    for i in range(max(lo, 1), min(hi, len(text) - 1)):
        if text[i] != "\n" or not (text[i - 1].isalpha() and text[i + 1].isalpha()):
            continue
        w0 = text.rfind("\n", lo, i) + 1
        w1 = text.find("\n", i + 1, hi)
        w1 = hi if w1 < 0 else w1
        joined = text[w0:i] + text[i + 1 : w1]
        cut = i - w0  # where the removed line break was, in ``joined``
        for m in cat.analyte_names.finditer(joined):
            if not m.start() < cut < m.end():
                continue  # the match must cover the removed line break
            s, e = w0 + m.start(), w0 + m.end() + 1
            a = cat.analyte_for(text[s:e])
            if a is not None:
                out.append(AnalyteMention(s, e, text[s:e], a))
    return out
