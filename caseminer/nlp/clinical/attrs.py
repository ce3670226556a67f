"""Procedure attributes (body sites, laterality, modifiers) and normalized names.

Kept apart from matching because these read a *window* around the mention ("right total hip
replacement", "resection of the left kidney") rather than the mention itself, and because each
decision is small enough to test on its own.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.strings import get_string_id

from caseminer.nlp.clinical.codes import ProcedureCoder
from caseminer.nlp.clinical.match import PROCEDURE, Candidate
from caseminer.nlp.clinical.view import DocView
from caseminer.nlp.clinical.vocab import ClinicalVocab

WINDOW_BEFORE = 4
WINDOW_AFTER = 6
# procedure attrs remembered across documents (AttributeReader.procedure_memo); emptied when full
PROCEDURE_MEMO_SIZE = 20_000
_WORD = re.compile(r"\w+")


def _phrase_regex(forms: list[str]) -> re.Pattern[str]:
    alts = sorted((re.escape(f.lower()).replace(r"\ ", r"[\s\-]+") for f in forms), key=len)
    return re.compile(r"(?<![\w-])(?:" + "|".join(reversed(alts)) + r")(?![\w-])")


def words_of(text: str) -> set[str]:
    """The words (maximal runs of ``\\w``) of ``text``."""
    return set(_WORD.findall(text))


class NamedForms:
    """Named lists of word-bounded phrases (body sites, sides, modifiers), one regex per name,
    each tried only on texts that hold the first word of one of its phrases.

    Why: a mention's window names few of the 69 sites or 35 modifiers, and trying every regex on
    every window was most of the attribute reading. A phrase's regex only matches where the text
    has a whole word (a maximal run of ``\\w``) equal to the phrase's first word: it is bounded
    by ``(?<![\\w-])`` and followed by white space, a hyphen, other non-word characters of the
    phrase, or ``(?![\\w-])``. So the names tried are exactly those that can match; a phrase
    that does not start with a word character makes its name always tried."""

    def __init__(self, forms: dict[str, list[str]]) -> None:
        self.names = list(forms)
        self.regexes = [_phrase_regex(v) for v in forms.values()]
        self.by_word: dict[str, set[int]] = {}
        always: set[int] = set()
        for k, phrases in enumerate(forms.values()):
            for phrase in phrases:
                first = _WORD.match(phrase.lower())
                if first is None:
                    always.add(k)
                else:
                    self.by_word.setdefault(first.group(), set()).add(k)
        self.always = frozenset(always)
        self._firsts = frozenset(self.by_word)

    def matches(self, text: str, words: set[str] | None = None) -> list[tuple[str, re.Match[str]]]:
        """(name, its first match) of every name whose regex matches ``text``, in name order.
        ``words``: ``words_of(text)`` (or a superset), when the caller has it."""
        # ``set & frozenset`` walks the smaller side (the text's few words), where
        # ``dict.keys() & set`` would first copy every key of ``by_word``
        present = (words_of(text) if words is None else words) & self._firsts
        if not present and not self.always:
            return []  # most windows: no name's first word, nothing to try
        tried = set(self.always)
        for word in present:
            tried |= self.by_word[word]
        out = []
        for k in sorted(tried):
            m = self.regexes[k].search(text)
            if m is not None:
                out.append((self.names[k], m))
        return out


class AttributeReader:
    """Reads body sites, laterality and modifiers around a procedure mention."""

    def __init__(self, knowledge: ClinicalVocab):
        self.sites = NamedForms(knowledge.body_sites)
        self.sides = NamedForms(knowledge.laterality)
        self.modifiers = NamedForms(knowledge.modifiers)
        # "total hip replacement" without its modifier: the prefix each modifier name removes
        self.prefixes = {
            name: re.compile(rf"^{re.escape(name)}[\s-]+") for name in knowledge.modifiers
        }
        self.coder = ProcedureCoder(knowledge.procedure_codes or {})
        # the words that open the phrase naming what was operated on, as string ids (a string's
        # id is the same in every vocab: its hash, or its symbol's number)
        self._after_ids = frozenset(get_string_id(w) for w in ("of", "on", "in"))
        # procedure attrs by what they are read from (see build_attrs)
        self.procedure_memo: dict[tuple[Any, ...], dict[str, Any]] = {}

    def procedure_codes(self, *names: str) -> list[dict[str, str]]:
        """The ICD-10-PCS section and root operation a procedure's wording supports (see
        patterns/clinical/procedure_codes.json): the first rule matching the mention text,
        else its normalized name; none when no rule does."""
        return self.coder.codes(*names)

    def window(self, view: DocView, cand: Candidate, before: int) -> str:
        """The mention plus up to ``before`` words to its left, not crossing punctuation."""
        sent_start = view.sent_start(cand.start) if view.has_sents else 0
        start = cand.start
        punct = view.punct
        while start > max(sent_start, cand.start - before) and start - 1 not in punct:
            start -= 1
        return view.span_text(start, cand.end).lower()

    def body_sites(
        self, view: DocView, cand: Candidate, after: str, words: set[str] | None = None
    ) -> list[str]:
        """Sites named in the mention or in the phrase after it (``after_of``; ``words``: the
        words of the two, when the caller has them)."""
        text = view.span_text(cand.start, cand.end).lower() + " " + after
        return [site for site, _ in self.sites.matches(text, words)]

    def after_of(self, view: DocView, cand: Candidate) -> str:
        """The phrase after "of/on/in" that names what was operated on."""
        end = cand.end
        if end < view.n and view.lower_list[end] in self._after_ids:
            return view.span_text(end, min(view.n, end + WINDOW_AFTER)).lower()
        return ""

    def laterality(self, window: str, after: str, words: set[str] | None = None) -> str | None:
        """The side named in the mention's ``window`` or the phrase after it (``words``: the
        words of the two, when the caller has them)."""
        found = [side for side, _ in self.sides.matches(window + " " + after, words)]
        if "bilateral" in found or {"left", "right"} <= set(found):
            return "bilateral"
        return found[0] if found else None

    def modifier_list(self, window: str, words: set[str] | None = None) -> list[str]:
        """Modifiers in the mention's ``window`` (the mention or just before it: "emergent" is
        read, not marked), in text order (``words``: the window's, when the caller has them)."""
        found = [(m.start(), name) for name, m in self.modifiers.matches(window, words)]
        names = [name for _, name in sorted(found)]
        # "modified radical" already says "radical"
        if "modified radical" in names and "radical" in names:
            names.remove("radical")
        return names


def normalize(
    reader: AttributeReader, view: DocView, cand: Candidate, modifier_names: list[str]
) -> str:
    """Curated name when there is one, else the mention without its modifiers, lower-cased."""
    if cand.normalized:
        return cand.normalized
    text = view.norm(cand.start, cand.end)
    if cand.label == PROCEDURE:
        for name in modifier_names:
            text = reader.prefixes[name].sub("", text)
    return text.strip() or view.span_text(cand.start, cand.end).lower()


def build_attrs(
    reader: AttributeReader,
    view: DocView,
    cand: Candidate,
    codes: dict[tuple[str, str], list[dict[str, str]]] | None = None,
) -> dict[str, Any]:
    """The attrs dict of a DIAGNOSIS or PROCEDURE item, per docs/ARCHITECTURE.md. ``codes``:
    the procedure codes already found in this document, by (mention text, normalized name), so
    a procedure named again is coded once per document."""
    if cand.label != PROCEDURE:
        codes_cm = []
        if cand.code:
            codes_cm.append(
                {
                    "system": "ICD-10-CM",
                    "code": cand.code["code"],
                    "display": cand.code["display"],
                    "match": "curated",
                }
            )
        attrs: dict[str, Any] = {
            "normalized": normalize(reader, view, cand, []),
            "status": "confirmed",
            "codes": codes_cm,
            "rule": f"clinical.{cand.rule}",
        }
        if cand.negated_cue:  # read by the assembly: the item is stated absent
            attrs["_absent"] = cand.negated_cue
        return attrs
    window = reader.window(view, cand, WINDOW_BEFORE)
    after = reader.after_of(view, cand)
    mention = view.span_text(cand.start, cand.end).lower()
    # everything below reads these texts and the candidate's rule, name and category only,
    # so a procedure named alike (in this document or an earlier one) is read once
    key = (cand.rule, cand.normalized, cand.category, window, after, mention)
    memo = reader.procedure_memo
    found = memo.get(key)
    if found is None:
        if len(memo) >= PROCEDURE_MEMO_SIZE:
            memo.clear()
        found = memo[key] = procedure_attrs(reader, view, cand, window, after, mention, codes)
    # fresh lists, as a new reading would give (callers may change them)
    return {
        **found,
        "body_sites": list(found["body_sites"]),
        "modifiers": list(found["modifiers"]),
        "codes": [dict(c) for c in found["codes"]],
    }


def procedure_attrs(
    reader: AttributeReader,
    view: DocView,
    cand: Candidate,
    window: str,
    after: str,
    mention: str,
    codes: dict[tuple[str, str], list[dict[str, str]]] | None = None,
) -> dict[str, Any]:
    """The attrs of a PROCEDURE item read from its ``window``, the phrase ``after`` it and its
    lower-cased ``mention`` text (what ``build_attrs`` reads for a procedure, memo aside).

    Why a memo over these keys is exact: the modifiers and side read the window and the phrase
    after; the sites the mention and the phrase after; the name is the candidate's, or
    ``norm_text`` of the mention's text (which lower-cases first, so it is a function of the
    lower-cased mention), less the modifiers' prefixes; the codes read the mention and name."""
    # the words of each text once; two texts joined by a space have the words of both
    window_words, mention_words = words_of(window), words_of(mention)
    after_words = words_of(after) if after else set()
    mods = reader.modifier_list(window, window_words)
    normalized = normalize(reader, view, cand, mods)
    key = (mention, normalized)
    if codes is None or key not in codes:
        found = reader.procedure_codes(*key)
        if codes is None:
            codes = {}
        codes[key] = found
    return {
        "normalized": normalized,
        "category": cand.category or "other",
        "body_sites": reader.body_sites(view, cand, after, mention_words | after_words),
        "laterality": reader.laterality(window, after, window_words | after_words),
        "modifiers": mods,
        "codes": [dict(c) for c in codes[key]],
        "rule": f"clinical.{cand.rule}",
    }
