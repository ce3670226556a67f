"""The dask engine's chunks: several files per dask task, still one record and one limit per file.

Why chunks: dask's cost per task (client, scheduler, worker) is paid once per chunk instead of once
per file; see caseminer.batch.engines.dask_cluster.
"""

from __future__ import annotations

import time

import pytest

from caseminer.batch.engines import dask_cluster
from caseminer.batch.engines.dask_cluster import CHUNKS_PER_WORKER, chunked, run_chunk
from caseminer.batch.worker import Task


def _tasks(n: int) -> list[Task]:
    return [
        Task(input=f"/in/{i}.txt", sha256=f"{i:064d}", output=f"/out/{i}.json") for i in range(n)
    ]


@pytest.mark.parametrize(("n", "workers", "size"), [(400, 2, 10), (40, 2, 5), (3, 2, 1), (1, 4, 1)])
def test_chunks_keep_every_file_once_in_order(n, workers, size):
    tasks = _tasks(n)
    chunks = chunked(tasks, workers)
    assert [t for c in chunks for t in c] == tasks
    assert max(len(c) for c in chunks) == size
    assert len(chunks) >= min(n, workers * CHUNKS_PER_WORKER)


def test_chunk_size_is_configurable():
    assert {len(c) for c in chunked(_tasks(100), 1, size=3)} == {3, 1}


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
