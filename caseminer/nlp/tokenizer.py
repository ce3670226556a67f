"""caseminer's tokenizer: scispaCy's biomedical rules plus the splits lab and imaging parsing need.

scispaCy's ``combined_rule_tokenizer`` already keeps "T2-weighted", "C-reactive" and "IL-6" whole
and splits "<0.5" and "[12]". On case reports it still glues a number to its unit ("7.8mg/dL"),
keeps "Fig.1" whole, splits "10^9/L" at the caret, keeps an en-dash range "3–5" whole and does not
separate invisible characters (zero-width spaces from PDF extraction). The rules below fix exactly
that; the vocabularies they use (units, dotted abbreviations, invisible characters) live in
``caseminer/patterns/tokenizer/tokenizer.json``.

Only regular expressions compiled once feed spaCy's C tokenizer, so speed stays close to spaCy's
default English tokenizer. The tokenizer also keeps the input string on the Doc (``doc_text``):
spaCy's ``doc.text`` rebuilds it from every token on each call (about 1.5 ms on a case report),
and several components need it.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import spacy
from scispacy.custom_tokenizer import combined_rule_prefixes
from spacy.attrs import LENGTH
from spacy.lang import char_classes
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from caseminer.nlp.affix_gates import InfixFinditer, MatchGate, SuffixSearch
from caseminer.patterns import PATTERNS_DIR

# Package data lives beside the code (caseminer/patterns/), found relative to this file so it
# works from a checkout, an editable install and a wheel alike.

# Hyphens without the plain "-": "C-reactive" and "T2-weighted" must stay one token.
_HYPHENS = char_classes.HYPHENS.replace("-|", "", 1)
_QUOTES = char_classes.LIST_QUOTES + ["’"]


@lru_cache(maxsize=1)
def load_vocabulary() -> dict[str, Any]:
    """The tokenizer vocabulary (units, dotted abbreviations, invisible characters)."""
    path = PATTERNS_DIR / "tokenizer" / "tokenizer.json"
    return json.loads(path.read_text(encoding="utf-8"))


def no_split_abbreviations() -> frozenset[str]:
    """Dotted abbreviations after which a period never ends a sentence ("Fig.", "e.g.")."""
    return frozenset(load_vocabulary()["prefix_abbreviations"])


def _alternation(words: list[str]) -> str:
    """A regex alternation of literal words, longest first so the longest unit wins."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _invisible_class(vocab: dict[str, Any]) -> str:
    return "[" + "".join(re.escape(c) for c in vocab["zero_width"]) + "]"


def _after_abbreviation(vocab: dict[str, Any]) -> str:
    """Zero-width position right after a prefix abbreviation ("Fig." in "Fig.1"): one fixed-width
    lookbehind per abbreviation, since Python's re has no variable-width lookbehind. Callers put
    cheap checks (a digit ahead, a period behind) first so these run only where they can match."""
    return "(?:" + "|".join(f"(?<={re.escape(a)})" for a in vocab["prefix_abbreviations"]) + ")"


def build_prefixes(vocab: dict[str, Any]) -> list[str]:
    """Prefixes: comparators first (">=" before ">"), invisible characters, a multiplication
    sign before a number ("x10(9)/L"), then scispaCy's prefixes."""
    return [
        _invisible_class(vocab),
        r"(?:>=|<=|=>|=<|≥|≤|±)",
        r"[x×](?=10[\^(0-9])",
    ] + combined_rule_prefixes()


def build_infixes(vocab: dict[str, Any]) -> list[str]:
    """Infixes: scispaCy's, minus the digit-caret split (so "10^9/L" stays one unit token), plus
    en/em-dash ranges ("3–5"), a split after an abbreviation glued to a digit ("Fig.1"), a period
    glued to an opening bracket ("lesions.[19]"), a glued times sign ("1.5x10^9/L"), a label
    glued to its value ("HR:110") and invisible characters anywhere."""
    al, au, a = char_classes.ALPHA_LOWER, char_classes.ALPHA_UPPER, char_classes.ALPHA
    return (
        char_classes.LIST_ELLIPSES
        + char_classes.LIST_ICONS
        + [
            _invisible_class(vocab),
            r"×",
            r"(?<=[0-9])[xX](?=[0-9])",
            rf"(?<=[{a}+])[:=](?=[0-9])",
            r"(?<=[0-9])[+\-\*–—](?=[0-9-])",
            r"(?=[0-9])(?<=\.)" + _after_abbreviation(vocab),
            rf"(?<=[{a}])\.(?=[\[(])|(?<=[{a}]\.)[\[(]",
            rf"(?<=[{al}])\.(?=[{au}])",
            rf"(?<=[{a}]),(?=[{a}])",
            rf'(?<=[{a}])[?";:=,.]*(?:{_HYPHENS})(?=[{a}])',
            rf'(?<=[{a}"])[:<>=](?=[{a}])',
        ]
    )


def build_suffixes(vocab: dict[str, Any]) -> list[str]:
    """Suffixes: invisible characters, a unit glued to a number ("7.8mg/dL" -> "mg/dL"),
    then scispaCy's suffixes plus a period after a capital letter ("IIIB.")."""
    units = _alternation(vocab["units"])
    denominators = _alternation(vocab["unit_denominators"])
    suffix_punct = char_classes.PUNCT.replace("|", " ")
    return (
        [
            _invisible_class(vocab),
            rf"(?<=[0-9])(?:{units})(?:/(?:{denominators})){{0,2}}",
            r"°[CFcf]",
        ]
        + char_classes.split_chars(suffix_punct)
        + char_classes.LIST_ELLIPSES
        + _QUOTES
        + char_classes.LIST_ICONS
        + ["'s", "'S", "’s", "’S"]
        + [
            r"(?<=[0-9])\+",
            r"(?<=°[FfCcKk])\.",
            rf"(?<=[0-9])(?:{char_classes.CURRENCY})",
            rf"(?<=[0-9])(?:{char_classes.UNITS})",
            r"(?<=[0-9{}{}(?:{})])\.".format(
                char_classes.ALPHA_LOWER, r"%²\-\)\]\+", "|".join(_QUOTES)
            ),
            rf"(?<=[{char_classes.ALPHA_UPPER}0-9])\.",
        ]
    )


# Where the tokenizer keeps the text a Doc was made from (see ``doc_text``).
TEXT_KEY = "caseminer.text"


class CaseminerTokenizer(Tokenizer):
    """spaCy's Tokenizer that also stores its input string in ``doc.user_data[TEXT_KEY]`` and
    teaches spaCy's chunk cache the chunks it has not seen.

    Why the teaching: spaCy keeps the tokens of every whitespace-separated chunk in a cache, but
    within one text it stops saving chunks as soon as any chunk has hit a special case ("Dr.",
    "e.g.", "'s": its ``has_special`` flag is set once per text, not per chunk). In a case report
    that is early, so about a third of the chunks were split by the affix rules again in every
    document. A chunk's tokens never depend on its neighbours, so tokenizing each new chunk on
    its own saves it, and later texts find it in the cache: over benchmark texts it has seen
    before the tokenizer then costs about an eighth of what it did; on texts it has not seen,
    about what spaCy's default English tokenizer costs (teaching comes first, see ``__call__``).
    The set of chunks taught is bounded (emptied at ``TAUGHT_MAX``; a chunk taught again is a
    cache hit). If spaCy flushes its cache (new special cases or affix rules), chunks already
    taught are simply tokenized as before.
    """

    TAUGHT_MAX = 1_000_000

    def __call__(self, text: str) -> Doc:
        # Taught first, so the whole text then finds its new chunks in the cache: each new chunk
        # is split by the affix rules once, not once in the text and again alone (on texts the
        # process has not seen, a quarter of the tokenizer's time).
        self._teach(text)
        doc = super().__call__(text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def _teach(self, text: str) -> None:
        """Tokenize, one by one, the chunks of ``text`` not taught before (see the class)."""
        taught = self.__dict__.get("_taught")
        if taught is None:  # set lazily: spaCy rebuilds tokenizers through __init__ (pickling)
            taught = self.__dict__["_taught"] = set()
        new = set(text.split()).difference(taught)
        if not new:
            return
        if len(taught) + len(new) > self.TAUGHT_MAX:
            taught.clear()
        taught.update(new)
        tokenize = super().__call__
        # Chunks of ASCII letters ("hyperparathyroidism"), or of letters and one closing mark
        # ("patient,"), where neither the chunk nor its letters are a special case, are taught
        # together in one text per kind (one Doc, not one each: about 70% of new chunks).
        # The text saves each of its chunks unless a special case was hit on the way (spaCy
        # then stops saving for the rest of the text). Tokens exactly as expected, the letters
        # (and the mark), mean that only the chunk and its letters were ever looked up as
        # special cases, and neither is one; any other tokens, and the chunks are taught one
        # by one as the others are.
        for group, expected in self._together(new):
            if len(group) > 1 and _lengths(tokenize(" ".join(group))) == expected:
                new.difference_update(group)
        for chunk in new:
            tokenize(chunk)

    def _together(self, chunks: set[str]) -> list[tuple[list[str], list[int]]]:
        """The chunks ``_teach`` teaches together, per kind, with the token lengths their
        text must give (see ``_teach``)."""
        rules = self.rules
        words: list[str] = []
        marked: list[str] = []
        for chunk in chunks:
            if chunk in rules or not chunk.isascii():
                continue
            if chunk.isalpha():
                words.append(chunk)
            elif chunk[-1] in _CLOSING_MARKS and chunk[:-1].isalpha() and chunk[:-1] not in rules:
                marked.append(chunk)
        return [
            (words, [len(w) for w in words]),
            (marked, [n for w in marked for n in (len(w) - 1, 1)]),
        ]


# a mark after a word that the suffix rules always split off ("patient," -> "patient" ",")
_CLOSING_MARKS = frozenset(",.;:)")


def _lengths(doc: Doc) -> list[int]:
    """The length of each token of ``doc``."""
    return doc.to_array(LENGTH).tolist()


def doc_text(doc: Doc) -> str:
    """``doc.text`` without rebuilding it: the string our tokenizer stored, when it still lines
    up with the Doc's last token; otherwise ``doc.text``."""
    text = doc.user_data.get(TEXT_KEY)
    if isinstance(text, str) and len(doc):
        last = doc[-1]
        end = last.idx + len(last.text)
        if len(text) == end + len(last.whitespace_) and text[last.idx : end] == last.text:
            return text
    elif isinstance(text, str) and text == "":
        return text
    return doc.text


# A dotted abbreviation such as "e.g.", "n.v." or "b.i.d." is one token wherever it stands.
_DOTTED = re.compile(r"^(?:[A-Za-z]\.){2,}$")


def create_tokenizer(nlp: Language) -> CaseminerTokenizer:
    """A Tokenizer for ``nlp`` with caseminer's biomedical rules (see the module docstring)."""
    vocab = load_vocabulary()
    exceptions = dict(nlp.Defaults.tokenizer_exceptions)
    for abbreviation in vocab["abbreviations"]:
        exceptions[abbreviation] = [{ORTH: abbreviation}]
    return CaseminerTokenizer(
        nlp.vocab,
        exceptions,
        prefix_search=compile_prefix_regex(build_prefixes(vocab)).search,
        # the same regexes, run with only the alternatives that can match (affix_gates.py)
        suffix_search=SuffixSearch(compile_suffix_regex(build_suffixes(vocab))).search,
        infix_finditer=InfixFinditer(compile_infix_regex(build_infixes(vocab))).finditer,
        token_match=_DOTTED.match,
        # From Defaults, not nlp.tokenizer: a config builds this before nlp has a tokenizer.
        url_match=_gated_match(nlp.Defaults.url_match),
    )


def _gated_match(match: Any) -> Any:
    """A compiled regex's ``match`` behind its ``MatchGate``; anything else as it is."""
    regex = getattr(match, "__self__", None)
    return MatchGate(regex).match if isinstance(regex, re.Pattern) else match


@spacy.registry.tokenizers("caseminer.Tokenizer.v1")
def make_tokenizer_factory():
    """Config hook: ``[nlp.tokenizer] @tokenizers = "caseminer.Tokenizer.v1"``."""

    def tokenizer_factory(nlp: Language) -> Tokenizer:
        return create_tokenizer(nlp)

    return tokenizer_factory
