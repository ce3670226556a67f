"""caseminer_imaging, mention extent and mention choice: what counts as a study and which words
the item span covers (MACCROBAT annotation style: the head noun, without site or scan words)."""

from __future__ import annotations

import pytest
from pipelines import component_pipeline

import caseminer.nlp.imaging.component  # noqa: F401  (registers the factory)
from caseminer.nlp.extensions import IMAGING, get_attrs, items


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_imaging", tokenizer="spacy")


def found(nlp, text: str) -> list[tuple[str, int, str]]:
    """(mention, start, modality) of every IMAGING item; checks the offset contract."""
    out = []
    for span in items(nlp(text), IMAGING):
        assert text[span.start_char : span.end_char] == span.text
        out.append((span.text, span.start_char, get_attrs(span)["modality"]))
    return out


def test_generic_imaging_alone_is_a_study(nlp):
    text = "There was a high suspicion of metastases despite negative imaging (not shown)."
    assert found(nlp, text) == [("imaging", text.index("imaging"), "imaging")]


def test_generic_imaging_with_modifier(nlp):
    text = "Cross-sectional imaging revealed a 7 cm mass."
    assert found(nlp, text) == [("Cross-sectional imaging", 0, "imaging")]


def test_generic_imaging_under_a_named_study_is_dropped(nlp):
    text = "Imaging studies were taken, and a fracture was identified in x rays."
    assert [m for m, _, _ in found(nlp, text)] == ["x rays"]


def test_generic_imaging_listing_its_studies_is_kept(nlp):
    text = "Brain imaging including CT and MRI did not show any lesion."
    assert [m for m, _, _ in found(nlp, text)] == ["imaging", "CT", "MRI"]


def test_mr_imaging_is_one_mri_mention(nlp):
    text = "A node was seen in magnetic resonance (MR) imaging. Follow-up MR revealed growth."
    got = found(nlp, text)
    mr = [(m, s) for m, s, mod in got if m == "MR" and mod == "MRI"]
    assert mr == [("MR", text.index("MR)")), ("MR", text.index("MR revealed"))]
    assert "imaging" not in [m for m, _, _ in got]


def test_mitral_regurgitation_is_not_mr_imaging(nlp):
    assert found(nlp, "Mitral regurgitation (MR) was moderate and MR worsened later.") == []


def test_cardiac_mr_and_its_abbreviation(nlp):
    text = "She underwent cardiac magnetic resonance (CMR). Results of CMR confirmed normal size."
    got = found(nlp, text)
    assert [m for m, _, _ in got] == ["cardiac magnetic resonance", "CMR", "CMR"]
    assert {mod for _, _, mod in got} == {"MRI"}


def test_cmr_defined_otherwise_is_not_a_study(nlp):
    assert found(nlp, "He reached complete molecular response (CMR) after imatinib.") == []


def test_endoscopic_ultrasound_guided_aspiration_is_a_procedure(nlp):
    text = "EUS showed a hypoechoic lesion; EUS-FNA was then performed."
    assert [(m, s) for m, s, _ in found(nlp, text)] == [("EUS", 0)]


def test_doppler_ultrasound_span_is_the_head_noun(nlp):
    text = "EKG and carotid Doppler ultrasound were unremarkable."
    assert found(nlp, text) == [("ultrasound", text.index("ultrasound"), "Doppler ultrasound")]


def test_slash_hybrid_is_split_hyphen_hybrid_is_not(nlp):
    text = "A PET/CT scan showed uptake. A later PET-CT was negative."
    got = found(nlp, text)
    assert ("PET", text.index("PET/"), "PET") in got
    assert ("CT", text.index("CT scan"), "CT") in got
    assert ("PET-CT", text.index("PET-CT"), "PET-CT") in got
    assert len(got) == 3


def test_computed_tomography_scan_excludes_scan(nlp):
    text = "A computed tomography scan of the head showed sinusitis."
    assert found(nlp, text) == [("computed tomography", 2, "CT")]


def test_multimodal_imaging_recommendation_is_not_a_study(nlp):
    assert found(nlp, "Multimodal imaging is recommended to diagnose this condition.") == []


def test_generic_imaging_in_discussion_is_literature(nlp):
    text = "Imaging revealed a mass. Cross-sectional imaging is the first step. CT shows calcium."
    doc = nlp.make_doc(text)
    cut = text.index("Cross")
    doc._.sections = [
        {"title": "Case", "kind": "case", "start_char": 0, "end_char": cut},
        {"title": "Discussion", "kind": "discussion", "start_char": cut, "end_char": len(text)},
    ]
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    got = [(s.text, s.start_char) for s in items(doc, IMAGING)]
    assert got == [("Imaging", 0), ("CT", text.index("CT"))]  # a named study still counts
