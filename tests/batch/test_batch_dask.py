"""The dask engine on a LocalCluster of 2 workers: same outputs and resume semantics as local."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from batch_fixtures import case_text

pytest.importorskip("distributed", reason="dask.distributed is not installed (extra: scale)")

from caseminer.batch.engines.dask_cluster import chunked  # noqa: E402
from caseminer.batch.manifest import MANIFEST_NAME  # noqa: E402
from caseminer.batch.run import BatchOptions, discover, run_batch  # noqa: E402


@pytest.mark.slow
def test_dask_local_cluster_extracts_resumes_and_records_errors(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        (src / f"case{i}.txt").write_text(case_text(i), encoding="utf-8")
    (src / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    files = discover([src])[0]
    options = BatchOptions(engine="dask", workers=2, formats=("json", "jsonl"))

    first = run_batch(files, out, options)
    assert len(first.written) == 4 and first.failed == 1
    assert first.errors[0]["stage"] == "read" and "empty" in first.errors[0]["reason"]
    records = [json.loads(x) for x in (out / MANIFEST_NAME).read_text().splitlines()]
    assert {r["status"] for r in records} == {"done", "failed"}
    for rec in records:
        if rec["status"] == "done":
            report = json.loads(Path(rec["output"]).read_text())
            assert report["document"]["id"] == Path(rec["input"]).stem
            assert rec["counts"]["labs"] == len(report["labs"])
    labs = (out / "tables" / "labs.jsonl").read_text().splitlines()
    assert len(labs) == sum(r.get("counts", {}).get("labs", 0) for r in records)

    again = run_batch(files, out, options)
    assert again.written == [] and again.skipped == 4 and again.failed == 1


def _exit_on_boom(tasks, timeout_s):
    """A chunk runner whose worker process dies on the file named boom.txt (as on a segfault)."""
    import os

    from caseminer.batch.engines.dask_cluster import run_chunk

    if any(task.input.endswith("boom.txt") for task in tasks):
        os._exit(1)
    return run_chunk(tasks, timeout_s)


@pytest.mark.slow
def test_dask_chunk_whose_worker_dies_is_rerun_file_by_file(tmp_path):
    import sys

    import cloudpickle
    import dask

    from caseminer.batch.engines.dask_cluster import DaskEngine
    from caseminer.batch.manifest import Manifest
    from caseminer.batch.run import make_plan

    # the runner travels by value: the workers cannot import this test module
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        (src / f"case{i}.txt").write_text(case_text(i), encoding="utf-8")
    (src / "boom.txt").write_text(case_text(9), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    files = discover([src])[0]
    plan = make_plan(files, str(out), Manifest.load(out), BatchOptions(engine="dask", workers=2))
    engine = DaskEngine(workers=2, chunk_runner=_exit_on_boom)
    try:
        # dask gives up on a task after the third worker it kills (its default) and on the
        # tasks that waited on those workers too; the engine runs each of their files again
        # alone, one at a time, so only boom.txt ends as a crash
        with dask.config.set({"distributed.scheduler.allowed-failures": 3}):
            records = list(engine.run(plan.tasks))
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    # boom.txt shares its first chunk with case0.txt; only boom.txt is the crash
    assert sorted(Path(r["input"]).name for r in records) == sorted(Path(f).name for f in files)
    failed = [r for r in records if r["status"] != "done"]
    assert [Path(r["input"]).name for r in failed] == ["boom.txt"]
    assert failed[0]["stage"] == "crash"
    assert [len(c) for c in chunked(plan.tasks, 2)][0] == 2
    assert {t.input for t in chunked(plan.tasks, 2)[0]} == {
        str(src / "boom.txt"),
        str(src / "case0.txt"),
    }
