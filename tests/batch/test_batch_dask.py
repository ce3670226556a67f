"""The dask engine on a LocalCluster of 2 workers: same outputs and resume semantics as local."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from batch_fixtures import case_text

pytest.importorskip("distributed", reason="dask.distributed is not installed (extra: scale)")

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
