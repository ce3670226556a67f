"""caseminer_sections: split a case report into kinds of section (case, discussion, table...).

Why our own line matcher and not medspaCy's Sectionizer: the Sectionizer matches its titles anywhere
in the text, while in case reports a header is only a header at the start of a line (its own line,
or "Header:" inline), and we also need blocks that medspaCy does not model: a figure caption that
runs to the end of its paragraph and then lets the interrupted section resume, a table that runs
until prose resumes, and abstract sub-headers ("Introduction:" inside an abstract) that do not leave
the abstract. Working on lines of the raw text also makes the result independent of tokenization.

Header titles live in ``caseminer/patterns/sections/headers.jsonl``; caption and prose settings in
``caseminer/patterns/sections/blocks.json``. The result, ``doc._.sections``, is a list of
``{"title", "kind", "start_char", "end_char"}`` in text order that covers the whole Doc.
"""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from caseminer.nlp.diskcache import copy_pattern_files
from caseminer.nlp.extensions import record_failure, register_extensions
from caseminer.nlp.regex_tree import sre_c, sre_compile, sre_parse
from caseminer.nlp.section_starts import (
    Starts,
    first_token,
    lead_word,
    may_be_numbered,
    may_start,
    rule_starts,
)
from caseminer.nlp.tokenizer import doc_text
from caseminer.patterns import concern_dir

PATTERNS_DIR = concern_dir("sections")

# Header kinds that structure the body; the other two "headers" are caption blocks.
FIGURE = "figure_caption"
TABLE = "table"
# Kinds an inline "Kind:" sub-header may name inside an abstract without leaving it.
_ABSTRACT_SUBHEADERS = frozenset({"introduction", "case", "discussion", "conclusion", "other"})
_NUMBERING = r"(?:(?:\d+(?:\.\d+)*\.?|[IVXivx]+\.|[A-Z]\.)\s+)?"
_TERMINAL = (".", "!", "?", ":", ")", "]", ";")


@dataclass(frozen=True)
class Line:
    """One line of the text: ``text[start:end]`` without its newline."""

    start: int
    end: int
    text: str

    @property
    def blank(self) -> bool:
        """Empty or white space only: ``not text.strip()`` without copying a long line
        (``str.strip`` and ``str.isspace`` agree on what white space is)."""
        return not self.text or self.text.isspace()


@dataclass(frozen=True)
class Header:
    """A line that opens a section or a caption block."""

    line: int
    start_char: int
    kind: str
    title: str
    inline: bool


@dataclass(frozen=True)
class Catalogue:
    """Compiled header and block rules."""

    own_line: re.Pattern[str]
    inline: re.Pattern[str]
    kinds: dict[str, str]
    patterns: list[tuple[re.Pattern[str], str]]
    figure: re.Pattern[str]
    table: re.Pattern[str]
    settings: dict[str, Any]
    # characters no part of ``own_line`` matches (see ``_never_in``), or None
    own_line_never: re.Pattern[str] | None = None
    # first words of the two caption rules and of the titles (section_starts.py), or None
    caption_starts: Starts | None = None
    title_starts: Starts | None = None


def load_catalogue(directory: str | None = None) -> Catalogue:
    """Read the header vocabulary and block settings once (``directory``: a folder laid out
    like caseminer/patterns/sections; default the packaged one).

    ``load_catalogue()`` and ``load_catalogue(None)`` give the same object (an ``lru_cache`` on
    this function would key them apart): ``find_headers`` recognises the default catalogue by
    identity, and caseminer_sections builds its catalogue with ``load_catalogue(None)``."""
    return _load_catalogue(directory or None)


@lru_cache(maxsize=4)
def _load_catalogue(directory: str | None) -> Catalogue:
    base = Path(directory) if directory else PATTERNS_DIR
    kinds: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    alternatives: list[str] = []
    with open(base / "headers.jsonl", encoding="utf-8") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            entry = json.loads(raw)
            for title in entry.get("titles", []):
                kinds[_normalize(title)] = entry["kind"]
                alternatives.append(re.escape(title).replace(r"\ ", r"\s+"))
            for pattern in entry.get("patterns", []):
                patterns.append((re.compile(pattern + r"$", re.IGNORECASE), entry["kind"]))
                alternatives.append(pattern)
    alternatives.sort(key=len, reverse=True)
    group = "|".join(alternatives)
    settings = json.loads((base / "blocks.json").read_text(encoding="utf-8"))
    own_line = re.compile(rf"^\s*{_NUMBERING}(?P<title>{group})\s*[:.]?\s*$", re.IGNORECASE)
    figure, table = settings["figure_caption"], settings["table"]
    return Catalogue(
        own_line=own_line,
        inline=re.compile(rf"^\s*{_NUMBERING}(?P<title>{group})\s*:\s*\S", re.IGNORECASE),
        kinds=kinds,
        patterns=patterns,
        figure=re.compile(figure, re.IGNORECASE),
        table=re.compile(table, re.IGNORECASE),
        settings=settings,
        own_line_never=_never_in_cached(own_line),
        caption_starts=rule_starts([figure, table], re.IGNORECASE),
        title_starts=rule_starts([group], re.IGNORECASE),
    )


# punctuation of running text, tested against the header rules by ``_never_in``
_PROSE_MARKS = ',;%=()[]"?!&/'


def _never_in_cached(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``_never_in`` through the on-disk cache (parsing the header rule costs more than reading
    the result; the key covers the rule and this module)."""
    from caseminer.nlp import diskcache

    digest = hashlib.sha256(f"{pattern.flags} {pattern.pattern}".encode()).hexdigest()[:16]

    def build() -> str | None:
        never = _never_in(pattern)
        return None if never is None else never.pattern

    source = diskcache.cached("sections-never", [Path(__file__)], build, extra=digest)
    return None if source is None else re.compile(source)


def _never_in(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A class of the ``_PROSE_MARKS`` that no character-consuming part of ``pattern`` matches
    (each part is compiled alone and tried on each mark), or None when there is none or a
    part is not understood. ``pattern`` is anchored at both ends of a line (``^...$``; lines
    hold no "\\n"), so it can only match a line all of whose characters some part consumes:
    a line holding one of these characters never matches. Why: most lines are prose, which
    has commas, and the header rule tries about 130 titles on every line that starts with a
    capital."""
    items = sre_parse.parse(pattern.pattern, pattern.flags)
    try:
        leaves = {repr(leaf): leaf for leaf in _leaves(items)}  # the same letters recur
    except ValueError:
        return None
    parts = [
        sre_compile.compile(sre_parse.SubPattern(items.state, [leaf]), pattern.flags)
        for leaf in leaves.values()
    ]
    marks = [c for c in _PROSE_MARKS if not any(part.fullmatch(c) for part in parts)]
    return re.compile("[" + re.escape("".join(marks)) + "]") if marks else None


def _leaves(items):
    """The items of a parsed pattern that consume a character (look-arounds consume none);
    ValueError for what is not understood (a backreference...)."""
    for op, arg in items:
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        if op in (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY):
            yield op, arg
        elif op is sre_c.SUBPATTERN:
            yield from _leaves(arg[-1])
        elif op is sre_c.BRANCH:
            for alternative in arg[1]:
                yield from _leaves(alternative)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            yield from _leaves(arg[2])
        else:
            raise ValueError(f"not understood: {op}")


def _normalize(title: str) -> str:
    return re.sub(r"\s+", " ", title.strip().lower())


def split_lines(text: str) -> list[Line]:
    """The lines of ``text`` with their character offsets (a new list; the Lines are shared:
    they are frozen). Cached for the last few texts: caseminer_sentences and caseminer_sections
    split the same document's lines several times."""
    return list(_split_lines(text))


@lru_cache(maxsize=4)
def _split_lines(text: str) -> tuple[Line, ...]:
    lines: list[Line] = []
    start = 0
    for part in text.split("\n"):
        lines.append(_line(start, start + len(part), part))
        start += len(part) + 1
    return tuple(lines)


def _line(start: int, end: int, text: str) -> Line:
    """``Line(start, end, text)``, made without the frozen dataclass's ``__init__`` (three
    ``object.__setattr__`` calls, a third of the cost of splitting a text): the instance gets
    the same three fields in its ``__dict__``, which is all that ``__init__`` sets (no
    ``__post_init__``, no slots), so it compares, hashes and reads the same."""
    line = _new_object(Line)
    line.__dict__.update(start=start, end=end, text=text)
    return line


_new_object = object.__new__


def _kind_of(title: str, catalogue: Catalogue) -> str | None:
    norm = _normalize(title)
    if norm in catalogue.kinds:
        return catalogue.kinds[norm]
    for pattern, kind in catalogue.patterns:
        if pattern.match(norm):
            return kind
    return None


def _starts_upper(text: str) -> bool:
    for ch in text:
        if ch.isalpha():
            return ch.isupper()
    return False


def _ends_sentence(line: Line | None) -> bool:
    return line is None or line.blank or line.text.rstrip().endswith(_TERMINAL)


def _is_caption_start(
    line: Line, prev: Line | None, pattern: re.Pattern[str], catalogue: Catalogue
) -> bool:
    """A caption line, unless it continues a broken sentence ("shown in\\nTable 1.")."""
    if not pattern.match(line.text) or not _starts_upper(line.text):
        return False
    if prev is None or prev.blank:
        return True
    words = prev.text.rstrip().split()
    return not words or words[-1].lower() not in catalogue.settings["continuation_words"]


def match_header(
    lines: list[Line], index: int, catalogue: Catalogue | None = None
) -> Header | None:
    """The header that line ``index`` opens, if any (section header, figure or table caption)."""
    catalogue = catalogue or load_catalogue()
    line = lines[index]
    if line.blank:
        return None
    prev = lines[index - 1] if index > 0 else None
    # a caption or title can only start with one of its rules' first words (section_starts.py)
    token = first_token(line.text)
    word = lead_word(token)
    captions = ((FIGURE, catalogue.figure), (TABLE, catalogue.table))
    for kind, pattern in captions if may_start(word, catalogue.caption_starts) else ():
        if _is_caption_start(line, prev, pattern, catalogue):
            label = pattern.match(line.text).group(0).strip().rstrip(":.|-–—").strip()
            return Header(index, line.start, kind, label, inline=True)
    # Both header forms need a capital first letter; the inline one needs a colon. Testing
    # those first spares most prose lines the two title regexes (about 130 titles each).
    upper = _starts_upper(line.text) and (
        may_be_numbered(token) or may_start(word, catalogue.title_starts)
    )
    never = catalogue.own_line_never
    own_line = upper and not (never is not None and never.search(line.text))
    match = catalogue.own_line.match(line.text) if own_line else None
    if match:
        kind = _kind_of(match.group("title"), catalogue)
        nxt = next((ln for ln in lines[index + 1 : index + 4] if not ln.blank), None)
        stripped = line.text.strip()
        all_caps = stripped.upper() == stripped
        # A title-case word alone on a line may be a prose line broken by PDF extraction:
        # accept it when the line before ends a sentence or the next line starts one.
        boundary = _ends_sentence(prev) or (nxt is not None and _starts_upper(nxt.text[:1] or "x"))
        if kind and (all_caps or boundary):
            return Header(index, line.start, kind, match.group("title").strip(), inline=False)
    match = catalogue.inline.match(line.text) if upper and ":" in line.text else None
    if match:
        kind = _kind_of(match.group("title"), catalogue)
        # "Conclusions: there were ischemic lesions" is prose; a header's text starts a sentence
        # (keywords excepted: "Keywords: calcinosis; hip").
        rest = line.text[match.end() - 1 :]
        if kind and (kind == "keywords" or rest[:1].isupper() or rest[:1].isdigit()):
            return Header(index, line.start, kind, match.group("title").strip(), inline=True)
    return None


def find_headers(text: str, catalogue: Catalogue | None = None) -> list[Header]:
    """Every header and caption line of ``text``, in order.

    A case header followed within a few hundred characters by an abstract or keywords header is
    the journal's article-type label ("Case Report" above the abstract), not a section: dropped.
    With the default catalogue the result is cached for the last few texts: caseminer_sentences
    and caseminer_sections both need the headers of the same document.
    """
    if catalogue is None or catalogue is load_catalogue():
        return list(_default_headers(text))
    return _find_headers(text, catalogue)


@lru_cache(maxsize=4)
def _default_headers(text: str) -> tuple[Header, ...]:
    return tuple(_find_headers(text, load_catalogue()))


def _find_headers(text: str, catalogue: Catalogue) -> list[Header]:
    lines = split_lines(text)
    headers = [h for i in range(len(lines)) if (h := match_header(lines, i, catalogue))]
    limit = catalogue.settings["title_max_chars_before_abstract"]
    kept: list[Header] = []
    for i, header in enumerate(headers):
        following = next((h for h in headers[i + 1 :] if h.kind not in (FIGURE, TABLE)), None)
        if (
            header.kind == "case"
            and following is not None
            and following.kind in ("abstract", "keywords")
            and following.start_char - header.start_char < limit
        ):
            continue
        kept.append(header)
    return kept


def _is_prose(line: Line, settings: dict[str, Any]) -> bool:
    """A line of running text (ends a table block)."""
    text = line.text.strip()
    words = text.split()
    if len(text) < settings["prose_min_chars"] or len(words) < settings["prose_min_words"]:
        return False
    alpha = sum(1 for w in words if w.strip(".,;:()[]'\"").isalpha())
    return alpha / len(words) >= settings["prose_min_alpha_ratio"]


def segment(text: str, catalogue: Catalogue | None = None) -> list[tuple[int, str, str]]:
    """Section starts as (start_char, kind, title), first at 0, in order (may repeat kinds)."""
    catalogue = catalogue or load_catalogue()
    settings = catalogue.settings
    lines = split_lines(text)
    headers = {h.line: h for h in find_headers(text, catalogue)}
    sections = [h for h in headers.values() if h.kind not in (FIGURE, TABLE)]
    if not sections:
        first_kind = "case"
    elif sections[0].kind in ("abstract", "keywords", "introduction", "case"):
        first_kind = "title"
    else:
        first_kind = "case"

    starts: list[tuple[int, str, str]] = [(0, first_kind, "")]
    main = (first_kind, "")  # the section a caption block interrupts and then gives back
    block: str | None = None  # FIGURE or TABLE while inside a caption block
    block_start = 0
    abstract_seen: set[str] = set()
    for i, line in enumerate(lines):
        header = headers.get(i)
        if block is not None and header is None:
            prev = lines[i - 1]
            ended = False
            if block == FIGURE:
                long_enough = line.start - block_start > settings["caption_max_chars"]
                ended = prev.blank or (long_enough and _ends_sentence(prev))
            elif block == TABLE:
                ended = _is_prose(line, settings)
            if ended and not line.blank:
                block = None
                starts.append((line.start, *main))
            continue
        if main[0] == "keywords" and block is None and header is None and i > 0:
            if lines[i - 1].blank and not line.blank:
                main = ("case", "")
                starts.append((line.start, *main))
            continue
        if header is None:
            continue
        if header.kind in (FIGURE, TABLE):
            block, block_start = header.kind, line.start
            starts.append((line.start, header.kind, header.title))
            continue
        block = None
        if main[0] == "abstract" and header.inline and header.kind in _ABSTRACT_SUBHEADERS:
            if header.kind not in abstract_seen:
                abstract_seen.add(header.kind)
                if starts[-1][1] != "abstract":
                    starts.append((line.start, *main))
                continue
        if header.kind == "abstract":
            abstract_seen = set()
        main = (header.kind, header.title)
        starts.append((line.start, *main))
    return starts


def find_sections(text: str, catalogue: Catalogue | None = None) -> list[dict[str, Any]]:
    """``doc._.sections`` for ``text``: contiguous, ordered, covering ``[0, len(text))``.

    Consecutive pieces of the same kind and title are merged, and a piece holding only
    whitespace is absorbed by the one before it, so every section has content.
    """
    starts = segment(text, catalogue)
    merged: list[list[Any]] = []
    for i, (start, kind, title) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        if end <= start:
            continue
        if merged and (
            (merged[-1][1], merged[-1][2]) == (kind, title) or not text[start:end].strip()
        ):
            merged[-1][3] = end
            continue
        merged.append([start, kind, title, end])
    if not merged:
        return [{"title": "", "kind": "case", "start_char": 0, "end_char": len(text)}]
    if merged[0][0] != 0:
        merged[0][0] = 0
    return [{"title": t, "kind": k, "start_char": s, "end_char": e} for s, k, t, e in merged]


class SectionDetector:
    """Writes ``doc._.sections`` from the line structure of ``doc.text``."""

    def __init__(self, nlp: Language, name: str, patterns_dir: str | None = None) -> None:
        register_extensions()
        self.name = name
        self.patterns_dir = str(patterns_dir or PATTERNS_DIR)
        self.catalogue = load_catalogue(patterns_dir)

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        """spaCy's ``nlp.to_disk``: the pattern files this component was built from."""
        copy_pattern_files(self.patterns_dir, path)

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> "SectionDetector":
        """spaCy's ``spacy.load``: rebuild from the pattern files ``to_disk`` wrote."""
        self.patterns_dir = str(path)
        self.catalogue = load_catalogue(self.patterns_dir)
        return self

    def __call__(self, doc: Doc) -> Doc:
        try:
            doc._.sections = find_sections(doc_text(doc), self.catalogue)
        except Exception as exc:  # never lose a document to a section rule: say so, go on
            record_failure(doc, self.name, exc)
            doc._.sections = [
                {"title": "", "kind": "case", "start_char": 0, "end_char": len(doc_text(doc))}
            ]
        return doc


@Language.factory(
    "caseminer_sections", assigns=["doc._.sections"], default_config={"patterns_dir": None}
)
def make_sections(nlp: Language, name: str, patterns_dir: str | None) -> SectionDetector:
    """Factory for ``nlp.add_pipe("caseminer_sections")``; ``patterns_dir`` overrides the
    packaged header vocabulary."""
    return SectionDetector(nlp, name, patterns_dir)
