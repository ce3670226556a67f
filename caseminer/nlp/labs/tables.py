"""Lab tables flattened to text by a PDF tool: find them and pair label cells with value cells.

After a "Table N" caption, a PDF tool emits the cells one per line, often with blank lines between,
row by row or cell by cell, with up to three label/value column pairs per row and sometimes out of
order. Pairing therefore works on the sequence of label and value events: a run of labels followed
by a run of values pairs the last labels with the values in order; what is left over is paired at
the end when the catalogue says the unit fits the analyte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from caseminer.nlp.labs.catalogue import AnalyteMention, Catalogue, find_analytes, units_compatible
from caseminer.nlp.labs.values import ValueMention

_CAPTION = re.compile(r"^[ \t]*(?:Table|TABLE)[ \t]+(?:\d+|[IVX]+)\b.*$", re.MULTILINE)
_MAX_CELL = 45  # longer lines are prose (or a caption continued)


@dataclass
class TableRegion:
    """Doc character range of a flattened table body (the caption excluded)."""

    start: int
    end: int


def find_table_regions(text: str, max_chars: int = 4000) -> list[TableRegion]:
    """Regions of flattened tables: from after the caption to the first line of prose."""
    regions: list[TableRegion] = []
    for cap in _CAPTION.finditer(text):
        pos = cap.end() + 1
        start = None
        end = pos
        caption_lines = 0
        while pos < len(text) and pos - cap.end() < max_chars:
            nl = text.find("\n", pos)
            nl = len(text) if nl < 0 else nl
            line = text[pos:nl].strip()
            if _is_prose(line):
                if start is None and caption_lines < 3:
                    caption_lines += 1  # the caption wraps onto more lines
                else:
                    break
            elif line and start is None:
                start = pos
            if line and start is not None:
                end = nl
            pos = nl + 1
        if start is not None and end > start:
            if regions and start < regions[-1].end:
                continue
            regions.append(TableRegion(start, end))
    return regions


def _is_prose(line: str) -> bool:
    if len(line) <= _MAX_CELL:
        return False
    numbers = re.findall(r"\d+(?:[.,]\d+)?", line)
    words = re.findall(r"[A-Za-z]{2,}", line)
    return len(numbers) < 2 or len(words) > 2 * len(numbers) + 4


@dataclass
class TablePair:
    """A label paired with a value inside a table, and how."""

    analyte: AnalyteMention
    value: ValueMention
    rule: str


def table_events(
    text: str, region: TableRegion, cat: Catalogue, values: list[ValueMention]
) -> list[AnalyteMention | ValueMention]:
    """Label and value events of a table region, in text order."""
    labels = [
        a
        for a in find_analytes(text, cat, region.start, region.end, squeeze=True)
        if not any(v.start <= a.start < v.end for v in values)
    ]
    events: list[AnalyteMention | ValueMention] = [*labels, *values]
    events.sort(key=lambda e: e.start)
    return events


def pair_table(events: list[AnalyteMention | ValueMention], cat: Catalogue) -> list[TablePair]:
    """Pair label and value events (see the module docstring)."""
    pairs: list[TablePair] = []
    pending_labels: list[AnalyteMention] = []
    pending_values: list[ValueMention] = []
    last_value: ValueMention | None = None
    i = 0
    while i < len(events):
        if isinstance(events[i], AnalyteMention):
            pending_labels.append(events[i])  # type: ignore[arg-type]
            last_value = None
            i += 1
            continue
        run: list[ValueMention] = []
        while i < len(events) and isinstance(events[i], ValueMention):
            v: ValueMention = events[i]  # type: ignore[assignment]
            if last_value is not None and v.value_high is not None and last_value.reference is None:
                # a range right after a value is that value's reference range
                last_value.reference = {"low": v.value, "high": v.value_high, "unit": v.unit}
                v.consumed = True
            else:
                run.append(v)
                last_value = v
            i += 1
        k = min(len(run), len(pending_labels))
        labels = pending_labels[len(pending_labels) - k :]
        del pending_labels[len(pending_labels) - k :]
        for label, value in zip(labels, run[:k], strict=True):
            if units_compatible(cat, value.unit, label.analyte):
                pairs.append(TablePair(label, value, "table_sequence"))
            else:
                pending_labels.append(label)
                pending_values.append(value)
        pending_values.extend(run[k:])
    for value in list(pending_values):
        fits = [lab for lab in pending_labels if units_compatible(cat, value.unit, lab.analyte)]
        if value.unit is not None and fits:
            label = fits[0]
            pending_labels.remove(label)
            pairs.append(TablePair(label, value, "table_leftover_unit"))
    pairs.sort(key=lambda p: p.value.start)
    return pairs
