"""Build corpus gold files from hand-written drafts, so no character offset is ever typed by hand.

A draft (``corpora/drafts/<id>.json``) holds the gold of ``corpora/<id>.txt`` without offsets. Each
item in ``labs``/``imaging``/``diagnoses``/``procedures`` names its evidence with ``"text"`` and may
say *which* occurrence it means in one of two ways:

- ``"context"``: a longer string that contains ``text`` and occurs in the document; the item is
  the first ``text`` inside that context (robust when the paragraph is edited), and
- ``"occurrence"``: a 0-based index; of the context when one is given, else of ``text`` itself.

Only whole-word occurrences count: "2.1 mg/dL" is never found inside "12.1 mg/dL".

The helper refuses (exit status 1, message naming the draft and item) when the text or context
does not occur, or the occurrence is out of range. It writes ``corpora/<id>.gold.json`` with
``text``/``start``/``end`` first and the locating keys dropped.

Usage::

    python tools/make_gold.py                 # every draft in corpora/drafts/
    python tools/make_gold.py corpora/drafts/cardiology_01.json
    python tools/make_gold.py --check         # fail if any gold file is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

CORPORA = Path(__file__).resolve().parents[1] / "corpora"
CATEGORIES = ("labs", "imaging", "diagnoses", "procedures")
LOCATING_KEYS = ("context", "occurrence")


class GoldError(ValueError):
    """A draft item cannot be placed in its text."""


def _at_boundaries(haystack: str, start: int, end: int) -> bool:
    """True unless the match cuts a word or number ("2.1 mg/dL" inside "12.1 mg/dL")."""
    before = haystack[start - 1] if start > 0 else " "
    after = haystack[end] if end < len(haystack) else " "
    cut_left = before.isalnum() and haystack[start].isalnum()
    cut_right = after.isalnum() and haystack[end - 1].isalnum()
    return not (cut_left or cut_right)


def _nth(haystack: str, needle: str, n: int) -> int:
    """Offset of the n-th (0-based) whole-word occurrence of needle, or -1."""
    seen, pos = -1, haystack.find(needle)
    while pos >= 0:
        if _at_boundaries(haystack, pos, pos + len(needle)):
            seen += 1
            if seen == n:
                return pos
        pos = haystack.find(needle, pos + 1)
    return -1


def locate(text: str, mention: str, context: str | None = None, occurrence: int = 0) -> int:
    """Start offset of ``mention`` in ``text``; raise GoldError rather than guess."""
    if not mention:
        raise GoldError("empty mention")
    if context is not None:
        if mention not in context:
            raise GoldError(f"mention {mention!r} is not inside its context {context!r}")
        ctx_start = _nth(text, context, occurrence)
        if ctx_start < 0:
            raise GoldError(f"context {context!r} (occurrence {occurrence}) does not occur")
        pos = text.find(mention, ctx_start)
        while 0 <= pos <= ctx_start + len(context) - len(mention):
            if _at_boundaries(text, pos, pos + len(mention)):
                return pos
            pos = text.find(mention, pos + 1)
        raise GoldError(f"mention {mention!r} is not a whole word in its context {context!r}")
    start = _nth(text, mention, occurrence)
    if start < 0:
        raise GoldError(f"mention {mention!r} (occurrence {occurrence}) does not occur")
    return start


def place_item(text: str, item: dict[str, Any]) -> dict[str, Any]:
    """Return the gold item: text/start/end first, then the draft's other keys."""
    mention = item["text"]
    start = locate(text, mention, item.get("context"), int(item.get("occurrence", 0)))
    placed: dict[str, Any] = {"text": mention, "start": start, "end": start + len(mention)}
    placed.update({k: v for k, v in item.items() if k not in LOCATING_KEYS and k != "text"})
    return placed


def build_gold(draft: dict[str, Any], text: str) -> dict[str, Any]:
    """Gold document from a draft and the text it annotates."""
    gold: dict[str, Any] = {k: v for k, v in draft.items() if k not in CATEGORIES}
    for category in CATEGORIES:
        placed = []
        for i, item in enumerate(draft.get(category, [])):
            try:
                placed.append(place_item(text, item))
            except GoldError as err:
                raise GoldError(f"{draft.get('id')}: {category}[{i}]: {err}") from err
        gold[category] = sorted(placed, key=lambda it: (it["start"], it["end"]))
    return gold


def render(gold: dict[str, Any]) -> str:
    """Stable JSON text: one item per line keeps diffs of gold reviewable."""
    lines = ["{"]
    head = [k for k in gold if k not in CATEGORIES]
    entries = [f"  {json.dumps(k)}: {json.dumps(gold[k], ensure_ascii=False)}" for k in head]
    for category in CATEGORIES:
        items = gold.get(category, [])
        if not items:
            entries.append(f"  {json.dumps(category)}: []")
            continue
        body = ",\n".join(f"    {json.dumps(it, ensure_ascii=False)}" for it in items)
        entries.append(f"  {json.dumps(category)}: [\n{body}\n  ]")
    lines.append(",\n".join(entries))
    lines.append("}")
    return "\n".join(lines) + "\n"


def process(draft_path: Path, check: bool) -> bool:
    """Write (or, with check, compare) the gold of one draft; True when all is well."""
    draft = json.loads(draft_path.read_text(encoding="utf-8"))
    doc_id = draft.get("id") or draft_path.stem
    text = (CORPORA / f"{doc_id}.txt").read_text(encoding="utf-8")
    rendered = render(build_gold(draft, text))
    gold_path = CORPORA / f"{doc_id}.gold.json"
    if check:
        current = gold_path.read_text(encoding="utf-8") if gold_path.exists() else ""
        if current != rendered:
            print(f"stale: {gold_path}", file=sys.stderr)
            return False
        return True
    gold_path.write_text(rendered, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drafts", nargs="*", type=Path, help="draft files (default: all)")
    parser.add_argument("--check", action="store_true", help="only verify gold is up to date")
    args = parser.parse_args(argv)
    drafts = args.drafts or sorted((CORPORA / "drafts").glob("*.json"))
    ok = True
    for path in drafts:
        try:
            ok = process(path, args.check) and ok
        except GoldError as err:
            print(f"refused: {path}: {err}", file=sys.stderr)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
