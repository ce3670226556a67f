"""Finding names (analytes, result words, unit spellings) in text by a dictionary walk, where one
regex alternation of all of them was compiled in every process and tried at every character.

The one regex each stands for is ``(?<![\\w-])(?:(?i:<trie of insensitive names>)|<trie of
sensitive names>)<tail>``, a space in a name standing for any run of whitespace (``full()``
compiles it, for texts that need it and for the tests). Why not run it: the analyte trie alone is
23k characters; compiling it cost about 50 ms of every fresh process and finditer tried it at each
character of a report. Compiling a small regex per first word instead cost more still over a
first batch (hundreds of patterns, each compiled once, and they pushed other code's patterns out
of ``re``'s cache).

What replaces it finds the same matches:
- where: every name starts with a word (a run of ``\\w`` characters, or one non-word character for
  a name like "(1,3)-β-d-glucan"), and where a name matches, the text's word there is that same
  word; so only the offsets of words that start some name are tried (short ones found by one
  small regex, longer ones by ``str.find``, both only for words the text has);
- what: a walk down a character trie of the names (nested dicts) from that offset. The regex's
  trie has one path per text (its branches start with different characters, and a name's space,
  ``\\s+``, takes every whitespace character), and backtracking gives the longest name on that path
  whose tail holds; the walk records exactly that. Insensitive names are walked over the lowercased
  text, which is the regex's case folding when no character folds unusually (checked; otherwise
  the one regex runs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate, compress
from operator import itemgetter

from caseminer.nlp.labs.word_bytes import key_words

_WORD = re.compile(r"\w+")
_SPLIT = re.compile(r"(\w+)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# whitespace the walk would read differently from the regex: not a plain space, two in a row, or
# at either end of a name (names joined by NUL)
_ODD_SPACE = re.compile(r"[^\S ]|  |^ | $|\x00 | \x00")
#: what may follow an analyte name: not inside a word, not an age ("CRP-year")
_TAIL = r"(?![\w])(?!-(?:year|month|week|day))"
#: what may follow a result phrase (``interpret.py``): not a word character, not a dash
_RESULT_TAIL = r"(?![\w-])"
_END = ""  # the trie key that marks the end of a name (no character is the empty string)


def norm(s: str) -> str:
    """The case-insensitive form of a name or text (micro signs and dashes unified)."""
    return s.lower().replace("µ", "μ").replace("–", "-").replace("‐", "-")


def text_base(text: str, lower: str | None = None) -> tuple[str, bool]:
    """(``norm(text)``, whether every character folds as ``norm`` does): what every
    ``TextWords`` of one text reads, computed once per text (``lower``: ``text.lower()`` when
    the caller has it; ``norm`` is that with the same replacements)."""
    low = (
        norm(text) if lower is None else lower.replace("µ", "μ").replace("–", "-").replace("‐", "-")
    )
    return low, _folds_plainly(text)


class TextWords:
    """The words of text[lo:hi], lowercased (``norm``), split once (in C) and shared by every
    matcher: ``having`` tells which first words the text has, ``at_next`` where they are.

    ``keys``: every word the matchers sharing this split will ask ``at_next`` about (the first
    words of their names). Why: the offsets of those words are then found in one pass for all
    the matchers, summing the lengths of the parts between them, instead of a running sum over
    every part and one pass per matcher; and which keys the text has comes from that pass, so
    the set of all its words is not built."""

    __slots__ = (
        "text",
        "low",
        "folds",
        "lo",
        "hi",
        "_split",
        "_offsets",
        "_set",
        "_keys",
        "_at",
        "_keyed",
    )

    def __init__(
        self,
        text: str,
        lo: int,
        hi: int,
        keys: frozenset[str] | None = None,
        base: tuple[str, bool] | None = None,
    ) -> None:
        # base: ``text_base(text)``, when the caller has it (one per text, not per range)
        low, folds = text_base(text) if base is None else base
        self.text, self.low, self.lo, self.hi = text, low, lo, hi
        #: whether every character of the text folds as ``norm`` does (see NameMatcher)
        self.folds = folds
        self._split: list[str] | None = None  # the regex split, built only when asked (``_parts``)
        self._offsets: list[int] | None = None
        self._set: set[str] | None = None  # every word, built only when asked (``set``)
        self._keys = keys
        self._at: list[tuple[int, str, str | None]] | None = None
        self._keyed: set[str] | None = None

    def having(self, words: frozenset[str]) -> set[str]:
        """The text's words that are in ``words``: read off the (few) words that are keys
        when ``words`` are all keys, instead of every word of the text."""
        keys = self._keys
        if keys is not None and _subset(words, keys):
            if self._at is None:
                self._at = self._at_keys()
            assert self._keyed is not None
            return self._keyed.intersection(words)
        return self.set.intersection(words)

    @property
    def set(self) -> set[str]:
        """Every word of the text."""
        if self._set is None:
            self._set = set(self._parts[1::2])
        return self._set

    @property
    def _parts(self) -> list[str]:
        """separator, word, ..., separator: the regex split (``set``, ``at_next`` of non-keys)."""
        if self._split is None:
            self._split = _SPLIT.split(self.low[self.lo : self.hi])
        return self._split

    def at_next(self, wanted: set[str]) -> list[tuple[int, str, str | None]]:
        """(offset, word, the next word or None at the end) of every word in ``wanted``, in
        text order."""
        if not wanted:
            return []
        if self._keys is not None and wanted <= self._keys:
            if self._at is None:
                self._at = self._at_keys()
            # every word of the text that is a key is in the list, in text order
            return [hit for hit in self._at if hit[1] in wanted]
        parts = self._parts
        if self._offsets is None:
            self._offsets = list(accumulate(map(len, parts), initial=self.lo))
        offsets = self._offsets
        last = len(parts) - 2  # the index of the last word
        hits = compress(range(1, len(parts), 2), map(wanted.__contains__, parts[1::2]))
        return [(offsets[i], parts[i], parts[i + 2] if i < last else None) for i in hits]

    def _at_keys(self) -> list[tuple[int, str, str | None]]:
        """``at_next``'s answer for every key the text has, in text order, from one pass over
        the words (the text's other words are never looked up); sets ``_keyed``.

        Read off bytes (``word_bytes.key_words``, about half the cost of the regex split,
        ``key_words_by_split``, which a test compares it with)."""
        assert self._keys is not None
        out = key_words(self.low, self.lo, self.hi, self._keys)
        self._keyed = set(map(itemgetter(1), out))  # the text's words that are keys
        return out


_SUBSETS: dict[tuple[frozenset[str], frozenset[str]], bool] = {}


def _subset(a: frozenset[str], b: frozenset[str]) -> bool:
    """``a <= b``, remembered: the same few (hashed) frozensets are compared for every text."""
    found = _SUBSETS.get((a, b))
    if found is None:
        if len(_SUBSETS) > 64:
            _SUBSETS.clear()
        found = _SUBSETS[(a, b)] = a <= b
    return found


def _folds_plainly(text: str) -> bool:
    """Whether the regex engine's case folding of every character of ``text`` is ``norm``'s."""
    if text.isascii():
        return True
    known = _FOLDS
    for c in set(_NON_ASCII.findall(text)):
        ok = known.get(c)
        if ok is None:
            if len(known) > _MAX_FOLDS:
                known.clear()
            ok = known[c] = _folds_like_lower(c)
        if not ok:
            return False
    return True


#: character -> ``_folds_like_lower(c)`` (a pure function of the character, asked again for the
#: same few non-ASCII characters of every report; bounded)
_FOLDS: dict[str, bool] = {}
_MAX_FOLDS = 4096


def text_words(
    text: str,
    lo: int,
    hi: int,
    keys: frozenset[str] | None = None,
    base: tuple[str, bool] | None = None,
) -> TextWords:
    """The words of text[lo:hi] for ``NameMatcher.finditer`` (compute once, pass to each;
    ``keys``: the union of their ``first_words()``, see ``TextWords``; ``base``:
    ``text_base(text)``)."""
    return TextWords(text, lo, hi, keys, base)


def _first_word(name: str) -> str:
    """The word a name starts with, or its first character when that is not a word character."""
    m = _WORD.match(name)
    return m.group() if m else name[:1]


def _folds_like_lower(c: str) -> bool:
    """Whether the regex engine's case-insensitive matching of ``c`` is ``norm``'s: false for
    the few characters with a second lowercase form ("ſ" is "s", "ϐ" is "β", "ς" is "σ")."""
    return len(c.lower()) == 1 and norm(c.upper()) == norm(c)


def _walkable(names: Iterable[str]) -> bool:
    """Whether the trie walk reads every name as the regex does: whitespace only as single
    spaces between other characters (each is ``\\s+``), checked on all names at once."""
    return _ODD_SPACE.search("\x00".join(names)) is None


def _trie(names: Iterable[str]) -> dict:
    root: dict = {}
    for name in names:
        node = root
        for ch in name:
            node = node.setdefault(ch, {})
        node[_END] = True
    return root


def _second_words(names: Iterable[str], *, folded: bool) -> dict[str, frozenset[str] | None]:
    """First word -> the (``fold``ed) second words of the names it starts, or None when one of
    those names has no second word or one ``fold`` may not read as the text's split does.

    Why this is exact as a filter: under a tail that refuses a word character after a name,
    a name matching at a text word reads that word, then the text's separator (its non-word
    characters, a space standing for a run of whitespace), then a word that must be the text's
    whole next word (a word character after the name's word would fail the name's next
    character or its tail). So where the text's next word is none of these, no name starting
    with that word matches and the walk need not be tried. The text's words are ``norm``ed:
    ``folded`` names (walked over that same text) compare as they are; the others only by an
    ASCII second word, ``norm``ed (an ASCII word lowercases the same alone and in context, where
    "Σ" does not).
    """
    out: dict[str, set[str] | None] = {}
    for name in names:
        parts = _SPLIT.split(name)  # "", first word, separator, second word, ...
        first = _first_word(name)
        if first not in out:
            out[first] = set()
        seen = out[first]
        if seen is None:
            continue
        if len(parts) < 5 or parts[0] or not (folded or parts[3].isascii()):
            out[first] = None
        else:
            seen.add(parts[3] if folded else norm(parts[3]))
    return {k: (frozenset(v) if v is not None else None) for k, v in out.items()}


def _descend(trie: dict, word: str) -> dict:
    """The trie node reached by reading ``word`` from the root (the word starts some name)."""
    node = trie
    for ch in word:
        node = node[ch]
    return node


#: the one trie node that ends a name and goes on with no character (``_leaf``)
_LEAF: dict = {_END: True}


def _leaf(node: dict) -> dict:
    """``_LEAF`` when ``node`` is a leaf (its name ends and no longer one goes on), else
    ``node``: ``finditer`` knows a leaf by identity and does its walk's one step inline."""
    return _LEAF if node == _LEAF else node


def _walk(trie: dict, s: str, p: int, hi: int, tail_ok: Callable[[int], bool]) -> int:
    """The end of the longest name in ``trie`` written at s[p:hi] whose tail holds, or -1.
    ``trie`` may be a node part way down, ``p`` the offset the node was reached at."""
    node, i, best = trie, p, -1
    while True:
        if _END in node and tail_ok(i):
            best = i
        if i >= hi:
            return best
        c = s[i]
        nxt = node.get(c)
        if nxt is not None and c != " ":  # no other whitespace is a key (``_walkable``)
            node = nxt
            i += 1
            continue
        if not c.isspace():
            return best
        node = node.get(" ")  # any run of whitespace reads as the name's one space
        if node is None:
            return best
        i += 1
        while i < hi and s[i].isspace():
            i += 1


class NameMatch:
    """One name found, read like an ``re.Match``."""

    __slots__ = ("_text", "_start", "_end")

    def __init__(self, text: str, start: int, end: int) -> None:
        self._text, self._start, self._end = text, start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def span(self) -> tuple[int, int]:
        return self._start, self._end

    def group(self) -> str:
        return self._text[self._start : self._end]


class NameMatcher:
    """Leftmost-longest names in text: the matches of ``full()``, found by first word and trie."""

    def __init__(
        self,
        insensitive: Iterable[str],
        sensitive: Iterable[str],
        alternation: Callable[..., str],  # catalogue.trie_alternation, for ``full()``
        tail: str = _TAIL,
    ) -> None:
        self._alternation = alternation
        self._tail = tail
        self._tail_re = re.compile(tail)
        #: a tail ``finditer`` checks without the regex engine (1: ``_TAIL``, 2: ``(?![\w-])``,
        #: 0: any other, run as a regex); a test compares both on every character
        self._tail_kind = {_TAIL: 1, _RESULT_TAIL: 2}.get(tail, 0)
        self._names = (list(insensitive), list(sensitive))
        ci = [norm(n) for n in self._names[0]]
        cs = self._names[1]
        self._ci_trie, self._cs_trie = _trie(ci), _trie(cs)
        ci_keys = {norm(_first_word(n)) for n in ci}
        cs_keys = {_first_word(n) for n in cs}
        # first characters that are not word characters ("(" of "(1,3)-β-d-glucan")
        self._ci_odd = {k for k in ci_keys if not _WORD.match(k)}
        self._cs_odd = {k for k in cs_keys if not _WORD.match(k)}
        self._ci_words = frozenset(ci_keys - self._ci_odd)
        # the node each first word leads to: a name ending inside a word fails a tail that
        # refuses a word character after it, so the walk may start after the whole word
        self._skip_word = tail.startswith(r"(?![\w")
        self._ci_after = {k: _leaf(_descend(self._ci_trie, k)) for k in self._ci_words}
        # sensitive first words by their lowercased form: the text's words are lowercased once
        self._cs_words = frozenset(cs_keys - self._cs_odd)
        self._cs_folded = frozenset(norm(k) for k in self._cs_words)
        self._cs_after = {k: _descend(self._cs_trie, k) for k in self._cs_words}
        # which next words let a name starting with a first word match (``_second_words``), and
        # the trie node after a non-word first character (the walk's first step, done inline)
        self._ci_second = _second_words(ci, folded=True) if self._skip_word else {}
        self._cs_second = _second_words(cs, folded=False) if self._skip_word else {}
        self._odd_next = (
            {k: self._ci_trie[k] for k in self._ci_odd},
            {k: self._cs_trie[k] for k in self._cs_odd},
        )
        # names the walk reads differently from the regex: then only the full pattern is exact
        chars = set(_NON_ASCII.findall("".join(ci) + "".join(cs)))
        self._exact = all(map(_folds_like_lower, chars)) and _walkable([*ci, *cs])
        self._full: re.Pattern[str] | None = None

    def first_words(self) -> frozenset[str]:
        """The (``norm``ed) words ``finditer`` asks a ``TextWords`` about."""
        return self._ci_words | self._cs_folded

    def by_first_word(self) -> bool:
        """Whether every match starts at one of ``first_words()`` (text folding plainly)."""
        return self._exact and not self._ci_odd and not self._cs_odd

    def full(self) -> re.Pattern[str]:
        """The one pattern of all names (for texts whose characters fold unusually)."""
        if self._full is None:
            alts = []
            if self._names[0]:
                alts.append(f"(?i:{self._alternation(self._names[0], case_insensitive=True)})")
            if self._names[1]:
                alts.append(self._alternation(self._names[1], case_insensitive=False))
            self._full = re.compile(rf"(?<![\w-])(?:{'|'.join(alts)}){self._tail}")
        return self._full

    def finditer(
        self, text: str, lo: int = 0, hi: int | None = None, words: TextWords | None = None
    ) -> Iterator[NameMatch | re.Match[str]]:
        """What ``full().finditer(text, lo, hi)`` finds, trying names only where a first word
        of one stands (``words``: ``text_words(text, lo, hi)`` when the caller has it)."""
        hi = len(text) if hi is None else hi
        # the caller's words of this very text and range carry its lowercased form and fold test
        if words is not None and words.text is text and (words.lo, words.hi) == (lo, hi):
            low, folds = words.low, words.folds
        else:
            words, low, folds = None, norm(text), _folds_plainly(text)
        if not self._exact or len(low) != len(text) or not folds:
            yield from self.full().finditer(text, lo, hi)
            return
        if words is None:
            words = TextWords(text, lo, hi)
        tail = self._tail_re

        if self._tail_kind == 1:  # _TAIL: the regex is needed after a dash only

            def tail_ok(e: int) -> bool:
                if e >= hi:
                    return True
                c = text[e]
                if c == "-":
                    return tail.match(text, e, hi) is not None
                return not (c.isalnum() or c == "_")  # the engine's \w

        elif self._tail_kind == 2:  # (?![\w-])

            def tail_ok(e: int) -> bool:
                return e >= hi or not (text[e].isalnum() or text[e] in "_-")

        else:

            def tail_ok(e: int) -> bool:
                return tail.match(text, e, hi) is not None

        end = -1
        skip = self._skip_word
        ci_after, cs_after = self._ci_after, self._cs_after
        for p, (ci, cs, n) in sorted(self._starts(text, low, lo, hi, words).items()):
            if p < end or (p > 0 and (text[p - 1].isalnum() or text[p - 1] in "_-")):
                continue  # inside the last match, or not where a name may start
            e = -1
            if ci:
                if n and skip:
                    node = ci_after[low[p : p + n]]
                    if node is _LEAF:  # only a name ending here: the walk's one step
                        e = p + n if tail_ok(p + n) else -1
                    else:
                        e = _walk(node, low, p + n, hi, tail_ok)
                else:
                    e = _walk(self._ci_trie, low, p, hi, tail_ok)
            if e < 0 and cs:
                if n and skip:
                    e = _walk(cs_after[text[p : p + n]], text, p + n, hi, tail_ok)
                else:
                    e = _walk(self._cs_trie, text, p, hi, tail_ok)
            if e > p:
                end = e
                yield NameMatch(text, p, e)

    def _starts(self, text: str, low: str, lo: int, hi: int, words: TextWords) -> dict:
        """Offset -> (may an insensitive name start here, may a sensitive one, the length of the
        first word there or 0 for a first character that is not a word) for every offset where
        a first word of a name stands."""
        ci = words.having(self._ci_words)
        cs = words.having(self._cs_folded)
        starts: dict[int, list] = {}
        cs_words = self._cs_words
        ci_second, cs_second = self._ci_second, self._cs_second
        for p, w, nxt in words.at_next(ci | cs):
            n = len(w)
            # a first word whose next word no name continues with is no start (_second_words)
            ci_ok = w in ci and ((sec := ci_second.get(w)) is None or nxt in sec)
            cs_ok = False
            if w in cs:
                key = text[p : p + n]
                cs_ok = key in cs_words and ((sec := cs_second.get(key)) is None or nxt in sec)
            if ci_ok or cs_ok:
                starts[p] = [ci_ok, cs_ok, n]
        for which, keys, s in ((0, self._ci_odd, low), (1, self._cs_odd, text)):
            after = self._odd_next[which]
            for key in keys:
                node = after[key]
                p = s.find(key, lo, hi)
                while p >= 0:
                    # the walk's first step: a name goes on with the next character (a space
                    # for any whitespace) unless one ends at the key itself
                    c = s[p + 1] if p + 1 < hi else ""
                    if _END in node or c in node or (" " in node and c.isspace()):
                        entry = starts.get(p)
                        if entry is None:
                            entry = starts[p] = [False, False, 0]
                        entry[which] = True
                    p = s.find(key, p + 1, hi)
        return starts
