"""The fast paths of the line reading behind caseminer_sentences, against the straightforward
code they replace, on the corpora and on generated texts: ``split_lines`` (Lines made without
the dataclass ``__init__``) and ``_line_starts`` (the line after a blank line found by one pass
over line pairs)."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from caseminer.nlp.sections import Line, find_headers, split_lines
from caseminer.nlp.sentences import _line_starts

CORPORA = Path(__file__).resolve().parents[2] / "corpora"


def _plain_lines(text: str) -> list[Line]:
    lines, start = [], 0
    for part in text.split("\n"):
        lines.append(Line(start, start + len(part), part))
        start += len(part) + 1
    return lines


def _plain_line_starts(text: str) -> tuple[set[int], set[int]]:
    """``_line_starts`` as it was written first: every line visited in turn."""
    lines = _plain_lines(text)
    forced: set[int] = set()
    by_line = {h.line: h for h in find_headers(text)}
    for index, line in enumerate(lines):
        if index in by_line:
            forced.add(line.start)
            if not by_line[index].inline and index + 1 < len(lines):
                forced.add(lines[index + 1].start)
        elif index > 0 and not lines[index - 1].text.strip():
            forced.add(line.start)
    return forced, {ln.start for ln in lines}


def _check(text: str) -> None:
    lines, plain = split_lines(text), _plain_lines(text)
    assert lines == plain
    assert [hash(a) for a in lines] == [hash(b) for b in plain]
    assert [repr(a) for a in lines] == [repr(b) for b in plain]
    assert [a.blank for a in lines] == [b.blank for b in plain]
    assert _line_starts(text) == _plain_line_starts(text)


def test_corpus_texts() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("*.txt"))]
    assert texts
    for text in texts:
        _check(text)


_piece = st.sampled_from(
    [
        "Discussion",
        "CASE REPORT",
        "Figure 1: CT.",
        "Methods: We did.",
        "The patient was well.",
        "a broken",
        "",
        " ",
        "\t",
        "\u2028",
        "\x0c",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_piece, max_size=12))
def test_generated_texts(pieces: list[str]) -> None:
    _check("\n".join(pieces))
