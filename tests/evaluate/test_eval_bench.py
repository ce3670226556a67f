"""bench/speed.py helpers (the benchmark itself is not a unit test: it takes minutes)."""

from __future__ import annotations

import importlib.util
import sys

from paths import REPO

BENCH = REPO / "bench"


def load_speed():
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_speed", BENCH / "speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rates_count_documents_and_utf8_megabytes():
    speed = load_speed()
    r = speed.rates(2.0, ["é" * 500_000, "a" * 1_000_000])  # 2 MB of UTF-8
    assert r == {"seconds": 2.0, "docs_per_s": 1.0, "mb_per_s": 1.0}


def test_markdown_table_flags_targets_and_failures():
    speed = load_speed()
    res = {
        "n_docs": 2,
        "n_chars": 10,
        "floor": {"seconds": 1.0, "docs_per_s": 100.0, "mb_per_s": 1.0},
        "caseminer": {"seconds": 4.0, "docs_per_s": 25.0, "mb_per_s": 0.25, "load_s": 1.0},
        "caseminer_n2": {"error": "RuntimeError: no fork"},
        "ratio_to_floor": 0.25,
        "peak_rss_mb": 250.0,
        "cold_start": {"total_s": 1.5, "process_wall_s": 1.7},
        "machine": {"cpu": "test cpu", "cores": 2, "python": "3.11"},
    }
    md = speed.to_markdown(res)
    assert "| throughput / floor | 0.250 | >= 0.5 | NO |" in md
    assert "| < 2.0 s | yes |" in md
    assert "| peak RSS after caseminer run | 250 MB | < 600 MB | yes |" in md
    assert "RuntimeError: no fork" in md
    assert "| caseminer.extract_many + JSON | 25.0 | 0.250 | 4.00 |" in md


def test_texts_skip_missing_sources():
    speed = load_speed()
    texts, used = speed.bench_texts(limit=3)
    assert len(texts) <= 3
    assert all(isinstance(t, str) and t for t in texts)
    assert len(used) <= 2
