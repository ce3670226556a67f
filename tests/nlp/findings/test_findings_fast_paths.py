"""The findings component's fast paths against the straightforward code they replace.

``judge`` reads per-key facts computed once (``key_facts``), short forms are read as plain
offsets (``short_form_offsets``) and the covered characters are a bytearray updated in place
(``_uncover``); each is compared here with the code it replaced, on corpus texts and on
generated inputs, so that a wrong fast path fails."""

from __future__ import annotations

import json
import random

import pytest
from paths import MACCROBAT, REPO

import caseminer
from caseminer.nlp.findings.component import (
    FindingsExtractor,
    _longest_first,
    _split_coordinations,
    _uncover,
)
from caseminer.nlp.findings.rules import Hit
from caseminer.nlp.tokenizer import doc_text
from caseminer.terminology.normalize import words


def _texts(limit: int = 40) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpora").glob("*.txt"))]
    if MACCROBAT.exists():
        with MACCROBAT.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()][:limit]
    return texts


@pytest.fixture(scope="module")
def pipeline():
    return caseminer.load()


def _reference_judge(f: FindingsExtractor, text, ws, k, s, e) -> Hit | None:
    """``judge`` as it was: every fact read from the lexicon and index on every call."""
    start, end = ws.starts[s], ws.ends[e - 1]
    surface = text[start:end]
    target = f.lex.targets.get(k, k)
    entries = f.index.terms.get(target) or []
    rule = f.lex.rules.get(k, "hpo")
    if k in f.lex.surfaces:
        if surface != f.lex.surfaces[k]:
            return None
    else:
        entries = [en for en in entries if len(en) < 3 or en[2] == surface]
        abbreviation = any(len(en) > 2 for en in entries)
        if (not entries and rule != "head") or f.rules.rejects_surface(
            surface, text, start, end, abbreviation
        ):
            return None
    if rule == "hpo" and f.rules.disease_shaped(k, f.categories(entries)):
        return Hit(start, end, target, entries, rule, False, surface, code_only=True)
    if f.rules.is_generic(k):
        start = f.rules.modified_start(ws, s, e)
        if start is None:
            return None
    return Hit(start, end, target, entries, rule, k in f.lex.absent, surface)


def test_judge_equals_the_reference_on_corpus_texts(pipeline):
    texts = _texts()
    if not texts:
        pytest.skip("no corpus texts")
    f = pipeline.get_pipe("caseminer_findings")
    judged = cased = 0
    for text in texts:
        ws = words(text)
        raw = f.lex.matches(f.index, ws)
        for k, s, e in _longest_first(_split_coordinations(raw)) + raw:
            expected = _reference_judge(f, text, ws, k, s, e)
            assert f.judge(text, ws, k, s, e) == expected, (k, text[:60])
            assert f.judge(text, ws, k, s, e) == expected  # again, from the memo
            judged += expected is not None
            cased += f.key_facts(k)[4]
    assert judged > 500 and cased  # case-sensitive entries were exercised


def test_short_forms_equal_the_getters(pipeline):
    f = pipeline.get_pipe("caseminer_findings")
    texts = _texts(25) + [
        "Shortness of breath (SOB) and chest pain (CP); SOB again. Fever (F) and a rash (R).",
        "The patient had hepatomegaly (HM) and splenomegaly (SM). HM and SM resolved; S.",
    ]
    compared = 0
    for text in texts:
        doc = pipeline.make_doc(text)
        for name, proc in pipeline.pipeline:
            if name == "caseminer_findings":
                break
            doc = proc(doc)
        hits = f.match(doc)
        named = [h for h in hits if h.rule != "abbreviation"]
        expected = []
        for short in doc._.abbreviations:
            long = short._.long_form
            if long is None or len(short.text) < 2:
                continue
            owner = next(
                (
                    h
                    for h in named
                    if not h.code_only and h.start < long.end_char and long.start_char < h.end
                ),
                None,
            )
            if owner is not None:
                expected.append(
                    Hit(
                        short.start_char,
                        short.end_char,
                        owner.key,
                        owner.entries,
                        "abbreviation",
                        owner.absent,
                        short.text,
                    )
                )
        assert f.short_forms(doc, named) == expected, text[:60]
        assert doc_text(doc) == doc.text
        compared += len(expected)
    assert compared > 5


@pytest.mark.parametrize("seed", range(30))
def test_uncover_equals_counting(seed):
    """``_uncover`` leaves exactly the characters a count of the remaining ranges covers."""
    rng = random.Random(seed)
    size = 60
    live = []
    for _ in range(rng.randrange(1, 12)):
        a = rng.randrange(size)
        live.append((a, min(size, a + rng.randrange(1, 15))))
    live += rng.sample(live, k=min(2, len(live)))  # duplicates: another item may share a range
    covered = bytearray(size)
    for a, b in live:
        covered[a:b] = b"\x01" * (b - a)
    counts = [sum(a <= i < b for a, b in live) for i in range(size)]
    for a, b in rng.sample(live, k=len(live) // 2):
        _uncover(covered, live, a, b)
        for i in range(a, b):
            counts[i] -= 1
        assert list(covered) == [int(c > 0) for c in counts]


def test_judge_equals_the_reference_on_case_sensitive_terms(pipeline):
    """Keys with case-sensitive entries ("VSD") in sentences, with their exact surface and with
    other capitalisations: the entries kept, and so the verdict, depend on the surface."""
    f = pipeline.get_pipe("caseminer_findings")
    surfaces = sorted(
        {
            en[2]
            for k in f.index.terms
            for en in f.index.terms[k]
            if len(en) > 2 and f.lex.is_key(f.index, k)
        }
    )
    assert surfaces
    rng = random.Random(7)
    sample = rng.sample(surfaces, k=min(400, len(surfaces)))
    judged = 0
    for surface in sample:
        for variant in {surface, surface.lower(), surface.title()}:
            text = f"On examination, {variant} was found; the {variant} persisted."
            ws = words(text)
            for k, s, e in f.lex.matches(f.index, ws):
                expected = _reference_judge(f, text, ws, k, s, e)
                assert f.judge(text, ws, k, s, e) == expected, (k, variant)
                judged += expected is not None
    assert judged > 50


def _reference_split(raw: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """``_split_coordinations`` as it was: every key split."""
    spans = {(s, e) for _, s, e in raw}
    out = []
    for k, s, e in raw:
        ws = k.split(" ")
        if "and" in ws[1:-1]:
            i = ws.index("and")
            if (s, s + i) in spans and (s + i + 1, e) in spans:
                continue
        out.append((k, s, e))
    return out


def _reference_longest(raw: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """``_longest_first`` as it was: the words taken kept as a set of ints."""
    chosen: list[tuple[str, int, int]] = []
    used: set[int] = set()
    for k, s, e in sorted(raw, key=lambda m: (m[1] - m[2], m[1])):
        if used.isdisjoint(range(s, e)):
            chosen.append((k, s, e))
            used.update(range(s, e))
    return sorted(chosen, key=lambda m: m[1])


_VOCAB = ["and", "fever", "chills", "nausea", "vomiting", "pain", "andes", "sand", "x"]


def _random_matches(rng: random.Random) -> list[tuple[str, int, int]]:
    raw = []
    for _ in range(rng.randint(0, 14)):
        s = rng.randint(0, 20)
        e = s + rng.randint(0, 5)
        raw.append((" ".join(rng.choice(_VOCAB) for _ in range(max(1, e - s))), s, e))
    # coordinations whose conjuncts were matched on their own
    for _ in range(rng.randint(0, 3)):
        s, i = rng.randint(0, 15), rng.randint(1, 3)
        e = s + i + 1 + rng.randint(1, 2)
        words = [rng.choice(_VOCAB[1:]) for _ in range(e - s)]
        words[i] = "and"
        raw += [(" ".join(words), s, e), ("a", s, s + i), ("b", s + i + 1, e)]
    return raw


def test_split_and_longest_equal_the_references_on_generated_matches():
    rng = random.Random(13)
    split = 0
    for _ in range(3000):
        raw = _random_matches(rng)
        assert _split_coordinations(raw) == _reference_split(raw)
        split += len(_reference_split(raw)) < len(raw)
        assert _longest_first(raw) == _reference_longest(raw)
    assert split > 100  # coordinations were dropped


def test_split_and_longest_equal_the_references_on_corpus_texts(pipeline):
    f = pipeline.get_pipe("caseminer_findings")
    for text in _texts(25):
        ws = words(text)
        raw = f.lex.matches(f.index, ws)
        # a match's key is its words' norms joined (one-word runs are read without a join)
        assert all(k == " ".join(ws.norms[s:e]) for k, s, e in raw)
        assert _split_coordinations(raw) == _reference_split(raw)
        assert _longest_first(raw) == _reference_longest(raw)


def test_finding_fields_are_stored_under_the_span_key(pipeline):
    """``set_annotations`` writes a finding's fields under ``_key(span)`` itself: each FINDING
    item's fields are found by ``get_attrs`` (the reader every other step uses)."""
    from caseminer.nlp.extensions import FINDING, get_attrs, items

    found = 0
    for text in _texts(20):
        doc = pipeline(text)
        for span in items(doc, FINDING):
            attrs = get_attrs(span)
            assert attrs.get("rule", "").startswith("findings."), (span.text, attrs)
            found += 1
    assert found > 100


class _PlainDiagnosisCoding(FindingsExtractor):
    """``code_diagnosis`` as it was: the diagnosis span's fields through ``get_attrs`` and
    ``set_attrs`` (its label read from the string store), every code copied."""

    def code_diagnosis(self, hit, ending_at, memo, user_data) -> None:
        from caseminer.nlp.extensions import get_attrs, set_attrs

        for _start, span in ending_at.get(hit.end, ()):
            if not span.start_char <= hit.start:
                continue
            attrs = dict(get_attrs(span))
            have = {c["system"] for c in attrs.get("codes") or []}
            if "HPO" in have:
                return
            extra = [c for c in self.codes(hit, memo) if c["system"] in ("HPO", "UMLS")]
            attrs["codes"] = list(attrs.get("codes") or []) + [
                c for c in extra if c["system"] not in have
            ]
            set_attrs(span, attrs)
            return


def test_diagnosis_coding_by_store_key_equals_the_span_reads(pipeline):
    from corpus import corpus_texts, doc_before

    from caseminer.nlp.extensions import ATTRS_KEY, SPAN_GROUP

    f = pipeline.get_pipe("caseminer_findings")
    plain = _PlainDiagnosisCoding(f.index, f.lex, f.rules, f.per_system)
    coded = 0
    for text in corpus_texts(["Ulcerative colitis and renal anomalies; she had colitis."]):
        before = doc_before(pipeline, text, "caseminer_findings")
        states = []
        for extractor in (f, plain):
            doc = before.copy()
            extractor(doc)
            group = doc.spans[SPAN_GROUP] if SPAN_GROUP in doc.spans else []
            states.append(
                (
                    [(s.start_char, s.end_char, s.label_) for s in group],
                    json.dumps(doc.user_data.get(ATTRS_KEY, {}), sort_keys=True),
                )
            )
        assert states[0] == states[1], text[:60]
        coded += states[0][1].count('"HPO"')
    assert coded


def _reference_matches(lex, index, ws) -> list[tuple[str, int, int]]:
    """``Lexicon.matches`` as it was: the generated keys' first words found by a dict probe
    per word."""
    norms, breaks, size = ws.norms, ws.breaks, len(ws)
    runs = set(index.table.candidates(ws))
    first = lex.first_words
    for i in [i for i, w in enumerate(norms) if w in first]:
        for n in range(1, min(first[norms[i]], size - i) + 1):
            if n > 1 and breaks[i + n - 1]:
                break
            if " ".join(norms[i : i + n]) in lex.targets:
                runs.add((i, n))
    out = []
    for s, n in sorted(runs):
        k = " ".join(norms[s : s + n])
        if lex.is_key(index, k):
            out.append((k, s, s + n))
    return out


def test_matches_find_the_generated_keys_the_dict_probes_find(pipeline):
    from corpus import corpus_texts

    f = pipeline.get_pipe("caseminer_findings")
    generated = 0
    crafted = ["Afebrile, febrile, SOB; the spleen was enlarged and the liver was enlarged."]
    for text in corpus_texts(crafted):
        ws = words(text)
        expected = _reference_matches(f.lex, f.index, ws)
        assert f.lex.matches(f.index, ws) == expected, text[:60]
        starts = set(f.lex._starts(ws))
        assert {i for i, w in enumerate(ws.norms) if w in f.lex.first_words} <= starts
        generated += sum(k in f.lex.targets for k, _, _ in expected)
    assert generated > 10
