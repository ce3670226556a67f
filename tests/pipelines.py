"""Small pipelines for testing one component alone, built the same way in every test file."""

from __future__ import annotations

import spacy
from spacy.language import Language

from caseminer.nlp.extensions import register_extensions
from caseminer.nlp.tokenizer import create_tokenizer


def component_pipeline(
    *components: str, config: dict[str, dict] | None = None, tokenizer: str = "caseminer"
) -> Language:
    """Blank English with caseminer's tokenizer (it splits "mg/dL." from its period), spaCy's
    rule sentencizer, and the named caseminer components in order. ``tokenizer="spacy"`` keeps
    spaCy's default tokenizer, for tests whose expected spans were written against it."""
    register_extensions()
    nlp = spacy.blank("en")
    if tokenizer == "caseminer":
        nlp.tokenizer = create_tokenizer(nlp)
    elif tokenizer != "spacy":
        raise ValueError(f"tokenizer must be 'caseminer' or 'spacy', got {tokenizer!r}")
    nlp.add_pipe("sentencizer")
    for name in components:
        nlp.add_pipe(name, config=(config or {}).get(name, {}))
    return nlp


def lab_items(nlp: Language, text: str) -> list[tuple[str, dict]]:
    """(span text, attrs) of every LAB item of `text`, checking the offset contract on each:
    the value span and the analyte span both slice out of the text exactly."""
    from caseminer.nlp.extensions import LAB, get_attrs, items

    doc = nlp(text)
    out = []
    for span in items(doc, LAB):
        attrs = get_attrs(span)
        assert text[span.start_char : span.end_char] == span.text
        a0, a1 = attrs["analyte_start_char"], attrs["analyte_end_char"]
        assert text[a0:a1] == attrs["analyte_text"]
        out.append((span.text, attrs))
    return out


def find_item(doc, mention: str, label: str):
    """The item span of `label` whose whitespace-folded lower-case text is `mention`."""
    from caseminer.nlp.extensions import items

    for span in items(doc, label):
        if " ".join(span.text.lower().split()) == mention:
            assert doc.text[span.start_char : span.end_char] == span.text
            return span
    raise AssertionError(f"{mention!r} not found in {[s.text for s in items(doc)]}")
