"""The review page: spans highlighted where the offsets say, tables filled, everything escaped."""

from __future__ import annotations

import re
from html import unescape

import pytest

from caseminer.review import render_form, render_html
from caseminer.review.segments import Mark, segment
from caseminer.schema import (
    Assertion,
    CaseReport,
    Code,
    Diagnosis,
    Document,
    Imaging,
    ImagingFinding,
    Lab,
    Procedure,
    Provenance,
    ReferenceRange,
)

TEXT = (
    "A 40-year-old woman had a serum calcium of 11.9 mg/dL.\n"
    "CT of the chest showed a calcified mass <b>.\n"
    "There was no fracture. She had undergone excision of the mass.\n"
)


def span(mention: str, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(mention, start + 1)
    end = start + len(mention)
    assert TEXT[start:end] == mention
    return {"text": mention, "start": start, "end": end}


def item(mention: str, **kw) -> dict:
    return {**span(mention), "section": "case", "sentence": mention, "rule": "test", **kw}


def make_report(text: str | None = TEXT) -> CaseReport:
    finding = span("calcified mass")
    return CaseReport(
        document=Document(
            id="demo<1>", sha256="0" * 64, format="string", n_chars=len(TEXT), text=text
        ),
        labs=[
            Lab(
                **item("11.9 mg/dL"),
                analyte="Calcium",
                value=11.9,
                value_text="11.9",
                unit="mg/dL",
                reference_range=ReferenceRange(low=8.5, high=10.5, unit="mg/dL", source="text"),
                interpretation="high",
                source="text",
            )
        ],
        imaging=[
            Imaging(
                **item("CT"),
                modality="CT",
                body_sites=["chest"],
                findings=[ImagingFinding(**finding)],
            )
        ],
        diagnoses=[
            Diagnosis(
                **item("fracture"),
                normalized="fracture",
                status="ruled_out",
                assertion=Assertion(negated=True, cues=["no"]),
                codes=[Code(system="ICD-10-CM", code="T14.8", display="Fracture")],
            )
        ],
        procedures=[Procedure(**item("excision"), normalized="excision", category="surgical")],
        provenance=Provenance(caseminer_version="0.0.test", pipeline=[]),
    )


def highlighted(page: str, item_id: str) -> str:
    """The text of every piece tagged with item_id, joined in order."""
    pieces = re.findall(r'<span class="hl[^"]*" data-items="([^"]*)"[^>]*>([^<]*)</span>', page)
    return "".join(unescape(t) for ids, t in pieces if item_id in ids.split())


def test_segments_cover_the_text_exactly_once():
    marks = [Mark("a", "lab", 2, 8), Mark("b", "diagnosis", 5, 12), Mark("c", "finding", 20, 25)]
    text = "x" * 30
    segs = segment(text, marks)
    assert [s.start for s in segs][0] == 0 and segs[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(segs, segs[1:], strict=False))
    both = [s for s in segs if {m.item_id for m in s.marks} == {"a", "b"}]
    assert [(s.start, s.end) for s in both] == [(5, 8)]


def test_each_item_is_highlighted_at_its_offsets():
    report = make_report()
    page = render_html(report)
    assert highlighted(page, "lab-0") == "11.9 mg/dL"
    assert highlighted(page, "img-0") == "CT"
    assert highlighted(page, "img-0-f0") == "calcified mass"
    assert highlighted(page, "dx-0") == "fracture"
    assert highlighted(page, "proc-0") == "excision"
    for lst in (report.labs, report.imaging, report.diagnoses, report.procedures):
        for it in lst:
            assert TEXT[it.start : it.end] == it.text
    assert 'id="ev-lab-0"' in page


def test_text_outside_spans_is_kept_and_escaped():
    page = render_html(make_report())
    body = re.search(r'<article id="text" class="source">(.*?)</article>', page, re.S).group(1)
    assert unescape(re.sub(r"<[^>]+>", "", body)) == TEXT
    assert "&lt;b&gt;" in page and "<b>" not in body
    assert "demo&lt;1&gt;" in page


def test_negated_item_is_marked_distinctly():
    page = render_html(make_report())
    neg = re.search(r'<span class="([^"]*)" data-items="dx-0"', page).group(1)
    assert "f-negated" in neg.split() and "k-diagnosis" in neg.split()
    lab = re.search(r'<span class="([^"]*)" data-items="lab-0"', page).group(1)
    assert "f-negated" not in lab.split()


def test_side_panel_has_lab_row_with_range_and_flag():
    page = render_html(make_report())
    row = re.search(r'<tr class="item[^"]*" data-target="lab-0".*?</tr>', page, re.S).group(0)
    cells = [unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td>(.*?)</td>", row)]
    assert cells[:3] == ["Calcium", "11.9", "mg/dL"]
    assert cells[3] == "8.5–10.5 mg/dL" and cells[4] == "high"
    assert "ICD-10-CM T14.8" in page


def test_page_is_self_contained():
    page = render_html(make_report())
    assert not re.search(r"<(script|img|iframe)[^>]+src=\"(?!data:)", page)
    assert "<link" not in page and "http://" not in page and "https://" not in page
    assert "Content-Security-Policy" in page
    form = render_form("/v1/view")
    assert 'action="/v1/view"' in form and "https://" not in form


def test_missing_text_and_bad_offsets_do_not_break_the_page():
    no_text = render_html(make_report(text=None))
    assert "not in this report" in no_text and 'data-target="lab-0"' in no_text
    short = render_html(make_report(), text=TEXT[:30])
    assert "outside the text" in short and highlighted(short, "lab-0") == ""


@pytest.mark.parametrize("n_items", [0, 50])
def test_many_overlapping_items_render(n_items):
    report = make_report()
    extra = [report.diagnoses[0].model_copy(update={"normalized": f"d{i}"}) for i in range(n_items)]
    report.diagnoses.extend(extra)
    page = render_html(report)
    assert page.count('data-target="dx-') == 1 + n_items
