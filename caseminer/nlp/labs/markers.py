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


def load_marker_vocab(patterns_dir: str | Path | None = None) -> MarkerVocab:
    """Read ``marker_signs`` from tests.json of ``patterns_dir`` (None: the packaged one)."""
    v = read_json("labs", "tests.json", patterns_dir)["marker_signs"]
    return MarkerVocab(
        marker_re=re.compile(v["marker_regex"]),
        not_markers=frozenset(v["not_markers"]),
        categories=tuple((re.compile(c["regex"]), c["category"]) for c in v["categories"]),
        default_category=v["default_category"],
    )


def find_marker_signs(
    text: str, lo: int, hi: int, voc: MarkerVocab, cat: Catalogue
) -> Iterator[tuple[AnalyteMention, ValueMention]]:
    """(marker, sign) pairs in text[lo:hi]; the sign's ``qualitative`` is positive/negative."""
    if not any(text.find(ch, lo, hi) >= 0 for ch in "+-−"):  # no copy of the text
        return
    for m in voc.marker_re.finditer(text, lo, hi):
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
