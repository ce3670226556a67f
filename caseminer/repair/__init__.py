"""Text repair: undo PDF-to-text damage before spaCy sees the text, keeping a map back.

`repair(source) -> RepairedText`. The repaired text is what the spaCy pipeline reads; the map lets
the assembly step turn every Doc offset back into a source offset, so the output always points into
the text the user gave us.
"""

from __future__ import annotations

from caseminer.repair.core import RepairedText, repair

__all__ = ["RepairedText", "repair"]
