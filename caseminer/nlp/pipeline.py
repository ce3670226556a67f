"""Build caseminer's spaCy pipeline: a blank English Language, our tokenizer, our components.

No statistical model is needed (everything is rules and vocabularies shipped in patterns/), so the
pipeline builds offline and identically on every machine.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterable

import spacy
from spacy.language import Language

from caseminer._deferred import defer_unused_imports
from caseminer.nlp.extensions import register_extensions

# Component factory names in pipeline order, and the module that registers each factory.
PIPELINE: tuple[tuple[str, str], ...] = (
    ("caseminer_sentences", "caseminer.nlp.sentences"),
    ("caseminer_sections", "caseminer.nlp.sections"),
    ("caseminer_abbreviations", "caseminer.nlp.abbreviations"),
    ("caseminer_labs", "caseminer.nlp.labs.component"),
    ("caseminer_imaging", "caseminer.nlp.imaging.component"),
    ("caseminer_clinical", "caseminer.nlp.clinical.component"),
    ("caseminer_findings", "caseminer.nlp.findings.component"),
    ("caseminer_terminology", "caseminer.nlp.terminology"),
    ("caseminer_patient", "caseminer.nlp.patient"),
    ("caseminer_context", "caseminer.nlp.context.component"),
)
COMPONENTS: tuple[str, ...] = tuple(name for name, _ in PIPELINE)


def register_factories() -> None:
    """Import every component module so its @Language.factory is registered.

    The same factories are also declared as `spacy_factories` entry points, which is what lets
    `nlp.add_pipe("caseminer_labs")` work in a user's own pipeline without importing caseminer.
    """
    for _, module in PIPELINE:
        importlib.import_module(module)


def build(exclude: Iterable[str] = (), config: dict[str, dict] | None = None) -> Language:
    """A new caseminer Language. `exclude` drops components by name; `config` overrides their
    config, e.g. {"caseminer_labs": {"use_catalogue_ranges": False}}."""
    import caseminer.nlp.tokenizer  # noqa: F401  (registers "caseminer.Tokenizer.v1")

    # before medspaCy is imported (ConText with a global max_scope): it drags NLTK in, unused
    defer_unused_imports()
    register_extensions()
    register_factories()
    excluded = set(exclude)
    unknown = excluded - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown component(s) {sorted(unknown)}; known: {list(COMPONENTS)}")
    # our tokenizer straight from the config, instead of building spaCy's default and replacing it
    tokenizer = {"@tokenizers": "caseminer.Tokenizer.v1"}
    # What is built stays alive: move it out of the collector's way as it is built. Each component
    # adds up to a million small objects (the findings vocabulary), and every automatic full
    # collection later in the build would walk all of them again (0.1 s each) to free nothing;
    # frozen objects are skipped, while the garbage a build makes is still collected. (Turning the
    # collector off instead cost more: the garbage of the larger builds piled up.) Unfrozen at the
    # end, unless the caller had frozen objects itself; caseminer.api freezes the default pipeline
    # for good.
    was_frozen = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        nlp = spacy.blank("en", config={"nlp": {"tokenizer": tokenizer}})
        for name in COMPONENTS:
            if name not in excluded:
                nlp.add_pipe(name, config=(config or {}).get(name, {}))
                gc.freeze()
    finally:
        if not was_frozen:
            gc.unfreeze()
    return nlp
