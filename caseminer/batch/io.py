"""Where batch inputs come from and outputs go: local paths or fsspec URLs (s3://, gs://, ...).

Why a module of its own: the local engine and the dask engine run the same per-file work, and on
a cluster the inputs and OUT may live in object storage. Local paths never import fsspec; a URL
needs fsspec plus the matching filesystem package (s3fs, gcsfs), and says so when it is missing.
Writes are atomic: a local file is written beside its target and renamed over it; an object store
publishes an object only when its upload completes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def is_url(location: str | os.PathLike) -> bool:
    """True for 'scheme://...' locations (fsspec), False for plain paths."""
    return bool(_URL.match(str(location)))


def _fs(location: str):
    try:
        import fsspec
    except ImportError:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            f"{location}: URLs need fsspec (pip install 'caseminer[scale]')"
        ) from None
    fs, path = fsspec.core.url_to_fs(location)
    return fs, path


def join(base: str | os.PathLike, name: str) -> str:
    """base/name for a path or a URL."""
    base = str(base)
    if is_url(base):
        return base.rstrip("/") + "/" + name
    return str(Path(base) / name)


def read_bytes(location: str | os.PathLike) -> bytes:
    """All bytes of a local file or a URL."""
    if is_url(location):
        fs, path = _fs(str(location))
        return fs.cat_file(path)
    return Path(location).read_bytes()


def sha256_of(location: str | os.PathLike) -> str:
    """SHA-256 of the bytes (streamed for local files, so a large PDF is not held twice)."""
    if is_url(location):
        return hashlib.sha256(read_bytes(location)).hexdigest()
    h = hashlib.sha256()
    with open(location, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def exists(location: str | os.PathLike) -> bool:
    if is_url(location):
        fs, path = _fs(str(location))
        return fs.exists(path)
    return Path(location).exists()


def makedirs(location: str | os.PathLike) -> None:
    if is_url(location):
        fs, path = _fs(str(location))
        fs.makedirs(path, exist_ok=True)
    else:
        Path(location).mkdir(parents=True, exist_ok=True)


def read_text(location: str | os.PathLike) -> str:
    return read_bytes(location).decode("utf-8")


def write_bytes_atomic(location: str | os.PathLike, data: bytes) -> None:
    """Write so that a reader (or a kill -9) sees the old content or the new, never half."""
    if is_url(location):
        fs, path = _fs(str(location))
        if "file" not in fs.protocol:  # object stores publish an object when its upload ends
            fs.pipe_file(path, data)
            return
        location = path  # file:// URL: write it like a path, with a rename
    target = Path(location)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (read by setting it, then restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(location: str | os.PathLike, text: str) -> None:
    write_bytes_atomic(location, text.encode("utf-8"))


def remove(location: str | os.PathLike) -> None:
    """Delete a file or object; a missing one is not an error."""
    if is_url(location):
        fs, path = _fs(str(location))
        if fs.exists(path):
            fs.rm(path)
        return
    Path(location).unlink(missing_ok=True)


def move(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Rename source over target (atomic on a local disk; copy then delete on an object store)."""
    if is_url(source):
        fs, src = _fs(str(source))
        _, dst = _fs(str(target))
        fs.mv(src, dst)
        return
    os.replace(source, target)


def local_copy(location: str, workdir: str) -> Path:
    """A URL's bytes in a local file of the same name (readers want paths)."""
    name = str(location).rstrip("/").rsplit("/", 1)[-1] or "input"
    target = Path(workdir) / name
    target.write_bytes(read_bytes(location))
    return target


def discover_urls(locations: list[str], suffixes: tuple[str, ...]) -> list[str]:
    """Files under fsspec URLs (a URL naming a file is kept as is), sorted, first wins."""
    found: list[str] = []
    seen: set[str] = set()
    for loc in locations:
        fs, path = _fs(loc)
        protocol = loc.split("://", 1)[0]
        if fs.isdir(path):
            names = sorted(
                p for p in fs.find(path) if Path(p).suffix.lower() in suffixes and "/." not in p
            )
            urls = [f"{protocol}://{p.lstrip('/')}" if protocol != "file" else p for p in names]
        elif fs.exists(path):
            urls = [loc]
        else:
            from caseminer.readers import ReadError

            raise ReadError(loc, "no such file or directory")
        for u in urls:
            if u not in seen:
                seen.add(u)
                found.append(u)
    return found
