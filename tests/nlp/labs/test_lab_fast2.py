"""Labs speed round 2: each fast path against the straightforward form on varied texts."""

from __future__ import annotations

from pathlib import Path

from caseminer.nlp.labs.catalogue import load_catalogue
from caseminer.nlp.labs.scan import lowered

CAT = load_catalogue()

VARIED = (
    "HCO3- 20.1, T2N0M0, CA19-9 37 U/mL, from 1.2 to 3.4 mg/dL, less than 0.5, K+ -2.5, "
    "between 4 and 6 g/L, 1:320, 4+/5, (1/2), [12], 2019, 02:15, 12/03/2020, 7,8 mmol/L (H), "
    "Na 135-145 mmol/L, more than 5 and greater than 7; sat in the high 90s, 90 s, x<5, ab=3"
)


def _corpus_texts() -> list[str]:
    root = Path(__file__).resolve().parents[3] / "corpora"
    return [p.read_text(encoding="utf-8") for p in sorted(root.glob("*.txt"))]


def test_find_values_from_the_starts_is_the_search_form():
    """``find_values`` reading ``value_starts`` on from the last start tried (the text's
    lowercase given) finds what its search form (no lowercase: ``_search`` per value) finds,
    in every range."""
    from caseminer.nlp.labs.values import find_values, value_regex

    rx = value_regex(CAT)
    texts = [VARIED, "", "5", *_corpus_texts()]
    assert any(find_values(t, CAT, rx) for t in texts)
    for text in texts:
        low = lowered(text)
        assert low is not None
        for lo, hi in ((0, len(text)), (3, max(3, len(text) - 7)), (len(text) // 2, len(text))):
            fast = find_values(text, CAT, rx, lo, hi, low)
            plain = find_values(text, CAT, rx, lo, hi, None)
            assert [vars(v) for v in fast] == [vars(v) for v in plain]


def test_find_analytes_from_known_surfaces_is_the_lookup_per_match(monkeypatch):
    """``find_analytes`` reading a surface's analyte and weakness from ``Catalogue._surfaces``
    (met before, in this text or another, or after the store was cleared) gives what looking
    each match up gives."""
    from caseminer.nlp.labs import catalogue
    from caseminer.nlp.labs.catalogue import AnalyteMention, _norm, find_analytes

    cat = catalogue.load_catalogue()

    def plain(text: str) -> list[AnalyteMention]:
        found = []
        for m in cat.analyte_names.finditer(text):
            a = cat.analyte_for(m.group())
            if a is not None:
                weak = _norm(m.group()) in cat.weak
                found.append(AnalyteMention(m.start(), m.end(), m.group(), a, weak))
        found.sort(key=lambda x: (x.start, -(x.end - x.start)))
        out: list[AnalyteMention] = []
        for f in found:
            if out and f.start < out[-1].end:
                if f.end - f.start > out[-1].end - out[-1].start:
                    out[-1] = f
                continue
            out.append(f)
        return out

    texts = ["CRP 5, crp 6, C-reactive\nprotein 7, hypokalemia, Hypokalemia", *_corpus_texts()]
    want = [plain(t) for t in texts]
    assert any(a.weak for w in want for a in w) and sum(map(len, want)) > 100
    for _ in range(2):  # cold, then every surface known
        assert [find_analytes(t, cat) for t in texts] == want
    monkeypatch.setattr(catalogue, "_MAX_SURFACES", 3)  # cleared again and again
    assert [find_analytes(t, cat) for t in texts] == want


def test_numbers_and_units_read_again_are_read_as_the_first_time(monkeypatch):
    """``parse_number`` and ``Catalogue.unit_for`` answer a string met before (or after their
    stores were cleared) as parsing it afresh does, for every number and unit the value
    pattern finds in the corpora and for odd spellings."""
    from caseminer.nlp.labs import catalogue, values

    cat = catalogue.load_catalogue()
    rx = values.value_regex(cat)
    numbers = ["7,8", "12,300", "1,2,3", "200 000", "−5.1", "3·5", "1.2,3", " 4 ", "x", ""]
    units = ["mg/dL", "mg /dL", " mmol/L", "× 10^9/L", "x10⁹/l", "10^20/L", "nonsense", ""]
    for text in [VARIED, *_corpus_texts()]:
        for v in values.find_values(text, cat, rx):
            numbers.append(v.value_text.lstrip("<>=≤≥ "))
            if v.unit_text:
                units.append(v.unit_text)
    assert len(numbers) > 300 and len(units) > 50
    want_n = [values._parse_number(n) for n in numbers]
    want_u = [cat._unit_for(u) for u in units]
    assert any(n is None for n in want_n) and any(u is None for u in want_u)
    for size in (20_000, 2):  # kept, then cleared again and again
        monkeypatch.setattr(values, "_NUMBERS", {})
        monkeypatch.setattr(values, "_MAX_NUMBERS", size)
        monkeypatch.setattr(catalogue, "_MAX_SURFACES", size)
        cat._units_read.clear()
        for _ in range(2):
            assert [values.parse_number(n) for n in numbers] == want_n
            assert [cat.unit_for(u) for u in units] == want_u


def test_result_mentions_from_known_surfaces_are_built_afresh():
    """``ResultWords._mention`` reading a surface's phrase and interpretation from its store
    (met before, or after the store was cleared) builds what the plain form builds."""
    import re

    from caseminer.nlp.labs.interpret import Interpreter
    from caseminer.nlp.labs.results import ResultWords
    from caseminer.nlp.labs.values import ValueMention

    rw = ResultWords(CAT, Interpreter(CAT))

    def plain(m) -> ValueMention:
        phrase = re.sub(r"\s+", " ", m.group().lower())
        vm = ValueMention(m.start(), m.end(), m.group(), qualitative=phrase)
        vm.interpretation = rw.interpretation(phrase)
        return vm

    texts = ["Negative, NEGATIVE, within  normal\nlimits, elevated, Elevated", *_corpus_texts()]
    matches = [m for t in texts for m in rw.interp.result_names.finditer(t)]
    want = [vars(plain(m)) for m in matches]
    assert len(want) > 100 and any(w["interpretation"] for w in want)
    for _ in range(2):  # cold, then every surface known
        assert [vars(rw._mention(m)) for m in matches] == want
    rw._phrases.update({str(k): ("x", None) for k in range(20_001)})  # full: cleared first
    assert [vars(rw._mention(m)) for m in matches] == want
