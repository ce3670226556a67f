"""The key words of a text (``names.TextWords``) read off one byte per character.

Why: the name matchers ask where the first words of their names stand in a report. The regex
split of the whole lowercased text into ``\\w+`` runs made one string per word and cost about as
much as everything done with the words after it. Here the text becomes one byte per character
in C (``word_classes``: a Latin-1 encode whose error handler only sees the rare characters past
Latin-1, then one ``bytes.translate``), its words are ``bytes.split()``'s parts, the keys among
them a set lookup each, and each key's offset the next whole-word ``find`` of it after the last
word read. ``key_words_by_split`` is the plain form from the regex split; a test compares them.
"""

from __future__ import annotations

import codecs
import heapq
import re
from itertools import compress, repeat

#: what ``word_classes`` writes for a word character that is not ASCII
PLACEHOLDER = b"\x80"
#: a word in ``word_classes``' bytes
_WORD_RUN = re.compile(rb"[^ ]+")
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


_BYTE_KEYS: dict[frozenset[str], tuple[dict[bytes, bytes], bool]] = {}


def _byte_keys(keys: frozenset[str]) -> tuple[dict[bytes, bytes], bool]:
    """(each ASCII key as bytes -> itself between two spaces, whether any key is not ASCII),
    remembered per key set (the component passes the same one for every text; bounded)."""
    found = _BYTE_KEYS.get(keys)
    if found is None:
        if len(_BYTE_KEYS) > 16:
            _BYTE_KEYS.clear()
        ascii_keys = {k.encode(): b" " + k.encode() + b" " for k in keys if k.isascii()}
        found = _BYTE_KEYS[keys] = (ascii_keys, len(ascii_keys) < len(keys))
    return found


def key_words(
    low: str, lo: int, hi: int, keys: frozenset[str]
) -> list[tuple[int, str, str | None]]:
    """(offset, word, the next word or None at the end) of every word of low[lo:hi] that is in
    ``keys``, in text order."""
    classes = word_classes(low, lo, hi)
    bkeys, odd = _byte_keys(keys)
    words = classes.split()  # the words in text order (the bytes hold no other whitespace)
    last = len(words) - 1
    found = compress(range(len(words)), map(bkeys.__contains__, words))
    placeholders = PLACEHOLDER in classes
    if odd and placeholders:
        # a word with a non-ASCII character may be a key: each is read as written below
        with_one = map(bytes.__contains__, words, repeat(PLACEHOLDER))
        found = heapq.merge(found, compress(range(len(words)), with_one))
    # a word's offset: the first whole-word occurrence of its bytes after the last word read
    # (the words between are ASCII and no keys, so none of them has those bytes)
    find = (b" " + classes + b" ").find
    out: list[tuple[int, str, str | None]] = []
    pos = 0
    for k in found:
        w = words[k]
        i = find(bkeys.get(w) or b" " + w + b" ", pos)  # the space before the word, padded
        pos = i + len(w) + 1
        word = w.decode() if w in bkeys else low[lo + i : lo + i + len(w)]
        if word not in keys:
            continue  # a word with a non-ASCII character that is no key
        nxt: str | None = None
        if k < last:
            after = words[k + 1]
            if placeholders and PLACEHOLDER in after:  # its own characters
                m = _WORD_RUN.search(classes, pos - 1)
                assert m is not None
                nxt = low[lo + m.start() : lo + m.end()]
            else:
                nxt = after.decode()
        out.append((lo + i, word, nxt))
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
