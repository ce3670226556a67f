"""caseminer_patient: age and sex of the index patient, with exact evidence offsets."""

import json

import pytest
import spacy
from paths import MACCROBAT, REPO, SEED

from caseminer.nlp.tokenizer import create_tokenizer


def build():
    nlp = spacy.blank("en")
    nlp.tokenizer = create_tokenizer(nlp)
    for name in ("caseminer_sentences", "caseminer_sections", "caseminer_patient"):
        nlp.add_pipe(name)
    return nlp


NLP = build()  # built once: spaCy's blank() loads every registered factory


def patient(text: str) -> dict:
    result = NLP(text)._.patient
    age = result["age"]
    if age is not None:
        assert text[age["start_char"] : age["end_char"]].strip()
    if result["sex"] is not None:
        assert text[result["sex_start_char"] : result["sex_end_char"]].isalpha()
    return result


def age_text(text: str, result: dict) -> str:
    return text[result["age"]["start_char"] : result["age"]["end_char"]]


@pytest.mark.parametrize(
    "text, value, unit, mention, sex, sex_word",
    [
        ("A 65-year-old female patient had pain.", 65, "year", "65-year-old", "female", "female"),
        ("We saw a 3-month-old boy with fever.", 3, "month", "3-month-old", "male", "boy"),
        ("She is a woman aged 45 with asthma.", 45, "year", "aged 45", "female", "woman"),
        (
            "A 65 years-old patient was admitted. He had pain.",
            65,
            "year",
            "65 years-old",
            None,
            None,
        ),
        ("The patient, a 34-year-old man, fell.", 34, "year", "34-year-old", "male", "man"),
        ("A 10-day-old girl was referred.", 10, "day", "10-day-old", "female", "girl"),
        (
            "A twenty-two-year-old Caucasian man had a rash.",
            22,
            "year",
            "twenty-two-year-old",
            "male",
            "man",
        ),
        ("A newborn boy had a rash.", 0, "day", "newborn", "male", "boy"),
        ("A woman in her early 70s presented.", 70, "year", "in her early 70s", "female", "woman"),
        (
            "The patient was 45 years of age. She had pain.",
            45,
            "year",
            "45 years of age",
            None,
            None,
        ),
    ],
)
def test_age_and_sex(text, value, unit, mention, sex, sex_word):
    result = patient(text)
    assert result["age"]["value"] == value
    assert result["age"]["unit"] == unit
    assert age_text(text, result) == mention
    if sex_word is not None:
        assert result["sex"] == sex
        assert text[result["sex_start_char"] : result["sex_end_char"]] == sex_word


def test_sex_from_pronouns_when_no_sex_word():
    text = "A 65 years-old patient was admitted. He had pain. His hip hurt. He walked. He left."
    result = patient(text)
    assert result["sex"] == "male"
    assert text[result["sex_start_char"] : result["sex_end_char"]] == "He"


@pytest.mark.parametrize(
    "text",
    [
        "Her 40-year-old sister had lupus. The patient was well.",
        "It is rare in patients older than 50 years old.",
        "Cases were reported in 40-year-old patients.",
        "His mother, a 60-year-old woman, had diabetes.",
    ],
)
def test_ages_of_others_are_ignored(text):
    assert patient(text)["age"] is None


def test_case_section_wins_over_abstract_and_introduction():
    text = (
        "Abstract\nWe report a 66-year-old patient.\n\n"
        "Introduction\nIt was described in a 30-year-old man.\n\n"
        "Case report\nA 65-year-old woman presented with pain.\n\n"
        "Discussion\nA 70-year-old man was reported.\n"
    )
    result = patient(text)
    assert result["age"]["value"] == 65
    assert age_text(text, result) == "65-year-old"
    assert result["sex"] == "female"
    assert text[result["sex_start_char"] : result["sex_end_char"]] == "woman"


def test_past_event_age_loses_to_presentation_age():
    text = "At the age of 22 years, he had surgery.\nA 45-year-old man presented with pain."
    result = patient(text)
    assert result["age"]["value"] == 45


def test_nothing_found():
    result = patient("Calcinosis is rare. It affects joints.")
    assert result == {"age": None, "sex": None, "sex_start_char": None, "sex_end_char": None}


def test_seed_patient():
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent")
    text = SEED.read_text(encoding="utf-8")
    result = patient(text)
    assert result["age"]["value"] == 65
    assert result["age"]["unit"] == "year"
    assert age_text(text, result) == "65-year-old"
    assert result["sex"] == "female"
    assert text[result["sex_start_char"] : result["sex_end_char"]] == "female"


def test_maccrobat_age_matches_gold():
    """The age we pick overlaps MACCROBAT's first Age annotation (measured 98/99 on dev)."""
    if not MACCROBAT.exists():
        pytest.skip(f"{MACCROBAT} is absent")
    hits = total = 0
    for line in list(MACCROBAT.open(encoding="utf-8"))[:50]:
        doc = json.loads(line)
        gold = [e for e in doc["entities"] if e["label"] == "Age"]
        if not gold:
            continue
        total += 1
        age = patient(doc["text"])["age"]
        if age and age["start_char"] < gold[0]["end"] and gold[0]["start"] < age["end_char"]:
            hits += 1
    assert total and hits / total >= 0.9


def test_repaired_seed_patient():
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent")
    repair = pytest.importorskip("caseminer.repair").repair
    text = repair(SEED.read_text(encoding="utf-8")).text
    result = patient(text)
    assert result["age"]["value"] == 65
    assert age_text(text, result) == "65-year-old"
    assert result["sex"] == "female"


@pytest.mark.parametrize(
    "text, value",
    [
        ("Seventy-three-year-old man with fever.", 73.0),
        ("A forty-two-year-old woman was admitted.", 42.0),
        ("The patient, aged Fifty, was seen.", 50.0),
        ("A 7-month-old boy was admitted.", 7.0),
    ],
)
def test_ages_in_words_and_digits_any_case(text, value):
    result = patient(text)
    assert result["age"] is not None and result["age"]["value"] == value
    mention = age_text(text, result)
    assert mention and any(ch.isalnum() for ch in mention)


def test_every_age_match_contains_what_its_pattern_requires():
    # ``requires`` lets find_ages skip a pattern on a text without those words: it must be in
    # every match, or a match would be lost.
    from caseminer.nlp.patient import load_vocabulary

    texts = [p.read_text(encoding="utf-8") for p in (REPO / "corpora").glob("*.txt")]
    if MACCROBAT.exists():
        texts += [json.loads(line)["text"] for line in MACCROBAT.open(encoding="utf-8")]
    texts.append("A 3-month-old boy, aged 3 months, 3 months of age, 45 y/o, in her 40s, a newborn")
    checked = 0
    for _, _, pattern, requires in load_vocabulary().patterns:
        assert requires is not None
        for text in texts:
            for match in pattern.finditer(text):
                assert requires.search(match.group(0)), (pattern.pattern[:40], match.group(0))
                checked += 1
    assert checked > 20


def _plain_index_patient(text, age, vocab) -> bool:
    """``is_index_patient`` as it read the words before: every word of the sliced sentence
    parts, the first three after the age taken from the full list."""
    from caseminer.nlp import patient as module

    s = vocab.settings
    sent_start, sent_end = module._sentence_bounds(text, age.start, age.end)
    before = [w.lower() for w, _, _ in module._words(text[sent_start : age.start])]
    after = [w.lower() for w, _, _ in module._words(text[age.end : sent_end])][:3]
    last_two = " ".join(before[-2:])
    cues = s["before_exclusions"]
    if before and (before[-1] in cues or last_two in cues):
        return False
    if before and before[-1] in s["population_nouns"]:
        return False
    if any(w in s["population_nouns"] for w in after[:2]):
        return False
    sentence_initial = all(w in ("a", "an", "the", "our") for w in before)
    if not sentence_initial and any(w in s["other_persons"] for w in after[:2]):
        return False
    window = before if age.weak else before[-5:]
    return not any(w.rstrip("'’s") in s["other_persons"] for w in window)


def test_index_patient_reads_the_words_it_read_on_slices():
    """The words are matched inside the text (``pos``/``endpos``), not on sliced copies: the
    same decision for every age found in the corpus texts, and the same words on any window."""
    from corpus import corpus_texts

    from caseminer.nlp import patient as module

    vocab = module.load_vocabulary()
    checked = 0
    for text in corpus_texts(["His 45-year-old brother and a 12-year-old girl were seen."]):
        for age in module.find_ages(text, vocab):
            assert module.is_index_patient(text, age, vocab) == _plain_index_patient(
                text, age, vocab
            )
            checked += 1
        for a in range(0, len(text), 97):
            b = min(len(text), a + 150)
            assert module._WORD.findall(text, a, b) == module._WORD.findall(text[a:b])
    assert checked > 5
