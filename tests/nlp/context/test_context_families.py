"""Cue families as data: template expansion, the family matcher, clause scopes, the data files."""

from __future__ import annotations

import json
import shutil

import pytest
import spacy
from pipelines import find_item

import caseminer.nlp.clinical.component  # noqa: F401  (registers the factories)
import caseminer.nlp.context.component  # noqa: F401
from caseminer.nlp.context.build import family_rules
from caseminer.nlp.context.families import (
    Family,
    Lexicon,
    expand_template,
    load_families,
    phrase_owners,
)
from caseminer.nlp.context.matcher import CueMatcher
from caseminer.nlp.context.rules import pattern_phrases
from caseminer.nlp.context.scope import ClauseScope, lower_hashes
from caseminer.nlp.extensions import DIAGNOSIS
from caseminer.patterns import concern_dir, read_json


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.from_json(read_json("context", "lexicon.json"))


@pytest.fixture(scope="module")
def cues() -> dict:
    return read_json("context", "cues.json")


def test_template_spells_every_tense_and_voice(lexicon):
    phrases = set(expand_template("{be} {not} {adverb}? {discovery:pp}", lexicon))
    # any form of be, "not"/"n't" as one class, an optional adverb, any finding verb
    for phrase in ("was @not seen", "were @not observed", "is @not @adverb detected"):
        assert phrase in phrases
    assert "was @not saw" not in phrases  # the past is not the participle
    assert expand_template("no|without {qualifier}? lesion", lexicon) == [
        "no @qualifier lesion",
        "no lesion",
        "without @qualifier lesion",
        "without lesion",
    ]
    # a literal word of a class matched as a class is spelled as the class
    assert expand_template("no change", lexicon) == ["no @change_noun"]


def test_lexicon_rejects_bad_data():
    with pytest.raises(ValueError, match="forms"):
        Lexicon.from_json({"verbs": {"see": ["see", "sees", "saw"]}})
    with pytest.raises(ValueError, match="not in 'verbs'"):
        Lexicon.from_json({"verbs": {}, "verb_groups": {"g": ["see"]}})
    with pytest.raises(ValueError, match="unknown"):
        expand_template("{nosuchclass}", Lexicon.from_json({}))


def test_every_family_says_what_it_covers(cues):
    for data in cues["families"]:
        assert len(data["note"]) > 30, data["name"]
    with pytest.raises(ValueError, match="note"):
        Family.from_json({"name": "x", "category": "PSEUDO", "direction": "PSEUDO"}, {"all": None})


def test_a_phrase_has_one_meaning(cues, lexicon):
    """Two families spelling the same phrase with different categories or directions would be
    resolved by file order; only the documented precedence is allowed."""
    families = load_families(cues)
    kind = {f.name: (f.category, f.direction) for f in families}
    allowed = {("occurrence_negated", "experience_negated")}  # see occurrence_negated's note
    for phrase, owners in phrase_owners(families, lexicon).items():
        if len({kind[o] for o in owners}) > 1:
            assert tuple(owners) in allowed, (phrase, owners)


def test_family_phrases_are_tokens_of_the_tokenizer(nlp, cues, lexicon):
    """Phrases are matched as their space-separated words; the tokenizer must agree."""
    for family in load_families(cues):
        for phrase in family.phrases(lexicon)[:200]:
            words = [w for w in phrase.split() if not w.startswith("@")]
            text = " ".join(words)
            assert [t.text for t in nlp.make_doc(text)] == words, phrase


def test_matcher_leaves_the_doc_as_it_was(nlp, cues, lexicon):
    doc = nlp.make_doc("Lymphoma wasn't clearly seen and X wasn't\nobserved until 2015.")
    norms = [t.norm_ for t in doc]
    matcher = CueMatcher(family_rules(cues, lexicon)[1], {}, lexicon)
    found = {doc[s:e].text for _, s, e in matcher.families(*matcher.arrays(doc))}
    assert "wasn't clearly seen" in found
    assert "wasn't\nobserved" in found  # across a line break
    assert "until 2015" in found  # a year by its shape
    assert [t.norm_ for t in doc] == norms


def test_no_token_pattern_is_left_for_the_slow_matcher(nlp):
    """Every cue goes to a PhraseMatcher (issue 13: token patterns cost 40x the phrases)."""
    context = nlp.get_pipe("caseminer_context")
    assert [r.literal for r in context.rules if r.pattern is not None] == []
    assert context.pattern_matchers == (None, None)


def test_multi_word_strings_in_a_single_token_list_become_phrases():
    assert pattern_phrases([{"LOWER": {"IN": ["risks of", "risk of"]}}]) == ["risks of", "risk of"]
    family = [{"LOWER": {"IN": [f"word{i}" for i in range(153)]}}]
    assert len(pattern_phrases(family)) == 153  # over the old limit of 64


def _scope(cues, lexicon) -> ClauseScope:
    return ClauseScope.from_json(cues["scope"], lexicon)


def test_forward_scope_follows_a_list_and_stops_at_the_clause(cues, lexicon):
    scope = _scope(cues, lexicon)
    doc = spacy.blank("en")("no fever , cough , weight loss or pneumonia , but she had sepsis")
    pneumonia = 8
    end, listed = scope.forward_end(lower_hashes(doc), 1, len(doc), {pneumonia})
    assert listed and doc[end].text == ","  # after pneumonia; "but" would end it anyway
    doc = spacy.blank("en")("no fracture was seen , and pneumonia developed")
    end, _ = scope.forward_end(lower_hashes(doc), 1, len(doc), {6})
    assert doc[end].text == "was"  # the clause's verb ends the negated noun phrase


def test_backward_scope_stops_at_another_clause(cues, lexicon):
    scope = _scope(cues, lexicon)
    doc = spacy.blank("en")(
        "the biopsy showed sarcoidosis , lymphoma and tuberculosis were excluded"
    )
    start, listed = scope.backward_start(lower_hashes(doc), 8, 0, {4, 6, 8})
    assert listed and doc[start].text == "lymphoma"
    doc = spacy.blank("en")("he had lymphoma and we excluded tuberculosis")
    start, _ = scope.backward_start(lower_hashes(doc), 5, 0, {3})
    assert doc[start].text == "we"


def test_a_verb_added_to_the_lexicon_reaches_every_family(tmp_path):
    """patterns_dir points the component at a copy of patterns/context: one new verb in the
    'discovery' group is then negated in active and passive, any tense."""
    folder = tmp_path / "context"
    shutil.copytree(concern_dir("context"), folder)
    lexicon = json.loads((folder / "lexicon.json").read_text())
    lexicon["verbs"]["unmask"] = ["unmask", "unmasks", "unmasked", "unmasked", "unmasking"]
    lexicon["verb_groups"]["discovery"].append("unmask")
    (folder / "lexicon.json").write_text(json.dumps(lexicon))

    def build(patterns_dir: str | None):
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("caseminer_clinical")
        nlp.add_pipe("caseminer_context", config={"patterns_dir": patterns_dir})
        return nlp

    edited, packaged = build(str(folder)), build(None)
    for text in ("The scan failed to unmask lymphoma.", "Lymphoma was never unmasked."):
        assert find_item(edited(text), "lymphoma", DIAGNOSIS)._.assertion["negated"] is True
        assert find_item(packaged(text), "lymphoma", DIAGNOSIS)._.assertion["negated"] is False


def test_findings_are_asserted_like_diagnoses(nlp):
    """FINDING items (signs and symptoms) take every condition cue, including the families that
    target conditions only ("denied"); status stays a DIAGNOSIS attribute."""
    from caseminer.nlp.extensions import FINDING, add_item, get_attrs, items

    context = nlp.get_pipe("caseminer_context")
    doc = nlp.make_doc("She denied fever, cough or night sweats, and the rash had resolved.")
    for name, proc in nlp.pipeline:
        if name in ("caseminer_sentences", "caseminer_sections"):
            doc = proc(doc)
    for word in ("fever", "cough", "night sweats", "rash"):
        start = doc.text.index(word)
        add_item(doc, doc.char_span(start, start + len(word), label=FINDING), {})
    context(doc)
    flags = {s.text: s._.assertion for s in items(doc, FINDING)}
    assert all(flags[w]["negated"] for w in ("fever", "cough", "night sweats"))
    assert flags["rash"]["resolved"] and flags["rash"]["negated"]
    assert all("status" not in get_attrs(s) for s in items(doc, FINDING))
