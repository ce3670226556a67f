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

Tasks are chunks of up to ``chunk_size`` files (20 by default): dask's own cost per task (a few ms
in the client, scheduler and worker) is then paid once per chunk, which is what keeps a
LocalCluster close to the local engine on a small machine. Chunks shrink toward the end of the
list (guided scheduling: each is at most 1/(2 x workers) of the files still to hand out, down to
one file), so the workers finish together: with equal chunks, one worker sat idle while the
other ran the last chunk (up to a second when those were PDFs, which sort last). Records stay
per file: a chunk returns one record per file, each with its own timing and error.

Isolation differs from the local engine: dask cannot kill one running task, so the memory ceiling
is the worker's memory limit (the nanny restarts a worker past it; once dask gives up on a
task, its files are run again alone, one at a time, so the file that kills its worker is the one
recorded as a crash, stage "crash", and not the files that shared its chunk or its worker).
Timeouts are per file: inside a chunk, a file that took longer than `timeout_s` is recorded as a
timeout; from the client, a chunk still unfinished `timeout_s` per file after it started is
cancelled and its files are sent again one by one, so the file that hangs is the one recorded as
a timeout (the worker thread finishes the abandoned work in the background).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from caseminer.batch.worker import Task, failure, run_task, warm_up

# dask's cost per task, measured inside a LocalCluster: about 4-5 ms of CPU in the client process
# (client, scheduler, nannies) and 3-5 ms in the worker; 20 files (about 0.4 s of work) make it
# 2% of the work, 10 made it 4-5%
CHUNK_SIZE = 20
# a chunk holds at most 1/(TAIL_SHARE x workers) of the files not yet handed out, so the last
# chunks are short and no worker waits long for another's last chunk at the end
TAIL_SHARE = 2


def timeout_record(task: Task, timeout_s: float | None, seconds: float | None = None) -> dict:
    """The record of a file that passed its time limit."""
    limit = timeout_s or 0.0
    return failure(
        task, "timeout", f"timed out after {limit:g} s (limit per file)", seconds or limit
    )


def run_chunk(tasks: list[Task], timeout_s: float | None = None) -> list[dict]:
    """Run ``run_task`` on each file of a chunk, in order: one record per file (never raises).

    A file that took longer than ``timeout_s`` becomes a timeout record, as in the local engine
    (which would have killed it), even though its JSON got written.
    """
    records = []
    for task in tasks:
        t0 = time.perf_counter()
        record = run_task(task)
        took = time.perf_counter() - t0
        if timeout_s and took > timeout_s:
            record = timeout_record(task, timeout_s, took)
        records.append(record)
    return records


def chunked(tasks: list[Task], workers: int, size: int = CHUNK_SIZE) -> list[list[Task]]:
    """Consecutive chunks of at most ``size`` tasks, shrinking toward the end of the list.

    Each chunk takes at most 1/(TAIL_SHARE x workers) of the tasks still to hand out (at least
    one). Why: the workers then run out of work at about the same time; the scheduler hands the
    chunks out in this order, so the shortest come last. (Guided self-scheduling; the number of
    chunks grows only by about TAIL_SHARE x workers x log of the chunk size.)
    """
    chunks = []
    start, n = 0, len(tasks)
    share = max(1, workers) * TAIL_SHARE
    while start < n:
        take = max(1, min(size, -(-(n - start) // share)))
        chunks.append(tasks[start : start + take])
        start += take
    return chunks


# dask settings for the LocalCluster this engine starts. Why: dask's bookkeeping runs in every
# process many times a second (the statistical profiler every 10 ms, the event-loop tick monitor
# every 20 ms, the memory monitor every 100 ms, work stealing); on a 2-core machine that is CPU
# taken from the workers. Chunks of equal-sized work need none of it at that rate. The memory
# limit still holds (checked every second).
QUIET_LOCAL_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}


class DaskEngine:
    """Run tasks on a dask.distributed cluster; yields one record per task as chunks finish."""

    name = "dask"

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        workers: int = 2,
        timeout_s: float | None = 300.0,
        max_memory_mb: int | None = 4096,
        chunk_size: int = CHUNK_SIZE,
        chunk_runner: Callable[[list[Task], float | None], list[dict]] = run_chunk,
    ) -> None:
        self.scheduler = scheduler
        self.workers = max(1, workers)
        self.timeout_s = timeout_s
        self.max_memory_mb = max_memory_mb
        self.chunk_size = max(1, chunk_size)
        # what a task runs on a chunk: run_chunk; a test passes one that kills its worker
        self.chunk_runner = chunk_runner

    def _client(self):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "--engine dask needs dask.distributed (pip install 'caseminer[scale]')"
            ) from None
        if self.scheduler:
            return Client(self.scheduler), None
        import dask

        # read when the scheduler and workers start, so it holds for this cluster only
        with dask.config.set(QUIET_LOCAL_CLUSTER):
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
        if not tasks:
            return
        client, cluster = self._client()
        try:
            client.run(warm_up)
            # an existing cluster may have more (or fewer) threads than --workers says
            slots = sum(client.nthreads().values()) or self.workers
            chunks: dict[str, list[Task]] = {}
            futures: dict[str, object] = {}
            finished = as_completed()

            def submit(chunk: list[Task]) -> None:
                future = client.submit(self.chunk_runner, chunk, self.timeout_s, pure=False)
                chunks[future.key] = chunk
                futures[future.key] = future
                finished.add(future)

            for chunk in chunked(tasks, slots, self.chunk_size):
                submit(chunk)
            # files of a chunk whose worker died, run again alone and one at a time: dask also
            # fails a task that merely waited on a dying worker, so two of them side by side
            # could both be recorded as the crash of the one that kills its worker
            suspects: deque[Task] = deque()
            suspect_key: list[str] = []
            alone: set[str] = set()  # inputs already run as suspects
            started: dict[str, float] = {}
            last_check = time.monotonic()
            while chunks or suspects:
                if suspects and not (suspect_key and suspect_key[-1] in chunks):
                    task = suspects.popleft()
                    alone.add(task.input)
                    submit([task])
                    suspect_key.append(next(reversed(chunks)))
                # as_completed is event-driven: polling wait() over every pending future burns
                # the client's CPU, which the workers need on a small machine
                if finished.has_ready():
                    for future in finished.next_batch(block=False):
                        chunk = chunks.pop(future.key, None)
                        futures.pop(future.key, None)
                        if chunk is None:  # an overdue one, already handled
                            continue
                        if future.status == "error" and (
                            len(chunk) > 1 or chunk[0].input not in alone
                        ):
                            # a worker died (or the task was lost) while the chunk was on it:
                            # each file again alone, so the crash names the file that caused it
                            suspects.extend(chunk)
                        else:
                            yield from self._records(future, chunk)
                else:
                    time.sleep(0.02)
                now = time.monotonic()
                if now - last_check < 1.0:  # the timeout check asks the scheduler: once a second
                    continue
                last_check = now
                for key in self._overdue(client, chunks, started):
                    chunk = chunks.pop(key)
                    futures.pop(key).cancel()
                    if len(chunk) == 1:
                        yield timeout_record(chunk[0], self.timeout_s)
                    else:  # which file hangs? each again alone, with its own limit
                        for task in chunk:
                            submit([task])
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _records(self, future, chunk: list[Task]) -> list[dict]:
        if future.status == "cancelled":
            return [timeout_record(task, self.timeout_s) for task in chunk]
        try:
            return future.result()
        except Exception as exc:  # noqa: BLE001 - a killed worker or a lost task
            return [failure(task, "crash", f"{type(exc).__name__}: {exc}") for task in chunk]

    def _overdue(
        self, client, chunks: dict[str, list[Task]], started: dict[str, float]
    ) -> list[str]:
        """Keys of chunks processing on a worker for longer than timeout_s per file (the clock
        starts when the chunk is first seen processing)."""
        if not self.timeout_s or not chunks:
            return []
        now = time.monotonic()
        running = {k for keys in client.processing().values() for k in keys}
        overdue = []
        for key, chunk in chunks.items():
            if key in running:
                started.setdefault(key, now)
                if now - started[key] > self.timeout_s * len(chunk):
                    overdue.append(key)
        return overdue
