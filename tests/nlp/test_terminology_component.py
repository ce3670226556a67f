"""caseminer_terminology in the pipeline: codes existing diagnoses, adds filtered new ones."""

from __future__ import annotations

import pytest

from caseminer.nlp.extensions import DIAGNOSIS, get_attrs, items
from caseminer.terminology.cache import build_data, write
from caseminer.terminology.sources import TermRecord

RECORDS = [
    TermRecord(
        "Avascular necrosis",
        "HPO",
        "HP:0010885",
        "Avascular necrosis",
        "exact",
        "hpo",
        (("UMLS", "C0029445"),),
    ),
    TermRecord("avascular necrosis", "ICD-10-CM", "M87.9", "Osteonecrosis", "curated", "icd:M"),
    TermRecord("Sarcoidosis", "ICD-10-CM", "D86", "Sarcoidosis", "exact", "icd:D"),
    TermRecord("Wolman disease", "ICD-10-CM", "E75.5", "Wolman disease", "exact", "icd:E"),
    TermRecord("Weight loss", "HPO", "HP:0001824", "Weight loss", "exact", "hpo"),
    TermRecord(
        "Gelastic epilepsy syndrome",
        "ORPHA",
        "999",
        "Gelastic epilepsy syndrome",
        "exact",
        "disease",
    ),
]


@pytest.fixture(scope="module")
def nlp(tmp_path_factory):
    import caseminer.nlp.terminology  # noqa: F401 - registers the factory
    from caseminer.nlp.pipeline import build

    path = write(build_data(RECORDS), tmp_path_factory.mktemp("cache") / "terminology-t.json")
    return build(config={"caseminer_terminology": {"cache_path": str(path)}})


def diagnoses(doc):
    out = {}
    for span in items(doc, DIAGNOSIS):
        assert doc.text[span.start_char : span.end_char] == span.text
        out[span.text] = (span, get_attrs(span))
    return out


def test_abbreviation_after_definition_gets_the_long_form_codes(nlp):
    doc = nlp("MRI showed avascular necrosis (AVN) of the left hip. The AVN progressed.")
    found = [s for s in items(doc, DIAGNOSIS) if s.text == "AVN"]
    assert found, [s.text for s in items(doc, DIAGNOSIS)]
    for span in found:
        codes = {c["system"]: c for c in get_attrs(span)["codes"]}
        assert codes["ICD-10-CM"]["code"] == "M87.9"
        assert codes["HPO"]["code"] == "HP:0010885"


def test_negated_coded_mention_keeps_code_and_negation(nlp):
    doc = nlp("There was no evidence of Wolman disease.")
    span, attrs = diagnoses(doc)["Wolman disease"]
    assert any(c["code"] == "E75.5" and c["match"] == "exact" for c in attrs["codes"])
    assert span._.assertion["negated"] is True


def test_sign_is_not_added_and_disease_name_is(nlp):
    doc = nlp("She reported weight loss. Gelastic epilepsy syndrome was diagnosed.")
    found = diagnoses(doc)
    assert "weight loss" not in found
    span, attrs = found["Gelastic epilepsy syndrome"]
    assert any(c["system"] == "ORPHA" and c["code"] == "999" for c in attrs["codes"])


def test_new_item_written_with_attrs_when_no_extractor_claimed_it(nlp):
    linker = nlp.get_pipe("caseminer_terminology")
    doc = nlp.make_doc("Known Wolman disease, sarcoidosis and weight loss.")
    linker(doc)
    found = diagnoses(doc)
    assert set(found) == {"Wolman disease"}  # no disease-shaped head: not added
    span, attrs = found["Wolman disease"]
    assert attrs["rule"] == "terminology.icd-10-cm" and attrs["status"] == "confirmed"
    assert attrs["codes"][0]["code"] == "E75.5" and attrs["normalized"] == "wolman disease"


def test_unknown_condition_gets_no_code(nlp):
    doc = nlp("The patient had xyzzyitis of the knee.")
    for span, attrs in diagnoses(doc).values():
        assert not any(c["system"] == "HPO" for c in attrs.get("codes", [])), span.text


def test_memos_kept_across_documents_change_nothing():
    """The linker keeps lookups, codes and ``keep_new`` verdicts across documents: every
    document must come out as a fresh linker (empty memos) writes it, on corpus texts."""
    import json

    from paths import MACCROBAT, REPO

    import caseminer
    from caseminer.nlp.extensions import ATTRS_KEY, SPAN_GROUP
    from caseminer.nlp.terminology import TerminologyLinker

    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))]
    if MACCROBAT.exists():
        with MACCROBAT.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()][:30]
    if not texts:
        pytest.skip("no corpus texts")
    pipeline = caseminer.load()
    shared = pipeline.get_pipe("caseminer_terminology")
    written = 0
    for text in texts * 2:  # the second time round every memo is warm
        doc = pipeline.make_doc(text)
        for name, proc in pipeline.pipeline:
            if name == "caseminer_terminology":
                break
            doc = proc(doc)
        fresh = TerminologyLinker(
            shared.index,
            add_new_items=shared.add_new_items,
            new_item_categories=shared.new_item_categories,
            exclude_categories=shared.exclude_categories,
            skip_sections=shared.skip_sections,
            max_codes_per_system=shared.per_system,
        )
        ours, theirs = shared(doc.copy()), fresh(doc.copy())
        spans = [(s.label_, s.start_char, s.end_char) for s in ours.spans[SPAN_GROUP]]
        assert spans == [(s.label_, s.start_char, s.end_char) for s in theirs.spans[SPAN_GROUP]]
        assert ours.user_data[ATTRS_KEY] == theirs.user_data[ATTRS_KEY]
        written += len(spans)
    assert written > 100
    assert shared._kept and shared._entries and shared._codes  # the memos were used
