"""Run a pipeline over one text so that a failing component costs its own facts only.

spaCy's ``Language.__call__`` stops at the first component that raises. A report is worth more
with the other components' facts and a warning than with none, so caseminer applies the
components one by one and records a failure on the Doc (``extensions.record_failure``), where the
assembly finds it. This holds for any component in the pipeline, including ones a user adds to
``caseminer.load()``'s Language.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from caseminer.nlp.extensions import record_failure


def run(nlp: Language, text: str) -> Doc:
    """The Doc of ``text`` after every enabled component, failures recorded instead of raised."""
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        try:
            doc = proc(doc)
        except Exception as exc:  # noqa: BLE001 - recorded on the Doc, reported as a warning
            record_failure(doc, name, exc)
    return doc
