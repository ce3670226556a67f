"""Hard journal PDFs (justified lines, compounds broken at their hyphen, wrapped multi-pair lab
tables): no body word lost, sentences intact, every table value on its analyte's line."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("reportlab", reason="reportlab generates the PDF fixtures (dev extra)")

from pdf_fixtures import make_journal_pdf  # noqa: E402

from caseminer.readers.pdf.fidelity import check_pdf, compare  # noqa: E402
from caseminer.readers.pdf.reader import extract_pdf  # noqa: E402


@pytest.fixture(scope="module", params=[0, 1, 3])
def hard(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("hard") / f"hard{request.param}.pdf"
    doc = make_journal_pdf(path, pages=4, seed=request.param, hard=True)
    return doc, extract_pdf(path).text


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_no_body_word_of_the_text_layer_is_lost(hard):
    doc, _ = hard
    fid = check_pdf(doc.path)
    assert fid.n_missing == 0, fid.missing.most_common(10)
    assert sum(fid.furniture.values()) > 0  # headers/footers removed on purpose, counted apart


def test_justified_lines_stay_prose_and_sentences_intact(hard):
    doc, text = hard
    folded = _fold(text)
    broken = [s for s in doc.sentences if _fold(s) not in folded]
    assert broken == []
    prose = [ln for ln in text.split("\n") if ln.count("\t") and "mg/dL [" in ln]
    assert prose == []


def test_compounds_keep_their_hyphen_and_split_words_join(hard):
    doc, text = hard
    for word in set(doc.kept_hyphens):
        assert word in text, word
    for word in set(doc.split_words):
        assert word in text, word


def test_every_wrapped_table_value_sits_on_its_analytes_line(hard):
    doc, text = hard
    lines = text.split("\n")
    rows = [*doc.lab_rows, *((a, *vu.split(" ")) for a, vu, _ in doc.range_rows)]
    for analyte, value, unit in rows:
        hits = [ln for ln in lines if ln.split("\t")[0] == analyte]
        assert any(value in ln.split("\t")[1] and unit in ln for ln in hits), (analyte, hits)


def test_the_fidelity_check_can_fail():
    fid = compare("the patient and a mass", "the patient anda mass")
    assert fid.n_missing == 2 and set(fid.missing) == {"and", "a"}
    assert compare("calcifi-\ncation seen", "calcification seen").n_missing == 0
    removed = compare("Journal 3 the mass", "the mass", removed=["Journal 3"])
    assert removed.n_missing == 0 and sum(removed.furniture.values()) == 2
