"""Terminology budgets: cache build time, cold load time, RSS of a loaded pipeline, throughput.

Run:  CASEMINER_CACHE_DIR=/tmp/cm_bench /tmp/venv/bin/python bench/vocab.py [--build]
Budgets (issue 5): build < 60 s, cold load < 2 s, pipeline RSS < 600 MB. Each step runs in a
fresh process so "cold" means cold; CPU time is shown beside wall time (shared machines).
"""

from __future__ import annotations

import json
import subprocess
import sys

STEPS = {
    "build": "from caseminer.terminology.cache import build, cache_path; build(cache_path())",
    "load": "from caseminer.terminology.cache import load_index; load_index()",
    "pipeline": (
        "from importlib.resources import files\n"
        "from caseminer.nlp.pipeline import build\n"
        "nlp = build()  # the default pipeline includes caseminer_terminology\n"
        "text = (files('caseminer') / 'data' / 'example_case.txt').read_text()\n"
        "for _ in range(20): nlp(text)\n"
    ),
}

PROBE = """
import time, resource, psutil
t0, c0 = time.perf_counter(), time.process_time()
{code}
print(__import__('json').dumps({{"wall_s": round(time.perf_counter() - t0, 2),
    "cpu_s": round(time.process_time() - c0, 2),
    "rss_mb": round(psutil.Process().memory_info().rss / 1e6),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3)}}))
"""


def measure(step: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=STEPS[step])],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    steps = ["build", "load", "pipeline"] if "--build" in sys.argv else ["load", "pipeline"]
    for step in steps:
        print(step, measure(step))


if __name__ == "__main__":
    main()
