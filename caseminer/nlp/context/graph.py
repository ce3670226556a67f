"""A faster driver for medspaCy's ConText algorithm: same edges, work grouped by sentence.

Why: ``ConText.__call__`` compares every target with every modifier of the document
(``ConTextModifier.modifies``) and every modifier with every other (``update_scopes``), and each
modifier looks up its sentence through ``doc[i].sent`` (a new Span per call). On case reports,
with dozens of items and modifiers per document, that pairwise work cost more than the matching.

Without a global ``max_scope`` a modifier's scope lies inside the sentence where it starts
(medspaCy's own rule), so a modifier can only modify a target that touches that sentence, and two
modifiers can only limit each other's scope within one sentence. This module therefore computes
scopes from a precomputed list of sentence bounds and compares only modifiers and targets that
share a sentence. Modifiers whose span crosses a sentence boundary, or whose scope is empty or
inverted, are compared with everything, exactly as medspaCy would. Edge order, target order and
the per-target ``_.modifiers`` tuples are the same as medspaCy's.

Two additions, each optional: the cue families' own matcher (caseminer.nlp.context.matcher) adds
its matches to medspaCy's (overlaps pruned together, the longest cue wins), and a clause scope
(caseminer.nlp.context.scope) cuts each scope at its clause and shields conditions a treatment
stands between. A Doc without sentence boundaries is read as one sentence.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy
from medspacy.common.util import prune_overlapping_matches
from medspacy.context import ConText, ConTextGraph, ConTextModifier
from medspacy.util import tuple_overlaps
from spacy.tokens import Doc, Span

if TYPE_CHECKING:
    from caseminer.nlp.context.matcher import FamilyMatcher
    from caseminer.nlp.context.scope import ClauseScope

# labels a condition-negating cue is about, and the label whose items shield them
CONDITION_LABELS = frozenset({"DIAGNOSIS", "FINDING"})
PROCEDURE_LABEL = "PROCEDURE"


def sentence_starts(doc: Doc) -> list[int]:
    """Token index where each sentence starts (the Doc must have sentence boundaries)."""
    starts = numpy.flatnonzero(doc.to_array("SENT_START") == 1).tolist()
    return starts if starts and starts[0] == 0 else [0, *starts]


def _scope(rule_direction: str, rule_max: int | None, start: int, end: int, sent: tuple[int, int]):
    """medspaCy's ``ConTextModifier.__set_scope`` for sentence scopes (no global max_scope)."""
    direction = rule_direction.lower()
    if direction == "forward":
        lo, hi = end, sent[1]
        if rule_max is not None and hi - lo > rule_max:
            hi = end + rule_max
    elif direction == "backward":
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


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two non-empty token ranges share a token (medspaCy's ``tuple_overlaps`` misses
    the case where ``b`` strictly contains ``a``)."""
    return a[0] < b[1] and b[0] < a[1] and a[0] < a[1] and b[0] < b[1]


def limit_scope(
    self: ConTextModifier, other: ConTextModifier, target_starts: list[int] | None = None
) -> bool:
    """medspaCy's ``ConTextModifier.limit_scope`` with a symmetric overlap test.

    Why: with medspaCy's test, a TERMINATE cue ("but", "so", "confirming") whose scope is the
    whole sentence never cuts a negation whose scope is shorter than the sentence (a rule with
    ``max_scope``, such as "without"): "without vasculitis confirming the diagnosis of SS"
    negated SS. Only forward and bidirectional cues get the symmetric test (see below); otherwise
    the same decisions as medspaCy's method.
    """
    if self.direction.lower() == "backward":
        # backward cues keep medspaCy's test: "SLE was investigated, but ANA was negative"
        # reads as SLE ruled out, and the corpora annotate it so
        return self.limit_scope(other)
    if not tuple_overlaps(self.scope_span, other.scope_span):
        if not _overlaps(self.scope_span, other.scope_span):
            return False
        # a cut medspaCy's test misses: only when an item lies between the cue and the
        # terminating cue ("without vasculitis confirming SS"); with none, the terminating
        # phrase describes the negated word ("no history suggesting lupus", "neither showed")
        if target_starts is not None and not _any_between(
            target_starts, self._end, other.modifier_span[0]
        ):
            return False
    if self.direction.upper() == "TERMINATE":
        return False
    if (
        other.direction.upper() != "TERMINATE"
        and other.category.upper() not in self.rule.terminated_by
        and other.category.upper() != self.category.upper()
    ):
        return False
    if self.category == other.category and (
        self.allowed_types != other.allowed_types or self.excluded_types != other.excluded_types
    ):
        return False
    orig_scope = self.scope_span
    direction = self.direction.lower()
    if direction in ("forward", "bidirectional") and other > self:
        self._scope_end = min(self._scope_end, other.modifier_span[0])
    if direction in ("backward", "bidirectional") and other < self:
        self._scope_start = max(self._scope_start, other.modifier_span[1])
    return orig_scope != self.scope_span


def _any_between(sorted_starts: list[int], low: int, high: int) -> bool:
    """Some start ``t`` with ``low <= t < high`` (a bisect: a scan is quadratic in length)."""
    i = bisect_left(sorted_starts, low)
    return i < len(sorted_starts) and sorted_starts[i] < high


class SentenceContext:
    """Runs a configured ``ConText`` (its matcher and rules) with sentence-grouped comparisons.

    ``nested_terminate`` uses :func:`limit_scope` (symmetric overlap) instead of medspaCy's
    method; False reproduces medspaCy's edges exactly.
    """

    def __init__(
        self,
        context: ConText,
        nested_terminate: bool = True,
        families: FamilyMatcher | None = None,
        clause_scope: ClauseScope | None = None,
    ):
        self.context = context
        self.nested_terminate = nested_terminate
        self.matcher = context._ConText__matcher  # medspaCy keeps its matcher private
        self.vocab = context.nlp.vocab
        self.families = families
        self.clause_scope = clause_scope
        self.rule_map = dict(self.matcher.rule_map)
        if families is not None:
            self.rule_map.update(families.rule_map)

    def matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """medspaCy's matches plus the families', overlaps pruned (the longest cue wins), and
        matches followed by a word their rule says must not follow dropped."""
        matches = list(self.matcher(doc))
        if self.families is not None:
            extra = self.families(doc)
            if extra:
                # families first: on a tie (same span) the first match wins, and families own
                # their phrases
                matches = prune_overlapping_matches(extra + matches)
        out = []
        for match_id, start, end in matches:
            meta = self.rule_map[self.vocab[match_id].text].metadata or {}
            banned = meta.get("not_followed_by")
            if banned and end < len(doc) and doc[end].lower_ in banned:
                continue
            out.append((match_id, start, end))
        return out

    def __call__(self, doc: Doc, targets: list[Span], starts: list[int] | None = None) -> Doc:
        """Attach modifiers to ``targets`` (``starts``: sentence_starts(doc), if already known)."""
        context = self.context
        if context.max_scope or context.prune_on_target_overlap or not len(doc):
            return context(doc)  # not sentence-local (or medspaCy's own error path)
        if starts is None:
            starts = sentence_starts(doc) if doc.has_annotation("SENT_START") else [0]
        bounds = list(zip(starts, [*starts[1:], len(doc)], strict=True))

        def sent_of(i: int) -> int:
            return bisect_right(starts, i) - 1

        rule_map = self.rule_map
        clause = self.clause_scope
        target_starts = [t.start for t in targets]
        start_set, end_set = set(target_starts), {t.end for t in targets}
        modifiers: list[ConTextModifier] = []
        group_of: list[int] = []  # sentence index, or -1 for "compare with everything"
        for match_id, start, end in self.matches(doc):
            rule = rule_map[self.vocab[match_id].text]
            s = sent_of(start)
            lo, hi = _scope(rule.direction, rule.max_scope, start, end, bounds[s])
            if clause is not None and end <= bounds[s][1]:
                lo, hi = clause.limit(
                    doc, rule, start, end, (lo, hi), bounds[s], start_set, end_set
                )
            modifiers.append(ConTextModifier(rule, start, end, doc, scope_start=lo, scope_end=hi))
            wild = end > bounds[s][1] or hi <= lo
            group_of.append(-1 if wild else s)

        anchors = {i for t in targets if t.label_ == PROCEDURE_LABEL for i in range(t.start, t.end)}
        target_starts = sorted(t.start for t in targets)  # bisected by _any_between
        by_sent: dict[int, list[int]] = defaultdict(list)
        wild_ids = [i for i, g in enumerate(group_of) if g == -1]
        for i, g in enumerate(group_of):
            if g != -1:
                by_sent[g].append(i)

        # update_scopes: same (i, j) order as medspaCy, skipping pairs that cannot overlap
        for i in range(len(modifiers) - 1):
            gi = group_of[i]
            if gi == -1:
                others = range(i + 1, len(modifiers))
            else:
                others = sorted(j for j in (*by_sent[gi], *wild_ids) if j > i)
            m1 = modifiers[i]
            for j in others:
                m2 = modifiers[j]
                if self.nested_terminate:
                    limit_scope(m1, m2, target_starts)
                    limit_scope(m2, m1, target_starts)
                else:
                    m1.limit_scope(m2)
                    m2.limit_scope(m1)

        for target in targets:
            first, last = sent_of(target.start), sent_of(max(target.start, target.end - 1))
            if wild_ids or first != last:
                ids = sorted(
                    {*wild_ids, *(j for s in range(first, last + 1) for j in by_sent.get(s, ()))}
                )
            else:
                ids = by_sent.get(first, ())
            for j in ids:
                modifier = modifiers[j]
                if modifier.modifies(target) and not self._shielded(doc, modifier, target, anchors):
                    modifier.modify(target)

        edges = []
        for modifier in modifiers:
            modifier.reduce_targets()
            for target in modifier._targets:
                edges.append((target, modifier))
        for target, modifier in edges:
            target._.modifiers += (modifier,)
        if context.context_attributes_mapping:
            context.set_context_attributes(edges)
        graph = ConTextGraph(prune_on_modifier_overlap=context.prune_on_target_overlap)
        graph.targets, graph.modifiers, graph.edges = targets, modifiers, edges
        doc._.context_graph = graph
        return doc

    def _shielded(
        self, doc: Doc, modifier: ConTextModifier, target: Span, anchors: set[int]
    ) -> bool:
        """Whether a treatment stands between a negation cue and the condition (see
        caseminer.nlp.context.scope.ClauseScope.shields)."""
        return (
            self.clause_scope is not None
            and modifier.category == "NEGATED_EXISTENCE"
            and target.label_ in CONDITION_LABELS
            and modifier._end <= target.start
            and self.clause_scope.shields(doc, modifier._end, target.start, anchors)
        )
