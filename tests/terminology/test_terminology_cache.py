"""The terminology cache file: our own binary format, and anything else treated as stale."""

from __future__ import annotations

import json

import pytest

from caseminer.terminology import cache
from caseminer.terminology.cache import MAGIC, StaleCache, build_data, read, write
from caseminer.terminology.sources import TermRecord

RECORDS = [
    TermRecord("Sarcoidosis", "ICD-10-CM", "D86", "Sarcoidosis", "exact", "icd:D"),
    TermRecord("Pleural effusion", "ICD-10-CM", "J90", "Pleural effusion", "exact", "icd:J"),
]


def test_written_file_starts_with_our_header_and_reads_back(tmp_path):
    path = write(build_data(RECORDS), tmp_path / "terminology-x.bin")
    assert path.read_bytes().startswith(MAGIC)
    index = read(path)
    assert index.lookup("sarcoidosis")[0]["code"] == "D86"
    text = "Bilateral pleural effusions were seen."
    [m] = index.scan(text)
    assert text[m.start_char : m.end_char] == "pleural effusions"


def test_a_foreign_or_damaged_file_is_stale_not_loaded(tmp_path):
    old_json = tmp_path / "terminology-old.bin"
    old_json.write_text(json.dumps(build_data(RECORDS), default=list))
    with pytest.raises(StaleCache):
        read(old_json)
    damaged = tmp_path / "terminology-bad.bin"
    damaged.write_bytes(MAGIC + b"\x00garbage")
    with pytest.raises(StaleCache):
        read(damaged)


def test_write_drops_stale_caches_of_either_format(tmp_path):
    (tmp_path / "terminology-0000.json").write_text("{}")
    (tmp_path / "terminology-1111.bin").write_bytes(b"x")
    path = write(build_data(RECORDS), tmp_path / "terminology-2222.bin")
    assert sorted(p.name for p in tmp_path.glob("terminology-*")) == [path.name]


def test_cache_path_uses_the_binary_suffix(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEMINER_CACHE_DIR", str(tmp_path))
    assert cache.cache_path().parent == tmp_path
    assert cache.cache_path().suffix == ".bin"
