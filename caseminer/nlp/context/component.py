"""caseminer_context: assertion flags on every item (pipeline step 8).

medspaCy's ConText algorithm runs over the shared span group ``doc.spans["caseminer"]`` with three
sets of cues, in this order of precedence (a phrase belongs to the first that spells it):

1. the cue families of ``patterns/context/cues.json``, templates over the verb forms and word
   classes of ``lexicon.json`` ("{be} {not} {discovery:pp}": "X was not seen", "were never
   observed", "has not been detected" ...), matched by caseminer.nlp.context.matcher;
2. the remaining literal rules of ``rules.json`` (case-report phrasing no family covers);
3. medspaCy's packaged English rules, minus ``cues.json`` ``disabled_default_literals``.

Scopes are cut at their clause (caseminer.nlp.context.scope). The result is written as
``span._.assertion`` on every item (negated, uncertain, hypothetical, historical, family,
resolved), and DIAGNOSIS items get ``attrs["status"]``. patterns/context/README.md says which
file holds what.
"""

import logging
from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.tokens import Doc, Span

from caseminer.nlp.context.status import (
    assertion_of,
    differential_regex,
    procedure_negation,
    status_of,
)
from caseminer.nlp.extensions import (
    DIAGNOSIS,
    IMAGING,
    LAB,
    PROCEDURE,
    SPAN_GROUP,
    get_attrs,
    install_serialisers,
    record_failure,
    register_extensions,
    set_attrs,
)
from caseminer.nlp.tokenizer import doc_text
from caseminer.patterns import concern_dir, read_json

if TYPE_CHECKING:  # medspaCy (and through it QuickUMLS, NLTK, SciPy) loads when the component is
    # built, not when spaCy registers caseminer's factories for every pipeline in the environment
    from medspacy.context import ConTextRule


def medspacy_rules_dir() -> Path:
    """Where medspaCy itself looks for its default rules (ConText.DEFAULT_RULES_FILEPATH)."""
    from medspacy.context import ConText

    return Path(ConText.__init__.__code__.co_filename).resolve().parents[2] / "resources"


def _quiet_medspacy() -> None:
    for name in ("medspacy", "PyRuSH", "medspacy.context"):
        logging.getLogger(name).setLevel(logging.ERROR)


def load_rules(
    patterns_dir: Path,
    use_default_rules: bool,
    never_negated: frozenset[str] = frozenset({LAB}),
    explicit_only: frozenset[str] = frozenset({PROCEDURE, IMAGING}),
    taken: "Callable[[str], bool] | None" = None,
) -> list["ConTextRule"]:
    """Our literal rules, plus medspaCy's English defaults whose literal we neither redefine nor
    disable. ``taken(literal)`` is True for a phrase the cue families already own: such a rule
    is left out, so a phrase has one meaning.

    Generic negation ("no", "without", "absence of") is about findings, not about procedures or
    imaging studies: "no complications after the biopsy" does not negate the biopsy, "no evidence
    of recurrence on CT" does not negate the CT. So a negation rule applies to ``explicit_only``
    items only when it names PROCEDURE in ``allowed_types`` ("was not performed", "refused").
    A lab value is never negated: its value ("negative", "normal") already says what was found,
    so ``never_negated`` labels are taken out of every negation rule.
    """
    from medspacy.context import ConTextRule

    def owned(rule: "ConTextRule") -> bool:
        return taken is not None and rule.pattern is None and taken(rule.literal.lower())

    ours = [r for r in ConTextRule.from_json(str(patterns_dir / "rules.json")) if not owned(r)]
    cues = read_json("context", "cues.json", patterns_dir)
    disabled = {w.lower() for w in cues.get("disabled_default_literals", [])}
    rules = ours
    if use_default_rules:
        literals = {r.literal.lower() for r in ours} | disabled
        defaults = ConTextRule.from_json(str(medspacy_rules_dir() / "en" / "context_rules.json"))
        rules = [r for r in defaults if r.literal.lower() not in literals and not owned(r)]
        rules += ours
    for rule in rules:
        restrict_negation(rule, never_negated, explicit_only)
    return rules


def restrict_negation(
    rule: "ConTextRule", never_negated: frozenset[str], explicit_only: frozenset[str]
) -> None:
    """Narrow one negation rule's target types (see load_rules); other rules are unchanged."""
    if rule.category != "NEGATED_EXISTENCE":
        return
    if rule.allowed_types is None:
        rule.excluded_types = set(rule.excluded_types or ()) | never_negated | explicit_only
        return
    allowed = set(rule.allowed_types) - never_negated
    if PROCEDURE in allowed:
        allowed |= explicit_only
    # an empty allow-list would mean "everything" downstream: exclude all labels instead
    rule.allowed_types = allowed or {"_NONE_"}


@Language.factory(
    "caseminer_context",
    assigns=["span._.assertion"],
    requires=["doc.spans", "token.is_sent_start"],
    default_config={
        "patterns_dir": None,
        "use_default_rules": True,
        "max_scope": None,
        "literal_patterns": True,
        "nested_terminate": True,
    },
)
def make_context(
    nlp: Language,
    name: str,
    patterns_dir: str | None,
    use_default_rules: bool,
    max_scope: int | None,
    literal_patterns: bool,
    nested_terminate: bool,
) -> "AssertionContext":
    """Build the component. (No future annotations: spaCy validates factory args by type.)

    ``literal_patterns`` turns word-list token patterns into phrase rules (same matches, about
    three times faster: see caseminer.nlp.context.rules). ``nested_terminate`` lets a terminating
    cue cut a negation whose scope is shorter than the sentence (see
    caseminer.nlp.context.graph.limit_scope); False keeps medspaCy's behaviour. ``patterns_dir``
    (the same key on every caseminer component): a folder laid out like patterns/context.
    """
    register_extensions()
    _quiet_medspacy()
    return AssertionContext(
        nlp,
        concern_dir("context", patterns_dir),
        use_default_rules,
        max_scope,
        literal_patterns,
        nested_terminate,
        name=name,
    )


class AssertionContext:
    """Runs ConText over the item group and writes assertion flags and diagnosis status."""

    def __init__(
        self,
        nlp: Language,
        patterns_dir: Path,
        use_default_rules: bool = True,
        max_scope: int | None = None,
        literal_patterns: bool = True,
        nested_terminate: bool = True,
        name: str = "caseminer_context",
    ):
        from medspacy.context import ConText

        from caseminer.nlp.context.families import Lexicon, load_families
        from caseminer.nlp.context.graph import SentenceContext, sentence_starts
        from caseminer.nlp.context.matcher import FamilyMatcher
        from caseminer.nlp.context.rules import literalize
        from caseminer.nlp.context.scope import ClauseScope

        install_serialisers()  # now that medspaCy is imported: Docs must stay serialisable

        self.name = name
        self.sentence_starts = sentence_starts
        self.context = ConText(
            nlp,
            name="caseminer_medspacy_context",
            rules=None,
            max_scope=max_scope,
            input_span_type="group",
            span_group_name=SPAN_GROUP,
        )
        status = read_json("context", "status.json", patterns_dir)
        cues = read_json("context", "cues.json", patterns_dir)
        lexicon = Lexicon.from_json(read_json("context", "lexicon.json", patterns_dir))
        never_negated = frozenset(status.get("never_negated_labels", [LAB]))
        explicit_only = frozenset(status.get("explicit_negation_labels", [PROCEDURE, IMAGING]))
        taken: set[str] = set()
        self.families = FamilyMatcher(nlp.vocab, load_families(cues), lexicon, taken)
        for rule in self.families.rules():
            restrict_negation(rule, never_negated, explicit_only)

        def owned(phrase: str) -> bool:
            return " ".join(lexicon.key(w) for w in phrase.split()) in taken

        rules = load_rules(patterns_dir, use_default_rules, never_negated, explicit_only, owned)
        self.context.add(literalize(rules, owned) if literal_patterns else rules)
        self.run_context = SentenceContext(
            self.context,
            nested_terminate,
            families=self.families,
            clause_scope=ClauseScope.from_json(cues.get("scope", {}), lexicon),
        )
        self.differential = differential_regex(status["differential_cues"])
        negation = cues.get("procedure_negation", {})
        self.procedure_negators = {c.lower() for c in negation.get("negators", [])}
        self.procedure_fillers = {c.lower() for c in negation.get("fillers", [])}

    def __call__(self, doc: Doc) -> Doc:
        targets = list(doc.spans.get(SPAN_GROUP, ()))
        if not targets:
            return doc
        starts = self.sentence_starts(doc) if doc.has_annotation("SENT_START") else [0]
        try:
            self.run_context(doc, targets, starts)
        except Exception as exc:  # noqa: BLE001 - items stay unasserted, and the report says so
            record_failure(doc, self.name, exc)
        self.set_annotations(doc, targets, starts)
        return doc

    def set_annotations(
        self, doc: Doc, targets: list[Span] | None = None, starts: list[int] | None = None
    ) -> None:
        """Write ``_.assertion`` (and DIAGNOSIS status) on ``targets`` (default: the item group).

        ``starts`` are the sentence start tokens (None: no sentence boundaries). Sentence bounds
        come from that list rather than ``span.sent``, which walks the tokens on every call.
        """
        if targets is None:
            targets = list(doc.spans[SPAN_GROUP])
        if starts is None and doc.has_annotation("SENT_START"):
            starts = self.sentence_starts(doc)
        text = doc_text(doc)
        in_differential: dict[tuple[int, int], bool] = {}
        for span in targets:
            first = bisect_right(starts, span.start) - 1 if starts else -1
            sent_start = starts[first] if starts else 0
            assertion = assertion_of(span)
            if span.label_ in (PROCEDURE, IMAGING) and not assertion["negated"]:
                cue = procedure_negation(
                    span, self.procedure_negators, self.procedure_fillers, sent_start
                )
                if cue:
                    assertion["negated"] = True
                    assertion["cues"].append(cue)
            span._.assertion = assertion
            if span.label_ != DIAGNOSIS:
                continue
            attrs = dict(get_attrs(span))
            # the sentence(s) the span touches, as spaCy's Span.sent spells them
            last = bisect_right(starts, max(span.start, span.end - 1)) if starts else 0
            sent_end = starts[last] if starts and last < len(starts) else len(doc)
            key = (sent_start, sent_end)
            if key not in in_differential:
                sent = _span_text(doc, text, sent_start, sent_end) if starts else text
                in_differential[key] = bool(self.differential.search(sent))
            attrs["status"] = status_of(assertion, in_differential[key])
            set_attrs(span, attrs)


def _span_text(doc: Doc, text: str, start: int, end: int) -> str:
    """``doc[start:end].text`` from the stored text, without building the Span."""
    if end <= start:
        return ""
    last = doc[end - 1]
    return text[doc[start].idx : last.idx + len(last)]
