"""The patient-level phenotype: deduplicated HPO terms of the patient's findings and diagnoses.

Why its own step: a reviewer tabulating many reports wants one line per phenotype per patient, not
every mention. Built after item ids are assigned, from items whose ``subject`` is the patient: each
HPO code becomes one PhenotypeTerm listing the ids of the items that carry it, ``excluded`` when
every one of those mentions is negated (the Phenopacket "excluded" flag). A resolved mention ("the
rash resolved") is negated only in the sense "absent now": the patient had it, so it counts as
present. Hypothetical mentions ("to rule out X") are no evidence either way and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from caseminer import schema


def build_phenotype(items: Iterable[schema.Item]) -> list[schema.PhenotypeTerm]:
    """PhenotypeTerms in order of first mention."""
    terms: dict[str, schema.PhenotypeTerm] = {}
    present: dict[str, bool] = {}
    for item in items:
        if item.subject != "patient" or item.assertion.hypothetical or not item.id:
            continue
        for code in getattr(item, "codes", None) or []:
            if code.system != "HPO":
                continue
            term = terms.get(code.code)
            if term is None:
                term = terms[code.code] = schema.PhenotypeTerm(hpo=code.code, label=code.display)
                present[code.code] = False
            if item.id not in term.evidence:
                term.evidence.append(item.id)
            present[code.code] |= not item.assertion.negated or item.assertion.resolved
            break  # an item's first HPO code is its term
    for hpo, term in terms.items():
        term.excluded = not present[hpo]
    return list(terms.values())
