"""The labs' guards (value starts, doses, cue words, result words, test values, adverbs and
copulas, changes and plus grades) skip only what the full searches would not find.

Split from ``test_lab_scan.py``; the texts are the repository's reports and, with ../shared,
the seed and the first MACCROBAT dev reports (``tests/corpus.py``)."""

from __future__ import annotations

import re

from corpus import corpus_texts
from test_lab_scan import SCORE_TEXT

from caseminer.nlp.labs.catalogue import load_catalogue
from caseminer.nlp.labs.scan import lowered

CAT = load_catalogue()


def _corpus_texts() -> list[str]:
    return corpus_texts((), maccrobat=10)


def test_value_starts_give_the_searches_matches():
    """Matching at ``value_starts`` from each next position finds what ``_search`` finds."""
    from caseminer.nlp.labs import values

    rx = values.value_regex(CAT)
    for text in ["HCO3- 20.1, <5 less than 3 between 1 and 2 up to 4; x-3 ab=3", *_corpus_texts()]:
        low = text.lower()
        for lo, hi in ((0, len(text)), (11, len(text) - 7)):
            words = values.occurrences(low, values._START_WORDS, lo, hi)
            starts = values.value_starts(text, lo, hi, low, values._START_WORDS)
            pos = lo
            while True:
                want = values._search(rx, text, pos, hi, words, skip_inside=True)
                got = values._match_from(rx, text, pos, hi, starts)
                assert (want and want.span()) == (got and got.span())
                if want is None:
                    break
                pos = want.end() if want.end() > want.start() else want.start() + 1


def test_dose_guard_keeps_every_dose_match():
    """``dose_like``'s first-character test drops only texts ``dose_re`` does not match."""
    import sys

    from caseminer.nlp.labs.pairing import _DOSE_LEAD, ProsePairer
    from caseminer.nlp.labs.values import ValueMention

    spaces = {chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()}
    assert set(_DOSE_LEAD) == spaces | {",", ")"}
    pairer = ProsePairer(CAT)
    odd = ["5 mg daily", "5, ) /day", "5 (x)", "5\u2009MG", "5 1 mg", "5 ſ", "5", "5 ;", "5/kg"]
    for text in [*odd, *_corpus_texts()]:
        for i, c in enumerate(text):
            if not c.isdigit():
                continue
            v = ValueMention(i, i + 1, c)
            want = pairer.dose_re.match(text[i + 1 : i + 31]) is not None
            assert pairer.dose_like(text, v) == want, text[i : i + 30]


def test_cue_in_by_first_words_is_the_plain_search():
    """``cue_in`` skipping windows without a result phrase's first word answers as the search
    of every window, over windows cutting words at both ends."""
    from caseminer.nlp.labs.interpret import Interpreter
    from caseminer.nlp.labs.names import text_base

    interp = Interpreter(CAT)
    odd = "CRP (normality) was elevated, Na low-normal; K NORMAL range 3.5, decreased to 2"
    for text in [odd, "ſodium normal", *_corpus_texts()[:30]]:
        base = text_base(text)
        for lo in range(0, len(text), 7):
            for width, closed in ((3, False), (20, True), (45, False)):
                hi = lo + width
                want = interp.cue_in(text, lo, hi, closed=closed)
                assert interp.cue_in(text, lo, hi, closed=closed, base=base) == want


def test_result_word_guards_keep_every_pattern_match():
    """Where the trend, power or growth pattern matches, its guard in ``ResultWords.find``
    holds (every word start of the corpora, and odd spellings)."""
    from caseminer.nlp.labs import results
    from caseminer.nlp.labs.interpret import Interpreter

    words = results.ResultWords(CAT, Interpreter(CAT))
    odd = "x  from 5; - power; İsolated E. coli; Grew Candida albicans; \u2009by 3; -high power"
    for text in [odd, *_corpus_texts()]:
        for m in re.finditer(r"\b\w|-|\s", text):
            p = m.start()
            after = text[p : p + 30]
            if results._TREND_FROM.match(after):
                assert after[:1].isspace()
            if results._POWER.match(after):
                assert after[:1].isspace() or after[:1] == "-"
            if words.growth_re.match(text, p):
                assert text[p] in results._GROWTH_FIRST or not text[p].isascii()


def test_test_values_without_a_unitless_head_in_the_window():
    """``find_test_values`` skipping unitless values with no unitless head written before
    them pairs as the plain reading of every window."""
    from caseminer.nlp.labs.catalogue import find_analytes
    from caseminer.nlp.labs.test_heads import load_test_vocab
    from caseminer.nlp.labs.test_values import find_test_values, load_value_vocab
    from caseminer.nlp.labs.values import find_values, value_regex

    tests, voc, rx = load_test_vocab(), load_value_vocab(), value_regex(CAT)
    odd = "The E/A ratio 1.2, Apgar SCORE of 9, the index was 3 and the count 7; Δ index 2"
    paired = 0
    for text in [odd, *_corpus_texts()]:
        analytes = find_analytes(text, CAT)
        values = find_values(text, CAT, rx)
        args = (values, set(), analytes, lambda pos: 0, tests, voc)
        plain = [(m.analyte.start, m.value.start) for m in find_test_values(text, *args)]
        fast = find_test_values(text, *args, lowered(text))
        assert [(m.analyte.start, m.value.start) for m in fast] == plain
        paired += len(plain)
    assert paired


def test_adverb_and_copula_guards_keep_every_match():
    """Where the "-ally" or the copula pattern matches the text before a word, its guard in
    ``domain_adverb`` / ``_subject_before`` holds (every word start of the corpora)."""
    import json
    from pathlib import Path

    from caseminer.nlp.labs import test_heads
    from caseminer.nlp.labs.test_heads import _ALLY_END, _WORDS_RUN, load_test_vocab

    copula_end = load_test_vocab().copula_end
    data = json.loads(
        (Path(test_heads.__file__).parents[2] / "patterns/labs/tests.json").read_text()
    )
    assert all(c.isalpha() or c == " " for w in data["copulas"] + data["adverbs"] for c in w)
    odd = "clinically  stable, was\nnormal, ALLY x, were found to be markedly\u2009high"
    for text in [odd, *_corpus_texts()]:
        for m in re.finditer(r"\b\w", text):
            p = m.start()
            before, head = text[max(0, p - 30) : p], text[max(0, p - 160) : p]
            if _ALLY_END.search(before):
                assert before.rstrip().endswith("ally")
            m = copula_end.search(head)
            if m:
                assert head[-1:].isspace()
                run = _WORDS_RUN.match(head[::-1])
                fast = copula_end.search(head, len(head) - run.end())
                assert fast is not None and fast.span() == m.span()


def test_changes_skipped_by_word_lookup_are_none():
    """``find_changes`` told the text's words (no change noun or prefix result there: no
    search) finds what it finds without them."""
    from caseminer.nlp.labs.names import text_words
    from caseminer.nlp.labs.scores import find_changes, load_score_vocab
    from caseminer.nlp.labs.test_heads import load_test_vocab

    voc, tests = load_score_vocab(), load_test_vocab()
    keys = voc.change_words | voc.prefix_words | CAT.analyte_names.first_words()
    found = 0
    for text in [SCORE_TEXT, "Loss of expression of p53; an INCREASE of CRP", *_corpus_texts()]:
        for lo, hi in ((0, len(text)), (9, len(text) // 2)):
            low = lowered(text)

            def run(words=None, text=text, lo=lo, hi=hi, low=low):
                got = find_changes(text, lo, hi, voc, tests, low, words)
                return [(a.start, a.end, r.start, r.end, rule) for a, r, rule in got]

            plain = run()
            assert run(text_words(text, lo, hi, keys)) == plain
            assert run(text_words(text, lo, hi)) == plain
            found += len(plain)
    assert found


def test_plus_grades_skipped_by_word_lookup_are_none():
    """``find_graded`` told the text's words (no noun that comes before a plus grade: that
    pattern is not tried) finds what it finds without them."""
    from caseminer.nlp.labs.names import text_words
    from caseminer.nlp.labs.scores import find_graded, load_score_vocab

    voc = load_score_vocab()
    keys = voc.plus_before_first | CAT.analyte_names.first_words()
    found = 0
    for text in [
        SCORE_TEXT,
        "Protein 2+, CD20+ cells, reflexes +2, proteinuria 3+",
        *_corpus_texts(),
    ]:
        low, n = lowered(text), len(text)

        def run(words=None, text=text, low=low, n=n):
            got = find_graded(text, 0, n, [0], voc, low, words)
            return [(a.start, a.end, r.start, r.end, rule) for a, r, rule in got]

        plain = run()
        assert run(text_words(text, 0, n, keys)) == plain == run(text_words(text, 0, n))
        found += sum(rule == "prose_plus_grade" for *_, rule in plain)
    assert found
