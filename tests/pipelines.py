"""Small pipelines for testing one component alone, built the same way in every test file."""

from __future__ import annotations

import spacy
from spacy.language import Language

from caseminer.nlp.extensions import register_extensions
from caseminer.nlp.tokenizer import create_tokenizer


def component_pipeline(*components: str, config: dict[str, dict] | None = None) -> Language:
    """Blank English with caseminer's tokenizer (it splits "mg/dL." from its period), spaCy's
    rule sentencizer, and the named caseminer components in order."""
    register_extensions()
    nlp = spacy.blank("en")
    nlp.tokenizer = create_tokenizer(nlp)
    nlp.add_pipe("sentencizer")
    for name in components:
        nlp.add_pipe(name, config=(config or {}).get(name, {}))
    return nlp
