"""Results of tests outside the catalogue are kept only when the noun phrase names a test.

Issue 12: "soft tissues = normal", "studies = inconclusive", "malignant behavior = negative" and
"may = improved" were LAB items. The rule (tests.json ``test_heads``): the head noun of the phrase
must be a test (listed, a test suffix such as -graphy/-scopy/-logy, a marker shape for polar
results), and a generic head ("studies", "findings") needs a modifier that is one.
"""

from __future__ import annotations

import pytest
from pipelines import component_pipeline, lab_items

import caseminer.nlp.labs.component  # noqa: F401  (registers the factory)
from caseminer.nlp.labs.test_heads import load_test_vocab


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline("caseminer_labs")


def _other(nlp, text: str) -> list[tuple[str, str]]:
    return [(t, a["analyte"]) for t, a in lab_items(nlp, text) if a["category"] == "other"]


@pytest.mark.parametrize(
    "text",
    [
        # body parts and tissues
        "Deposits of calcium surrounded by normal soft tissues.",
        "The kidneys were unremarkable.",
        "The liver appeared normal on ultrasound.",
        "A normal portal vein was seen.",
        # a bare study word
        "The initial studies were inconclusive to confirm infection.",
        "All findings were unchanged.",
        # a disease, a behaviour, a drug, a symptom
        "There were calcium deposits negative to malignant behavior.",
        "Occasional histiocytes, negative for malignant behavior, were seen.",
        "One resection margin was positive for tumor involvement.",
        "Her neutropenia improved after stopping the drug.",
        "Clonazepam briefly improved seizure frequency.",
        "Her respiratory distress worsened.",
        # a modal verb is not a noun
        "Her symptoms may improved after surgery.",
        "The patient may improved.",
    ],
)
def test_no_result_on_a_noun_that_is_not_a_test(nlp, text):
    assert _other(nlp, text) == []


@pytest.mark.parametrize(
    ("text", "value", "analyte"),
    [
        ("Coronary angiography was normal.", "normal", "Coronary angiography"),
        ("The hemoleucogram was normal.", "normal", "hemoleucogram"),
        (
            "Results of nasopharyngeal endoscopy were negative.",
            "negative",
            "Results of nasopharyngeal endoscopy",
        ),
        ("Gait and tandem gait were normal.", "normal", "Gait and tandem gait"),
        ("ECG showed normal sinus rhythm.", "normal", "sinus rhythm"),
        ("Nerve conduction studies were normal.", "normal", "Nerve conduction studies"),
        ("The MRI findings were unremarkable.", "unremarkable", "MRI findings"),
        ("Her clinical status improved.", "improved", "clinical status"),
        ("The cells were positive for adipophilin antibody.", "positive", "adipophilin antibody"),
        (
            "Serum was positive for Cryptococcus antigen.",
            "positive for Cryptococcus antigen",
            "Serum",
        ),
        ("Serum aldolase was elevated.", "elevated", "Serum aldolase"),
    ],
)
def test_result_of_a_named_test(nlp, text, value, analyte):
    assert (value, analyte) in _other(nlp, text)


@pytest.mark.parametrize(
    ("words", "polar", "expected"),
    [
        (["movements", "of", "the", "pharynx"], False, True),  # head before the preposition
        (["soft", "tissues"], False, False),
        (["results", "of", "bronchoscopy"], False, True),  # generic head, test in the of-phrase
        (["results"], False, False),
        (["during", "two", "weeks", "his", "clinical", "status"], False, True),
        (["CD34"], True, True),  # a marker shape counts for positive/negative only
        (["CD34"], False, False),
        (["disease"], False, False),  # -ase is an enzyme suffix, "disease" an exception
    ],
)
def test_names_a_test(words, polar, expected):
    assert load_test_vocab().head.names_a_test(words, polar=polar) is expected


def test_seed_has_no_lab_on_a_non_test(seed_text):
    """Issue 12 acceptance: every lab of the seed report names a test."""
    import caseminer

    report = caseminer.extract(seed_text)
    heads = load_test_vocab().head
    others = [lab.analyte for lab in report.labs if lab.category == "other"]
    assert all(heads.names_a_test(a.split(), polar=True) for a in others), others
    analytes = {lab.analyte.lower() for lab in report.labs}
    assert not analytes & {"soft tissues", "studies", "malignant behavior"}, analytes
    assert {"calcium", "crp", "creatinine"} <= analytes
