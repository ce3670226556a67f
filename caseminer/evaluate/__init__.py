"""Evaluation of caseminer against annotated case reports (``caseminer evaluate``).

Public entry points:

- ``evaluate(gold_path, *, extractor=None, limit=None) -> Evaluation``
- ``render_markdown(evaluation)`` (caseminer.evaluate.report), ``Evaluation.to_dict()``,
  ``.summary_rows()``, ``.lenient_f1()``
- ``load_gold(path, limit=None)``: MACCROBAT JSONL, brat folders, ``corpora/*.gold.json``
- ``write_baseline`` / ``check_baseline``: the regression ratchet's file

How gold labels become categories and how spans are matched: docs/EVALUATION.md.
"""

from __future__ import annotations

from caseminer.evaluate.baseline import check_baseline, read_baseline, write_baseline
from caseminer.evaluate.core import Evaluation, default_extractor, evaluate, evaluate_docs
from caseminer.evaluate.gold import load_gold
from caseminer.evaluate.label_map import LabelMap, load_label_map
from caseminer.evaluate.model import CATEGORIES, GoldDoc, GoldItem, PredItem

__all__ = [
    "CATEGORIES",
    "Evaluation",
    "GoldDoc",
    "GoldItem",
    "LabelMap",
    "PredItem",
    "check_baseline",
    "default_extractor",
    "evaluate",
    "evaluate_docs",
    "load_gold",
    "load_label_map",
    "read_baseline",
    "write_baseline",
]
