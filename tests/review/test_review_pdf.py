"""The review page of a PDF: pages as images with evidence boxes, a text view, section/subject
per item, a literature switch, imaging findings and findings shown, empty columns hidden."""

from __future__ import annotations

import re

import pytest
from test_review import make_report

import caseminer
from caseminer.review import render_html
from caseminer.schema import Finding

pytest.importorskip("reportlab", reason="reportlab generates the PDF fixtures (dev extra)")

from pdf_fixtures import make_journal_pdf  # noqa: E402


@pytest.fixture(scope="module")
def pdf_page(tmp_path_factory, nlp):
    path = tmp_path_factory.mktemp("review") / "case.pdf"
    make_journal_pdf(path, pages=3, seed=2, hard=True)
    report = caseminer.extract_file(path, nlp=nlp, include_text=True)
    return report, render_html(report)


def test_pdf_pages_are_embedded_images_with_a_box_per_evidence_line(pdf_page):
    report, page = pdf_page
    images = re.findall(r'<img alt="page \d+" src="data:image/png;base64,', page)
    assert len(images) == report.document.pages
    lab = report.labs[0]
    assert lab.boxes
    drawn = re.findall(r'<div class="box k-lab[^"]*" data-items="lab-0"', page)
    assert len(drawn) == len(lab.boxes)
    assert 'id="box-lab-0"' in page
    assert "https://" not in page and "http://" not in page


def test_the_text_view_is_there_but_hidden_until_switched(pdf_page):
    _, page = pdf_page
    assert '<article id="text" class="source" hidden>' in page
    assert 'data-view="text"' in page and 'data-view="pages"' in page
    assert 'id="ev-lab-0"' in page  # the text view still highlights the evidence


def test_text_reports_keep_the_text_view_only():
    page = render_html(make_report())
    assert "<img" not in page and 'data-view="text"' not in page
    assert '<article id="text" class="source">' in page


def test_section_and_subject_per_item_and_a_literature_switch():
    report = make_report()
    report.diagnoses[0].subject = "literature"
    report.diagnoses[0].section = "discussion"
    page = render_html(report)
    row = re.search(r'<tr class="item[^"]*" data-target="dx-0".*?</tr>', page).group()
    assert "s-literature" in row and "discussion" in row and "literature</span>" in row
    assert 'id="hide-lit"' in page and "body.hide-lit tr.item.s-literature" in page


def test_imaging_findings_are_shown_not_counted():
    page = render_html(make_report())
    row = re.search(r'data-target="img-0".*?</tr>', page).group()
    assert "calcified mass" in row


def test_findings_get_their_own_table():
    report = make_report()
    assert "Findings" in render_html(report)  # an empty table says none found
    text = report.document.text
    start = text.index("calcified mass")
    report.findings = [
        Finding(
            text="calcified mass",
            start=start,
            end=start + len("calcified mass"),
            section="case",
            sentence="x",
            rule="test",
            normalized="Calcified mass",
            category="imaging",
        )
    ]
    page = render_html(report)
    assert 'data-target="fnd-0"' in page and "Calcified mass" in page


def test_a_column_empty_in_every_row_is_hidden():
    report = make_report()
    for pr in report.procedures:
        pr.codes = []
    page = render_html(report)
    table = re.search(r'<section class="panel" id="procedures">.*?</section>', page).group()
    assert "<th>Codes</th>" not in table
    diagnoses = re.search(r'<section class="panel" id="diagnoses">.*?</section>', page).group()
    assert "<th>Codes</th>" in diagnoses
