"""Whose fact is it (``subject``) and which sections produce no facts (issue 11).

Reference lists, acknowledgements and author information never yield an item; introduction and
discussion facts are the literature's unless the sentence is about the report's own patient; a
family member's condition is the family's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import caseminer
from caseminer.subject import default_rules, of_subject

REPO = Path(__file__).resolve().parents[3]

TEXT = """Fever of unknown origin in a young man: a case report

Introduction
Fever of unknown origin is commonly caused by infection. Splenomegaly has been reported often.

Case presentation
A 30-year-old man presented with fever and splenomegaly. His mother had diabetes mellitus.

Discussion
Our patient had fever for three weeks. Smith et al. previously reported hepatomegaly in such cases.

Acknowledgements
We thank Dr. Jones for help with fever clinic data and hepatomegaly images.

Author information
The author holds diabetes mellitus research grants.

References
1. Smith J. Fever and splenomegaly in adults. N Engl J Med. 2001;344:1-5.
2. Doe A. Hepatomegaly and diabetes mellitus. Lancet. 2003;361:20-5.
"""

NO_FACTS = {"references", "acknowledgements"}


def _all_items(report):
    return [*report.labs, *report.imaging, *report.findings, *report.diagnoses, *report.procedures]


@pytest.fixture(scope="module")
def report():
    return caseminer.extract(TEXT)


def test_no_fact_from_references_acknowledgements_or_author_information(report):
    tail = TEXT.index("Acknowledgements")
    items = _all_items(report)
    assert items
    assert all(item.start < tail for item in items), [i.text for i in items if i.start >= tail]
    for item in items:
        assert TEXT[item.start : item.end] == item.text


def _subject(report, text: str, section: str) -> str:
    found = [f for f in [*report.findings, *report.diagnoses] if f.text.lower() == text]
    found = [f for f in found if f.section == section]
    assert found, (text, section)
    return found[0].subject


@pytest.mark.parametrize(
    ("text", "section", "subject"),
    [
        ("splenomegaly", "introduction", "literature"),
        ("splenomegaly", "case", "patient"),
        ("fever", "case", "patient"),
        ("fever", "discussion", "patient"),  # "Our patient had fever"
        ("hepatomegaly", "discussion", "literature"),  # "Smith et al. previously reported"
        ("diabetes mellitus", "case", "family"),  # "His mother had"
    ],
)
def test_subject(report, text, section, subject):
    assert _subject(report, text, section) == subject


def test_phenotype_holds_the_patients_terms_only(report):
    hpo = {t.hpo for t in report.phenotype}
    assert "HP:0001744" in hpo  # splenomegaly, case section
    assert "HP:0002240" not in hpo  # hepatomegaly: literature only


def test_of_subject_filters_items_and_dicts(report):
    patient = of_subject(report.findings)
    assert patient and all(f.subject == "patient" for f in patient)
    dumped = [f.model_dump() for f in report.findings]
    assert len(of_subject(dumped, "all")) == len(dumped)
    assert len(of_subject(dumped, ["patient", "literature"])) > len(of_subject(dumped))


@pytest.mark.parametrize(
    ("kind", "title", "expected"),
    [
        ("references", "Bibliography", True),
        ("acknowledgements", "Acknowledgments", True),
        ("other", "Conflicts of interest", True),
        ("other", "Author information:", True),
        ("other", "Methods", False),
        ("case", "Case presentation", False),
    ],
)
def test_no_fact_sections(kind, title, expected):
    assert default_rules().no_facts(kind, title) is expected


def test_no_fact_from_a_reference_list_in_any_test_corpus():
    texts = sorted((REPO / "corpora").glob("*.txt"))
    if not texts:
        pytest.skip("corpora/*.txt absent")
    reports = list(caseminer.extract_many([p.read_text() for p in texts]))
    for path, report in zip(texts, reports, strict=True):
        bad = [i.text for i in _all_items(report) if i.section in NO_FACTS]
        assert not bad, (path.name, bad[:5])
        kinds = {s.kind for s in report.sections}
        if "references" in kinds:  # the reference list is there, and yields nothing
            start = min(s.start for s in report.sections if s.kind == "references")
            assert all(i.start < start or i.section != "references" for i in _all_items(report))


def test_no_fact_from_a_no_fact_section_of_the_seed_report():
    seed = REPO.parent / "shared" / "seeds" / "tumoral-calcinosis-case-report.txt"
    if not seed.exists():
        pytest.skip(f"{seed} is absent (../shared not available)")
    report = caseminer.extract_file(seed)
    assert not [i.text for i in _all_items(report) if i.section in NO_FACTS]


@pytest.mark.parametrize(
    "sentence",
    [
        "Her mother had it.",
        "The herpes was treated.",
        "Smith et al. described it.",
        "Others have been reported and reviewed.",
        "THE PATIENT was febrile.",
        "this case, the present case and the present",
        "Shelves were empty; chest was clear.",
        "meta-analysis of studies",
        "",
        "Ske\u212a her",
        "ſtudies show",
    ],
)
def test_cue_regexes_find_what_the_plain_alternation_finds(sentence):
    """The trie-shaped cue regexes match exactly where one alternative per cue would."""
    import json
    import re

    data = json.loads((REPO / "caseminer/patterns/findings/subject.json").read_text())
    rules = default_rules()
    for key, compiled in (
        ("patient_cues", rules.patient_cues),
        ("literature_cues", rules.literature_cues),
    ):
        alts = sorted((re.escape(p.lower()) for p in data[key]), key=len, reverse=True)
        plain = re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)
        found = [m.span() for m in plain.finditer(sentence)]
        assert bool(found) == (compiled.search(sentence) is not None), (key, sentence)
        twin = rules.patient_ascii if key == "patient_cues" else rules.literature_ascii
        assert twin is not None
        if sentence.isascii():
            assert bool(found) == (twin.search(sentence.lower()) is not None), (key, sentence)
