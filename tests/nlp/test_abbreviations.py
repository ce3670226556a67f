"""caseminer_abbreviations: scispaCy's detector behind our tokenizer and sentences, failure-safe."""

import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import MACCROBAT

from caseminer.nlp.tokenizer import create_tokenizer


def build():
    nlp = spacy.blank("en")
    nlp.tokenizer = create_tokenizer(nlp)
    nlp.add_pipe("caseminer_sentences")
    nlp.add_pipe("caseminer_abbreviations")
    return nlp


TEXT = (
    "An electrocardiogram (ECG) revealed sinus rhythm. The ECG was repeated.\n"
    "Magnetic resonance imaging (MRI) showed a mass; the MRI was repeated."
)


NLP = build()  # built once: spaCy's blank() loads every registered factory


def test_definitions_and_later_uses():
    doc = NLP(TEXT)
    found = [(a.text, a.start_char, a._.long_form.text) for a in doc._.abbreviations]
    for short, start, _ in found:
        assert TEXT[start : start + len(short)] == short
    ecg = sorted(s for t, s, _ in found if t == "ECG")
    assert ecg == [TEXT.index("ECG"), TEXT.index("ECG", TEXT.index("ECG") + 1)]
    assert {long for t, _, long in found if t == "ECG"} == {"electrocardiogram"}
    assert {long for t, _, long in found if t == "MRI"} == {"Magnetic resonance imaging"}


def test_no_accumulation_between_docs():
    nlp = NLP
    nlp(TEXT)
    doc = nlp("Nothing to define here. The patient was well.")
    assert doc._.abbreviations == []


def test_definition_across_a_line_break_is_dropped():
    text = "The patient had severe pain in the\nright hip (RH) area."
    doc = NLP(text)
    for short in doc._.abbreviations:
        assert "\n" not in short._.long_form.text


def test_failure_leaves_an_empty_list():
    nlp = build()
    component = nlp.get_pipe("caseminer_abbreviations")

    def boom(doc):
        raise RuntimeError("scispaCy failed")

    component.detector = boom
    doc = nlp(TEXT)
    assert doc._.abbreviations == []
    # the component rebuilt a working detector for the next document
    assert [a.text for a in nlp(TEXT)._.abbreviations]


def test_odd_inputs_do_not_crash():
    for text in ["", "(", ")", "( )", "(A) (B) (C", "a (bb) (cc (dd)", "\n\n(\n)\n"]:
        doc = NLP(text)
        assert all(text[a.start_char : a.end_char] == a.text for a in doc._.abbreviations)


def test_short_forms_come_in_text_order():
    text = (
        "Computed tomography (CT) and magnetic resonance imaging (MRI) were done. "
        "The MRI and the CT were repeated, then the MRI again."
    )
    doc = NLP(text)
    starts = [a.start_char for a in doc._.abbreviations]
    assert starts == sorted(starts)
    assert [a.text for a in doc._.abbreviations] == ["CT", "MRI", "MRI", "CT", "MRI"]
    for a in doc._.abbreviations:
        assert text[a.start_char : a.end_char] == a.text


def test_global_matcher_equals_spacy_matcher():
    # scispaCy's global matcher only ever holds exact ORTH sequences; ours finds the same
    # matches in the same order as spaCy's Matcher (by end, then start), and the detector still
    # works across documents.
    from spacy.matcher import Matcher

    from caseminer.nlp.abbreviation_finder import OrthSequenceMatcher
    from caseminer.nlp.abbreviations import make_detector

    assert isinstance(make_detector(NLP).global_matcher, OrthSequenceMatcher)
    doc = NLP(TEXT)
    assert {a.text for a in doc._.abbreviations} == {"ECG", "MRI"}
    doc = NLP.make_doc("IL - 6 rose; IL - 6 fell, IL and IL - 6 - IL - 6 and CK - MB (CK) IL")
    patterns = {"interleukin": ["IL", "-", "6"], "il": ["IL"], "ck": ["CK", "-", "MB"]}
    ours, reference = OrthSequenceMatcher(NLP), Matcher(NLP.vocab)
    for key, words in patterns.items():
        ours.add(key, [[{"ORTH": w} for w in words]])
        reference.add(key, [[{"ORTH": w} for w in words]])
    assert ours(doc) == reference(doc)
    assert len(ours(doc)) > 5
    ours.remove("il")
    reference.remove("il")
    assert ours(doc) == reference(doc)
    assert ours(NLP.make_doc("")) == []


def test_parenthesis_matcher_equals_scispacy_candidates():
    # Our candidate matcher must return what scispaCy's "( + )" Matcher returns, restricted to
    # the candidates scispaCy keeps (at most 8 tokens inside), in the same order.
    from spacy.matcher import Matcher

    from caseminer.nlp.abbreviation_finder import MAX_INSIDE, ParenthesisMatcher

    text = (
        "Creatine kinase (CK) (normal (N) < 200) rose (see (Fig. 2)) and ( ) was empty; "
        "interleukin 6 (IL-6) and a very long aside (one two three four five six seven eight "
        "nine ten) ended (x)."
    )
    doc = NLP.make_doc(text)
    reference = Matcher(NLP.vocab)
    reference.add("parenthesis", [[{"ORTH": "("}, {"OP": "+"}, {"ORTH": ")"}]])
    expected = [m for m in reference(doc) if m[2] - m[1] - 2 <= MAX_INSIDE]
    got = ParenthesisMatcher(NLP)(doc)
    assert got == expected
    assert any(m[2] - m[1] - 2 > MAX_INSIDE for m in reference(doc))  # the limit did cut some
    for _, start, end in got:
        assert doc[start].text == "(" and doc[end - 1].text == ")"
        span = doc[start:end]
        assert text[span.start_char : span.end_char] == span.text
    assert ParenthesisMatcher(NLP)(NLP.make_doc("")) == []


def test_short_forms_as_text_match_the_getters():
    """The assembly's plain-data read gives what ``doc._.abbreviations`` and
    ``span._.long_form`` give, in the same order; None when the extensions are not ours."""
    from spacy.tokens import Doc

    from caseminer.nlp.abbreviations import short_forms_as_text

    doc = NLP(TEXT + "\nThe ECG (ECG) and the MRI were normal.")
    expected = [
        (a.start_char, a.end_char, a.text, a._.long_form.text)
        for a in doc._.abbreviations
        if a._.long_form is not None
    ]
    assert expected
    assert short_forms_as_text(doc, doc.text) == expected
    assert short_forms_as_text(NLP("Nothing here."), "Nothing here.") == []
    saved = Doc.get_extension("abbreviations")
    try:
        Doc.set_extension("abbreviations", default=None, force=True)
        assert short_forms_as_text(doc, doc.text) is None
    finally:
        Doc.set_extension("abbreviations", getter=saved[2], force=True)


# ---- the array path (DefinitionFinder) against scispaCy's own steps --------------------------


def _reference_rows(doc):
    """What scispaCy's steps (``detect``) and ``Abbreviations.set_annotations`` store."""
    from caseminer.nlp.abbreviations import ABBREVIATIONS_KEY, detect, make_detector

    component = NLP.get_pipe("caseminer_abbreviations")
    component.set_annotations(doc, detect(make_detector(NLP), doc))
    return doc.user_data.pop(ABBREVIATIONS_KEY)


def _fast_rows(doc):
    from caseminer.nlp.abbreviation_finder import DefinitionFinder

    return DefinitionFinder(NLP)(doc)


def _sentenced(text):
    doc = NLP.make_doc(text)
    return NLP.get_pipe("caseminer_sentences")(doc)


def _corpus_texts():
    import json

    from paths import REPO, SHARED

    texts = []
    for path in sorted((SHARED / "corpora" / "external").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()]
    for path in sorted((REPO / "corpora").glob("*.txt")):
        texts.append(path.read_text(encoding="utf-8"))
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        texts.append(path.read_text(encoding="utf-8"))
    return texts


def test_array_path_equals_scispacy_on_corpus_texts():
    texts = _corpus_texts()
    if not texts:
        import pytest

        pytest.skip("no corpus texts (../shared and corpora/ absent)")
    found = 0
    for text in texts:
        doc = _sentenced(text)
        expected = _reference_rows(doc)
        assert _fast_rows(doc) == expected, text[:80]
        found += len(expected)
    # the shared corpora define hundreds of abbreviations; the repository's reports only one
    assert found > (100 if MACCROBAT.exists() else 0)


def test_array_path_equals_scispacy_on_odd_texts():
    texts = [
        TEXT,
        "",
        "(",
        "( )",
        "(A) (B) (C",
        "a (bb) (cc (dd)",
        "\n\n(\n)\n",
        "CK (creatine kinase) rose; CK fell. CK-MB (CK) and the CK again.",
        "Tumour necrosis factor (TNF) and tumour necrosis factor (TNF) again; TNF.",
        "high blood pressure (HBP) HBP. High\nblood pressure (HBP).",
        "the patient (pt) (pt) pt pt (a (b) c) d (e))",
        "Interleukin 6 (IL-6) and IL - 6 and IL-6; interleukin six (IL 6).",
        "X (ABCDEFGHIJK) y (12) z (1a) w (A1) v (Ab cd) (ab) [ab] (ab.",
    ]
    for text in texts:
        doc = _sentenced(text)
        assert _fast_rows(doc) == _reference_rows(doc), text


WORDS = ["the", "renal", "failure", "acute", "kidney", "injury", "of", "and", "with", "a"]
SHORTS = ["RF", "AKI", "ARF", "KI", "rf", "AK-I", "A", "R.F.", "12", "RFs"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(WORDS),
            st.sampled_from(SHORTS),
            st.sampled_from(["(", ")", ".", "\n", ",", "-"]),
            st.builds(lambda s: f"({s})", st.sampled_from(SHORTS)),
        ),
        max_size=40,
    )
)
def test_array_path_equals_scispacy_on_generated_texts(tokens):
    text = " ".join(tokens)
    doc = _sentenced(text)
    assert _fast_rows(doc) == _reference_rows(doc)


def test_short_form_offsets_match_the_getters():
    """The findings and terminology components' plain-data read gives the offsets the getters
    give, in the same order, on corpus texts; None when the extensions are not ours."""
    from spacy.tokens import Doc

    from caseminer.nlp.abbreviations import short_form_offsets

    compared = 0
    for text in [TEXT + "\nThe ECG (ECG) and the MRI were normal.", *_corpus_texts()[:40]]:
        doc = NLP(text)
        expected = [
            (a.start_char, a.end_char, a._.long_form.start_char, a._.long_form.end_char)
            for a in doc._.abbreviations
            if a._.long_form is not None
        ]
        assert short_form_offsets(doc) == expected
        compared += len(expected)
    assert compared
    saved = Doc.get_extension("abbreviations")
    try:
        Doc.set_extension("abbreviations", default=None, force=True)
        assert short_form_offsets(doc) is None
    finally:
        Doc.set_extension("abbreviations", getter=saved[2], force=True)


def _reference_start(long_words, short_words, spaced):
    """scispaCy's ``find_abbreviation`` character loop, verbatim, on plain strings."""
    long_form, short_form = " ".join(long_words), " ".join(short_words)
    long_index, short_index = len(long_form) - 1, len(short_form) - 1
    while short_index >= 0:
        current_char = short_form[short_index].lower()
        if not current_char.isalnum():
            short_index -= 1
            continue
        while (long_index >= 0 and long_form[long_index].lower() != current_char) or (
            short_index == 0 and long_index > 0 and long_form[long_index - 1].isalnum()
        ):
            long_index -= 1
        if long_index < 0:
            return -1
        long_index -= 1
        short_index -= 1
    long_index += 1
    word_lengths = 0
    for i, word in enumerate(long_words):
        word_lengths += len(word) + spaced[i]
        if word_lengths > long_index:
            return i
    return 0


_WORD = st.text(alphabet="abcABC12-'.( )xyzé\u0130", min_size=1, max_size=7)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(_WORD, min_size=0, max_size=8),
    st.lists(_WORD, min_size=1, max_size=3),
    st.data(),
)
def test_schwartz_hearst_start_equals_the_character_loop(long_words, short_words, data):
    from caseminer.nlp.abbreviation_finder import schwartz_hearst_start

    spaced = data.draw(st.lists(st.integers(0, 1), min_size=len(long_words), max_size=8))
    expected = _reference_start(long_words, short_words, spaced)
    assert schwartz_hearst_start(long_words, short_words, spaced) == expected
