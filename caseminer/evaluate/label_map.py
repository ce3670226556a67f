"""Gold labels -> caseminer categories, driven by ``caseminer/patterns/eval/label_map.json``.

MACCROBAT (and any brat corpus typed the same way) marks a lab result as a ``Lab_value`` holding the
value only, linked by a MODIFY relation to the ``Diagnostic_procedure`` naming the test. So a
Diagnostic_procedure is three things depending on context: an imaging study (its text names a
modality), the analyte of a lab (it is the MODIFY target of a Lab_value), or another procedure.
The rules are data; this module only applies them. See docs/EVALUATION.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from caseminer.evaluate.model import POOLED, POOLED_FROM, GoldDoc, GoldItem
from caseminer.evaluate.numbers import leading_number
from caseminer.patterns import concern_dir

LABEL_MAP_PATH = concern_dir("eval") / "label_map.json"


@dataclass(frozen=True)
class LabelMap:
    """The mapping rules, read from the JSON data file."""

    categories: Mapping[str, str]
    link_relation: str
    value_label: str
    test_labels: frozenset[str]
    drop_linked_tests: bool
    imaging_labels: frozenset[str]
    imaging_category: str
    imaging_pattern: re.Pattern[str]
    negation_attribute: str
    negative_values: frozenset[str]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LabelMap:
        """Build from the parsed JSON (raises KeyError naming a missing section)."""
        link = data["analyte_link"]
        imaging = data["imaging"]
        # what names an imaging study comes from the extractor's own imaging patterns, so the
        # evaluator cannot drift from what caseminer knows (caseminer/patterns/imaging/)
        from caseminer.nlp.imaging.vocab import evaluation_terms_pattern

        pattern = evaluation_terms_pattern()
        neg = data["negation"]
        return cls(
            categories=dict(data["categories"]),
            link_relation=link["relation"],
            value_label=link["value_label"],
            test_labels=frozenset(link["test_labels"]),
            drop_linked_tests=bool(link.get("drop_linked_tests", True)),
            imaging_labels=frozenset(imaging["from_labels"]),
            imaging_category=imaging["category"],
            imaging_pattern=pattern,
            negation_attribute=neg["attribute"],
            negative_values=frozenset(neg["negative_values"]),
        )

    def names_imaging(self, text: str) -> bool:
        """True when a procedure mention names an imaging study ("CT", "chest X-ray", "MRI")."""
        return bool(self.imaging_pattern.search(text))


def load_label_map(path: Path | None = None) -> LabelMap:
    """The packaged mapping, or the one at ``path``."""
    if path is not None:
        return LabelMap.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    return _packaged_map()


@lru_cache(maxsize=1)
def _packaged_map() -> LabelMap:
    return LabelMap.from_dict(json.loads(LABEL_MAP_PATH.read_text(encoding="utf-8")))


def map_annotations(
    doc_id: str,
    text: str,
    entities: Iterable[Mapping[str, Any]],
    relations: Iterable[Mapping[str, Any]],
    label_map: LabelMap | None = None,
) -> GoldDoc:
    """Turn brat-style entities and relations (MACCROBAT JSONL shape) into a GoldDoc.

    ``entities``: dicts with id, start, end, label, text and optional attributes {name: value};
    ``relations``: dicts with type, arg1, arg2 (event ids already resolved to trigger T ids).
    """
    lm = label_map or load_label_map()
    ents = {str(e["id"]): e for e in entities}
    tests_of: dict[str, list[str]] = {}
    linked_tests: set[str] = set()
    for rel in relations:
        if rel.get("type") != lm.link_relation:
            continue
        a, b = ents.get(str(rel.get("arg1"))), ents.get(str(rel.get("arg2")))
        if a is None or b is None:
            continue
        # the value modifies the test; accept either argument order
        if a["label"] == lm.value_label and b["label"] in lm.test_labels:
            value, test = a, b
        elif b["label"] == lm.value_label and a["label"] in lm.test_labels:
            value, test = b, a
        else:
            continue
        tests_of.setdefault(str(value["id"]), []).append(
            str(test.get("text") or _surface(text, test))
        )
        linked_tests.add(str(test["id"]))

    out = GoldDoc(id=doc_id, text=text)
    for e in sorted(ents.values(), key=lambda e: (int(e["start"]), int(e["end"]))):
        label = e["label"]
        category = lm.categories.get(label)
        if category is None:
            continue
        surface = _surface(text, e)
        if label in lm.imaging_labels and lm.names_imaging(surface):
            category = lm.imaging_category
        elif lm.drop_linked_tests and str(e["id"]) in linked_tests and label in lm.test_labels:
            continue  # the analyte of a lab, scored through the lab's pairing accuracy
        attrs = e.get("attributes") or {}
        negated = str(attrs.get(lm.negation_attribute, "")) in lm.negative_values
        is_value = label == lm.value_label
        item = GoldItem(
            category=category,
            start=int(e["start"]),
            end=int(e["end"]),
            text=surface,
            negated=negated,
            label=label,
            value=leading_number(surface) if is_value else None,
            analytes=tuple(tests_of.get(str(e["id"]), ())) if is_value else (),
        )
        out.items.setdefault(category, []).append(item)
    add_pooled(out)
    return out


def add_pooled(doc: GoldDoc) -> None:
    """The pooled "conditions" category: the findings and diagnoses gold, in text order."""
    pooled = [replace(g, category=POOLED) for c in POOLED_FROM for g in doc.of(c)]
    doc.items[POOLED] = sorted(pooled, key=lambda g: (g.start, g.end))


def _surface(text: str, ent: Mapping[str, Any]) -> str:
    """The entity's text as it stands in the document (outer bounds for discontinuous spans)."""
    return text[int(ent["start"]) : int(ent["end"])]
