"""Human-readable rendering of one CaseReport (for `caseminer demo`)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from caseminer.schema import CaseReport


def _flags(item) -> str:
    a = item.assertion
    names = ("negated", "uncertain", "hypothetical", "historical", "family")
    return ", ".join(n for n in names if getattr(a, n)) or "-"


def render_report(report: CaseReport, console: Console) -> None:
    """Print patient, labs, imaging, diagnoses and procedures as tables."""
    p = report.patient
    age = f"{p.age.value:g} {p.age.unit}s" if p.age else "?"
    console.print(f"[bold]Patient:[/] age {age}, sex {p.sex or '?'}")

    labs = Table(title=f"Labs ({len(report.labs)})")
    for col in ("analyte", "value", "unit", "flag", "reference", "section", "source"):
        labs.add_column(col)
    for lab in report.labs:
        ref = lab.reference_range
        ref_text = (
            f"{ref.low:g}-{ref.high:g}"
            if ref and ref.low is not None and ref.high is not None
            else ""
        )
        labs.add_row(
            lab.analyte,
            lab.value_text,
            lab.unit or "",
            lab.interpretation or "",
            ref_text,
            lab.section,
            lab.source,
        )
    console.print(labs)

    imaging = Table(title=f"Imaging ({len(report.imaging)})")
    for col in ("study", "modality", "sites", "details", "findings"):
        imaging.add_column(col)
    for im in report.imaging:
        details = ", ".join([*im.planes, *im.sequences] + (["contrast"] if im.contrast else []))
        findings = "; ".join(", ".join(f.descriptors) or f.text for f in im.findings)
        imaging.add_row(im.text, im.modality, ", ".join(im.body_sites), details, findings)
    console.print(imaging)

    dx = Table(title=f"Diagnoses ({len(report.diagnoses)})")
    for col in ("mention", "normalized", "status", "assertion", "section", "codes"):
        dx.add_column(col)
    for d in report.diagnoses:
        dx.add_row(
            d.text,
            d.normalized,
            d.status,
            _flags(d),
            d.section,
            ", ".join(f"{c.system} {c.code}" for c in d.codes),
        )
    console.print(dx)

    px = Table(title=f"Procedures ({len(report.procedures)})")
    for col in ("mention", "normalized", "category", "modifiers", "assertion", "section"):
        px.add_column(col)
    for pr in report.procedures:
        px.add_row(
            pr.text, pr.normalized, pr.category, ", ".join(pr.modifiers), _flags(pr), pr.section
        )
    console.print(px)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {w}")
