"""The token lists the clinical PhraseMatchers are built from, cached on disk for a fast build.

Why: each curated term is added to a PhraseMatcher as spaCy's default rules split it (``_split``)
and, when that differs, as the pipeline's tokenizer splits it; tokenizing the ~4,000 forms was
most of building the component in a fresh process. The token lists depend only on the term texts,
the splitting code and the tokenizer, so they are kept in ``caseminer.nlp.diskcache`` (keyed by
the term texts, this package's code, the tokenizer's rules and code, and spaCy's version) and the
pattern Docs are rebuilt with ``Doc(vocab, words=...)``, several times cheaper than tokenizing.
Only caseminer's own tokenizer is cached (its rules are in the fingerprint); a pipeline with any
other tokenizer tokenizes the terms every time, as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from spacy.tokens import Doc

from caseminer.nlp.clinical.candidate import _split
from caseminer.nlp.clinical.vocab import Term, is_abbreviation

# one term: (matched case-sensitively, the token lists of its forms)
Plan = list[tuple[bool, list[list[str]]]]


def term_plan(terms: Sequence[Term], make_doc: Callable[[str], Doc] | None) -> Plan:
    """For each term in order: whether it is an abbreviation (matched by ORTH, not LOWER) and
    the token lists to add for it: the term and its plural ("cyst" -> "cysts"), each as
    ``_split`` splits it and, when different, as ``make_doc`` does."""

    def variants(text: str) -> list[list[str]]:
        split = _split(text)
        out = [split]
        if make_doc is not None:
            own = [t.text for t in make_doc(text)]
            if own != split:
                out.append(own)
        return out

    plan: Plan = []
    for term in terms:
        abbreviation = is_abbreviation(term.text)
        forms = [term.text]
        if not abbreviation and not term.text.endswith("s"):
            forms.append(term.text + "s")
        plan.append((abbreviation, [words for f in forms for words in variants(f)]))
    return plan


def cached_term_plan(terms: Sequence[Term], make_doc: Callable[[str], Doc] | None) -> Plan:
    """``term_plan`` through the on-disk cache when ``make_doc`` is a pipeline's with
    caseminer's tokenizer; computed in place otherwise."""
    import spacy

    from caseminer.nlp import diskcache, tokenizer
    from caseminer.patterns import PATTERNS_DIR

    nlp = getattr(make_doc, "__self__", None)
    if not isinstance(getattr(nlp, "tokenizer", None), tokenizer.CaseminerTokenizer):
        return term_plan(terms, make_doc)
    here = Path(__file__).parent
    sources = [
        here / "phrases.py",
        here / "candidate.py",
        here / "vocab.py",
        PATTERNS_DIR / "tokenizer" / "tokenizer.json",
        Path(tokenizer.__file__),
    ]
    texts = "\x00".join(t.text for t in terms)
    extra = (
        f"{spacy.__version__}|{getattr(nlp, 'lang', '')}|"
        + hashlib.sha256(texts.encode()).hexdigest()[:16]
    )

    def build() -> list:
        return [[flag, words] for flag, words in term_plan(terms, make_doc)]

    data = diskcache.cached("clinical-terms", sources, build, extra=extra)
    return [(bool(flag), words) for flag, words in data]
