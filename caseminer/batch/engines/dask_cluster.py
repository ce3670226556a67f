"""Dask engine: the same per-file work (caseminer.batch.worker.run_task) on a dask cluster.

`scheduler="tcp://host:8786"` connects to an existing dask.distributed cluster; without it a
LocalCluster of `workers` single-threaded worker processes is started (and closed at the end).
Each worker process builds the default pipeline once (warmed up by `client.run` before any task)
and writes its per-document JSON straight to OUT, so OUT must be reachable from every worker: a
shared filesystem path or an fsspec URL (s3://, gs:// with s3fs/gcsfs installed on the workers).

Running on a real cluster:
    pip install 'caseminer[scale]'            # on the client and on every worker
    dask scheduler                            # on one machine: prints tcp://HOST:8786
    dask worker tcp://HOST:8786 --nthreads 1 --memory-limit 4GB   # on each worker machine
    caseminer extract s3://bucket/pdfs -o s3://bucket/out --engine dask --scheduler tcp://HOST:8786

Isolation differs from the local engine: dask cannot kill one running task, so the memory ceiling
is the worker's memory limit (the nanny restarts a worker past it and the file becomes an error
record, stage "crash", once dask gives up on it) and the timeout is checked from the client:
a file still unfinished `timeout_s` after it started is recorded as a timeout and its future
cancelled (the worker thread finishes it in the background).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator

from caseminer.batch.worker import Task, failure, run_task, warm_up


class DaskEngine:
    """Run tasks on a dask.distributed cluster; yields one record per task as they finish."""

    name = "dask"

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        workers: int = 2,
        timeout_s: float | None = 300.0,
        max_memory_mb: int | None = 4096,
    ) -> None:
        self.scheduler = scheduler
        self.workers = max(1, workers)
        self.timeout_s = timeout_s
        self.max_memory_mb = max_memory_mb

    def _client(self):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "--engine dask needs dask.distributed (pip install 'caseminer[scale]')"
            ) from None
        if self.scheduler:
            return Client(self.scheduler), None
        cluster = LocalCluster(
            n_workers=self.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=f"{self.max_memory_mb}MB" if self.max_memory_mb else "auto",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        return Client(cluster), cluster

    def run(self, tasks: Iterable[Task]) -> Iterator[dict]:
        from dask.distributed import as_completed

        tasks = list(tasks)
        client, cluster = self._client()
        try:
            client.run(warm_up)
            futures = client.map(run_task, tasks, pure=False)
            by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
            remaining = set(futures)
            started: dict[str, float] = {}
            # as_completed is event-driven: polling wait() over every pending future burns the
            # client's CPU, which the workers need on a small machine
            finished = as_completed(futures)
            last_check = time.monotonic()
            while remaining:
                if finished.has_ready():
                    for future in finished.next_batch(block=False):
                        if future in remaining:  # a timed-out one was already reported
                            remaining.discard(future)
                            yield self._record(future, by_key[future.key])
                else:
                    time.sleep(0.02)
                # the timeout check asks the scheduler (a round trip): at most once a second
                now = time.monotonic()
                if now - last_check < 1.0:
                    continue
                last_check = now
                for future in self._overdue(client, remaining, started):
                    remaining.discard(future)
                    future.cancel()
                    yield failure(
                        by_key[future.key],
                        "timeout",
                        f"timed out after {self.timeout_s:g} s (limit per file)",
                        self.timeout_s or 0.0,
                    )
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _record(self, future, task: Task) -> dict:
        if future.status == "cancelled":
            return failure(
                task, "timeout", f"timed out after {self.timeout_s:g} s (limit per file)"
            )
        try:
            return future.result()
        except Exception as exc:  # noqa: BLE001 - a killed worker or a lost task
            return failure(task, "crash", f"{type(exc).__name__}: {exc}")

    def _overdue(self, client, remaining: set, started: dict[str, float]) -> list:
        """Futures processing on a worker for longer than timeout_s (clock starts when seen)."""
        if not self.timeout_s or not remaining:
            return []
        now = time.monotonic()
        running = {k for keys in client.processing().values() for k in keys}
        overdue = []
        for future in remaining:
            if future.key in running:
                started.setdefault(future.key, now)
                if now - started[future.key] > self.timeout_s:
                    overdue.append(future)
        return overdue
