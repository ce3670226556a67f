"""Plain-text reader and discover(): decoding, clear one-line errors, folder expansion."""

from __future__ import annotations

import codecs

import pytest

from caseminer.readers import ReadError, discover, read_path
from caseminer.readers.text import decode_bytes, read_text_file


def test_utf8_with_bom_is_decoded_without_the_bom(tmp_path):
    p = tmp_path / "case.txt"
    p.write_bytes(codecs.BOM_UTF8 + "Serum calcium 7.8 mg/dL \u2013 low\n".encode())
    src = read_text_file(p)
    assert src.text == "Serum calcium 7.8 mg/dL \u2013 low\n"
    assert src.format == "txt" and src.path == str(p) and src.warnings == ()


def test_utf16_with_bom_is_text_not_binary(tmp_path):
    p = tmp_path / "case.txt"
    p.write_bytes("Potassium 3.3 mEq/L\n".encode("utf-16"))
    assert read_path(p).text == "Potassium 3.3 mEq/L\n"


def test_invalid_utf8_falls_back_with_a_warning(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("Patient\u00b4s f\u00e9mur, 37 \u00b0C".encode("cp1252"))
    src = read_path(p)
    assert src.text == "Patient\u00b4s f\u00e9mur, 37 \u00b0C"
    assert len(src.warnings) == 1 and "cp1252" in src.warnings[0]


def test_decode_never_raises_on_any_bytes():
    text, warnings = decode_bytes(bytes(range(256)))
    assert len(text) == 256
    assert warnings and "latin-1" in warnings[0]


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty file"), (b" \n\t\n", "empty"), (b"\x00\x01\x02PNG\x00" * 50, "binary")],
)
def test_unreadable_files_raise_one_line_errors(tmp_path, content, reason):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(ReadError) as info:
        read_path(p)
    message = str(info.value)
    assert message.startswith(str(p)) and reason in message and "\n" not in message


def test_missing_file_and_directory_raise(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read_path(tmp_path / "nope.txt")
    with pytest.raises(ReadError, match="directory"):
        read_path(tmp_path)


def test_control_heavy_text_is_binary(tmp_path):
    p = tmp_path / "noise.txt"
    p.write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 65]) * 100)
    with pytest.raises(ReadError, match="binary"):
        read_path(p)


def test_discover_expands_folders_recursively_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for rel in ["b/2.txt", "a/deep/1.md", "a/0.txt", "a/skip.json", ".hidden/x.txt", "b/.x.txt"]:
        (tmp_path / rel).write_text("x", encoding="utf-8")
    single = tmp_path / "b" / "2.txt"
    found = discover([tmp_path, single])
    rel = [p.relative_to(tmp_path).as_posix() for p in found]
    assert rel == ["a/0.txt", "a/deep/1.md", "b/2.txt"]  # sorted, no duplicates, no hidden


def test_discover_keeps_named_files_and_rejects_missing(tmp_path):
    odd = tmp_path / "report.json"
    odd.write_text("{}", encoding="utf-8")
    assert discover([str(odd)]) == [odd]
    with pytest.raises(ReadError, match="no such file"):
        discover([tmp_path / "missing"])
