"""caseminer_patient: age and sex of the index patient ("A 65-year-old female patient...").

Case reports introduce their patient with a few fixed constructions ("65-year-old", "aged 45",
"45 years of age"), usually in the first sentence of the case section or of the abstract. Ages of
other people ("her 40-year-old sister") and of populations ("patients older than 50 years") use
the same words, so every candidate is checked against the words around it. Among the survivors the
one in the best-ranked section wins (case > abstract > title > ... > discussion; introduction and
references never describe the index patient), then the earliest. Sex comes from a word beside the
age ("woman", "boy"), else from "a ... woman" in the case section, else from a clear majority of
pronouns in the case section. Vocabulary and patterns: ``caseminer/patterns/patient/patient.json``.

Writes ``doc._.patient = {"age": {"value", "unit", "start_char", "end_char"} | None,
"sex": "female" | "male" | None, "sex_start_char", "sex_end_char"}`` in Doc offsets.
"""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from caseminer.nlp.casefold import fold
from caseminer.nlp.coverage import Coverage
from caseminer.nlp.diskcache import copy_pattern_files
from caseminer.nlp.extensions import doc_sections, record_failure, register_extensions
from caseminer.nlp.patient_anchors import Anchor, anchored_finditer, cached_anchors
from caseminer.nlp.tokenizer import doc_text
from caseminer.patterns import concern_dir

PATTERNS = concern_dir("patient") / "patient.json"
# no anchor or look-around: matched between ``pos`` and ``endpos`` of the text it finds what it
# finds in that slice (``is_index_patient`` reads a sentence's words without copying it)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|[<>≤≥]")


@dataclass(frozen=True)
class AgeMention:
    """One age construction found in the text."""

    value: float
    unit: str
    start: int
    end: int
    rule: str
    weak: bool


@dataclass(frozen=True)
class Vocabulary:
    """Compiled patient vocabulary."""

    # (id, weak, pattern, requires): ``requires`` finds what every match of the pattern contains
    patterns: list[tuple[str, bool, re.Pattern[str], re.Pattern[str] | None]]
    unit_of: dict[str, str]
    numbers: dict[str, int]
    sex_of: dict[str, str]
    pronoun_of: dict[str, str]
    settings: dict[str, Any]
    # rule id -> where its matches can start (``patient_anchors``); rules absent: full scans
    anchors: dict[str, Anchor] = field(default_factory=dict)


def _alternation(words: list[str]) -> str:
    """The words as one alternation, longest first. Words of one length are put in
    alphabetical order: at one position at most one of them matches (unless two are the same
    word in other letter case, which match the same text), so their order changes no match,
    and a fixed order makes the pattern text the same in every process (the key of the
    anchors' disk cache; a set's order changes with the process's string hashing)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=4)
def load_vocabulary(directory: str | None = None) -> Vocabulary:
    """Read ``patient.json`` once and compile its age patterns (``directory``: a folder laid
    out like caseminer/patterns/patient; default the packaged one)."""
    path = Path(directory) / "patient.json" if directory else PATTERNS
    data = json.loads(path.read_text(encoding="utf-8"))
    unit_of = {alias: unit for unit, aliases in data["units"].items() for alias in aliases}
    unit_of.update(data["short_unit_aliases"])
    numbers = data["number_words"]
    tens = [w for w, v in numbers.items() if v >= 20]
    ones = [w for w, v in numbers.items() if v < 10]
    # The lookahead on the first character is the same language, but lets the regex engine
    # reject most word starts at once instead of trying every number word (3x faster).
    firsts = "".join(sorted({w[0].lower() for w in numbers} | {w[0].upper() for w in numbers}))
    num = (
        rf"(?=[\d{re.escape(firsts)}])"
        rf"(?P<num>\d{{1,3}}(?:\.\d)?|(?:{_alternation(tens)})[-‐ ](?:{_alternation(ones)})"
        rf"|{_alternation(list(numbers))})"
    )
    unit_words = [alias for aliases in data["units"].values() for alias in aliases]
    unit = rf"(?P<unit>{_alternation(unit_words)})(?![A-Za-z])"
    patterns = [
        (
            p["id"],
            p["weak"],
            re.compile(p["pattern"].replace("{num}", num).replace("{unit}", unit), re.IGNORECASE),
            re.compile(p["requires"], re.IGNORECASE) if p.get("requires") else None,
        )
        for p in data["age_patterns"]
    ]
    sex_of = {w: sex for sex, words in data["sex_words"].items() for w in words}
    pronoun_of = {w: sex for sex, words in data["pronouns"].items() for w in words}
    # through the disk cache: deriving them parses every pattern (``patient_anchors``)
    anchors = cached_anchors([(rule, pattern, requires) for rule, _, pattern, requires in patterns])
    return Vocabulary(patterns, unit_of, numbers, sex_of, pronoun_of, data, anchors)


def parse_number(text: str, numbers: dict[str, int]) -> float | None:
    """ "65" -> 65.0, "twenty-two" -> 22.0, "three" -> 3.0."""
    text = text.lower()
    try:
        return float(text)
    except ValueError:
        pass
    parts = re.split(r"[-‐ ]", text)
    if all(p in numbers for p in parts):
        return float(sum(numbers[p] for p in parts))
    return None


def find_ages(text: str, vocab: Vocabulary) -> list[AgeMention]:
    """Every age construction in ``text`` (overlaps resolved: first pattern, then longest)."""
    found: list[AgeMention] = []
    taken = Coverage(size=len(text))  # not a list scan: long texts have many number phrases
    folded = fold(text) if vocab.anchors else text
    for rule, weak, pattern, requires in vocab.patterns:
        for m in _matches(text, folded, rule, pattern, requires, vocab):
            if taken.overlaps(m.start(), m.end()):
                continue
            groups = m.groupdict()
            if groups.get("word"):  # "a newborn": an age word with a fixed value
                fixed = vocab.settings["age_words"][groups["word"].lower()]
                value, unit = float(fixed["value"]), fixed["unit"]
            else:
                value = parse_number(groups["num"], vocab.numbers)
                unit = vocab.unit_of.get((groups.get("unit") or "years").lower())
            if value is None or unit is None or not 0 <= value <= 130:
                continue
            # the evidence is the age itself: "newborn", not "a newborn"
            start, end = (m.start("word"), m.end("word")) if groups.get("word") else m.span()
            found.append(AgeMention(value, unit, start, end, rule, weak))
            taken.add(m.start(), m.end())
    return sorted(found, key=lambda a: a.start)


def _matches(
    text: str,
    folded: str,
    rule: str,
    pattern: re.Pattern[str],
    requires: re.Pattern[str] | None,
    vocab: Vocabulary,
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, found faster. A pattern's own search tries its number words
    at every word start; the words every match contains (``requires``) are found far faster,
    and most texts lack most of them; where they occur, the pattern is tried only just before
    them (``patient_anchors``)."""
    anchor = vocab.anchors.get(rule)
    if anchor is not None:
        return anchored_finditer(text, folded, pattern, anchor)
    if requires is not None and requires.search(text) is None:
        return iter(())
    return pattern.finditer(text)


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Approximate sentence around [start, end): between ". ", ";" or line breaks."""
    dot = text.rfind(". ", 0, start)
    left = max(
        text.rfind("\n", 0, start) + 1, dot + 2 if dot >= 0 else 0, text.rfind(";", 0, start) + 1
    )
    right_candidates = [i for i in (text.find("\n", end), text.find(". ", end)) if i >= 0]
    return left, min(right_candidates) if right_candidates else len(text)


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]


def is_index_patient(text: str, age: AgeMention, vocab: Vocabulary) -> bool:
    """False for ages of relatives, of populations and of ranges ("older than 50 years")."""
    s = vocab.settings
    sent_start, sent_end = _sentence_bounds(text, age.start, age.end)
    before = [w.lower() for w in _WORD.findall(text, sent_start, age.start)]
    # the first three words after the age (not every word to the sentence's end)
    after = [m.group().lower() for m in islice(_WORD.finditer(text, age.end, sent_end), 3)]
    last_two = " ".join(before[-2:])
    cues = s["before_exclusions"]
    if before and (before[-1] in cues or last_two in cues):
        return False
    if before and before[-1] in s["population_nouns"]:
        return False
    if any(w in s["population_nouns"] for w in after[:2]):
        return False
    sentence_initial = all(w in ("a", "an", "the", "our") for w in before)
    if not sentence_initial and any(w in s["other_persons"] for w in after[:2]):
        return False
    # A weak "at the age of 1 month" names whoever the sentence is about: any relative excludes.
    window = before if age.weak else before[-5:]
    return not any(w.rstrip("'’s") in s["other_persons"] for w in window)


def sex_near(text: str, age: AgeMention, vocab: Vocabulary) -> tuple[str, int, int] | None:
    """A sex word right after the age ("65-year-old Caucasian woman") or just before it
    ("a woman aged 45")."""
    stops = vocab.settings["window_stop_words"]
    sent_start, sent_end = _sentence_bounds(text, age.start, age.end)
    for word, ws, we in _words(text[age.end : sent_end])[:6]:
        low = word.lower()
        if low in stops:
            break
        if low in vocab.sex_of:
            return vocab.sex_of[low], age.end + ws, age.end + we
    for word, ws, we in reversed(_words(text[sent_start : age.start])[-4:]):
        if word.lower() in vocab.sex_of:
            return vocab.sex_of[word.lower()], sent_start + ws, sent_start + we
    return None


def sex_in_case(
    text: str, spans: list[tuple[int, int]], vocab: Vocabulary
) -> tuple[str, int, int] | None:
    """Sex from "a [..] woman" in the case text, else from a clear pronoun majority there."""
    sex_words = _alternation(list(vocab.sex_of))
    phrase = re.compile(rf"\b(?:an?|the)\s+(?:[a-z-]+\s+){{0,3}}?(?P<sex>{sex_words})\b", re.I)
    for start, end in spans:
        m = phrase.search(text, start, end)
        if m:
            return vocab.sex_of[m.group("sex").lower()], m.start("sex"), m.end("sex")
    counts: dict[str, int] = {}
    first: dict[str, tuple[int, int]] = {}
    pronouns = re.compile(rf"\b(?:{_alternation(list(vocab.pronoun_of))})\b", re.I)
    for start, end in spans:
        for m in pronouns.finditer(text, start, end):
            sex = vocab.pronoun_of[m.group(0).lower()]
            counts[sex] = counts.get(sex, 0) + 1
            first.setdefault(sex, (m.start(), m.end()))
    if not counts:
        return None
    best = max(counts, key=lambda k: counts[k])
    other = sum(v for k, v in counts.items() if k != best)
    s = vocab.settings
    if counts[best] >= s["pronoun_min_count"] and counts[best] >= s["pronoun_min_ratio"] * other:
        return best, *first[best]
    return None


def _section_spans(doc: Doc, kind: str) -> list[tuple[int, int]]:
    sections = doc_sections(doc) or [
        {"kind": "case", "start_char": 0, "end_char": len(doc_text(doc))}
    ]
    return [(s["start_char"], s["end_char"]) for s in sections if s["kind"] == kind]


def _kind_at(doc: Doc, char: int) -> str:
    for sec in doc_sections(doc) or []:
        if sec["start_char"] <= char < sec["end_char"]:
            return sec["kind"]
    return "case"


def find_patient(doc: Doc, vocab: Vocabulary) -> dict[str, Any]:
    """The ``doc._.patient`` value for ``doc``."""
    text = doc_text(doc)
    rank = vocab.settings["section_rank"]
    candidates = []
    for age in find_ages(text, vocab):
        kind = _kind_at(doc, age.start)
        if kind not in rank or not is_index_patient(text, age, vocab):
            continue
        candidates.append((rank[kind] + (len(rank) if age.weak else 0), age.start, age))
    result: dict[str, Any] = {
        "age": None,
        "sex": None,
        "sex_start_char": None,
        "sex_end_char": None,
    }
    sex = None
    if candidates:
        age = min(candidates, key=lambda c: (c[0], c[1]))[2]
        result["age"] = {
            "value": age.value,
            "unit": age.unit,
            "start_char": age.start,
            "end_char": age.end,
        }
        sex = sex_near(text, age, vocab)
    if sex is None:
        spans = _section_spans(doc, "case") or _section_spans(doc, "abstract")
        sex = sex_in_case(text, spans, vocab)
    if sex is not None:
        result["sex"], result["sex_start_char"], result["sex_end_char"] = sex
    return result


class PatientFinder:
    """Writes ``doc._.patient``."""

    def __init__(self, nlp: Language, name: str, patterns_dir: str | None = None) -> None:
        register_extensions()
        self.name = name
        self.patterns_dir = str(patterns_dir or PATTERNS.parent)
        self.vocab = load_vocabulary(patterns_dir)

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        """spaCy's ``nlp.to_disk``: the pattern files this component was built from."""
        copy_pattern_files(self.patterns_dir, path)

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> "PatientFinder":
        """spaCy's ``spacy.load``: rebuild from the pattern files ``to_disk`` wrote."""
        self.patterns_dir = str(path)
        self.vocab = load_vocabulary(self.patterns_dir)
        return self

    def __call__(self, doc: Doc) -> Doc:
        try:
            doc._.patient = find_patient(doc, self.vocab)
        except Exception as exc:  # never lose a document over demographics: say so, go on
            record_failure(doc, self.name, exc)
            doc._.patient = {"age": None, "sex": None, "sex_start_char": None, "sex_end_char": None}
        return doc


@Language.factory(
    "caseminer_patient",
    assigns=["doc._.patient"],
    requires=["doc._.sections"],
    default_config={"patterns_dir": None},
)
def make_patient(nlp: Language, name: str, patterns_dir: str | None) -> PatientFinder:
    """Factory for ``nlp.add_pipe("caseminer_patient")``; ``patterns_dir`` overrides the
    packaged patient vocabulary."""
    return PatientFinder(nlp, name, patterns_dir)
