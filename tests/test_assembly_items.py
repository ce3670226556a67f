"""The assembly's fast paths against the straightforward code they replace.

``build_items`` keeps its per-document state in locals (sentence windows, key-order caches,
label hashes, validators called directly); ``_reference_items`` below is the plain version: every
item reads its label string, its section, its sentence (``_DocIndex.sentence``), its fields and its
subject afresh and is validated by ``model_validate``. Both must give the same items and the same
warnings, on real reports and on hand-made Docs with the odd cases (items that fail validation,
repeated items, spans outside the categories, no sentence boundaries, unordered sections).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import REPO
from pydantic import ValidationError
from spacy.tokens import Span

from caseminer import schema
from caseminer.assemble import _sections, removal_warnings
from caseminer.assembly_items import (
    _FIELDS,
    _ID_PREFIX,
    _MODELS,
    _assertion_of,
    _DocIndex,
    _is_field,
    _Mapper,
    build_items,
)
from caseminer.nlp.extensions import (
    ASSERTION_KEY,
    ATTRS_KEY,
    FINDING,
    IMAGING,
    LAB,
    SPAN_GROUP,
    add_item,
    register_extensions,
)
from caseminer.readers.source import SourceText
from caseminer.repair import RepairedText, repair
from caseminer.subject import default_rules


def _reference_items(doc, mapper, index, warnings) -> dict[str, list[schema.Item]]:
    """build_items written plainly (what the fast loop must reproduce)."""
    rules = default_rules()
    attrs_store = doc.user_data.get(ATTRS_KEY, {})
    assertion_store = doc.user_data.get(ASSERTION_KEY, {})
    lists: dict[str, list[schema.Item]] = {field: [] for field in _FIELDS.values()}
    rows = sorted(
        ((s.start_char, s.end_char, n, s) for n, s in enumerate(doc.spans.get(SPAN_GROUP, []))),
        key=lambda row: row[:3],
    )
    seen, imaging_ids, studies = set(), {}, []
    for start_char, end_char, _, span in rows:
        label = span.label_
        if label not in _MODELS:
            continue
        sec = index.section(start_char)
        if sec is not None and rules.no_facts(sec["kind"], str(sec.get("title") or "")):
            continue
        key = f"{label} {start_char} {end_char}"
        found = lists[_FIELDS[label]]
        try:
            section = sec["kind"] if sec else "case"
            attrs = attrs_store.get(key, {})
            data = {k: v for k, v in attrs.items() if _is_field(k)}
            if label == IMAGING:
                data["findings"] = [
                    {
                        **mapper.span(f["start_char"], f["end_char"]),
                        "descriptors": f.get("descriptors", []),
                    }
                    for f in attrs.get("findings", [])
                ]
            elif label == LAB and "value_text" not in data:
                data["value_text"] = span.text
            data.setdefault("rule", "unknown")
            start, end = mapper.repaired.to_source(start_char, end_char)
            sentence = index.sentence(span)
            assertion = _assertion_of(assertion_store.get(key), attrs)
            data.update(
                text=mapper.text[start:end],
                start=start,
                end=end,
                page=mapper.page_of(start) if mapper.paged else None,
                boxes=mapper.boxes(start, end) if mapper.boxed else [],
                section=section,
                sentence=sentence,
                assertion=assertion,
                subject=rules.subject(section, sentence, bool(assertion.get("family"))),
                id=f"{_ID_PREFIX[_FIELDS[label]]}{len(found) + 1}",
            )
            if label == FINDING:
                data["study"] = None
            item = _MODELS[label].model_validate(data)
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            warnings.append(f"dropped {label} item {span.text!r}: {str(exc).splitlines()[0]}")
            continue
        if (label, start, end) in seen:
            continue
        seen.add((label, start, end))
        found.append(item)
        if label == IMAGING:
            imaging_ids[(start_char, end_char)] = data["id"]
        elif label == FINDING:
            studies.append((item, (attrs.get("study_start_char"), attrs.get("study_end_char"))))
    for item, where in studies:
        if where in imaging_ids:
            item.study = imaging_ids[where]
    return lists


def _both(doc, repaired: RepairedText, source: SourceText) -> tuple[Any, Any]:
    stores = copy.deepcopy([doc.user_data.get(ATTRS_KEY), doc.user_data.get(ASSERTION_KEY)])
    out = []
    for build in (build_items, _reference_items):
        default_rules()._searched.clear()  # the subject cache must not hide a difference
        warnings: list[str] = []
        lists = build(doc, _Mapper(repaired, source), _DocIndex(doc, repaired.text), warnings)
        out.append(({k: [i.model_dump_json() for i in v] for k, v in lists.items()}, warnings))
    # the stores are read, never changed (an assertion verdict is passed to validation as is)
    assert [doc.user_data.get(ATTRS_KEY), doc.user_data.get(ASSERTION_KEY)] == stores
    return out[0], out[1]


def _corpus_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))]


def test_items_match_the_plain_code_on_the_corpus(nlp):
    texts = _corpus_texts()
    assert texts
    n_items = 0
    for text in texts:
        repaired = repair(text)
        doc = nlp(repaired.text)
        fast, plain = _both(doc, repaired, SourceText(text=text, format="string"))
        assert fast == plain
        n_items += sum(map(len, fast[0].values()))
    assert n_items > 100


def _hand_made(text: str, sentences: bool, sections: list[dict[str, Any]] | None):
    """A blank-English Doc with items written through the extension API, odd ones included."""
    register_extensions()
    nlp = spacy.blank("en")
    doc = nlp(text)
    if sentences:
        for i, token in enumerate(doc):
            token.is_sent_start = i == 0 or doc[i - 1].text == "."
    doc._.sections = sections
    n = len(doc)
    good = {"analyte": "Sodium", "source": "text", "rule": "r"}
    add_item(doc, Span(doc, 0, 2, label=LAB), dict(good, analyte_start_char=0, analyte_end_char=3))
    add_item(doc, Span(doc, 0, 2, label=LAB), dict(good))  # repeated: dropped silently
    add_item(doc, Span(doc, 3, 5, label=LAB), {"analyte": "K", "source": "nowhere"})  # invalid
    add_item(doc, Span(doc, 2, 4, label=FINDING), {"normalized": "x", "_absent": "afebrile"})
    add_item(doc, Span(doc, 2, 4, label="DIAGNOSIS"), {"normalized": "y", "status": "odd"})
    add_item(doc, Span(doc, 5, 7, label=IMAGING), {"modality": "CT", "findings": []})
    add_item(
        doc,
        Span(doc, 6, n, label=FINDING),
        {"normalized": "z", "study_start_char": doc[5].idx, "study_end_char": doc[6].idx + 2},
    )
    add_item(doc, Span(doc, 4, 4, label="PROCEDURE"), {"normalized": "p", "category": "other"})
    doc.spans[SPAN_GROUP].append(Span(doc, 1, 3, label="OTHER"))  # not a category: skipped
    doc.user_data[ASSERTION_KEY] = {
        f"{FINDING} {doc[2].idx} {doc[3].idx + len(doc[3])}": {"negated": False, "cues": ["x"]},
        f"DIAGNOSIS {doc[2].idx} {doc[3].idx + len(doc[3])}": {"family": True, "note": 1},
    }
    return doc


@pytest.mark.parametrize("sentences", [True, False])
@pytest.mark.parametrize(
    "sections",
    [
        None,
        [{"title": "", "kind": "case", "start_char": 0, "end_char": 10**6}],
        [  # unordered and overlapping: the full scan answers
            {"title": "Refs", "kind": "references", "start_char": 30, "end_char": 60},
            {"title": "", "kind": "discussion", "start_char": 0, "end_char": 40},
        ],
    ],
)
def test_items_match_the_plain_code_on_odd_docs(sentences, sections):
    text = "Na 140 he was well . CT showed mass there . It was reported by Smith et al ."
    doc = _hand_made(text, sentences, sections)
    repaired = repair(text)
    assert repaired.text == text
    fast, plain = _both(doc, repaired, SourceText(text=text, format="string"))
    assert fast == plain
    assert any(w.startswith("dropped LAB item") for w in fast[1])  # the invalid one says so


def _plain_subject(section: str, sentence: str, family: bool) -> str:
    """The subject rules with one plain alternation per cue list (subject.json as written)."""
    import json

    data = json.loads((REPO / "caseminer/patterns/findings/subject.json").read_text())

    def found(key: str) -> bool:
        alts = sorted((re.escape(p) for p in data[key]), key=len, reverse=True)
        return re.search(r"\b(?:" + "|".join(alts) + r")\b", sentence, re.IGNORECASE) is not None

    if family:
        return "family"
    if found("patient_cues"):
        return "patient"
    if section in data["literature_sections"]:
        return "literature"
    return "literature" if found("literature_cues") else "patient"


_SENTENCES = [
    "Our patient had fever.",
    "It has been reported in the literature.",
    "Smith et al. described it; she did not.",
    "The heart was normal.",
    "Studies show a rare incidence.",
    "Ske\u212a her",
    "\u017ftudies show",
    "",
]


@settings(max_examples=200, deadline=None)
@given(
    calls=st.lists(
        st.tuples(
            st.sampled_from(["case", "introduction", "discussion", "abstract"]),
            st.one_of(
                st.sampled_from(_SENTENCES),
                st.text(alphabet=st.sampled_from(list("heris tudyOPal.-\u212a")), max_size=30),
            ),
            st.booleans(),
        ),
        max_size=12,
    )
)
def test_subject_with_its_sentence_cache_matches_the_plain_rules(calls):
    """Any order of calls (the cache answers repeated sentences, the literature search is run
    for a sentence only once a call needs it) gives what the plain rules give."""
    rules = default_rules()
    for section, sentence, family in calls + calls[::-1]:
        assert rules.subject(section, sentence, family) == _plain_subject(section, sentence, family)


@settings(max_examples=200, deadline=None)
@given(offsets=st.lists(st.integers(0, 12), max_size=12), n=st.integers(0, 12))
def test_identity_test_is_the_range_comparison(offsets, n):
    from caseminer.repair import RepairedText

    source = "x" * n
    assert RepairedText(source, source, offsets).is_identity() == (offsets == list(range(n + 1)))
    assert RepairedText(source, source, list(range(n + 1))).is_identity()


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab \n-.\u00ad")), max_size=80))
def test_removal_warnings_as_the_count_says(text):
    repaired = repair(text)
    removed, visible = repaired.removed_visible_chars()
    expected = [] if not visible or removed / visible <= 0.02 else None
    got = removal_warnings(repaired)
    assert (got == []) == (expected == [])


def test_sections_are_the_models_the_constructor_builds(nlp, seed_text):
    repaired = repair(seed_text)
    doc = nlp(repaired.text)
    mapper = _Mapper(repaired, SourceText(text=seed_text, format="string"))
    plain = []
    for sec in doc._.sections:
        start, end = repaired.to_source(sec["start_char"], sec["end_char"])
        plain.append(
            schema.Section(title=sec.get("title", ""), kind=sec["kind"], start=start, end=end)
        )
    fast = _sections(doc, mapper)
    assert len(fast) > 1
    assert [s.model_dump_json() for s in fast] == [s.model_dump_json() for s in plain]
    assert [s.model_fields_set for s in fast] == [s.model_fields_set for s in plain]


def _plain_phenotype(items) -> list[schema.PhenotypeTerm]:
    """build_phenotype as first written: a term per code, ``excluded`` set at the end."""
    terms: dict[str, schema.PhenotypeTerm] = {}
    present: dict[str, bool] = {}
    for item in items:
        if item.subject != "patient" or item.assertion.hypothetical or not item.id:
            continue
        for code in getattr(item, "codes", None) or []:
            if code.system != "HPO":
                continue
            term = terms.get(code.code)
            if term is None:
                term = terms[code.code] = schema.PhenotypeTerm(hpo=code.code, label=code.display)
                present[code.code] = False
            if item.id not in term.evidence:
                term.evidence.append(item.id)
            present[code.code] |= not item.assertion.negated or item.assertion.resolved
            break
    for hpo, term in terms.items():
        term.excluded = not present[hpo]
    return list(terms.values())


def test_phenotype_matches_the_plain_code_on_the_corpus(nlp):
    import caseminer
    from caseminer.phenotype import build_phenotype

    n_terms = n_excluded = 0
    for text in _corpus_texts():
        report = caseminer.extract(text, nlp=nlp)
        items = [*report.findings, *report.diagnoses]
        for item in items[::3]:  # vary the flags: negated, resolved, hypothetical, subject
            item.assertion.negated = not item.assertion.negated
        for item in items[::7]:
            item.assertion.resolved = True
        for item in items[::11]:
            item.subject = "literature"
        fast, plain = build_phenotype(items), _plain_phenotype(items)
        assert [t.model_dump_json() for t in fast] == [t.model_dump_json() for t in plain]
        assert [t.model_fields_set for t in fast] == [t.model_fields_set for t in plain]
        n_terms += len(fast)
        n_excluded += sum(t.excluded for t in fast)
    assert n_terms > 20 and 0 < n_excluded < n_terms
