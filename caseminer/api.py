"""The public Python API: load(), extract(), extract_file(), extract_many().

All entry points share one path: SourceText -> repair -> nlp -> assemble. The default pipeline is
built once per process and reused, because building it (vocabularies, matchers) costs far more
than processing a document.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

from spacy.language import Language

from caseminer.assemble import assemble
from caseminer.readers import SourceText, read_path
from caseminer.repair import RepairedText, repair
from caseminer.schema import CaseReport

log = logging.getLogger("caseminer")

TextLike = str | SourceText


def load(*, exclude: Iterable[str] = (), config: dict[str, dict] | None = None) -> Language:
    """A new caseminer spaCy pipeline (for users who want Docs; see caseminer.nlp.pipeline)."""
    from caseminer.nlp.pipeline import build

    return build(exclude=exclude, config=config)


@lru_cache(maxsize=1)
def default_nlp() -> Language:
    """The process-wide default pipeline, built on first use."""
    return load()


def _as_source(item: TextLike) -> SourceText:
    if isinstance(item, SourceText):
        return item
    if not isinstance(item, str):
        raise TypeError(f"expected str or SourceText, got {type(item).__name__}")
    return SourceText(text=item, format="string")


def _doc_id(source: SourceText, index: int | None) -> str:
    if source.path:
        return Path(source.path).stem
    return f"text-{index}" if index is not None else "text"


def _failed_report(
    source: SourceText, doc_id: str, nlp: Language, exc: Exception, include_text: bool
) -> CaseReport:
    """An empty report carrying the error, so one bad document never stops a batch."""
    rep = RepairedText(source.text, source.text, list(range(len(source.text) + 1)))
    doc = nlp.make_doc("")
    report = assemble(doc, rep, source, doc_id=doc_id, nlp=nlp, include_text=include_text)
    report.warnings.append(f"extraction failed: {type(exc).__name__}: {exc}")
    return report


def extract(
    text: TextLike,
    *,
    nlp: Language | None = None,
    doc_id: str | None = None,
    include_text: bool = False,
) -> CaseReport:
    """Extract one case report from a string (or a SourceText from a reader)."""
    source = _as_source(text)
    nlp = nlp or default_nlp()
    repaired = repair(source.text)
    doc = nlp(repaired.text)
    return assemble(
        doc,
        repaired,
        source,
        doc_id=doc_id or _doc_id(source, None),
        nlp=nlp,
        include_text=include_text,
    )


def extract_file(
    path: str | os.PathLike, *, nlp: Language | None = None, include_text: bool = False
) -> CaseReport:
    """Read a file (.txt/.md) and extract it. Raises caseminer.ReadError for unreadable input."""
    source = read_path(path)
    return extract(source, nlp=nlp, include_text=include_text)


def _extract_batch(
    sources: list[SourceText], start_index: int, nlp: Language, include_text: bool
) -> list[CaseReport]:
    repaired = [repair(s.text) for s in sources]
    ids = [_doc_id(s, start_index + i) for i, s in enumerate(sources)]
    try:
        docs = list(nlp.pipe(r.text for r in repaired))
    except Exception:  # noqa: BLE001 - isolate the bad document, then go on
        return [_extract_one(s, i, nlp, include_text) for s, i in zip(sources, ids, strict=True)]
    return [
        assemble(d, r, s, doc_id=i, nlp=nlp, include_text=include_text)
        for d, r, s, i in zip(docs, repaired, sources, ids, strict=True)
    ]


def _extract_one(source: SourceText, doc_id: str, nlp: Language, include_text: bool) -> CaseReport:
    try:
        return extract(source, nlp=nlp, doc_id=doc_id, include_text=include_text)
    except Exception as exc:  # noqa: BLE001
        log.warning("%s: extraction failed: %s", doc_id, exc)
        return _failed_report(source, doc_id, nlp, exc, include_text)


def _chunks(items: Iterable[TextLike], size: int) -> Iterator[list[SourceText]]:
    chunk: list[SourceText] = []
    for item in items:
        chunk.append(_as_source(item))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _worker_batch(args: tuple[list[SourceText], int, bool]) -> list[CaseReport]:
    sources, start, include_text = args
    return _extract_batch(sources, start, default_nlp(), include_text)


def extract_many(
    texts: Iterable[TextLike],
    *,
    nlp: Language | None = None,
    n_process: int = 1,
    batch_size: int = 16,
    include_text: bool = False,
) -> Iterator[CaseReport]:
    """Extract many reports, in input order, with nlp.pipe under the hood.

    With n_process > 1 each worker process builds its own default pipeline and whole reports come
    back (our Doc extensions hold Python objects that spaCy's own multiprocessing cannot ship).
    A document that fails yields a report with an "extraction failed" warning; the batch goes on.
    """
    if n_process <= 1:
        nlp = nlp or default_nlp()
        index = 0
        for chunk in _chunks(texts, batch_size):
            yield from _extract_batch(chunk, index, nlp, include_text)
            index += len(chunk)
        return
    jobs = []
    index = 0
    for chunk in _chunks(texts, batch_size):
        jobs.append((chunk, index, include_text))
        index += len(chunk)
    with ProcessPoolExecutor(max_workers=n_process) as pool:
        for reports in pool.map(_worker_batch, jobs):
            yield from reports
