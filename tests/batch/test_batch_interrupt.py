"""Kill a folder run (SIGINT, then SIGKILL), re-run it: it finishes without redoing done files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_fixtures import case_text

from caseminer.batch.manifest import MANIFEST_NAME

N_FILES = 40


def _done(out: Path) -> dict[str, str]:
    """input -> finished_at of the done records (a torn last line is ignored)."""
    done = {}
    path = out / MANIFEST_NAME
    if not path.exists():
        return done
    for line in path.read_text().splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if rec.get("status") == "done":
            done[rec["input"]] = rec["finished_at"]
    return done


def _start(src: Path, out: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "caseminer.cli", "extract", str(src), "-o", str(out)]
    cmd += ["--workers", "1", "--indent", "0"]
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def _wait_for(out: Path, n: int, proc: subprocess.Popen, limit_s: float = 240) -> None:
    t0 = time.monotonic()
    while len(_done(out)) < n:
        if proc.poll() is not None:
            pytest.fail(f"the run ended before {n} files were done: {proc.stderr.read()}")
        if time.monotonic() - t0 > limit_s:
            proc.kill()
            pytest.fail("the run made no progress")
        time.sleep(0.02)


@pytest.mark.slow
def test_sigint_then_sigkill_then_rerun_loses_and_redoes_nothing(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    long = "\n".join(case_text(i) for i in range(12))  # a few hundred ms per file
    for i in range(N_FILES):
        (src / f"case{i:02d}.txt").write_text(f"Report {i}.\n{long}", encoding="utf-8")
    out = tmp_path / "out"

    proc = _start(src, out)
    _wait_for(out, 2, proc)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    after_int = _done(out)
    assert 2 <= len(after_int) < N_FILES
    for key in after_int:
        assert json.loads(Path(_output(out, key)).read_text())["labs"]

    proc = _start(src, out)
    _wait_for(out, len(after_int) + 2, proc)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its workers, as a kill -9 of the job
    proc.communicate(timeout=60)
    after_kill = _done(out)
    assert len(after_kill) < N_FILES
    assert all(after_kill[k] == v for k, v in after_int.items())

    proc = _start(src, out)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    final = _done(out)
    assert len(final) == N_FILES
    assert all(final[k] == v for k, v in after_kill.items()), "a finished file was redone"
    summary = json.loads((out / "_summary.json").read_text())
    assert summary["skipped"] == len(after_kill)
    # a kill between a finished output and its manifest record leaves a staged output that the
    # re-run adopts (recorded, not extracted again): every file not done is written or adopted
    assert len(summary["adopted"]) <= 1
    assert len(summary["written"]) + len(summary["adopted"]) == N_FILES - len(after_kill)
    outputs = sorted(p.name for p in out.glob("*.json") if not p.name.startswith("_"))
    assert outputs == [f"case{i:02d}.json" for i in range(N_FILES)]
    assert not list(out.glob(".*.tmp")), "a temporary file was left behind"


def _output(out: Path, key: str) -> str:
    for line in (out / MANIFEST_NAME).read_text().splitlines():
        rec = json.loads(line)
        if rec["input"] == key and rec["status"] == "done":
            return rec["output"]
    raise AssertionError(key)


@pytest.mark.slow
def test_kill_9_of_the_run_alone_leaves_quiet_workers_and_no_unrecorded_output(tmp_path):
    """kill -9 of the CLI process only (its workers live on): they exit without a traceback,
    every output in OUT has its manifest record, and the resume finishes without redoing any."""
    src = tmp_path / "in"
    src.mkdir()
    long = "\n".join(case_text(i) for i in range(12))
    for i in range(12):
        (src / f"case{i:02d}.txt").write_text(f"Report {i}.\n{long}", encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "caseminer.cli", "extract", str(src), "-o", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2", "--indent", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _wait_for(out, 2, proc)
    proc.kill()  # the parent only, as `kill -9 PID` of the run
    try:
        # EOF on stderr once every process holding it (the workers, the fork server) is gone
        _, stderr = proc.communicate(timeout=60)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    time.sleep(1.0)  # a worker that outlived the parent would still write now
    recorded = {Path(_output(out, key)).name for key in _done(out)}
    outputs = {p.name for p in out.glob("*.json") if not p.name.startswith("_")}
    assert outputs <= recorded, "an output without its manifest record"
    for name in recorded - outputs:  # killed between the record and the rename: staged, kept
        assert list(out.glob(f".{name}.*.part")), name
    after_kill = _done(out)

    rerun = subprocess.run(
        [*cmd, "--workers", "1", "--indent", "0"], capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr
    final = _done(out)
    assert len(final) == 12
    assert all(final[k] == v for k, v in after_kill.items()), "a finished file was redone"
    assert not list(out.glob(".*")), "a staged or temporary file was left behind"


# files of the lock test. The first run is stopped (SIGSTOP) while the second one starts: with
# a faster pipeline, 6 and then 40 files were once all done before the second run had started,
# so a lock held only by being slower made the test depend on the machine's speed.
N_CONTENDED = 12


@pytest.mark.slow
def test_two_runs_into_one_out_the_second_exits_2_at_once(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    long = "\n".join(case_text(i) for i in range(12))
    for i in range(N_CONTENDED):
        (src / f"case{i:02d}.txt").write_text(f"Report {i}.\n{long}", encoding="utf-8")
    out = tmp_path / "out"
    first = _start(src, out)
    try:
        t0 = time.monotonic()
        while not (out / "_lock.json").exists():
            assert first.poll() is None, first.stderr.read()
            assert time.monotonic() - t0 < 120, "the first run never took the lock"
            time.sleep(0.02)
        # the first run and its workers held where they are: it owns the lock until resumed
        os.killpg(first.pid, signal.SIGSTOP)
        cmd = [sys.executable, "-m", "caseminer.cli", "extract", str(src), "-o", str(out)]
        t1 = time.monotonic()
        try:
            second = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        finally:
            os.killpg(first.pid, signal.SIGCONT)
        assert second.returncode == 2, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and f"pid {first.pid} on host" in lines[0], second.stderr
        assert "started 20" in lines[0] and time.monotonic() - t1 < 30
        _, stderr = first.communicate(timeout=300)
        assert first.returncode == 0, stderr
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    records = (out / MANIFEST_NAME).read_text().splitlines()
    assert len(records) == N_CONTENDED, "a record was written twice"
