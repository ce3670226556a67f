"""One rule for a hyphen at a line end, shared by the PDF reader and the text repair.

Why one rule: a line-end hyphen is either typesetting ("calcifi-" / "cation": drop it and join)
or part of a compound that broke at its own hyphen ("acid-" / "alcohol", "N-" / "terminal",
"moderate-" / "to-severe": keep it). Dropping a real hyphen makes a non-word ("acidalcohol") that
no later step can repair, so the hyphen goes only when the joined form is a known word and the
halves are not two words of their own. Evidence, strongest first: the document itself, the
curated compounds and compound elements (caseminer/patterns/pdf/hyphenation.json), the lexicon
(caseminer/patterns/lexicon/words.txt).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache

from caseminer.patterns import concern_dir


@lru_cache(maxsize=1)
def rules() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(keep_if_second, keep_if_first, keep_compounds) from hyphenation.json."""
    data = json.loads(concern_dir("pdf").joinpath("hyphenation.json").read_text("utf-8"))
    return (
        frozenset(data["keep_if_second"]),
        frozenset(data["keep_if_first"]),
        frozenset(data.get("keep_compounds", [])),
    )


def keep_hyphen(
    head: str,
    tail: str,
    doc_count: Callable[[str], int],
    lexicon: frozenset[str],
    compound_in_doc: Callable[[str], bool] | None = None,
) -> bool:
    """Keep the hyphen between `head` (letters before it) and `tail` (letters after the break)?

    `doc_count(word)` says how often the document writes a lower-case word (or compound);
    `compound_in_doc(prefix)` whether it writes a longer compound starting with "head-tail-".
    """
    if not head or not tail or not tail[0].islower():
        return True  # "IL-" / "6", "N-" / "Terminal", "anti-" / "(": not a split word
    if len(head) == 1 or any(c.isdigit() for c in head + tail) or not head[1:].islower():
        return True  # "N-terminal", "C-reactive", "T-cell", "HbA1c-", "CD4-"
    a, b = head.lower(), tail.lower()
    compound, joined = f"{a}-{b}", a + b
    in_doc, joined_in_doc = doc_count(compound), doc_count(joined)
    if compound_in_doc is not None and compound_in_doc(compound + "-"):
        in_doc += 1
    if in_doc > joined_in_doc:
        return True
    if joined_in_doc:
        return False
    seconds, firsts, compounds = rules()
    if compound in compounds or compound in lexicon:
        return True
    if any(c.startswith(compound + "-") for c in compounds):
        return True
    a_word, b_word = a in lexicon, b in lexicon
    if (a_word and b in seconds) or (b_word and a in firsts):
        return True
    if joined in lexicon:
        return False
    # a word on either side of a whole that is no word: a compound ("two-dimensional")
    return (a_word and len(a) >= 2) or (b_word and len(b) >= 4)
