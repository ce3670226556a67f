"""caseminer_clinical, round 5 (speed): the per-document DocView, the string-id word tests, the
first-word filter of the attribute lists, the procedure-code literal filter and the cached term
token lists must give exactly what the plain per-token and per-rule code gave."""

from __future__ import annotations

import re

import pytest
import srsly
from pipelines import component_pipeline
from spacy.tokens import Doc

import caseminer.nlp.clinical.component  # noqa: F401  (registers the factory)
from caseminer.nlp.clinical.attrs import AttributeReader, NamedForms, _phrase_regex
from caseminer.nlp.clinical.codes import ProcedureCoder, required_literals
from caseminer.nlp.clinical.match import ClinicalMatcher, _lower_ids
from caseminer.nlp.clinical.phrases import cached_term_plan, term_plan
from caseminer.nlp.clinical.view import DocView, norm_text
from caseminer.nlp.clinical.vocab import PATTERN_DIR, load_vocab

TEXT = (
    "Emergent right total hip replacement was done.\n\nNo history of tuberculosis; she had "
    "a laparoscopic cholecystectomy (LC) in 2010 - and a two-stage revision of the left knee.\n"
    "The  CT-guided  biopsy of the right kidney showed Gaucher disease, and LC was uneventful."
)


@pytest.fixture(scope="module")
def nlp():
    return component_pipeline()


def test_doc_view_matches_the_token_api(nlp):
    doc = nlp(TEXT)
    view = DocView(doc)
    assert view.text == doc.text
    assert view.spaces == frozenset(t.i for t in doc if t.is_space)
    assert view.punct == frozenset(t.i for t in doc if t.is_punct)
    # the widening's eponym test, asked of a Token before
    assert view.proper == frozenset(
        t.i for t in doc if t.is_title and not t.is_stop and not t.is_sent_start
    )
    assert view.lower_list == [t.lower for t in doc]
    for t in doc:
        assert view.token_text(t.i) == t.text
        assert view.sent_start(t.i) == t.sent.start
        assert view.sent_end(t.i) == t.sent.end
        if t.i + 1 < len(doc):  # "no white space after" is "the next token starts here"
            assert (view.ends[t.i] == view.idx[t.i + 1]) == (t.whitespace_ == "")
    for start in range(len(doc)):
        for end in range(start + 1, min(len(doc), start + 6) + 1):
            assert view.span_text(start, end) == doc[start:end].text
    assert DocView(nlp("")).span_text(0, 0) == ""
    for start in range(len(doc)):  # memoised norms are the norms
        assert view.norm(start, start + 1) == norm_text(doc[start : start + 1].text)
        assert view.norm(start, start + 1) == norm_text(doc[start : start + 1].text)


@pytest.mark.parametrize(
    "text",
    ["Total  Hip\nReplacement", " a - b ", "x –y", "salpingo-\noophorectomy", "A\u00a0B", ""],
)
def test_norm_text_is_the_two_substitutions(text):
    slow = re.sub(r"\s*([\-–])\s*", r"\1", re.sub(r"\s+", " ", text.lower())).strip()
    assert norm_text(text) == slow


def test_positions_are_the_tokens_with_those_ids(nlp):
    doc = nlp(TEXT)
    view = DocView(doc)
    ids = sorted({doc.vocab.strings[w] for w in ("lc", "the", "of", "absent")})
    import numpy

    wanted = numpy.array(ids, dtype=numpy.uint64)
    assert view.positions(view.lower, wanted) == [t.i for t in doc if t.lower in set(ids)]


def test_named_forms_try_exactly_the_lists_that_match():
    forms = {
        "hip": ["hip"],
        "two-stage": ["two-stage", "two stage", "2-stage"],
        "core needle": ["core needle", "core-needle"],
        "odd": ["-x", "(y)"],  # no first word: always tried
    }
    named = NamedForms(forms)
    texts = ["a two stage hip", "2-stage", "core-needle biopsy", "hips", "-x", "(y) and 2-stages"]
    for text in texts:
        slow = [(n, m.span()) for n in forms if (m := _phrase_regex(forms[n]).search(text))]
        assert [(n, m.span()) for n, m in named.matches(text)] == slow, text


def test_procedure_codes_are_the_first_matching_rule():
    table = srsly.read_json(PATTERN_DIR / "procedure_codes.json")
    coder = ProcedureCoder(table)
    rules = [(re.compile(r["match"], re.I), r["code"]) for r in table["rules"]]
    names = [
        row[key].lower() if key == "normalized" else syn.lower()
        for row in srsly.read_jsonl(PATTERN_DIR / "procedures.jsonl")
        for key, syn in [("normalized", None), *(("synonym", s) for s in row.get("synonyms", []))]
    ]
    names += ["surgery", "PTCA with stenting", "extraction of a stone", "ſtent", "dıalysis", ""]
    for name in names:
        slow = next((code for rx, code in rules if name and rx.search(name)), None)
        got = coder.codes(name)
        assert (got[0]["code"] if got else None) == slow, name


def test_required_literals_are_in_every_match():
    assert required_literals("ectomy\\b|\\bresection", re.I) == {"ectomy", "resection"}
    # the parser reads "stent" as the shared start of both words
    assert required_literals("(?:stent|stenting)s?") == {"stent"}
    assert required_literals("(?:ablation|lysis)\\b") == {"ablation", "lysis"}
    assert required_literals("a?b*") is None  # nothing every match contains
    assert required_literals("x(?:y|)z") in ({"x"}, {"z"})


def test_cached_term_plan_is_the_plan(nlp):
    terms = load_vocab().terms
    assert cached_term_plan(terms, nlp.make_doc) == term_plan(terms, nlp.make_doc)


def test_id_patterns_are_the_ids_of_docs_of_those_words(nlp):
    lower_id = _lower_ids(nlp.vocab)
    words = ["Hip", "replacement", "Crohn", "'s", "x-ray", "NEWWORDXYZ", "é"]
    assert [lower_id(w) for w in words] == [t.lower for t in Doc(nlp.vocab, words=words)]


def test_matcher_finds_hyphenated_terms_with_either_tokenizer():
    """Patterns added as id tuples match as the Docs they replace did, whichever tokenizer
    split the term (spaCy's splits the hyphen off, caseminer's keeps the word whole)."""
    text = "She had a salpingo-oophorectomy and a cholecystectomy."
    for pipeline in (component_pipeline(tokenizer="spacy"), component_pipeline()):
        matcher = ClinicalMatcher(pipeline.vocab, load_vocab(), True, pipeline.make_doc)
        doc = pipeline(text)
        found = {doc[c.start : c.end].text for c in matcher.vocab_candidates(doc)}
        assert {"salpingo-oophorectomy", "cholecystectomy"} <= found, found


def test_reader_reads_the_window(nlp):
    doc = nlp("She underwent an emergent right total hip replacement of the left knee.")
    reader = AttributeReader(load_vocab())
    matcher = ClinicalMatcher(nlp.vocab, load_vocab(), True, nlp.make_doc)
    view = DocView(doc)
    cand = next(c for c in matcher(doc, view) if "replacement" in view.span_text(c.start, c.end))
    window = reader.window(view, cand, 4)
    assert window.endswith(view.span_text(cand.start, cand.end).lower())
    assert "emergent" in window  # up to four words before the mention
    assert reader.laterality(window, reader.after_of(view, cand)) == "bilateral"


@pytest.mark.parametrize(
    "text",
    [
        "No history of tuberculosis was reported.",
        "NO FAMILY HISTORY OF diabetes mellitus.",
        "Patient denied any prior history for hypertension; but had asthma.",
        "Café owner, no history of sarcoidosis.",  # not ASCII: every cue is searched
        "Past history was unremarkable for lymphoma.",
        "She had pneumonia.",
    ],
)
def test_negated_history_cue_is_the_plain_search(nlp, text):
    matcher = ClinicalMatcher(nlp.vocab, load_vocab(), True, nlp.make_doc)
    doc = nlp(text)
    view = DocView(doc)
    for cand in matcher(doc, view):
        cand.negated_cue = None
        before = text[doc[cand.start].sent.start_char : doc[cand.start].idx]
        found = [m for rx in matcher.negated_history for m in rx.finditer(before)]
        expected = None
        if cand.label == "DIAGNOSIS" and found:
            last = max(found, key=lambda m: m.end())
            if not re.search(
                r"[;:]|\b(?:but|however|although|though|whereas|except)\b",
                before[last.end() :],
                re.I,
            ):
                expected = last.group().strip()
        assert matcher.negated_history_cue(view, cand) == expected, (text, cand)
