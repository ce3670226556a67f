"""Small inputs for the batch tests: good case reports and the bad files a real folder holds."""

from __future__ import annotations

from pathlib import Path

CASES = [
    "A 40-year-old woman had a serum calcium of 11.9 mg/dL. A CT of the chest was normal. "
    "She was diagnosed with tumoral calcinosis and underwent surgical excision.\n",
    "A 62-year-old man presented with fever. Hemoglobin was 8.2 g/dL and CRP 31 mg/L. "
    "An MRI of the spine showed spondylodiscitis. There was no fracture.\n",
    "A 7-year-old boy had a serum phosphate of 7.1 mg/dL. Radiographs of the hip showed "
    "calcified masses. He underwent resection of the mass.\n",
]


def case_text(i: int) -> str:
    """A distinct small report (distinct bytes, so no two are duplicates)."""
    return f"Case {i}.\n" + CASES[i % len(CASES)]


def make_bad_folder(root: Path) -> dict[str, str]:
    """Good .txt files plus an empty file, a binary .txt, a corrupt PDF and (with reportlab) an
    encrypted PDF and a good PDF. Returns {file name: expected reason substring or ''}."""
    root.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}
    for i in range(3):
        (root / f"good{i}.txt").write_text(case_text(i), encoding="utf-8")
        expected[f"good{i}.txt"] = ""
    (root / "empty.txt").write_text("", encoding="utf-8")
    expected["empty.txt"] = "empty"
    (root / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 200)
    expected["binary.txt"] = "binary"
    (root / "corrupt.pdf").write_bytes(b"%PDF-1.4\n\x00garbage\xff\xfe" * 10)
    expected["corrupt.pdf"] = "corrupt"
    try:
        import reportlab  # noqa: F401
    except ImportError:
        return expected
    from pdf_fixtures import make_journal_pdf
    from pdf_odd_fixtures import make_encrypted_pdf

    make_encrypted_pdf(root / "encrypted.pdf")
    expected["encrypted.pdf"] = "encrypted"
    make_journal_pdf(root / "journal.pdf", pages=1)
    expected["journal.pdf"] = ""
    return expected
