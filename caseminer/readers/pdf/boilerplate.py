"""Running headers, footers, page numbers and licence banners: found and removed.

Why: journal furniture repeats on every page and lands inside sentences when pages are joined
("...the femoral Rheumatology: Current Research 2 head..."). A segment in the top or bottom margin
band of a page is furniture when its text, with digits folded, recurs on other pages, or when it
matches a banner pattern (page number, copyright, licence, DOI) from caseminer/patterns/pdf.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from caseminer.patterns import concern_dir
from caseminer.readers.pdf.layout import Page, Segment

PATTERN_DIR = concern_dir("pdf")


@lru_cache(maxsize=1)
def _rules() -> tuple[float, tuple[re.Pattern[str], ...]]:
    path = PATTERN_DIR.joinpath("boilerplate.json")
    data = json.loads(path.read_text("utf-8"))
    pats = tuple(re.compile(p, re.IGNORECASE) for p in data["patterns"])
    return float(data["margin_band"]), pats


def furniture_key(text: str) -> str:
    """Digits folded and spaces removed, so 'Page 2 of 9' and 'Page 3 of 9' share one key."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text.lower()))


def _in_band(seg: Segment, page: Page, band: float) -> bool:
    return seg.y0 >= page.height * (1 - band) or seg.y1 <= page.height * band


def is_banner(text: str) -> bool:
    """A margin text that is furniture even on one page (page number, licence, DOI)."""
    _, pats = _rules()
    t = text.strip()
    return any(p.search(t) for p in pats)


def remove_furniture(pages: list[Page]) -> list[str]:
    """Drop furniture segments from the pages in place; return the removed texts."""
    band, _ = _rules()
    seen: dict[str, set[int]] = {}
    for page in pages:
        for row in page.rows:
            for seg in row:
                if _in_band(seg, page, band):
                    seen.setdefault(furniture_key(seg.text), set()).add(page.number)
    n = len(pages)
    repeated = {k for k, p in seen.items() if len(p) >= 2 and len(p) >= 0.3 * n}
    removed: list[str] = []
    for page in pages:
        drop = _furniture_ids(page, band, repeated)
        kept_rows = []
        for row in page.rows:
            kept = [seg for seg in row if id(seg) not in drop]
            removed.extend(seg.text for seg in row if id(seg) in drop)
            if kept:
                kept_rows.append(kept)
        page.rows = kept_rows
    return removed


def _furniture_ids(page: Page, band: float, repeated: set[str]) -> set[int]:
    """ids of a page's furniture segments.

    Repeated margin texts go wherever they sit in the band; banner patterns only on the outermost
    rows, and then the small-print block around them goes too (a licence footnote of several
    lines: rows in the band that touch a dropped row and share its font height).
    """
    rows = page.rows
    last = len(rows) - 1
    drop: set[int] = set()
    banner_rows: list[int] = []
    for i, row in enumerate(rows):
        outer = i < 2 or i > last - 3
        for seg in row:
            if not _in_band(seg, page, band):
                continue
            if furniture_key(seg.text) in repeated:
                drop.add(id(seg))
            elif outer and is_banner(seg.text):
                drop.add(id(seg))
                banner_rows.append(i)
    for start in banner_rows:
        for step in (-1, 1):
            i = start
            while 0 <= i + step <= last:
                a, b = rows[i], rows[i + step]
                if not all(_in_band(seg, page, 1.5 * band) for seg in b):
                    break
                ha = max(seg.y1 for seg in a) - min(seg.y0 for seg in a)
                hb = max(seg.y1 for seg in b) - min(seg.y0 for seg in b)
                gap = (min(seg.y0 for seg in a) - max(seg.y1 for seg in b)) * -step
                if abs(ha - hb) > 0.15 * ha or gap > 0.5 * ha:
                    break
                drop.update(id(seg) for seg in b)
                i += step
    return drop
