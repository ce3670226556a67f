"""Texts longer than nlp.max_length are processed whole: parts cut at paragraph breaks, facts as
many as extracting the parts one by one, offsets exact."""

from __future__ import annotations

import pytest
from paths import REPO

import caseminer
from caseminer.longtext import split_points

REPORTS = sorted((REPO / "corpora").glob("*.txt"))[:6]


def _facts(report) -> list:
    return [*report.labs, *report.imaging, *report.diagnoses, *report.procedures]


def test_split_points_cover_the_text_and_prefer_paragraph_breaks():
    text = "First paragraph here.\n\nSecond one, longer than the first.\n\nThird." * 3
    parts = split_points(text, 60)
    assert parts[0][0] == 0 and parts[-1][1] == len(text)
    assert all(a2 == b1 for (_, b1), (a2, _) in zip(parts, parts[1:], strict=False))
    assert all(b - a <= 60 for a, b in parts)
    assert all(text[a:b].endswith("\n\n") for a, b in parts[:-1])
    one_line = "x" * 250
    assert [b - a for a, b in split_points(one_line, 100)] == [100, 100, 50]


def test_a_text_longer_than_max_length_is_extracted_whole(nlp):
    texts = [p.read_text(encoding="utf-8") for p in REPORTS]
    assert len(texts) >= 4
    joined = "\n\n".join(texts)
    one_by_one = sum(len(_facts(caseminer.extract(t, nlp=nlp))) for t in texts)
    old = nlp.max_length
    nlp.max_length = max(len(t) for t in texts) + 10  # several parts, none splits a report
    try:
        assert len(joined) > 2 * nlp.max_length
        report = caseminer.extract(joined, nlp=nlp)
    finally:
        nlp.max_length = old
    facts = _facts(report)
    for item in facts:
        assert joined[item.start : item.end] == item.text
    third = len(joined) / 3
    assert {int(item.start // third) for item in facts} == {0, 1, 2}  # start, middle and end
    assert len(facts) == pytest.approx(one_by_one, rel=0.1)
    assert report.sections and report.sections[-1].end <= len(joined)
    assert report.patient.age is not None
    assert not [w for w in report.warnings if "failed" in w]
