"""An on-disk cache for what components build from their pattern files, for a faster cold start.

What it holds: plain data (dicts, lists, strings, numbers) a component derives from its pattern
files at build time and would otherwise derive again in every fresh process: for example the
tokens of every phrase a PhraseMatcher is built from (``phrase_tokens``: tokenizing thousands of
terms is most of building such a matcher, ``Doc(vocab, words=...)`` from cached tokens is several
times cheaper). Compiled regular expressions cannot be cached: Python recompiles them from the
pattern string whatever the storage.

How it stays right:
- the file name carries a fingerprint of the caseminer version, the Python version, the cache
  name, the caller's ``extra`` key and the bytes of every source file (pattern files, and the
  code that turns them into the data), so editing any of them makes the next load rebuild;
- files are written atomically (a temporary file, then ``os.replace``), so a crash or a
  concurrent build never leaves half a file, and a file that does not load is rebuilt;
- it lives in the user cache dir, as the terminology cache does ($CASEMINER_CACHE_DIR, else
  $XDG_CACHE_HOME/caseminer, else ~/.cache/caseminer); a few older versions of each cache are
  kept (``KEEP``), so checkouts with different patterns sharing one cache dir do not rebuild each
  other's files on every start;
- ``CASEMINER_NO_DISK_CACHE=1`` turns it off (everything is built in memory).

marshal, not pickle: it runs no code when loading, and reads plain data fastest.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

FORMAT = 1
MAGIC = b"caseminer-cache:%d:%d.%d\n" % (FORMAT, *sys.version_info[:2])
# versions of one cache kept side by side (the newest by modification time)
KEEP = 4
DISABLE_ENV = "CASEMINER_NO_DISK_CACHE"


def cache_dir() -> Path:
    """Where the caches live (the terminology cache's directory; created on demand)."""
    if os.environ.get("CASEMINER_CACHE_DIR"):
        return Path(os.environ["CASEMINER_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "caseminer"


def fingerprint(name: str, sources: Iterable[str | Path], extra: str = "") -> str:
    """Hash of everything a cache depends on: version, name, ``extra`` and the source bytes."""
    from caseminer._version import __version__

    h = hashlib.sha256()
    h.update(f"{FORMAT}|{__version__}|{sys.version_info[:2]}|{name}|{extra}".encode())
    for path in sorted(Path(p) for p in sources):
        h.update(path.name.encode())
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
    return h.hexdigest()[:16]


def cache_path(name: str, sources: Iterable[str | Path], extra: str = "") -> Path:
    """The file a cache with these inputs lives in."""
    return cache_dir() / f"{name}-{fingerprint(name, sources, extra)}.bin"


def read(path: Path) -> Any:
    """The data of a cache file; raises ValueError if it is not one this code wrote."""
    blob = path.read_bytes()
    if not blob.startswith(MAGIC):
        raise ValueError(f"{path} is not a caseminer cache of format {FORMAT}")
    try:
        return marshal.loads(memoryview(blob)[len(MAGIC) :])
    except (EOFError, ValueError, TypeError) as exc:
        raise ValueError(f"{path} is damaged: {exc}") from exc


def write(path: Path, data: Any) -> Path:
    """Write atomically, then drop the oldest versions of the same cache beyond ``KEEP``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC)
            fh.write(marshal.dumps(data))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _prune(path)
    return path


def _prune(path: Path) -> None:
    name = path.stem.rsplit("-", 1)[0]
    versions = [p for p in path.parent.glob(f"{name}-*.bin") if p.stem.rsplit("-", 1)[0] == name]
    versions.sort(key=lambda p: p.stat().st_mtime if p.exists() else 0.0, reverse=True)
    for old in versions[KEEP:]:
        if old != path:
            old.unlink(missing_ok=True)


def cached(
    name: str, sources: Sequence[str | Path], build: Callable[[], Any], extra: str = ""
) -> Any:
    """``build()``'s data, from the cache when it is fresh for these inputs, else built and
    stored. Never fails because of the cache: an unwritable cache dir only costs the rebuild."""
    if os.environ.get(DISABLE_ENV):
        return build()
    path = cache_path(name, sources, extra)
    try:
        return read(path)
    except (OSError, ValueError):
        pass
    data = build()
    try:
        write(path, data)
    except OSError:
        pass
    return data


def phrase_tokens(
    name: str,
    texts: Sequence[str],
    tokenize: Callable[[str], Iterable[Any]],
    sources: Sequence[str | Path],
) -> dict[str, list[str]]:
    """The token texts of each phrase as ``tokenize`` (a pipeline's ``make_doc``) splits it,
    cached: rebuild a PhraseMatcher's pattern Docs with ``Doc(vocab, words=tokens[text])``.

    ``sources`` are the files the phrases come from; the tokenizer's own rules and code are added
    to the fingerprint here, so a tokenizer change rebuilds the cache too.
    """
    from caseminer.nlp import tokenizer
    from caseminer.patterns import PATTERNS_DIR

    deps = [*sources, PATTERNS_DIR / "tokenizer" / "tokenizer.json", Path(tokenizer.__file__)]
    unique = sorted(set(texts))
    digest = hashlib.sha256("\x00".join(unique).encode()).hexdigest()[:16]

    def build() -> dict[str, list[str]]:
        return {text: [str(t) for t in tokenize(text)] for text in unique}

    return cached(name, deps, build, extra=digest)


def copy_pattern_files(source: str | Path, target: str | Path) -> Path:
    """Copy a concern's pattern folder (its files, not subfolders) into ``target``: what a
    component's ``to_disk`` writes, so that ``spacy.load`` of a saved pipeline rebuilds the
    component from the files it was built from rather than from the installed package."""
    import shutil

    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for path in Path(source).iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)
    return target
