"""CaseReport -> one HTML string. The template, CSS and JS are package data in review/assets/.

Every value from the report is escaped with html.escape; the page carries a Content-Security-
Policy that forbids loading anything from outside, so it works offline and cannot leak data.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files
from pathlib import Path
from string import Template

from caseminer.review.pages import PageImage, render_pages
from caseminer.review.segments import Mark, primary, segment, valid_marks
from caseminer.schema import CaseReport

FLAGS = ("negated", "uncertain", "hypothetical", "historical", "family")


@cache
def _asset(name: str) -> str:
    return (files("caseminer.review") / "assets" / name).read_text(encoding="utf-8")


def _flags(item) -> tuple[str, ...]:
    a = item.assertion
    return tuple(f for f in FLAGS if getattr(a, f, False))


def collect_marks(report: CaseReport) -> list[Mark]:
    """One Mark per item evidence (and per imaging finding), with ids the side panel uses."""
    marks: list[Mark] = []
    for i, lab in enumerate(report.labs):
        marks.append(Mark(f"lab-{i}", "lab", lab.start, lab.end, _flags(lab)))
    for i, img in enumerate(report.imaging):
        marks.append(Mark(f"img-{i}", "imaging", img.start, img.end, _flags(img)))
        for j, f in enumerate(img.findings):
            marks.append(Mark(f"img-{i}-f{j}", "finding", f.start, f.end))
    for i, dx in enumerate(report.diagnoses):
        marks.append(Mark(f"dx-{i}", "diagnosis", dx.start, dx.end, _flags(dx)))
    for i, pr in enumerate(report.procedures):
        marks.append(Mark(f"proc-{i}", "procedure", pr.start, pr.end, _flags(pr)))
    for i, f in enumerate(getattr(report, "findings", None) or []):
        marks.append(Mark(f"fnd-{i}", "finding", f.start, f.end, _flags(f)))
    return marks


def _boxed_items(report: CaseReport):
    """(item id, kind, item) of every item that may carry boxes, in panel order."""
    for prefix, kind, items in (
        ("lab", "lab", report.labs),
        ("img", "imaging", report.imaging),
        ("fnd", "finding", getattr(report, "findings", None) or []),
        ("dx", "diagnosis", report.diagnoses),
        ("proc", "procedure", report.procedures),
    ):
        for i, item in enumerate(items):
            yield f"{prefix}-{i}", kind, item


def render_page_view(report: CaseReport, pages: list[PageImage]) -> str:
    """Each PDF page as an image with every item's boxes drawn over it (positions in % of the
    page, so the overlay scales with the image)."""
    by_page: dict[int, list[str]] = {p.number: [] for p in pages}
    size = {p.number: (p.width, p.height) for p in pages}
    for item_id, kind, item in _boxed_items(report):
        subject = escape(getattr(item, "subject", "patient") or "patient")
        flags = "".join(f" f-{f}" for f in _flags(item))
        for k, box in enumerate(item.boxes):
            if box.page not in size:
                continue
            w, h = size[box.page]
            bw, bh = 100 * (box.x1 - box.x0) / w, 100 * (box.y1 - box.y0) / h
            style = (
                f"left:{100 * box.x0 / w:.3f}%;top:{100 * box.y0 / h:.3f}%;"
                f"width:{bw:.3f}%;height:{bh:.3f}%"
            )
            anchor = f' id="box-{item_id}"' if k == 0 else ""
            by_page[box.page].append(
                f'<div class="box k-{kind} s-{subject}{flags}" data-items="{item_id}"{anchor} '
                f'style="{style}" title="{escape(kind)} {item_id}: '
                f'{escape(item.text, quote=True)}"></div>'
            )
    out = []
    for p in pages:
        out.append(
            f'<div class="pdfpage" data-page="{p.number}" style="aspect-ratio:{p.width:.2f}/'
            f'{p.height:.2f}"><img alt="page {p.number}" src="data:image/png;base64,'
            f'{p.png_base64}">{"".join(by_page[p.number])}</div>'
        )
    return "".join(out)


def _pdf_pages(report: CaseReport, pdf: str | Path | None) -> list[PageImage]:
    """Rendered pages of the report's PDF (`pdf`, else document.source_path), [] otherwise."""
    path = pdf or (report.document.source_path if report.document.format == "pdf" else None)
    if not path or not Path(path).is_file():
        return []
    return render_pages(path)


def render_text(text: str, marks: list[Mark]) -> str:
    """The source text with every evidence span wrapped in a <span class="hl ..."> piece."""
    out: list[str] = []
    first_piece: set[str] = set()
    for seg in segment(text, marks):
        chunk = escape(text[seg.start : seg.end])
        top = primary(seg.marks)
        if top is None:
            out.append(chunk)
            continue
        ids = " ".join(m.item_id for m in seg.marks)
        classes = ["hl", f"k-{top.kind}", *(f"f-{f}" for m in seg.marks for f in m.flags)]
        anchor = ""
        if top.item_id not in first_piece:
            first_piece.add(top.item_id)
            anchor = f' id="ev-{top.item_id}"'
        title = escape(", ".join(f"{m.kind} {m.item_id}" for m in seg.marks), quote=True)
        out.append(
            f'<span class="{" ".join(dict.fromkeys(classes))}" data-items="{ids}"'
            f'{anchor} title="{title}">{chunk}</span>'
        )
    return "".join(out)


def _flag_badges(item) -> str:
    return "".join(f'<span class="badge f-{f}">{f}</span>' for f in _flags(item))


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _where(item) -> str:
    """Section, and whose fact it is when not the patient's (literature, family, other)."""
    subject = getattr(item, "subject", "patient") or "patient"
    badge = "" if subject == "patient" else f' <span class="badge s-{subject}">{subject}</span>'
    return escape(item.section or "") + badge


Row = tuple[str, list[str], object]  # item id, cells (HTML), the item


def _row(item_id: str, cells: list[str], item) -> str:
    tds = "".join(f"<td>{c}</td>" for c in cells)
    flags = " ".join(f"f-{f}" for f in _flags(item))
    subject = getattr(item, "subject", "patient") or "patient"
    return (
        f'<tr class="item {flags} s-{escape(subject)}" data-target="{item_id}" tabindex="0" '
        f'title="{escape(item.text, quote=True)}">{tds}</tr>'
    )


def _table(caption: str, headers: list[str], rows: list[Row], table_id: str) -> str:
    """A side-panel table; a column empty in every row is left out (no blank "Codes")."""
    keep = [i for i in range(len(headers)) if not rows or any(r[1][i] for r in rows)]
    head = "".join(f"<th>{escape(headers[i])}</th>" for i in keep)
    body = "".join(_row(rid, [cells[i] for i in keep], it) for rid, cells, it in rows)
    body = body or f'<tr><td colspan="{len(keep)}" class="empty">none found</td></tr>'
    return (
        f'<section class="panel" id="{table_id}"><h2>{escape(caption)} '
        f'<span class="count">{len(rows)}</span></h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )


def _range(lab) -> str:
    rr = lab.reference_range
    if rr is None:
        return ""
    low, high = _num(rr.low), _num(rr.high)
    span = f"{low}–{high}" if low and high else (f"≥{low}" if low else f"≤{high}" if high else "")
    unit = f" {rr.unit}" if rr.unit else ""
    return escape(f"{span}{unit}") + (" <small>(cat.)</small>" if rr.source == "catalogue" else "")


def _codes(codes) -> str:
    return ", ".join(
        f'<span class="code" title="{escape(c.display, quote=True)}">'
        f"{escape(c.system)} {escape(c.code)}</span>"
        for c in codes
    )


def lab_table(report: CaseReport) -> str:
    rows: list[Row] = []
    for i, lab in enumerate(report.labs):
        value = escape((lab.comparator or "") + lab.value_text)
        flag = lab.interpretation or ""
        cells = [
            escape(lab.analyte),
            value,
            escape(lab.unit or ""),
            _range(lab),
            f'<span class="interp i-{escape(flag)}">{escape(flag)}</span>' + _flag_badges(lab),
            _where(lab),
        ]
        rows.append((f"lab-{i}", cells, lab))
    headers = ["Analyte", "Value", "Unit", "Reference", "Flag", "Section"]
    return _table("Labs", headers, rows, "labs")


def _findings(img) -> str:
    """The study's findings as written, each with its descriptors."""
    out = []
    for f in img.findings:
        desc = f" <small>({escape(', '.join(f.descriptors))})</small>" if f.descriptors else ""
        out.append(f'<span class="finding">{escape(f.text)}{desc}</span>')
    return "; ".join(out)


def imaging_table(report: CaseReport) -> str:
    rows: list[Row] = []
    for i, img in enumerate(report.imaging):
        sites = ", ".join(img.body_sites)
        if img.laterality:
            sites = f"{img.laterality} {sites}".strip()
        contrast = {True: "with contrast", False: "without contrast", None: ""}[img.contrast]
        details = "; ".join(x for x in (", ".join(img.sequences), contrast) if x)
        cells = [
            escape(img.modality) + _flag_badges(img),
            escape(sites),
            escape(details),
            _findings(img),
            _where(img),
        ]
        rows.append((f"img-{i}", cells, img))
    headers = ["Modality", "Site", "Details", "Findings", "Section"]
    return _table("Imaging", headers, rows, "imaging")


def findings_table(report: CaseReport) -> str:
    """Signs, symptoms and other findings (report.findings), when the report has the field."""
    rows: list[Row] = []
    for i, f in enumerate(getattr(report, "findings", None) or []):
        cells = [
            escape(f.normalized) + _flag_badges(f),
            escape(f.category),
            _codes(f.codes),
            _where(f),
        ]
        rows.append((f"fnd-{i}", cells, f))
    return _table("Findings", ["Finding", "Category", "Codes", "Section"], rows, "findings")


def diagnosis_table(report: CaseReport) -> str:
    rows: list[Row] = []
    for i, dx in enumerate(report.diagnoses):
        cells = [
            escape(dx.normalized),
            escape(dx.status) + _flag_badges(dx),
            _codes(dx.codes),
            _where(dx),
        ]
        rows.append((f"dx-{i}", cells, dx))
    return _table("Diagnoses", ["Condition", "Status", "Codes", "Section"], rows, "diagnoses")


def procedure_table(report: CaseReport) -> str:
    rows: list[Row] = []
    for i, pr in enumerate(report.procedures):
        cells = [
            escape(pr.normalized),
            escape(pr.category) + _flag_badges(pr),
            _codes(pr.codes),
            _where(pr),
        ]
        rows.append((f"proc-{i}", cells, pr))
    headers = ["Procedure", "Category", "Codes", "Section"]
    return _table("Procedures", headers, rows, "procedures")


def patient_line(report: CaseReport) -> str:
    age = report.patient.age
    parts = []
    if age is not None:
        parts.append(f"{age.value:g} {age.unit}{'s' if age.value != 1 else ''} old")
    if report.patient.sex:
        parts.append(report.patient.sex)
    return escape(", ".join(parts) or "not stated")


def render_html(report: CaseReport, text: str | None = None, pdf: str | Path | None = None) -> str:
    """The review page for one report. `text` defaults to report.document.text (include_text).

    Without any text the page still shows the tables (and says why the text is missing); spans
    whose offsets do not fit the text are listed as warnings instead of being highlighted. For
    a PDF (`pdf`, else the report's source_path when it still exists) the pages are shown as
    images with the evidence boxes drawn over them, and a switch leads to the text view.
    """
    text = text if text is not None else report.document.text
    warnings = list(report.warnings)
    if text is None:
        body_text = (
            '<p class="missing">The source text is not in this report; extract it with '
            "include_text (caseminer show does) to see the highlighted evidence.</p>"
        )
    else:
        marks, dropped = valid_marks(collect_marks(report), text)
        warnings.extend(dropped)
        body_text = render_text(text, marks)
    warn_html = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    pages = _pdf_pages(report, pdf)
    switch = (
        '<span class="views"><button type="button" data-view="pages" class="on">Pages</button>'
        '<button type="button" data-view="text">Text</button></span>'
        if pages
        else ""
    )
    n_findings = len(getattr(report, "findings", None) or [])
    page = Template(_asset("page.html"))
    return page.substitute(
        title=escape(f"caseminer: {report.document.id}"),
        doc_id=escape(report.document.id),
        css=_asset("review.css"),
        js=_asset("review.js"),
        patient=patient_line(report),
        counts=escape(
            f"{len(report.labs)} labs · {len(report.imaging)} imaging · {n_findings} findings · "
            f"{len(report.diagnoses)} diagnoses · {len(report.procedures)} procedures"
        ),
        views=switch,
        pages=render_page_view(report, pages),
        text_hidden=" hidden" if pages else "",
        pages_hidden="" if pages else " hidden",
        version=escape(report.provenance.caseminer_version),
        text=body_text,
        panels=lab_table(report)
        + imaging_table(report)
        + findings_table(report)
        + diagnosis_table(report)
        + procedure_table(report),
        warnings=f'<ul class="warnings">{warn_html}</ul>' if warn_html else "",
    )


def render_form(action: str = "/v1/view") -> str:
    """The offline upload form of GET /v1/view."""
    return Template(_asset("form.html")).substitute(
        action=escape(action, quote=True), css=_asset("review.css")
    )
