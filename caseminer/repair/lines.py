"""Line geometry: split text into lines and tell what each line is.

A PDF-to-text file is a sequence of lines whose breaks may or may not be real. Before deciding
about any break we name every line: blank, header, caption start, table cell, junk (banner,
page number, running header, garbled logo text) or prose. The names come from general evidence
only: the layout vocabulary, letter case, line lengths, repetition, and the lexicon.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from caseminer.nlp.regex_tree import sre_c, sre_parse
from caseminer.repair.resources import Layout

# A line break: "\r\n" or any one of the characters, found where ``\r\n|[\n\r\f\v\x85\u2028\u2029]``
# finds one: the class first, then the "\n" of a "\r\n". Why not the alternation: a pattern
# that starts with a character class is searched in one C loop, an alternation is tried at
# every position.
BREAK_RE = re.compile(r"[\n\r\f\v\x85\u2028\u2029](?:(?<=\r)\n)?")
TOKEN_RE = re.compile(r"\S+")
ALPHA_RE = re.compile(r"[A-Za-z]+")
SENTENCE_END_RE = re.compile(r"[.!?:;][\"'\u2019\u201d)\]]*$")
# two separate runs of letters: what ``len(ALPHA_RE.findall(s)) >= 2`` asks, without listing them
TWO_WORDS_RE = re.compile(r"[A-Za-z][^A-Za-z]+[A-Za-z]")
_NUMBERING_RE = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s+")
_SPACES_RE = re.compile(r"\s+")
_DIGITS_RE = re.compile(r"\d+")

BLANK, PROSE, HEADER, CAPTION, CELL, JUNK = "blank", "prose", "header", "caption", "cell", "junk"


@dataclass
class Line:
    """One line: content is text[start:end] (trailing blanks excluded); the break follows it."""

    index: int
    start: int
    end: int
    brk_start: int
    brk_end: int
    brk: str
    content: str
    stripped: str
    indent: int  # leading blanks
    kind: str = PROSE
    table: bool = False  # inside a table block (after a "Table N" caption)


def split_lines(text: str) -> list[Line]:
    """Split on any line break; each Line records its content span and its break span."""
    lines: list[Line] = []
    pos = 0
    for m in BREAK_RE.finditer(text):
        lines.append(_line(text, len(lines), pos, m.start(), m.end()))
        pos = m.end()
    if pos < len(text):
        lines.append(_line(text, len(lines), pos, len(text), len(text)))
    return lines


def _line(text: str, index: int, start: int, brk_start: int, brk_end: int) -> Line:
    content = text[start:brk_start].rstrip(" \t")
    stripped = content.strip()
    indent = len(content) - len(content.lstrip())
    kind = PROSE if stripped else BLANK
    end = start + len(content)
    brk = text[brk_start:brk_end]
    return Line(index, start, end, brk_start, brk_end, brk, content, stripped, indent, kind)


# what ``SENTENCE_END_RE`` reads: end punctuation, then closing quotes and brackets
_SENTENCE_ENDS = ".!?:;"
_SENTENCE_CLOSERS = "\"'\u2019\u201d)]"


def ends_sentence(text: str) -> bool:
    """``SENTENCE_END_RE.search(text)``: end punctuation, then only closers, at the end (``$``
    also matches before a final "\\n"). Why not the search: it is asked of nearly every line
    and looks at every punctuation mark of the line; stripping the closers looks at its end."""
    if text.endswith("\n") and _ends_with_punctuation(text[:-1]):
        return True
    return _ends_with_punctuation(text)


def _ends_with_punctuation(text: str) -> bool:
    """``text`` ends with end punctuation followed by closers only (the two sets are apart, so
    the punctuation can only be the last character left once the closers are stripped)."""
    body = text.rstrip(_SENTENCE_CLOSERS)
    return bool(body) and body[-1] in _SENTENCE_ENDS


def is_header(line: Line, lay: Layout) -> bool:
    """A whole line that names a section: known header text, or a short ALL-CAPS line."""
    return header_text(line.stripped, lay)


def header_text(s: str, lay: Layout) -> bool:
    """``is_header`` of a line whose stripped text is ``s``."""
    if len(s) > 60:
        return False
    key = _NUMBERING_RE.sub("", s).rstrip(":").strip().lower()
    key = _SPACES_RE.sub(" ", key)
    if key in lay.headers:
        return True
    letters = "".join(ALPHA_RE.findall(s))
    words = s.split()
    return (
        len(letters) >= 4
        and letters.isupper()
        and len(words) <= 6
        and not s.endswith((".", ","))
        and sum(c.isdigit() for c in s) <= 2
    )


def typical_width(lines: list[Line], lay: Layout) -> int:
    """The wrap width of the document: a high percentile of non-blank line lengths."""
    lengths = sorted(len(ln.stripped) for ln in lines if ln.kind != BLANK)
    if not lengths:
        return int(lay.thresholds["min_width"])
    pct = lay.thresholds["width_percentile"]
    width = lengths[min(len(lengths) - 1, int(len(lengths) * pct))]
    return max(int(lay.thresholds["min_width"]), width)


def sentence_per_line(lines: list[Line], lay: Layout) -> bool:
    """True for texts already laid out one sentence (or paragraph) per line, like MACCROBAT's."""
    return stripped_per_line([ln.stripped if ln.kind != BLANK else "" for ln in lines], lay)


def stripped_per_line(stripped: list[str], lay: Layout) -> bool:
    """``sentence_per_line`` of lines given as their stripped text ("" for a blank line)."""
    pairs = ends = 0
    for a, b in zip(stripped, stripped[1:], strict=False):
        if not a or not b:
            continue
        pairs += 1
        ends += ends_sentence(a)
    if pairs < lay.thresholds["sentence_per_line_min_breaks"]:
        return not pairs or ends == pairs
    return ends / pairs >= lay.thresholds["sentence_per_line_ratio"]


# line breaks other than "\n" (``BREAK_RE``'s others)
_OTHER_BREAKS = re.compile(r"[\r\f\v\x85\u2028\u2029]")


def plain_lines(text: str) -> tuple[list[str], list[str]] | None:
    """(content, stripped text) of each line of ``text`` when the line pass's loop would copy
    every line as it is (``core._kept_as_is`` of ``split_lines(text)`` before any line is
    named junk), else None: every break is "\\n", no line ends in a space or tab, every
    blank line is empty, and the first and last lines are not blank (a final "\\n" ends the
    last line). Why: read with ``str.split``, without a ``Line`` per line."""
    if _OTHER_BREAKS.search(text):
        return None
    # a line ending in a space or tab: before a "\\n", or at the end of the text
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        return None
    contents = text.split("\n")
    if text.endswith("\n"):
        contents.pop()
    stripped = [c.strip() for c in contents]
    if not stripped or not stripped[0] or not stripped[-1]:
        return None
    if "" in stripped:  # blank lines must be empty
        for content, s in zip(contents, stripped, strict=True):
            if not s and content:
                return None
    return contents, stripped


def classify(lines: list[Line], lay: Layout, lexicon: frozenset[str], width: int) -> list[str]:
    """Name every line in place; return notes about junk removed."""
    for ln in lines:
        if ln.kind == BLANK:
            continue
        if lay.caption_start.match(ln.content):
            ln.kind = CAPTION
        elif is_header(ln, lay):
            ln.kind = HEADER
    notes: list[str] = []
    _mark_banners(lines, lay, notes)
    _mark_head_fragments(lines, lay, lexicon, notes)
    _mark_repeated(lines, lay, notes)
    _mark_tables(lines, lay, width)
    _mark_page_numbers(lines, lay, width, notes)
    return notes


def may_have_junk(contents: list[str], stripped: list[str], lay: Layout) -> bool:
    """False only when ``classify`` would name no line junk (and so write no note), read
    without naming the lines (given as their content and stripped text, "" when blank).
    Why: most case reports have no junk line, and a text laid out one sentence per line
    without junk is kept as it is, whatever the other lines' names (``repair_lines``), while
    naming every line costs most of the line pass.

    Each junk rule is asked of a superset of the lines it reads: banners and page numbers of
    every non-blank line (the rules read prose lines only); running headers by counting the
    rough keys (``_rough_key``) of every long line (two words or not; a group of equal keys
    has equal rough keys, so no rough key recurring often enough means no group does); garbled head
    lines by looking for a short prose line where the rule looks for them (no banner was
    found, so the banner step would change no line's name before it)."""
    th = lay.thresholds
    banner = lay.banner.match if anchored_at_start(lay.banner) else lay.banner.search
    page_number = lay.bare_page_number.match
    min_chars, min_count = th["repeated_min_chars"], th["repeated_min_count"]
    by_marks: dict[tuple[int, int, int], list[str]] = defaultdict(list)
    for content, s in zip(contents, stripped, strict=True):
        if not s:
            continue  # a blank line
        if banner(content) or page_number(content):
            return True
        if len(s) >= min_chars:
            by_marks[(s.count(" "), s.count(","), s.count("."))].append(s)
    # lines with equal rough keys have as many spaces, commas and full stops (lowering and
    # masking digits change none of those): only lines sharing those counts are keyed
    for group in by_marks.values():
        if len(group) >= min_count:
            counts: dict[bytes, int] = defaultdict(int)
            for s in group:
                counts[_rough_key(s)] += 1
            if max(counts.values()) >= min_count:
                return True
    # garbled head lines: only short prose lines before the first header, caption or long
    # prose line can be (``_mark_head_fragments``); any such line: say "maybe"
    head = int(th["head_max_lines"])
    for content, s in zip(contents[:head], stripped[:head], strict=True):
        if not s:
            continue
        if lay.caption_start.match(content) or header_text(s, lay):
            break
        if len(s.split()) >= th["head_prose_min_tokens"]:
            break
        if len(s) <= th["fragment_max_chars"]:
            return True
    return False


def _junk(line: Line, why: str, notes: list[str]) -> None:
    line.kind = JUNK
    notes.append(f"removed {why} line {line.index + 1}: {line.stripped[:40]!r}")


def _mark_banners(lines: list[Line], lay: Layout, notes: list[str]) -> None:
    banner = lay.banner
    # every banner rule is anchored at the line's start (``^`` without MULTILINE): then a
    # search can only find a match at 0, which ``match`` tries alone (the search tries the
    # rules at every position of every prose line)
    find = banner.match if anchored_at_start(banner) else banner.search
    for ln in lines:
        if ln.kind == PROSE and find(ln.content):
            _junk(ln, "banner", notes)


_ANCHORED: dict[re.Pattern[str], bool] = {}


def anchored_at_start(regex: re.Pattern[str]) -> bool:
    """Whether every match of ``regex`` starts at the start of the string searched, read off
    its parse tree (kept per pattern: there is one banner pattern)."""
    known = _ANCHORED.get(regex)
    if known is None:
        if len(_ANCHORED) >= 64:
            _ANCHORED.clear()
        known = _ANCHORED[regex] = not regex.flags & re.MULTILINE and _starts_anchored(
            list(sre_parse.parse(regex.pattern, regex.flags))
        )
    return known


def _starts_anchored(items: list) -> bool:
    """The parsed sequence ``items`` can match only at the string's start: it begins with
    ``^`` or ``\\A``, a group (without a MULTILINE flag of its own) that does, or an
    alternation all of whose branches do."""
    if not items:
        return False
    op, arg = items[0]
    if op is sre_c.AT:
        return arg is sre_c.AT_BEGINNING or arg is sre_c.AT_BEGINNING_STRING
    if op is sre_c.SUBPATTERN:
        add_flags, body = arg[1], arg[3]
        return not add_flags & re.MULTILINE and _starts_anchored(list(body))
    if op is sre_c.BRANCH:
        return all(_starts_anchored(list(alt)) for alt in arg[1])
    return False


def _word_ratio(text: str, lexicon: frozenset[str]) -> float:
    words = [w.lower() for w in ALPHA_RE.findall(text)]
    if not words:
        return 0.0
    return sum(w in lexicon for w in words) / len(words)


def _mark_head_fragments(
    lines: list[Line], lay: Layout, lexicon: frozenset[str], notes: list[str]
) -> None:
    """Remove garbled logo/banner pieces above the first header or prose line.

    A fragment is a short line that is mostly not words, or whose every token is a piece of a
    longer line nearby (a journal name drawn letter by letter: "R he umat o" / "Rheumatology").
    """
    th = lay.thresholds
    head: list[Line] = []
    for ln in lines[: int(th["head_max_lines"])]:
        if ln.kind in (HEADER, CAPTION):
            break
        if ln.kind == PROSE and len(ln.stripped.split()) >= th["head_prose_min_tokens"]:
            break
        head.append(ln)
    letters: list[tuple[Line, str]] | None = None  # read once a fragment needs them (rare)
    for ln in head:
        s = ln.stripped
        if ln.kind != PROSE or len(s) > th["fragment_max_chars"]:
            continue
        tokens = [t.lower() for t in ALPHA_RE.findall(s)]
        if not tokens or len(s.split()) > th["fragment_max_tokens"]:
            continue
        if _word_ratio(s, lexicon) < th["fragment_min_word_ratio"]:
            _junk(ln, "garbled banner", notes)
            continue
        own = "".join(tokens)
        if letters is None:
            letters = [
                (other, "".join(ALPHA_RE.findall(other.content)).lower())
                for other in lines[: int(th["head_max_lines"])]
                if other.kind != BLANK
            ]
        for other, other_letters in letters:
            if other is ln or len(other_letters) < 2 * len(own):
                continue
            if all(t in other_letters for t in tokens):
                _junk(ln, "banner fragment", notes)
                break


def _mark_repeated(lines: list[Line], lay: Layout, notes: list[str]) -> None:
    """Running headers/footers: the same line (digits aside) recurring far apart."""
    th = lay.thresholds
    candidates = [
        ln
        for ln in lines
        if ln.kind == PROSE
        and len(ln.stripped) >= th["repeated_min_chars"]
        and TWO_WORDS_RE.search(ln.stripped)
    ]
    # Only lines whose cheap key (``_rough_key``) recurs can share a key: the full key (a
    # regex substitution per line, the costly part) is computed for those alone. A group of
    # full keys is never split (equal keys have equal rough keys) and keeps its lines and its
    # place in the order of first appearance, so the groups below are the ones of all lines.
    rough = [_rough_key(ln.stripped) for ln in candidates]
    counts: dict[bytes, int] = defaultdict(int)
    for key in rough:
        counts[key] += 1
    seen: dict[str, list[Line]] = defaultdict(list)
    for ln, key in zip(candidates, rough, strict=True):
        if counts[key] >= th["repeated_min_count"]:
            seen[_repeat_key(ln.stripped)].append(ln)
    for group in seen.values():
        if len(group) < th["repeated_min_count"]:
            continue
        gaps = [b.index - a.index for a, b in zip(group, group[1:], strict=False)]
        if min(gaps) >= th["repeated_min_gap_lines"]:
            for ln in group:
                _junk(ln, "running header", notes)


def _repeat_key(text: str) -> str:
    """What a running header keeps from page to page: the line with its numbers masked."""
    return _DIGITS_RE.sub("#", text.lower())


# digits and "#" (the mask of a digit run), deleted from an ASCII line's rough key
_DIGITS_AND_MASK = b"0123456789#"


def _rough_key(text: str) -> bytes:
    """``_repeat_key(text)`` as UTF-8 without its digits and "#" characters, so lines with
    equal repeat keys have equal rough keys. Why: for an ASCII line (most lines) it is
    computed without the regex (``\\d`` is then [0-9] and lowering is ASCII lowering)."""
    if text.isascii():
        return text.lower().encode("ascii").translate(None, _DIGITS_AND_MASK)
    return _repeat_key(text).encode("utf-8", "surrogatepass").translate(None, _DIGITS_AND_MASK)


def _mark_tables(lines: list[Line], lay: Layout, width: int) -> None:
    """Lines after a "Table N" caption stay cells while they are short."""
    max_cell = max(lay.thresholds["table_cell_max_chars"], width * 0.5)
    in_caption = in_table = False
    for ln in lines:
        if ln.kind == CAPTION:
            is_table = bool(lay.table_caption_start.match(ln.content))
            in_caption = is_table and not ends_sentence(ln.stripped)
            in_table = is_table and not in_caption
            continue
        if ln.kind == BLANK:
            if in_caption:
                in_caption, in_table = False, True
            ln.table = in_table
            continue
        if ln.kind == JUNK:
            continue
        if ln.kind == HEADER:
            in_caption = in_table = False
            continue
        if in_caption:
            if ends_sentence(ln.stripped):
                in_caption, in_table = False, True
            continue
        if in_table and len(ln.stripped) <= max_cell:
            ln.kind = CELL
            ln.table = True
        else:
            in_table = False


def _mark_page_numbers(lines: list[Line], lay: Layout, width: int, notes: list[str]) -> None:
    """A bare number is a page number next to a form feed, or when it interrupts prose."""
    long_enough = width * lay.thresholds["short_line_ratio"]
    content = [ln for ln in lines if ln.kind not in (BLANK, JUNK)]
    for i, ln in enumerate(content):
        if ln.kind != PROSE or not lay.bare_page_number.match(ln.content):
            continue
        prev_line = lines[ln.index - 1] if ln.index else None
        near_feed = "\f" in ln.brk or (prev_line is not None and "\f" in prev_line.brk)
        before = content[i - 1] if i else None
        after = content[i + 1] if i + 1 < len(content) else None
        in_prose = (
            before is not None
            and after is not None
            and before.kind == PROSE
            and after.kind == PROSE
            and len(before.stripped) >= long_enough
            and len(after.stripped) >= long_enough
        )
        if near_feed or in_prose:
            _junk(ln, "page number", notes)
