"""caseminer_sections: header detection, caption blocks, coverage and exact offsets."""

import json

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import MACCROBAT, SEED

from caseminer.nlp.extensions import section_kind_at
from caseminer.nlp.sections import find_sections
from caseminer.nlp.tokenizer import create_tokenizer


def check_cover(text: str, sections: list[dict]) -> None:
    """Sections are contiguous, ordered and cover the whole text."""
    assert sections[0]["start_char"] == 0
    assert sections[-1]["end_char"] == len(text)
    for a, b in zip(sections, sections[1:], strict=False):
        assert a["end_char"] == b["start_char"]
        assert a["start_char"] < a["end_char"]


def kind_of(text: str, sections: list[dict], needle: str) -> str:
    pos = text.index(needle)
    return next(s["kind"] for s in sections if s["start_char"] <= pos < s["end_char"])


STRUCTURED = """Tumoral calcinosis of the hip: a case report
Abstract
Introduction: Tumoral calcinosis is rare.
Case report: We report a 65-year-old woman.
Conclusion: Imaging helps.
Keywords: calcinosis; hip

Introduction
Tumoral calcinosis was first described long ago.

CASE REPORT
A 65-year-old female patient presented with hip pain.
Figure 1: Anteroposterior X rays of the pelvis,
showing cloudy lesions.

Laboratory studies were performed (Table 1).
Table 1: Biochemical profile
Calcium 7.8 mg/dL
Phosphorus 4.1 mg/dL
After the first stage of the surgery, a whitish fluid was obtained from the peri-articular area.

Discussion
Lesions are usually distributed around large joints.
Conclusions
Tumoral calcinosis is benign.
References
1. Smith J. Calcinosis. J Bone. 2001.
"""


def test_structured_report_kinds_and_offsets():
    text = STRUCTURED
    sections = find_sections(text)
    check_cover(text, sections)
    assert kind_of(text, sections, "Tumoral calcinosis of the hip") == "title"
    assert kind_of(text, sections, "Introduction: Tumoral") == "abstract"
    assert kind_of(text, sections, "Case report: We report") == "abstract"
    assert kind_of(text, sections, "Conclusion: Imaging") == "abstract"
    assert kind_of(text, sections, "calcinosis; hip") == "keywords"
    assert kind_of(text, sections, "was first described") == "introduction"
    assert kind_of(text, sections, "presented with hip pain") == "case"
    assert kind_of(text, sections, "showing cloudy lesions") == "figure_caption"
    assert kind_of(text, sections, "Laboratory studies") == "case"
    assert kind_of(text, sections, "Phosphorus 4.1") == "table"
    assert kind_of(text, sections, "a whitish fluid") == "case"
    assert kind_of(text, sections, "large joints") == "discussion"
    assert kind_of(text, sections, "is benign") == "conclusion"
    assert kind_of(text, sections, "Smith J.") == "references"
    case = next(s for s in sections if s["kind"] == "case")
    assert case["title"] == "CASE REPORT"
    assert text[case["start_char"] :].startswith("CASE REPORT\n")


def test_no_headers_is_one_case_section():
    text = "A 28-year-old man presented with palpitations.\nECG was normal.\n"
    assert find_sections(text) == [
        {"title": "", "kind": "case", "start_char": 0, "end_char": len(text)}
    ]


def test_header_words_inside_prose_are_not_headers():
    text = (
        "The results of the discussion\n"
        "were shared. In conclusion the patient improved.\n"
        "Figure 2 shows the clinical course.\n"
        "See the references cited below and the case report of Smith.\n"
    )
    sections = find_sections(text)
    assert [s["kind"] for s in sections] == ["case"]


def test_inline_case_header_at_line_start():
    text = "CASE: A 28-year-old man presented with palpitations.\nHe was well.\n"
    prose = "He had an MRI.\nConclusions: there were ischemic lesions.\n"
    assert [s["kind"] for s in find_sections(prose)] == ["case"]
    sections = find_sections(text)
    check_cover(text, sections)
    assert {s["kind"] for s in sections} == {"case"}


def test_numbered_headers_and_other_sections():
    text = (
        "1. Introduction\nSome background.\n\n2. Case presentation\nA man had pain.\n\n"
        "3. Discussion\nPain is common.\n\nConflict of interest\nNone declared.\n\n"
        "Acknowledgements\nWe thank the nurses.\n"
    )
    sections = find_sections(text)
    check_cover(text, sections)
    assert kind_of(text, sections, "Some background") == "introduction"
    assert kind_of(text, sections, "A man had pain") == "case"
    assert kind_of(text, sections, "Pain is common") == "discussion"
    assert kind_of(text, sections, "None declared") == "other"
    assert kind_of(text, sections, "We thank") == "acknowledgements"


def test_article_type_label_above_abstract_is_title():
    text = "Journal of Cases\nCase Report\nABSTRACT\nWe report a case.\n\nCASE REPORT\nA man.\n"
    sections = find_sections(text)
    assert kind_of(text, sections, "Journal of Cases") == "title"
    assert kind_of(text, sections, "Case Report\nABSTRACT") == "title"
    assert kind_of(text, sections, "We report a case") == "abstract"
    assert kind_of(text, sections, "A man.") == "case"


def test_component_sets_doc_sections():
    nlp = spacy.blank("en")
    nlp.tokenizer = create_tokenizer(nlp)
    nlp.add_pipe("caseminer_sections")
    doc = nlp(STRUCTURED)
    check_cover(doc.text, doc._.sections)
    assert section_kind_at(doc, doc.text.index("presented with hip pain")) == "case"
    assert section_kind_at(doc, doc.text.index("large joints")) == "discussion"


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "CASE REPORT",
                "Discussion",
                "Figure 1: x ray",
                "Table 2. Labs",
                "",
                "Abstract",
                "Introduction: a",
                "Keywords: a; b",
                "A long line of running prose text that goes on and on about the patient.",
                "Na 135",
                "References",
                "  ",
                "x\u200b",
            ]
        ),
        max_size=25,
    )
)
def test_sections_always_cover_the_text(lines):
    text = "\n".join(lines)
    sections = find_sections(text)
    if text:
        check_cover(text, sections)
    assert all(s["kind"] for s in sections)


def test_seed_sections():
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent")
    text = SEED.read_text(encoding="utf-8")
    sections = find_sections(text)
    check_cover(text, sections)
    kinds = {s["kind"] for s in sections}
    assert {"abstract", "introduction", "case", "discussion", "conclusion"} <= kinds
    assert kind_of(text, sections, "Introduction: Tumoral calcinosis") == "abstract"
    assert kind_of(text, sections, "A 65-year-old female patient") == "case"
    assert kind_of(text, sections, "Variables Values") == "table"
    assert kind_of(text, sections, "Magnesiu") == "table"
    assert kind_of(text, sections, "During first stage of the surgery") == "case"
    captions = [ln for ln in text.split("\n") if ln.lstrip().startswith("Figure ")]
    assert len(captions) == 6
    for caption in captions:
        assert kind_of(text, sections, caption) == "figure_caption"
        caption_section = next(s for s in sections if s["start_char"] == text.index(caption))
        assert caption_section["title"] == caption.strip()[:8]
    assert kind_of(text, sections, "severe osteoarthrosis") == "figure_caption"
    assert kind_of(text, sections, "Bone scan only showed") == "case"
    assert kind_of(text, sections, "great imitator") == "discussion"
    assert kind_of(text, sections, "high suspicion index") == "conclusion"
    assert kind_of(text, sections, "We declare no conflict") == "discussion"


def test_maccrobat_texts_are_one_case_section():
    if not MACCROBAT.exists():
        pytest.skip(f"{MACCROBAT} is absent")
    for line in MACCROBAT.open(encoding="utf-8"):
        text = json.loads(line)["text"]
        sections = find_sections(text)
        check_cover(text, sections)
        assert [s["kind"] for s in sections] == ["case"], text[:80]


def test_repaired_seed_sections():
    """The repair step (caseminer.repair) keeps the header and caption lines the rules need."""
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent")
    repair = pytest.importorskip("caseminer.repair").repair
    text = repair(SEED.read_text(encoding="utf-8")).text
    sections = find_sections(text)
    check_cover(text, sections)
    assert kind_of(text, sections, "A 65-year-old female patient") == "case"
    assert kind_of(text, sections, "Table 1:") == "table"
    assert kind_of(text, sections, "severe osteoarthrosis") == "figure_caption"
    assert kind_of(text, sections, "During first stage of the surgery") == "case"
    assert kind_of(text, sections, "great imitator") == "discussion"


def test_pattern_kinds_are_schema_kinds():
    from typing import get_args

    from caseminer.nlp.sections import load_catalogue
    from caseminer.schema import SectionKind

    kinds = set(load_catalogue().kinds.values())
    assert kinds <= set(get_args(SectionKind))
    assert {"case", "abstract", "discussion", "references"} <= kinds


def test_keywords_paragraph_then_unheaded_body_is_case():
    text = "A title\nAbstract\nWe report a case.\nKeywords: hip; calcinosis\n\nA 45-year-old man.\n"
    sections = find_sections(text)
    check_cover(text, sections)
    assert kind_of(text, sections, "hip; calcinosis") == "keywords"
    assert kind_of(text, sections, "A 45-year-old man") == "case"


def test_find_headers_cache_gives_fresh_equal_lists():
    from caseminer.nlp.sections import find_headers, load_catalogue

    text = "Abstract\nA short abstract.\n\nCase presentation\nA 50-year-old man.\n"
    first = find_headers(text)
    assert [h.kind for h in first] == ["abstract", "case"]
    for h in first:
        assert text[h.start_char :].startswith(h.title)
    first.clear()  # the caller owns the list: the cached result is unaffected
    again = find_headers(text, load_catalogue())
    assert [h.kind for h in again] == ["abstract", "case"]


def test_default_catalogue_is_one_object_whichever_way_asked():
    """caseminer_sections builds ``load_catalogue(None)``; ``find_headers`` recognises the
    default catalogue by identity to share its cache with caseminer_sentences."""
    from caseminer.nlp.sections import find_headers, load_catalogue

    assert load_catalogue() is load_catalogue(None)
    text = "CASE REPORT\nA 50-year-old man.\n\nDiscussion\nText."
    assert find_headers(text, load_catalogue(None)) == find_headers(text)


def test_split_lines_cache_gives_fresh_lists():
    from caseminer.nlp.sections import Line, split_lines

    text = "a\n\nb c\n"
    first = split_lines(text)
    first.append(Line(0, 0, ""))
    assert split_lines(text) == [Line(0, 1, "a"), Line(2, 2, ""), Line(3, 6, "b c"), Line(7, 7, "")]


def test_blank_is_strip_empty():
    import sys

    from caseminer.nlp.sections import Line

    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    for text in ["", " ", "a", " a ", "\u3000\u2028", "\x1c", "\u200b", *spaces, "".join(spaces)]:
        assert Line(0, len(text), text).blank == (not text.strip())


def _headers_both_ways(text: str) -> tuple[list, list]:
    import dataclasses

    from caseminer.nlp.sections import _find_headers, load_catalogue

    catalogue = load_catalogue()
    plain = dataclasses.replace(catalogue, own_line_never=None)
    return _find_headers(text, catalogue), _find_headers(text, plain)


def test_prose_marks_never_in_an_own_line_header():
    from paths import REPO

    from caseminer.nlp.sections import _never_in, load_catalogue

    never = load_catalogue().own_line_never
    assert never is not None and never.search("a, b") and not never.search("Case Report:")
    assert never.pattern == _never_in(load_catalogue().own_line).pattern  # the cache's is fresh
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))]
    found = 0
    for text in texts:
        fast, plain = _headers_both_ways(text)
        assert fast == plain
        found += len(fast)
    assert found >= 10


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Case Report", "CASE 2", "Discussion", "1. Introduction", "II. ", "Conclusions"]
            + [",", ";", "(", ")", "/", "&", "?", ":", ".", " ", "\n", "\n\n", "Patient no. 3"]
            + ["A man, 45, was seen.", "Keywords", "Abstract", "Figure 1", "Table 2:", "-"]
        ),
        max_size=20,
    ).map("".join)
)
def test_header_precheck_on_generated_lines(text):
    fast, plain = _headers_both_ways(text)
    assert fast == plain
