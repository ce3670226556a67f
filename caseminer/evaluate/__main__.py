"""``python -m caseminer.evaluate GOLD [-o report.md] [--json] [--limit N] [--write-baseline P]``.

A stand-alone entry point (the ``caseminer evaluate`` CLI command wraps the same functions).
It exits 0 whatever the scores: it is a measuring tool, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from caseminer.evaluate.baseline import write_baseline
from caseminer.evaluate.core import evaluate


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, evaluate, print or write the report."""
    ap = argparse.ArgumentParser(
        prog="python -m caseminer.evaluate",
        description="Score caseminer against annotated case reports.",
        epilog="example: python -m caseminer.evaluate "
        "../shared/corpora/external/maccrobat2020_dev.jsonl -o report.md",
    )
    ap.add_argument("gold", type=Path, help=".jsonl file, brat folder or corpora folder")
    ap.add_argument("-o", "--output", type=Path, help="write the Markdown (or JSON) report here")
    ap.add_argument("--json", action="store_true", help="JSON instead of Markdown")
    ap.add_argument("--limit", type=int, default=None, help="only the first N documents")
    ap.add_argument("--write-baseline", type=Path, help="also write the ratchet baseline here")
    args = ap.parse_args(argv)
    try:
        ev = evaluate(args.gold, limit=args.limit)
    except (FileNotFoundError, ValueError) as exc:  # a usage error, not a score
        print(f"error: {exc}", file=sys.stderr)
        return 2
    body = json.dumps(ev.to_dict(), indent=2) if args.json else ev.to_markdown()
    if args.output:
        args.output.write_text(body, encoding="utf-8")
    else:
        sys.stdout.write(body)
    if args.write_baseline:
        write_baseline(ev, args.write_baseline)
    for row in ev.summary_rows():
        print(
            f"{row[0]:<11} strict F1 {row[3]:.3f}  lenient P {row[4]:.3f} R {row[5]:.3f} "
            f"F1 {row[6]:.3f}  gold {row[7]}  pred {row[8]}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
