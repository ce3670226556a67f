"""Numbers of tests that are not in the analyte catalogue: "CSF concentration of 130 nM",
"deceleration time (250 ms)", "E/A ratio 2.1", "serum aldolase was 25 U/L".

A catalogue cannot list every enzyme, ratio or device reading a case report measures. A number
no catalogue analyte took becomes a LAB item (category "other") when the noun phrase right before
it names a test by the same rule as word results (``test_heads`` in tests.json: its head is a test
noun, a -graphy/-ase/-logy word...), and only link words stand between ("was", "of", "(", ":").
Doses, sizes, ages and durations have heads that are not tests (``stop_heads``), so they stay out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from caseminer.nlp.labs.catalogue import AnalyteMention
from caseminer.nlp.labs.results import LabMatch
from caseminer.nlp.labs.scan import token_spans
from caseminer.nlp.labs.test_heads import TestVocab, other_test
from caseminer.nlp.labs.values import ValueMention
from caseminer.patterns import read_json

_TOKEN = re.compile(r"[A-Za-z0-9][\w'’/+–-]*|[^\w\s]")
#: ``_TOKEN`` in one group, for ``scan.token_spans``
_TOKEN_SPLIT = re.compile(r"([A-Za-z0-9][\w'’/+–-]*|[^\w\s])")
_LINK_PUNCT = frozenset({"(", ":", "=", ",", "["})


@dataclass(frozen=True)
class ValueVocab:
    """``test_values`` of tests.json."""

    links: frozenset[str]
    unitless_heads: frozenset[str]
    stop_heads: frozenset[str]
    needs_modifier: frozenset[str]
    max_link_words: int
    max_gap_chars: int


def load_value_vocab(patterns_dir: str | Path | None = None) -> ValueVocab:
    """Read ``test_values`` from tests.json of ``patterns_dir`` (None: the packaged one)."""
    v = read_json("labs", "tests.json", patterns_dir)["test_values"]

    def low(key: str) -> frozenset[str]:
        return frozenset(w.lower() for w in v[key])

    return ValueVocab(
        links=low("links"),
        unitless_heads=low("unitless_heads"),
        stop_heads=low("stop_heads"),
        needs_modifier=low("needs_modifier"),
        max_link_words=int(v["max_link_words"]),
        max_gap_chars=int(v["max_gap_chars"]),
    )


def find_test_values(
    text: str,
    values: list[ValueMention],
    taken: set[int],
    analytes: list[AnalyteMention],
    sent_start_of,
    tests: TestVocab,
    voc: ValueVocab,
    low: str | None = None,
) -> list[LabMatch]:
    """Pair each value not in ``taken`` (ids) with a test named right before it, when there is one.

    ``sent_start_of(pos)`` gives the start of the sentence holding ``pos``; ``low``:
    ``scan.lowered(text)``, when the caller has it.
    """
    out: list[LabMatch] = []
    for v in values:
        if id(v) in taken or v.consumed or v.ratio or v.titre or v.value is None:
            continue
        prev = out[-1] if out else None
        if prev is not None and _LIST_GAP.fullmatch(text, prev.value.end, v.start):
            # "were 561 and 557 μm, respectively", "2.1 and then 1.8": the list goes on
            out.append(LabMatch(prev.analyte, v, "text", "prose_test_value_list"))
            continue
        test = _test_before(text, v, sent_start_of(v.start), analytes, tests, voc, low)
        if test is not None:
            out.append(LabMatch(test, v, "text", "prose_test_value"))
    return out


_LIST_GAP = re.compile(r"\s*(?:,|;)?\s*(?:and|or|then|and then)?\s*")


def _test_before(text, v, s0, analytes, tests: TestVocab, voc: ValueVocab, low=None):
    lo = max(s0, v.start - voc.max_gap_chars - 80)
    if (
        v.unit is None
        and low is not None
        and not any(low.find(h, lo, v.start) >= 0 for h in voc.unitless_heads)
    ):
        # a unitless value needs one of those heads, a token of this window: where none is
        # written (lowercase, ``low`` keeps offsets) the answer is None without reading tokens
        return None
    toks = token_spans(_TOKEN_SPLIT, text, lo, v.start)
    k = len(toks)
    links = 0
    while k > 0 and (toks[k - 1][2].lower() in voc.links or toks[k - 1][2] in _LINK_PUNCT):
        k -= 1
        links += toks[k][2] not in _LINK_PUNCT
    if links > voc.max_link_words or k == 0 or v.start - toks[k - 1][1] > voc.max_gap_chars:
        return None
    words: list[tuple[int, int, str]] = []
    while k > 0 and len(words) < tests.max_subject_words:
        s, e, w = toks[k - 1]
        lw = w.lower()
        if w == ")" and words == [] and _aside_start(toks, k - 1) is not None:
            k = _aside_start(toks, k - 1)  # "clotting time (CT) (228 s)": skip the abbreviation
            continue
        if not w[0].isalnum() and w not in ("-", "/"):
            break
        if (
            lw in tests.boundaries
            or (lw in tests.np_stop and lw not in ("of", "in"))
            or w[0].isdigit()
        ):
            break
        words.append((s, e, w))
        k -= 1
    words.reverse()
    while words and (
        words[0][2].lower() in tests.drop_leading or words[0][2].lower() in ("of", "in")
    ):
        words.pop(0)
    if not words:
        return None
    names = [w for _, _, w in words]
    cut = next((i for i, w in enumerate(names) if i and w.lower() in tests.head.breaks), None)
    main = names[:cut] if cut else names  # "CSF concentration of erlotinib" -> concentration
    head = main[-1].lower()
    if head in voc.stop_heads or head in tests.subject_stop:
        return None
    if head in voc.needs_modifier and len(main) < 2:
        return None
    if v.unit is None and head not in voc.unitless_heads:
        return None
    s, e = words[0][0], words[-1][1]
    hs, he = words[len(main) - 1][0], words[len(main) - 1][1]
    if any(a.start < he and hs < a.end for a in analytes):
        return None  # the head is a catalogue analyte that did not take the value (wrong unit)
    if not tests.head.is_head(main[-1]):
        return None  # the head itself must be a test: "E/A ratio", "serum aldolase"
    return other_test(s, e, text[s:e])


_RESPECTIVELY = re.compile(r"\brespectively\b")
_NP_STOP = frozenset({"was", "were", "is", "are", "showed", "revealed", "had", "has", "with"})


def _aside_start(toks: list[tuple[int, int, str]], close: int) -> int | None:
    """Index of the "(" opening a short aside that ends at ``close`` ("(CT)", "(CYFRA21–1)")."""
    for j in range(close - 1, max(-1, close - 4), -1):
        if toks[j][2] == "(":
            return j if j > 0 and toks[j - 1][2][0].isalnum() else None
        if not toks[j][2][0].isalnum():
            return None
    return None


def find_respectively(
    text: str,
    values: list[ValueMention],
    taken: set[int],
    analytes: list[AnalyteMention],
    sent_start_of,
    tests: TestVocab,
    voc: ValueVocab,
) -> list[LabMatch]:
    """ "The E/A ratio and deceleration time were 2.1 and 250 ms, respectively": a list of tests
    (in or outside the catalogue) and a list of numbers, paired in order.

    The catalogue-only version lives in pairing.py; this one runs when some of the listed names
    are tests the catalogue does not know. Each listed name must name a test (test_heads) or be a
    catalogue analyte; the numbers must form one list (commas, "and"). The caller lets these
    pairings replace any other pairing of the same numbers: "respectively" is explicit.
    """
    out: list[LabMatch] = []
    for r in _RESPECTIVELY.finditer(text) if "respectively" in text else ():
        s0 = sent_start_of(r.start())
        vals = [v for v in values if s0 <= v.start < r.start() and not v.consumed]
        if len(vals) < 2:
            continue
        pairs_of_vals = zip(vals, vals[1:], strict=False)
        if not all(_LIST_GAP.fullmatch(text, a.end, b.start) for a, b in pairs_of_vals):
            continue
        parts = _listed_names(text, s0, vals[0].start, tests, voc)
        if len(parts) != len(vals):
            continue
        pairs = []
        for (ps, pe), v in zip(parts, vals, strict=True):
            known = [a for a in analytes if ps <= a.start and a.end <= pe]
            if known:
                pairs.append((known[-1], v))
            elif tests.head.names_a_test(text[ps:pe].split()):
                pairs.append((other_test(ps, pe, text[ps:pe]), v))
            else:
                break
        if len(pairs) != len(vals) or all(a.analyte.category != "other" for a, _ in pairs):
            continue  # an all-catalogue list is pairing.py's
        for a, v in pairs:
            head = a.text.split()[-1].lower() if a.text.split() else ""
            if v.unit is None and vals[-1].unit is not None and head not in voc.unitless_heads:
                v.unit, v.unit_text = vals[-1].unit, vals[-1].unit_text  # "25 and 300 U/L"
            out.append(LabMatch(a, v, "text", "prose_test_respectively"))
    return out


def _listed_names(text, s0, pos, tests: TestVocab, voc: ValueVocab) -> list[tuple[int, int]]:
    """The (start, end) of each name in the list right before the copula: "A, B and C were"."""
    toks = token_spans(_TOKEN_SPLIT, text, max(s0, pos - 200), pos)
    k = len(toks)
    while k > 0 and (toks[k - 1][2].lower() in voc.links or toks[k - 1][2] in _LINK_PUNCT):
        k -= 1
    parts: list[tuple[int, int]] = []
    end = None
    start = None
    while k > 0:
        s, e, w = toks[k - 1]
        lw = w.lower()
        if lw in ("and", "or") or w == ",":
            if end is None:
                break
            parts.append((start, end))
            end = start = None
        elif not w[0].isalnum() or lw in _NP_STOP or lw in tests.boundaries:
            break
        elif lw in tests.drop_leading and lw not in ("of", "and"):
            break
        else:
            end = e if end is None else end
            start = s
        k -= 1
    if end is not None:
        parts.append((start, end))
    parts.reverse()
    return parts
