"""The key words of a text (``names.TextWords``) read off one byte per character.

Why: the name matchers ask where the first words of their names stand in a report. The regex
split of the whole lowercased text into ``\\w+`` runs made one string per word and cost about as
much as everything done with the words after it. Here the text becomes one byte per character
in C (``word_classes``: a Latin-1 encode whose error handler only sees the rare characters past
Latin-1, then one ``bytes.translate``), its words are ``bytes.split()``'s parts, the keys among
them a set lookup each, their offsets read off a numpy array of every word's start, all in C.
``key_words_by_split`` is the plain form from the regex split; a test compares them.
"""

from __future__ import annotations

import codecs
from itertools import compress, repeat

import numpy as np

#: what ``word_classes`` writes for a word character that is not ASCII
PLACEHOLDER = b"\x80"
_PLACEHOLDER_CHAR = PLACEHOLDER.decode("latin-1")
#: byte (a Latin-1 character) -> its class: an ASCII word character stays itself, another word
#: character becomes ``PLACEHOLDER``, any other character a space (the regex engine's ``\w`` is
#: ``str.isalnum`` or "_")
_CLASS_TABLE = bytes(
    (b if b < 128 else PLACEHOLDER[0]) if (chr(b).isalnum() or b == 95) else 32 for b in range(256)
)
_CLASS_ERRORS = "caseminer-word-class"


def _class_of_rest(err: UnicodeError) -> tuple[str, int]:
    """Encoding error handler for ``word_classes``: a character past Latin-1 becomes "ª" (a
    Latin-1 word character) when it is a word character, else a space; one for one."""
    assert isinstance(err, UnicodeEncodeError)
    run = err.object[err.start : err.end]
    return "".join("ª" if (c.isalnum() or c == "_") else " " for c in run), err.end


codecs.register_error(_CLASS_ERRORS, _class_of_rest)


def word_classes(s: str, lo: int, hi: int) -> bytes:
    """One byte per character of s[lo:hi]: an ASCII word character as itself, any other word
    character as ``PLACEHOLDER``, anything else as a space. Its non-empty parts between spaces
    are the regex's ``\\w+`` runs, in order, each as long as the run (offsets are kept), with the
    run's own characters when it is ASCII."""
    return s[lo:hi].encode("latin-1", _CLASS_ERRORS).translate(_CLASS_TABLE)


_BYTE_KEYS: dict[frozenset[str], tuple[frozenset[bytes], bool]] = {}


def _byte_keys(keys: frozenset[str]) -> tuple[frozenset[bytes], bool]:
    """(the ASCII keys as bytes, whether any key is not ASCII), remembered per key set (the
    component passes the same one for every text; bounded)."""
    found = _BYTE_KEYS.get(keys)
    if found is None:
        if len(_BYTE_KEYS) > 16:
            _BYTE_KEYS.clear()
        ascii_keys = frozenset(k.encode() for k in keys if k.isascii())
        found = _BYTE_KEYS[keys] = (ascii_keys, len(ascii_keys) < len(keys))
    return found


def word_starts(classes: bytes) -> np.ndarray:
    """The offset in ``classes`` (``word_classes``) of each of its words, in order: where a
    space (or the start) is followed by a word character."""
    space = np.frombuffer(b" " + classes, dtype=np.uint8) == 32
    return np.flatnonzero(space[:-1] & ~space[1:])


def key_words(
    low: str, lo: int, hi: int, keys: frozenset[str]
) -> list[tuple[int, str, str | None]]:
    """(offset, word, the next word or None at the end) of every word of low[lo:hi] that is in
    ``keys``, in text order.

    Every step runs in C over all the key words at once (no Python step per word): the words
    are ``bytes.split``'s, their offsets ``word_starts``, the next word of the k-th key word the
    (k+1)-th word. Only words holding a ``PLACEHOLDER`` (a non-ASCII word character, whose bytes
    are not its text) are read one by one, from the text."""
    classes = word_classes(low, lo, hi)
    odd = _byte_keys(keys)[1]
    # the bytes read as Latin-1 text: its words are then the strings the hits are (no decode per
    # word); ``str.split`` splits at the spaces only, as no other byte of ``classes`` is
    # whitespace (a placeholder is "\x80", a control character), and a word holding a
    # placeholder is no key (no key holds "\x80", which is no word character)
    words = classes.decode("latin-1").split()
    n = len(words)
    hits = list(compress(range(n), map(keys.__contains__, words)))
    placeholders = PLACEHOLDER in classes
    if not hits and not (odd and placeholders):
        return []
    starts = word_starts(classes)
    if odd and placeholders:
        # a word with a non-ASCII character may be a key: each such word read as written
        at: list[int] = []
        p = classes.find(PLACEHOLDER)
        while p >= 0:
            at.append(p)
            p = classes.find(PLACEHOLDER, p + 1)
        which = np.unique(np.searchsorted(starts, at, side="right") - 1).tolist()
        for k, a in zip(which, starts[which].tolist(), strict=True):
            if low[lo + a : lo + a + len(words[k])] in keys:
                hits.append(k)
        hits.sort()
    if not hits:
        return []
    words.append("")  # the next word of the last word (None below)
    offsets = (starts[hits] + lo).tolist()
    get = words.__getitem__
    found = list(map(get, hits))
    after = list(map(get, map((1).__add__, hits)))
    out = list(zip(offsets, found, after, strict=True))
    if hits[-1] == n - 1:
        out[-1] = (out[-1][0], out[-1][1], None)
    if placeholders:
        # the words and next words holding a placeholder: their own characters
        mark = repeat(_PLACEHOLDER_CHAR)
        for j in compress(range(len(out)), map(str.__contains__, found, mark)):
            off, _, nxt = out[j]
            out[j] = (off, low[off : off + len(found[j])], nxt)
        for j in compress(range(len(out)), map(str.__contains__, after, mark)):
            off, word, _ = out[j]
            s = lo + int(starts[hits[j] + 1])
            out[j] = (off, word, low[s : s + len(after[j])])
    return out


def key_words_by_split(
    parts: list[str], lo: int, keys: frozenset[str]
) -> list[tuple[int, str, str | None]]:
    """``key_words`` from ``parts``, the regex split ``(\\w+)`` of low[lo:hi]: separator,
    word, ..., separator (the plain form, exact for any text)."""
    last = len(parts) - 2
    out: list[tuple[int, str, str | None]] = []
    off, prev = lo, 0
    for i in compress(range(1, len(parts), 2), map(keys.__contains__, parts[1::2])):
        off += sum(map(len, parts[prev:i]))  # the parts between the last hit and this one
        prev = i
        out.append((off, parts[i], parts[i + 2] if i < last else None))
    return out
