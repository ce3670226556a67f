"""Runs extractions off the event loop: a bounded thread pool, a timeout and backpressure.

The pipeline is built once per worker process and shared. One spaCy Language is not meant to be
called from several threads at once, so extractions run one at a time per process (scale with
`--workers`); the event loop stays free to answer /v1/health and to refuse work with 503 when
`max_pending` requests already wait, rather than queueing without bound.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from caseminer.service.errors import ServiceError
from caseminer.service.settings import ServiceSettings

T = TypeVar("T")


def default_loader() -> Any:
    """The process-wide caseminer pipeline (built on first call, then cached by caseminer.api)."""
    from caseminer.api import default_nlp

    return default_nlp()


class Engine:
    """Owns the pipeline and the executor of one worker process."""

    def __init__(self, settings: ServiceSettings, loader: Callable[[], Any] = default_loader):
        self.settings = settings
        self._loader = loader
        self._nlp: Any = None
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="caseminer")
        self._pending = 0

    @property
    def loaded(self) -> bool:
        return self._nlp is not None

    @property
    def pending(self) -> int:
        return self._pending

    def nlp(self) -> Any:
        """The pipeline, built on first use (thread-safe)."""
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = self._loader()
        return self._nlp

    async def warm_up(self) -> None:
        """Build the pipeline in the executor so startup does not block the event loop."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self.nlp)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(nlp, *args) in the executor; 503 when too many wait, 504 after the timeout.

        A timed-out job cannot be interrupted (Python threads cannot be killed); it finishes in
        the background and its result is dropped, and the pending count keeps new work bounded.
        """
        if self._pending >= self.settings.max_pending:
            raise ServiceError(503, f"{self._pending} requests are waiting; retry later")
        self._pending += 1
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, lambda: fn(self.nlp(), *args))
        future.add_done_callback(self._done)
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.settings.timeout_s)
        except asyncio.TimeoutError:
            raise ServiceError(
                504, f"extraction took longer than {self.settings.timeout_s:g} s"
            ) from None

    def _done(self, _: object) -> None:
        self._pending -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
