"""The terminology index: normalised term keys -> concepts, and the two ways to query it.

``scan(words)`` finds the longest, leftmost vocabulary terms in a normalised word stream (what
the spaCy component runs over a document); ``lookup(text)`` codes one whole mention, trying the
exact key first and the word-order-free key second (what ``caseminer lookup`` and the coding of
existing diagnosis items use). Both return candidates ranked so that the code whose term matched
most directly comes first: curated, then preferred name, then synonym, then generated variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from caseminer.terminology.normalize import Word, bag_key, key, words

# entry kind code -> Code.match value; order is the preference order
KIND_MATCH = {"c": "curated", "e": "exact", "s": "synonym", "v": "variant", "a": "abbreviation"}
KIND_RANK = {"c": 0, "e": 1, "s": 2, "v": 3, "a": 4}
MAX_WORDS = 10


@dataclass
class Match:
    """A vocabulary term found in a word stream: word positions, char offsets, entries."""

    first: int
    last: int  # exclusive word index
    start_char: int
    end_char: int
    entries: list[list[Any]]  # [concept index, kind code, (case-sensitive surface)]
    normalised: bool  # True when spelling/plural normalisation was needed to match


class TerminologyIndex:
    """Concepts and term keys loaded from the cache (see caseminer.terminology.cache)."""

    def __init__(self, data: dict[str, Any]):
        self.meta: dict[str, Any] = data["meta"]
        # [system, code, display, category, [[xsystem, xcode], ...]]
        self.concepts: list[list[Any]] = data["concepts"]
        self.terms: dict[str, list[list[Any]]] = data["terms"]
        self.bags: dict[str, list[int]] = data["bags"]
        self.max_words = int(self.meta.get("max_words", MAX_WORDS))
        # first word of every term -> most words of a term starting with it: most text positions
        # are skipped with one lookup, and no key longer than any term is ever joined (stored by
        # the cache build so that loading does not walk every key)
        self.first_words: dict[str, int] = data.get("first_words") or first_words(self.terms)

    # ---- matching in running text -------------------------------------------------------
    def scan(self, text: str, ws: list[Word] | None = None) -> list[Match]:
        """Longest-leftmost, non-overlapping term matches in ``text``."""
        ws = words(text) if ws is None else ws
        out: list[Match] = []
        i = 0
        while i < len(ws):
            longest = self.first_words.get(ws[i].norm, 0)
            if not longest:
                i += 1
                continue
            limit = 1
            while limit < min(self.max_words, longest) and i + limit < len(ws):
                if ws[i + limit].break_before:
                    break
                limit += 1
            found = None
            for n in range(limit, 0, -1):
                entries = self.terms.get(" ".join(w.norm for w in ws[i : i + n]))
                if not entries:
                    continue
                surface = text[ws[i].start : ws[i + n - 1].end]
                entries = [e for e in entries if len(e) < 3 or e[2] == surface]
                if entries:
                    found = Match(
                        i,
                        i + n,
                        ws[i].start,
                        ws[i + n - 1].end,
                        entries,
                        _was_normalised(text, ws[i : i + n]),
                    )
                    break
            if found:
                out.append(found)
                i = found.last
            else:
                i += 1
        return out

    # ---- coding one whole mention -------------------------------------------------------
    def lookup_entries(self, text: str) -> tuple[list[list[Any]], bool]:
        """Entries for a whole mention: exact key, else word-order-free key. (entries, variant)"""
        entries = self.terms.get(key(text))
        if entries:
            surface = text.strip()
            kept = [e for e in entries if len(e) < 3 or e[2] == surface]
            if kept:
                ws = words(text)
                return kept, _was_normalised(text, ws)
        bag = bag_key(text)
        if bag and bag in self.bags:
            return [[c, "v"] for c in self.bags[bag]], True
        return [], False

    def codes(self, entries: list[list[Any]], variant: bool = False, per_system: int = 1):
        """Ranked Code dicts (system, code, display, match) for the entries, best per system,
        with UMLS CUIs carried by HPO terms."""
        ranked = sorted(
            entries,
            key=lambda e: (KIND_RANK[e[1]], len(self.concepts[e[0]][1]), self.concepts[e[0]][1]),
        )
        out: list[dict[str, str]] = []
        count: dict[str, int] = {}
        for cidx, kind, *_ in ranked:
            system, code, display, _category, xrefs = self.concepts[cidx]
            if count.get(system, 0) >= per_system:
                continue
            match = KIND_MATCH[kind]
            if variant and match in ("exact", "synonym"):
                match = "variant"
            count[system] = count.get(system, 0) + 1
            out.append({"system": system, "code": code, "display": display, "match": match})
            for xsys, xcode in xrefs:
                if count.get(xsys, 0) < per_system:
                    count[xsys] = count.get(xsys, 0) + 1
                    out.append({"system": xsys, "code": xcode, "display": display, "match": match})
        return out

    def lookup(self, text: str, per_system: int = 3) -> list[dict[str, str]]:
        """Candidate codes for a mention ("" -> [], unknown term -> [], never a guess): the
        whole mention first; terminologies it leaves empty are filled from the longest
        vocabulary term inside it (as a variant)."""
        entries, variant = self.lookup_entries(text)
        codes = self.codes(entries, variant, per_system) if entries else []
        inner = [m for m in self.scan(text) if (m.first, m.last) != (0, len(words(text)))]
        if inner:
            best = max(inner, key=lambda m: (m.last - m.first, m.end_char))
            have = {c["system"] for c in codes}
            codes += [
                c for c in self.codes(best.entries, True, per_system) if c["system"] not in have
            ]
        return codes

    def category(self, cidx: int) -> str:
        return self.concepts[cidx][3]


def first_words(terms: dict[str, Any]) -> dict[str, int]:
    """First word of every term key -> the most words of any key starting with it."""
    out: dict[str, int] = {}
    for k in terms:
        first = k.split(" ", 1)[0]
        n = k.count(" ") + 1
        if n > out.get(first, 0):
            out[first] = n
    return out


def _was_normalised(text: str, ws: list[Word]) -> bool:
    """True when a word's normalised form differs from its lower-cased surface."""
    return any(w.norm != text[w.start : w.end].lower() for w in ws)
