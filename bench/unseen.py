"""Throughput on texts the process has not seen before (``python bench/unseen.py``; also run by
``bench/speed.py`` unless ``--no-unseen``).

Why this figure exists beside the best-of-rounds one: ``speed.py`` keeps the best of several passes
over the same 101 texts, so any memo that lives across documents (the tokenizer's chunk cache,
per-term judgements, per-surface lookups) answers every question of the later passes from memory.
A user's batch is thousands of *different* reports, where such memos only help as far as the
vocabulary repeats. Here each run is a fresh process: the floor (``spacy.blank("en")``) and
caseminer are both warmed on *other* texts (E3C, GSC+ and the repository's own ``corpora/``
reports: every lazy rule compiled, the common vocabulary seen), then make one pass over the bench
texts, which neither has seen. Best of ``--runs`` processes, CPU time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from texts import REPO, SHARED, bench_texts  # noqa: E402

OTHER_SOURCES = (
    SHARED / "corpora" / "external" / "e3c_en_train.jsonl",
    SHARED / "corpora" / "external" / "gscplus_dev.jsonl",
)


def other_texts() -> list[str]:
    """Texts that are not bench texts: E3C, GSC+ (where present) and ``corpora/*.txt``."""
    out: list[str] = []
    for path in OTHER_SOURCES:
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                out += [json.loads(line)["text"] for line in fh if line.strip()]
    out += [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))]
    return out


def child() -> dict[str, float]:
    """One fresh process's figures: CPU seconds of one floor pass and one caseminer pass."""
    import spacy

    import caseminer

    texts, _ = bench_texts()
    warm = other_texts()
    blank = spacy.blank("en")
    for _ in blank.pipe(warm):
        pass
    nlp = caseminer.load()
    for report in caseminer.extract_many(warm, nlp=nlp):
        report.model_dump_json()
    t0 = time.process_time()
    for _ in blank.pipe(texts):
        pass
    floor = time.process_time() - t0
    t0 = time.process_time()
    for report in caseminer.extract_many(texts, nlp=nlp):
        report.model_dump_json()
    return {"floor_cpu_s": floor, "caseminer_cpu_s": time.process_time() - t0}


def unseen(runs: int = 3) -> dict[str, Any]:
    """Best floor and caseminer pass over ``runs`` fresh processes, and the per-run ratios."""
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, __file__, "--child"], capture_output=True, text=True, check=True
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    floor = min(r["floor_cpu_s"] for r in results)
    cm = min(r["caseminer_cpu_s"] for r in results)
    ratios = [r["floor_cpu_s"] / r["caseminer_cpu_s"] for r in results]
    return {
        "runs": runs,
        "floor_cpu_s": round(floor, 3),
        "caseminer_cpu_s": round(cm, 3),
        "ratio": round(floor / cm, 4),
        "ratio_median": round(statistics.median(ratios), 4),
        "ratio_range": [round(min(ratios), 4), round(max(ratios), 4)],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="fresh processes (default 3)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not bench_texts()[0]:
        print("no benchmark texts found (../shared absent)", file=sys.stderr)
        return 1
    if args.child:
        print(json.dumps(child()))
        return 0
    print(json.dumps(unseen(args.runs), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
