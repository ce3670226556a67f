"""caseminer_imaging (speed): the rule gates (``rule_gates``) answer what the rules answer, on
corpus sentences and generated text, and the fast paths are taken for the packaged rules."""

from __future__ import annotations

import re

from corpus import corpus_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.imaging import attrs
from caseminer.nlp.imaging.rule_gates import boundary_first, has_digit, needs_digit
from caseminer.nlp.imaging.vocab import load_vocabulary

CRAFTED = [
    "MRI showed a mass. CT was normal, it was shown that x; were revealed 3 x 2 cm",
    "The lesion was identified; this is found. Ultrasound demonstrated\u00a0a 12\u00d74 mm cyst",
    "been showed; are noted; is documented; were unremarkable",
]


def _pieces() -> list[str]:
    out: list[str] = []
    for text in corpus_texts(CRAFTED, maccrobat=60):
        out += [p for p in re.split(r"(?<=[.;])\s+", text) if p]
    return out


def _same(a: re.Match[str] | None, b: re.Match[str] | None) -> bool:
    return (a and (a.span(), a.groups())) == (b and (b.span(), b.groups()))


def test_boundary_first_twin_of_the_cues_finds_what_they_find():
    vocab = load_vocabulary()
    twins = {name: boundary_first(cue) for name, cue in vocab.cues.items()}
    assert twins["finding_verbs"] is not vocab.cues["finding_verbs"]  # the fast path is taken
    found = 0
    for piece in _pieces():
        for name, cue in vocab.cues.items():
            for start in (0, len(piece) // 3):
                a, b = cue.search(piece, start), twins[name].search(piece, start)
                assert _same(a, b), (name, piece)
                found += a is not None
    assert found > 50


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "be ",
                "been ",
                "was ",
                "were ",
                "is",
                " ",
                "are ",
                "showed",
                "shows",
                "show",
                "x",
                "-",
                "found",
                "noted",
                "normal",
                "\n",
                "\u00e9",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_boundary_first_on_generated_text(text):
    cue = load_vocabulary().cues["finding_verbs"]
    assert _same(cue.search(text), boundary_first(cue).search(text))


def test_boundary_first_leaves_other_patterns_alone():
    for pattern in [r"(?<!a)x\b", r"(?<=a)\bx", r"(?<!a(b))\bx", r"\bx", r"(?<!a)|\bx"]:
        regex = re.compile(pattern)
        assert boundary_first(regex) is regex, pattern
    regex = re.compile(r"(?<!no )(?<!not )\b(?P<w>seen|found)\b", re.I)
    twin = boundary_first(regex)
    assert twin is not regex and twin.groupindex == regex.groupindex
    for text in ["not seen", "no found", "was seen", "unseen", "Seen", "nofound"]:
        assert _same(regex.search(text), twin.search(text))


def test_needs_digit_reads_the_first_character():
    assert needs_digit(r"(?<![A-Za-z0-9])(?:(?P<s>\d+(?:[.,]\d+)?)\s*cm)", re.I)
    assert needs_digit(r"\b\d", 0) and needs_digit(r"(?:\d)+x", re.ASCII)
    for pattern in [r"\d?x", r"x\d", r"(?:\d|a)", r"[\d.]", r"\D", r"\w", r"(?:)\d*"]:
        assert not needs_digit(pattern, 0), pattern
    assert has_digit("size \u0663 cm") and not has_digit("no digits here")
    size = [r for r in load_vocabulary().descriptors if needs_digit(r.pattern, r.flags)]
    assert size  # the packaged "size" descriptor takes the gate
    for rule in size:
        for piece in [*_pieces(), "a 3 x 2 cm mass", "\u0663 mm"]:
            if rule.regex.search(piece):
                assert has_digit(piece)


def _descriptors_plainly(finding: str, vocab) -> list[str]:
    """``attrs.descriptors`` with every applicable rule tried (no digit gate)."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for rule in attrs.applicable(vocab.descriptors, finding):
        for m in rule.regex.finditer(finding):
            if any(m.start() < e and m.end() > s for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.extend((m.start(), d) for d in attrs._describe(rule, m, vocab))
    out: list[str] = []
    for _, d in sorted(found, key=lambda x: x[0]):
        if d and d not in out:
            out.append(d)
    return out


def test_descriptors_with_the_digit_gate_are_the_plain_ones():
    vocab = load_vocabulary()
    sized = 0
    for piece in [*_pieces(), "a hypointense 3.2 x 2.1 cm mass", "size 4mm, T2 high signal"]:
        got = attrs.descriptors(piece, vocab)
        assert got == _descriptors_plainly(piece, vocab), piece
        sized += any(d.startswith("size ") for d in got)
    assert sized >= 2
