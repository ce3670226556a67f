"""PDF reader benchmark (not a unit test): ``python bench/pdf.py [--docs N] [--json PATH]``.

On generated journal-style two-column case reports (tests/pdf_fixtures.py with ``hard=True``:
known sentences in justified lines, compounds broken at their hyphen, running header/footer, a
three-pair lab table whose narrow cells wrap, an in-column table with a unit column and reference
ranges; ``--plain`` for the older, easier fixtures) it measures, for our reader and for the
baselines (pypdfium2's plain ``get_textpage().get_text_range()``, and ``pdftotext`` from
poppler-utils when it is installed):
- pages per CPU-second (in-process; our reader also through ``read_pdf``'s child process);
- reading order: the fraction of known sentences found intact (white space folded);
- running header/footer strings left in the text (occurrences);
- lab table values on their analyte's line: a line whose first TAB cell is the analyte and which
  holds the value and the unit (our reader only; baselines get the looser "analyte value" in
  folded text);
- body words kept: words of pdfium's text layer found in our text (caseminer.readers.pdf.fidelity;
  words of running headers/footers/page numbers removed on purpose are counted apart).
On the real PDFs (``--real DIR``, default ../shared/corpora/pdfs) it reports pages/s and, per file,
the body words kept.
Targets: 1.0 body words kept, >= 0.99 intact, 0 header/footer left, every table value with its
analyte, >= 30 pages/s in-process on the real PDFs.
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

from caseminer.readers.pdf.fidelity import check_pdf  # noqa: E402
from caseminer.readers.pdf.reader import extract_pdf, read_pdf  # noqa: E402

# ../shared next to the repository; a git worktree under ../wt/NAME looks two levels up
SHARED_PDFS = next(
    (
        p / "shared" / "corpora" / "pdfs"
        for p in (REPO.parent, REPO.parent.parent)
        if (p / "shared" / "corpora" / "pdfs").is_dir()
    ),
    REPO.parent / "shared" / "corpora" / "pdfs",
)


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
        lines = text.split("\n")
        table = [*doc.lab_rows, *((a, *vu.split(" ", 1)) for a, vu, _ in doc.range_rows)]
        for analyte, value, unit in table:
            n_rows += 1
            if strict_table:
                found = any(
                    ln.split("\t")[0] == analyte and value in ln.split("\t")[1] and unit in ln
                    for ln in lines
                    if "\t" in ln
                )
            else:
                found = f"{analyte} {value}" in folded
            rows += found
    return {
        "intact": round(intact / max(total, 1), 4),
        "header_footer_left": leaks,
        "lab_rows": f"{rows}/{n_rows}",
    }


def table_labs_found(docs) -> str:
    """End to end (reader, repair, pipeline): table values extracted as labs with their
    analyte, value and unit, over every table row of the fixtures."""
    import caseminer

    found = total = 0
    for doc in docs:
        report = caseminer.extract_file(doc.path)
        labs = [lab for lab in report.labs if lab.source == "table"]
        rows = [*doc.lab_rows, *((a, *vu.split(" ", 1)) for a, vu, _ in doc.range_rows)]
        for analyte, value, unit in rows:
            total += 1
            found += any(
                (lab.analyte_text or "").lower() == analyte.lower()
                and lab.value == float(value)
                and (lab.unit or "") == unit
                for lab in labs
            )
    return f"{found}/{total}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=8)
    ap.add_argument("--pages", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--plain", action="store_true", help="the older fixtures without hard cases")
    ap.add_argument("--real", type=Path, default=SHARED_PDFS, help="folder of real PDFs")
    ap.add_argument("--no-extract", action="store_true", help="skip the end-to-end table check")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="caseminer-bench-pdf-"))
    docs = [
        make_journal_pdf(tmp / f"doc{i}.pdf", pages=args.pages, seed=i, hard=not args.plain)
        for i in range(args.docs)
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
    kept = [check_pdf(p) for p in paths]
    lost = sum(f.n_missing for f in kept)
    words = sum(f.layer_words - sum(f.furniture.values()) for f in kept)
    results["caseminer"]["body_words_kept"] = round(1 - lost / max(words, 1), 4)
    results["caseminer"]["body_words_lost"] = f"{lost}/{words}"
    if not args.no_extract:
        results["caseminer"]["table_labs_extracted"] = table_labs_found(docs)
    real = sorted(args.real.glob("*.pdf")) if args.real.is_dir() else []
    per_file: dict[str, dict] = {}
    if real:
        import pypdfium2 as pdfium

        pages = sum(len(pdfium.PdfDocument(str(p))) for p in real)
        for name in ("caseminer", "pypdfium2 plain"):
            seconds, _ = _time(readers[name], real, args.repeat)
            results[name]["real_pdfs_pages_per_s"] = round(pages / seconds, 1)
        for p in real:
            f = check_pdf(p)
            per_file[p.name] = {
                "words": f.layer_words,
                "kept": round(f.kept, 4),
                "lost": f.n_missing,
                "furniture_removed": sum(f.furniture.values()),
                "examples": [w for w, _ in f.missing.most_common(6)],
            }
        results["real_pdfs"] = per_file
    print(f"{args.docs} generated documents, {n_pages} pages; {len(real)} real PDFs")
    print(f"{'reader':28} {'pages/s':>8} {'intact':>7} {'hdr/ftr left':>12} {'lab rows':>9}")
    for name, r in results.items():
        if name == "real_pdfs":
            continue
        print(
            f"{name:28} {r['pages_per_s']:>8} {r['intact']:>7} {r['header_footer_left']:>12} "
            f"{r['lab_rows']:>9}  real: {r.get('real_pdfs_pages_per_s', '-')}"
        )
    c = results["caseminer"]
    kept, lost = c["body_words_kept"], c["body_words_lost"]
    print(f"caseminer body words kept on the fixtures: {kept} ({lost} lost)")
    if "table_labs_extracted" in c:
        print(
            f"table values extracted as labs with analyte, value, unit: {c['table_labs_extracted']}"
        )
    if per_file:
        print(f"{'real PDF':58} {'words':>6} {'kept':>7} {'lost':>5} {'furniture':>9}")
        for name, f in per_file.items():
            print(
                f"{name:58} {f['words']:>6} {f['kept']:>7} {f['lost']:>5} "
                f"{f['furniture_removed']:>9}  {' '.join(f['examples'])}"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
