"""The dask engine's chunks: several files per dask task, still one record and one limit per file.

Why chunks: dask's cost per task (client, scheduler, worker) is paid once per chunk instead of once
per file; see caseminer.batch.engines.dask_cluster.
"""

from __future__ import annotations

import random
import time

import pytest

from caseminer.batch.engines import dask_cluster
from caseminer.batch.engines.dask_cluster import CHUNK_SIZE, TAIL_SHARE, chunked, run_chunk
from caseminer.batch.worker import Task


def _tasks(n: int) -> list[Task]:
    return [
        Task(input=f"/in/{i}.txt", sha256=f"{i:064d}", output=f"/out/{i}.json") for i in range(n)
    ]


@pytest.mark.parametrize(("n", "workers"), [(400, 2), (40, 2), (3, 2), (1, 4), (2000, 3), (57, 1)])
def test_chunks_keep_every_file_once_in_order_and_shrink_to_one(n, workers):
    tasks = _tasks(n)
    chunks = chunked(tasks, workers)
    assert [t for c in chunks for t in c] == tasks
    assert len(chunks) >= min(n, workers * TAIL_SHARE)
    sizes = [len(c) for c in chunks]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == 1
    left = n
    for size in sizes:  # never more than a share of what is left, never more than CHUNK_SIZE
        assert 1 <= size <= min(CHUNK_SIZE, -(-left // (workers * TAIL_SHARE)))
        left -= size
    # the chunk count stays near n / CHUNK_SIZE: dask's cost per task is paid once per chunk
    assert len(chunks) <= n / CHUNK_SIZE + workers * TAIL_SHARE * 6


def test_chunk_size_is_configurable():
    assert max(len(c) for c in chunked(_tasks(100), 1, size=3)) == 3
    assert {len(c) for c in chunked(_tasks(100), 1, size=1)} == {1}


def _idle_at_end(chunks: list[list[Task]], cost: dict[str, float], workers: int) -> float:
    """How long the first worker to run out of chunks waits for the last one, when each chunk
    goes, in order, to the worker free first (as dask's scheduler hands out queued tasks)."""
    free = [0.0] * workers
    for chunk in chunks:
        i = free.index(min(free))
        free[i] += sum(cost[t.input] for t in chunk)
    return max(free) - min(free)


def test_shrinking_chunks_let_the_workers_finish_together():
    # Why chunks shrink: with equal chunks of 10, the worker that got the last chunk ran it
    # alone (PDFs sort last and cost several times a text). Costs vary per file, as they do.
    tasks = _tasks(400)
    equal = [tasks[i : i + CHUNK_SIZE] for i in range(0, len(tasks), CHUNK_SIZE)]
    idle_equal, idle_shrinking = [], []
    for seed in range(100):
        rng = random.Random(seed)
        cost = {
            t.input: rng.uniform(0.01, 0.03) * (5 if i >= 360 else 1) for i, t in enumerate(tasks)
        }
        idle_equal.append(_idle_at_end(equal, cost, 2))
        idle_shrinking.append(_idle_at_end(chunked(tasks, 2), cost, 2))
        assert idle_shrinking[-1] <= max(cost.values())  # never more than one file's wait
    # equal chunks: 0.16 s on average here, shrinking ones 0.05 s
    assert sum(idle_equal) > 2 * sum(idle_shrinking)


def test_run_chunk_gives_one_record_per_file_and_a_per_file_timeout(monkeypatch):
    def fake_run_task(task: Task) -> dict:
        if task.input.endswith("1.txt"):
            time.sleep(0.05)  # the slow one
        if task.input.endswith("2.txt"):
            return {"input": task.input, "status": "failed", "stage": "read", "error": "empty"}
        return {"input": task.input, "status": "done", "stage": "done"}

    monkeypatch.setattr(dask_cluster, "run_task", fake_run_task)
    records = run_chunk(_tasks(4), timeout_s=0.03)
    assert [r["input"] for r in records] == [t.input for t in _tasks(4)]
    assert [r["stage"] for r in records] == ["done", "timeout", "read", "done"]
    assert "limit per file" in records[1]["error"]
    assert [r["stage"] for r in run_chunk(_tasks(4), timeout_s=None)][1] == "done"


def test_run_chunk_on_real_files_records_failures(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("Hemoglobin was 9.1 g/dL.", encoding="utf-8")
    empty = tmp_path / "b.txt"
    empty.write_text("", encoding="utf-8")
    tasks = [
        Task(input=str(p), sha256="0" * 64, output=str(tmp_path / f"{p.stem}.json"))
        for p in (good, empty)
    ]
    records = run_chunk(tasks, timeout_s=300)
    assert [r["status"] for r in records] == ["done", "failed"]
    assert (tmp_path / "a.json").exists()
