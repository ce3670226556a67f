"""The tokenizer's gated suffix and infix regexes (caseminer/nlp/affix_gates.py) find exactly
what the whole regexes find, on corpus chunks, their affix-stripped pieces and generated text."""

import pickle
import re

import spacy
from corpus import corpus_texts
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.util import compile_infix_regex, compile_suffix_regex

from caseminer.nlp.affix_gates import (
    InfixFinditer,
    MatchGate,
    SuffixSearch,
    edge_leaves,
    required_chars,
)
from caseminer.nlp.regex_tree import sre_parse
from caseminer.nlp.tokenizer import (
    build_infixes,
    build_suffixes,
    create_tokenizer,
    load_vocabulary,
)

SUFFIX = compile_suffix_regex(build_suffixes(load_vocabulary()))
INFIX = compile_infix_regex(build_infixes(load_vocabulary()))
FAST_SUFFIX = SuffixSearch(SUFFIX)
FAST_INFIX = InfixFinditer(INFIX)
URL = spacy.blank("en").Defaults.url_match.__self__
FAST_URL = MatchGate(URL)
CRAFTED = [
    "7.8mg/dL 0.5mg/kg/day 37.5°C 12mmHg 1.5x10^9/L HR:110 (Fig.1) lesions.[19] IIIB. 3–5",
    "patient's CRP↑ e.g. n.v. \u200b2 C-reactive T2-weighted word.Word a,b x-ray 10+ 5$ 3km",
    "http://x.org/a?b=1 www.nejm.org 10.1.2.3 a@b.com user:pw@host.io:8080/p x.y ftp://h.c",
    "end...  … «quoted» “this” 'that' 20%. 100°F. (see [3]). 1-2-3 A:B a<b 3x4 12X5",
]


def _pieces(texts: list[str]) -> list[str]:
    """Every chunk, and the chunk without its first or last 1-3 characters (what the
    tokenizer asks after stripping a prefix or suffix)."""
    out: set[str] = {"", "\n", "a\n", "mg\n", " \n\n"}
    for text in texts:
        for chunk in text.split():
            out.add(chunk)
            for k in range(1, min(4, len(chunk))):
                out.update((chunk[k:], chunk[:-k]))
    return sorted(out)


def _span(match: re.Match[str] | None) -> tuple[int, int] | None:
    return None if match is None else match.span()


def _same(string: str) -> None:
    assert _span(FAST_SUFFIX.search(string)) == _span(SUFFIX.search(string)), string
    fast = [m.span() for m in FAST_INFIX.finditer(string)]
    assert fast == [m.span() for m in INFIX.finditer(string)], string
    assert _span(FAST_URL.match(string)) == _span(URL.match(string)), string


def test_same_matches_on_corpus_chunks():
    pieces = _pieces(corpus_texts(CRAFTED))
    assert len(pieces) > 1000
    for string in pieces:
        _same(string)
    # the gates did skip work: some last characters need no suffix regex, and most chunks
    # hold no character an infix can start at
    assert None in FAST_SUFFIX._by_char.values()
    assert not all(FAST_INFIX._by_char.values())


_ALPHABET = "aZx.,-–:=()[]'\"°%/+*×…0123456789 mgdLsSCF\u200b↑\n"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=14))
def test_same_matches_on_generated_strings(string):
    _same(string)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))
def test_same_matches_on_any_characters(string):
    _same(string)


def test_edge_leaves_of_a_pattern():
    items = sre_parse.parse(r"(?<=[0-9])(?:mg|g)x?$")
    leaves, bound = edge_leaves(items, last=True)
    assert bound and len(leaves) == 3  # "x", or the last letter of either unit
    leaves, bound = edge_leaves(sre_parse.parse(r"(?=[0-9])(?<=\.)"))
    assert bound and len(leaves) == 1  # the lookahead's digit
    assert edge_leaves(sre_parse.parse(r"a*"))[1] is False  # may be empty


def test_an_alternative_that_need_not_end_the_string_is_always_tried():
    regex = re.compile(r"ab|c$")  # "ab" can end anywhere
    fast = SuffixSearch(regex)
    for string in ("xab", "abz", "zc", "zz", "abc"):
        assert _span(fast.search(string)) == _span(regex.search(string))


def test_tokenizer_pickles_and_serialises_with_the_gates():
    nlp = spacy.blank("en")
    tok = create_tokenizer(nlp)
    text = "CRP 7.8mg/dL (Fig.1), T2-weighted x-ray."
    expected = [t.text for t in tok(text)]
    assert [t.text for t in pickle.loads(pickle.dumps(tok))(text)] == expected
    assert tok.suffix_search.__self__.pattern == SUFFIX.pattern
    other = create_tokenizer(spacy.blank("en")).from_bytes(tok.to_bytes())
    assert [t.text for t in other(text)] == expected


def test_required_characters():
    assert FAST_URL._needed == (".",)  # every URL spaCy matches has a dot
    assert required_chars(sre_parse.parse(r"a?(?:b|cd)+")) == frozenset("bc")
    assert required_chars(sre_parse.parse(r"a*|b")) is None
    assert MatchGate(re.compile(r"(?i)x\.y"))._needed == ()  # case-insensitive: no gate
