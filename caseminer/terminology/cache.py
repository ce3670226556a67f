"""Build, store and load the terminology cache.

The build reads the installed source packages (caseminer.terminology.sources), generates term
variants, and writes one binary file into the user cache dir ($CASEMINER_CACHE_DIR, else
$XDG_CACHE_HOME/caseminer, else ~/.cache/caseminer). The file name carries a fingerprint of the
source package versions, the caseminer version, the patterns/terminology files and the code that
turns terms into keys, so changing any of them makes the old cache stale and the next
``load_index()`` rebuilds it automatically.

Why marshal and not JSON: the content is plain dicts, lists, strings and ints, which marshal
reads about twice as fast as ``json`` (cold start matters for the CLI). marshal runs no code
while loading (unlike pickle), and we only ever read files our own ``write`` made: a file whose
header or format does not match ours is treated as stale and rebuilt.
"""

from __future__ import annotations

import gc
import hashlib
import json
import marshal
import os
import re
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from caseminer._version import __version__
from caseminer.terminology.index import MAX_WORDS, TerminologyIndex
from caseminer.terminology.ngrams import KeyTable
from caseminer.terminology.normalize import PATTERN_DIR, bag_key, is_abbreviation, key, words
from caseminer.terminology.sources import TermRecord, all_records, source_config, source_versions
from caseminer.terminology.store import BagTable, ConceptTable, TermMap

FORMAT = 4
# file header: our name, the format and the Python that wrote it (marshal is per-version)
MAGIC = b"caseminer-terminology:%d:%d.%d\n" % (FORMAT, *sys.version_info[:2])
KIND_CODE = {"exact": "e", "synonym": "s", "curated": "c", "variant": "v"}


def cache_dir() -> Path:
    """Where the cache lives (created on demand)."""
    if os.environ.get("CASEMINER_CACHE_DIR"):
        return Path(os.environ["CASEMINER_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "caseminer"


def fingerprint() -> str:
    """Hash of everything the cache depends on."""
    h = hashlib.sha256()
    h.update(json.dumps([FORMAT, __version__, source_versions()]).encode())
    code_dir = Path(__file__).resolve().parent
    code = [
        code_dir / f for f in ("normalize.py", "sources.py", "cache.py", "ngrams.py", "store.py")
    ]
    for path in sorted(PATTERN_DIR.glob("*")) + code:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_path() -> Path:
    return cache_dir() / f"terminology-{fingerprint()}.bin"


def term_variants(term: str) -> list[str]:
    """Generated wordings of a term: comma inversion, head synonyms, "X of Y" -> "Y X"."""
    cfg = source_config()["variants"]
    out: list[str] = []
    base = [term]
    parts = [p.strip() for p in term.split(",")]
    if len(parts) == 2 and all(parts):  # "Tumoral calcinosis, familial" -> "familial tumoral ..."
        base.append(f"{parts[1]} {parts[0]}")
    for text in list(base):
        low = text.lower()
        for head, synonyms in cfg["head_synonyms"].items():
            if re.search(rf"\b{head}\b", low):
                base += [re.sub(rf"\b{head}\b", s, low) for s in synonyms]
    limit = cfg["max_reorder_words"]
    for text in base:
        m = re.fullmatch(r"(.+?) of (.+)", text, flags=re.IGNORECASE)
        if m:
            head, site = m.group(1).split(), m.group(2).split()
            blocked = {"of", "and", "or", "with", "due", "in", "to", "by"}
            if (
                len(head) <= limit
                and len(site) <= limit
                and not blocked & {w.lower() for w in site}
            ):
                out.append(f"{m.group(2)} {m.group(1)}")
    return [t for t in base[1:] + out if t]


def build_data(records: list[TermRecord] | None = None) -> dict[str, Any]:
    """The cache content from source records (all installed sources when None)."""
    started = time.perf_counter()
    concepts: list[list[Any]] = []
    cindex: dict[tuple[str, str], int] = {}
    terms: dict[str, list[list[Any]]] = {}
    bags: dict[str, list[int]] = {}
    counts: dict[str, int] = {}

    def add(k: str, entry: list[Any]) -> None:
        if not k or len(k.split()) > MAX_WORDS:
            return
        lst = terms.setdefault(k, [])
        if not any(e[0] == entry[0] and e[1:] == entry[1:] for e in lst):
            if any(e[0] == entry[0] for e in lst):  # same concept: keep the better kind only
                return
            lst.append(entry)

    for rec in records if records is not None else all_records():
        ck = (rec.system, rec.code)
        if ck not in cindex:
            cindex[ck] = len(concepts)
            concepts.append(
                [rec.system, rec.code, rec.display, rec.category, [list(x) for x in rec.xrefs]]
            )
            counts[rec.system] = counts.get(rec.system, 0) + 1
        cidx = cindex[ck]
        if is_abbreviation(rec.term):
            add(key(rec.term), [cidx, KIND_CODE[rec.kind], rec.term.strip()])
            continue
        add(key(rec.term), [cidx, KIND_CODE[rec.kind]])
        for variant in term_variants(rec.term):
            add(key(variant), [cidx, "v"])
        b = bag_key(rec.term)
        if b and cidx not in bags.setdefault(b, []):
            bags[b].append(cidx)
    max_words = max((len(k.split()) for k in terms), default=1)
    return {
        "meta": {
            "format": FORMAT,
            "fingerprint": fingerprint(),
            "caseminer": __version__,
            "sources": source_versions(),
            "concepts": counts,
            "n_terms": len(terms),
            "max_words": max_words,
            "build_seconds": round(time.perf_counter() - started, 2),
        },
        "concepts": ConceptTable.from_plain(concepts).to_data(),
        "terms": TermMap.from_plain(terms).to_data(),
        "bags": BagTable.from_plain(bags).to_data(),
        "key_table": KeyTable.from_keys(terms).to_data(),
    }


def write(data: dict[str, Any], path: Path) -> Path:
    """Atomic write (a crashed build never leaves a half file), then drop stale caches."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".terminology-", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(MAGIC)
        fh.write(marshal.dumps(data))
    os.replace(tmp, path)
    for old in path.parent.glob("terminology-*"):
        if old != path and old.suffix in (".json", ".bin"):
            old.unlink(missing_ok=True)
    return path


def build(path: Path | None = None) -> Path:
    """Build the cache from the installed sources and write it."""
    return write(build_data(), path or cache_path())


class StaleCache(ValueError):
    """The file is not a cache this caseminer wrote (other format, other Python, damaged)."""


def read(path: Path) -> TerminologyIndex:
    with open(path, "rb") as fh:
        blob = fh.read()
    if not blob.startswith(MAGIC):
        raise StaleCache(f"{path} is not a caseminer terminology cache of format {FORMAT}")
    # the index is ~10^6 small containers: the cyclic GC would walk them repeatedly mid-load
    enabled = gc.isenabled()
    gc.disable()
    try:
        data = marshal.loads(memoryview(blob)[len(MAGIC) :])
    except (EOFError, ValueError, TypeError) as exc:
        raise StaleCache(f"{path} is damaged: {exc}") from exc
    finally:
        if enabled:
            gc.enable()
    if not isinstance(data, dict) or data.get("meta", {}).get("format") != FORMAT:
        raise StaleCache(f"{path} has another format")
    return TerminologyIndex(data)


@lru_cache(maxsize=4)
def _load(path: str) -> TerminologyIndex:
    p = Path(path)
    if not p.exists():
        build(p)
    try:
        return read(p)
    except StaleCache:
        build(p)
        return read(p)


def load_index(path: str | None = None) -> TerminologyIndex:
    """The index (built first when missing or stale); shared by every pipeline in a process."""
    return _load(str(path or cache_path()))


__all__ = ["build", "build_data", "cache_dir", "cache_path", "load_index", "words"]
