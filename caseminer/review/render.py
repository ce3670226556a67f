"""CaseReport -> one HTML string. The template, CSS and JS are package data in review/assets/.

Every value from the report is escaped with html.escape; the page carries a Content-Security-
Policy that forbids loading anything from outside, so it works offline and cannot leak data.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files
from string import Template

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
    return marks


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


def _row(item_id: str, cells: list[str], item) -> str:
    tds = "".join(f"<td>{c}</td>" for c in cells)
    flags = " ".join(f"f-{f}" for f in _flags(item))
    return (
        f'<tr class="item {flags}" data-target="{item_id}" tabindex="0" '
        f'title="{escape(item.text, quote=True)}">{tds}</tr>'
    )


def _table(caption: str, headers: list[str], rows: list[str], table_id: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(rows) or f'<tr><td colspan="{len(headers)}" class="empty">none found</td></tr>'
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
    rows = []
    for i, lab in enumerate(report.labs):
        value = escape((lab.comparator or "") + lab.value_text)
        flag = lab.interpretation or ""
        cells = [
            escape(lab.analyte),
            value,
            escape(lab.unit or ""),
            _range(lab),
            f'<span class="interp i-{escape(flag)}">{escape(flag)}</span>' + _flag_badges(lab),
        ]
        rows.append(_row(f"lab-{i}", cells, lab))
    return _table("Labs", ["Analyte", "Value", "Unit", "Reference", "Flag"], rows, "labs")


def imaging_table(report: CaseReport) -> str:
    rows = []
    for i, img in enumerate(report.imaging):
        sites = ", ".join(img.body_sites)
        if img.laterality:
            sites = f"{img.laterality} {sites}".strip()
        contrast = {True: "with contrast", False: "without contrast", None: ""}[img.contrast]
        details = "; ".join(x for x in (", ".join(img.sequences), contrast) if x)
        cells = [
            escape(img.modality),
            escape(sites),
            escape(details),
            f"{len(img.findings)}" + _flag_badges(img),
        ]
        rows.append(_row(f"img-{i}", cells, img))
    return _table("Imaging", ["Modality", "Site", "Details", "Findings"], rows, "imaging")


def diagnosis_table(report: CaseReport) -> str:
    rows = []
    for i, dx in enumerate(report.diagnoses):
        cells = [
            escape(dx.normalized),
            escape(dx.status) + _flag_badges(dx),
            _codes(dx.codes),
        ]
        rows.append(_row(f"dx-{i}", cells, dx))
    return _table("Diagnoses", ["Condition", "Status", "Codes"], rows, "diagnoses")


def procedure_table(report: CaseReport) -> str:
    rows = []
    for i, pr in enumerate(report.procedures):
        cells = [escape(pr.normalized), escape(pr.category) + _flag_badges(pr), _codes(pr.codes)]
        rows.append(_row(f"proc-{i}", cells, pr))
    return _table("Procedures", ["Procedure", "Category", "Codes"], rows, "procedures")


def patient_line(report: CaseReport) -> str:
    age = report.patient.age
    parts = []
    if age is not None:
        parts.append(f"{age.value:g} {age.unit}{'s' if age.value != 1 else ''} old")
    if report.patient.sex:
        parts.append(report.patient.sex)
    return escape(", ".join(parts) or "not stated")


def render_html(report: CaseReport, text: str | None = None) -> str:
    """The review page for one report. `text` defaults to report.document.text (include_text).

    Without any text the page still shows the tables (and says why the text is missing); spans
    whose offsets do not fit the text are listed as warnings instead of being highlighted.
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
    page = Template(_asset("page.html"))
    return page.substitute(
        title=escape(f"caseminer: {report.document.id}"),
        doc_id=escape(report.document.id),
        css=_asset("review.css"),
        js=_asset("review.js"),
        patient=patient_line(report),
        counts=escape(
            f"{len(report.labs)} labs · {len(report.imaging)} imaging · "
            f"{len(report.diagnoses)} diagnoses · {len(report.procedures)} procedures"
        ),
        version=escape(report.provenance.caseminer_version),
        text=body_text,
        panels=lab_table(report)
        + imaging_table(report)
        + diagnosis_table(report)
        + procedure_table(report),
        warnings=f'<ul class="warnings">{warn_html}</ul>' if warn_html else "",
    )


def render_form(action: str = "/v1/view") -> str:
    """The offline upload form of GET /v1/view."""
    return Template(_asset("form.html")).substitute(
        action=escape(action, quote=True), css=_asset("review.css")
    )
