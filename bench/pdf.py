"""PDF reader benchmark (not a unit test): ``python bench/pdf.py [--docs N] [--json PATH]``.

On generated journal-style two-column case reports (tests/pdf_fixtures.py: known sentences, running
header/footer, a three-pair lab table) it measures, for our reader and for the baselines
(pypdfium2's plain ``get_textpage().get_text_range()``, and ``pdftotext`` from poppler-utils when it
is installed):
- pages per CPU-second (in-process; our reader also through ``read_pdf``'s child process);
- reading order: the fraction of known sentences found intact (white space folded);
- running header/footer strings left in the text (occurrences);
- lab table rows recovered as "analyte<TAB>value unit" lines (our reader only; baselines get the
  looser "analyte value unit" in folded text).
When ../shared/corpora/pdfs exists it also reports pages/s on those real PDFs.
Targets: >= 0.98 intact, 0 header/footer left, all lab rows, >= 50 pages/s per core.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from pdf_fixtures import FOOTER, HEADER_LEFT, HEADER_RIGHT, make_journal_pdf  # noqa: E402

from caseminer.readers.pdf.reader import extract_pdf, read_pdf  # noqa: E402

SHARED_PDFS = REPO.parent / "shared" / "corpora" / "pdfs"


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def plain_pdfium(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def pdftotext(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True)
    return out.stdout


def ours(path: Path) -> str:
    return extract_pdf(path).text


def ours_isolated(path: Path) -> str:
    return read_pdf(path, timeout_s=60).text


def _cpu() -> float:
    """CPU seconds of this process and its finished children (pdftotext, forked readers).

    CPU time, not wall time: the machine is shared, and the target is pages/s per core.
    """
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _time(fn: Callable[[Path], str], paths: list[Path], repeat: int) -> tuple[float, list[str]]:
    texts = [fn(p) for p in paths]  # warm-up (imports, page cache)
    began = _cpu()
    for _ in range(repeat):
        for p in paths:
            fn(p)
    return (_cpu() - began) / repeat, texts


def score(docs, texts: list[str], strict_table: bool) -> dict[str, float]:
    intact = total = leaks = rows = n_rows = 0
    for doc, text in zip(docs, texts, strict=True):
        folded = _fold(text)
        total += len(doc.sentences)
        intact += sum(1 for s in doc.sentences if _fold(s) in folded)
        leaks += sum(text.count(h) for h in (HEADER_LEFT, HEADER_RIGHT, FOOTER))
        for analyte, value, unit in doc.lab_rows:
            n_rows += 1
            line = f"{analyte}\t{value} {unit}"
            found = line in text.split("\n") if strict_table else f"{analyte} {value}" in folded
            rows += found
    return {
        "intact": round(intact / max(total, 1), 4),
        "header_footer_left": leaks,
        "lab_rows": f"{rows}/{n_rows}",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=8)
    ap.add_argument("--pages", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="caseminer-bench-pdf-"))
    docs = [
        make_journal_pdf(tmp / f"doc{i}.pdf", pages=args.pages, seed=i) for i in range(args.docs)
    ]
    paths = [d.path for d in docs]
    n_pages = sum(d.pages for d in docs)
    readers: dict[str, Callable[[Path], str]] = {
        "caseminer": ours,
        "caseminer (child process)": ours_isolated,
        "pypdfium2 plain": plain_pdfium,
    }
    if shutil.which("pdftotext"):
        readers["pdftotext"] = pdftotext
    results: dict[str, dict] = {}
    for name, fn in readers.items():
        seconds, texts = _time(fn, paths, args.repeat)
        row = {"pages_per_s": round(n_pages / seconds, 1)}
        row.update(score(docs, texts, strict_table=name.startswith("caseminer")))
        results[name] = row
    real = sorted(SHARED_PDFS.glob("*.pdf")) if SHARED_PDFS.is_dir() else []
    if real:
        import pypdfium2 as pdfium

        pages = sum(len(pdfium.PdfDocument(str(p))) for p in real)
        for name in ("caseminer", "pypdfium2 plain"):
            seconds, _ = _time(readers[name], real, 1)
            results[name]["real_pdfs_pages_per_s"] = round(pages / seconds, 1)
    print(f"{args.docs} generated documents, {n_pages} pages; {len(real)} real PDFs")
    print(f"{'reader':28} {'pages/s':>8} {'intact':>7} {'hdr/ftr left':>12} {'lab rows':>9}")
    for name, r in results.items():
        print(
            f"{name:28} {r['pages_per_s']:>8} {r['intact']:>7} {r['header_footer_left']:>12} "
            f"{r['lab_rows']:>9}  real: {r.get('real_pdfs_pages_per_s', '-')}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
