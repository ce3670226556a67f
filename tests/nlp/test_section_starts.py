"""The first-word gate of ``match_header`` (caseminer/nlp/section_starts.py) loses no header:
with the gate and without it (the catalogue's starts set to None: every rule tried on every
line) every line of the corpora, and of generated lines, gives the same header."""

from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.sections import load_catalogue, match_header, split_lines

CORPORA = Path(__file__).resolve().parents[2] / "corpora"
_UNGATED = replace(load_catalogue(), caption_starts=None, title_starts=None)


def _same_headers(text: str) -> None:
    lines = split_lines(text)
    for index in range(len(lines)):
        assert match_header(lines, index) == match_header(lines, index, _UNGATED), lines[index]


def test_the_gate_is_derived() -> None:
    catalogue = load_catalogue()
    assert catalogue.caption_starts is not None and "figure" in catalogue.caption_starts[0]
    assert catalogue.title_starts is not None and "discussion" in catalogue.title_starts[0]


def test_corpus_lines_give_the_same_headers() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("*.txt"))]
    assert texts
    for text in texts:
        _same_headers(text)


_HEADERS = [
    "Discussion",
    "DISCUSSION:",
    "2.1 Case presentation",
    "IV. Results",
    "A. Methods",
    "Case Report",
    "Case No. 2",
    "Figure 2: CT of the chest.",
    "Fig.3 MRI",
    "FIGURE1 x",
    "Supplementary Table 1. Labs",
    "Table II",
    "Conclusions: The patient recovered.",
    "Keywords: calcinosis; hip",
    "ſummary",
    "\u212aeywords: x",
    "İntroduction",
    "\u200bDiscussion",
    "(Discussion)",
    "Patient 1",
    "The patient was well.",
    "Image 1A - x",
]
_line = st.one_of(
    st.sampled_from(_HEADERS),
    st.builds(
        lambda pre, head, post: pre + head + post,
        st.sampled_from(["", " ", "\t", "1 ", "1.2. ", "b. ", "x"]),
        st.sampled_from(_HEADERS),
        st.sampled_from(["", ".", ":", " ", " more words", ", a comma"]),
    ),
    st.text(alphabet="aAcCdDfFgGiItT .:12İıſ\u212a-", max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, min_size=1, max_size=6))
def test_generated_lines_give_the_same_headers(lines: list[str]) -> None:
    _same_headers("\n".join(lines))
