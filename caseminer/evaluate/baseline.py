"""The regression ratchet's baseline file (``corpora/eval_baseline.json``).

It records the lenient F1 per category (and negation) on the MACCROBAT dev half. The ratchet test
fails when a figure drops more than ``tolerance`` below it; raise the baseline whenever the figures
improve (``python -m caseminer.evaluate GOLD --write-baseline corpora/eval_baseline.json``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from caseminer.evaluate.core import Evaluation

DEFAULT_TOLERANCE = 0.02


def write_baseline(
    evaluation: Evaluation, path: Path | str, *, tolerance: float = DEFAULT_TOLERANCE
) -> dict[str, Any]:
    """Write the evaluation's lenient F1 figures as the new baseline; returns what was written."""
    try:
        from caseminer._version import __version__ as version
    except ImportError:  # pragma: no cover - the version module is the lead's
        version = "unknown"
    data = {
        "gold": Path(evaluation.gold_path).name,
        "n_docs": evaluation.n_docs,
        "tolerance": tolerance,
        "lenient_f1": evaluation.lenient_f1(),
        "caseminer_version": str(version),
        "written": time.strftime("%Y-%m-%d"),
    }
    Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data


def read_baseline(path: Path | str) -> dict[str, Any]:
    """The baseline as written by ``write_baseline``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_baseline(
    evaluation: Evaluation, baseline: dict[str, Any], *, tolerance: float | None = None
) -> list[str]:
    """One message per figure that dropped more than the tolerance below the baseline."""
    tol = float(baseline.get("tolerance", DEFAULT_TOLERANCE) if tolerance is None else tolerance)
    now = evaluation.lenient_f1()
    problems = []
    for name, before in baseline.get("lenient_f1", {}).items():
        after = now.get(name)
        if after is None:
            problems.append(f"{name}: in the baseline but no longer measured")
        elif after < float(before) - tol - 1e-9:
            problems.append(f"{name}: lenient F1 {after:.4f} < baseline {before:.4f} - {tol}")
    return problems
