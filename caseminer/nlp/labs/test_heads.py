"""Results of tests that are not in the analyte catalogue ("gait was normal", "normal sinus
rhythm", "coronary angiography was normal", "the postoperative course was uneventful").

Case reports state many results in words about examinations, functions and studies that no
analyte catalogue lists; annotators (and readers) count them as results. A result word becomes
such a LAB item only when the sentence treats a noun phrase as the thing tested, in one of three
shapes, all in the same clause:

- predicative: ``<test> was|were|remained|appeared ... <result>``  (the test is the subject)
- verb: ``<test> improved|deteriorated|normalized``                 (a trend verb after its subject)
- attributive: ``<result> <test>`` or ``<result> for <test>``        ("normal sinus rhythm")

The test as written becomes the analyte, with category "other". Pronouns, people, histories,
doses and treatments are never tests (``subject_stop``/``object_stop`` in
``caseminer/patterns/labs/tests.json``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from caseminer.nlp.labs.catalogue import Analyte, AnalyteMention, trie_alternation
from caseminer.nlp.labs.scan import finditer_at, token_spans
from caseminer.nlp.labs.values import ValueMention
from caseminer.patterns import read_json

_ATTACHED_TEST = re.compile(r"(?<![\w-])[A-Za-z0-9][\w/]*(?:-[A-Za-z0-9][\w/]*)*$")
_ALLY_END = re.compile(r"([A-Za-z]+ally)\s+$")
_FOR = re.compile(r"\s+for\s+")
#: word characters and whitespace: every character a ``copula_end`` match holds (a test checks
#: the copulas and adverbs are letters and spaces)
_WORDS_RUN = re.compile(r"[\w\s]*")
_TOKEN = re.compile(r"[A-Za-z0-9][\w'’/+-]*|[^\w\s]")
#: ``_TOKEN`` in one group, for ``scan.token_spans``
_TOKEN_SPLIT = re.compile(r"([A-Za-z0-9][\w'’/+-]*|[^\w\s])")


@dataclass(frozen=True)
class HeadVocab:
    """What makes a noun phrase a test (``test_heads`` in tests.json)."""

    heads: frozenset[str]
    generic: frozenset[str]
    suffixes: tuple[str, ...]
    suffix_exceptions: frozenset[str]
    breaks: frozenset[str]
    conjunctions: frozenset[str]
    marker_re: re.Pattern[str]
    polar: frozenset[str]

    def is_head(self, word: str, *, polar: bool = False) -> bool:
        """A single word that names a test ("examination", "angiography", "CD34" when polar)."""
        w = word.lower().strip("’'")
        if w in self.heads or (w.endswith("s") and w[:-1] in self.heads):
            return True
        if w not in self.suffix_exceptions and w.endswith(self.suffixes):
            return True
        return polar and self.marker_re.match(word) is not None

    def names_a_test(self, words: list[str], *, polar: bool = False) -> bool:
        """Whether a noun phrase (its words in order) names a test, not a body part or a disease.

        The head is the last word before the first preposition or participle ("movements of the
        pharynx" -> movements), in each conjunct ("gait and tandem gait"). A generic head
        ("studies", "findings", "results of ...") counts only with a modifier or an of-phrase that
        is itself a test ("MRI findings", "results of nasopharyngeal endoscopy").
        """
        if words and not self._generic(words[-1]) and self.is_head(words[-1], polar=polar):
            return True  # "porphyrin in 24-h urine": the phrase ends in a specimen or a test
        for part in self._conjuncts(words):
            cut = next((i for i, w in enumerate(part) if i and w.lower() in self.breaks), len(part))
            main, rest = part[:cut], part[cut + 1 :]
            if main and main[0].lower() in self.breaks:
                continue  # "during the following weeks": an adverbial, not the subject
            if self._head_is_test(main, rest, polar):
                return True
        return False

    def _head_is_test(self, main: list[str], rest: list[str], polar: bool) -> bool:
        if not main:
            return False
        if self._generic(main[-1]):
            if any(self.is_head(w, polar=polar) for w in main[:-1]):
                return True  # "MRI findings", "laboratory parameters"
            return bool(rest) and self.names_a_test(rest, polar=polar)  # "results of X"
        return self.is_head(main[-1], polar=polar)

    def _generic(self, word: str) -> bool:
        w = word.lower()
        return w in self.generic or (w.endswith("s") and w[:-1] in self.generic)

    def _conjuncts(self, words: list[str]) -> list[list[str]]:
        parts: list[list[str]] = [[]]
        for w in words:
            if w.lower() in self.conjunctions or w == ",":
                parts.append([])
            else:
                parts[-1].append(w)
        return parts


@dataclass(frozen=True)
class TestVocab:
    """The compiled vocabularies of tests.json."""

    copula_end: re.Pattern[str]
    verb_results: frozenset[str]
    attributive: frozenset[str]
    boundaries: frozenset[str]
    drop_leading: frozenset[str]
    subject_stop: frozenset[str]
    object_stop: frozenset[str]
    np_stop: frozenset[str]
    adverbs: str
    max_subject_words: int
    max_object_words: int
    not_test_results: frozenset[str]
    domain_adverbs: frozenset[str]
    attached_re: re.Pattern[str]
    attached_not_tests: frozenset[str]
    attached_stop_after: re.Pattern[str]
    stage_re: re.Pattern[str]
    stage_letter: str
    stage_name: str
    head: HeadVocab
    # "(\s+<adverb>)*\s+$": what ends a subject before a trend verb, compiled once
    adverbs_end: re.Pattern[str] | None = None


def load_test_vocab(patterns_dir: str | Path | None = None) -> TestVocab:
    """Read tests.json of ``patterns_dir`` (None: the packaged one) and compile it."""
    v = read_json("labs", "tests.json", patterns_dir)
    adverbs = trie_alternation(v["adverbs"], case_insensitive=True)
    copulas = trie_alternation(v["copulas"], case_insensitive=True)
    # "<subject> was (found to be) (completely) " right before the result word
    copula_end = re.compile(
        rf"(?i)(?<![\w-])(?P<cop>{copulas})(?:\s+(?:to\s+be|as))?(?:\s+(?:{adverbs}))*\s+$"
    )

    def low(key: str) -> frozenset[str]:
        return frozenset(w.lower() for w in v[key])

    return TestVocab(
        copula_end=copula_end,
        verb_results=low("verb_results"),
        attributive=low("attributive_results"),
        boundaries=low("subject_boundaries"),
        drop_leading=low("subject_drop_leading"),
        subject_stop=low("subject_stop"),
        object_stop=low("object_stop"),
        np_stop=low("np_stop"),
        adverbs=adverbs,
        max_subject_words=int(v["max_subject_words"]),
        max_object_words=int(v["max_object_words"]),
        not_test_results=low("not_test_results"),
        domain_adverbs=low("domain_adverbs"),
        attached_re=re.compile(
            r"-"
            rf"(?P<res>(?i:{trie_alternation(v['attached_results'], case_insensitive=True)}))"
            r"(?=\s*(?:[,.;:)\]]|\b(?:and|or|but|in|on|with)\b|$))"
        ),
        attached_not_tests=low("attached_not_tests"),
        attached_stop_after=re.compile(
            rf"\s+(?i:{trie_alternation(v['attached_stop_after'], case_insensitive=True)})\b"
        ),
        stage_re=re.compile(v["stage_regex"]),
        stage_letter=v["stage_letter"],
        stage_name=v["stage_name"],
        head=_head_vocab(v["test_heads"]),
        adverbs_end=re.compile(rf"(?i)(?:\s+(?:{adverbs}))*\s+$"),
    )


def _head_vocab(h: dict) -> HeadVocab:
    def low(key: str) -> frozenset[str]:
        return frozenset(w.lower() for w in h[key])

    return HeadVocab(
        heads=low("heads"),
        generic=low("generic"),
        suffixes=tuple(w.lower() for w in h["suffixes"]),
        suffix_exceptions=low("suffix_exceptions"),
        breaks=low("breaks"),
        conjunctions=low("conjunctions"),
        marker_re=re.compile(h["marker_regex"]),
        polar=low("polar_results"),
    )


def other_test(
    start: int, end: int, text: str, name: str | None = None, category: str = "other"
) -> AnalyteMention:
    """An analyte mention for a test that is not in the catalogue (category "other" unless the
    rule that found it knows better: "pathology" for a marker)."""
    name = name or " ".join(text.split())
    a = Analyte(
        name=name,
        synonyms=(),
        abbreviations=(),
        loinc=None,
        units=(),
        ucum_units=frozenset(),
        ref_low=None,
        ref_high=None,
        ref_unit=None,
        category=category,
        qualitative=True,
    )
    return AnalyteMention(start, end, text, a)


def find_test_for(text: str, r: ValueMention, sent_start: int, sent_end: int, vocab: TestVocab):
    """The (test mention, rule) a result word ``r`` reports on, or None when no test anchors it."""
    phrase = r.qualitative or ""
    polar = phrase in vocab.head.polar
    found = domain_adverb(text, r.start, vocab)
    if found is not None:
        return found, "prose_domain_result"
    found = _subject_before(text, r.start, sent_start, vocab, copula=True, polar=polar)
    if found is not None:
        return found, "prose_test_result"
    if phrase in vocab.verb_results:
        found = _subject_before(text, r.start, sent_start, vocab, copula=False)
        if found is not None:
            return found, "prose_test_trend"
    if phrase in vocab.attributive:
        found = _object_after(text, r.end, sent_end, vocab, polar=polar)
        if found is not None:
            return found, "prose_result_test"
    return None


def _subject_before(
    text, pos, sent_start, vocab: TestVocab, *, copula: bool, polar=False, any_head=False
):
    """The noun phrase before '<copula> [adverbs]' (or before the trend verb) at ``pos``."""
    window_start = max(sent_start, pos - 160)
    head = text[window_start:pos]
    if copula:
        # every match ends with whitespace (``\s+$``): else no search of the window; and a
        # match is words and whitespace only, so it starts inside the last run of those
        m = None
        if head[-1:].isspace():
            run = _WORDS_RUN.match(head[::-1])  # that run, read backwards (never None)
            m = vocab.copula_end.search(head, len(head) - run.end())
        if m is None:
            return None
        subj_end = window_start + m.start()
    else:
        adverbs_end = vocab.adverbs_end or re.compile(rf"(?i)(?:\s+(?:{vocab.adverbs}))*\s+$")
        m = adverbs_end.search(head)
        subj_end = window_start + (m.start() if m else len(head))
    toks = token_spans(_TOKEN_SPLIT, text, window_start, subj_end)
    words = _clause_tail(_skip_aside(toks), vocab)
    words.reverse()
    while words and words[0][2].lower() in vocab.drop_leading:
        words.pop(0)
    if not words or len(words) > vocab.max_subject_words:
        return None
    last = words[-1][2].lower()
    if last in vocab.subject_stop or any(w.lower() in vocab.subject_stop for _, _, w in words[:1]):
        return None
    if not any(ch.isalpha() for ch in last) or last in vocab.np_stop:
        return None
    if not any_head and not vocab.head.names_a_test([w for _, _, w in words], polar=polar):
        return None  # "the soft tissues were normal": a body part is not a test
    s, e = words[0][0], words[-1][1]
    return other_test(s, e, text[s:e])


def _skip_aside(toks: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Drop an aside right before the verb: "X (Fig. 2) was", "X, as well as Y, were"."""
    if toks and toks[-1][2] == ")":
        depth = 0
        for k in range(len(toks) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(toks[k][2], 0)
            if depth == 0:
                return toks[:k]
        return toks
    if toks and toks[-1][2] == ",":
        for k in range(len(toks) - 2, -1, -1):
            if toks[k][2] in (",", ";", ":", "(", ")"):
                return toks[:k] if toks[k][2] == "," else toks
        return toks
    return toks


def _clause_tail(toks: list[tuple[int, int, str]], vocab: TestVocab) -> list[tuple[int, int, str]]:
    """The words from the clause boundary to the end of ``toks`` (walking backwards)."""
    words: list[tuple[int, int, str]] = []
    for s, e, w in reversed(toks):
        lw = w.lower()
        if not w[0].isalnum() and w not in ("-", "/", "’", "'"):
            break  # punctuation ends the clause: , ; : ( )
        if lw in vocab.boundaries or (words and _is_verb_like(lw)):
            break
        words.append((s, e, w))
        if len(words) > vocab.max_subject_words + 3:
            break
    return words


def domain_adverb(text: str, pos: int, vocab: TestVocab):
    """ "haemodynamically stable", "clinically stable": the adverb names what was assessed."""
    before = text[max(0, pos - 30) : pos]
    # a match is "...ally" and whitespace to the end: else no search of the 30 characters
    m = _ALLY_END.search(before) if before.rstrip().endswith("ally") else None
    if m is None or m.group(1).lower() not in vocab.domain_adverbs:
        return None
    s = pos - len(m.group(0))
    return other_test(s, s + len(m.group(1)), m.group(1))


def _is_verb_like(w: str) -> bool:
    """A finite verb inside a would-be subject ends it ("X was performed and Y was normal")."""
    return w in {"was", "were", "is", "are", "showed", "revealed", "demonstrated", "had", "has"}


def _object_after(text, pos, sent_end, vocab: TestVocab, *, polar: bool = False):
    """The noun phrase right after an attributive result word ("normal sinus rhythm")."""
    m = _FOR.match(text[pos : pos + 6])
    start = pos + (m.end() if m else 0)
    words: list[tuple[int, int, str]] = []
    for t in _TOKEN.finditer(text, start, min(sent_end, start + 80)):
        w = t.group()
        if not w[0].isalnum():
            break
        if w.lower() in vocab.np_stop or w[0].isdigit():
            break
        if words and text[words[-1][1] : t.start()].strip():
            break
        words.append((t.start(), t.end(), w))
        if len(words) >= vocab.max_object_words:
            break
    if not words or text[pos : words[0][0]].count("\n"):
        return None
    heads = [w.lower() for _, _, w in words[:2]]
    if any(h in vocab.object_stop for h in heads) or " ".join(heads) in vocab.object_stop:
        return None
    names = [w for _, _, w in words]
    # "negative for X": X is what was tested for, a marker (CD20, AFP) or an organism
    # (Cryptococcus); "negative for malignant behavior" names neither
    tested_for = m is not None and (names[0][0].isupper() or any(c.isdigit() for c in names[0]))
    if not tested_for and not vocab.head.names_a_test(names, polar=polar or m is not None):
        return None  # "normal soft tissues", "negative to malignant behavior"
    s, e = words[0][0], words[-1][1]
    return other_test(s, e, text[s:e])


def find_attached_results(text: str, lo: int, hi: int, vocab: TestVocab):
    """ "catalase-negative", "CD34-positive", "T3N1M0": results written onto their test.

    Yields (test mention, result mention, rule); the result word's interpretation is left to the
    caller, which knows the result vocabulary.
    """
    for m in vocab.attached_re.finditer(text, lo, hi):
        # the test is the (hyphenated) word the result is written onto; scanning for "-negative"
        # first and reading the word backwards is much faster than a regex over every word
        t = _ATTACHED_TEST.search(text, max(lo, m.start() - 60), m.start())
        if t is None or (
            t.start() > 0 and (text[t.start() - 1].isalnum() or text[t.start() - 1] in "_-")
        ):
            continue
        test = t.group()
        if len(test) < 2 or test.lower() in vocab.attached_not_tests:
            continue
        if vocab.attached_stop_after.match(text, m.end()):
            continue  # "Gram-positive cocci": an organism's description, not a result
        a = other_test(t.start(), t.end(), test)
        r = ValueMention(m.start("res"), m.end("res"), m.group("res"))
        r.qualitative = m.group("res").lower()
        yield a, r, "prose_attached_result"
    for m in finditer_at(vocab.stage_re, text, stage_starts(text, lo, hi, vocab), hi):
        a = other_test(m.start(), m.end(), m.group(), name=vocab.stage_name)
        r = ValueMention(m.start(), m.end(), m.group())
        yield a, r, "prose_stage"


def stage_starts(text: str, lo: int, hi: int, vocab: TestVocab) -> list[int]:
    """Sorted offsets in text[lo:hi] where a stage_regex match can start: at each
    ``stage_letter`` ("T" of "pT2N0M0") and the character before it (the optional prefix).

    Why: stage_regex opens with a lookbehind, so ``finditer`` ran it at every character; the
    letter is found by ``str.find`` in C and the pattern tried only there.
    """
    starts: list[int] = []
    letter = vocab.stage_letter
    t = text.find(letter, lo, hi)
    while t >= 0:
        if t > lo and (not starts or starts[-1] < t - 1):
            starts.append(t - 1)
        starts.append(t)
        t = text.find(letter, t + 1, hi)
    return starts


def subject_before(text: str, pos: int, sent_start: int, vocab: TestVocab) -> AnalyteMention | None:
    """The marker named as the subject of "was expressed" ("EMA and adipophilin were expressed");
    the verb says the subject is a gene or protein, so any noun phrase head is accepted."""
    return _subject_before(text, pos, sent_start, vocab, copula=True, any_head=True)
