"""Which runs of a document's words can be vocabulary keys, found with numpy in one pass.

Why: the terminology index holds ~108,000 term keys and the findings lexicon ~50,000. Trying
every word position against them in Python (joining words, one dict lookup per length) cost more
than the rest of both components together, and a PhraseMatcher over that many keys takes longer
to build or unpickle than a whole document takes to process. Here each key is one 64-bit number
(a polynomial hash of its words' hashes), a table is a sorted array of those numbers (stored in
the caches as bytes, loaded without any per-key work), and a document's n-grams of every length
are hashed with a few vectorised operations (``KeyTable._candidates``), passed through a coarse
filter and looked up with ``searchsorted``.

A hash hit is only a candidate: callers join the words and check the key in their dictionaries,
so a collision can never create a match, and a key's own n-gram always hashes to the key's number
(the same words give the same number), so none is missed. The result is exactly the set of runs
of words that are keys, with no phrase break inside (``WordStream.breaks``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy
from spacy.strings import hash_string

from caseminer.terminology.normalize import WordStream, memo_map

# the multiplier of the polynomial hash (odd, so every step is a bijection of the 64-bit ring)
MULTIPLIER = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1
_MULT = numpy.uint64(MULTIPLIER)
EMPTY = numpy.zeros(0, dtype=numpy.uint64)
# a first, approximate membership test: one flag per value of a number's top bits (2 MB; with
# ~100,000 keys about 5% of the non-key n-grams pass it and go on to the exact binary search,
# which alone would cost a cache miss per halving step for every n-gram of every length)
FILTER_BITS = 21
_SHIFT = numpy.uint64(64 - FILTER_BITS)
_SHIFT_INT = 64 - FILTER_BITS
# runs of up to HEAD words are hashed at every position at once; almost no run of three words is
# the beginning of a longer key, so longer runs are grown only where one is
HEAD = 3


def _flags(hashes: numpy.ndarray) -> numpy.ndarray:
    """One flag per value of the top FILTER_BITS bits, set for the given numbers."""
    flags = numpy.zeros(1 << FILTER_BITS, dtype=bool)
    flags[hashes >> _SHIFT] = True
    return flags


# the bits of ``KeyTable.marks``: some key's number has these top bits, some long key's prefix has
_KEY, _PREFIX = 1, 2


def key_hash(key: str) -> int:
    """The number of a key (its words separated by single spaces), as ``ngram_hashes`` computes
    it for the same words in a document."""
    h = 0
    for word in key.split(" "):
        h = (h * MULTIPLIER + hash_string(word)) & _MASK
    return h


# word -> spaCy's hash of it: a document's words mostly repeat words seen before, and a probe is
# cheaper than hashing. Emptied when it reaches _HASH_MEMO_SIZE so that it never grows without
# bound (the same bound as the normal-form memo of caseminer.terminology.normalize).
_HASH_MEMO: dict[str, int] = {}
_HASH_MEMO_SIZE = 200_000


def word_hashes(stream: WordStream) -> numpy.ndarray:
    """spaCy's 64-bit string hash of every word (each distinct word hashed once), memoised."""
    cached = stream.derived.get("hashes")
    if cached is None:
        norms = stream.norms
        hashes = memo_map(_HASH_MEMO, _HASH_MEMO_SIZE, norms, hash_string)
        cached = numpy.fromiter(hashes, numpy.uint64, len(norms))
        stream.derived["hashes"] = cached
    return cached


class KeyTable:
    """The sorted numbers of a set of keys; see the module docstring."""

    def __init__(
        self, hashes: numpy.ndarray, max_words: int, prefixes: numpy.ndarray = EMPTY
    ) -> None:
        self.hashes = hashes
        self.max_words = max_words
        # the numbers of the first HEAD.. words of every longer key: a run longer than HEAD
        # words is only built while it can still become a key (few positions get that far)
        self.prefixes = prefixes
        # both filters in one table (``_KEY`` and ``_PREFIX`` bits), so that a document's runs
        # read one byte each for both questions: each read is a cache miss into megabytes of
        # flags, and it is what the filters cost
        self.marks = _flags(hashes).view(numpy.uint8) | (_flags(prefixes).view(numpy.uint8) << 1)

    @classmethod
    def from_keys(cls, keys: Iterable[str]) -> KeyTable:
        """Hash every key and its long prefixes (done when a cache is built; loading reads
        ``to_data``)."""
        keys = list(keys)
        hashes = numpy.unique(numpy.array([key_hash(k) for k in keys], dtype=numpy.uint64))
        prefixes = {
            " ".join(words[:n])
            for words in (k.split(" ") for k in keys)
            for n in range(HEAD, len(words))
        }
        return cls(
            hashes,
            max((k.count(" ") + 1 for k in keys), default=0),
            numpy.unique(numpy.array([key_hash(p) for p in prefixes], dtype=numpy.uint64)),
        )

    def to_data(self) -> list:
        """Plain data for marshal: [max_words, sorted key numbers, sorted prefix numbers] (the
        arrays as bytes)."""
        return [self.max_words, self.hashes.tobytes(), self.prefixes.tobytes()]

    @classmethod
    def from_data(cls, data: list) -> KeyTable:
        hashes, prefixes = (numpy.frombuffer(b, dtype=numpy.uint64) for b in data[1:3])
        return cls(hashes, int(data[0]), prefixes)

    def candidates(self, stream: WordStream) -> list[tuple[int, int]]:
        """(start, number of words) of every run whose number is in the table and which holds
        no phrase break, ordered by start, then longest first. Memoised per stream: the findings
        and terminology components both look a document up in the terminology index's table."""
        name = f"candidates:{id(self)}"
        found = stream.derived.get(name)
        if found is None:
            found = stream.derived[name] = self._candidates(stream)
        return found

    def _candidates(self, stream: WordStream) -> list[tuple[int, int]]:
        """Runs of up to HEAD words at every position in one go; longer runs only from the
        HEAD-word runs that begin a longer key, one word at a time.

        Why so few numpy calls: a report has a few hundred words, and at that size each numpy
        call costs more (a few microseconds, more when other components have just run) than
        the arithmetic it does. So the numbers of all the runs are made and looked up with a
        dozen calls, and the few that are keys (a few dozen a document) are placed, checked
        for phrase breaks and ordered in Python; a run with a break inside is looked up like
        the others and then dropped, which gives the same runs as leaving it out first."""
        size = len(stream)
        if not size or not len(self.hashes):
            return []
        head = min(self.max_words, HEAD)
        h = word_hashes(stream)
        # every run of 1..head words, length 1 at every position first, then length 2, ...
        parts = [h]
        for n in range(2, min(head, size) + 1):
            parts.append(parts[-1][:-1] * _MULT + h[n - 1 :])
        grams = numpy.concatenate(parts) if len(parts) > 1 else h
        marks = self.marks[grams >> _SHIFT]  # both filters, one read per run
        where = numpy.flatnonzero(marks & _KEY)
        breaks = stream.breaks
        found: list[tuple[int, int]] = []
        if len(where):
            numbers = grams[where]
            pos = numpy.searchsorted(self.hashes, numbers)
            numpy.minimum(pos, len(self.hashes) - 1, out=pos)
            for k in where[self.hashes[pos] == numbers].tolist():
                start, n = k, 1  # length n fills size - n + 1 places after the shorter ones
                while start > size - n:
                    start -= size - n + 1
                    n += 1
                if n == 1 or not any(breaks[start + 1 : start + n]):  # no break inside
                    found.append((start, n))
        if self.max_words > head and size > head:
            # the HEAD-word runs sit after the shorter ones in ``grams``
            base = sum(size - m + 1 for m in range(1, head))
            begins = numpy.flatnonzero(marks[base:] & _PREFIX)
            if len(begins):
                firsts = grams[base:][begins].tolist()
                grow = [
                    (b, number)
                    for b, number in zip(begins.tolist(), firsts, strict=True)
                    if not any(breaks[b + 1 : b + head])
                ]
                found += self._longer(stream, grow, head)
        found.sort(key=lambda c: (c[0], -c[1]))
        return found

    def _contains(self, number: int) -> bool:
        """One number is in the table (the filter first, then the binary search)."""
        if not self.marks[number >> _SHIFT_INT] & _KEY:
            return False
        number = numpy.uint64(number)
        pos = int(numpy.searchsorted(self.hashes, number))
        return pos < len(self.hashes) and self.hashes[pos] == number

    def _longer(
        self, stream: WordStream, grow: list[tuple[int, int]], n: int
    ) -> list[tuple[int, int]]:
        """Runs longer than ``n`` words from the unbroken ``n``-word runs ``grow`` (start,
        number), grown a word at a time while they stay a key's prefix and meet no break.

        Why one start at a time with Python ints: a document has a handful of such starts and
        each grows a word or two before it leaves every key's prefixes; a vectorised step costs
        some twenty numpy calls whatever the number of starts."""
        if not grow:
            return []
        h = word_hashes(stream).tolist()
        breaks = stream.breaks
        size, top, marks = len(h), self.max_words, self.marks
        found: list[tuple[int, int]] = []
        for start, number in grow:
            m = n
            while m < top and start + m < size and not breaks[start + m]:
                number = (number * MULTIPLIER + h[start + m]) & _MASK
                m += 1
                if self._contains(number):
                    found.append((start, m))
                if not marks[number >> _SHIFT_INT] & _PREFIX:
                    break
        return found
