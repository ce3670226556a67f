"""The public Python API: load(), extract(), extract_file(), extract_many().

All entry points share one path: SourceText -> repair -> nlp -> assemble. The default pipeline is
built once per process and reused, because building it (vocabularies, matchers) costs far more
than processing a document.

Cold start matters (a CLI call, a fresh worker), so this module imports spaCy and the assembly
only when a pipeline is needed: ``import caseminer``, ``caseminer --help`` and ``caseminer schema``
never pay for them. With ``n_process > 1`` the pipeline is built once in the parent and the workers
are forked from it, instead of each worker building its own.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from caseminer._deferred import defer_unused_imports
from caseminer.readers import SourceText, read_path
from caseminer.repair import repair
from caseminer.repair.core import identity
from caseminer.schema import CaseReport

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger("caseminer")

TextLike = str | SourceText


def load(*, exclude: Iterable[str] = (), config: dict[str, dict] | None = None) -> Language:
    """A new caseminer spaCy pipeline (for users who want Docs; see caseminer.nlp.pipeline)."""
    defer_unused_imports()
    from caseminer.nlp.extensions import install_serialisers
    from caseminer.nlp.pipeline import build

    nlp = build(exclude=exclude, config=config)
    install_serialisers()  # medspaCy's msgpack hooks replaced, if the build imported medspaCy
    return nlp


@lru_cache(maxsize=1)
def default_nlp() -> Language:
    """The process-wide default pipeline, built on first use, kept until the process exits."""
    nlp = load()
    _keep_until_exit(nlp)
    return nlp


# Holds the default pipeline in a reference cycle (see _keep_until_exit).
_KEPT: list = []


def _keep_until_exit(nlp: Language) -> None:
    """Exempt the default pipeline from the garbage collector and from teardown at exit.

    Why: its vocabularies are about a million small Python objects (the terminology index
    mostly). Every full collection walks them (a few percent of a batch's CPU), and at exit
    CPython frees them one by one, which cost about 0.4 s of every short-lived process (a CLI
    call, a fresh worker): a third of a cold start. ``gc.freeze()`` moves every object alive now
    to the collector's permanent generation (the technique Python's docs give for pre-forked
    servers), and a self-referencing holder keeps the pipeline from being freed by reference
    counting when modules are torn down, so the operating system reclaims that memory at once.
    The pipeline lives for the whole process anyway (``default_nlp`` is cached); the cost is that
    objects alive at this moment are never collected as cyclic garbage later.
    No ``gc.collect()`` first: the build leaves next to no cyclic garbage (about a thousand
    objects), so a full pass over the million objects (0.12 s, a tenth of a cold start) would
    find nothing worth freeing; the little there is stays frozen with the rest.
    """
    _KEPT.append(nlp)
    _KEPT.append(_KEPT)
    gc.freeze()


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
    from caseminer.assemble import assemble

    rep = identity(source.text)  # the source as is: the report carries no items to map
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
    from caseminer.assemble import assemble
    from caseminer.longtext import run_long

    source = _as_source(text)
    nlp = nlp or default_nlp()
    repaired = repair(source.text)
    doc = run_long(nlp, repaired.text)  # any length: parts under nlp.max_length, merged
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
    ids = [_doc_id(s, start_index + i) for i, s in enumerate(sources)]
    return [_extract_one(s, i, nlp, include_text) for s, i in zip(sources, ids, strict=True)]


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


# The pipeline the forked workers use: set in the parent right before the pool starts, so the
# children inherit it already built (copy-on-write) instead of building their own.
_WORKER_NLP: Language | None = None


def _worker_batch(args: tuple[list[SourceText], int, bool]) -> list[CaseReport]:
    sources, start, include_text = args
    nlp = _WORKER_NLP if _WORKER_NLP is not None else default_nlp()
    return _extract_batch(sources, start, nlp, include_text)


def _pool_context() -> multiprocessing.context.BaseContext | None:
    """ "fork" where the platform has it (the workers then start with the built pipeline); the
    platform default elsewhere (each worker builds the default pipeline once)."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def extract_many(
    texts: Iterable[TextLike],
    *,
    nlp: Language | None = None,
    n_process: int = 1,
    batch_size: int = 16,
    include_text: bool = False,
) -> Iterator[CaseReport]:
    """Extract many reports, in input order, with nlp.pipe under the hood.

    With n_process > 1 the pipeline (``nlp`` or the default one) is built here and the worker
    processes are forked from this one, so they start ready; whole reports come back (our Doc
    extensions hold Python objects that spaCy's own multiprocessing cannot ship). Where fork is
    unavailable each worker builds the default pipeline.
    A document that fails yields a report with an "extraction failed" warning; the batch goes on.
    """
    global _WORKER_NLP
    nlp = nlp or default_nlp()
    if n_process <= 1:
        with _heap_frozen():
            index = 0
            for chunk in _chunks(texts, batch_size):
                yield from _extract_batch(chunk, index, nlp, include_text)
                index += len(chunk)
        return
    sources = [_as_source(t) for t in texts]
    # Several jobs per worker, so one slow batch does not leave the other workers idle.
    size = max(1, min(batch_size, -(-len(sources) // (4 * n_process))))
    jobs = [(sources[i : i + size], i, include_text) for i in range(0, len(sources), size)]
    context = _pool_context()
    previous, _WORKER_NLP = _WORKER_NLP, (nlp if context is not None else None)
    # frozen before forking too: a child's collections would otherwise touch every inherited
    # object and copy its pages
    try:
        with _heap_frozen(), ProcessPoolExecutor(max_workers=n_process, mp_context=context) as pool:
            for reports in pool.map(_worker_batch, jobs):
                yield from reports
    finally:
        _WORKER_NLP = previous


# young-generation threshold during a batch (see _heap_frozen); CPython's default is 700
_YOUNG_THRESHOLD = 10_000


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """Every object alive now (the built pipeline, mostly) kept out of the garbage collector for
    a batch: otherwise each full collection walks all of them again (about 0.2 s per 100 reports
    for a pipeline from ``caseminer.load()``, which is not frozen like the default one). Unfrozen
    after, unless something (the default pipeline, see ``_keep_until_exit``) was frozen before.
    No ``gc.collect()`` first: a full pass over the pipeline costs more than it frees.

    The young generation's threshold is raised to ``_YOUNG_THRESHOLD`` meanwhile (restored after):
    a report makes thousands of short-lived containers and almost no cyclic garbage, so the
    default 700 ran about 80 young collections per 100 reports for nothing (about 10% of a pass
    in a same-process A/B). A few thousand more objects waiting for a collection cost next to no
    memory."""
    was_frozen = gc.get_freeze_count() > 0
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], _YOUNG_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if not was_frozen:
            gc.unfreeze()
