"""Load check of the HTTP service (not a unit test), on loopback only.

    python bench/serve.py [--requests 200] [--levels 1,4,16] [--memory-requests 2000] [--json PATH]

Starts `uvicorn caseminer.service.app:app_from_env` on 127.0.0.1 and a free port in a subprocess,
waits until its pipeline is loaded, then POSTs the seed report (the bundled example when ../shared
is absent) to /v1/extract:
- at each concurrency level, `--requests` requests: requests/s, p50/p99 latency, error count;
- then `--memory-requests` more at the highest level, sampling the server's RSS every 100
  requests: memory is stable when the last samples do not grow past the first ones.
Every request count is bounded by the arguments; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from texts import REPO, SEED  # noqa: E402

HOST = "127.0.0.1"  # loopback only, by design


def seed_text() -> tuple[str, str]:
    if SEED.exists():
        return SEED.read_text(encoding="utf-8"), SEED.name
    example = REPO / "caseminer" / "data" / "example_case.txt"
    return example.read_text(encoding="utf-8"), example.name


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "CASEMINER_PRELOAD": "1", "CASEMINER_MAX_PENDING": "256"}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "caseminer.service.app:app_from_env",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--timeout-graceful-shutdown",
        "5",
    ]
    return subprocess.Popen(cmd, env=env)


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 300) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{base}/v1/health", timeout=2).json().get("pipeline_loaded"):
                return time.perf_counter() - t0
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"server not ready after {timeout} s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server we started and its worker processes (only those, by pid)."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    for child in children:
        if child.is_running():
            child.kill()


def rss_mb(proc: subprocess.Popen) -> float:
    """RSS of the server and its worker children, in MB."""
    p = psutil.Process(proc.pid)
    procs = [p, *p.children(recursive=True)]
    return sum(q.memory_info().rss for q in procs if q.is_running()) / 2**20


def run_level(base: str, text: str, concurrency: int, n: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []

    def one(client: httpx.Client) -> None:
        t0 = time.perf_counter()
        try:
            r = client.post(f"{base}/v1/extract", json={"text": text}, timeout=300)
            if r.status_code != 200:
                errors.append(f"{r.status_code}: {r.text[:120]}")
        except httpx.HTTPError as exc:
            errors.append(repr(exc))
        latencies.append(time.perf_counter() - t0)

    limits = httpx.Limits(max_connections=concurrency)
    with httpx.Client(limits=limits) as client, ThreadPoolExecutor(concurrency) as pool:
        t0 = time.perf_counter()
        list(pool.map(lambda _: one(client), range(n)))
        wall = time.perf_counter() - t0
    lat = sorted(latencies)
    return {
        "concurrency": concurrency,
        "requests": n,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "requests_per_s": round(n / wall, 2),
        "p50_ms": round(statistics.median(lat) * 1000, 1),
        "p99_ms": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000, 1),
    }


def memory_run(base: str, text: str, proc, concurrency: int, n: int) -> dict[str, Any]:
    samples = [rss_mb(proc)]
    done = 0
    errors = 0
    while done < n:
        step = min(100, n - done)
        errors += run_level(base, text, concurrency, step)["errors"]
        done += step
        samples.append(rss_mb(proc))
    head = max(samples[: max(2, len(samples) // 4)])
    tail = max(samples[-max(2, len(samples) // 4) :])
    return {
        "requests": n,
        "errors": errors,
        "rss_mb_samples": [round(s, 1) for s in samples],
        "rss_growth_mb": round(tail - head, 1),
        "stable": tail - head < 50,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--requests", type=int, default=200, help="requests per concurrency level")
    ap.add_argument("--levels", default="1,4,16", help="concurrency levels")
    ap.add_argument("--memory-requests", type=int, default=2000, help="0 to skip the memory run")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    if args.requests < 1 or args.requests > 100_000 or args.memory_requests > 100_000:
        raise SystemExit("request counts must be between 1 and 100000")

    # A SIGTERM (e.g. from `timeout`) must still stop the server: turn it into SystemExit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    text, name = seed_text()
    port = free_port()
    base = f"http://{HOST}:{port}"
    proc = start_server(port, args.workers)
    try:
        ready_s = wait_ready(base, proc)
        run_level(base, text, 1, 3)  # warm-up
        result: dict[str, Any] = {
            "text": name,
            "chars": len(text),
            "workers": args.workers,
            "ready_s": round(ready_s, 1),
            "rss_mb_ready": round(rss_mb(proc), 1),
            "levels": [],
        }
        for level in (int(x) for x in args.levels.split(",")):
            row = run_level(base, text, level, args.requests)
            result["levels"].append(row)
            print(
                f"c={row['concurrency']:>3}  {row['requests_per_s']:>7.2f} req/s  "
                f"p50 {row['p50_ms']:>8.1f} ms  p99 {row['p99_ms']:>8.1f} ms  "
                f"errors {row['errors']}",
                flush=True,
            )
        if args.memory_requests:
            top = max(int(x) for x in args.levels.split(","))
            mem = memory_run(base, text, proc, top, args.memory_requests)
            result["memory"] = mem
            print(
                f"memory over {mem['requests']} requests: {mem['rss_mb_samples'][0]} -> "
                f"{mem['rss_mb_samples'][-1]} MB (growth {mem['rss_growth_mb']} MB, "
                f"stable={mem['stable']}), errors {mem['errors']}"
            )
    finally:
        stop_server(proc)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "memory"}, indent=None))


if __name__ == "__main__":
    main()
