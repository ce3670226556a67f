"""Local engine: N worker processes, each isolating one file at a time (timeout + memory ceiling).

Why not ProcessPoolExecutor: a hung file must be stopped by killing its worker, and killing a
worker breaks an executor's whole pool. Here each worker has its own pipe; the parent hands it one
task at a time, kills it when the task passes its deadline (an error record, stage "timeout"),
and starts a replacement. A worker that dies (segfault, OOM kill) becomes an error record, stage
"crash". Workers are forked from a fork server that has already built the pipeline
(caseminer.batch.preload), so the pipeline is loaded once, not per worker and never per file.
Workers ignore SIGINT: on Ctrl-C the parent stops handing out work and kills them.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from caseminer.batch.worker import Task, failure, run_task, warm_up


def _vm_bytes() -> int:
    """Address space this process maps now (Linux /proc; 0 when unknown)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(max_memory_mb: int) -> None:
    """Cap the address space at what the loaded pipeline maps plus `max_memory_mb`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _vm_bytes() + max_memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # pragma: no cover - platform without RLIMIT_AS
        pass


def _worker_main(conn: Connection, max_memory_mb: int | None, max_tasks: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up()
    if max_memory_mb:
        _limit_memory(max_memory_mb)
    conn.send(("ready", os.getpid()))
    for _ in range(max_tasks):
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        conn.send(("result", run_task(Task(**message))))
    conn.close()


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    ready: bool = False
    task: Task | None = None
    deadline: float = 0.0


def _context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["caseminer.batch.preload"])
        return ctx
    return mp.get_context("spawn")  # pragma: no cover - Windows


class LocalEngine:
    """Run tasks on `workers` local processes; yields one record per task, in completion order."""

    name = "local"

    def __init__(
        self,
        workers: int = 1,
        *,
        timeout_s: float | None = 300.0,
        max_memory_mb: int | None = 4096,
        max_tasks_per_worker: int = 1000,
    ) -> None:
        self.workers = max(1, workers)
        self.timeout_s = timeout_s
        self.max_memory_mb = max_memory_mb
        self.max_tasks = max(1, max_tasks_per_worker)
        self._ctx = _context()
        self._pool: list[_Worker] = []

    def _spawn(self) -> _Worker:
        recv, send = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(
            target=_worker_main, args=(send, self.max_memory_mb, self.max_tasks), daemon=True
        )
        proc.start()
        send.close()
        worker = _Worker(proc, recv)
        self._pool.append(worker)
        return worker

    def _retire(self, worker: _Worker, kill: bool) -> None:
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.conn.close()
        worker.process.join(5)
        self._pool.remove(worker)

    def run(self, tasks: Iterable[Task]) -> Iterator[dict]:
        queue = deque(tasks)
        try:
            for _ in range(min(self.workers, len(queue))):
                self._spawn()
            while self._pool:
                for worker in list(self._pool):
                    if worker.ready and worker.task is None:
                        if queue:
                            self._assign(worker, queue.popleft())
                        else:
                            self._stop(worker)
                if not self._pool:
                    break
                yield from self._collect(queue)
        finally:
            for worker in list(self._pool):
                self._retire(worker, kill=True)

    def _assign(self, worker: _Worker, task: Task) -> None:
        worker.task = task
        worker.deadline = time.monotonic() + self.timeout_s if self.timeout_s else float("inf")
        worker.conn.send(task.to_dict())

    def _stop(self, worker: _Worker) -> None:
        try:
            worker.conn.send(None)
        except OSError:
            pass
        self._retire(worker, kill=False)

    def _collect(self, queue: deque[Task]) -> Iterator[dict]:
        now = time.monotonic()
        busy = [w.deadline for w in self._pool if w.task is not None]
        timeout = max(0.0, min(busy) - now) if busy else None
        timeout = 1.0 if timeout is None or timeout > 1.0 else timeout
        ready = wait([w.conn for w in self._pool], timeout=timeout)
        for worker in list(self._pool):
            if worker.conn in ready:
                try:
                    kind, payload = worker.conn.recv()
                except (EOFError, OSError):
                    yield from self._died(worker, queue)
                    continue
                if kind == "ready":
                    worker.ready = True
                else:
                    worker.task = None
                    yield payload
            elif worker.task is not None and time.monotonic() > worker.deadline:
                task = worker.task
                self._retire(worker, kill=True)
                yield failure(
                    task,
                    "timeout",
                    f"timed out after {self.timeout_s:g} s (limit per file)",
                    self.timeout_s or 0.0,
                )
                if queue:
                    self._spawn()

    def _died(self, worker: _Worker, queue: deque[Task]) -> Iterator[dict]:
        task = worker.task
        self._retire(worker, kill=True)
        code = worker.process.exitcode
        if task is None and not worker.ready:
            raise RuntimeError(f"a worker process failed to start (exit code {code})")
        if task is not None:
            yield failure(
                task,
                "crash",
                f"worker process died (exit code {code}); memory ceiling or a crash in a library",
            )
        if queue:
            self._spawn()
