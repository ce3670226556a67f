"""Decide what each line break becomes: a kept break, a space, or nothing (a split word).

`decide(prev, cur, gap, ctx)` looks at the last content line before a break, the next content
line and what lies between (blank or removed lines) and returns one Join. It never looks at
specific words of a document: only the lexicon, letter case and line geometry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import cached_property

from caseminer.repair.hyphens import keep_hyphen
from caseminer.repair.lines import BLANK, CAPTION, CELL, HEADER, JUNK, PROSE, Line, ends_sentence
from caseminer.repair.resources import Layout

# The last token of a line when it is letters only (optionally hyphenated at the end): preceded by
# the line start, a space or an opening bracket/quote, never by "/" ("umol/L") or a digit.
TAIL_RE = re.compile(r"(?:^|(?<=[\s(\[\"'\u201c\u2018]))([A-Za-z]{2,})(-?)$")
HEAD_RE = re.compile(r"^[ \t]*([A-Za-z]+)(?![A-Za-z0-9])")
HYPHEN_TAIL_RE = re.compile(r"[A-Za-z0-9]-$")
LAST_TOKEN_RE = re.compile(r"\S+$")
DOC_WORD_RE = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


class Join(Enum):
    BREAK = "break"  # keep the line break(s)
    SPACE = "space"  # running text: the break becomes one space
    WORD = "word"  # a word split over the break: join with nothing
    HYPHEN_DROP = "hyphen_drop"  # "calcifi-" + "cation": drop the hyphen and the break
    HYPHEN_KEEP = "hyphen_keep"  # "hip-" + "replacement": keep the hyphen, drop the break


@dataclass
class Context:
    """Document-level facts every decision needs."""

    lay: Layout
    lexicon: frozenset[str]
    width: int
    sentence_per_line: bool
    text: str = ""

    @cached_property
    def doc_vocab(self) -> frozenset[str]:
        """Lowercase words the document itself uses (computed only when a hyphen needs it).

        The best evidence for "non-\ncoronary" is the document writing "non-coronary" elsewhere.
        """
        return frozenset(m.group(0).lower() for m in DOC_WORD_RE.finditer(self.text))


def decide(prev: Line, cur: Line, gap: list[Line], ctx: Context) -> Join:
    """What the break(s) between two content lines become."""
    if ctx.sentence_per_line:
        return Join.BREAK
    blank_gap = any(ln.kind == BLANK for ln in gap)
    if blank_gap:
        return Join.SPACE if continues_across_blank(prev, cur, gap, ctx) else Join.BREAK
    if prev.kind == HEADER or cur.kind in (HEADER, CAPTION):
        return Join.BREAK
    if ctx.lay.header_label.match(cur.content):
        return Join.BREAK
    split = split_word(prev, cur, ctx)
    if split is not None:
        return split
    if prev.kind == CELL or cur.kind == CELL:
        return Join.BREAK
    return Join.BREAK if is_boundary(prev, cur, ctx) else Join.SPACE


def continues_across_blank(prev: Line, cur: Line, gap: list[Line], ctx: Context) -> bool:
    """A sentence broken by a blank line (page break, layout gap): long prose line that does not
    end a sentence, followed by a prose line that starts in lower case."""
    if prev.kind != PROSE or cur.kind != PROSE or prev.table or cur.table:
        return False
    if sum(ln.kind == BLANK for ln in gap) > 1 and not any(ln.kind == JUNK for ln in gap):
        return False
    first = cur.stripped[:1]
    return (
        first.islower()
        and len(prev.stripped) >= ctx.width * ctx.lay.thresholds["long_line_ratio"]
        and not ends_sentence(prev.stripped)
        and not prev.stripped.endswith("-")
    )


def is_boundary(prev: Line, cur: Line, ctx: Context) -> bool:
    """A real line break between two adjacent prose lines."""
    p, c = prev.stripped, cur.stripped
    first = c[:1]
    starts_upper = first.isupper() or first.isdigit() or first in "\"'\u2018\u201c•-–*"
    if ends_sentence(p) and starts_upper and not _ends_with_abbreviation(p, ctx.lay):
        return True
    if cur.indent > prev.indent and first.isupper():
        return True  # an indented line starts a paragraph
    short = len(p) < ctx.width * ctx.lay.thresholds["short_line_ratio"]
    return short and starts_upper and not p.endswith((",", "-"))


def _ends_with_abbreviation(text: str, lay: Layout) -> bool:
    m = LAST_TOKEN_RE.search(text)
    if not m:
        return False
    token = m.group(0).lstrip("([").lower()
    return token in lay.period_abbreviations or token.endswith("et al.")


def split_word(prev: Line, cur: Line, ctx: Context) -> Join | None:
    """A word broken over the line break, or None.

    Joins when the two pieces make a known word and are not both words themselves; when both are
    words, only in cell geometry (a long head and a tiny lower-case tail alone on its line, as a
    narrow table column wraps "Phosphor" / "us"). Unknown pieces join only in that geometry too.
    """
    tail = TAIL_RE.search(prev.content)
    head = HEAD_RE.match(cur.content)
    if HYPHEN_TAIL_RE.search(prev.content) and cur.stripped[:1].isalnum():
        return _hyphen_join(tail, head, ctx)
    if not tail or tail.group(2) or not head:
        return None
    a, b = tail.group(1), head.group(1)
    lex, th = ctx.lexicon, ctx.lay.thresholds
    whole = (a + b).lower()
    if not (b.islower() or (a.isupper() and b.isupper())):
        return None
    a_word, b_word = a.lower() in lex, b.lower() in lex
    alone = cur.stripped == b and len(b) <= th["split_piece_max_chars"] and b.islower()
    if whole in lex:
        if not (a_word and b_word):
            return Join.WORD
        if alone and len(a) >= th["split_head_min_chars"]:
            return Join.WORD
        return None
    if alone and not a_word and not b_word and a[-1].islower() and len(a) >= 3:
        return Join.WORD
    return None


def _hyphen_join(tail: re.Match[str] | None, head: re.Match[str] | None, ctx: Context) -> Join:
    """Line-end hyphen: keep it in real compounds ("hip-replacement", "acid-alcohol", "IL-6"),
    drop it when it only hyphenated one word ("calcifi-cation"). The rule is shared with the
    PDF reader: caseminer.repair.hyphens.keep_hyphen."""
    if not tail or not head:
        return Join.HYPHEN_KEEP
    vocab = ctx.doc_vocab

    def longer(prefix: str) -> bool:
        return any(w.startswith(prefix) for w in vocab if "-" in w)

    keep = keep_hyphen(tail.group(1), head.group(1), lambda w: int(w in vocab), ctx.lexicon, longer)
    return Join.HYPHEN_KEEP if keep else Join.HYPHEN_DROP
