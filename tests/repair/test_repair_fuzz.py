"""Property tests: repair never crashes and its map is always exact, for any text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseminer.repair import repair
from caseminer.repair.verify import map_errors

PIECES = [
    "\n",
    "\n\n",
    "\r\n",
    "\f",
    " ",
    "  ",
    "-",
    "-\n",
    ".",
    ". ",
    ":",
    "\u00a0",
    "\u2009",
    "\u00ad",
    "\u00ad\n",
    "\u200b",
    "\ufb01",
    "\ufb03",
    "Figure 1: ",
    "Table 2: ",
    "Fig. 3. ",
    "DISCUSSION",
    "CASE REPORT",
    "ISSN: 1234-5678",
    "12",
    "Creatini",
    "ne",
    "Phosphor",
    "us",
    "calcifi-",
    "cation",
    "the",
    "patient",
    "with",
    "mg/dL",
    "0.3",
    "hip-",
    "replacement",
    "A",
    "We",
]

texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=80).map("".join),
    st.lists(
        st.one_of(st.sampled_from(PIECES), st.text(alphabet="abcXYZ \n-.\u00ad\ufb01", max_size=8)),
        max_size=60,
    ).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_repair_never_fails_and_map_is_exact(source):
    r = repair(source)
    assert not any("repair failed" in n for n in r.notes)  # no bug hidden by the safety net
    assert r.source == source
    assert map_errors(r) == []
    assert r.to_source(0, len(r.text))[1] <= len(source)


@settings(max_examples=100, deadline=None)
@given(texts, st.data())
def test_to_source_spans_are_ordered_and_in_range(source, data):
    r = repair(source)
    start = data.draw(st.integers(0, len(r.text)))
    end = data.draw(st.integers(start, len(r.text)))
    s, e = r.to_source(start, end)
    assert 0 <= s <= e <= len(source)
    if end > start:
        assert e > s
