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
    # code -> (label, evidence ids, some mention present), then one term per code. Why not the
    # terms themselves while reading: a term built and then given ``excluded`` costs two Python
    # calls into pydantic per term; built at the end it is one validation with the same fields
    # set ({hpo, label, excluded}: ``evidence`` filled in place, as it always was).
    found: dict[str, tuple[str, list[str], list[bool]]] = {}
    for item in items:
        if item.subject != "patient" or not item.id:
            continue
        assertion = item.assertion
        if assertion.hypothetical:
            continue
        for code in getattr(item, "codes", None) or []:
            if code.system != "HPO":
                continue
            term = found.get(code.code)
            if term is None:
                term = found[code.code] = (code.display, [], [False])
            if item.id not in term[1]:
                term[1].append(item.id)
            if not assertion.negated or assertion.resolved:
                term[2][0] = True
            break  # an item's first HPO code is its term
    out = []
    for hpo, (label, evidence, present) in found.items():
        term = _TERM({"hpo": hpo, "label": label, "excluded": not present[0]})
        term.evidence.extend(evidence)
        out.append(term)
    return out


# schema.PhenotypeTerm(**fields) without BaseModel.__init__'s Python frame
_TERM = schema.PhenotypeTerm.__pydantic_validator__.validate_python
