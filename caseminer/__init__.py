"""caseminer: labs, imaging, diagnoses and procedures from clinical case reports, as validated JSON.

import caseminer
report = caseminer.extract(text)            # -> caseminer.CaseReport
report = caseminer.extract_file("case.txt")
for report in caseminer.extract_many(texts): ...
nlp = caseminer.load()                      # the spaCy Language, for people who want Docs
"""

from caseminer._version import __version__
from caseminer.api import extract, extract_file, extract_many, load
from caseminer.readers import ReadError, SourceText
from caseminer.schema import (
    SCHEMA_VERSION,
    Abbreviation,
    Age,
    Assertion,
    Box,
    CaseReport,
    Code,
    Diagnosis,
    Document,
    Finding,
    Imaging,
    ImagingFinding,
    Lab,
    NormalizedValue,
    Patient,
    PhenotypeTerm,
    Procedure,
    ReferenceRange,
    Section,
)

__all__ = [
    "__version__",
    "SCHEMA_VERSION",
    "load",
    "extract",
    "extract_file",
    "extract_many",
    "ReadError",
    "SourceText",
    "CaseReport",
    "Document",
    "Section",
    "Patient",
    "Age",
    "Lab",
    "ReferenceRange",
    "Imaging",
    "Finding",
    "ImagingFinding",
    "PhenotypeTerm",
    "NormalizedValue",
    "Box",
    "Diagnosis",
    "Procedure",
    "Code",
    "Assertion",
    "Abbreviation",
]
