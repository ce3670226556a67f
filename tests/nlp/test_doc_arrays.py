"""The shared token table (``caseminer.nlp.doc_arrays``) and the bulk item writer
(``extensions.add_items``): every reader of the table gives what its own ``doc.to_array`` gave
(the plain readers are kept here, as they were), on corpus texts and generated Docs, with and
without sentence starts; the table is refused once the Doc changes; ``add_items`` leaves the
Doc as ``add_item`` calls do."""

from __future__ import annotations

import gc
import re

import numpy
import pytest
from corpus import corpus_texts, doc_before
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.attrs import (
    IDX,
    IS_PUNCT,
    IS_SPACE,
    IS_STOP,
    IS_TITLE,
    LENGTH,
    LOWER,
    ORTH,
    SENT_START,
)
from spacy.tokens import Doc, Span

from caseminer.assembly_items import _DocIndex
from caseminer.nlp import doc_arrays
from caseminer.nlp.clinical.candidate import space_tokens
from caseminer.nlp.clinical.view import DocView
from caseminer.nlp.context.graph import sentence_starts
from caseminer.nlp.context.matcher import ARRAY_COLUMNS, CueMatcher
from caseminer.nlp.context.scope import lower_hashes
from caseminer.nlp.doc_arrays import COLUMNS, TokenTable, token_table
from caseminer.nlp.extensions import (
    ATTRS_KEY,
    DIAGNOSIS,
    LAB,
    SPAN_GROUP,
    add_item,
    add_items,
)
from caseminer.nlp.findings.component import _SentenceIndex
from caseminer.nlp.imaging.component import _FALLBACK_SENT, sentence_bounds
from caseminer.nlp.labs.component import _sentence_bounds
from caseminer.nlp.tokenizer import doc_text

CRAFTED = [
    "",
    "x",
    "Hb 9.1 g/dL. CT of the chest (CT) was normal.\n\nNo fever.",
    "  \n  leading space. Then Fig. 2 shows (e.g. MRI) a mass.",
]


# -- the readers as they were, each with its own to_array ----------------------------------------
def plain_labs(doc: Doc) -> list[int]:
    arr = doc.to_array([SENT_START, IDX])
    flags, idx = arr[:, 0], arr[:, 1]
    if len(doc) <= 1 or "sents" in doc.user_hooks or flags[1:].any():
        starts = idx[flags == 1].tolist()
        return starts if starts and starts[0] == 0 else [0, *starts]
    starts = [0]
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z(\[])|\n\s*\n", doc_text(doc)):
        starts.append(m.end())
    return starts


def plain_imaging(doc: Doc) -> list[tuple[int, int]]:
    if doc.has_annotation("SENT_START"):
        if "sents" in doc.user_hooks or not len(doc):
            return [(s.start_char, s.end_char) for s in doc.sents]
        arr = doc.to_array([SENT_START, IDX, LENGTH])
        is_start = arr[:, 0] == 1
        is_start[0] = True
        starts = numpy.flatnonzero(is_start)
        ends = arr[:, 1] + arr[:, 2]
        first_char = arr[starts, 1].tolist()
        last_char = ends[starts[1:] - 1].tolist()
        last_char.append(int(ends[-1]))
        return list(zip(first_char, last_char, strict=True))
    bounds, start, text = [], 0, doc_text(doc)
    for m in _FALLBACK_SENT.finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds


def plain_findings(doc: Doc) -> list[int]:
    starts = [0]
    if len(doc):
        rows = doc.to_array([IDX, SENT_START])
        starts = rows[rows[:, 1] == 1, 0].tolist() or [0]
    return starts


def plain_view(doc: Doc) -> dict:
    cols = [LOWER, ORTH, IDX, LENGTH, IS_SPACE, SENT_START, IS_PUNCT, IS_TITLE, IS_STOP]
    out: dict = {"has_sents": doc.has_annotation("SENT_START")}
    if len(doc):
        arr = doc.to_array(cols)
        idx = arr[:, 2].astype(numpy.int64)
        starts = (arr[:, 5].astype(numpy.int64) == 1).nonzero()[0].tolist()
        proper = (arr[:, 7] != 0) & (arr[:, 8] == 0) & (arr[:, 5].astype(numpy.int64) != 1)
        out.update(
            lower=arr[:, 0].tolist(),
            orth=arr[:, 1].tolist(),
            idx=idx.tolist(),
            ends=(idx + arr[:, 3].astype(numpy.int64)).tolist(),
            space_list=arr[:, 4].nonzero()[0].tolist(),
            punct=frozenset(arr[:, 6].nonzero()[0].tolist()),
            proper=frozenset(proper.nonzero()[0].tolist()),
        )
    else:
        starts = []
        out.update(lower=[], orth=[], idx=[], ends=[], space_list=[])
        out.update(punct=frozenset(), proper=frozenset())
    out["starts"] = starts if starts[:1] == [0] else [0, *starts]
    return out


def plain_index(doc: Doc) -> tuple:
    if len(doc) and doc.has_annotation("SENT_START"):
        arr = doc.to_array([IDX, SENT_START])
        starts = numpy.flatnonzero(arr[:, 1] == 1)
        return starts.tolist(), arr[starts, 0].tolist(), int(arr[0, 0])
    return None, [], 0


def check_readers(doc: Doc) -> None:
    """Every reader of the table against its plain version, on ``doc`` as it is now."""
    assert _sentence_bounds(doc) == plain_labs(doc)
    assert sentence_bounds(doc) == plain_imaging(doc)
    assert _SentenceIndex(doc, doc_text(doc)).starts == plain_findings(doc)
    view, plain = DocView(doc), plain_view(doc)
    assert view.lower.tolist() == plain["lower"] and view.orth.tolist() == plain["orth"]
    assert view.lower_list == plain["lower"]
    for name in ("idx", "ends", "space_list", "punct", "proper", "has_sents"):
        assert getattr(view, name) == plain[name], name
    assert view.spaces == frozenset(plain["space_list"])
    assert view._starts == plain["starts"]
    lower, arr = CueMatcher.arrays(None, doc)  # (reads no matcher state)
    assert lower == doc.to_array(LOWER).tolist()
    assert numpy.array_equal(arr, doc.to_array(ARRAY_COLUMNS))
    assert lower_hashes(doc) == lower
    assert space_tokens(doc) == frozenset(t.i for t in doc if t.is_space)
    if doc.has_annotation("SENT_START"):
        column = doc.to_array("SENT_START")
        starts = (column == 1).nonzero()[0].tolist()
        assert sentence_starts(doc) == (starts if starts[:1] == [0] else [0, *starts])
    index = _DocIndex(doc, doc_text(doc))
    assert (index.sent_starts, index.sent_chars, index.first_char) == plain_index(doc)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return corpus_texts(CRAFTED, maccrobat=15)


def test_readers_agree_on_corpus_texts(nlp, texts):
    for text in texts:
        check_readers(nlp.make_doc(text))  # no sentence starts: each reader's own fallback
        check_readers(doc_before(nlp, text, "caseminer_sections"))  # right after the sentences
        doc = nlp(text)
        check_readers(doc)
        # nothing in the pipeline changed a list the table handed out
        table = token_table(doc)
        fresh = TokenTable(doc.to_array(list(COLUMNS)))
        for name in ("idx", "ends", "lengths", "lower", "spaces", "starts", "starts0"):
            assert getattr(table, name) == getattr(fresh, name), name
        assert table.start_chars == fresh.start_chars


def test_readers_agree_with_a_sents_hook_and_token_zero_unflagged(nlp):
    doc = nlp.make_doc("One. Two three. Four")
    doc.user_hooks["sents"] = lambda d: iter([d[0:2], d[2:]])
    check_readers(doc)
    # a Doc whose first token carries no flag while later ones do
    doc = Doc(nlp.vocab, words=["a", "b", "c", "d"], sent_starts=[None, True, False, True])
    assert doc.to_array(SENT_START).tolist()[0] == 0
    check_readers(doc)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "B", ".", "(", ")", "x1", "Mg", "\n", "\n\n", "the", "  "]),
            st.booleans(),
            st.sampled_from([None, True, False]),
        ),
        max_size=12,
    )
)
def test_readers_agree_on_generated_docs(nlp, tokens):
    words = [w for w, _, _ in tokens]
    spaces = [s for _, s, _ in tokens]
    starts = [f for _, _, f in tokens]
    check_readers(Doc(nlp.vocab, words=words, spaces=spaces, sent_starts=starts))
    check_readers(Doc(nlp.vocab, words=words, spaces=spaces))


def test_any_start_is_a_slice_test(nlp):
    doc = Doc(nlp.vocab, words=list("abcdefg"), sent_starts=[True, None, True, False, 1, 0, 1])
    flags = doc.to_array(SENT_START).tolist()
    table = token_table(doc)
    for lo in range(-1, 9):
        for hi in range(-1, 9):
            assert table.any_start(lo, hi) == (1 in flags[max(lo, 0) : max(hi, 0)]), (lo, hi)


# -- staleness -----------------------------------------------------------------------------------
def test_the_table_is_kept_for_the_same_unchanged_doc(nlp):
    doc = nlp("Hb was 9 g/dL. CT showed a mass.")
    assert token_table(doc) is token_table(doc)
    table = token_table(doc)
    assert not table.array.flags.writeable
    with pytest.raises(ValueError):
        table.array[0, 0] = 1


def test_the_table_is_refused_after_sentence_starts_change(nlp):
    doc = nlp("Hb was 9 g/dL and CT showed a mass and the patient went home")
    before = token_table(doc)
    assert before.starts0 == [0]
    doc[5].is_sent_start = True
    after = token_table(doc)
    assert after is not before and after.starts0 == [0, 5]
    check_readers(doc)


def test_the_table_is_refused_after_retokenizing(nlp):
    doc = nlp("Hb was 9 g/dL. CT showed a mass.")
    before = token_table(doc)
    with doc.retokenize() as retokenizer:
        retokenizer.merge(doc[0:2])
    assert token_table(doc) is not before
    check_readers(doc)
    # the same length after a merge and a split: the ORTH column tells
    doc = nlp.make_doc("ab cd ef")
    before = token_table(doc)
    with doc.retokenize() as retokenizer:
        retokenizer.merge(doc[0:2])
        retokenizer.split(doc[2], ["e", "f"], heads=[(doc[2], 0), (doc[2], 0)])
    assert len(doc) == len(before.idx) and token_table(doc) is not before
    check_readers(doc)


def test_the_table_is_refused_for_another_doc(nlp):
    doc = nlp("CT showed a mass.")
    table = token_table(doc)
    assert token_table(doc.copy()) is not table  # the same columns, another Doc
    assert token_table(nlp("CT showed a mass.")) is not table
    ref = doc_arrays._SLOT[0]
    del doc
    gc.collect()
    assert ref() is None  # the table does not keep its Doc alive


def test_the_doc_still_serialises(nlp):
    doc = nlp("Hb was 9 g/dL. CT showed a mass (CT).")
    token_table(doc)
    copy = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert [t.text for t in copy] == [t.text for t in doc]
    assert not any("doc_arrays" in str(k) for k in doc.user_data)


# -- add_items -----------------------------------------------------------------------------------
def _state(doc: Doc) -> tuple:
    group = doc.spans.get(SPAN_GROUP)
    spans = None if group is None else [(s.start, s.end, s.label_) for s in group]
    return spans, doc.user_data.get(ATTRS_KEY)


def test_add_items_leaves_the_doc_as_add_item_does(nlp):
    text = "Hb was 9 g/dL and K 4.1 mmol/L, Na 140."
    one, many = nlp.make_doc(text), nlp.make_doc(text)
    rows = [((0, 1), {"a": 1}), ((2, 5), {"b": 2}), ((0, 1), {"a": 3}), ((6, 9), {})]
    for (s, e), attrs in rows:
        add_item(one, Span(one, s, e, label=LAB), attrs)
    label = many.vocab.strings.add(LAB)
    added = add_items(many, LAB, ((Span(many, s, e, label=label), a) for (s, e), a in rows))
    assert _state(one) == _state(many)
    assert [(s.start, s.end) for s in added] == [r[0] for r in rows]
    # appended after what the group holds, as add_item appends
    add_item(one, Span(one, 1, 2, label=DIAGNOSIS), {})
    add_items(many, DIAGNOSIS, [(Span(many, 1, 2, label=DIAGNOSIS), {})])
    assert _state(one) == _state(many)


def test_add_items_writes_each_item_as_it_comes(nlp):
    doc = nlp.make_doc("Hb was 9 g/dL and K 4.1 mmol/L.")

    def rows():
        yield Span(doc, 0, 1, label=LAB), {"n": 1}
        assert len(doc.spans[SPAN_GROUP]) == 1  # already written
        raise RuntimeError("half-way")

    with pytest.raises(RuntimeError):
        add_items(doc, LAB, rows())
    assert _state(doc) == ([(0, 1, LAB)], {"LAB 0 2": {"n": 1}})


def test_add_items_without_items_leaves_no_group(nlp):
    doc = nlp.make_doc("nothing here")
    assert add_items(doc, LAB, []) == []
    assert SPAN_GROUP not in doc.spans and ATTRS_KEY not in doc.user_data


def test_add_items_refuses_wrong_labels(nlp):
    doc = nlp.make_doc("Hb was 9 g/dL")
    with pytest.raises(ValueError):
        add_items(doc, "DRUG", [])
    with pytest.raises(ValueError):
        add_items(doc, LAB, [(Span(doc, 0, 1, label=DIAGNOSIS), {})])
