"""caseminer.terminology: normalisation, variants, index lookup and the spaCy component.

Uses a tiny index built from hand-written records (no source packages, temp cache dir)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.terminology.cache import build_data, load_index, read, term_variants, write
from caseminer.terminology.index import TerminologyIndex
from caseminer.terminology.normalize import (
    JOINERS,
    WORD_RE,
    Word,
    _dropped,
    _dropped_cased,
    bag_key,
    key,
    norm_word,
    words,
)
from caseminer.terminology.sources import TermRecord, clean_icd_name

RECORDS = [
    TermRecord(
        "Osteonecrosis, unspecified", "ICD-10-CM", "M87.9", "Osteonecrosis", "exact", "icd:M"
    ),
    TermRecord(
        "Avascular necrosis",
        "HPO",
        "HP:0010885",
        "Avascular necrosis",
        "exact",
        "hpo",
        (("UMLS", "C0029445"),),
    ),
    TermRecord(
        "Osteonecrosis",
        "HPO",
        "HP:0010885",
        "Avascular necrosis",
        "synonym",
        "hpo",
        (("UMLS", "C0029445"),),
    ),
    TermRecord("avascular necrosis", "ICD-10-CM", "M87.9", "Osteonecrosis", "curated", "icd:M"),
    TermRecord(
        "Malignant neoplasm of breast",
        "ICD-10-CM",
        "C50",
        "Malignant neoplasm of breast",
        "exact",
        "icd:C",
    ),
    TermRecord("Pleural effusion", "ICD-10-CM", "J90", "Pleural effusion", "exact", "icd:J"),
    TermRecord("Sarcoidosis", "ICD-10-CM", "D86", "Sarcoidosis", "exact", "icd:D"),
    TermRecord("Weight loss", "HPO", "HP:0001824", "Weight loss", "exact", "hpo"),
    TermRecord("AIDS", "ICD-10-CM", "B20", "HIV disease", "synonym", "icd:B"),
]


@pytest.fixture(scope="module")
def index() -> TerminologyIndex:
    return TerminologyIndex(build_data(RECORDS))


def test_normalisation_plural_spelling_articles():
    assert key("Osteonecroses of the Femoral Heads") == "osteonecrosis of femoral head"
    assert key("haemorrhage") == key("hemorrhage") == "hemorrhage"
    assert key("Bowen\u2019s disease") == key("Bowen disease")
    assert bag_key("necrosis of femoral head") == bag_key("femoral head necrosis")


def test_word_offsets_point_into_text():
    text = "Crohn's disease, then peri-articular calcinosis"
    ws = words(text)
    for w in ws:
        assert text[w.start : w.end].lower().startswith(w.norm[:3])
    assert ws[2].break_before  # the comma breaks the phrase
    assert not ws[1].break_before


def _reference_words(text: str) -> list[Word]:
    """The word stream as a plain loop over WORD_RE matches states it (what ``words`` must
    give, however it computes it)."""
    out: list[Word] = []
    prev_end, pending_break = 0, False
    for m in WORD_RE.finditer(text):
        raw, gap = m.group(), text[prev_end : m.start()]
        brk = pending_break or (gap != " " and any(ch not in JOINERS for ch in gap))
        prev_end = m.end()
        low = raw.lower()
        if (low == "s" and gap in ("'", "\u2019")) or low in _dropped():
            pending_break = brk
            continue
        pending_break = False
        out.append(Word(norm_word(raw), m.start(), m.end(), brk if out else False))
    return out


@pytest.mark.parametrize(
    "text",
    [
        "The THE tHe An AN aN a A s S, the fever; THE. an (a) chills",
        "Crohn's disease, the patient\u2019s S and the\u212a an\u212a \u212aa x's",
        "(The) haemorrhages of the Femoral Heads - peri-articular, 'a' the",
        "\u0130stanbul THE\u0130 the\u00a0a\tan\nthe a's s",
        "the",
        "",
        "x " * 150 + "the, a; an. The S's " * 20,
    ],
)
def test_words_equal_the_plain_loop(text):
    ws = words(text)
    assert list(ws) == _reference_words(text)


_PIECES = ["the", "The", "THE", "a", "A", "an", "An", "s", "S", "x", "fever", "'", "\u2019", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES + [",", "-", ". ", "\n"]), max_size=60))
def test_words_equal_the_plain_loop_on_generated_texts(pieces):
    text = "".join(pieces)
    assert list(words(text)) == _reference_words(text)


def test_dropped_spellings_are_every_word_that_lower_cases_to_one():
    # the only characters outside ASCII whose lower case is ASCII (so the set of spellings of
    # the ASCII dropped words is complete)
    to_ascii = {
        chr(c) for c in range(0x80, 0x110000) if chr(c).lower().isascii() and chr(c).lower()
    }
    assert to_ascii == {"\u212a"}
    assert all(w.isascii() for w in _dropped())
    letters = {c for w in _dropped() for c in w}
    alphabet = sorted({*letters, *(c.upper() for c in letters), "\u212a"})
    spellings = {""}
    for _ in range(max(map(len, _dropped()))):
        spellings |= {s + c for s in spellings for c in alphabet}
    assert _dropped_cased() == {s for s in spellings if s.lower() in _dropped()}


def test_icd_cleaning_and_variants():
    assert clean_icd_name("Fever, unspecified") == "Fever"
    assert clean_icd_name("Other disorders of calcium metabolism") is None
    variants = term_variants("Malignant neoplasm of breast")
    assert "breast cancer" in [v.lower() for v in variants]
    assert "breast carcinoma" in [v.lower() for v in variants]


def test_synonym_lookup(index):
    codes = index.lookup("osteonecrosis")
    hpo = [c for c in codes if c["system"] == "HPO"]
    assert hpo and hpo[0]["code"] == "HP:0010885" and hpo[0]["match"] == "synonym"
    assert any(c["system"] == "UMLS" and c["code"] == "C0029445" for c in codes)


def test_plural_is_a_variant(index):
    codes = index.lookup("pleural effusions")
    assert codes[0]["code"] == "J90" and codes[0]["match"] == "variant"


def test_word_order(index):
    codes = index.lookup("breast malignant neoplasm")
    assert codes and codes[0]["code"] == "C50"
    assert index.lookup("breast carcinoma")[0]["code"] == "C50"


def test_unknown_term_gets_no_code(index):
    assert index.lookup("xyzzy frobnication") == []
    assert index.lookup("") == []


def test_short_abbreviation_is_case_sensitive(index):
    assert index.lookup("AIDS")[0]["code"] == "B20"
    assert index.lookup("aids") == []
    assert [m for m in index.scan("hearing aids were fitted")] == []


def test_scan_longest_match_and_offsets(index):
    text = "She had pleural effusions and avascular necrosis of the hip."
    found = index.scan(text)
    surfaces = [text[m.start_char : m.end_char] for m in found]
    assert surfaces == ["pleural effusions", "avascular necrosis"]


def test_cache_round_trip_in_temp_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEMINER_CACHE_DIR", str(tmp_path))
    path = write(build_data(RECORDS), tmp_path / "terminology-test.json")
    assert path.parent == tmp_path
    again = read(path)
    assert again.lookup("sarcoidosis")[0]["code"] == "D86"
    assert load_index(str(path)).lookup("sarcoidosis")[0]["code"] == "D86"


def test_lookup_command_prints_codes_and_fails_on_unknown(tmp_path, monkeypatch, capsys):
    import typer

    from caseminer.terminology import cache, commands

    path = write(build_data(RECORDS), tmp_path / "terminology-cmd.json")
    monkeypatch.setattr(cache, "cache_path", lambda: path)
    commands.lookup("pleural effusion", per_system=1)
    out = capsys.readouterr().out
    assert "J90" in out and "exact" in out
    with pytest.raises(typer.Exit):
        commands.lookup("xyzzy frobnication", per_system=1)
    commands.vocab_info()
    assert '"n_terms"' in capsys.readouterr().out
