"""Texts of any length: split under ``nlp.max_length`` at paragraph boundaries, run, merge.

Why: spaCy refuses a text longer than ``nlp.max_length`` (error E088, 1,000,000 characters by
default) with advice to raise the limit, which a CLI or service user cannot do; a batch of joined
case reports or one long thesis then yields nothing. Here such a text is cut at the last
paragraph break (blank line) before the limit, else the last line break, sentence end or space,
so no paragraph of ordinary size is split; every part runs through the pipeline on its own (the
facts are those of extracting the parts one by one) and the parts' Docs are merged into one Doc
over the whole text, so every offset the assembly maps stays exact.

Merging: ``Doc.from_docs`` copies tokens, sentence starts and span groups (the items); the
extension values (doc-level ``sections``/``patient``/``abbreviations``, span-level item attrs and
assertions) are carried over here, every Doc character offset inside them (keys ending in
``_char``, Spans) shifted by the part's start. Lists are concatenated in text order; for a dict
(e.g. ``patient``) the first part that has a value for a key wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from caseminer.nlp.extensions import ASSERTION_KEY, ATTRS_KEY

# Where a part may end, best first: after a blank line, a line break, a sentence end, a space.
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"[.!?][\"')\]]?\s+"),
    re.compile(r"\s+"),
)


def split_points(text: str, limit: int) -> list[tuple[int, int]]:
    """Contiguous (start, end) parts covering `text`, each at most `limit` characters, cut at
    the last boundary of the best kind in the window (whitespace stays with the part before)."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    parts: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        end = start + limit
        cut = None
        for pattern in _BOUNDARIES:
            ends = [m.end() for m in pattern.finditer(text, start + 1, end)]
            ends = [e for e in ends if e <= end]
            if ends:
                cut = ends[-1]
                break
        cut = cut or end  # one unbroken run of `limit` characters: a hard cut
        parts.append((start, cut))
        start = cut
    parts.append((start, len(text)))
    return parts


def _shift(value: Any, offset: int, doc: Doc) -> Any:
    """`value` with every Doc character offset moved by `offset` and Spans re-made on `doc`."""
    if isinstance(value, Span):
        span = doc.char_span(
            value.start_char + offset,
            value.end_char + offset,
            label=value.label_,
            alignment_mode="expand",
        )
        return span
    if isinstance(value, dict):
        return {
            k: (
                v + offset
                if isinstance(k, str) and k.endswith("_char") and isinstance(v, int)
                else _shift(v, offset, doc)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_shift(v, offset, doc) for v in value]
    if isinstance(value, tuple):
        return tuple(_shift(v, offset, doc) for v in value)
    return value


def _combine(values: list[Any]) -> Any:
    """One doc-level value from the parts' values (already shifted), in text order."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if all(isinstance(v, list) for v in present):
        return [x for v in present for x in v]
    if all(isinstance(v, dict) for v in present):
        out: dict[Any, Any] = {}
        for v in present:
            for k, x in v.items():
                if out.get(k) in (None, [], {}, "") and x not in (None, [], {}, ""):
                    out[k] = x
                out.setdefault(k, x)
        return out
    return present[0]


def _rekey_items(store: dict[str, Any], offset: int, merged: Doc) -> dict[str, Any]:
    """An item store (``"LABEL start end"`` -> value, see extensions._key) moved by `offset`."""
    out = {}
    for key, value in store.items():
        label, start, end = key.rsplit(" ", 2)
        out[f"{label} {int(start) + offset} {int(end) + offset}"] = _shift(value, offset, merged)
    return out


def merge_docs(docs: list[Doc], starts: list[int]) -> Doc:
    """One Doc over the parts' texts joined, extension values carried over and shifted."""
    from caseminer.nlp.abbreviations import ABBREVIATIONS_KEY

    merged = Doc.from_docs(docs, ensure_whitespace=False, exclude=["user_data"])
    doc_level: dict[tuple, list[Any]] = {}
    plain: dict[Any, list[Any]] = {}
    token_offset = 0
    for doc, offset in zip(docs, starts, strict=True):
        for name in (ATTRS_KEY, ASSERTION_KEY):  # keyed by character offsets
            if name in doc.user_data:
                rekeyed = _rekey_items(doc.user_data[name], offset, merged)
                merged.user_data.setdefault(name, {}).update(rekeyed)
        abbreviations = doc.user_data.get(ABBREVIATIONS_KEY) or []  # token offsets
        merged.user_data.setdefault(ABBREVIATIONS_KEY, []).extend(
            [i + token_offset for i in row] for row in abbreviations
        )
        token_offset += len(doc)
        for key, value in doc.user_data.items():
            if key in (ATTRS_KEY, ASSERTION_KEY, ABBREVIATIONS_KEY):
                continue
            if isinstance(key, tuple) and len(key) == 4 and key[0] == "._.":
                kind, name, start, end = key
                if start is None and end is None:
                    doc_level.setdefault(key, []).append(_shift(value, offset, merged))
                    continue
                new_key = (kind, name, start + offset, None if end is None else end + offset)
                merged.user_data[new_key] = _shift(value, offset, merged)
            else:
                plain.setdefault(key, []).append(value)
    for key, values in doc_level.items():
        merged.user_data[key] = _combine(values)
    for key, values in plain.items():
        merged.user_data[key] = _combine(values)
    return merged


def run_long(nlp: Language, text: str, run: Callable[[Language, str], Doc] | None = None) -> Doc:
    """The Doc of `text` of any length: `run(nlp, text)` when it fits ``nlp.max_length``, else
    run over parts cut at paragraph boundaries and merged (see the module docstring)."""
    if run is None:
        from caseminer.nlp.runner import run
    limit = nlp.max_length
    if len(text) <= limit:
        return run(nlp, text)
    parts = split_points(text, limit)
    docs = [run(nlp, text[a:b]) for a, b in parts]
    merged = merge_docs(docs, [a for a, _ in parts])
    if merged.text != text:  # cannot happen with contiguous parts; offsets would be wrong
        raise RuntimeError("long text: the merged parts do not give back the text")
    return merged
