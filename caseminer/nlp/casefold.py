"""How ``re.IGNORECASE`` matches ASCII letters, against ``str.lower()``: one place for the fact.

Several fast paths search a lower-cased copy of the text with a plain substring search before
(or instead of) running a case-insensitive regex: patient ages, imaging cues, section headers,
lab names and values, ConText's differential cues. That is exact only where lower-casing agrees
with the regex engine's case folding. For ASCII letters it does, except for four non-ASCII
characters that the engine matches with an ASCII letter (every code point was tried; the tests
of the users below check it again): "İ" and "ı" match "i", "ſ" matches "s", the Kelvin sign
matches "k". ``str.lower()`` gives "k" for the Kelvin sign, but leaves "ı" and "ſ" as they are and
turns "İ" into two characters, which would also shift every later offset.
"""

from __future__ import annotations

# every non-ASCII character re.IGNORECASE matches with an ASCII letter, and that letter
IGNORECASE_TO_ASCII = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
# those that str.lower() does not turn into their letter at the same offset
LOWER_MISSES = "".join(c for c, a in IGNORECASE_TO_ASCII.items() if c.lower() != a)

# the non-ASCII characters whose str.lower() is not one non-ASCII character: "İ" (two
# characters) and the Kelvin sign ("k"); every code point was tried
LOWER_NOT_PLAIN = "".join(
    c for c, a in IGNORECASE_TO_ASCII.items() if len(c.lower()) != 1 or c.lower() == a
)

_TO_ASCII = str.maketrans(IGNORECASE_TO_ASCII)


def fold(text: str) -> str:
    """``text`` lower-cased at the same offsets, such that a character matches an ASCII letter
    case-insensitively (``re.IGNORECASE``) exactly when its folded form is that letter."""
    if not text.isascii() and any(c in text for c in LOWER_MISSES):
        text = text.translate(_TO_ASCII)
    return text.lower()
