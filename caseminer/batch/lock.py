"""One run at a time per OUT: OUT/_lock.json names the run that holds it (pid, host, start time).

Why: two runs into the same OUT both plan the same work (each reads the manifest before the other
writes to it), so both extract everything and the manifest ends with every record twice. A run
takes the lock before it reads the manifest and gives it back at the end; a second run fails at
once with one line naming the holder. A run killed with kill -9 cannot give the lock back, so a
lock whose process is gone (same host, no such pid, or a pid reused by a newer process) is stale
and taken over. On another host the pid cannot be checked: that lock is honoured, and the message
says which file to delete if that run is known to be gone.

Taking the lock is atomic on a local disk: the record is written to a private file and hard-linked
to the lock name (link fails when the name exists), so no reader ever sees a half-written lock.
On an object store (OUT is a URL) there is no such primitive: the check-then-write is best effort.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from caseminer.batch import io as batch_io

LOCK_NAME = "_lock.json"


class OutputLocked(RuntimeError):
    """OUT is held by another run (the message is the one line the CLI prints)."""


def _process_started(pid: int) -> float | None:
    """Start time of a process (seconds since the epoch), None when there is no such process."""
    try:
        import psutil

        return psutil.Process(pid).create_time()
    except ImportError:  # pragma: no cover - psutil is a dependency; keep a fallback anyway
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return 0.0
        return 0.0
    except Exception:  # noqa: BLE001 - NoSuchProcess, AccessDenied on a zombie, ...
        return None


def _me() -> dict:
    pid = os.getpid()
    return {
        "pid": pid,
        "host": socket.gethostname(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "process_started": _process_started(pid),
    }


def describe(holder: dict) -> str:
    """'pid 123 on host h, started 2026-12-06T16:00:00Z' (what the error line shows)."""
    return (
        f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')}, "
        f"started {holder.get('started_at', '?')}"
    )


def is_stale(holder: dict) -> bool:
    """True when the holder is known to be gone: same host and its process no longer runs."""
    if holder.get("host") != socket.gethostname():
        return False
    try:
        pid = int(holder["pid"])
    except (KeyError, TypeError, ValueError):
        return True  # not a lock record we wrote: nobody can own it
    started = _process_started(pid)
    if started is None:
        return True
    recorded = holder.get("process_started")
    # the pid was reused by a process that started after the lock's owner
    return bool(recorded and started and abs(started - float(recorded)) > 1.0)


def _publish(mine: Path, target: Path) -> None:
    """Make `mine` the lock; FileExistsError when a lock is there (atomic either way)."""
    try:
        os.link(mine, target)
    except FileExistsError:
        raise
    except OSError:  # a filesystem without hard links: exclusive create, then write
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(mine.read_text(encoding="utf-8"))


class RunLock:
    """Context manager holding OUT/_lock.json for the duration of a run."""

    def __init__(self, out: str) -> None:
        self.location = batch_io.join(out, LOCK_NAME)
        self.remote = batch_io.is_url(self.location)
        self.took_over: dict | None = None  # the stale holder replaced, if any
        self._held = False

    def _read(self) -> dict:
        try:
            data = json.loads(batch_io.read_text(self.location))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _refuse(self, holder: dict) -> OutputLocked:
        where = self.location.rsplit("/", 1)[0] if self.remote else str(Path(self.location).parent)
        return OutputLocked(
            f"{where} is in use by another caseminer run ({describe(holder)}); wait for it to "
            f"finish, or delete {self.location} if that run is gone"
        )

    def acquire(self) -> None:
        """Take the lock, taking over a stale one; OutputLocked when another run holds it."""
        record = _me()
        if self.remote:
            if batch_io.exists(self.location):
                holder = self._read()
                if not is_stale(holder):
                    raise self._refuse(holder)
                self.took_over = holder
            batch_io.write_text_atomic(self.location, json.dumps(record))
            self._held = True
            return
        target = Path(self.location)
        target.parent.mkdir(parents=True, exist_ok=True)
        mine = target.with_name(f".{LOCK_NAME}.{os.getpid()}.tmp")
        mine.write_text(json.dumps(record), encoding="utf-8")
        try:
            for _ in range(3):
                try:
                    _publish(mine, target)
                    self._held = True
                    return
                except FileExistsError:
                    pass
                holder = self._read()
                if not holder and target.exists() and time.time() - target.stat().st_mtime < 5:
                    time.sleep(0.2)  # a lock being replaced right now: look again
                    continue
                if holder and not is_stale(holder):
                    raise self._refuse(holder)
                # stale: move it aside under a name of our own; only one contender wins the rename
                aside = target.with_name(f".{LOCK_NAME}.stale.{os.getpid()}")
                try:
                    os.replace(target, aside)
                except FileNotFoundError:
                    continue
                self.took_over = holder or {"pid": "?", "host": "?", "started_at": "?"}
                aside.unlink(missing_ok=True)
            raise self._refuse(self._read())
        finally:
            mine.unlink(missing_ok=True)

    def release(self) -> None:
        """Give the lock back (only if it is still ours)."""
        if not self._held:
            return
        self._held = False
        holder = self._read()
        if holder.get("pid") != os.getpid() or holder.get("host") != socket.gethostname():
            return
        batch_io.remove(self.location)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
