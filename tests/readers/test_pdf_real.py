"""PDF reader on the real journal PDFs in ../shared/corpora/pdfs (skipped when absent)."""

from __future__ import annotations

import re

import pytest
from paths import SHARED

from caseminer.readers.pdf.reader import read_pdf

PDFS = SHARED / "corpora" / "pdfs"

# file -> (pages, sentences that only come out intact in the right reading order and with
# line-end hyphens resolved, running header/footer strings that must be gone)
FACTS = {
    "bmc_jtraumamgmt_dvt-prophylaxis-review_2col.pdf": (
        4,
        [
            "Multisystem traumatic injury is a significant risk factor for the development of a "
            "deep venous thrombosis (DVT).",
            "Although DVT alone is not life-threatening, a resulting pulmonary embolism (PE) "
            "carries potentially significant morbidity and mortality.",
            # the sentence runs from the left column past a footnote into the right column
            "level one evidence currently supports the use of pharmacologic anticoagulation with "
            "low molecular weight heparins (LMWHs) as the primary DVT prophylactic agent [10].",
        ],
        ["traumamanagement.org/content/4/1/1", "licensee BioMed Central Ltd"],
    ),
    "bmc_jner_fes-hand-opening_2col.pdf": (
        9,
        ["different current paths are induced in the motor axons underlying the stimulating"],
        ["Journal of NeuroEngineering and Rehabilitation (2016) 13:22"],
    ),
    "bmc_healthservres_malawi-quality-improvement_2col.pdf": (
        10,
        [],
        ["BMC Health Services Research 2014, 14:1", "biomedcentral.com/1472-6963/14/1"],
    ),
    "bmc_trials_drug-monitoring-protocol_2col.pdf": (
        7,
        [],
        ["Forster et al. Trials 2015, 16:2", "trialsjournal.com/content/16/1/2"],
    ),
    "cureus_india-healthcare-hr-review_1col.pdf": (
        4,
        [
            "India’s health indicators have improved in recent times but continue to lag behind "
            "those of its peer nations."
        ],
        ["DOI 10.7759/cureus.40274 2 of"],
    ),
    "hindawi_rehabres_heart-failure-programmes_2col.pdf": (6, [], []),
}


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def sources():
    if not PDFS.is_dir():
        pytest.skip(f"{PDFS} is absent (../shared not available)")
    out = {}
    for name in FACTS:
        if (PDFS / name).exists():
            out[name] = read_pdf(PDFS / name, timeout_s=60)
    if not out:
        pytest.skip("no real PDFs present")
    return out


@pytest.mark.parametrize("name", sorted(FACTS))
def test_real_pdf_facts(sources, name):
    if name not in sources:
        pytest.skip(f"{name} absent")
    src = sources[name]
    pages, sentences, furniture = FACTS[name]
    assert src.format == "pdf" and src.n_pages == pages
    text = _fold(src.text)
    for sentence in sentences:
        assert sentence in text
    for banner in furniture:
        assert banner not in text
    assert not re.search(r"\bPage \d+ of \d+\b", text)
    assert "\ufffe" not in text and "\ufb01" not in text


def test_real_pdf_page_starts_map_text_to_pages(sources):
    for src in sources.values():
        assert len(src.page_starts) == src.n_pages
        assert list(src.page_starts) == sorted(src.page_starts)
        assert src.page_of(len(src.text) - 1) == src.n_pages


def test_real_pdf_captions_found(sources):
    name = "bmc_jner_fes-hand-opening_2col.pdf"
    if name not in sources:
        pytest.skip(f"{name} absent")
    src = sources[name]
    captions = [src.text[s:e] for s, e, k in src.blocks if k == "figure_caption"]
    assert len(captions) >= 3
    assert all(re.match(r"Fig(ure)?\.? ?\d", c) for c in captions)
