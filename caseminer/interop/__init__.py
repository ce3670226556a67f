"""Standard exports of a CaseReport: GA4GH Phenopacket v2 and a FHIR R4 (R4B) Bundle.

One entry point, ``export(report, fmt)``, so the CLI, the batch writer and the HTTP service share
the conversion and only choose where the dict goes. The reference libraries (`phenopackets`,
`fhir.resources`) are an optional extra: importing this package never imports them, and
``InteropUnavailable`` carries the one-line message to show when they are missing.

    pip install 'caseminer[interop]'
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caseminer.schema import CaseReport

FORMATS = ("phenopacket", "fhir")
SUFFIXES = {"phenopacket": ".phenopacket.json", "fhir": ".fhir.json"}
_MODULES = {"phenopacket": ("phenopackets", "google.protobuf"), "fhir": ("fhir.resources",)}


class InteropUnavailable(ImportError):
    """The reference library an export needs is not installed."""


def _has_module(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def check_available(fmt: str) -> None:
    """Raise ValueError for an unknown format, InteropUnavailable when its library is missing."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (expected {' or '.join(FORMATS)})")
    missing = [m for m in _MODULES[fmt] if not _has_module(m)]
    if missing:
        raise InteropUnavailable(
            f"--as {fmt} needs {', '.join(missing)}: pip install 'caseminer[interop]'"
        )


def export(report: CaseReport, fmt: str, created: datetime | None = None) -> dict[str, Any]:
    """The report as a Phenopacket ('phenopacket') or FHIR Bundle ('fhir') JSON dict.

    ``created`` stamps the export (metaData.created, Bundle.timestamp); now when omitted.
    """
    check_available(fmt)
    if fmt == "phenopacket":
        from caseminer.interop.phenopacket import export as to_phenopacket

        return to_phenopacket(report, created)
    from caseminer.interop.fhir import export as to_fhir

    return to_fhir(report, created)


def dumps(report: CaseReport, fmt: str | None, indent: int | None = 2) -> str:
    """The text the CLI prints: the caseminer JSON (fmt None) or the export as JSON."""
    if fmt is None:
        return report.model_dump_json(indent=indent)
    return json.dumps(export(report, fmt), indent=indent, ensure_ascii=False)


def export_path(output: str, fmt: str) -> str:
    """Where a folder run writes an export: next to the caseminer JSON, OUT/<stem>.<fmt>.json."""
    base = output[: -len(".json")] if output.endswith(".json") else output
    return base + SUFFIXES[fmt]


__all__ = [
    "FORMATS",
    "SUFFIXES",
    "InteropUnavailable",
    "check_available",
    "dumps",
    "export",
    "export_path",
]
