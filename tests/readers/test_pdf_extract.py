"""A PDF all the way through: reader -> repair -> pipeline -> JSON, with pages and table labs."""

from __future__ import annotations

import pytest

import caseminer

pytest.importorskip("reportlab", reason="reportlab generates the PDF fixtures (dev extra)")

from pdf_fixtures import LAB_ROWS, RANGE_ROWS, make_journal_pdf  # noqa: E402


@pytest.fixture(scope="module")
def pdf_report(tmp_path_factory, nlp):
    path = tmp_path_factory.mktemp("pdf") / "case.pdf"
    fixture = make_journal_pdf(path, pages=3, seed=7)
    report = caseminer.extract_file(path, nlp=nlp, include_text=True)
    return fixture, report


def test_document_records_pages_and_text(pdf_report):
    fixture, report = pdf_report
    assert report.document.format == "pdf"
    assert report.document.pages == fixture.pages
    assert report.document.text


def test_every_item_points_into_the_returned_text_and_has_a_page(pdf_report):
    fixture, report = pdf_report
    text = report.document.text
    items = [*report.labs, *report.imaging, *report.diagnoses, *report.procedures]
    assert items
    for item in items:
        assert text[item.start : item.end] == item.text
        assert item.page is not None and 1 <= item.page <= fixture.pages


def test_lab_table_rows_become_table_labs_on_the_table_page(pdf_report):
    fixture, report = pdf_report
    table_labs = [lab for lab in report.labs if lab.source == "table"]
    found = {(lab.analyte_text or lab.analyte).lower(): lab for lab in table_labs}
    for label, value, unit in LAB_ROWS:
        matches = [
            lab for name, lab in found.items() if label.lower() in name or name in label.lower()
        ]
        assert matches, (label, sorted(found))
        lab = matches[0]
        assert lab.value == pytest.approx(float(value.replace(",", "."))), (label, lab.value_text)
        assert (lab.unit or "").lower() == unit.lower(), (label, lab.unit)
        assert lab.page == fixture.table_page


def test_reference_ranges_from_a_table_column(pdf_report):
    _, report = pdf_report
    table_labs = [lab for lab in report.labs if lab.source == "table"]
    by_analyte = {(lab.analyte_text or lab.analyte).lower(): lab for lab in table_labs}
    for label, value_unit, ref in RANGE_ROWS:
        lab = by_analyte.get(label.lower())
        assert lab is not None, (label, sorted(by_analyte))
        low, high = (float(x) for x in ref.split("-"))
        assert lab.reference_range is not None and lab.reference_range.source == "text"
        assert (lab.reference_range.low, lab.reference_range.high) == (low, high)
        value = float(value_unit.split()[0])
        expected = "low" if value < low else "high" if value > high else "normal"
        assert lab.interpretation == expected
