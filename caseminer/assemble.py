"""Assembly: turn an annotated Doc into a validated CaseReport.

This is the one place where JSON is built. Components describe what they found in Doc offsets
(over the repaired text); here every offset is mapped back to the source text through the repair
map, so `source[start:end] == text` holds for everything we output. An item that fails validation
is dropped with a warning instead of failing the whole document. The items themselves are built
in caseminer.assembly_items; this module adds the document, sections, patient, abbreviations,
phenotype and warnings.
"""

from __future__ import annotations

import gc
import re
import sys
from collections import Counter
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from caseminer import schema
from caseminer._version import __version__
from caseminer.assembly_items import (  # noqa: F401 (the item names tests and tools import)
    _FIELDS,
    _ID_PREFIX,
    _MODELS,
    _DocIndex,
    _Mapper,
    build_items,
)
from caseminer.nlp.extensions import doc_patient, doc_warnings
from caseminer.phenotype import build_phenotype
from caseminer.readers.source import SourceText
from caseminer.repair import RepairedText

_build_items = build_items  # its name before it moved to caseminer.assembly_items
# schema.X(**fields) is X.__pydantic_validator__.validate_python(fields): the same model, the same
# fields set, without BaseModel.__init__'s Python frame (every document builds a dozen or more)
_SECTION = schema.Section.__pydantic_validator__.validate_python
_ABBREVIATION = schema.Abbreviation.__pydantic_validator__.validate_python
_AGE = schema.Age.__pydantic_validator__.validate_python
_PATIENT = schema.Patient.__pydantic_validator__.validate_python
_DOCUMENT = schema.Document.__pydantic_validator__.validate_python
_PROVENANCE = schema.Provenance.__pydantic_validator__.validate_python
_REPORT = schema.CaseReport.__pydantic_validator__.validate_python

# a repair that removes more than this share of the source's visible characters says so
REMOVED_SHARE_WARNING = 0.02
_NOTE_KIND = re.compile(r"removed (.+?) line ")


def _sections(
    doc: Doc, mapper: _Mapper, sections: list[dict[str, Any]] | None = None
) -> list[schema.Section]:
    """The report's sections (``sections``: ``doc._.sections`` when the caller has read it)."""
    if sections is None:
        sections = doc._.sections or []
    to_source, validate = mapper.repaired.to_source, _SECTION
    out = []
    for sec in sections:
        start, end = to_source(sec["start_char"], sec["end_char"])
        # schema.Section(...) without BaseModel.__init__'s Python frame (the same fields set)
        out.append(
            validate(
                {"title": sec.get("title", ""), "kind": sec["kind"], "start": start, "end": end}
            )
        )
    return out


def _patient(doc: Doc, mapper: _Mapper) -> schema.Patient:
    raw = doc_patient(doc) or {}  # doc._.patient without an Underscore object
    age = None
    if raw.get("age"):
        a = raw["age"]
        where = {}
        if a.get("start_char") is not None and a.get("end_char") is not None:
            where = mapper.span(a["start_char"], a["end_char"])
        age = _AGE({"value": a["value"], "unit": a["unit"], **where})
    return _PATIENT({"age": age, "sex": raw.get("sex")})


def _abbreviations(doc: Doc, mapper: _Mapper, text: str) -> list[schema.Abbreviation]:
    if not Doc.has_extension("abbreviations"):
        return []
    found = None
    if "caseminer.nlp.abbreviations" in sys.modules:  # our extensions: read as plain data
        found = sys.modules["caseminer.nlp.abbreviations"].short_forms_as_text(doc, text)
    if found is None:
        found = []
        for short in doc._.abbreviations or []:
            long_form = getattr(short._, "long_form", None)
            if long_form is not None:
                found.append((short.start_char, short.end_char, short.text, long_form.text))
    seen: set[tuple[str, str]] = set()
    out = []
    for start_char, end_char, short_text, long_text in found:
        key = (short_text, long_text)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            _ABBREVIATION(
                {**mapper.span(start_char, end_char), "long_form": " ".join(long_text.split())}
            )
        )
    return out


def removal_warnings(repaired: RepairedText, share: float = REMOVED_SHARE_WARNING) -> list[str]:
    """A warning when text repair removed more than ``share`` of the source's visible characters.

    Repair removes banners, repeated boilerplate lines and junk on purpose; the user must still be
    told when that is a noticeable part of the document (never lose a word without saying so).
    """
    if repaired.is_identity():
        return []  # nothing removed (what removed_visible_chars says of an identity map)
    removed, visible = repaired.removed_visible_chars()
    if not visible or removed / visible <= share:
        return []
    kinds = Counter(m.group(1) for n in repaired.notes if (m := _NOTE_KIND.match(n)))
    why = ", ".join(f"{n} {kind} lines" for kind, n in kinds.most_common()) or "junk lines"
    return [
        f"text repair removed {removed} of {visible} visible characters "
        f"({removed / visible:.0%}): {why}"
    ]


def assemble(
    doc: Doc,
    repaired: RepairedText,
    source: SourceText,
    *,
    doc_id: str,
    nlp: Language,
    include_text: bool = False,
    terminologies: dict[str, str] | None = None,
) -> schema.CaseReport:
    """Build the CaseReport for one processed document.

    The cyclic garbage collector is paused meanwhile (and resumed after, on error too, unless it
    was off already). Why: a report is thousands of new containers (every pydantic model has a
    ``__dict__`` and a fields set), so collections kept starting mid-assembly, and each one walks
    every young object, the Doc's just-built state included. None of it can be cyclic garbage
    (models hold plain values; the per-item dicts are freed by reference counting), and a report
    that is serialised and dropped before the collector's count is reached again is freed without
    ever being walked. Over the benchmark's 101 texts this takes 18 of 100 collections away
    instead of moving them (0.043 to 0.025 s of collector time per pass, the same outputs).
    The switch is process-wide, as in caseminer.terminology.cache: with threads assembling at
    once, the collector is back on when the first that paused it is done (never left off).
    """
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        return _assemble(
            doc,
            repaired,
            source,
            doc_id=doc_id,
            nlp=nlp,
            include_text=include_text,
            terminologies=terminologies,
        )
    finally:
        if enabled:
            gc.enable()


def _assemble(
    doc: Doc,
    repaired: RepairedText,
    source: SourceText,
    *,
    doc_id: str,
    nlp: Language,
    include_text: bool,
    terminologies: dict[str, str] | None,
) -> schema.CaseReport:
    """``assemble`` with the collector paused."""
    mapper = _Mapper(repaired, source)
    index = _DocIndex(doc, repaired.text)
    warnings = list(source.warnings)
    warnings += removal_warnings(repaired)
    warnings += doc_warnings(doc)
    lists = build_items(doc, mapper, index, warnings)
    document = _DOCUMENT(
        {
            "id": doc_id,
            "source_path": source.path,
            "sha256": source.sha256,
            "format": source.format,
            "n_chars": len(source.text),
            "pages": source.n_pages,
            "text": source.text if include_text else None,
        }
    )
    provenance = _PROVENANCE(
        {
            "caseminer_version": __version__,
            "pipeline": list(nlp.pipe_names),
            "terminologies": terminologies or {},
        }
    )
    return _REPORT(
        {
            "document": document,
            "sections": _sections(doc, mapper, index.sections),
            "patient": _patient(doc, mapper),
            "abbreviations": _abbreviations(doc, mapper, index.text),
            "warnings": warnings,
            "provenance": provenance,
            "phenotype": build_phenotype([*lists["findings"], *lists["diagnoses"]]),
            **lists,
        }
    )
