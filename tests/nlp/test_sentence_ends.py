"""caseminer_sentences (speed): ``_ends_sentence`` with its closer test inlined is the rule as
first written, on every token of corpus reports and generated text, and the splitter's
answers do not depend on which of its two pure tests it asks first."""

from __future__ import annotations

from corpus import corpus_texts
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import MACCROBAT
from test_sentences import NLP

from caseminer.nlp import sentences as S
from caseminer.nlp.tokenizer import no_split_abbreviations

ABBREVIATIONS = no_split_abbreviations()
CRAFTED = [
    'He said "no." Then [3] left. (See Fig. 1.) The end.[4] Next e.g. x.',
    "disease.[3] Bone and J. Smith at p.R227W vs. No. 5 and stage A.\nNext]\n",
    "Mirage.008 and word.Word and done!) Then? Yes\u2026 no\u201d",
]


def _ends_plainly(tv, j, abbreviations, line_break=False):
    """``_ends_sentence`` as first written: the closer steps through ``_skip_closers``."""
    words = tv.text
    if not S._may_end_sentence(words[j]):
        return False
    if words[j] == "]" and S._skip_closers(words, j) != j:
        return True
    j = S._skip_closers(words, j)
    word = words[j]
    if word in S._END_PUNCT:
        if word != "." or j == 0:
            return True
        before = words[j - 1]
        if tv.has_ws[j - 1] or tv.is_space[j - 1]:
            return True
        if before + "." in abbreviations:
            return False
        if not line_break and not tv.has_ws[j] and j + 1 < len(words):
            after = words[j + 1]
            if after == "[":
                return False
            return (
                before.isalpha()
                and before.islower()
                and len(before) >= 3
                and after.isalpha()
                and after.istitle()
            )
        return line_break or not (len(before) == 1 and before.isupper())
    if word.endswith(".") and len(word) > 1:
        if word in abbreviations:
            return False
        if not line_break and not tv.has_ws[j] and j + 1 < len(words):
            stem, after = word[:-1], words[j + 1]
            return stem.isalpha() and stem.islower() and len(stem) >= 3 and after.istitle()
        return True
    return word.endswith(("?", "!"))


def _check(text: str) -> int:
    doc = NLP.make_doc(text)
    tv = S.TokenView.of(doc)
    ends = 0
    for j in range(len(doc)):
        for line_break in (False, True):
            want = _ends_plainly(tv, j, ABBREVIATIONS, line_break)
            assert S._ends_sentence(tv, j, ABBREVIATIONS, line_break) == want, (text, j)
            ends += want
    return ends


def test_ends_sentence_on_corpus_tokens():
    checked = sum(_check(t) for t in corpus_texts(CRAFTED, maccrobat=40))
    assert checked > (1000 if MACCROBAT.exists() else 300)  # the repository's reports alone: 659


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "A",
                "word",
                ".",
                "?",
                "!",
                "\u2026",
                ")",
                "]",
                "[",
                "3",
                '"',
                "'",
                "\u201d",
                " ",
                "\n",
                "Fig",
                "e.g",
                "J",
                "x",
                "No",
            ]
        ),
        max_size=30,
    ).map("".join)
)
def test_ends_sentence_on_generated_text(text):
    _check(text)


def test_starts_with_the_plain_rule_are_the_same(monkeypatch):
    texts = corpus_texts(CRAFTED, maccrobat=40)
    docs = [NLP.make_doc(t) for t in texts]
    fast = [S.sentence_starts(d, ABBREVIATIONS) for d in docs]
    monkeypatch.setattr(S, "_ends_sentence", _ends_plainly)
    assert [S.sentence_starts(d, ABBREVIATIONS) for d in docs] == fast
