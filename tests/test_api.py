"""The public API: extract, extract_file, extract_many, load; offsets and error isolation."""

from __future__ import annotations

import builtins
import json
import subprocess
import sys

import pytest

import caseminer
from caseminer.schema import CaseReport

TEXT = (
    "CASE PRESENTATION\n"
    "A 54-year-old man with a history of hypertension presented with chest pain. "
    "Troponin I was 2.4 ng/mL and serum potassium was 5.9 mmol/L. "
    "Coronary angiography showed occlusion of the left anterior descending artery, and "
    "percutaneous coronary intervention was performed. Pneumonia was ruled out.\n"
)


def _items(report: CaseReport):
    return [*report.labs, *report.imaging, *report.diagnoses, *report.procedures]


def test_extract_returns_validated_report(nlp):
    report = caseminer.extract(TEXT, nlp=nlp)
    assert isinstance(report, CaseReport)
    assert report.schema_version == caseminer.SCHEMA_VERSION
    assert report.document.n_chars == len(TEXT)
    assert report.provenance.pipeline == list(nlp.pipe_names)
    # round trip through JSON keeps everything valid
    again = CaseReport.model_validate(json.loads(report.model_dump_json()))
    assert again == report


def test_extract_finds_facts_with_exact_offsets(nlp):
    report = caseminer.extract(TEXT, nlp=nlp)
    assert _items(report)
    for item in _items(report):
        assert TEXT[item.start : item.end] == item.text
    potassium = [lab for lab in report.labs if lab.analyte.lower() == "potassium"]
    assert potassium and potassium[0].value == pytest.approx(5.9)
    assert potassium[0].interpretation == "high"
    assert report.patient.sex == "male" and report.patient.age.value == 54


def test_include_text(nlp):
    assert caseminer.extract(TEXT, nlp=nlp).document.text is None
    assert caseminer.extract(TEXT, nlp=nlp, include_text=True).document.text == TEXT


def test_extract_many_keeps_order_and_matches_extract(nlp):
    texts = [TEXT, "Serum sodium was 128 mmol/L.", TEXT.upper()]
    many = list(caseminer.extract_many(texts, nlp=nlp, batch_size=2))
    assert [r.document.n_chars for r in many] == [len(t) for t in texts]
    single = caseminer.extract(texts[1], nlp=nlp, doc_id="text-1")
    assert many[1].labs == single.labs


def test_extract_many_isolates_a_failing_document(nlp):
    @nlp.component("explode_on_marker")
    def explode(doc):  # a component that fails on one document only
        if "EXPLODE" in doc.text:
            raise RuntimeError("boom")
        return doc

    nlp.add_pipe("explode_on_marker", last=True)
    try:
        reports = list(caseminer.extract_many(["Sodium 128 mmol/L.", "EXPLODE", TEXT], nlp=nlp))
    finally:
        nlp.remove_pipe("explode_on_marker")
    assert len(reports) == 3
    assert reports[1].warnings == ["component explode_on_marker failed: RuntimeError: boom"]
    assert reports[0].labs and reports[2].labs
    assert not reports[0].warnings and not reports[2].warnings


def test_a_failing_component_costs_its_own_facts_only(seed_text):
    """A component added to caseminer.load()'s pipeline raises on every document: the seed's report
    still carries the labs, diagnoses and imaging of the components around it, and a warning that
    names the failing component and its exception."""
    nlp = caseminer.load()

    @nlp.component("always_fails")
    def always_fails(doc):
        raise ValueError("this component always fails")

    nlp.add_pipe("always_fails", before="caseminer_clinical")
    report = caseminer.extract(seed_text, nlp=nlp)
    assert "component always_fails failed: ValueError: this component always fails" in (
        report.warnings
    )
    assert {lab.analyte for lab in report.labs} >= {"Calcium", "Phosphate", "Magnesium"}
    assert report.diagnoses and report.imaging


def test_a_built_in_component_failure_is_reported(monkeypatch):
    """The same holds for caseminer's own components: a labs failure leaves the other facts."""
    from caseminer.nlp.labs.component import LabExtractor

    def broken(self, doc):
        raise KeyError("catalogue entry")

    monkeypatch.setattr(LabExtractor, "match", broken)
    report = caseminer.extract(TEXT, nlp=caseminer.load())
    assert report.labs == []
    assert any(w.startswith("component caseminer_labs failed: KeyError") for w in report.warnings)
    assert report.patient.sex == "male"


def test_repair_that_removes_much_text_says_so():
    """Paragraphs repeated far apart look like running headers to repair: it removes them, and
    the report says how much it removed instead of silently shrinking the document."""
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda".split()
    paragraphs = [
        f"The {w} patient had fever and cough before admission to hospital." for w in words
    ]
    report = caseminer.extract("\n\n".join(paragraphs * 3))
    assert any(
        w.startswith("text repair removed") and "running header" in w for w in report.warnings
    )


def test_extract_file_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(caseminer.ReadError) as err:
        caseminer.extract_file(missing)
    assert str(missing) in str(err.value) and "no such file" in str(err.value)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(caseminer.ReadError, match="empty"):
        caseminer.extract_file(empty)


def test_extract_file_offsets_point_into_decoded_file(tmp_path, nlp):
    path = tmp_path / "case.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    report = caseminer.extract_file(path, nlp=nlp)
    assert report.document.id == "case" and report.document.source_path == str(path)
    for item in _items(report):
        assert TEXT[item.start : item.end] == item.text


def test_load_gives_a_pipeline_with_doc_extensions():
    nlp = caseminer.load(exclude=["caseminer_context"])
    assert "caseminer_context" not in nlp.pipe_names
    doc = nlp("Hemoglobin was 8.1 g/dL.")
    assert doc._.labs and doc._.labs[0].label_ == "LAB"
    with pytest.raises(ValueError, match="unknown component"):
        caseminer.load(exclude=["no_such_component"])


def test_import_caseminer_does_not_import_spacy():
    # `caseminer --help` and `caseminer schema` must not pay for spaCy or the pipeline.
    code = (
        "import sys, caseminer; print(sorted(m for m in ('spacy', 'medspacy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_deferred_module_imports_on_first_use(tmp_path, monkeypatch):
    from caseminer._deferred import _DeferredModule, defer_unused_imports

    pkg = tmp_path / "cm_fake_heavy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "import builtins\nbuiltins.cm_fake_loaded = True\nVALUE = 42\n"
    )
    (pkg / "sub.py").write_text("NAME = 'sub'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "cm_fake_heavy", raising=False)
    defer_unused_imports(["cm_fake_heavy", "cm_no_such_module_anywhere"])
    try:
        assert "cm_no_such_module_anywhere" not in sys.modules
        import cm_fake_heavy  # what a dependency does at import time: must not execute it

        assert isinstance(cm_fake_heavy, _DeferredModule)
        assert not getattr(builtins, "cm_fake_loaded", False)
        assert cm_fake_heavy.VALUE == 42  # first use loads the real module
        assert getattr(builtins, "cm_fake_loaded", False)
        assert not isinstance(sys.modules["cm_fake_heavy"], _DeferredModule)
        from cm_fake_heavy.sub import NAME

        assert NAME == "sub"
    finally:
        for name in ("cm_fake_heavy", "cm_fake_heavy.sub"):
            sys.modules.pop(name, None)
        if hasattr(builtins, "cm_fake_loaded"):
            del builtins.cm_fake_loaded


def test_deferred_submodule_import_before_any_attribute(tmp_path, monkeypatch):
    from caseminer._deferred import defer_unused_imports

    pkg = tmp_path / "cm_fake_pkg2"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("X = 1\n")
    (pkg / "corpus.py").write_text("WORDS = ['a']\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    defer_unused_imports(["cm_fake_pkg2"])
    try:
        from cm_fake_pkg2.corpus import WORDS

        assert WORDS == ["a"]
    finally:
        for name in ("cm_fake_pkg2", "cm_fake_pkg2.corpus"):
            sys.modules.pop(name, None)


def test_extract_many_in_two_processes_matches_one(nlp):
    texts = [TEXT, "Serum sodium was 128 mmol/L.", TEXT.replace("54", "61"), "", TEXT]
    one = [r.model_dump_json() for r in caseminer.extract_many(texts, nlp=nlp)]
    two = [r.model_dump_json() for r in caseminer.extract_many(texts, nlp=nlp, n_process=2)]
    assert two == one
    ages = [
        r.patient.age.value if r.patient.age else None
        for r in caseminer.extract_many(texts, nlp=nlp, n_process=2, batch_size=1)
    ]
    assert ages == [54, None, 61, None, 54]


def test_assembled_sentence_and_section_match_spacy(nlp):
    from caseminer.assemble import _DocIndex
    from caseminer.nlp.extensions import items, section_kind_at

    text = "ABSTRACT\nA man had anemia.\n\nCASE PRESENTATION\n" + TEXT + "Hemoglobin was 8.1 g/dL."
    doc = nlp(text)
    index = _DocIndex(doc, text)
    assert index.text == text
    found = items(doc)
    assert found
    for span in found:
        assert text[span.start_char : span.end_char] == span.text
        assert index.sentence(span) == " ".join(span.sent.text.split())
        assert index.section_kind(span.start_char) == section_kind_at(doc, span.start_char)
    assert _DocIndex(doc, "not the text").text == text  # a wrong text is not trusted


def test_the_whole_pipeline_saved_and_loaded_with_spacy_gives_the_same_reports(tmp_path):
    """``nlp.to_disk`` then ``spacy.load``: what a library user does with a spaCy pipeline. The
    loaded pipeline rebuilds what it does not save from its config and the on-disk cache, and must
    give the same facts as the pipeline it was saved from."""
    import spacy
    from paths import REPO

    nlp = caseminer.load()
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == nlp.pipe_names
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))[:4]]
    for text in texts:
        before = json.loads(caseminer.extract(text, nlp=nlp).model_dump_json())
        after = json.loads(caseminer.extract(text, nlp=loaded).model_dump_json())
        before.pop("provenance"), after.pop("provenance")
        assert after == before
        assert before["labs"] or before["diagnoses"]


@pytest.mark.parametrize("before", [(700, 10, 10), (50_000, 5, 5)])
def test_extract_many_raises_the_young_gc_threshold_only_while_it_runs(nlp, before):
    """A batch runs with fewer young collections (never fewer than the caller asked for) and
    leaves the collector's settings as it found them, also when the caller stops early."""
    import gc

    saved = gc.get_threshold()
    try:
        gc.set_threshold(*before)
        seen = []
        for _report in caseminer.extract_many(["Hb 10 g/dL.", "No fever."], nlp=nlp):
            seen.append(gc.get_threshold())
        assert seen and all(t == (max(before[0], 10_000), *before[1:]) for t in seen)
        assert gc.get_threshold() == before
        reports = caseminer.extract_many(["Hb 10 g/dL.", "No fever."], nlp=nlp)
        next(reports)
        reports.close()  # a caller that stops after the first report
        assert gc.get_threshold() == before
    finally:
        gc.set_threshold(*saved)
