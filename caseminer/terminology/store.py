"""Compact in-memory forms of the terminology index, cheap to load from the cache.

Why: every process that extracts anything loads the whole index (~108,000 term keys, ~62,000
concepts, ~80,000 word-order-free keys), and unmarshalling it as nested lists cost ~0.12 s of CPU,
a tenth of a cold start. Loading cost is the number of Python objects created, so:

- ``TermMap`` keeps the key -> entries dict (lookups stay one dict probe) but stores a key's usual
  single entry as one int (concept index * 8 + kind) and builds the ``[[concept, kind], ...]``
  lists only for the keys a caller asks for;
- ``ConceptTable`` keeps each concept field as one string plus an offset array (or one byte per
  concept for the few systems and categories), and slices a concept out when asked;
- ``BagTable`` keeps the word-order-free keys as sorted 64-bit hashes with the keys and their
  concept lists in flat arrays: a lookup is one hash, one binary search and a string comparison
  (so a collision is never a match), instead of a dict of 80,000 strings built at every start.

Each class has ``from_plain`` (the build's plain dicts and lists), ``to_data`` (marshal-friendly:
strings, bytes, ints) and ``from_data``.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

import numpy
from spacy.strings import hash_string

KINDS = "cesva"  # entry kind codes by number (caseminer.terminology.index.KIND_MATCH)
_KIND_NUMBER = {k: i for i, k in enumerate(KINDS)}


def _offsets(parts: list[str]) -> tuple[str, bytes]:
    """One string and the start offset of each part (plus the end) as uint32 bytes."""
    ends = [0]
    for part in parts:
        ends.append(ends[-1] + len(part))
    return "".join(parts), array("I", ends).tobytes()


def _array(data: bytes, code: str = "I") -> array:
    out = array(code)
    out.frombytes(data)
    return out


class TermMap:
    """Term key -> entries (``[[concept index, kind code], ...]``, a third item for entries
    matched case-sensitively), read-only, with the dict methods the callers use."""

    def __init__(self, packed: dict[str, Any]) -> None:
        self._packed = packed

    @classmethod
    def from_plain(cls, terms: dict[str, list[list[Any]]]) -> TermMap:
        return cls({k: _pack(v) for k, v in terms.items()})

    def to_data(self) -> dict[str, Any]:
        return self._packed

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TermMap:
        return cls(data)

    def get(self, key: str, default: Any = None) -> Any:
        packed = self._packed.get(key)
        return default if packed is None else _unpack(packed)

    def __getitem__(self, key: str) -> list[list[Any]]:
        return _unpack(self._packed[key])

    def __contains__(self, key: object) -> bool:
        return key in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)

    def keys(self) -> Any:
        return self._packed.keys()

    def items(self) -> Iterator[tuple[str, list[list[Any]]]]:
        return ((k, _unpack(v)) for k, v in self._packed.items())


def _pack(entries: list[list[Any]]) -> Any:
    """One int for the usual single plain entry; otherwise a list of ints and [c, k, surface]."""
    packed = [e[0] * 8 + _KIND_NUMBER[e[1]] if len(e) == 2 else list(e) for e in entries]
    return packed[0] if len(packed) == 1 and isinstance(packed[0], int) else packed


def _unpack(packed: Any) -> list[list[Any]]:
    if type(packed) is int:
        return [[packed >> 3, KINDS[packed & 7]]]
    return [[e >> 3, KINDS[e & 7]] if type(e) is int else list(e) for e in packed]


class ConceptTable:
    """Concept index -> [system, code, display, category, [[xsystem, xcode], ...]]."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.systems: list[str] = data["systems"]
        self.categories: list[str] = data["categories"]
        self._system_of = _array(data["system_of"], "H")
        self._category_of = _array(data["category_of"], "H")
        self._codes: str = data["codes"]
        self._code_at = _array(data["code_offsets"])
        self._displays: str = data["displays"]
        self._display_at = _array(data["display_offsets"])
        # concept index -> "xsystem\x1fxcode\x1e..." for the concepts that have cross-references
        self._xrefs: dict[int, str] = data["xrefs"]
        # concept index -> ``row``: the concepts documents name, sliced out once (at most one
        # entry per concept, so bounded by the vocabulary)
        self._rows: dict[int, tuple[str, str, str, tuple[tuple[str, ...], ...]]] = {}

    @classmethod
    def from_plain(cls, concepts: list[list[Any]]) -> ConceptTable:
        systems = sorted({c[0] for c in concepts})
        categories = sorted({c[3] for c in concepts})
        sys_no = {s: i for i, s in enumerate(systems)}
        cat_no = {s: i for i, s in enumerate(categories)}
        codes, code_offsets = _offsets([c[1] for c in concepts])
        displays, display_offsets = _offsets([c[2] for c in concepts])
        xrefs = {
            i: "\x1e".join(f"{xs}\x1f{xc}" for xs, xc in c[4])
            for i, c in enumerate(concepts)
            if c[4]
        }
        return cls(
            {
                "systems": systems,
                "categories": categories,
                "system_of": array("H", [sys_no[c[0]] for c in concepts]).tobytes(),
                "category_of": array("H", [cat_no[c[3]] for c in concepts]).tobytes(),
                "codes": codes,
                "code_offsets": code_offsets,
                "displays": displays,
                "display_offsets": display_offsets,
                "xrefs": xrefs,
            }
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "systems": self.systems,
            "categories": self.categories,
            "system_of": self._system_of.tobytes(),
            "category_of": self._category_of.tobytes(),
            "codes": self._codes,
            "code_offsets": self._code_at.tobytes(),
            "displays": self._displays,
            "display_offsets": self._display_at.tobytes(),
            "xrefs": self._xrefs,
        }

    def __len__(self) -> int:
        return len(self._system_of)

    def code(self, i: int) -> str:
        return self._codes[self._code_at[i] : self._code_at[i + 1]]

    def category(self, i: int) -> str:
        return self.categories[self._category_of[i]]

    def row(self, i: int) -> tuple[str, str, str, tuple[tuple[str, ...], ...]]:
        """(system, code, display, ((xsystem, xcode), ...)) of concept ``i``: what coding a
        term reads, memoised (a concept is coded again in every document that names it)."""
        found = self._rows.get(i)
        if found is None:
            xrefs = self._xrefs.get(i)
            found = self._rows[i] = (
                self.systems[self._system_of[i]],
                self.code(i),
                self._displays[self._display_at[i] : self._display_at[i + 1]],
                tuple(tuple(x.split("\x1f")) for x in xrefs.split("\x1e")) if xrefs else (),
            )
        return found

    def __getitem__(self, i: int) -> list[Any]:
        xrefs = self._xrefs.get(i)
        return [
            self.systems[self._system_of[i]],
            self.code(i),
            self._displays[self._display_at[i] : self._display_at[i + 1]],
            self.category(i),
            [x.split("\x1f") for x in xrefs.split("\x1e")] if xrefs else [],
        ]


class BagTable:
    """Word-order-free key -> concept indices; see the module docstring."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._hashes = numpy.frombuffer(data["hashes"], dtype=numpy.uint64)
        self._keys: str = data["keys"]
        self._key_at = _array(data["key_offsets"])
        self._values = _array(data["values"])
        self._value_at = _array(data["value_offsets"])

    @classmethod
    def from_plain(cls, bags: dict[str, list[int]]) -> BagTable:
        order = sorted(bags, key=hash_string)
        keys, key_offsets = _offsets(order)
        ends = [0]
        values: list[int] = []
        for k in order:
            values += bags[k]
            ends.append(len(values))
        return cls(
            {
                "hashes": numpy.array([hash_string(k) for k in order], numpy.uint64).tobytes(),
                "keys": keys,
                "key_offsets": key_offsets,
                "values": array("I", values).tobytes(),
                "value_offsets": array("I", ends).tobytes(),
            }
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "hashes": self._hashes.tobytes(),
            "keys": self._keys,
            "key_offsets": self._key_at.tobytes(),
            "values": self._values.tobytes(),
            "value_offsets": self._value_at.tobytes(),
        }

    def get(self, key: str) -> list[int] | None:
        """The concept indices of ``key`` (None when it is no bag key)."""
        h = numpy.uint64(hash_string(key))
        j = int(numpy.searchsorted(self._hashes, h))
        while j < len(self._hashes) and self._hashes[j] == h:  # equal hashes sit together
            if self._keys[self._key_at[j] : self._key_at[j + 1]] == key:
                return self._values[self._value_at[j] : self._value_at[j + 1]].tolist()
            j += 1
        return None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __getitem__(self, key: str) -> list[int]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found
