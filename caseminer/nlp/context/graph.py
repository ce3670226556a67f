"""The ConText algorithm (medspaCy's edges), grouped by sentence and run on plain data.

Why not medspaCy's ``ConText.__call__``: it compares every target with every modifier of the
document and every modifier with every other, each modifier looks its sentence up through
``doc[i].sent`` (a new Span per call), and importing medspaCy cost a fifth of the component's
build. Here a ``Modifier`` is a small record with medspaCy's decisions (``limit_scope``,
``modifies``, ``reduce_targets`` behave as ``ConTextModifier``'s), and the driver compares only
modifiers and targets that share a sentence: without a global ``max_scope`` a modifier's scope
lies inside the sentence where it starts (medspaCy's own rule), so a modifier can only modify a
target that touches that sentence, and two modifiers can only limit each other's scope within one
sentence. Modifiers whose span crosses a sentence boundary, or whose scope is empty or inverted,
are compared with everything, exactly as medspaCy would. Edge order and the per-target modifier
order are medspaCy's (tests/nlp/context/test_context_graph.py compares them with medspaCy's).

Two additions, each optional: the cue families' matches (caseminer.nlp.context.matcher) join the
literal rules' (overlaps pruned together, the longest cue wins), and a clause scope
(caseminer.nlp.context.scope) cuts each scope at its clause and shields conditions a treatment
stands between. A Doc without sentence boundaries is read as one sentence.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy
from spacy.tokens import Doc, Span

from caseminer.nlp.context.rules import Rule
from caseminer.nlp.doc_arrays import token_table

if TYPE_CHECKING:
    from caseminer.nlp.context.scope import ClauseScope

# labels a condition-negating cue is about, and the label whose items shield them
CONDITION_LABELS = frozenset({"DIAGNOSIS", "FINDING"})
PROCEDURE_LABEL = "PROCEDURE"
# cue directions that never modify a target (Modifier.modifies)
_PASSIVE = ("TERMINATE", "PSEUDO")


def target_ranges(targets: list[Span]) -> list[tuple[int, int, str]]:
    """(start, end, label) of each target: read once, for the driver and the annotations."""
    return [(t.start, t.end, t.label_) for t in targets]


def target_rows(targets: list[Span]) -> tuple[list[tuple[int, int, str]], list[str]]:
    """``target_ranges(targets)`` and each target's store key (``extensions._key``: label and
    character offsets), read in one pass over the Spans, each label's string looked up once."""
    ranges: list[tuple[int, int, str]] = []
    keys: list[str] = []
    names: dict[int, str] = {}
    for t in targets:
        label_id = t.label
        label = names.get(label_id)
        if label is None:
            label = names[label_id] = t.label_
        ranges.append((t.start, t.end, label))
        keys.append(f"{label} {t.start_char} {t.end_char}")
    return ranges, keys


def sentence_starts(doc: Doc) -> list[int]:
    """Token index where each sentence starts (the Doc must have sentence boundaries)."""
    return list(token_table(doc).starts0)  # the Doc's shared token table, a copy of its list


def starts_of(sent_start: numpy.ndarray) -> list[int]:
    """``sentence_starts`` from a Doc's SENT_START column, when the caller has read it."""
    starts = (sent_start == 1).nonzero()[0].tolist()
    return starts if starts and starts[0] == 0 else [0, *starts]


def _scope(rule_direction: str, rule_max: int | None, start: int, end: int, sent: tuple[int, int]):
    """medspaCy's ``ConTextModifier.__set_scope`` for sentence scopes (no global max_scope)."""
    if rule_direction == "FORWARD":
        lo, hi = end, sent[1]
        if rule_max is not None and hi - lo > rule_max:
            hi = end + rule_max
    elif rule_direction == "BACKWARD":
        lo, hi = sent[0], start
        if rule_max is not None and hi - lo > rule_max:
            lo = start - rule_max
    else:
        lo, hi = sent
        if rule_max is not None and start - lo > rule_max:
            lo = start - rule_max
        if rule_max is not None and hi - end > rule_max:
            hi = end + rule_max
    return lo, hi


# medspaCy's overlap test (its ``tuple_overlaps``), written out where it is used because it runs
# for every pair of modifiers and every modifier-target pair: ``b`` starts or ends inside ``a``,
# ``a[0] <= b[0] < a[1] or a[0] < b[1] <= a[1]`` (it misses ``b`` strictly around ``a``).


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two non-empty token ranges share a token (medspaCy's ``tuple_overlaps`` misses
    the case where ``b`` strictly contains ``a``)."""
    return a[0] < b[1] and b[0] < a[1] and a[0] < a[1] and b[0] < b[1]


class Modifier:
    """A matched cue: medspaCy's ``ConTextModifier`` as a plain record (same decisions)."""

    __slots__ = ("rule", "category", "direction", "_start", "_end", "_scope_start", "_scope_end")
    __slots__ += ("_targets",)

    def __init__(self, rule: Rule, start: int, end: int, scope_start: int, scope_end: int):
        self.rule = rule
        self.category = rule.category
        self.direction = rule.direction
        self._start, self._end = start, end
        self._scope_start, self._scope_end = scope_start, scope_end
        self._targets: list[Any] = []

    @property
    def modifier_span(self) -> tuple[int, int]:
        return self._start, self._end

    @property
    def scope_span(self) -> tuple[int, int]:
        return self._scope_start, self._scope_end

    def limit_scope(self, other: Modifier) -> bool:
        """medspaCy's rule: a TERMINATE cue, a cue of a category that terminates this one, or a
        cue of the same category (with the same target types) ends this cue's scope, when the
        scopes overlap (medspaCy's test). The checks are pure until the cut, so the cheapest
        (the categories) runs first: most pairs stop there."""
        if not self._may_cut(other):
            return False
        a0, a1, b0, b1 = self._scope_start, self._scope_end, other._scope_start, other._scope_end
        if not (a0 <= b0 < a1 or a0 < b1 <= a1):
            return False
        return self._cut_by(other)

    def _may_cut(self, other: Modifier) -> bool:
        """Whether ``other``'s category and direction may end this cue's scope at all."""
        return self.direction != "TERMINATE" and (
            other.direction == "TERMINATE"
            or other.category in self.rule.terminated_by
            or other.category == self.category
        )

    def _cut_by(self, other: Modifier) -> bool:
        """The rest of medspaCy's decision (``_may_cut`` already holds), and the cut."""
        if self.category == other.category and (
            self.rule.allowed_types != other.rule.allowed_types
            or self.rule.excluded_types != other.rule.excluded_types
        ):
            return False
        before = (self._scope_start, self._scope_end)
        if self.direction in ("FORWARD", "BIDIRECTIONAL") and other._start > self._start:
            self._scope_end = min(self._scope_end, other._start)
        if self.direction in ("BACKWARD", "BIDIRECTIONAL") and other._end < self._end:
            self._scope_start = max(self._scope_start, other._end)
        return before != (self._scope_start, self._scope_end)

    def modifies(self, start: int, end: int, label: str) -> bool:
        """Whether the cue reaches a target ``[start, end)`` of ``label`` (no rule here has an
        ``on_modifies`` callback: the component refuses them)."""
        s, e = self._start, self._end
        if s <= start < e or s < end <= e:  # medspaCy's tuple_overlaps, inlined (hot)
            return False
        if self.direction in ("TERMINATE", "PSEUDO"):
            return False
        allowed, excluded = self.rule.allowed_types, self.rule.excluded_types
        if allowed is not None:
            if label not in allowed:
                return False
        elif excluded is not None and label in excluded:
            return False
        a0, a1 = self._scope_start, self._scope_end
        return a0 <= start < a1 or a0 < end <= a1

    def reduce_targets(self, spans: list[tuple[int, int, str]]) -> None:
        """Keep the ``max_targets`` closest targets (a stable sort by distance, as medspaCy);
        ``_targets`` are indexes into ``spans`` (start, end, label)."""
        most = self.rule.max_targets
        if most is None or len(self._targets) <= most:
            return

        def distance(k: int) -> int:
            start, end, _ = spans[k]
            return min(abs(self._start - end), abs(start - self._end))

        self._targets = sorted(self._targets, key=distance)[:most]

    def __repr__(self) -> str:
        return f"<Modifier> [{self._start}, {self._end}, {self.category}]"


def limit_scope(self: Modifier, other: Modifier, target_starts: list[int] | None = None) -> bool:
    """``Modifier.limit_scope`` with a symmetric overlap test.

    Why: with medspaCy's test, a TERMINATE cue ("but", "so", "confirming") whose scope is the
    whole sentence never cuts a negation whose scope is shorter than the sentence (a rule with
    ``max_scope``, such as "without"): "without vasculitis confirming the diagnosis of SS"
    negated SS. Only forward and bidirectional cues get the symmetric test (see below); otherwise
    the same decisions as medspaCy's method.
    """
    if self.direction == "BACKWARD":
        # backward cues keep medspaCy's test: "SLE was investigated, but ANA was negative"
        # reads as SLE ruled out, and the corpora annotate it so
        return self.limit_scope(other)
    if not self._may_cut(other):
        return False
    a0, a1, b0, b1 = self._scope_start, self._scope_end, other._scope_start, other._scope_end
    if not (a0 <= b0 < a1 or a0 < b1 <= a1):  # medspaCy's tuple_overlaps, inlined (hot)
        if not _overlaps((a0, a1), (b0, b1)):
            return False
        # a cut medspaCy's test misses: only when an item lies between the cue and the
        # terminating cue ("without vasculitis confirming SS"); with none, the terminating
        # phrase describes the negated word ("no history suggesting lupus", "neither showed")
        if target_starts is not None and not _any_between(target_starts, self._end, other._start):
            return False
    return self._cut_by(other)


# group_of values besides sentence indexes (see SentenceContext.__call__)
CROSSING = -1  # the cue crosses a sentence boundary: compared with every modifier and target
EMPTY = -2  # the scope is empty or inverted: compared only with the sentences it touches


def _empty_sentences(modifier: Modifier, starts: list[int], length: int) -> list[int]:
    """The sentences a modifier with an empty or inverted scope ``(lo, hi)`` can act on.

    Why this is exact (and what keeps a long document linear): such a modifier reaches no target
    (medspaCy's scope test needs ``lo <= t < hi`` or ``lo < t <= hi``) and no other modifier
    ever cuts it (both overlap tests need a non-empty scope on the side being cut); it can only
    cut a modifier whose scope holds ``lo`` or ``hi`` (``a0 <= lo < a1`` or ``a0 < hi <= a1``),
    and a sentence-bound scope lies inside its sentence: so only the sentences holding token
    ``lo`` or token ``hi - 1`` matter. Comparing it with every modifier of the document, as
    medspaCy does, made the comparisons grow with the square of the document's length."""
    lo, hi = modifier.scope_span
    out = []
    if 0 <= lo < length:
        out.append(bisect_right(starts, lo) - 1)
    if 0 < hi <= length:
        s = bisect_right(starts, hi - 1) - 1
        if s not in out:
            out.append(s)
    return out


def _any_between(sorted_starts: list[int], low: int, high: int) -> bool:
    """Some start ``t`` with ``low <= t < high`` (a bisect: a scan is quadratic in length)."""
    i = bisect_left(sorted_starts, low)
    return i < len(sorted_starts) and sorted_starts[i] < high


class SentenceContext:
    """Runs ConText with sentence-grouped comparisons over the cues ``matches`` finds.

    ``nested_terminate`` uses :func:`limit_scope` (symmetric overlap) instead of medspaCy's
    method; False reproduces medspaCy's edges exactly.
    """

    def __init__(
        self,
        rules: list[Rule],
        nested_terminate: bool = True,
        clause_scope: ClauseScope | None = None,
    ):
        self.rules = rules
        self.nested_terminate = nested_terminate
        self.clause_scope = clause_scope
        # which rules' scopes the clause scope cuts (ClauseScope.applies), asked once per rule
        self._clause_applies = [
            clause_scope is not None and clause_scope.applies(rule) for rule in rules
        ]

    def __call__(
        self,
        doc: Doc,
        lower: list[int],
        matches: list[tuple[int, int, int]],
        spans: list[tuple[int, int, str]],
        starts: list[int],
    ) -> dict[tuple[int, int], list[Modifier]]:
        """The modifiers of every target token range, in medspaCy's edge order. ``matches``:
        (rule index, start, end) cues; ``spans``: the targets as ``target_ranges`` gives them;
        ``starts``: sentence_starts(doc). Targets with the same range share one list, as they
        share medspaCy's ``span._.modifiers`` (spaCy keys span extensions by offsets)."""
        bounds = list(zip(starts, [*starts[1:], len(doc)], strict=True))
        rules, clause = self.rules, self.clause_scope
        applies = self._clause_applies
        if len(applies) != len(rules):  # (rules changed since construction)
            applies = [clause is not None and clause.applies(r) for r in rules]
        start_set, end_set = {s for s, _, _ in spans}, {e for _, e, _ in spans}
        modifiers: list[Modifier] = []
        # sentence index; CROSSING: compare with everything; EMPTY: see _empty_sentences
        group_of: list[int] = []
        for index, start, end in matches:
            rule = rules[index]
            s = bisect_right(starts, start) - 1
            lo, hi = _scope(rule.direction, rule.max_scope, start, end, bounds[s])
            if applies[index] and end <= bounds[s][1]:
                lo, hi = clause.limit(
                    doc, lower, rule, start, end, (lo, hi), bounds[s], start_set, end_set
                )
            modifiers.append(Modifier(rule, start, end, lo, hi))
            group_of.append(CROSSING if end > bounds[s][1] else EMPTY if hi <= lo else s)
        if not modifiers:
            return {}

        target_starts = sorted(start_set)  # bisected by _any_between
        by_sent: dict[int, list[int]] = defaultdict(list)
        empty_in: dict[int, list[int]] = defaultdict(list)  # sentence -> EMPTY modifiers near it
        empty_near: dict[int, list[int]] = {}
        at_in_sent: dict[int, int] = {}  # modifier -> its place in by_sent[its sentence]
        for i, g in enumerate(group_of):
            if g >= 0:
                at_in_sent[i] = len(by_sent[g])
                by_sent[g].append(i)
            elif g == EMPTY:
                empty_near[i] = _empty_sentences(modifiers[i], starts, len(doc))
                for s in empty_near[i]:
                    empty_in[s].append(i)
        wild_ids = [i for i, g in enumerate(group_of) if g == CROSSING]

        # update_scopes: same (i, j) order as medspaCy, skipping pairs that cannot overlap
        for i in range(len(modifiers) - 1):
            gi = group_of[i]
            if gi == CROSSING:
                others: Any = range(i + 1, len(modifiers))
            elif gi == EMPTY:
                near = (j for s in empty_near[i] for j in by_sent.get(s, ()))
                others = sorted({j for j in (*near, *wild_ids) if j > i})
            elif wild_ids or gi in empty_in:
                others = sorted(
                    j for j in (*by_sent[gi], *wild_ids, *empty_in.get(gi, ())) if j > i
                )
            else:  # by_sent lists ascend and hold i: the ones after it
                others = by_sent[gi][at_in_sent[i] + 1 :]
            m1 = modifiers[i]
            for j in others:
                m2 = modifiers[j]
                if self.nested_terminate:
                    limit_scope(m1, m2, target_starts)
                    limit_scope(m2, m1, target_starts)
                else:
                    m1.limit_scope(m2)
                    m2.limit_scope(m1)

        anchors = {i for s, e, label in spans if label == PROCEDURE_LABEL for i in range(s, e)}
        # a TERMINATE or PSEUDO cue modifies no target (``modifies``' second test): only the
        # others are asked, in the same order
        active = {
            s: kept
            for s, ids in by_sent.items()
            if (kept := [j for j in ids if modifiers[j].direction not in _PASSIVE])
        }
        wild_active = [j for j in wild_ids if modifiers[j].direction not in _PASSIVE]
        for k, (start, end, label) in enumerate(spans):
            first = bisect_right(starts, start) - 1
            last = bisect_right(starts, max(start, end - 1)) - 1
            if wild_active or first != last:
                ids: Any = sorted(
                    {*wild_active, *(j for s in range(first, last + 1) for j in active.get(s, ()))}
                )
            else:
                ids = active.get(first, ())
            for j in ids:
                modifier = modifiers[j]
                # the scope test of ``modifies`` first, inlined: most cues of a sentence do not
                # reach a given target (``modifies`` is a conjunction of pure tests, so the
                # order in which they are asked does not change its answer)
                a0, a1 = modifier._scope_start, modifier._scope_end
                if not (a0 <= start < a1 or a0 < end <= a1):
                    continue
                if modifier.modifies(start, end, label) and not self._shielded(
                    lower, modifier, start, label, anchors
                ):
                    modifier._targets.append(k)

        out: dict[tuple[int, int], list[Modifier]] = {}
        for modifier in modifiers:
            if modifier.rule.max_targets is not None:
                modifier.reduce_targets(spans)
            for k in modifier._targets:
                out.setdefault(spans[k][:2], []).append(modifier)
        return out

    def _shielded(
        self, lower: list[int], modifier: Modifier, start: int, label: str, anchors: set[int]
    ) -> bool:
        """Whether a treatment stands between a negation cue and the condition (see
        caseminer.nlp.context.scope.ClauseScope.shields)."""
        return (
            self.clause_scope is not None
            and modifier.category == "NEGATED_EXISTENCE"
            and label in CONDITION_LABELS
            and modifier._end <= start
            and self.clause_scope.shields(lower, modifier._end, start, anchors)
        )
