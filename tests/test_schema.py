"""The schema is a contract: self-documenting, strict, and versioned."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from caseminer import schema


def _walk_properties(node, path=""):
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            yield f"{path}.{name}", prop
        for key, value in node.items():
            yield from _walk_properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for value in node:
            yield from _walk_properties(value, path)


def test_every_item_field_is_described():
    js = schema.json_schema()
    item_models = {
        "Lab",
        "Imaging",
        "Diagnosis",
        "Procedure",
        "ImagingFinding",
        "Assertion",
        "Code",
        "ReferenceRange",
        "Age",
        "Section",
        "Document",
    }
    missing = [
        f"{model}.{name}"
        for model, body in js["$defs"].items()
        if model in item_models
        for name, prop in body["properties"].items()
        if not prop.get("description")
    ]
    assert not missing, missing


def test_version_is_semver():
    major, minor, patch = schema.SCHEMA_VERSION.split(".")
    assert all(part.isdigit() for part in (major, minor, patch))


def test_unknown_fields_are_rejected_with_a_clear_message():
    with pytest.raises(ValidationError) as err:
        schema.Code(system="ICD-10-CM", code="M87.05", display="x", bogus=1)
    assert "bogus" in str(err.value)


def test_lab_requires_analyte_and_value_text():
    base = dict(
        text="7.8 mg/dL", start=0, end=9, section="case", sentence="s", rule="r", source="text"
    )
    with pytest.raises(ValidationError, match="analyte"):
        schema.Lab(**base, value_text="7.8")
    lab = schema.Lab(**base, analyte="Calcium", value_text="7.8", value=7.8)
    assert lab.assertion.negated is False and lab.assertion.cues == []
