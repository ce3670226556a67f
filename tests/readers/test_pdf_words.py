"""Pure helpers of the PDF reader: characters, superscripts, hyphens, furniture, table headers."""

from __future__ import annotations

import pytest

from caseminer.readers.pdf.boilerplate import furniture_key, is_banner
from caseminer.readers.pdf.layout import Word
from caseminer.readers.pdf.tables import header_period
from caseminer.readers.pdf.words import (
    join_hyphenated,
    normalize_chars,
    render_superscript,
    render_words,
    word_counts,
)


def test_normalize_chars():
    assert normalize_chars("signi\ufb01cant \ufb02uid") == "significant fluid"
    assert normalize_chars("7.8\u00a0mg/dL\u2009x") == "7.8 mg/dL x"
    assert normalize_chars("hyper\u00adcalcemia\u200b") == "hypercalcemia"


@pytest.mark.parametrize(
    ("prev", "sup", "out"),
    [
        ("calcium 7.8", "2", " [2]"),
        ("was reported", "3,4", " [3,4]"),
        ("in 12", "5-7.", " [5-7]."),
        ("150 × 10", "9", "⁹"),
        ("area of 4 cm", "2", "²"),
        ("the 5", "th", "th"),
        ("serum Ca", "2+", "²⁺"),
    ],
)
def test_render_superscript(prev, sup, out):
    assert render_superscript(prev, sup) == out


def test_render_words_keeps_marker_apart_and_glues_following_period():
    words = [
        Word("calcium", 0, 0, 30, 10, 10),
        Word("7.8", 33, 0, 45, 10, 10),
        Word("2", 45, 5, 48, 11, 6, sup=True),
        Word(".", 48, 0, 50, 10, 10),
    ]
    assert render_words(words) == "calcium 7.8 [2]."


def test_join_hyphenated_prefers_the_documents_own_spelling():
    vocab = word_counts("hypercalcemia was noted. A follow-up visit. Contrast-enhanced CT.")
    assert join_hyphenated("hyper-", "calcemia.", vocab) == "hypercalcemia."
    assert join_hyphenated("follow-", "up", vocab) == "follow-up"
    assert join_hyphenated("Contrast-", "enhanced", vocab) == "Contrast-enhanced"


def test_join_hyphenated_rules_without_evidence():
    assert join_hyphenated("inves-", "tigation", {}) == "investigation"
    assert join_hyphenated("IL-", "6", {}) == "IL-6"
    assert join_hyphenated("T2-", "weighted", {}) == "T2-weighted"
    assert join_hyphenated("non-", "specific", {}) == "non-specific"
    assert join_hyphenated("long-", "term", {}) == "long-term"
    assert join_hyphenated("anti-", "Xa", {}) == "anti-Xa"


def test_furniture_key_folds_page_numbers():
    assert furniture_key("Page 2 of 9") == furniture_key("Page 3 of 9")
    assert furniture_key("Smith et al. 2020") != furniture_key("Jones et al. 2020")


@pytest.mark.parametrize(
    "text",
    ["12", "Page 3 of 10", "© 2024 The Authors", "doi: 10.1186/s1234", "Creative Commons CC BY"],
)
def test_banners(text):
    assert is_banner(text)


def test_not_banners():
    assert not is_banner("The patient was admitted with fever.")
    assert not is_banner("Calcium 7.8 mg/dL")


def test_header_period():
    assert header_period(["Variables", "Values"] * 3) == 2
    assert header_period(["Test", "Result", "Unit", "Test", "Result", "Unit"]) == 3
    assert header_period(["Analyte", "Value", "Unit", "Reference range"]) == 4


def _row(*cells: tuple[str, float], y: float) -> list:
    from caseminer.readers.pdf.layout import Segment

    return [Segment([Word(text, x, y, x + 6 * len(text), y + 10, 10)]) for text, x in cells]


def test_wrapped_cells_join_their_row():
    from caseminer.readers.pdf.tables import table_lines

    rows = [
        _row(("Variables", 0), ("Values", 60), ("Variables", 120), ("Values", 180), y=100),
        _row(("Creatini", 0), ("0.3", 60), ("Potassium", 120), ("3.3", 180), y=84),
        _row(("ne", 0), ("mg/dL", 60), ("mEq/L", 180), y=73),  # 1 pt under: same table row
        _row(("Uric", 0), ("4.4", 60), ("Sodium", 120), ("137", 180), y=57),
        _row(("acid", 0), ("mg/dL", 60), ("mEq/L", 180), y=46),
    ]
    lines = table_lines(rows, vocab={"creatinine": 2})
    assert lines[0] == "Variables\tValues\tVariables\tValues"  # the header keeps every word
    assert "Creatinine\t0.3 mg/dL" in lines
    assert "Potassium\t3.3 mEq/L" in lines
    assert "Uric acid\t4.4 mg/dL" in lines
    assert "Sodium\t137 mEq/L" in lines
    assert len(lines) == 5


def _line(words: list[str], gaps: list[float], size: float = 9.5) -> list[Word]:
    """Words on one baseline, each 6 pt per letter wide, separated by `gaps` (points)."""
    out, x = [], 0.0
    for w, g in zip(words, [0.0, *gaps], strict=True):
        x += g
        out.append(Word(w, x, 100.0, x + 6 * len(w), 100.0 + size, size))
        x += 6 * len(w)
    return out


def test_a_justified_line_with_wide_equal_gaps_stays_one_segment():
    from caseminer.readers.pdf.layout import split_segments

    words = ["analysis", "identified", "a", "thoraco-abdominal"]
    segs = split_segments(_line(words, [17.9, 17.9, 18.0]))
    assert [s.text for s in segs] == ["analysis identified a thoraco-abdominal"]
    # the column gutter, wider than the stretched gaps, still separates the columns
    segs = split_segments(_line([*words, "monitoring", "was"], [17.9, 17.9, 18.0, 24.0, 3.0]))
    assert [s.text for s in segs] == ["analysis identified a thoraco-abdominal", "monitoring was"]


def test_table_cells_with_unequal_gaps_stay_apart():
    from caseminer.readers.pdf.layout import split_segments

    segs = split_segments(_line(["Potassium", "3.3", "mEq/L", "Sodium", "137"], [30, 2, 40, 12]))
    assert [s.text for s in segs] == ["Potassium", "3.3 mEq/L", "Sodium", "137"]
    two = split_segments(_line(["BUN", "13"], [25.0]))
    assert [s.text for s in two] == ["BUN", "13"]


def test_a_prose_line_under_a_table_is_not_taken_for_a_wrapped_cell():
    from caseminer.readers.pdf.compose import _in_column
    from caseminer.readers.pdf.layout import Segment

    starts = [58.0, 106.0, 220.0]
    rest = Segment(_line(["phosphat"], []))  # x 0..48: shift to the first column
    for w in rest.words:
        w.x0, w.x1 = w.x0 + 58, w.x1 + 58
    assert _in_column(rest, starts, row_of_cells=False)
    prose = Segment(_line(["The", "patient", "was", "admitted", "with", "pain"], [3] * 5))
    for w in prose.words:
        w.x0, w.x1 = w.x0 + 58, w.x1 + 58
    assert not _in_column(prose, starts, row_of_cells=False)
