"""caseminer_findings: signs, symptoms and examination/imaging findings from the open terminologies.

Each family of wordings is tested with several sentences: a rule that fixes one sentence is a
defect, a pattern that covers the family is the work. Every test also checks the span contract
(``text[start:end] == item.text``).
"""

from __future__ import annotations

import pytest

import caseminer


@pytest.fixture(scope="module")
def extract():
    caseminer.load()  # build once for the module
    return caseminer.extract


def _findings(extract, text: str):
    report = extract(text)
    for item in [*report.findings, *report.diagnoses, *report.labs, *report.procedures]:
        assert text[item.start : item.end] == item.text
    return report.findings


def _hpo(item) -> str | None:
    return next((c.code for c in item.codes if c.system == "HPO"), None)


def _by_hpo(extract, text: str) -> dict[str, object]:
    return {_hpo(f): f for f in _findings(extract, text) if _hpo(f)}


@pytest.mark.parametrize(
    ("text", "hpo"),
    [
        ("She had bilateral pitting oedema of the legs.", "HP:0000969"),  # British spelling
        ("Examination showed oedema of both ankles.", "HP:0000969"),
        ("He was admitted with fever and chills.", "HP:0001945"),
        ("Fevers were documented every evening.", "HP:0001945"),  # plural
        ("She reported severe headaches for two weeks.", "HP:0002315"),
        ("He complained of dyspnoea on exertion.", "HP:0002094"),  # British spelling
    ],
)
def test_terms_with_spelling_and_number_variants(extract, text, hpo):
    assert hpo in _by_hpo(extract, text)


@pytest.mark.parametrize(
    ("text", "hpo"),
    [
        ("Abdominal examination revealed an enlarged spleen.", "HP:0001744"),
        ("On palpation the spleen was markedly enlarged.", "HP:0001744"),
        ("Ultrasound confirmed splenic enlargement.", "HP:0001744"),
        ("The liver was enlarged, 3 cm below the costal margin.", "HP:0002240"),
        ("Chest radiograph showed an enlarged heart.", "HP:0001640"),
    ],
)
def test_word_order_variants_of_combining_form_terms(extract, text, hpo):
    assert hpo in _by_hpo(extract, text)


@pytest.mark.parametrize(
    ("text", "hpo"),
    [
        ("On admission she was febrile and tachycardic.", "HP:0001945"),
        ("On admission she was febrile and tachycardic.", "HP:0001649"),
        ("The boy looked pale and anaemic.", "HP:0001903"),
        ("He was jaundiced, with dark urine.", "HP:0000952"),
    ],
)
def test_adjectival_forms(extract, text, hpo):
    assert hpo in _by_hpo(extract, text)


def test_a_word_that_states_absence_is_extracted_negated(extract):
    found = _by_hpo(extract, "On examination he was afebrile and alert.")
    assert found["HP:0001945"].assertion.negated


@pytest.mark.parametrize(
    "text",
    [
        "She denied fever or night sweats.",
        "There was no fever.",
        "He was without fever during the stay.",
    ],
)
def test_negated_findings_are_kept_with_their_flag(extract, text):
    fever = _by_hpo(extract, text)["HP:0001945"]
    assert fever.assertion.negated


def test_acronyms_match_case_sensitively(extract):
    assert "HP:0002094" in _by_hpo(extract, "He presented with SOB and cough.")
    assert "HP:0002094" not in _by_hpo(extract, "She began to sob quietly.")


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("She reported pain.", "pain", False),
        ("She reported abdominal pain.", "pain", True),
        ("He had pain in the left knee.", "pain", True),
        ("A mass was noted.", "mass", False),
        ("A palpable mass was noted in the flank.", "mass", True),
        ("CT showed a 4 cm mass in the left lower lobe.", "mass", True),
        ("There was a lesion.", "lesion", False),
        ("MRI showed a hypointense lesion in the pons.", "lesion", True),
    ],
)
def test_generic_words_need_a_modifier(extract, text, word, expected):
    found = [f.text.lower() for f in _findings(extract, text)]
    assert any(word in t for t in found) is expected, found


def test_a_reference_back_is_not_a_new_finding(extract):
    text = "CT showed a mass in the liver. The mass was resected."
    masses = [f for f in _findings(extract, text) if "mass" in f.text]
    assert len(masses) == 1 and masses[0].start < text.index("The mass")


def test_coordinated_terms_are_two_findings(extract):
    found = _by_hpo(extract, "He had nausea and vomiting for two days.")
    assert {"HP:0002018", "HP:0002013"} <= set(found)


@pytest.mark.parametrize(
    "text",
    [
        "He had a history of diabetes mellitus.",
        "She was diagnosed with Marfan syndrome.",
        "Chest CT confirmed pulmonary tuberculosis.",
    ],
)
def test_diseases_stay_diagnoses(extract, text):
    report = extract(text)
    assert report.diagnoses
    overlaps = [
        f for f in report.findings for d in report.diagnoses if f.start < d.end and d.start < f.end
    ]
    assert not overlaps


def test_findings_carry_hpo_first_and_icd_r_codes(extract):
    fever = _by_hpo(extract, "He was admitted with fever.")["HP:0001945"]
    assert fever.codes[0].system == "HPO"
    icd = [c.code for c in fever.codes if c.system == "ICD-10-CM"]
    assert icd and all(code.startswith("R") for code in icd)
    assert fever.normalized == "Fever"


@pytest.mark.parametrize(
    "text",
    [
        "Abdominal CT showed hepatomegaly and ascites.",
        "Abdominal ultrasound showed splenomegaly.",
        "Chest X-ray demonstrated cardiomegaly.",
    ],
)
def test_a_finding_in_an_imaging_sentence_names_its_study(extract, text):
    report = extract(text)
    assert report.imaging and report.findings
    ids = {i.id for i in report.imaging}
    for finding in report.findings:
        assert finding.study in ids and finding.category == "imaging"


def test_phenotype_is_deduplicated_with_evidence_and_exclusion(extract):
    text = (
        "A 30-year-old man presented with fever and splenomegaly. He had no seizures. "
        "Fever persisted; the spleen was enlarged on ultrasound."
    )
    report = extract(text)
    terms = {t.hpo: t for t in report.phenotype}
    fever = terms["HP:0001945"]
    assert len(fever.evidence) == 2 and not fever.excluded
    ids = {f.id for f in report.findings} | {d.id for d in report.diagnoses}
    assert set(fever.evidence) <= ids
    assert len(terms["HP:0001744"].evidence) == 2
    assert terms["HP:0001250"].excluded  # seizures, stated absent only


@pytest.mark.parametrize(
    "text",
    [
        "The rash resolved after two weeks of treatment.",
        "She recovered from the fever within three days.",
    ],
)
def test_a_resolved_finding_is_a_present_phenotype(extract, text):
    """A resolved mention is negated (absent now) and resolved (the patient had it): the term is
    part of the patient's phenotype, not excluded."""
    report = extract(text)
    assert any(f.assertion.resolved and f.assertion.negated for f in report.findings)
    assert report.phenotype and not any(t.excluded for t in report.phenotype)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Investigations showed hypokalemia (2.4 mmol/L).", "HP:0002900"),
        ("He was afebrile with a resting tachycardia of 125/minute.", "HP:0001649"),
        ("On auscultation, a 2/6 systolic murmur was audible.", "R01.1"),
    ],
)
def test_a_phenotype_named_as_a_labs_analyte_is_a_finding_and_the_lab_stays(extract, text, code):
    report = extract(text)
    assert report.labs, "the value stays a lab item"
    assert code in {c.code for f in report.findings for c in f.codes}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("She had pain in the right hip.", True),  # a side and a body site
        ("He reported pain over the left flank.", True),
        ("A firm mass in the liver was palpated.", True),
        ("Tenderness and pain at the medial joint line were noted.", True),
        ("Surgery was chosen to control pain in an effective manner.", False),
        ("The pain of waiting was mentioned by the family.", False),
        ("A mass of evidence supports early surgery.", False),
    ],
)
def test_a_phrase_after_a_generic_word_counts_only_when_it_names_a_site(extract, text, found):
    """Generic words ("pain", "mass") need a modifier; a phrase after them is one only when it
    names a body site, a side or a level, not any prepositional phrase."""
    report = extract(text)
    generic = [f for f in report.findings if f.text.lower().endswith(("pain", "mass"))]
    assert bool(generic) is found, [(f.text, f.rule) for f in report.findings]
