"""Evidence boxes: a source character span -> one box per printed line it covers (PDF input).

Why here, apart from the PDF reader: the assembly maps every item to source offsets and only
needs `boxes(start, end)`; what a box is (page, x0, y0, x1, y1 in PDF points, top-left origin)
is the schema's `Box`. For text input there are no pieces and every span has no boxes.
"""

from __future__ import annotations

from bisect import bisect_left


class BoxIndex:
    """Sorted geometry pieces (see caseminer.readers.pdf.geometry) with a span lookup."""

    def __init__(self, pieces: tuple[tuple, ...]):
        self.pieces = sorted(pieces)
        self.starts = [p[0] for p in self.pieces]
        self.longest = max((p[1] - p[0] for p in self.pieces), default=0)

    def boxes(self, start: int, end: int) -> list[dict[str, float | int]]:
        """Boxes of the printed lines that hold characters [start, end), in text order.

        A piece only partly covered contributes the covered share of its width (characters of a
        word are taken as equally wide), so "7.8" inside the word "7.8mg/dL" gets a tight box.
        """
        if end <= start or not self.pieces:
            return []
        lo = bisect_left(self.starts, start - self.longest)
        hi = bisect_left(self.starts, end)
        lines: dict[tuple[int, int], list[float]] = {}
        order: list[tuple[int, int]] = []
        for s, e, page, line_id, x0, y0, x1, y1 in self.pieces[lo:hi]:
            if e <= start or s >= end:
                continue
            width = (x1 - x0) / max(e - s, 1)
            a = x0 + width * max(0, start - s)
            b = x1 - width * max(0, e - end)
            key = (page, line_id)
            if key not in lines:
                lines[key] = [a, y0, b, y1]
                order.append(key)
            else:
                box = lines[key]
                box[0], box[1] = min(box[0], a), min(box[1], y0)
                box[2], box[3] = max(box[2], b), max(box[3], y1)
        return [
            {
                "page": page,
                "x0": round(lines[(page, lid)][0], 1),
                "y0": round(lines[(page, lid)][1], 1),
                "x1": round(lines[(page, lid)][2], 1),
                "y1": round(lines[(page, lid)][3], 1),
            }
            for page, lid in order
        ]
