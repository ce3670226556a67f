"""caseminer_imaging: study mentions, their attributes and findings, with exact offsets."""

from __future__ import annotations

import pytest
from paths import SEED
from pipelines import component_pipeline

import caseminer.nlp.imaging.component  # noqa: F401  (registers the factory)
from caseminer.nlp.extensions import IMAGING, get_attrs, items


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_imaging", tokenizer="spacy")


def studies(nlp, text: str):
    """(span, attrs) of every IMAGING item, checking the offset contract on each."""
    doc = nlp(text)
    out = []
    for span in items(doc, IMAGING):
        assert text[span.start_char : span.end_char] == span.text
        attrs = get_attrs(span)
        for f in attrs["findings"]:
            assert 0 <= f["start_char"] < f["end_char"] <= len(text)
        out.append((span, attrs))
    return out


def study_at(found, text: str, mention: str, after: str = "") -> tuple:
    """The item whose span is exactly ``mention`` at its first occurrence after ``after``."""
    start = text.index(mention, text.index(after) if after else 0)
    hits = [(s, a) for s, a in found if (s.start_char, s.end_char) == (start, start + len(mention))]
    assert hits, f"no IMAGING item for {mention!r} at {start}: {[s.text for s, _ in found]}"
    span, attrs = hits[0]
    assert text[span.start_char : span.end_char] == mention
    return span, attrs


def finding_text(text: str, attrs: dict) -> str:
    assert attrs["findings"], "expected a finding"
    f = attrs["findings"][0]
    return text[f["start_char"] : f["end_char"]]


# ----------------------------------------------------------------------------- hand-written
def test_ct_chest_with_contrast_and_size(nlp):
    text = "A contrast-enhanced CT of the chest showed a 3.2 x 2.1 cm spiculated mass."
    found = studies(nlp, text)
    assert len(found) == 1
    _, attrs = study_at(found, text, "CT")
    assert attrs["modality"] == "CT"
    assert attrs["body_sites"] == ["chest"]
    assert attrs["contrast"] is True
    assert finding_text(text, attrs) == "a 3.2 x 2.1 cm spiculated mass"
    assert "size 3.2 x 2.1 cm" in attrs["findings"][0]["descriptors"]
    assert "mass" in attrs["findings"][0]["descriptors"]


def test_non_contrast_is_false(nlp):
    text = "A non-contrast CT scan of the head was unremarkable."
    _, attrs = study_at(studies(nlp, text), text, "CT")
    assert attrs["contrast"] is False
    assert attrs["body_sites"] == ["head"]
    assert finding_text(text, attrs) == "unremarkable"


def test_tte_long_and_short_form_share_the_finding(nlp):
    text = (
        "Transthoracic echocardiography (TTE) revealed a left ventricular ejection fraction "
        "of 35% with moderate mitral regurgitation."
    )
    found = studies(nlp, text)
    _, long_attrs = study_at(found, text, "Transthoracic echocardiography")
    _, short_attrs = study_at(found, text, "TTE")
    assert long_attrs["modality"] == short_attrs["modality"] == "echocardiography"
    assert finding_text(text, short_attrs).startswith("a left ventricular ejection fraction")
    assert finding_text(text, long_attrs) == finding_text(text, short_attrs)


def test_abdominal_ultrasound(nlp):
    text = "Abdominal ultrasound demonstrated a hypoechoic lesion in the left kidney."
    _, attrs = study_at(studies(nlp, text), text, "ultrasound")
    assert attrs["modality"] == "ultrasound"
    assert attrs["body_sites"] == ["abdomen"]
    assert finding_text(text, attrs) == "a hypoechoic lesion in the left kidney"
    assert {"hypoechoic", "lesion"} <= set(attrs["findings"][0]["descriptors"])


def test_brain_mri_flair(nlp):
    text = "Brain MRI showed hyperintense lesions on FLAIR images without enhancement."
    _, attrs = study_at(studies(nlp, text), text, "MRI")
    assert attrs["body_sites"] == ["brain"]
    assert attrs["sequences"] == ["FLAIR"]
    descriptors = attrs["findings"][0]["descriptors"]
    assert "high signal" in descriptors
    assert "no enhancement" in descriptors
    assert "enhancement" not in descriptors


def test_signal_per_sequence(nlp):
    text = "On MRI, the mass was hypointense on T1-weighted images and hyperintense on T2."
    found = studies(nlp, text)
    _, attrs = study_at(found, text, "MRI")
    assert attrs["sequences"] == ["T1", "T2"]
    assert finding_text(text, attrs).startswith("the mass was hypointense")
    _, rider = study_at(found, text, "T1-weighted images")  # a sequence mention rides on the MRI
    assert rider["modality"] == "MRI" and rider["sequences"] == ["T1", "T2"]
    descriptors = attrs["findings"][0]["descriptors"]
    assert "low T1 signal" in descriptors and "high T2 signal" in descriptors


def test_views_and_laterality(nlp):
    text = "A right knee X-ray (anteroposterior and lateral views) revealed a fracture."
    _, attrs = study_at(studies(nlp, text), text, "X-ray")
    assert attrs["planes"] == ["anteroposterior", "lateral"]
    assert attrs["body_sites"] == ["knee"]
    assert attrs["laterality"] == "right"
    assert "fracture" in attrs["findings"][0]["descriptors"]


def test_doppler_with_ultrasound_is_one_study(nlp):
    text = "Abdominal ultrasound with Doppler studies demonstrated turbulent flow."
    found = studies(nlp, text)
    assert [s.text for s, _ in found] == ["ultrasound"]


@pytest.mark.parametrize(
    "text",
    [
        "The imaging findings were reviewed by two radiologists.",
        "EUS-FNA was performed with a 22G needle.",
        "The US Food and Drug Administration approved the drug.",
        "The CTLA-4 inhibitor was stopped and ECT sessions were resumed.",
        "The biopsy was performed under fluoroscopic guidance.",
        "A CT-guided drain was placed.",
        "EXTEM clotting time (CT) was 228 s.",
        "Our clinical and radiographic differential diagnosis included sarcoma.",
        "The aspect of the lesion is not perfect.",
        "Moderate MR and a dilated left atrium were noted.",
    ],
)
def test_not_a_study(nlp, text):
    assert studies(nlp, text) == []


def test_us_with_imaging_context(nlp):
    text = "A follow-up breast US revealed two nodules."
    _, attrs = study_at(studies(nlp, text), text, "US")
    assert attrs["modality"] == "ultrasound"
    assert attrs["body_sites"] == ["breast"]


def test_case_sensitive_abbreviations(nlp):
    assert studies(nlp, "The ct value and the mri were recorded.") == []
    text = "Chest computed tomography (CT) showed consolidation."
    found = studies(nlp, text)
    assert [s.text for s, _ in found] == ["computed tomography", "CT"]
    assert all(a["body_sites"] == ["chest"] for _, a in found)


def test_bad_input_does_not_raise(nlp):
    for text in ["", "CT", "(CT)", "MRI,", "x" * 1000, "CT of the\n\n", "showed"]:
        studies(nlp, text)


# ----------------------------------------------------------------------------- seed report
@pytest.fixture(scope="module")
def seed():
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent (../shared not available)")
    return SEED.read_text(encoding="utf-8")


def test_seed_pelvis_xray_caption(nlp, seed):
    found = studies(nlp, seed)
    _, attrs = study_at(found, seed, "X rays", after="Figure 1: Anteroposterior")
    assert attrs["modality"] == "X-ray"
    assert "anteroposterior" in attrs["planes"]
    assert "pelvis" in attrs["body_sites"]
    assert "severe osteoarthrosis" in finding_text(seed, attrs)


def test_seed_xray_in_case_text_not_generic_imaging(nlp, seed):
    found = studies(nlp, seed)
    _, attrs = study_at(found, seed, "x rays", after="was identified in")
    assert finding_text(seed, attrs).startswith("a collapse of the femoral head")
    generic = seed.index("Imaging studies were taken")
    assert not [s for s, _ in found if s.start_char <= generic < s.end_char]


def test_seed_bone_scan(nlp, seed):
    _, attrs = study_at(studies(nlp, seed), seed, "Bone scan", after="(Figure 1).")
    assert attrs["modality"] == "bone scan"
    assert finding_text(seed, attrs).startswith("degenerative changes")
    assert "degenerative changes" in attrs["findings"][0]["descriptors"]


def test_seed_mri_t1_t2_fluid_level(nlp, seed):
    _, attrs = study_at(studies(nlp, seed), seed, "MRI", after="(Figure 2)")
    assert attrs["modality"] == "MRI"
    assert attrs["sequences"] == ["T1", "T2"]
    assert finding_text(seed, attrs).startswith("a round lesion close to the right")
    descriptors = attrs["findings"][0]["descriptors"]
    assert {"low T1 signal", "heterogeneous", "fluid level", "lesion"} <= set(descriptors)


def test_seed_mri_caption_planes(nlp, seed):
    _, attrs = study_at(studies(nlp, seed), seed, "MRI", after="Figure 3 :")
    assert attrs["planes"] == ["coronal", "axial"]
    assert attrs["body_sites"] == ["pelvis"]
    assert "heterogeneous" in attrs["findings"][0]["descriptors"]


def test_ejection_fraction_descriptor(nlp):
    text = "TTE showed a left ventricular ejection fraction of 35% and mild mitral regurgitation."
    _, attrs = study_at(studies(nlp, text), text, "TTE")
    descriptors = attrs["findings"][0]["descriptors"]
    assert "ejection fraction 35%" in descriptors
    assert "regurgitation" in descriptors
    assert attrs["laterality"] is None  # "left ventricular" is in the finding, not the site
