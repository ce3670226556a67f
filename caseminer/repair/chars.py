"""Character repairs: odd spaces, ligatures, soft hyphens, zero-width marks, mid-line captions.

Same-length substitutions (odd spaces -> " ") keep the map as the identity; expansions ("ﬁ" -> "fi")
map every produced character to the ligature's index; removals simply skip source characters.
A soft hyphen at a line end is explicit hyphenation, so the hyphen and the line break both go.
"""

from __future__ import annotations

import re
from functools import lru_cache

from caseminer.repair.resources import Layout, layout

Mapped = tuple[str, list[int] | None]  # (text, map to the input; None means identity)

# [0, 1, ..., _IDENTITY_KEPT - 1], kept to be sliced by ``identity_map`` and ``identity_range``
_IDENTITY_KEPT = 1 << 15
_IDENTITY = list(range(_IDENTITY_KEPT))


def identity_map(size: int) -> list[int]:
    """``list(range(size))``, a new list. Why: for a text of ordinary size it is sliced from a
    kept list, which copies references instead of making an int object per character (several
    times faster); the maps of most texts are the identity (about 1.2 MB kept)."""
    return _IDENTITY[:size] if size <= _IDENTITY_KEPT else list(range(size))


def identity_range(start: int, stop: int) -> list[int] | range:
    """``range(start, stop)`` to extend a map with: a slice of the kept list when it reaches
    that far (the same values, without an int object made per character)."""
    return _IDENTITY[start:stop] if stop <= _IDENTITY_KEPT else range(start, stop)


@lru_cache(maxsize=1)
def _expand_re() -> re.Pattern[str]:
    chars = "".join(re.escape(c) for c in layout().expand)
    return re.compile(rf"\u00ad[ \t]*(?:\r\n|[\n\r])[ \t]*|[{chars}]")


@lru_cache(maxsize=1)
def _expand_chars_re() -> re.Pattern[str]:
    """The characters ``_expand_re`` matches on their own; every match of it starts with one
    of them (the soft hyphen is one), so it matches exactly where this does. Why: a class is
    searched in one C loop, an alternation is tried at every position."""
    chars = "".join(re.escape(c) for c in layout().expand)
    return re.compile(rf"[{chars}]")


@lru_cache(maxsize=1)
def _odd_or_expand_re() -> re.Pattern[str]:
    """Any character that ``layout().odd_spaces`` replaces or ``_expand_chars_re`` finds."""
    lay = layout()
    chars = "".join(re.escape(c) for c in lay.expand)
    odd = lay.odd_spaces.pattern
    if odd.startswith("[") and odd.endswith("]") and not odd.startswith("[^"):
        # one class (searched in one C loop; an alternation is tried at every position)
        return re.compile(f"[{odd[1:-1]}{chars}]")
    return re.compile(f"{odd}|[{chars}]")


@lru_cache(maxsize=1)
def _caption_word_re() -> re.Pattern[str]:
    """Every caption word ``midline_caption`` can match, in any case (its words are matched
    ignoring case). Why: a text without one skips the caption substitution. The gate was three
    case-sensitive ``in`` tests, which let "FIGURE 1:" and "TABLE 2:" through unbroken."""
    return re.compile(r"igure|ig\.|able", re.IGNORECASE)


def _caption_breaks(text: str, lay: Layout) -> str:
    """Put a line break before a caption that starts mid-line after a sentence end.

    The last whitespace character before "Figure N:" becomes "\n" (same length, same map).
    """

    def swap(m: re.Match[str]) -> str:
        return m.group(1) + m.group(2)[:-1] + "\n" + m.group(3)

    return lay.midline_caption.sub(swap, text)


def normalize_chars(source: str) -> Mapped:
    """Return (text, map) with characters repaired; map[i] is the source index of text[i]."""
    text, offsets, _ = normalize_chars_kept(source)
    return text, offsets


def normalize_chars_kept(source: str) -> tuple[str, list[int] | None, list[tuple[int, int]]]:
    """``normalize_chars`` plus the source ranges [start, end) that some character of the
    text maps to, in order and disjoint. Why: the share of visible characters repair removed
    is read off them (``RepairedText.removed_visible_chars``) without turning the map into
    an array."""
    lay = layout()
    if _odd_or_expand_re().search(source) is None:
        # no odd space and nothing to expand (most texts): one scan instead of two, and the
        # same text (the substitution and the expansion would change nothing)
        text = source
        plain = True
    else:
        text = lay.odd_spaces.sub(" ", source)
        plain = False
    if _caption_word_re().search(text) is not None:
        text = _caption_breaks(text, lay)
    if plain or not _expand_chars_re().search(text):
        return text, None, [(0, len(text))]
    pattern = _expand_re()
    parts: list[str] = []
    offsets: list[int] = []
    kept: list[tuple[int, int]] = []
    pos = 0
    for m in pattern.finditer(text):
        parts.append(text[pos : m.start()])
        offsets.extend(identity_range(pos, m.start()))
        replacement = lay.expand.get(m.group(0), "")
        parts.append(replacement)
        offsets.extend([m.start()] * len(replacement))
        # the copied stretch, and the match's first character when a replacement maps to it
        end = m.start() + 1 if replacement else m.start()
        if end > pos:
            kept.append((pos, end))
        pos = m.end()
    parts.append(text[pos:])
    offsets.extend(identity_range(pos, len(text) + 1))
    if len(text) > pos:
        kept.append((pos, len(text)))
    return "".join(parts), offsets, kept
