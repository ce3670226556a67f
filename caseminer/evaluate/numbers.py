"""Reading the number a gold value starts with, and comparing it with ours.

MACCROBAT gold gives a lab value as text only ("13.4", "<0.5", "145 μmol/l", "normal"); value
accuracy is only defined where that text *starts* with a number, so the rule
lives in one small place.
"""

from __future__ import annotations

import math
import re

_LEADING = re.compile(
    r"^\s*(?:[<>≤≥=~≈±]|&lt;|&gt;|less than|greater than|more than|over|under|up to)?\s*"
    r"(?P<sign>[-−–])?(?P<num>\d+(?:[.,·]\d+)*)"
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")


def leading_number(text: str) -> float | None:
    """The number ``text`` starts with (after an optional comparator), or None when it is a word.

    ``"1,200"`` reads as 1200 (thousands), ``"3,5"`` as 3.5 (decimal comma), ``"−2.1"`` as -2.1.
    """
    m = _LEADING.match(text or "")
    if not m:
        return None
    raw = m.group("num").replace("·", ".")
    if _THOUSANDS.match(raw):
        raw = raw.replace(",", "")
    else:
        raw = raw.replace(",", ".")
    if raw.count(".") > 1:  # "1.2.3" is a version or a date, not a value
        return None
    value = float(raw)
    return -value if m.group("sign") else value


def same_number(ours: float | None, gold: float | None) -> bool:
    """Equality up to float noise (relative 1e-6); None never equals anything."""
    if ours is None or gold is None:
        return False
    return math.isclose(float(ours), float(gold), rel_tol=1e-6, abs_tol=1e-9)
