"""Check that a change left caseminer's output unchanged: save every report once, compare later.

Why: speed work must not change a single fact. This runs ``caseminer.extract`` on every text we
can read (the 24 hand-written reports in ``corpora/``, and when ``../shared`` is present the
MACCROBAT dev reports, the seed, the GSC+ abstracts and the E3C cases) and writes each report's
JSON, with ``provenance`` left out (it names the version), one file per document. ``--compare``
runs again and lists every document whose JSON differs, with the first differing path.

    python tools/same_output.py --save /tmp/before
    python tools/same_output.py --compare /tmp/before [--show 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXTERNAL = REPO.parent / "shared" / "corpora" / "external"
SEED = REPO.parent / "shared" / "seeds" / "tumoral-calcinosis-case-report.txt"


def texts() -> Iterator[tuple[str, str]]:
    """(name, text) for every document available here, in a fixed order."""
    for path in sorted((REPO / "corpora").glob("*.txt")):
        yield f"corpora-{path.stem}", path.read_text(encoding="utf-8")
    if SEED.exists():
        yield "seed", SEED.read_text(encoding="utf-8")
    for corpus in ("maccrobat2020_dev", "gscplus_dev", "e3c_en_train"):
        path = EXTERNAL / f"{corpus}.jsonl"
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if line.strip():
                    yield f"{corpus}-{i:03d}", json.loads(line)["text"]


def report_json(text: str, nlp: Any) -> dict[str, Any]:
    """The report as plain JSON without its provenance block."""
    import caseminer

    data = json.loads(caseminer.extract(text, nlp=nlp).model_dump_json())
    data.pop("provenance", None)
    return data


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """The JSON path where ``a`` and ``b`` first differ, with both values, or None."""
    if type(a) is not type(b):
        return f"{path}: {a!r:.120} != {b!r:.120}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'after' if key in b else 'before'}"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        if len(a) != len(b):
            return f"{path}: {len(a)} items before, {len(b)} after"
        return None
    return None if a == b else f"{path}: {a!r:.120} != {b!r:.120}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write every report's JSON into this folder")
    group.add_argument("--compare", type=Path, help="compare against a folder written by --save")
    ap.add_argument("--show", type=int, default=10, help="differing documents to print")
    args = ap.parse_args(argv)

    import caseminer

    nlp = caseminer.load()
    differing: list[str] = []
    n = 0
    for name, text in texts():
        n += 1
        data = report_json(text, nlp)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            out = args.save / f"{name}.json"
            out.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
            continue
        saved_path = args.compare / f"{name}.json"
        if not saved_path.exists():
            differing.append(f"{name}: not in {args.compare}")
            continue
        found = first_difference(json.loads(saved_path.read_text(encoding="utf-8")), data)
        if found:
            differing.append(f"{name}: {found}")
    if args.save:
        print(f"saved {n} reports in {args.save}")
        return 0
    for line in differing[: args.show]:
        print(line)
    print(f"{len(differing)} of {n} reports differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
