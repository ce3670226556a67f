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
    assert r == {"cpu_s": 2.0, "docs_per_s": 1.0, "mb_per_s": 1.0}


def test_markdown_table_flags_targets_and_failures():
    speed = load_speed()
    res = {
        "n_docs": 2,
        "n_chars": 10,
        "floor": {"cpu_s": 1.0, "docs_per_s": 100.0, "mb_per_s": 1.0},
        "caseminer": {"cpu_s": 5.0, "docs_per_s": 20.0, "mb_per_s": 0.2},
        "n_process_2": {"error": "RuntimeError: no fork"},
        "ratio_to_floor": 0.2,
        "ratio_rounds": {"rounds": 5, "ratio_median": 0.21, "ratio_range": [0.18, 0.26]},
        "peak_rss_mb": 250.0,
        "cold_start": {"caseminer_cpu_s": 1.5, "spacy_cpu_s": 1.0, "ratio": 1.5},
        "sweep": {
            "100000": {"chars": 100000, "cpu_s": 1.0, "cpu_s_per_100k": 1.0},
            "600000": {"chars": 600000, "cpu_s": 9.6, "cpu_s_per_100k": 1.6},
            "longest_vs_100k": 1.6,
        },
        "profile": {"labs": 3.0, "tokenizer": 1.0},
        "unseen": {"runs": 3, "ratio": 0.151, "floor_cpu_s": 0.2, "caseminer_cpu_s": 1.3},
        "machine": {"cpu": "test cpu", "cores": 2, "python": "3.11", "load_average": 0.5},
    }
    md = speed.to_markdown(res)
    assert (
        "| throughput / floor (CPU), best passes (median of 5 rounds 0.210, range 0.180-0.260) "
        "| 0.200 | >= 0.25 (goal 0.5) | NO |"
    ) in md
    assert "= 1.50x spaCy's 1.00 s | <= 1.8x | yes |" in md
    assert "| CPU per 100k chars, 600k vs 100k | 1.60x | <= 1.5x | NO |" in md
    assert "| peak RSS | 250 MB | < 600 MB | yes |" in md
    assert "RuntimeError: no fork" in md
    assert "| caseminer.extract_many + JSON | 5.00 | 20.0 | 0.200 | 0.200 |" in md
    assert "| labs | 3.000 | 75.0% |" in md
    assert "best of 3 fresh processes) | 0.151 | >= 0.25 | NO |" in md


def test_unseen_warm_up_texts_are_not_bench_texts():
    """The unseen-texts figure only means something if the warm-up never saw a bench text."""
    speed = load_speed()
    import unseen

    bench = set(speed.bench_texts()[0])
    others = unseen.other_texts()
    assert others, "corpora/*.txt are in the repository, so there is always a warm-up"
    assert not bench.intersection(others)


def test_texts_skip_missing_sources():
    speed = load_speed()
    texts, used = speed.bench_texts(limit=3)
    assert len(texts) <= 3
    assert all(isinstance(t, str) and t for t in texts)
    assert len(used) <= 2


def test_cold_start_baseline_venv_holds_spacy_and_its_dependencies_only():
    """The baseline of the cold-start ratio: spaCy's closure (and click), never caseminer or a
    package that registers spaCy components, whose entry points would load into the baseline."""
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_spacy_only", BENCH / "spacy_only.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = {d.metadata["Name"].lower().replace("_", "-") for d in module.closure()}
    assert {"spacy", "click", "thinc", "catalogue"} <= names
    assert not names & {"caseminer", "scispacy", "medspacy"}
