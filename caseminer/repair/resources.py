"""Data the repairs read: the word list and the layout vocabulary (loaded once, cached).

Why a module of its own: the repairs are pure functions of (text, resources); keeping the loading
here lets tests swap in a tiny lexicon and keeps file access out of the algorithm.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from caseminer.patterns import PATTERNS_DIR

WORD_RE = re.compile(r"[a-z]+(?:['-][a-z]+)*")


def _pattern_file(concern: str, name: str) -> Path:
    """Path of a data file under caseminer/patterns/<concern>/ (may not exist).

    A path relative to the package (caseminer.patterns is a namespace package, which
    importlib.resources handles badly when it is spread over several directories).
    """
    return PATTERNS_DIR / concern / name


def _words_of(text: str) -> set[str]:
    """Lowercase words of a name, plus the parts of hyphenated compounds."""
    words: set[str] = set()
    for match in WORD_RE.finditer(text.lower()):
        word = match.group(0)
        words.add(word)
        if "-" in word:
            words.update(word.split("-"))
    return {w for w in words if len(w) > 1}


def analyte_words(path: Path | None = None) -> set[str]:
    """Names and synonyms from the labs engineer's analyte catalogue, if it exists.

    Abbreviations are left out: they are case-sensitive and too short to be evidence of a word.
    """
    path = path or _pattern_file("labs", "analytes.jsonl")
    words: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return words
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        names = [entry.get("name") or ""] + list(entry.get("synonyms") or [])
        for name in names:
            if isinstance(name, str):
                words |= _words_of(name)
    return words


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """All known lowercase words: words.txt (see tools/build_lexicon.py) plus analyte names."""
    path = _pattern_file("lexicon", "words.txt")
    try:
        words = set(path.read_text(encoding="utf-8").split())
    except OSError:
        words = set()
    return frozenset(words | analyte_words())


@dataclass(frozen=True)
class Layout:
    """Compiled layout vocabulary and thresholds from caseminer/patterns/lexicon/layout.json."""

    headers: frozenset[str]
    header_label: re.Pattern[str]
    caption_start: re.Pattern[str]
    table_caption_start: re.Pattern[str]
    midline_caption: re.Pattern[str]
    banner: re.Pattern[str]  # all banner patterns as one alternation
    bare_page_number: re.Pattern[str]
    period_abbreviations: frozenset[str]
    odd_spaces: re.Pattern[str]  # characters replaced by one plain space
    expand: dict[str, str]
    thresholds: dict[str, float]


@lru_cache(maxsize=1)
def layout() -> Layout:
    """Load and compile layout.json once."""
    data = json.loads(_pattern_file("lexicon", "layout.json").read_text(encoding="utf-8"))
    headers = sorted(data["headers"], key=len, reverse=True)
    label = "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in headers)
    chars = data["characters"]
    expand = dict(chars["expand"])
    expand.update({c: "" for c in chars["remove"]})
    return Layout(
        headers=frozenset(headers),
        header_label=re.compile(rf"^[ \t]*(?:{label})[ \t]*:", re.IGNORECASE),
        caption_start=re.compile(data["caption_start"]),
        table_caption_start=re.compile(data["table_caption_start"]),
        midline_caption=re.compile(data["midline_caption"]),
        banner=re.compile("|".join(f"(?:{p})" for p in data["banners"])),
        bare_page_number=re.compile(data["bare_page_number"]),
        period_abbreviations=frozenset(data["period_abbreviations"]),
        odd_spaces=re.compile("[" + "".join(chars["same_length_spaces"]) + "]"),
        expand=expand,
        thresholds=dict(data["thresholds"]),
    )
