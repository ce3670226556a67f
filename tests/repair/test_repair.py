"""Text repair on small hand-made inputs: each repair, and the exactness of the offset map."""

from __future__ import annotations

import pytest

from caseminer.repair import repair
from caseminer.repair.verify import map_errors


def assert_exact_map(r) -> None:
    assert map_errors(r) == []


def source_of(r, word: str) -> str:
    """The source text the first occurrence of `word` in the repaired text maps back to."""
    start = r.text.index(word)
    s, e = r.to_source(start, start + len(word))
    return r.source[s:e]


def test_word_split_in_table_cell_is_joined_and_maps_to_both_pieces():
    src = "Table 2: Laboratory results.\n\nPotassium\n\nCreatini\nne\n\n1.2\nmg/dL\n"
    r = repair(src)
    assert "\nCreatinine\n" in r.text
    assert source_of(r, "Creatinine") == "Creatini\nne"
    assert "\n1.2\nmg/dL\n" in r.text  # value and unit cells stay one per line
    assert_exact_map(r)


def test_two_words_that_make_a_word_join_only_in_cell_geometry():
    cell = repair("Table 1: Serum values.\n\nPhosphor\nus\n\n4.1\n")
    assert "Phosphorus" in cell.text
    prose = repair(
        "The dose was given to\nus by the pharmacy team during the long night shift here."
    )
    assert "to us by" in prose.text
    assert_exact_map(cell)
    assert_exact_map(prose)


def test_line_end_hyphens_kept_in_compounds_and_dropped_inside_words():
    src = (
        "After the first surgery the patient underwent a two-stage hip-\n"
        "replacement, and the histology showed dense calcifi-\n"
        "cation of the tissue around the joint and the capsule.\n"
    )
    r = repair(src)
    assert "hip-replacement" in r.text
    assert "calcification of" in r.text
    assert source_of(r, "calcification") == "calcifi-\ncation"
    assert_exact_map(r)


def test_one_word_per_line_prose_becomes_running_text():
    src = (
        "The condition is frequently caused by errors in phosphate\n"
        "metabolism\nassociated\nwith\nconditions\nsuch\nas\n"
        "hyperphosphatemia, or in sporadic cases with other gene defects.\n"
    )
    r = repair(src)
    assert "phosphate metabolism associated with conditions such as hyperphosphatemia," in r.text
    assert len(r.text) == len(src)  # breaks became spaces one for one
    assert_exact_map(r)


def test_headers_and_captions_stay_on_their_own_lines():
    src = (
        "The patient was discharged on the fifth day after the operation\n"
        "DISCUSSION\n"
        "Calcinosis of soft tissues is rare and it is often confused with other\n"
        "lesions in older patients. It was ruled out. Figure 1: Radiograph of the\n"
        "pelvis showing the lesion.\n\nThe bone scan was normal.\n"
    )
    r = repair(src)
    assert "\nDISCUSSION\n" in r.text
    assert "confused with other lesions" in r.text
    assert "ruled out.\nFigure 1: Radiograph of the pelvis showing the lesion.\n" in r.text
    assert_exact_map(r)


@pytest.mark.parametrize(
    "caption",
    [
        "Figure 1: Radiograph",
        "FIGURE 2: CT scan",
        "TABLE 1: Laboratory values",
        "FIG. 3: MRI",
        "Table 2| Doses",
    ],
)
def test_a_caption_after_a_sentence_end_starts_its_own_line_in_any_case(caption):
    """The caption break sees every spelling its pattern matches, capitals included."""
    src = f"The lesion was removed and it did not recur. {caption} of the pelvis.\n"
    r = repair(src)
    assert f"did not recur.\n{caption} of the pelvis." in r.text
    assert len(r.text) == len(src)
    assert_exact_map(r)


def test_sentence_per_line_text_is_kept_as_it_is():
    src = (
        "A 54-year-old man presented with chest pain.\n"
        "His troponin level was 2.3 ng/mL.\n"
        "Coronary angiography showed a stenosis of the left anterior descending artery\n"
        "A stent was placed.\n"
        "Aspirin and clopidogrel were started.\n"
        "He recovered well.\n"
        "He was discharged on day 4.\n"
    )
    r = repair(src)
    assert r.text == src
    assert r.offsets == list(range(len(src) + 1))


def test_odd_spaces_ligatures_and_soft_hyphens():
    src = (
        "The \ufb01nding was signi\ufb01cant:\u00a010\u2009mg/dL"
        " of calci\u00adum and phos\u00ad\nphate."
    )
    r = repair(src)
    assert "The finding was significant: 10 mg/dL of calcium and phosphate." in r.text
    assert source_of(r, "finding") == "\ufb01nding"
    fi = r.text.index("finding")
    assert r.offsets[fi] == r.offsets[fi + 1] == src.index("\ufb01")
    assert_exact_map(r)


def test_banners_page_numbers_and_running_headers_are_removed():
    running = "Journal of Clinical Cases, Volume 3"
    prose = "the patient was treated with antibiotics for two weeks and the fever resolved"
    body = "\n".join([prose] * 12)
    src = f"ISSN: 1234-5678\n{running}\n{body}\n12\n{prose}\n{running}\n{body}\n{running}\n{body}\n"
    r = repair(src)
    assert "ISSN" not in r.text
    assert running not in r.text
    assert "\n12\n" not in r.text and " 12 " not in r.text
    assert any("running header" in n for n in r.notes)
    assert_exact_map(r)


def test_table_value_cells_are_not_page_numbers():
    src = "Table 1: Electrolytes.\n\nSodium\n\n137\nmEq/L\n\nPotassium\n\n3.3\nmEq/L\n"
    r = repair(src)
    assert "\n137\nmEq/L\n" in r.text
    assert "\n3.3\nmEq/L\n" in r.text
    assert_exact_map(r)


def test_crlf_and_form_feed_breaks_become_newlines():
    src = "A short first line.\r\nThe second line is here.\fThird page starts.\r\n"
    r = repair(src)
    assert "\r" not in r.text and "\f" not in r.text
    assert r.text.count("\n") == 3
    assert_exact_map(r)


@pytest.mark.parametrize("src", ["", "\n", " ", "\n\n\n", "-\n-", "a", "\ufb01", "\u00ad\n"])
def test_degenerate_inputs(src):
    r = repair(src)
    assert_exact_map(r)
    assert not any("repair failed" in n for n in r.notes)


def test_lexicon_is_sorted_lowercase_and_loads_fast():
    import time

    from caseminer.repair.resources import PATTERNS_DIR, lexicon

    lexicon.cache_clear()
    t0 = time.process_time()
    words = lexicon()
    assert time.process_time() - t0 < 0.1
    assert {"creatinine", "calcification", "replacement", "with"} <= words
    assert "ne" not in words and "umat" not in words
    raw = (PATTERNS_DIR / "lexicon" / "words.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert raw == sorted(raw) and all(w == w.lower() and " " not in w for w in raw)
