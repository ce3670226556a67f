"""Procedure codes: ICD-10-PCS section and root operation from the wording
(caseminer/patterns/clinical/procedure_codes.json), three wordings per family."""

from __future__ import annotations

import pytest

from caseminer.nlp.clinical.attrs import AttributeReader
from caseminer.nlp.clinical.vocab import load_vocab


@pytest.fixture(scope="module")
def reader():
    return AttributeReader(load_vocab())


@pytest.mark.parametrize(
    ("wording", "code", "operation"),
    [
        ("laparoscopic cholecystectomy", "0_T", "Resection"),
        ("total thyroidectomy", "0_T", "Resection"),
        ("right hemicolectomy", "0_T", "Resection"),
        ("partial nephrectomy", "0_B", "Excision"),
        ("liver biopsy", "0_B", "Excision"),
        ("wide local excision", "0_B", "Excision"),
        ("mechanical thrombectomy", "0_C", "Extirpation"),
        ("carotid endarterectomy", "0_C", "Extirpation"),
        ("total hip arthroplasty", "0_R", "Replacement"),
        ("aortic valve replacement", "0_R", "Replacement"),
        ("percutaneous coronary angioplasty", "0_7", "Dilation"),
        ("biliary stenting", "0_7", "Dilation"),
        ("ultrasound-guided drainage", "0_9", "Drainage"),
        ("diagnostic paracentesis", "0_9", "Drainage"),
        ("lumbar puncture", "0_9", "Drainage"),
        ("colonoscopy", "0_J", "Inspection"),
        ("exploratory laparotomy", "0_J", "Inspection"),
        ("upper endoscopy", "0_J", "Inspection"),
        ("below-knee amputation", "0_6", "Detachment"),
        ("radiofrequency ablation", "0_5", "Destruction"),
        ("kidney transplantation", "0_Y", "Transplantation"),
        ("hemodialysis", "5_1", "Performance"),
    ],
)
def test_root_operation_from_the_wording(reader, wording, code, operation):
    codes = reader.procedure_codes(wording)
    assert codes and codes[0]["system"] == "ICD-10-PCS"
    assert codes[0]["code"] == code and codes[0]["display"].startswith(operation)


@pytest.mark.parametrize("wording", ["physical examination", "electrocardiogram", "follow-up"])
def test_no_code_without_a_root_operation(reader, wording):
    assert reader.procedure_codes(wording) == []
