"""Evidence boxes: every item from a PDF says where it was printed, and the page's own text
inside that box is the item's text."""

from __future__ import annotations

import re

import pytest

import caseminer

pytest.importorskip("reportlab", reason="reportlab generates the PDF fixtures (dev extra)")

from pdf_fixtures import make_journal_pdf  # noqa: E402


@pytest.fixture(scope="module")
def pdf_report(tmp_path_factory, nlp):
    path = tmp_path_factory.mktemp("boxes") / "case.pdf"
    fixture = make_journal_pdf(path, pages=3, seed=5, hard=True)
    return fixture, caseminer.extract_file(path, nlp=nlp, include_text=True)


def _printed(path, box) -> str:
    """The page's text inside a box (top-left origin -> pdfium's bottom-left), spaces folded."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[box.page - 1]
        height = page.get_size()[1]
        text = page.get_textpage().get_text_bounded(
            left=box.x0 - 1, bottom=height - box.y1 + 1, right=box.x1 + 1, top=height - box.y0 - 1
        )
    finally:
        pdf.close()
    return re.sub(r"[\s\ufffe\x02-]+", "", text)


def test_every_pdf_item_has_boxes_on_its_page(pdf_report):
    fixture, report = pdf_report
    items = [*report.labs, *report.imaging, *report.diagnoses, *report.procedures]
    assert items
    for item in items:
        assert item.boxes, item.text
        assert item.boxes[0].page == item.page
        for box in item.boxes:
            assert 0 <= box.x0 < box.x1 <= 595 and 0 <= box.y0 < box.y1 <= 842


def test_a_box_holds_the_printed_evidence(pdf_report):
    fixture, report = pdf_report
    table_labs = [lab for lab in report.labs if lab.source == "table"]
    assert len(table_labs) >= 10
    for lab in [*table_labs, *report.diagnoses[:10]]:
        printed = "".join(_printed(fixture.path, b) for b in lab.boxes)
        wanted = re.sub(r"[\s-]+", "", lab.text)
        assert wanted in printed, (lab.text, printed, lab.boxes)


def test_text_input_has_no_boxes(nlp):
    report = caseminer.extract("Serum calcium was 11.9 mg/dL.", nlp=nlp)
    assert report.labs and all(lab.boxes == [] for lab in report.labs)
