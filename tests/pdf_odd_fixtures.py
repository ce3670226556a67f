"""Generate the odd PDFs the readers must refuse or repair: a scanned page without text, an
encrypted file, an empty page tree, and the seed report's narrow lab table whose cells wrap.

Split from ``pdf_fixtures.py`` (the journal-style generator). Needs reportlab, and Pillow for
the scanned page.
"""

from __future__ import annotations

from pathlib import Path

from pdf_fixtures import MARGIN, PAGE_H, PAGE_W


def make_image_only_pdf(path: Path) -> Path:
    """A 'scanned' page: one raster image and no text layer."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    c.drawImage(ImageReader(Image.new("RGB", (300, 400), "white")), 100, 300, 300, 400)
    c.showPage()
    c.save()
    return Path(path)


def make_encrypted_pdf(path: Path) -> Path:
    """A PDF that needs a user password to open."""
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path), pagesize=(PAGE_W, PAGE_H), encrypt="secret")
    c.drawString(100, 700, "Confidential case report")
    c.showPage()
    c.save()
    return Path(path)


def make_zero_page_pdf(path: Path) -> Path:
    """A well-formed PDF whose page tree is empty."""
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    body += b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    Path(path).write_bytes(body)
    return Path(path)


WRAPPED_ROWS = [
    ("Creatinine", "0.3", "mg/dL"),
    ("Potassium", "3.3", "mEq/L"),
    ("Phosphorus", "4.1", "mg/dL"),
    ("BUN", "13", "mg/dL"),
    ("Uric acid", "4.4", "mg/dL"),
    ("Calcium", "7.8", "mg/dL"),
]


def make_wrapped_table_pdf(path: Path) -> Path:
    """The seed report's table: narrow two-pair columns where names and units wrap in the cell
    ("Creatini" / "ne", "0.3" / "mg/dL"), under a sentence that names creatinine."""
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    c.setFont("Helvetica", 10)
    c.drawString(MARGIN, 760, "Serum creatinine was measured on admission.")
    c.drawString(MARGIN, 740, "Table 1: Biochemical profile of the patient.")
    y = 715.0
    header = [("Variables",), ("Values",), ("Variables",), ("Values",)]
    cells = [header]
    for k in range(0, len(WRAPPED_ROWS), 2):
        row = []
        for name, value, unit in WRAPPED_ROWS[k : k + 2]:
            name_lines = (name[:8], name[8:]) if len(name) > 8 and " " not in name else (name,)
            row += [name_lines, (value, unit) if len(value) < 3 else (f"{value} {unit}",)]
        cells.append(row)
    for row in cells:
        for col, lines in enumerate(row):
            for i, text in enumerate(lines):
                c.drawString(MARGIN + col * 70, y - i * 11, text)
        y -= 11 * max(len(lines) for lines in row) + 8
    c.showPage()
    c.save()
    return Path(path)
