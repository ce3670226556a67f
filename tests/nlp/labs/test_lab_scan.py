"""The cheap scans stand in for full regex passes: they must find exactly what the passes find."""

from __future__ import annotations

import re

import pytest

from caseminer.nlp.labs.catalogue import load_catalogue
from caseminer.nlp.labs.scan import finditer_at, lowered, occurrences

CAT = load_catalogue()

TEXT = (
    "Serum creatinine was 1.2 mg/dL (CREATININE, Cr, cr, hs-CRP, CRP-year); "
    "serum  creatinine\nand white blood cell count 12,000/µL, WBC 9.8 × 10^9/L. "
    "Sodium 135, K+ 4.1, HbA1c 6.1%, (1,3)-β-d-glucan 80 pg/mL, "
    "β-hCG <5, ALT/AST 40/35 U/L, Blood pressure 120/80 mmHg, heart rate 88 bpm."
)


def spans(matches):
    return [(m.start(), m.end(), m.group()) for m in matches]


@pytest.mark.parametrize("lo,hi", [(0, None), (7, 60), (30, 200)])
def test_name_matcher_finds_what_the_one_pattern_finds(lo, hi):
    names = CAT.analyte_names
    hi = len(TEXT) if hi is None else hi
    assert spans(names.finditer(TEXT, lo, hi)) == spans(names.full().finditer(TEXT, lo, hi))


def test_name_matcher_on_every_catalogue_name():
    """Every name, in three cases, between separators that do and do not end a word."""
    names = CAT.analyte_names
    written = [*CAT.analyte_ci, *CAT.analyte_cs]
    text = " ".join(f"{w}, {w.upper()}; x{w} {w.title()}-day ({w})" for w in written)
    assert spans(names.finditer(text)) == spans(names.full().finditer(text))


def test_unusual_case_folding_falls_back_to_the_one_pattern():
    # "ſ" (long s) matches "s" when ignoring case, though "ſ".lower() is "ſ"
    text = "ſodium 135 and sodium 140"
    names = CAT.analyte_names
    assert lowered(text) is None
    assert spans(names.finditer(text)) == spans(names.full().finditer(text))
    assert [m.group() for m in names.finditer(text)] == ["ſodium", "sodium"]


def test_finditer_at_matches_finditer_when_starts_cover_every_match():
    rx = re.compile(r"(?i)\b(?:(?:mild|marked)\s+)?(?:increase|decrease)\s+(?:in|of)\s+\w+")
    text = "A marked increase in CRP, then DECREASE of ferritin; no increase."
    low = lowered(text)
    assert low is not None
    starts = occurrences(low, ["mild", "marked", "increase", "decrease"], 0, len(text))
    assert spans(finditer_at(rx, text, starts, len(text))) == spans(rx.finditer(text))


def test_unit_matcher_matches_what_the_one_pattern_matches():
    """Every spelling, followed by what does and does not end a unit, and cut short."""
    units = CAT.unit_names
    full = re.compile(units.pattern())
    for s in [*CAT.units, "× 10^9/L", "x10(3)/µL", "*10e6/l", "mg /dL", "g\ndL"]:
        for text in (s, f"{s} ", f"{s}x", f"{s}/d", f"{s}.", s[:-1]):
            for end in {len(text), max(0, len(text) - 1)}:
                want = full.match(text, 0, end)
                got = units.match(text, 0, end)
                assert (want and want.span()) == got, (text, end)


def test_result_words_by_lookup_are_the_result_pattern_matches():
    from caseminer.nlp.labs.interpret import Interpreter

    interp = Interpreter(CAT)
    phrases = list(interp.kind)
    text = " ".join(f"{p}, {p.upper()} non-{p} x{p} ({p.title()})-" for p in phrases) + TEXT
    got = spans(interp.result_names.finditer(text))
    assert got == spans(interp.result_re.finditer(text))
    assert got == spans(interp.result_names.full().finditer(text))


SCORE_TEXT = (
    "Marked  improvement in systolic function; a further increase of ferritin and greater "
    "decrease in the patient's CRP. No xrapid improvement in gait. EMA and CK7 were expressed; "
    "overexpression of p53. Grade 3 holosystolic murmur, 2/6 murmur, 2+ pitting edema, reflexes "
    "were 3+, +2 pulses. The patient remained hemodynamically stable, in stable condition."
)


def test_score_rules_find_what_the_full_scans_find(monkeypatch):
    """The anchored scans against the same rules run as full passes (no lowered text)."""
    from caseminer.nlp.labs import scores
    from caseminer.nlp.labs.test_heads import load_test_vocab

    voc, tests = scores.load_score_vocab(), load_test_vocab()
    bounds = [0]

    def run():
        n = len(SCORE_TEXT)
        return [
            [(a.start, a.end, v.start, v.end) for a, v, *_ in found]
            for found in (
                scores.find_changes(SCORE_TEXT, 0, n, voc, tests),
                scores.find_graded(SCORE_TEXT, 0, n, bounds, voc),
                scores.find_status(SCORE_TEXT, 0, n, voc),
            )
        ]

    fast = run()
    monkeypatch.setattr(scores, "lowered", lambda text: None)
    assert fast == run()
    assert all(fast)


def test_values_skip_inside_words_finds_the_same_values(monkeypatch):
    """Not trying digits inside words ("T2N0") drops nothing find_values would keep."""
    from caseminer.nlp.labs import values

    text = (
        "HCO3- 20.1, T2N0M0, CA19-9 37 U/mL, COVID-19, pCO2 45 mmHg, SpO2 98%, 3.5.1, "
        "x<5, ab=3, Na 135-145 mmol/L, from 1.2 to 3.4 mg/dL, less than 0.5, K+ -2.5"
    )
    rx = values.value_regex(CAT)

    def found():
        return [(v.start, v.end, v.value, v.value_high) for v in values.find_values(text, CAT, rx)]

    fast = found()
    start_outside = values._START_OUTSIDE
    monkeypatch.setattr(values, "_START_OUTSIDE", values._START_CHAR)  # every start tried
    assert fast == found()
    assert len(fast) > 5
    for text in _corpus_texts():
        monkeypatch.setattr(values, "_START_OUTSIDE", start_outside)
        fast = values.find_values(text, CAT, rx)
        monkeypatch.setattr(values, "_START_OUTSIDE", values._START_CHAR)
        assert [vars(v) for v in fast] == [vars(v) for v in values.find_values(text, CAT, rx)]


def test_start_outside_is_start_char_not_inside_a_word():
    """The one search of ``_START_OUTSIDE`` finds the ``_START_CHAR`` starts that
    ``_inside_word`` keeps (its lookbehinds are that test), over every string of three of some
    telling characters and the corpora."""
    from caseminer.nlp.labs import values

    chars = "aZ_9.-‐−<=≥ (/é٣²ⅷ\u00a0"
    odd = [a + b + c for a in chars for b in chars for c in chars]
    for text in [*odd, *_corpus_texts()]:
        want = [
            m.start()
            for m in values._START_CHAR.finditer(text)
            if not values._inside_word(text, m.start())
        ]
        assert [m.start() for m in values._START_OUTSIDE.finditer(text)] == want


SIGNS = (
    "CK20+, CD99-, HBsAg (+), anti-HCV (-) and CD3 +++; Ki-67− was low. Na+ 135, HCO3- 20, "
    "CD20+ B cells, ER(+)/PR(-), HER2\u00a0+ or p53+/CD5-; T2N0M0, pT1aN1bM0, ypTisN0M0 and "
    "cT3N2M1 (CTT4N0M0, aT2N0M0, T2N0M0-x); 3-5, well-known, x-+ (+) -- +-"
)


def _corpus_texts() -> list[str]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "corpora"
    return [p.read_text(encoding="utf-8") for p in sorted(root.glob("*.txt"))]


@pytest.mark.parametrize("lo,hi", [(0, None), (5, 60), (40, 120)])
def test_marker_starts_cover_every_marker_sign(lo, hi):
    from caseminer.nlp.labs.markers import load_marker_vocab, marker_starts

    voc = load_marker_vocab()
    for text in [SIGNS, *_corpus_texts()]:
        end = len(text) if hi is None else min(hi, len(text))
        got = finditer_at(voc.marker_re, text, marker_starts(text, lo, end, voc), end)
        assert spans(got) == spans(voc.marker_re.finditer(text, lo, end))


@pytest.mark.parametrize("lo,hi", [(0, None), (5, 60), (120, 200)])
def test_stage_starts_cover_every_stage(lo, hi):
    from caseminer.nlp.labs.test_heads import load_test_vocab, stage_starts

    voc = load_test_vocab()
    for text in [SIGNS, *_corpus_texts()]:
        end = len(text) if hi is None else min(hi, len(text))
        got = finditer_at(voc.stage_re, text, stage_starts(text, lo, end, voc), end)
        assert spans(got) == spans(voc.stage_re.finditer(text, lo, end))
    assert [m.group() for m in voc.stage_re.finditer(SIGNS)]  # the text has stages


STATUS = (
    "The patient remained hemodynamically stable; she was unstable.\n He  was\n stable5, "
    "discharged in a stable general condition and in critical condition. The Patient Was Stable"
)


@pytest.mark.parametrize("lo,hi", [(0, None), (4, 60), (70, 150), (0, 141)])
def test_status_runs_find_what_the_status_pattern_finds(lo, hi):
    from caseminer.nlp.labs.scores import find_status, load_score_vocab

    voc = load_score_vocab()
    assert voc.status_letters
    for text in [STATUS, *_corpus_texts()]:
        end = len(text) if hi is None else min(hi, len(text))
        got = [(a.start, a.end, r.start, r.end) for a, r in find_status(text, lo, end, voc)]
        want = []
        for m in voc.status_re.finditer(text, lo, end):
            res = "res" if m.group("res") else "res2"
            subj = "subj" if m.group("subj") else "subj2"
            want.append((m.start(subj), m.end(subj), m.start(res), m.end(res)))
        assert got == want


def test_token_spans_are_the_token_matches():
    from caseminer.nlp.labs import test_heads, test_values
    from caseminer.nlp.labs.scan import token_spans

    odd = "E/A ratio (CT) 2.1 – CYFRA21–1 _x é’s l’hôpital 5+ [12] ; \n "
    for mod in (test_values, test_heads):
        for text in [odd, "", "  ", *_corpus_texts()[:8]]:
            for lo, hi in ((0, len(text)), (3, len(text) - 2), (5, 4)):
                want = [(t.start(), t.end(), t.group()) for t in mod._TOKEN.finditer(text, lo, hi)]
                assert token_spans(mod._TOKEN_SPLIT, text, lo, hi) == want


def test_non_value_before_precheck_keeps_every_match():
    from caseminer.nlp.labs import values

    odd = ["Fig. ", "fig.\u2009", "[ ", "ref /", "3-", "2–", "Table  \n", "weeK ", "(", ": ", ""]
    odd += ["fig .", "[.", "5-.", "5-\n", "5- \n", "5-\n\n", "x-", "Stages", "xstage", "_stage"]
    odd += ["STAGE.", "ſtage", "no..", "2stage", "a" * 30, "references", "(references) ", " /  "]
    befores = [*odd]
    for text in _corpus_texts():
        befores += [text[max(0, i - 20) : i] for i, c in enumerate(text) if c.isdigit()]
    for b in befores:
        assert values._non_value_before(b) == bool(values._NON_VALUE_BEFORE.search(b)), b


def test_non_value_reach_covers_the_longest_word():
    from re import _parser  # the regex's own width computation

    from caseminer.nlp.labs import values

    longest = _parser.parse(values._NON_VALUE_WORDS).getwidth()[1]
    assert longest + 1 <= values._NON_VALUE_REACH  # the word and its dot


def _second_word_texts() -> list[str]:
    """Names whose first word is followed by their second word (in other case and spacing) or
    by another word, and the corpus texts."""
    names = [*CAT.analyte_ci, *CAT.analyte_cs]
    odd = []
    for n in names:
        first, _, rest = n.partition(" ")
        if rest:
            odd.append(f"{first}  {rest.upper()}; {first}\n{rest}. {first} other {rest}")
    return [" ".join(odd), TEXT, "( 1,3)-β-d-glucan (1,3)-B-D-Glucan (\n(", *_corpus_texts()]


def test_second_word_filter_keeps_every_name_match():
    """Skipping first words that no name continues from (``_second_words``) loses no match of
    the one pattern, for analytes and result words."""
    from caseminer.nlp.labs.interpret import Interpreter
    from caseminer.nlp.labs.names import text_words

    matchers = [CAT.analyte_names, Interpreter(CAT).result_names]
    for text in _second_word_texts():
        for lo, hi in ((0, len(text)), (7, len(text) - 5)):
            words = text_words(text, lo, hi)
            for names in matchers:
                want = spans(names.full().finditer(text, lo, hi))
                assert spans(names.finditer(text, lo, hi, words)) == want


def test_word_offsets_for_keys_are_the_running_sum_offsets():
    """``at_next`` from the one pass over the keys gives what the running sum over every part
    gives, for the matchers' first words and for any other set of words."""
    from caseminer.nlp.labs.interpret import Interpreter
    from caseminer.nlp.labs.names import text_words

    keys = CAT.analyte_names.first_words() | Interpreter(CAT).result_names.first_words()
    for text in [TEXT, "", "a", *_corpus_texts()]:
        for lo, hi in ((0, len(text)), (3, len(text) - 2)):
            fast, plain = text_words(text, lo, hi, keys), text_words(text, lo, hi)
            some = set(sorted(fast.set)[::3])
            for wanted in (fast.set & keys, fast.set & keys & some, some):
                assert fast.at_next(wanted) == plain.at_next(wanted)
            assert fast.at_next(fast.set & keys) or not fast.set & keys
            for first in (CAT.analyte_names.first_words(), frozenset(some)):
                assert fast.having(first) == plain.having(first) == fast.set & first


def test_text_base_from_the_callers_lowercase_is_the_text_base():
    from caseminer.nlp.labs.names import norm, text_base

    for text in ["ſodium 135 – µmol İ Σ", TEXT, *_corpus_texts()[:20]]:
        assert text_base(text, text.lower()) == text_base(text)
        assert text_base(text)[0] == norm(text)


PERCENTILES = (
    "weight 2.3 kg (<3rd percentile), height between the 10th and 25th centiles; BMI below "
    "the 5th Percentile.\nHead 34 cm (50th–75th centile) x5th percentilex, 97th per-centile, "
    "ſkull 2nd CENTILE and a centile; 9.5 percentiles"
)


@pytest.mark.parametrize("lo,hi", [(0, None), (9, 60), (40, 150), (0, 120)])
def test_percentile_runs_find_what_the_percentile_pattern_finds(lo, hi):
    from caseminer.nlp.labs.scan import char_runs, minimal_words
    from caseminer.nlp.labs.scores import _PERCENTILE_RUN, load_score_vocab

    voc = load_score_vocab()
    assert voc.percentile_any == minimal_words(voc.percentile_hint) == ("centile",)
    rx = voc.percentile_re
    for text in [PERCENTILES, *_corpus_texts()]:
        end = len(text) if hi is None else min(hi, len(text))
        low = text.lower()
        runs = char_runs(_PERCENTILE_RUN, text, occurrences(low, ["centile"], lo, end), lo, end)
        got = [m for a, c in runs for m in rx.finditer(text, a, c)]
        assert spans(got) == spans(rx.finditer(text, lo, end))
    assert len(list(rx.finditer(PERCENTILES))) > 4


def test_minimal_words_answer_contains_any_as_all_words():
    from caseminer.nlp.labs.scan import contains_any, minimal_words
    from caseminer.nlp.labs.scores import load_score_vocab

    voc = load_score_vocab()
    lists = [voc.status_words, voc.copula_results, voc.percentile_hint, ("ab", "b", "abc", "c")]
    assert voc.status_any == minimal_words(voc.status_words)
    assert voc.copula_any == minimal_words(voc.copula_results)
    for text in ["unstable", "not expressed", "abc", "xcx", "", *_corpus_texts()]:
        low = text.lower()
        for words in lists:
            assert contains_any(low, minimal_words(words), 0, len(low)) == contains_any(
                low, words, 0, len(low)
            )


def test_values_without_than_words_where_than_is_absent(monkeypatch):
    from caseminer.nlp.labs import values

    rx = values.value_regex(CAT)
    texts = ["less than 5, more than 6 and up to 7", "between 1 and 2", *_corpus_texts()]
    fast = [[vars(v) for v in values.find_values(t, CAT, rx)] for t in texts]
    monkeypatch.setattr(values, "_START_WORDS_NO_THAN", values._START_WORDS)
    assert fast == [[vars(v) for v in values.find_values(t, CAT, rx)] for t in texts]


def test_reference_ranges_search_the_cue_only_where_it_counts():
    """``reference_ranges`` with its cue search run for every value (the plain form) marks,
    attaches and orphans the same values on the corpora."""
    from caseminer.nlp.labs.pairing import ProsePairer, range_of
    from caseminer.nlp.labs.values import find_values, value_regex

    pairer = ProsePairer(CAT)

    def plain(text, values):
        orphans = []
        for i, w in enumerate(values):
            if w.consumed:
                continue
            is_range = w.value_high is not None or w.comparator in ("<", "<=", ">", ">=")
            prefix = text[max(0, w.start - 40) : w.start]
            cue_before = pairer.ref_cue_before.search(prefix)
            if i > 0 and not values[i - 1].consumed:
                v = values[i - 1]
                gap = text[v.end : w.start]
                if len(gap) <= 40 and pairer.ref_between.match(gap):
                    bracket = "(" in gap or "[" in gap
                    if (bracket and is_range) or (cue_before and (is_range or bracket)):
                        w.consumed = True
                        if v.reference is None:
                            v.reference = range_of(w)
                        continue
            if cue_before and (is_range or "(" in prefix[-15:]):
                w.consumed = True
                orphans.append((w, w.start))
        return orphans

    rx = value_regex(CAT)
    text0 = "Na 135 (normal 135-145), K 5.9 (ref <5.0) and Ca 2.1 [2.2-2.6]; range 3-5"
    for text in [text0, *_corpus_texts()]:
        a, b = find_values(text, CAT, rx), find_values(text, CAT, rx)
        got = [(o.start, p) for o, p in pairer.reference_ranges(text, a)]
        assert got == [(o.start, p) for o, p in plain(text, b)]
        assert [vars(v) for v in a] == [vars(v) for v in b]
