"""Batch benchmark (not a unit test): ``python bench/batch.py [--n 2000] [--json PATH]``.

On N documents (MACCROBAT dev texts repeated, each made unique so de-duplication keeps it, plus
generated journal PDFs from tests/pdf_fixtures.py when reportlab is installed) it measures:
- files/s of the local engine with 1 and 2 workers, and the speed-up (target >= 1.7x);
- files/s of the dask engine on a LocalCluster of 2 workers vs local 2 workers (target: within 15%);
- the manifest's cost per file (append + fsync) as a share of the per-file time;
- the cost of writing the Parquet tables as a share of the run.
Rates are steady state: the files finished after the first record arrived, over the time from
then to the last (worker start-up and the pipeline build are reported apart as start-up
seconds). The records that arrive with the first one, in the same burst (a dask chunk returns
all its files at once), were done before that moment and are not counted: counting them credited
dask with a chunk of files it had finished during start-up. Because the machine may be shared,
each run also reports the CPU seconds its whole process tree spent per file (this process, the
engine's workers, dask's scheduler and nannies; sampled with psutil while the run goes), and the
dask/local comparison is also given as the ratio of those: on a machine the workers keep busy,
throughput is cores / CPU per file, whatever else runs beside.

With ``--rounds R`` (default 3) the runs are repeated R times in alternation (local:1, local:2,
dask:2, local:1, ...), and the comparisons are the medians of the per-round ratios, each round's
runs a minute apart: on a shared machine one run of each, minutes apart, measured the neighbours
as much as the engines (the same local run went from 20 to 80 files/s within five minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from texts import REPO, bench_texts  # noqa: E402

sys.path.insert(0, str(REPO / "tests"))

from caseminer.batch.manifest import Manifest  # noqa: E402
from caseminer.batch.run import BatchOptions, discover, make_engine, make_plan  # noqa: E402
from caseminer.batch.tables import collect, write_tables  # noqa: E402

TARGET_SPEEDUP = 1.7
TARGET_DASK = 0.15
# a record that comes from the engine sooner than this after the previous one was handled was
# waiting already (the rest of a chunk); a worker finishing a file takes longer to report it
BURST_GAP_S = 0.001


def make_corpus(root: Path, n: int, pdf_share: float) -> dict:
    """Write n unique inputs under root: texts repeated with a copy number, plus PDFs."""
    texts, used = bench_texts()
    if not texts:
        raise SystemExit("no benchmark texts (../shared is absent)")
    n_pdf = 0
    try:
        from pdf_fixtures import make_journal_pdf

        n_pdf = int(n * pdf_share)
    except ImportError:
        make_journal_pdf = None
    for i in range(n - n_pdf):
        text = f"Copy {i}.\n{texts[i % len(texts)]}"
        (root / f"doc{i:05d}.txt").write_text(text, encoding="utf-8")
    for i in range(n_pdf):
        make_journal_pdf(root / f"pdf{i:05d}.pdf", pages=2, seed=i)
    return {"texts": n - n_pdf, "pdfs": n_pdf, "sources": used}


class TreeCPU:
    """CPU seconds (user + system) spent by this process and its descendants since creation.

    Processes that exit are counted at their last sample, so ``sample`` is called as the run goes
    (the engine's workers exit at its very end, after the last record).
    """

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self._last: dict[int, float] = {}
        self._base = self._snapshot()

    def _snapshot(self) -> dict[int, float]:
        import psutil

        out = {}
        for proc in [self._me, *self._me.children(recursive=True)]:
            try:
                t = proc.cpu_times()
                out[proc.pid] = t.user + t.system
            except psutil.Error:
                continue
        return out

    def sample(self) -> None:
        self._last.update(self._snapshot())

    def seconds(self) -> float:
        self.sample()
        return sum(v - self._base.get(pid, 0.0) for pid, v in self._last.items())


def timed_run(files: list[str], out: Path, options: BatchOptions) -> dict:
    """Run the engine over fresh OUT with the manifest, as run_batch does; return rates."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    manifest = Manifest.load(out)
    plan = make_plan(files, str(out), manifest, options)
    engine = make_engine(options)
    cpu = TreeCPU()
    t0 = time.perf_counter()
    first = None
    cpu_first = 0.0
    n = failed = 0
    # records of the first burst: each came from the engine at once after the previous one
    # was handled (no wait in between), so its file was done before the first record arrived
    burst, in_burst, handled = 0, True, 0.0
    for record in engine.run(plan.tasks):
        arrived = time.perf_counter()
        if first is None:
            first = arrived
            cpu_first = cpu.seconds()
        in_burst = in_burst and (burst == 0 or arrived - handled < BURST_GAP_S)
        burst += in_burst
        manifest.add(record)
        n += 1
        failed += record["status"] != "done"
        if n % 10 == 0 or n == len(plan.tasks):
            cpu.sample()
        handled = time.perf_counter()
    end = time.perf_counter()
    cpu_s = cpu.seconds()
    after = n - burst  # files finished after the first record arrived
    steady = after / (end - first) if after > 0 and end > first else 0.0
    return {
        "engine": options.engine,
        "workers": options.workers,
        "files": n,
        "failed": failed,
        "startup_s": round(first - t0, 2) if first else None,
        "wall_s": round(end - t0, 2),
        "files_per_s": round(steady, 2),
        "cpu_s": round(cpu_s, 2),
        # steady state, like files_per_s: from the first record to the last
        "cpu_ms_per_file": round(1000 * (cpu_s - cpu_first) / after, 2) if after > 0 else None,
        "first_burst": burst,
    }


def manifest_cost(n: int, root: Path) -> float:
    """Seconds per Manifest.add (append + fsync), measured on n records."""
    m = Manifest(root / "manifest-bench")
    t0 = time.perf_counter()
    for i in range(n):
        m.add({"input": f"/x/{i}.txt", "sha256": "0" * 64, "status": "done", "output": "o"})
    return (time.perf_counter() - t0) / n


def parquet_cost(out: Path, files: list[str]) -> float:
    """Seconds to collect the per-document JSON of a finished run and write Parquet tables."""
    manifest = Manifest.load(out)
    done = [r for r in manifest.records.values() if r["status"] == "done"]
    t0 = time.perf_counter()
    write_tables(collect((r["input"], r["output"]) for r in done), str(out), ["parquet"])
    return time.perf_counter() - t0


def _ratios(runs: list[dict], field: str, top: tuple, bottom: tuple, invert: bool = False) -> list:
    """Per round, ``field`` of the ``top`` run over that of the ``bottom`` run (or the inverse)."""
    by_round: dict[int, dict[tuple, float]] = {}
    for r in runs:
        by_round.setdefault(r["round"], {})[(r["engine"], r["workers"])] = r[field]
    out = []
    for values in by_round.values():
        a, b = values.get(top), values.get(bottom)
        if a and b:
            out.append(round(b / a if invert else a / b, 2))
    return out


def _median(values: list) -> float | None:
    return round(statistics.median(values), 2) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="documents (default 2000)")
    parser.add_argument("--pdf-share", type=float, default=0.1, help="share of PDFs")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument(
        "--runs",
        default="local:1,local:2,dask:2",
        help="engine:workers runs, comma-separated (the first is the per-file baseline)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="times the runs are repeated, alternating (3)"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="caseminer-bench-"))
    try:
        src = work / "in"
        src.mkdir()
        corpus = make_corpus(src, args.n, args.pdf_share)
        files = discover([src])[0]
        runs = []
        wanted = [(e, int(w)) for e, w in (r.split(":") for r in args.runs.split(","))]
        wanted = [(e, w) for e, w in wanted if not (e == "dask" and args.skip_dask)]
        for round_ in range(max(1, args.rounds)):
            for engine, workers in wanted:
                opts = BatchOptions(engine=engine, workers=workers, indent=None)
                runs.append(
                    {"round": round_, **timed_run(files, work / f"out-{engine}-{workers}", opts)}
                )
                print(json.dumps(runs[-1]), flush=True)
        rate = {
            key: _median([r["files_per_s"] for r in runs if (r["engine"], r["workers"]) == key])
            for key in wanted
        }
        base = rate[wanted[0]]
        per_file = 1 / base if base else float("nan")
        m_cost = manifest_cost(500, work)
        last = runs[-1]
        p_cost = parquet_cost(work / f"out-{last['engine']}-{last['workers']}", files)
        speedup = _ratios(runs, "files_per_s", ("local", 2), ("local", 1))
        dask = _ratios(runs, "files_per_s", ("dask", 2), ("local", 2))
        # local CPU per file / dask CPU per file: the same ratio on a machine kept busy
        dask_cpu = _ratios(runs, "cpu_ms_per_file", ("dask", 2), ("local", 2), invert=True)
        result = {
            "corpus": corpus,
            "cpus": os.cpu_count(),
            "runs": runs,
            "median_files_per_s": {f"{e}:{w}": v for (e, w), v in rate.items()},
            "speedup_2_workers": _median(speedup),
            "speedup_2_workers_rounds": speedup,
            "dask_vs_local": _median(dask),
            "dask_vs_local_rounds": dask,
            "dask_vs_local_cpu": _median(dask_cpu),
            "dask_vs_local_cpu_rounds": dask_cpu,
            "manifest_ms_per_file": round(m_cost * 1000, 3),
            "manifest_share_of_file_time": round(m_cost / per_file, 4),
            "parquet_s": round(p_cost, 2),
            "parquet_share_of_run": round(p_cost / last["wall_s"], 4),
            "targets": {"speedup": TARGET_SPEEDUP, "dask_within": TARGET_DASK},
        }
        print(json.dumps(result, indent=2))
        if args.json:
            args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
