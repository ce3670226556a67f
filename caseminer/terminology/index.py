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

from caseminer.terminology.ngrams import KeyTable
from caseminer.terminology.normalize import WordStream, bag_of, mention, words
from caseminer.terminology.store import BagTable, ConceptTable, TermMap

# entry kind code -> Code.match value; order is the preference order
KIND_MATCH = {"c": "curated", "e": "exact", "s": "synonym", "v": "variant", "a": "abbreviation"}
KIND_RANK = {"c": 0, "e": 1, "s": 2, "v": 3, "a": 4}
MAX_WORDS = 10
# bound of the per-surface answers ``scan`` keeps (emptied when reached)
_SURFACES_SIZE = 50_000


@dataclass
class Match:
    """A vocabulary term found in a word stream: word positions, char offsets, entries."""

    first: int
    last: int  # exclusive word index
    start_char: int
    end_char: int
    entries: list[list[Any]]  # [concept index, kind code, (case-sensitive surface)]
    normalised: bool  # True when spelling/plural normalisation was needed to match
    key: str = ""  # the matched key (its words' norms joined by spaces; ``key`` of the surface)


class TerminologyIndex:
    """Concepts and term keys loaded from the cache (see caseminer.terminology.cache)."""

    def __init__(self, data: dict[str, Any]):
        self.meta: dict[str, Any] = data["meta"]
        # concept index -> [system, code, display, category, [[xsystem, xcode], ...]]
        self.concepts = ConceptTable(data["concepts"])
        # term key -> [[concept index, kind code, (case-sensitive surface)], ...]
        self.terms = TermMap.from_data(data["terms"])
        # word-order-free key -> concept indices
        self.bags = BagTable(data["bags"])
        # the numbers of every term key (caseminer.terminology.ngrams): which runs of a text's
        # words can be terms, found for all positions at once (stored by the cache build so that
        # loading does no per-key work; hashed here only for data built in memory without them)
        table = data.get("key_table")
        self.table = KeyTable.from_data(table) if table else KeyTable.from_keys(self.terms)
        # surface -> what ``scan`` found for a run with that surface (see ``_term_at``)
        self._surfaces: dict[str, tuple[str, list[list[Any]], bool] | tuple[()]] = {}

    # ---- matching in running text -------------------------------------------------------
    def scan(self, text: str, ws: WordStream | None = None) -> list[Match]:
        """Longest-leftmost, non-overlapping term matches in ``text``: from left to right, the
        longest key starting at a word whose case-sensitive entries (if any) fit the surface;
        the next match starts after it."""
        ws = words(text) if ws is None else ws
        starts, ends = ws.starts, ws.ends
        out: list[Match] = []
        after = 0  # the first word the next match may start at
        known = self._surfaces
        if len(known) >= _SURFACES_SIZE:
            known.clear()
        for i, n in self.table.candidates(ws):  # by start, longest first
            if i < after:
                continue
            surface = text[starts[i] : ends[i + n - 1]]
            found = known.get(surface)
            if found is None:
                found = known[surface] = self._term_at(text, ws, i, n, surface)
            if found:
                k, entries, normalised = found
                out.append(
                    Match(i, i + n, starts[i], ends[i + n - 1], list(entries), normalised, k)
                )
                after = i + n
        return out

    def _term_at(
        self, text: str, ws: WordStream, i: int, n: int, surface: str
    ) -> tuple[str, list[list[Any]], bool] | tuple[()]:
        """(key, entries that fit the surface, normalised) of the run of words i..i+n-1, or
        ``()`` when it is no term. ``scan`` keeps the answer per surface (``_surfaces``): the
        run starts and ends a word of the text, so its words, their norms (the key), the
        entries that fit and whether normalisation was needed all follow from the surface
        string alone, and the same terms recur in every document."""
        k = " ".join(ws.norms[i : i + n])
        entries = self.terms.get(k)
        if not entries:
            return ()  # a hash that is no term key
        entries = [e for e in entries if len(e) < 3 or e[2] == surface]
        if not entries:
            return ()
        return k, entries, _was_normalised(text, ws, i, i + n)

    # ---- coding one whole mention -------------------------------------------------------
    def lookup_entries(self, text: str) -> tuple[list[list[Any]], bool]:
        """Entries for a whole mention: exact key, else word-order-free key. (entries, variant)"""
        norms, changed = mention(text)  # one split of the text for the key, bag and flag
        entries = self.terms.get(" ".join(norms))
        if entries:
            surface = text.strip()
            kept = [e for e in entries if len(e) < 3 or e[2] == surface]
            if kept:
                return kept, changed
        bag = bag_of(norms)
        concepts = self.bags.get(bag) if bag else None
        if concepts:
            return [[c, "v"] for c in concepts], True
        return [], False

    def codes(self, entries: list[list[Any]], variant: bool = False, per_system: int = 1):
        """Ranked Code dicts (system, code, display, match) for the entries, best per system,
        with UMLS CUIs carried by HPO terms."""
        row = self.concepts.row
        if len(entries) > 1:
            ranked = sorted(entries, key=lambda e: _rank(e, row))
        else:
            ranked = entries
        out: list[dict[str, str]] = []
        count: dict[str, int] = {}
        for cidx, kind, *_ in ranked:
            system, code, display, xrefs = row(cidx)
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
        return self.concepts.category(cidx)


def _was_normalised(text: str, ws: WordStream, first: int, last: int) -> bool:
    """True when a word's normalised form (words first..last-1) differs from its lower-cased
    surface."""
    norms, starts, ends = ws.norms, ws.starts, ws.ends
    return any(norms[i] != text[starts[i] : ends[i]].lower() for i in range(first, last))


def _rank(entry: list[Any], row: Any) -> tuple[int, int, str]:
    """Sort key of an entry in ``codes``: kind, then shorter code, then code (the concept's row
    read once: ``row`` is a pure lookup of the concept index)."""
    code = row(entry[0])[1]
    return KIND_RANK[entry[1]], len(code), code
