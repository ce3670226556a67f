"""Open terminologies offline: ICD-10-CM, HPO (+UMLS CUIs), OMIM and Orphanet from PyPI packages.

``load_index()`` returns the cached TerminologyIndex (built on first use, rebuilt when a source
version changes); ``lookup(text)`` codes one mention. The spaCy component that uses it is
caseminer.nlp.terminology ("caseminer_terminology").
"""

from __future__ import annotations

from caseminer.terminology.cache import build, cache_path, load_index


def lookup(text: str, per_system: int = 3) -> list[dict[str, str]]:
    """Candidate codes for one mention (empty when the term is unknown)."""
    return load_index().lookup(text, per_system=per_system)


__all__ = ["build", "cache_path", "load_index", "lookup"]
