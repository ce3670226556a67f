"""PDF pages as PNG images for the review page, with evidence boxes laid over them.

Why images: a reviewer judges a fact by where it was printed (a table row, a figure caption, a
footnote), which the extracted text cannot show. Each page is rendered with pypdfium2 (grayscale,
so the self-contained HTML stays small) and encoded as PNG here with zlib, to need no imaging
library; the page carries data: URIs only, which the page's Content-Security-Policy allows.
"""

from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

MAX_PAGES = 60  # a review page of a longer PDF shows the text view only


@dataclass(frozen=True)
class PageImage:
    number: int  # 1-based
    width: float  # PDF points, as displayed (after /Rotate)
    height: float
    png_base64: str


def encode_png(pixels, gray: bool) -> bytes:
    """PNG bytes of a uint8 array (height x width, or height x width x 3 for RGB)."""
    import numpy as np

    height, width = pixels.shape[:2]
    rows = pixels.reshape(height, -1)
    raw = np.hstack([np.zeros((height, 1), dtype=np.uint8), rows]).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0 if gray else 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def render_pages(path: str | Path, scale: float = 1.5) -> list[PageImage]:
    """Every page of the PDF at `scale` (1.0 = 72 dpi) as a grayscale PNG; [] when the file
    cannot be opened or has more than MAX_PAGES pages (the page then offers the text view)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError, ValueError):
        return []
    out: list[PageImage] = []
    try:
        if len(pdf) > MAX_PAGES:
            return []
        for i in range(len(pdf)):
            page = pdf[i]
            width, height = page.get_size()
            bitmap = page.render(scale=scale, grayscale=True)
            pixels = bitmap.to_numpy()
            if pixels.ndim == 3 and pixels.shape[2] == 1:
                pixels = pixels[:, :, 0]
            gray = pixels.ndim == 2
            if not gray:  # pdfium gives BGR(x): keep three channels in RGB order
                pixels = pixels[:, :, 2::-1].copy()
            png = encode_png(pixels, gray)
            out.append(PageImage(i + 1, width, height, base64.b64encode(png).decode("ascii")))
            page.close()
    finally:
        pdf.close()
    return out
