"""caseminer_clinical: diagnoses and procedures, spans exact, attrs per docs/ARCHITECTURE.md."""

from __future__ import annotations

import pytest
from paths import SEED
from pipelines import component_pipeline

import caseminer.nlp.clinical.component  # noqa: F401  (registers the factory)
from caseminer.nlp.extensions import DIAGNOSIS, PROCEDURE, get_attrs, items


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_clinical", tokenizer="spacy")


def _found(doc, label):
    out = {}
    for span in items(doc, label):
        assert doc.text[span.start_char : span.end_char] == span.text
        out[" ".join(span.text.lower().split())] = span
    return out


@pytest.mark.parametrize(
    ("text", "label", "mention", "normalized"),
    [
        # cardiology
        (
            "He was admitted with acute myocardial infarction.",
            DIAGNOSIS,
            "acute myocardial infarction",
            "myocardial infarction",
        ),
        (
            "Echocardiography showed severe mitral regurgitation.",
            DIAGNOSIS,
            "mitral regurgitation",
            "mitral regurgitation",
        ),
        (
            "He underwent coronary artery bypass grafting.",
            PROCEDURE,
            "coronary artery bypass grafting",
            "coronary artery bypass grafting",
        ),
        # oncology
        (
            "Biopsy confirmed a poorly differentiated squamous cell carcinoma.",
            DIAGNOSIS,
            "poorly differentiated squamous cell carcinoma",
            "squamous cell carcinoma",
        ),
        (
            "She received neoadjuvant chemotherapy.",
            PROCEDURE,
            "neoadjuvant chemotherapy",
            "chemotherapy",
        ),
        # nephrology
        (
            "Renal biopsy showed membranous nephropathy.",
            DIAGNOSIS,
            "membranous nephropathy",
            "membranous nephropathy",
        ),
        (
            "Hemodialysis was started for acute kidney injury.",
            PROCEDURE,
            "hemodialysis",
            "hemodialysis",
        ),
        # infectious disease
        (
            "Blood cultures grew Staphylococcus aureus and endocarditis was diagnosed.",
            DIAGNOSIS,
            "endocarditis",
            "endocarditis",
        ),
        ("Blood cultures grew Staphylococcus aureus.", PROCEDURE, "blood cultures", "culture"),
        # pediatrics
        (
            "The infant had necrotizing enterocolitis.",
            DIAGNOSIS,
            "necrotizing enterocolitis",
            "necrotizing enterocolitis",
        ),
    ],
)
def test_curated_mentions(nlp, text, label, mention, normalized):
    found = _found(nlp(text), label)
    assert mention in found, found
    assert get_attrs(found[mention])["normalized"] == normalized


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("The patient was diagnosed with Kikuchi-Fujimoto disease.", "kikuchi-fujimoto disease"),
        ("Findings suggested eosinophilic granulomatosis.", "eosinophilic granulomatosis"),
        ("MRI revealed a chondroblastoma.", "chondroblastoma"),
        ("She developed xanthogranulomatous pyelonephritis.", "xanthogranulomatous pyelonephritis"),
    ],
)
def test_morphology_rules_generalise(nlp, text, mention):
    found = _found(nlp(text), DIAGNOSIS)
    assert mention in found, found
    assert get_attrs(found[mention])["rule"].startswith("clinical.")


def test_unseen_procedure_by_suffix(nlp):
    found = _found(nlp("A pyeloplasty was performed."), PROCEDURE)
    assert "pyeloplasty" in found
    assert get_attrs(found["pyeloplasty"])["category"] == "surgical"


def test_generic_words_alone_are_not_diagnoses(nlp):
    doc = nlp("The disease progressed and a mass was seen; the lesion had a diagnosis.")
    assert items(doc, DIAGNOSIS) == []


def test_severity_is_not_part_of_the_mention(nlp):
    found = _found(nlp("He had severe heart failure."), DIAGNOSIS)
    assert "heart failure" in found and "severe heart failure" not in found


def test_abbreviation_defined_in_text(nlp):
    doc = nlp("She had avascular necrosis (AVN) of the hip. AVN progressed.")
    spans = [s for s in items(doc, DIAGNOSIS) if s.text == "AVN"]
    assert len(spans) == 2
    assert all(get_attrs(s)["normalized"] == "avascular necrosis" for s in spans)


def test_procedure_attributes(nlp):
    doc = nlp("A right uncemented total hip replacement was performed.")
    (span,) = [s for s in items(doc, PROCEDURE)]
    attrs = get_attrs(span)
    assert doc.text[span.start_char : span.end_char] == span.text
    assert attrs["normalized"] == "hip replacement"
    assert attrs["body_sites"] == ["hip"]
    assert attrs["laterality"] == "right"
    assert set(attrs["modifiers"]) == {"uncemented", "total"}
    assert attrs["category"] == "surgical"


def test_curated_icd10_code(nlp):
    found = _found(nlp("He has a history of hypertension."), DIAGNOSIS)
    (code,) = get_attrs(found["hypertension"])["codes"]
    assert code["system"] == "ICD-10-CM" and code["code"] == "I10"


def test_no_imaging_studies(nlp):
    doc = nlp("CT and MRI of the pelvis and a bone scan were obtained.")
    assert items(doc, PROCEDURE) == []


def test_bad_input_does_not_crash(nlp):
    for text in ["", "   \n\n", "(((", "-itis", "\x00\x01"]:
        doc = nlp(text)
        assert isinstance(items(doc), list)


@pytest.fixture(scope="module")
def seed_doc(nlp):
    if not SEED.exists():
        pytest.skip("../shared is absent")
    return nlp(SEED.read_text(encoding="utf-8"))


def test_seed_diagnoses(seed_doc):
    found = _found(seed_doc, DIAGNOSIS)
    norms = {get_attrs(s)["normalized"] for s in items(seed_doc, DIAGNOSIS)}
    assert {"tumoral calcinosis", "avascular necrosis", "osteoarthritis", "breast cancer"} <= norms
    assert {"infection", "metastasis", "malignancy"} <= norms
    assert "osteoarthrosis" in found


def test_seed_procedures(seed_doc):
    procs = items(seed_doc, PROCEDURE)
    norms = {get_attrs(s)["normalized"] for s in procs}
    assert {"mastectomy", "chemotherapy", "radiotherapy", "hormone therapy"} <= norms
    assert {"hip replacement", "resection arthroplasty"} <= norms
    hips = [get_attrs(s) for s in procs if get_attrs(s)["normalized"] == "hip replacement"]
    mods = {m for a in hips for m in a["modifiers"]}
    assert {"two-stage", "conventional", "total", "uncemented"} <= mods
    mastectomy = next(get_attrs(s) for s in procs if get_attrs(s)["normalized"] == "mastectomy")
    assert mastectomy["modifiers"] == ["modified radical"]


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("Physical examination revealed a soft abdomen.", "physical examination"),
        ("An ECG showed sinus tachycardia.", "ecg"),
        ("On cardiac auscultation a murmur was heard.", "cardiac auscultation"),
        ("Laboratory tests were ordered on admission.", "laboratory tests"),
        ("She was placed on ECMO for refractory shock.", "ecmo"),
    ],
)
def test_examinations_are_diagnostic_procedures(nlp, text, mention):
    found = _found(nlp(text), PROCEDURE)
    assert mention in found, sorted(found)
    span = found[mention]
    assert text[span.start_char : span.end_char].lower() == mention
    assert get_attrs(span)["category"] in {"diagnostic", "therapeutic"}


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Chest CT showed a small pleural hemorrhage.", "hemorrhage"),
        ("There were bilateral pleural effusions and ascites.", "ascites"),
        ("Endoscopy revealed a deep ulcer in the antrum.", "ulcer"),
    ],
)
def test_findings_are_not_diagnoses(nlp, text, absent):
    found = _found(nlp(text), DIAGNOSIS)
    assert not any(absent in mention for mention in found), sorted(found)


def test_curated_disease_name_keeps_a_finding_head(nlp):
    text = "Echocardiography confirmed severe aortic stenosis."
    found = _found(nlp(text), DIAGNOSIS)
    assert "aortic stenosis" in found
    span = found["aortic stenosis"]
    assert text[span.start_char : span.end_char] == "aortic stenosis"


def test_drug_treatments_are_not_procedures(nlp):
    text = "Under general anesthesia she was intubated, and antibiotic therapy was started."
    found = _found(nlp(text), PROCEDURE)
    assert "intubated" in found
    assert not any("anesthesia" in m or "antibiotic" in m for m in found), sorted(found)
    assert "adjuvant chemotherapy" in _found(nlp("She received adjuvant chemotherapy."), PROCEDURE)


def test_abbreviated_organism_is_not_a_diagnosis(nlp):
    text = "Sputum culture grew M. tuberculosis, confirming pulmonary tuberculosis."
    found = _found(nlp(text), DIAGNOSIS)
    spans = [(s.start_char, s.end_char) for s in found.values()]
    assert spans == [(text.index("pulmonary tuberculosis"), len(text) - 1)]


def test_examination_reported_as_a_lab_analyte_is_left_to_the_lab(nlp):
    from spacy.tokens import Span

    from caseminer.nlp.extensions import add_item

    text = "The ECG was normal and the blood cultures were negative."
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        if name == "caseminer_clinical":
            for analyte, value in (("ECG", "normal"), ("blood cultures", "negative")):
                v = doc.char_span(text.index(value), text.index(value) + len(value))
                a0 = text.index(analyte)
                attrs = {"analyte_start_char": a0, "analyte_end_char": a0 + len(analyte)}
                add_item(doc, Span(doc, v.start, v.end, label="LAB"), attrs)
        doc = proc(doc)
    found = _found(doc, PROCEDURE)
    assert "ecg" not in found
    assert "blood cultures" in found  # a specimen-taking test stays a procedure
