"""Marker results written as a sign: "CK20+, CD99-", "HBsAg (+), anti-HCV (-)".

Pathology reports and serology panels give one result per marker as a plus or minus on its name.
Each becomes a LAB item whose analyte is the marker (the catalogue's entry when it has one, so
"HBsAg (+)" is a Hepatitis B serology) and whose value is the sign, read as positive or negative.
What a marker looks like, and what is a charge rather than a result ("Na+", "HCO3-"), is data:
``marker_signs`` in tests.json.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from caseminer.nlp.labs.catalogue import AnalyteMention, Catalogue
from caseminer.nlp.labs.scan import finditer_at
from caseminer.nlp.labs.test_heads import other_test
from caseminer.nlp.labs.values import ValueMention
from caseminer.patterns import read_json


@dataclass(frozen=True)
class MarkerVocab:
    """``marker_signs`` of tests.json, compiled."""

    marker_re: re.Pattern[str]
    not_markers: frozenset[str]
    categories: tuple[tuple[re.Pattern[str], str], ...]
    default_category: str
    #: ``anchor`` of marker_signs: what every match is made of, read back from its sign
    signs: str
    opener: str
    spaces: frozenset[str]
    name_chars: frozenset[str]


def load_marker_vocab(patterns_dir: str | Path | None = None) -> MarkerVocab:
    """Read ``marker_signs`` from tests.json of ``patterns_dir`` (None: the packaged one)."""
    v = read_json("labs", "tests.json", patterns_dir)["marker_signs"]
    anchor = v["anchor"]
    return MarkerVocab(
        marker_re=re.compile(v["marker_regex"]),
        not_markers=frozenset(v["not_markers"]),
        categories=tuple((re.compile(c["regex"]), c["category"]) for c in v["categories"]),
        default_category=v["default_category"],
        signs=anchor["signs"],
        opener=anchor["opener"],
        spaces=frozenset(anchor["spaces"]),
        name_chars=frozenset(anchor["name_chars"]),
    )


def marker_starts(text: str, lo: int, hi: int, voc: MarkerVocab) -> list[int]:
    """Sorted offsets in text[lo:hi] where a marker_regex match can start: the start of the run
    of name characters before each sign (past one opener and one space).

    Why: marker_regex opens with a lookbehind, so ``finditer`` ran it at every character of a
    report; signs are rare (a few per report), so reading back from them costs next to nothing.
    """
    starts: set[int] = set()
    names, spaces, opener = voc.name_chars, voc.spaces, voc.opener
    for sign in voc.signs:
        s = text.find(sign, lo, hi)
        while s >= 0:
            groups = (s, s - 1) if s > lo and text[s - 1] == opener else (s,)
            for g in groups:
                ends = (g, g - 1) if g > lo and text[g - 1] in spaces else (g,)
                for e in ends:
                    q = e
                    while q > lo and text[q - 1] in names:
                        q -= 1
                    if q < e:
                        starts.add(q)
            s = text.find(sign, s + 1, hi)
    return sorted(starts)


def find_marker_signs(
    text: str, lo: int, hi: int, voc: MarkerVocab, cat: Catalogue
) -> Iterator[tuple[AnalyteMention, ValueMention]]:
    """(marker, sign) pairs in text[lo:hi]; the sign's ``qualitative`` is positive/negative."""
    for m in finditer_at(voc.marker_re, text, marker_starts(text, lo, hi, voc), hi):
        name = m.group("m")
        if name in voc.not_markers or len(name) < 2:
            continue
        known = cat.analyte_for(name)
        if known is not None and known.category in ("electrolytes", "blood_gas"):
            continue  # a charge on an ion, not a result
        sign = m.group("s")
        result = "positive" if "+" in sign else "negative"
        if known is not None:
            a = AnalyteMention(m.start("m"), m.end("m"), name, known)
        else:
            a = other_test(m.start("m"), m.end("m"), name, category=_category(name, voc))
        # the evidence is the marker with its sign ("CK20+"): a bare "+" says nothing alone
        r = ValueMention(m.start(), m.end(), sign, qualitative=result)
        yield a, r


def _category(name: str, voc: MarkerVocab) -> str:
    for rx, category in voc.categories:
        if rx.search(name):
            return category
    return voc.default_category
