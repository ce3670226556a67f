"""Shared fixtures: the default pipeline, built once, and paths into ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest
from paths import MACCROBAT, SEED


@pytest.fixture(scope="session")
def nlp():
    """The default caseminer pipeline, shared by all tests (building it is the slow part)."""
    from caseminer.api import default_nlp

    return default_nlp()


@pytest.fixture(scope="session")
def saved_pipeline(nlp, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default pipeline written once with ``nlp.to_disk``, for the tests that load it back
    (read it, never edit it: a test that edits saved files writes its own copy)."""
    path = tmp_path_factory.mktemp("saved") / "pipeline"
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent (../shared not available)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def maccrobat_path() -> Path:
    if not MACCROBAT.exists():
        pytest.skip(f"{MACCROBAT} is absent (../shared not available)")
    return MACCROBAT
