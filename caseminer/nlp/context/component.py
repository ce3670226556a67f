"""caseminer_context: assertion flags on every item (pipeline step 8).

medspaCy's ConText runs over the shared span group ``doc.spans["caseminer"]`` with its default
English rules plus ours (caseminer/patterns/context/rules.json: case-report phrasing such as
"ruled out", "discarding", "had to be ruled out", "diagnosed 21 years ago"). The result is written
as ``span._.assertion`` on every item, and DIAGNOSIS items get ``attrs["status"]``.
"""

import json
import logging
from bisect import bisect_right
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
from caseminer.patterns import concern_dir

if TYPE_CHECKING:  # medspaCy (and through it QuickUMLS, NLTK, SciPy) loads when the component is
    # built, not when spaCy registers caseminer's factories for every pipeline in the environment
    from medspacy.context import ConTextRule

PATTERN_DIR = concern_dir("context")


def medspacy_rules_dir() -> Path:
    """Where medspaCy itself looks for its default rules (ConText.DEFAULT_RULES_FILEPATH)."""
    from medspacy.context import ConText

    return Path(ConText.__init__.__code__.co_filename).resolve().parents[2] / "resources"


def _quiet_medspacy() -> None:
    for name in ("medspacy", "PyRuSH", "medspacy.context"):
        logging.getLogger(name).setLevel(logging.ERROR)


def load_rules(
    pattern_dir: Path,
    use_default_rules: bool,
    never_negated: frozenset[str] = frozenset({LAB}),
    explicit_only: frozenset[str] = frozenset({PROCEDURE, IMAGING}),
) -> list["ConTextRule"]:
    """Our rules, plus medspaCy's English defaults whose literal we neither redefine nor disable.

    Generic negation ("no", "without", "absence of") is about findings, not about procedures or
    imaging studies: "no complications after the biopsy" does not negate the biopsy, "no evidence
    of recurrence on CT" does not negate the CT. So a negation rule applies to ``explicit_only``
    items only when it names PROCEDURE in ``allowed_types`` ("was not performed", "refused").
    A lab value is never negated: its value ("negative", "normal") already says what was found,
    so ``never_negated`` labels are taken out of every negation rule.
    """
    path = pattern_dir / "rules.json"
    from medspacy.context import ConTextRule

    ours = ConTextRule.from_json(str(path))
    disabled = {
        w.lower() for w in json.loads(path.read_text()).get("disabled_default_literals", [])
    }
    rules = ours
    if use_default_rules:
        literals = {r.literal.lower() for r in ours} | disabled
        defaults = ConTextRule.from_json(str(medspacy_rules_dir() / "en" / "context_rules.json"))
        rules = [r for r in defaults if r.literal.lower() not in literals] + ours
    for rule in rules:
        if rule.category == "NEGATED_EXISTENCE":
            _restrict_negation(rule, never_negated, explicit_only)
    return rules


def _restrict_negation(
    rule: "ConTextRule", never_negated: frozenset[str], explicit_only: frozenset[str]
) -> None:
    """Narrow one negation rule's target types (see load_rules)."""
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
    default_config={
        "pattern_dir": None,
        "use_default_rules": True,
        "max_scope": None,
        "literal_patterns": True,
        "nested_terminate": True,
    },
)
def make_context(
    nlp: Language,
    name: str,
    pattern_dir: str | None,
    use_default_rules: bool,
    max_scope: int | None,
    literal_patterns: bool,
    nested_terminate: bool,
) -> "AssertionContext":
    """Build the component. (No future annotations: spaCy validates factory args by type.)

    ``literal_patterns`` turns word-list token patterns into phrase rules (same matches, about
    three times faster: see caseminer.nlp.context.rules). ``nested_terminate`` lets a terminating
    cue cut a negation whose scope is shorter than the sentence (see
    caseminer.nlp.context.graph.limit_scope); False keeps medspaCy's behaviour.
    """
    register_extensions()
    _quiet_medspacy()
    return AssertionContext(
        nlp,
        Path(pattern_dir or PATTERN_DIR),
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
        pattern_dir: Path,
        use_default_rules: bool = True,
        max_scope: int | None = None,
        literal_patterns: bool = True,
        nested_terminate: bool = True,
        name: str = "caseminer_context",
    ):
        from medspacy.context import ConText

        from caseminer.nlp.context.graph import SentenceContext, sentence_starts
        from caseminer.nlp.context.rules import literalize

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
        status = json.loads((pattern_dir / "status.json").read_text(encoding="utf-8"))
        rules = load_rules(
            pattern_dir,
            use_default_rules,
            frozenset(status.get("never_negated_labels", [LAB])),
            frozenset(status.get("explicit_negation_labels", [PROCEDURE, IMAGING])),
        )
        self.context.add(literalize(rules) if literal_patterns else rules)
        self.run_context = SentenceContext(self.context, nested_terminate)
        self.differential = differential_regex(status["differential_cues"])
        self.procedure_negators = {c.lower() for c in status["procedure_negators"]}
        self.procedure_fillers = {c.lower() for c in status["procedure_negation_fillers"]}

    def __call__(self, doc: Doc) -> Doc:
        targets = list(doc.spans.get(SPAN_GROUP, ()))
        if not targets:
            return doc
        starts = self.sentence_starts(doc) if doc.has_annotation("SENT_START") else None
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
