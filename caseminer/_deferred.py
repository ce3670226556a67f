"""Stand-ins for modules our dependencies import and never use on caseminer's path.

Why a module of its own: both the public API (``caseminer.api.load``) and the pipeline builder
(``caseminer.nlp.pipeline.build``) call ``defer_unused_imports`` before medspaCy is imported;
keeping it here lets both import it at module level without importing each other.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Iterable

# Modules our dependencies import at module level but never use on caseminer's path: medspaCy's
# ConText imports medspacy.util, which imports QuickUMLS, which imports NLTK (and with it SciPy and
# scikit-learn): 1-5 s of a cold start for nothing. They are bound to a stand-in that imports the
# real module on first attribute access, so anyone who does use them still gets them.
DEFERRED_MODULES: tuple[str, ...] = ("nltk",)


class _DeferredModule(types.ModuleType):
    """Stands in ``sys.modules`` for a module until something reads one of its attributes."""

    def _real(self) -> types.ModuleType:
        real = self.__dict__.get("_deferred_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
            self.__dict__["_deferred_real"] = real
        return real

    def __getattr__(self, attr: str):
        return getattr(self._real(), attr)


def defer_unused_imports(names: Iterable[str] = DEFERRED_MODULES) -> None:
    """Put a stand-in for each module not imported yet (and installed) into ``sys.modules``."""
    for name in names:
        if name in sys.modules:
            continue
        try:
            if importlib.util.find_spec(name) is None:
                continue
        except (ImportError, ValueError):
            continue
        sys.modules[name] = _DeferredModule(name)
