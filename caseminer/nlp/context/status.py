"""Map ConText flags to a DIAGNOSIS ``status`` and to the ``span._.assertion`` dict.

Kept apart from the component so the decision table is readable and testable on its own: negated
-> ruled_out, in a "differential diagnosis" sentence -> differential, uncertain or hypothetical ->
suspected, historical -> historical, otherwise confirmed.

A resolved condition ("the pneumonia resolved", "recovered from sepsis", "the hypokalemia was
corrected") is absent now and was present before: it is marked ``negated`` (what a reader asking
"does the patient have it?" and the annotated corpora expect) *and* ``resolved`` (so that nobody
mistakes it for a condition that was ruled out). Its status stays what the diagnosis was
(confirmed, or historical), never ruled_out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from spacy.strings import get_string_id

from caseminer.nlp.casefold import IGNORECASE_TO_ASCII

FLAG_OF_CATEGORY = {
    "NEGATED_EXISTENCE": "negated",
    "POSSIBLE_EXISTENCE": "uncertain",
    "HYPOTHETICAL": "hypothetical",
    "HISTORICAL": "historical",
    "FAMILY": "family",
    # the condition was present and has gone ("resolved", "recovered from"): see the docstring
    "RESOLVED": "resolved",
}
# words whose filler test is remembered (ProcedureNegation.cue) before the memo is cleared
FILLER_MEMO_SIZE = 100_000
# the flags of an item no cue reaches
NO_FLAGS = {flag: False for flag in FLAG_OF_CATEGORY.values()}


def assertion_of(modifiers: Iterable[Any], cue_text: Callable[[int, int], str]) -> dict[str, Any]:
    """The assertion dict from the ConText modifiers of a span (anything with ``category`` and
    ``modifier_span``); ``cue_text(start, end)`` spells a cue's tokens."""
    out: dict[str, Any] = dict(NO_FLAGS)
    cues: list[str] = []
    for modifier in modifiers:
        flag = FLAG_OF_CATEGORY.get(modifier.category)
        if flag is None:
            continue
        out[flag] = True
        cue = cue_text(*modifier.modifier_span)
        if cue not in cues:
            cues.append(cue)
    if out["resolved"]:
        out["negated"] = True  # absent now; ``resolved`` says it was there (module docstring)
    out["cues"] = cues
    return out


def differential_regex(cues: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(c) for c in cues) + r")\b", re.I)


# the only non-ASCII characters that ``re.IGNORECASE`` matches with an ASCII letter
FOLDS_TO_ASCII = tuple(IGNORECASE_TO_ASCII)


class DifferentialCues:
    """The differential-diagnosis cues (status.json ``differential_cues``): ``regex`` decides
    for one sentence; ``possible`` rules out a whole document first.

    Why ``possible`` is exact: the regex is an alternation of the cues, case-insensitive, so a
    match is a cue spelt in other letter case. When the cues are ASCII and the text holds none
    of ``FOLDS_TO_ASCII``, every matched character is ASCII and lower-cases to the cue's, so
    the lower-cased document holds the lower-cased cue. Most documents hold none, and then no
    sentence needs a regex search."""

    def __init__(self, cues: list[str]) -> None:
        self.regex = differential_regex(cues)
        low = {c.lower() for c in cues}
        # a cue that holds another cue adds nothing to the test ("mimics" holds "mimic")
        needles = sorted(c for c in low if not any(o != c and o in c for o in low))
        self.needles = tuple(needles) if all(c.isascii() for c in cues) else None
        self._byte_needles = tuple(n.encode() for n in needles)

    def possible(self, text: str) -> bool:
        """False only when no part of ``text`` can match ``regex``.

        The lower-casing is done on the UTF-8 bytes (``bytes.lower`` folds only A-Z), which is
        cheaper than ``str.lower`` on non-ASCII text and finds the same ASCII needles: without
        ``FOLDS_TO_ASCII``, ``str.lower`` turns no non-ASCII character into an ASCII one (the
        only two that do, U+0130 and U+212A, are among them), so the ASCII runs of
        ``text.lower()`` are those of ``text`` lower-cased, and UTF-8 spells every non-ASCII
        character with bytes >= 0x80, which no needle holds (``test_byte_lowering_is_str_lower``).
        """
        if self.needles is None or any(c in text for c in FOLDS_TO_ASCII):
            return True
        low = text.encode("utf-8", "surrogatepass").lower()
        return any(n in low for n in self._byte_needles)


def status_of(assertion: dict[str, Any], in_differential: bool) -> str:
    """DIAGNOSIS status from the assertion flags (see module docstring)."""
    if assertion.get("resolved"):
        return "historical" if assertion["historical"] else "confirmed"
    if assertion["negated"]:
        return "ruled_out"
    if in_differential:
        return "differential"
    if assertion["uncertain"] or assertion["hypothetical"]:
        return "suspected"
    if assertion["historical"]:
        return "historical"
    return "confirmed"


def _is_filler(word: str, fillers: set[str]) -> bool:
    """A listed filler, or a numeric modifier ("6-minute", "24-hour", "2")."""
    return word in fillers or any(map(str.isdigit, word))


class ProcedureNegation:
    """The cues that negate a procedure right before it (``cues.json`` ``procedure_negation``).

    Generic negation does not reach procedures in ConText (see caseminer.nlp.context.build);
    only a cue adjacent to the mention, with at most a few filler words between, does: "no
    (further) surgery", "without prophylactic endoscopic therapy", "in the absence of plasma
    exchange". The negators are kept as tuples of LOWER hashes (a phrase equals its tokens' lower
    forms joined by spaces: one hash per word), so a test is a tuple lookup, and the set of their
    last words rules out most mentions with one lookup.
    """

    def __init__(self, negators: Iterable[str], fillers: Iterable[str]):
        keys = (tuple(get_string_id(w) for w in n.lower().split()) for n in negators)
        self.negators = frozenset(k for k in keys if k)
        self.last_words = frozenset(n[-1] for n in self.negators)
        self.fillers = {f.lower() for f in fillers}
        self._filler_memo: dict[int, bool] = {}  # LOWER id -> _is_filler of its word

    def cue(
        self, lower: Sequence[int], start: int, sent_start: int, word: Callable[[int], str]
    ) -> tuple[int, int] | None:
        """The cue tokens ``(start, end)`` when the mention starting at token ``start`` is
        negated right before it, else None. ``lower``: the Doc's LOWER hashes; ``word(i)``: token
        ``i``'s lower-case text (read only for the few words before the mention; it is the
        string of ``lower[i]``, so the filler test is remembered per LOWER id)."""
        i = start
        memo = self._filler_memo
        while i > sent_start and start - i < 3:
            # whether a word is a filler depends on the word alone: decided once per LOWER id
            filler = memo.get(lower[i - 1])
            if filler is None:
                if len(memo) > FILLER_MEMO_SIZE:
                    memo.clear()
                filler = memo[lower[i - 1]] = _is_filler(word(i - 1), self.fillers)
            if not filler:
                break
            i -= 1
        if i <= sent_start or lower[i - 1] not in self.last_words:
            return None
        for width in (3, 2, 1):
            if i - width < sent_start:
                continue
            if tuple(lower[i - width : i]) in self.negators:
                return i - width, i
        return None
