"""PDF reader on generated journal-style PDFs: reading order, furniture, words, tables, errors."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("reportlab")

from pdf_fixtures import (  # noqa: E402
    FOOTER,
    HEADER_LEFT,
    HEADER_RIGHT,
    make_journal_pdf,
)
from pdf_odd_fixtures import (  # noqa: E402
    make_encrypted_pdf,
    make_image_only_pdf,
    make_zero_page_pdf,
)

from caseminer.readers.errors import ReadError  # noqa: E402
from caseminer.readers.pdf.reader import NO_TEXT, extract_pdf, read_pdf  # noqa: E402


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def journal(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "journal.pdf"
    doc = make_journal_pdf(path, pages=3, seed=7)
    return doc, read_pdf(path, timeout_s=30)


def test_source_text_shape(journal):
    doc, src = journal
    assert src.format == "pdf"
    assert src.path == str(doc.path)
    assert len(src.page_starts) == doc.pages
    assert list(src.page_starts) == sorted(src.page_starts)
    assert src.page_starts[0] == 0 and src.page_starts[-1] < len(src.text)


def test_sentences_intact_in_reading_order(journal):
    doc, src = journal
    text = _fold(src.text)
    intact = [s for s in doc.sentences if _fold(s) in text]
    assert len(intact) / len(doc.sentences) >= 0.98, set(doc.sentences) - set(intact)
    # order: the abstract comes first and sentences follow the flow of the columns
    positions = [text.find(_fold(s)) for s in intact]
    ordered = sum(a < b for a, b in zip(positions, positions[1:], strict=False))
    assert ordered >= 0.95 * (len(positions) - 1)


def test_running_header_footer_and_page_numbers_removed(journal):
    _, src = journal
    for furniture in (HEADER_LEFT, HEADER_RIGHT, FOOTER, "CC BY 4.0"):
        assert furniture not in src.text
    assert not re.search(r"^\s*\d{1,3}\s*$", src.text, re.MULTILINE)
    assert any("header/footer" in w for w in src.warnings)


def test_words_repaired(journal):
    doc, src = journal
    assert doc.split_words, "fixture should break some words at line ends"
    for word in set(doc.split_words):
        assert word in src.text
    for compound in set(doc.kept_hyphens):
        assert compound in src.text
    for bad in ("\ufb01", "\ufb02", "\u00a0", "\ufffe"):
        assert bad not in src.text
    assert "significant" in src.text


def test_superscript_citation_not_glued_to_number(journal):
    _, src = journal
    assert re.search(r"mg/dL \[\d\]", src.text)
    assert not re.search(r"mg/dL\d", src.text)
    assert not re.search(r"\d mL\d", src.text)


def test_lab_table_rows_recovered(journal):
    doc, src = journal
    tables = [(s, e) for s, e, kind in src.blocks if kind == "table"]
    assert len(tables) == 2
    start, end = next((s, e) for s, e in tables if "Creatinine" in src.text[s:e])
    rows = src.text[start:end].split("\n")
    for analyte, value, unit in doc.lab_rows:
        line = f"{analyte}\t{value} {unit}"
        assert line in rows, line
        offset = src.text.index(line, start)
        assert src.text[offset : offset + len(line)] == line
        assert src.page_of(offset) == doc.table_page
    assert not any("Potassium" in r and "Creatinine" in r for r in rows)


def test_in_column_table_keeps_reference_ranges(journal):
    doc, src = journal
    start, end = next(
        (s, e) for s, e, k in src.blocks if k == "table" and "Hemoglobin" in src.text[s:e]
    )
    rows = src.text[start:end].split("\n")
    assert rows[0] == "Test\tResult\tReference range"
    for cells in doc.range_rows:
        line = "\t".join(cells)
        assert line in rows
        offset = src.text.index(line, start)
        assert src.text[offset : offset + len(line)] == line
    # the running text beside the table stays out of it
    assert all(len(r.split("\t")) == 3 for r in rows)


def test_captions_are_their_own_blocks(journal):
    doc, src = journal
    captions = {_fold(src.text[s:e]) for s, e, k in src.blocks if k.endswith("_caption")}
    for caption in doc.captions:
        assert caption in captions
    kinds = {k for _, _, k in src.blocks}
    assert {"figure_caption", "table_caption", "table", "body", "heading"} <= kinds


def test_blocks_are_valid_spans(journal):
    _, src = journal
    last = -1
    for start, end, _ in src.blocks:
        assert 0 <= start < end <= len(src.text)
        assert start >= last
        assert src.text[start:end].strip() == src.text[start:end]
        last = end


def test_title_first(journal):
    doc, src = journal
    assert src.text.startswith(doc.title)


def test_in_process_and_child_agree(journal):
    doc, src = journal
    assert extract_pdf(doc.path).text == src.text


@pytest.mark.parametrize(
    ("maker", "reason"),
    [
        (make_encrypted_pdf, "encrypted"),
        (make_zero_page_pdf, "zero pages"),
        (make_image_only_pdf, NO_TEXT),
    ],
)
def test_bad_pdfs_raise_read_error(tmp_path, maker, reason):
    path = maker(tmp_path / "bad.pdf")
    with pytest.raises(ReadError) as info:
        read_pdf(path, timeout_s=30)
    assert reason in info.value.reason
    assert str(path) in str(info.value)


def test_corrupt_and_missing(tmp_path):
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.4\nthis is not a PDF body\n")
    with pytest.raises(ReadError, match="corrupt"):
        read_pdf(corrupt, timeout_s=30)
    with pytest.raises(ReadError, match="not found"):
        read_pdf(tmp_path / "missing.pdf")


def test_truncated_pdf_is_a_read_error(journal, tmp_path):
    doc, _ = journal
    data = doc.path.read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReadError) as info:
        read_pdf(truncated, timeout_s=30)
    assert str(truncated) in str(info.value)


def test_page_limit(journal):
    doc, _ = journal
    with pytest.raises(ReadError, match="more than the limit of 2"):
        read_pdf(doc.path, max_pages=2, timeout_s=30)


def test_time_limit_kills_a_stuck_extraction(journal, monkeypatch):
    import time

    import caseminer.readers.pdf.reader as pdf_mod

    doc, _ = journal

    def stuck(*args, **kwargs):
        time.sleep(60)

    monkeypatch.setattr(pdf_mod, "extract_pdf", stuck)  # the forked child inherits the patch
    began = time.monotonic()
    with pytest.raises(ReadError, match="timed out"):
        pdf_mod.read_pdf(doc.path, timeout_s=0.5)
    assert time.monotonic() - began < 10


def test_memory_limit_stops_a_greedy_extraction(journal, monkeypatch):
    import caseminer.readers.pdf.reader as pdf_mod

    doc, _ = journal

    def greedy(*args, **kwargs):
        return bytearray(800 * 1024 * 1024)

    monkeypatch.setattr(pdf_mod, "extract_pdf", greedy)
    with pytest.raises(ReadError, match="memory"):
        pdf_mod.read_pdf(doc.path, timeout_s=30, max_memory_mb=100)


def test_wrapped_table_cells_come_out_as_whole_rows(tmp_path):
    from pdf_odd_fixtures import WRAPPED_ROWS, make_wrapped_table_pdf

    src = read_pdf(make_wrapped_table_pdf(tmp_path / "wrapped.pdf"), timeout_s=30)
    start, end = next((s, e) for s, e, k in src.blocks if k == "table")
    rows = src.text[start:end].split("\n")
    for analyte, value, unit in WRAPPED_ROWS:
        assert f"{analyte}\t{value} {unit}" in rows
    assert len(rows) == len(WRAPPED_ROWS) + 1  # header + one line per analyte
