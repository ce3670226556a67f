"""PDF reader: a journal PDF in, one SourceText out (reading order, no furniture, tables as rows).

Why a child process: one pathological PDF (a content stream bomb, a font that sends pdfium into a
long loop, a page count in the thousands) must not stall a batch. With `timeout_s` set, extraction
runs in a forked child with an address-space limit (resource.setrlimit(RLIMIT_AS), `max_memory_mb`);
the parent waits at most `timeout_s`, then kills the child and raises ReadError. A child that
dies (out of memory, crash inside pdfium) is also a ReadError, never a crash of the caller.
With `timeout_s=None` the work runs in-process (fastest; for trusted files and benchmarks).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

from caseminer.readers.errors import ReadError
from caseminer.readers.source import SourceText

NO_TEXT = "no text layer; OCR is not supported"
DEFAULT_MAX_MEMORY_MB = 2048


def _open(path: Path):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg or "security" in msg:
            raise ReadError(path, "encrypted PDF (password required)") from None
        if _has_empty_page_tree(path):
            raise ReadError(path, "PDF has zero pages") from None
        raise ReadError(path, f"corrupt or not a PDF ({exc})") from None
    except (OSError, ValueError) as exc:
        raise ReadError(path, f"cannot open PDF ({exc})") from None


def _has_empty_page_tree(path: Path) -> bool:
    """pdfium refuses a PDF with an empty page tree: its bytes say '/Count 0' and no other count."""
    import re

    try:
        data = path.read_bytes()[:50_000_000]
    except OSError:
        return False
    counts = re.findall(rb"/Count\s+(\d+)", data)
    return bool(counts) and all(c == b"0" for c in counts)


def read_pages(path: Path, *, max_pages: int = 500, deadline: float | None = None) -> list:
    """Every page of `path` as rows of segments (layout.Page), before furniture removal.

    Raises ReadError for a missing, encrypted, corrupt, zero-page, too-long or image-only PDF.
    """
    import pypdfium2.raw as pdfium_c

    from caseminer.readers.pdf.layout import page_layout

    path = Path(path)
    if not path.is_file():
        raise ReadError(path, "file not found")
    pdf = _open(path)
    try:
        n = len(pdf)
        if n == 0:
            raise ReadError(path, "PDF has zero pages")
        if n > max_pages:
            raise ReadError(path, f"PDF has {n} pages, more than the limit of {max_pages}")
        pages = []
        n_chars = 0
        for i in range(n):
            if deadline is not None and time.monotonic() > deadline:
                raise ReadError(path, f"timed out after page {i} of {n}")
            page = pdf[i]
            try:
                width, height = page.get_size()
                textpage = page.get_textpage()
                try:
                    n_chars += max(textpage.count_chars(), 0)
                    rotation = page.get_rotation()
                    pages.append(page_layout(textpage, pdfium_c, i + 1, width, height, rotation))
                finally:
                    textpage.close()
            finally:
                page.close()
    finally:
        pdf.close()
    if n_chars == 0 or not any(p.rows for p in pages):
        raise ReadError(path, NO_TEXT)
    return pages


def extract_pdf(path: Path, *, max_pages: int = 500, deadline: float | None = None) -> SourceText:
    """Extract in this process (no isolation). Raises ReadError for unreadable input."""
    from caseminer.readers.pdf.boilerplate import remove_furniture
    from caseminer.readers.pdf.compose import compose

    path = Path(path)
    pages = read_pages(path, max_pages=max_pages, deadline=deadline)
    warnings: list[str] = []
    removed = remove_furniture(pages)
    empty = [p.number for p in pages if not p.rows]
    composed = compose(pages)
    if empty:
        warnings.append(f"pages without a text layer (OCR is not supported): {empty}")
    if removed:
        warnings.append(f"removed {len(removed)} running header/footer/banner strings")
    vertical = sum(len(p.vertical) for p in pages)
    if vertical:
        warnings.append(f"left out {vertical} words of vertical text (side banners)")
    return SourceText(
        text=composed.text,
        format="pdf",
        path=str(path),
        page_starts=composed.page_starts,
        warnings=tuple(warnings),
        blocks=composed.blocks,
        geometry=composed.geometry,
    )


def _current_vm_bytes() -> int:
    """Virtual size of this process (Linux /proc); 0 when unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _limit_memory(max_memory_mb: int) -> None:
    """Cap the child's address space at what it already maps plus `max_memory_mb`.

    RLIMIT_AS counts virtual memory, and a forked child starts with its parent's (a loaded spaCy
    pipeline maps gigabytes), so the cap is relative to the size at fork time.
    """
    try:
        import resource

        limit = _current_vm_bytes() + max_memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # not POSIX: the time limit still holds


def _child(conn, path: str, max_pages: int, max_memory_mb: int | None) -> None:
    if max_memory_mb:
        _limit_memory(max_memory_mb)
    try:
        conn.send(("ok", extract_pdf(Path(path), max_pages=max_pages)))
    except ReadError as exc:
        conn.send(("error", exc.reason))
    except MemoryError:
        conn.send(("error", f"exceeded the memory limit of {max_memory_mb} MB"))
    except Exception as exc:  # noqa: BLE001 - any failure inside pdfium is one file's error
        conn.send(("error", f"PDF extraction failed ({type(exc).__name__}: {exc})"))
    finally:
        conn.close()


def read_pdf(
    path: Path,
    *,
    max_pages: int = 500,
    timeout_s: float | None = 60,
    max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
) -> SourceText:
    """Read a PDF into a SourceText (format "pdf", page_starts, blocks, warnings).

    Raises ReadError(path, reason) for a missing, encrypted, corrupt, zero-page, image-only
    ("no text layer; OCR is not supported") or too-long PDF, and when extraction exceeds
    `timeout_s` seconds or `max_memory_mb` (the child process is killed; the caller goes on).
    """
    path = Path(path)
    if timeout_s is None:
        return extract_pdf(path, max_pages=max_pages)
    if not path.is_file():
        raise ReadError(path, "file not found")
    import pypdfium2  # noqa: F401 - load libpdfium once in the parent; forked children share it

    method = "fork" if "fork" in mp.get_all_start_methods() and os.name == "posix" else "spawn"
    ctx = mp.get_context(method)
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, str(path), max_pages, max_memory_mb))
    proc.daemon = True
    proc.start()
    send.close()
    try:
        if not recv.poll(timeout_s):
            raise ReadError(path, f"timed out after {timeout_s:g} s (limit per file)")
        try:
            status, payload = recv.recv()
        except (EOFError, OSError):
            proc.join(1)
            raise ReadError(
                path, f"PDF reader process died (exit code {proc.exitcode}); memory limit?"
            ) from None
    finally:
        recv.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    if status == "error":
        raise ReadError(path, payload)
    return payload
