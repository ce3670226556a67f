"""Pure text functions behind the imaging extractor: which modality terms are studies, and what the
sentence around a study says about it (body sites, side, planes, sequences, contrast, findings).

They take plain strings and character offsets so they can be tested without spaCy. A sentence can
name several studies ("Ultrasonography and computed tomography (CT) revealed ..."): mentions joined
only by "and", "/", commas or parentheses form one *group* that shares the words before and after
it; the rest of the sentence is split between groups, so each study only reads its own part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from caseminer.nlp.casefold import fold
from caseminer.nlp.imaging.rule_gates import boundary_first, has_digit, needs_digit
from caseminer.nlp.imaging.triggers import words_of
from caseminer.nlp.imaging.vocab import (
    Gate,
    StudyMatch,
    Vocabulary,
    applicable,
    matched_values,
    modality_rules_in,
)
from caseminer.nlp.regex_tree import first_words, sre_c, sre_parse

_DEF_RE = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9/\-]{0,9})\s*[),;]")
_WORD_RE = re.compile(r"[A-Za-z0-9]+")
_PRE_STOP = re.compile(
    r"[.,;:()\[\]]|\b(?:a|an|the|by|on|in|with|and|of|at|for|to|was|were|is|are|showed|revealed|"
    r"demonstrated|underwent|performed|than|from)\b",
    re.IGNORECASE,
)
_SITE_LEAD = re.compile(
    r"\s*(?:scans?|scanning|images?|imaging|examination|study)?\s*(?:of|on|in)\b", re.IGNORECASE
)
# find_finding's wording tests, compiled once (the re module's cache is a lookup per call)
_FINDING_LEAD = re.compile(r"\s*(?:scans?|images?|imaging|examination|study)?\s*,\s*")
_ON_STUDY = re.compile(r"(?:^|\b(?:on|in|at))\s*(?:the\s+)?[\w-]*\s*$", re.I)
_SENTENCE_STOP = re.compile(r"[.;]")
_WAS_WERE = re.compile(r"(?:was|were)\s", re.I)
_FIRST_WORD = re.compile(r"\w+\s+")
# the copula or adverb a passive finding's text ends on ("<finding> was seen on CT")
_PASSIVE_TAIL = re.compile(r"\b(?:was|were|is|are|be|been|clearly|also|well)$")
_PASSIVE_TAIL_LONGEST = len("clearly")
_ADJECTIVE_END = re.compile(r"(?:ic|ical)$")
_TRAILING_REFS = re.compile(r"(?:[\s,;.]*\((?:fig|figure|table)[^)]*\))+[\s.;,]*$", re.IGNORECASE)


# ----------------------------------------------------------------------------- which terms count
def abbreviation_definitions(
    text: str, vocab: Vocabulary, only: set[str] | None = None
) -> dict[str, set[str]]:
    """For each parenthesised short form, how the text defines it: {"imaging"} and/or {"other"}.

    "computed tomography (CT)" makes CT an imaging abbreviation in this document; "clotting time
    (CT)" makes it something else, and then a bare "CT" needs imaging context to count.
    ``only``: the short forms that will be looked up (the surfaces of the modality terms), when
    known; the others ("(n = 5)", "(IgG)") are skipped, each key's answer being its own.
    """
    defs: dict[str, set[str]] = {}
    for m in _DEF_RE.finditer(text):
        abbr = m.group(1)
        if only is not None and abbr not in only:
            continue
        before = text[max(0, m.start() - 80) : m.start()].rstrip()
        tail = before[-50:]
        # the long-form rules that can match in the tail (the rest cannot: their first words
        # are not in it)
        long_rules = [r for r in modality_rules_in(tail, vocab) if not r.is_abbreviation]
        if any((hit := r.regex.search(tail)) and hit.end() >= len(tail) - 25 for r in long_rules):
            defs.setdefault(abbr, set()).add("imaging")
            continue
        letters = re.sub(r"[^A-Za-z]", "", abbr).upper()
        words = _WORD_RE.findall(before)[-len(letters) :] if letters else []
        if letters and len(words) == len(letters):
            initials = "".join(w[0] for w in words).upper()
            if initials == letters:
                defs.setdefault(abbr, set()).add("other")
    return defs


def _is_definition_of_other(text: str, m: StudyMatch, defs: dict[str, set[str]]) -> bool:
    """The mention is the short form in "<non-imaging long form> (CT)"."""
    return (
        text[max(0, m.start - 2) : m.start].strip() == "("
        and "other" in defs.get(text[m.start : m.end], set())
        and "imaging" not in defs.get(text[m.start : m.end], set())
    )


def has_imaging_context(text: str, m: StudyMatch, vocab: Vocabulary) -> bool:
    """An ambiguous short form ("US", "OCT") reads as a study: a site or study word stands just
    before it ("breast US", "follow-up US"), or a study word or finding verb just after it."""
    before = text[max(0, m.start - 30) : m.start]
    words = _WORD_RE.findall(before)
    prev = words[-1] if words else ""
    prev2 = " ".join(words[-2:])
    # a site rule can only match the words if one of its first words is among them
    sites = applicable(vocab.sites, prev2)
    if prev and (
        vocab.cues["gate_context_before"].fullmatch(prev)
        or any(rule.regex.fullmatch(prev) or rule.regex.fullmatch(prev2) for rule in sites)
    ):
        return True
    return bool(vocab.cues["gate_context_after"].search(text[m.end : m.end + 40]))


def accept(text: str, m: StudyMatch, vocab: Vocabulary, defs: dict[str, set[str]]) -> bool:
    """Whether a raw modality term is an imaging study mention in this text."""
    if vocab.cues["exclude_after"].search(text[m.end : m.end + 12]):
        return False  # "CT-guided biopsy" is a procedure; "CT-1" is a name
    before = text[max(0, m.start - 30) : m.start]
    if vocab.cues["exclude_before"].search(before):
        return False  # "under fluoroscopy": guidance of a procedure, not a study
    surface = text[m.start : m.end]
    if _ADJECTIVE_END.search(surface) and not vocab.cues["adjective_needs_noun"].match(
        text[m.end : m.end + 50]
    ):
        return False  # "radiographic differential", "echocardiographic findings": no study
    if m.rule.is_abbreviation:
        if _is_definition_of_other(text, m, defs):
            return False
        kinds = defs.get(surface, set())
        if "other" in kinds and "imaging" not in kinds:
            return has_imaging_context(text, m, vocab)
    gate = m.rule.gate
    if gate is Gate.GENERIC:
        return not (
            vocab.cues["generic_exclude_after"].search(text[m.end : m.end + 30])
            or vocab.cues["generic_exclude_before"].search(before)
        )
    if gate is Gate.GUIDANCE and vocab.cues["guidance_before"].search(before):
        return False
    if gate is Gate.CONTEXT:
        return "imaging" in defs.get(surface, set()) or has_imaging_context(text, m, vocab)
    if gate is Gate.ECHO:
        if vocab.cues["echo_exclude_before"].search(text[max(0, m.start - 12) : m.start]):
            return False
        if surface.islower():
            return has_imaging_context(text, m, vocab)
    return True


def merge_modes(text: str, mentions: list[StudyMatch], vocab: Vocabulary) -> list[StudyMatch]:
    """Drop a Doppler mention that is a mode of the ultrasound or echo just before it
    ("abdominal ultrasound with Doppler studies" is one study)."""
    kept: list[StudyMatch] = []
    for m in mentions:
        prev = kept[-1] if kept else None
        if (
            prev is not None
            and "Doppler" in m.modality
            and prev.modality in ("ultrasound", "echocardiography", "Doppler ultrasound")
            and vocab.cues["merged_mode_gap"].match(text[prev.end : m.start])
        ):
            continue
        kept.append(m)
    return kept


def split_hybrids(text: str, mentions: list[StudyMatch], vocab: Vocabulary) -> list[StudyMatch]:
    """Split a slash-joined hybrid study ("PET/CT", "positron emission tomography/computed
    tomography") into its two named modalities, as annotators mark them; a hyphenated hybrid
    ("PET-CT") stays one study. Each part keeps a rule whose modality is what the part names.
    """
    out: list[StudyMatch] = []
    for m in mentions:
        surface = text[m.start : m.end]
        slash = surface.find("/")
        if not vocab.cues["hybrid_rules"].fullmatch(m.rule.id) or slash <= 0:
            out.append(m)
            continue
        for a, b in ((0, slash), (slash + 1, len(surface))):
            part = surface[a:b]
            lead = len(part) - len(part.lstrip())
            part = part.strip()
            if not part:
                continue
            modality = next(
                (r.modality for r in vocab.modalities if r.regex.fullmatch(part)), m.modality
            )
            rule = replace(m.rule, id=f"{m.rule.id}_part", modality=modality)
            out.append(StudyMatch(m.start + a + lead, m.start + a + lead + len(part), rule))
    return out


def drop_umbrella_terms(
    text: str, mentions: list[StudyMatch], vocab: Vocabulary
) -> list[StudyMatch]:
    """Drop generic "imaging" mentions from a sentence that names a specific study.

    "Imaging studies were taken, and ... x rays", "MR imaging", "Detailed imaging studies of both
    MRI and CT": the generic word is an umbrella over (or part of) the named study, not a study of
    its own, unless the specific studies are listed as its members ("Brain imaging including CT
    and MRI", "imaging (CT)"). A sentence with only the generic word ("despite negative
    imaging", "Cross-sectional imaging revealed a mass") reports a study of unnamed modality and
    keeps it.
    """
    if all(m.rule.gate is Gate.GENERIC for m in mentions):
        return mentions
    return [
        m
        for m in mentions
        if m.rule.gate is not Gate.GENERIC
        or vocab.cues["umbrella_keep"].match(text[m.end : m.end + 20])
    ]


# ----------------------------------------------------------------------------- grouping
@dataclass
class StudyGroup:
    """Mentions that share one stretch of a sentence, and that stretch's bounds."""

    mentions: list[StudyMatch]
    seg_start: int = 0
    seg_end: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return self.mentions[0].start

    @property
    def end(self) -> int:
        return self.mentions[-1].end


def group_mentions(
    text: str, mentions: list[StudyMatch], sent_start: int, sent_end: int, vocab: Vocabulary
) -> list[StudyGroup]:
    """Group the mentions of one sentence and give each group its segment of the sentence."""
    groups: list[StudyGroup] = []
    for m in mentions:
        if groups and vocab.cues["coordination_gap"].match(text[groups[-1].end : m.start]):
            groups[-1].mentions.append(m)
        else:
            groups.append(StudyGroup([m]))
    for i, g in enumerate(groups):
        g.seg_start = groups[i - 1].end if i else sent_start
        g.seg_end = groups[i + 1].start if i + 1 < len(groups) else sent_end
    return groups


# ----------------------------------------------------------------------------- attributes
def _site_windows(text: str, group: StudyGroup, vocab: Vocabulary) -> tuple[str, str]:
    """The words that can name the imaged site: just before the group and up to the first stop
    after it ("abdominal CT", "CT of the chest and abdomen revealed")."""
    pre = text[max(group.seg_start, group.start - 40) : group.start]
    stops = list(_PRE_STOP.finditer(pre))
    if stops:
        pre = pre[stops[-1].end() :]
    post = text[group.end : min(group.seg_end, group.end + 80)]
    lead = _SITE_LEAD.match(post)  # "CT scan of the chest": the site phrase starts after "of"
    if lead:
        post = post[lead.end() :]
    stops = [vocab.cues["site_stop"].search(post), cue_search(vocab, "finding_verbs", post)]
    ends = [m.start() for m in stops if m]
    if ends:
        post = post[: min(ends)]
    return pre, post


def laterality(text: str, vocab: Vocabulary, words: set[str] | None = None) -> str | None:
    """left/right/bilateral named in ``text`` (both sides named -> bilateral; ``words``: the
    text's words, when the caller has them)."""
    sides = set(matched_values(vocab.laterality, text, words))
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    return next(iter(sides), None)


def contrast(text: str, vocab: Vocabulary, words: set[str] | None = None) -> bool | None:
    """True with contrast, False explicitly without, None when the text does not say.

    "non-contrast-enhanced" contains "contrast-enhanced": negative wording is found first and
    masked, so only what is left can say "with contrast". Only rules that can match in the
    text are tried (``applicable``; the masked text's words are a subset of the text's, since
    every match is bounded by non-word characters). ``words``: the text's words, if known.
    """
    rules = applicable(vocab.contrast, text, words)
    masked = text
    negative = False
    for rule in rules:
        if rule.value is False:
            for m in rule.regex.finditer(text):
                negative = True
                masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]
    if any(rule.regex.search(masked) for rule in rules if rule.value is True):
        return True
    return False if negative else None


def find_finding(text: str, group: StudyGroup, vocab: Vocabulary) -> tuple[int, int] | None:
    """Character bounds of what the study showed, in its segment of the sentence.

    "MRI demonstrated <finding>", "CT scan of the head showed <finding>", or the passive
    "<finding> was identified in x rays".
    """
    post_start = group.end
    post = text[post_start : group.seg_end]
    pre = text[group.seg_start : group.start]
    lead = _FINDING_LEAD.match(post)
    if lead and _ON_STUDY.search(pre):
        return _trim(text, post_start + lead.end(), group.seg_end)  # "On MRI, <finding>"
    verb = cue_search(vocab, "finding_verbs", post[:120])
    if verb and not _SENTENCE_STOP.search(post[: verb.start()]):
        if _WAS_WERE.match(verb.group()):  # "CT was unremarkable"
            first = _FIRST_WORD.match(verb.group())
            return _trim(
                text, post_start + verb.start() + (first.end() if first else 0), group.seg_end
            )
        return _trim(text, post_start + verb.end(), group.seg_end)
    passive = vocab.cues["finding_passive"].search(pre)
    if passive:
        clauses = list(vocab.cues["clause_start"].finditer(pre[: passive.start()]))
        start = group.seg_start + (clauses[-1].end() if clauses else 0)
        end = group.seg_start + passive.start()
        return _trim(text, start, _before_passive_verb(text, end))
    return None


def cue_search(vocab: Vocabulary, name: str, text: str) -> re.Match[str] | None:
    """``vocab.cues[name].search(text)``, answered None without the search when the text holds
    none of the words a match must start with (``_cue_words``). Why: a cue such as
    "finding_verbs" tries dozens of verbs behind look-behinds at every position, and most
    stretches of a sentence hold none of them."""
    regex = vocab.cues[name]
    kept = _CUE_WORDS.get(id(regex))
    if kept is None or kept[0] is not regex:
        # the search is made with ``boundary_first``'s twin: the same matches, found faster
        kept = _CUE_WORDS[id(regex)] = (regex, _cue_words(regex), boundary_first(regex))
    if len(text) <= _CUE_GATE_MIN:
        return kept[2].search(text)  # listing the words of a short text costs more
    words = kept[1]
    if words is not None and words.isdisjoint(words_of(fold(text))):
        return None
    return kept[2].search(text)


_CUE_WORDS: dict[int, tuple[re.Pattern[str], frozenset[str] | None, re.Pattern[str]]] = {}
# texts up to this long are searched without the word gate: folding and listing the words
# of a window of a sentence (the callers pass at most 120 characters) cost more than the
# search the gate would spare (measured on the bench texts: 2.1 ms against 1.4 ms)
_CUE_GATE_MIN = 160


def _cue_words(regex: re.Pattern[str]) -> frozenset[str] | None:
    """The words (lower case) a match of ``regex`` starts with, when it starts at a word
    boundary (``\\b`` before anything that consumes a character) and they can be listed;
    else None. A match then starts a word of the case-folded text (``fold``: exactly the
    characters ``re.IGNORECASE`` takes for an ASCII letter) that is one of them."""
    for op, arg in sre_parse.parse(regex.pattern, regex.flags):
        if op is sre_c.AT and arg is sre_c.AT_BOUNDARY:
            return first_words(regex.pattern, regex.flags)
        if op is not sre_c.ASSERT_NOT:
            return None
    return None


def _before_passive_verb(text: str, end: int) -> int:
    """Where ``text[:end]`` ends once a trailing "was"/"were"/"clearly"/... and the spaces
    around it are cut: ``len(re.sub(r"\\s*\\b(?:was|...)\\s*$", "", text[:end]))``, read
    backwards from ``end`` (the substitution scans and copies the whole text before ``end``,
    once per study: quadratic over a long document)."""
    stop = end
    while stop > 0 and text[stop - 1].isspace():  # str.isspace is the regex's \s
        stop -= 1
    verb = _PASSIVE_TAIL.search(text, max(0, stop - _PASSIVE_TAIL_LONGEST), stop)
    if verb is None:
        return end
    stop = verb.start()
    while stop > 0 and text[stop - 1].isspace():
        stop -= 1
    return stop


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Strip spaces, trailing punctuation and trailing figure references from a finding."""
    chunk = text[start:end]
    ref = _TRAILING_REFS.search(chunk)
    if ref:
        chunk = chunk[: ref.start()]
    left = len(chunk) - len(chunk.lstrip(" \t\n,:;"))
    chunk = chunk.rstrip(" \t\n,.;:")
    if len(chunk) - left < 3:
        return None
    return start + left, start + len(chunk)


def descriptors(finding: str, vocab: Vocabulary) -> list[str]:
    """Normalized descriptors of a finding: "low T1 signal", "heterogeneous", "fluid level",
    "calcification", "enhancement", "mass", "size 3.2 x 2.1 cm", ..."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    digit: bool | None = None  # whether the finding holds a digit, once a rule asks
    for rule in applicable(vocab.descriptors, finding):  # file order: specific rules first
        if needs_digit(rule.pattern, rule.flags):  # "size": it has no first word to look up
            if digit is None:
                digit = has_digit(finding)
            if not digit:
                continue
        for m in rule.regex.finditer(finding):
            if any(m.start() < e and m.end() > s for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.extend((m.start(), d) for d in _describe(rule, m, vocab))
    out: list[str] = []
    for _, d in sorted(found, key=lambda x: x[0]):
        if d and d not in out:
            out.append(d)
    return out


def _describe(rule, m: re.Match[str], vocab: Vocabulary) -> list[str]:
    groups = m.groupdict()
    levels = vocab.levels
    if rule.kind == "signal":
        level = levels.get(groups["level"].lower(), groups["level"].lower())
        return [f"{level} {groups['seq']} signal"]
    if rule.kind == "signal_plain":
        raw = (groups.get("level") or groups.get("level2") or "").lower()
        return [f"{levels.get(raw, raw)} signal"]
    if rule.kind == "heterogeneity":
        word = vocab.heterogeneity.get(groups["level"].lower(), groups["level"].lower())
        seq = groups.get("seq")
        return [word, f"{word} {seq} signal"] if seq else [word]
    if rule.kind == "measure":
        value = re.sub(r"\s+", "", groups["value"])
        return [f"{rule.value} {value}%"]
    if rule.kind == "size":
        size = re.sub(r"\s*[x×*]\s*", " x ", groups["size"]).replace(",", ".")
        return [f"size {size} {groups['unit']}"]
    return [str(rule.value)]


def describe_group(text: str, group: StudyGroup, vocab: Vocabulary) -> dict[str, Any]:
    """The attributes every mention of ``group`` shares (all but modality and rule)."""
    pre, post = _site_windows(text, group, vocab)
    named = " ".join(text[m.start : m.end] for m in group.mentions)  # "coronary angiography"
    site_text = f"{pre} {named} {post}"
    segment = text[group.seg_start : group.seg_end]
    # each text's words are listed once for the four rule sets that read it
    site_words, segment_words = words_of(site_text), words_of(segment)
    finding = find_finding(text, group, vocab)
    findings = []
    if finding:
        f_start, f_end = finding
        findings.append(
            {
                "start_char": f_start,
                "end_char": f_end,
                "descriptors": descriptors(text[f_start:f_end], vocab),
            }
        )
    return {
        "body_sites": [str(s) for s in matched_values(vocab.sites, site_text, site_words)],
        "laterality": laterality(site_text, vocab, site_words),
        "planes": matched_values(vocab.planes, segment, segment_words),
        "sequences": matched_values(vocab.sequences, segment, segment_words),
        "contrast": contrast(segment, vocab, segment_words),
        "findings": findings,
    }
