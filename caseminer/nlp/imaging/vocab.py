"""Imaging vocabularies: load caseminer/patterns/imaging/* and find study mentions in plain text.

Everything the imaging extractor knows (modality names and abbreviations, body sites, planes, MRI
sequences, contrast wording, finding descriptors, cue words) lives in data files; this module only
compiles them. Matching works on characters, not tokens, so it behaves the same whatever tokenizer
the pipeline uses; the component aligns the character spans to tokens afterwards.

Why regexes over characters: modality names are written with free hyphenation and spacing
("X-ray", "x ray", "X rays", "PET/CT", "18F-FDG-PET"), which token patterns would have to spell
out once per tokenizer. Short abbreviations are matched case-sensitively and never inside a word,
so "CT" does not fire in "ECT" or "CTLA-4", nor "US" in "bus".
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property, lru_cache
from pathlib import Path

from caseminer.nlp.imaging.triggers import (
    RuleFilter,
    Triggers,
    cached_triggers,
    candidate_starts,
)
from caseminer.patterns import concern_dir

PATTERNS_DIR = concern_dir("imaging")

# A pattern never starts or ends inside a word or a number.
_LEFT = r"(?<![A-Za-z0-9])"
_RIGHT = r"(?![A-Za-z0-9])"
_NAMED_GROUP = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")


class Gate(str, Enum):
    """The extra test a modality term must pass before it counts as a study (``"gate"`` in
    patterns/imaging/modalities.jsonl; no gate: every match counts). Applied by
    ``caseminer.nlp.imaging.attrs.accept``; the cue regexes named here are in cues.json.
    """

    # A generic study word ("imaging", "scan"): not when it describes literature or a technique
    # (generic_exclude_after / generic_exclude_before), not in the sections the component's
    # ``generic_skip_sections`` names, and dropped beside a specific study it only sums up.
    GENERIC = "generic"
    # A modality that also guides procedures ("fluoroscopy"): not after "under", "using", "via"
    # (guidance_before).
    GUIDANCE = "guidance"
    # An ambiguous short form ("US", "OCT"): only when the text defines it as imaging, or imaging
    # words stand around it (gate_context_before / gate_context_after, a body site before it).
    CONTEXT = "context"
    # "echo": not in "spin echo" and such (echo_exclude_before); lower case needs imaging context.
    ECHO = "echo"


class _LazyRegex:
    """``regex`` compiled on first use from ``pattern`` and ``flags``. Why: most rules never
    match a given document, and the trigger words (triggers.py) say which can, so a fresh
    process compiles only the rules its documents need (compiling all costs more than the first
    document)."""

    pattern: str
    flags: int

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)


@dataclass(frozen=True)
class ModalityRule(_LazyRegex):
    """One modality pattern: a regex, the modality it names, and an optional context gate."""

    id: str
    modality: str
    pattern: str
    flags: int
    gate: Gate | None
    is_abbreviation: bool


@dataclass(frozen=True)
class TermRule(_LazyRegex):
    """A named pattern for an attribute (body site, plane, sequence, contrast, descriptor)."""

    value: object
    pattern: str
    flags: int
    kind: str = ""


@dataclass(frozen=True)
class Vocabulary:
    """All imaging vocabularies, compiled."""

    modalities: tuple[ModalityRule, ...]
    sites: tuple[TermRule, ...]
    planes: tuple[TermRule, ...]
    sequences: tuple[TermRule, ...]
    contrast: tuple[TermRule, ...]
    descriptors: tuple[TermRule, ...]
    cues: dict[str, re.Pattern[str]]
    laterality: tuple[TermRule, ...]
    # first words of the modality rules (triggers.py): where each rule can start
    triggers: Triggers | None = None
    # signal.json: level words ("hypo" -> "low") and heterogeneity stems, for descriptors
    levels: dict[str, str] = field(default_factory=dict)
    heterogeneity: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StudyMatch:
    """A modality mention in text: character offsets, the rule that matched, and its modality."""

    start: int
    end: int
    rule: ModalityRule

    @property
    def modality(self) -> str:
        return self.rule.modality


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _wrapped(pattern: str, case_sensitive: bool) -> dict[str, object]:
    """A rule's ``pattern`` and ``flags``: word-bounded, case-insensitive unless said."""
    return {
        "pattern": f"{_LEFT}(?:{pattern}){_RIGHT}",
        "flags": 0 if case_sensitive else re.IGNORECASE,
    }


def _terms(path: Path, key: str, case_sensitive: bool = False) -> tuple[TermRule, ...]:
    return tuple(
        TermRule(
            value=row.get(key, row.get("label")),
            kind=row.get("kind", ""),
            **_wrapped(row["pattern"], row.get("case_sensitive", case_sensitive)),
        )
        for row in _read_jsonl(path)
    )


# id(rules tuple) -> (the tuple, its filter); the tuples live in the cached Vocabulary
_FILTERS: dict[int, tuple[tuple[TermRule, ...], RuleFilter]] = {}


@lru_cache(maxsize=4)
def load_vocabulary(directory: str | None = None) -> Vocabulary:
    """Load and compile every imaging vocabulary from ``directory`` (default: the packaged one)."""
    base = Path(directory) if directory else PATTERNS_DIR
    rows = _read_jsonl(base / "modalities.jsonl")
    modalities = tuple(
        ModalityRule(
            id=row["id"],
            modality=row["modality"],
            gate=_gate(row),
            **_wrapped(row["pattern"], row.get("case_sensitive", False)),
            is_abbreviation=bool(row.get("case_sensitive", False)),
        )
        for row in rows
    )
    raw_cues = json.loads((base / "cues.json").read_text(encoding="utf-8"))
    laterality = tuple(
        TermRule(value=side, **_wrapped(pat, False))
        for side, pat in raw_cues.pop("laterality").items()
    )
    cues = {name: re.compile(pat, re.IGNORECASE) for name, pat in raw_cues.items()}
    signal = json.loads((base / "signal.json").read_text(encoding="utf-8"))
    rule_sets = {
        "modalities": modalities,
        "sites": _terms(base / "body_sites.jsonl", "site"),
        "planes": _terms(base / "planes.jsonl", "plane"),
        "sequences": _terms(base / "sequences.jsonl", "sequence", case_sensitive=True),
        "contrast": _terms(base / "contrast.jsonl", "contrast"),
        "descriptors": _terms(base / "descriptors.jsonl", "label"),
        "laterality": laterality,
    }
    triggers = cached_triggers(
        {name: [(r.pattern, r.flags) for r in rules] for name, rules in rule_sets.items()},
        sorted(p for p in base.iterdir() if p.is_file()),
    )
    for name, rules in rule_sets.items():
        if name != "modalities":
            _FILTERS[id(rules)] = (rules, RuleFilter([], triggers[name]))
    return Vocabulary(
        **rule_sets,
        cues=cues,
        triggers=triggers["modalities"],
        levels=dict(signal["levels"]),
        heterogeneity=dict(signal["heterogeneity"]),
    )


def _gate(row: dict) -> Gate | None:
    """The row's gate as a ``Gate`` (a misspelt gate fails the load instead of never firing)."""
    if row.get("gate") is None:
        return None
    try:
        return Gate(row["gate"])
    except ValueError:
        known = [g.value for g in Gate]
        message = f"modality rule {row['id']}: unknown gate {row['gate']!r}, known {known}"
        raise ValueError(message) from None


def evaluation_terms_pattern(directory: str | None = None) -> re.Pattern[str]:
    """A regex for "this annotated mention names an imaging study", derived from the imaging
    patterns, for the evaluator's label map (instead of a term list of its own that drifts from
    what the extractor knows): every modality pattern of modalities.jsonl (case-sensitive ones
    stay so: "US", not "us") plus evaluation.json's ``extra_terms``, word-bounded on the left and
    not followed by a word character or "-" ("CT-guided" is not a study).
    """
    base = Path(directory) if directory else PATTERNS_DIR
    alts = []
    for row in _read_jsonl(base / "modalities.jsonl"):
        body = _NAMED_GROUP.sub("(?:", row["pattern"])
        alts.append(f"(?:{body})" if row.get("case_sensitive", False) else f"(?i:{body})")
    extra = json.loads((base / "evaluation.json").read_text(encoding="utf-8"))["extra_terms"]
    literal = sorted({t.lower() for t in extra}, key=len, reverse=True)
    alts.append("(?i:" + "|".join(re.escape(t) for t in literal) + ")")
    return re.compile(f"{_LEFT}(?:{'|'.join(alts)})(?![\\w-])")


def resolve_overlaps(matches: list[StudyMatch]) -> list[StudyMatch]:
    """Keep the longest of overlapping matches (earliest on ties), in text order.

    "positron emission tomography" also contains "tomography"; the study is the longer name.
    The kept matches never overlap, so kept in text order their ends are ordered too: a new
    match can only overlap the last kept one that starts before its end, found by bisection
    (comparing it with every kept match made a document with many mentions quadratic).
    """
    starts: list[int] = []  # of the kept matches, in text order
    chosen: list[tuple[int, StudyMatch]] = []  # (when kept, match), the same order
    for kept, m in enumerate(sorted(matches, key=lambda m: (-(m.end - m.start), m.start))):
        i = bisect_left(starts, m.end)  # chosen[:i] start before m ends
        if i and chosen[i - 1][1].end > m.start:
            continue
        starts.insert(i, m.start)
        chosen.insert(i, (kept, m))
    # text order; matches starting together (only empty ones can) in the order they were kept
    return [m for _, m in sorted(chosen, key=lambda km: (km[1].start, km[0]))]


def find_modality_terms(text: str, vocab: Vocabulary | None = None) -> list[StudyMatch]:
    """Every modality term in ``text`` (no context gates): the raw dictionary view."""
    vocab = vocab or load_vocabulary()
    found: list[StudyMatch] = []
    heads: dict[tuple[int, int, str], tuple[int, int]] = {}
    for rule, m in _rule_matches(text, vocab):
        found.append(StudyMatch(m.start(), m.end(), rule))
        heads[(m.start(), m.end(), rule.id)] = _mention_bounds(m)
    return [
        StudyMatch(*heads[(m.start, m.end, m.rule.id)], m.rule) for m in resolve_overlaps(found)
    ]


def _rule_matches(text: str, vocab: Vocabulary):
    """(rule, match) for every rule, exactly as ``rule.regex.finditer(text)`` would give them,
    ordered by position, then by rule.

    Each rule is tried only at the word starts whose word it can begin with (its triggers, see
    caseminer.nlp.imaging.triggers), from where its previous match ended (finditer's
    non-overlapping semantics); rules without a trigger list run their own ``finditer``.
    """
    rules = vocab.modalities
    triggers = vocab.triggers
    if triggers is None:
        for rule in rules:
            for m in rule.regex.finditer(text):
                yield rule, m
        return
    found: list[tuple[int, int, re.Match[str]]] = []
    resume = [0] * len(rules)
    for pos, indices in candidate_starts(text, triggers):
        for k in indices:
            if pos < resume[k]:
                continue
            m = rules[k].regex.match(text, pos)
            if m is not None:
                resume[k] = m.end() if m.end() > pos else pos + 1
                found.append((pos, k, m))
    for k in triggers.fallback:
        found.extend((m.start(), k, m) for m in rules[k].regex.finditer(text))
    found.sort(key=lambda f: (f[0], f[1]))
    for _, k, m in found:
        yield rules[k], m


def _mention_bounds(m: re.Match[str]) -> tuple[int, int]:
    """The part of a match that is the study mention: the named group ``mention`` when the
    pattern has one and it matched, else the whole match.

    Why: overlaps are resolved on the whole match ("carotid Doppler ultrasound" beats the bare
    "ultrasound"), but annotators mark only the head noun ("ultrasound"), the modifiers being
    details of the study.
    """
    if "mention" in m.re.groupindex and m.start("mention") >= 0:
        return m.start("mention"), m.end("mention")
    return m.start(), m.end()


def applicable(
    rules: tuple[TermRule, ...], text: str, words: set[str] | None = None
) -> list[TermRule]:
    """The rules that can match in ``text`` (those with one of their first words in it), in
    order: trying only these gives the same matches as trying all (see triggers.RuleFilter).
    ``words``: ``words_of(text)`` (or a superset), when the caller has it already."""
    cached = _FILTERS.get(id(rules))
    if cached is None or cached[0] is not rules:
        cached = (rules, RuleFilter([(r.pattern, r.flags) for r in rules]))
        _FILTERS[id(rules)] = cached
    return [rules[i] for i in cached[1].select(text, words)]


def modality_rules_in(text: str, vocab: Vocabulary) -> list[ModalityRule]:
    """The modality rules that can match somewhere in ``text`` (one of their first words is
    in it, or their first words cannot be listed), in rule order: trying only these gives the
    same matches as trying all, and compiles only their regexes."""
    triggers = vocab.triggers
    if triggers is None:
        return list(vocab.modalities)
    # RuleFilter.select over the modality triggers: the same indices as collecting
    # ``rules_for`` of the text's words and the fallback, kept per combination of words
    kept = _MODALITY_FILTERS.get(id(triggers))
    if kept is None or kept[0] is not triggers:
        kept = _MODALITY_FILTERS[id(triggers)] = (triggers, RuleFilter([], triggers))
    return [vocab.modalities[k] for k in kept[1].select(text)]


# id(modality Triggers) -> (the Triggers, a RuleFilter over them); see modality_rules_in
_MODALITY_FILTERS: dict[int, tuple[Triggers, RuleFilter]] = {}


def matched_values(rules: tuple[TermRule, ...], text: str, words: set[str] | None = None) -> list:
    """Values of the rules that match anywhere in ``text``, in order of first occurrence
    (``words``: as for ``applicable``)."""
    hits: list[tuple[int, object]] = []
    for rule in applicable(rules, text, words):
        m = rule.regex.search(text)
        if m:
            hits.append((m.start(), rule.value))
    seen: list = []
    for _, value in sorted(hits, key=lambda h: h[0]):
        if value not in seen:
            seen.append(value)
    return seen
