"""Texts and half-run Docs for the equivalence tests of the fast paths.

Those tests compare a component's fast path with the plain code on many real texts. One place
builds that list (the test's own crafted texts, the repository's reports, and the seed and the
first MACCROBAT dev reports when ../shared is present) and the Doc as the pipeline hands it to a
component.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from paths import MACCROBAT, REPO, SEED
from spacy.language import Language
from spacy.tokens import Doc


def corpus_texts(crafted: Iterable[str], maccrobat: int = 25) -> list[str]:
    """``crafted``, the repository's ``corpora/*.txt`` reports, then the seed and the first
    ``maccrobat`` MACCROBAT dev texts if ../shared is present (without it the tests still see
    real reports)."""
    texts = list(crafted)
    texts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))]
    if SEED.exists():
        texts.append(SEED.read_text(encoding="utf-8"))
    if MACCROBAT.exists():
        with MACCROBAT.open(encoding="utf-8") as fh:
            lines = zip(range(maccrobat), fh, strict=False)
            texts += [json.loads(line)["text"] for _, line in lines]
    return texts


def doc_before(nlp: Language, text: str, component: str) -> Doc:
    """The Doc of ``text`` after every pipeline component that runs before ``component``."""
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        if name == component:
            break
        doc = proc(doc)
    return doc
