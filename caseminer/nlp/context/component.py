"""caseminer_context: assertion flags on every item (pipeline step 8).

The ConText algorithm (medspaCy's, reimplemented on plain data in caseminer.nlp.context.graph)
runs over the shared span group ``doc.spans["caseminer"]`` with three sets of cues, in this order
of precedence (a phrase belongs to the first that spells it):

1. the cue families of ``patterns/context/cues.json``, templates over the verb forms and word
   classes of ``lexicon.json`` ("{be} {not} {discovery:pp}": "X was not seen", "were never
   observed", "has not been detected" ...), matched by caseminer.nlp.context.matcher;
2. the remaining literal rules of ``rules.json`` (case-report phrasing no family covers);
3. medspaCy's packaged English rules, minus ``cues.json`` ``disabled_default_literals``.

medspaCy itself is not imported: the rules are read from its JSON file, the built rule data comes
from the on-disk cache (caseminer.nlp.context.build), and only a global ``max_scope`` (medspaCy's
window scopes) runs medspaCy's own ConText.

Scopes are cut at their clause (caseminer.nlp.context.scope). The result is written as
``span._.assertion`` on every item (negated, uncertain, hypothetical, historical, family,
resolved), and DIAGNOSIS items get ``attrs["status"]``. patterns/context/README.md says which
file holds what.
"""

from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from caseminer.nlp.context.status import (
    NO_FLAGS,
    DifferentialCues,
    ProcedureNegation,
    assertion_of,
    status_of,
)
from caseminer.nlp.diskcache import copy_pattern_files
from caseminer.nlp.extensions import (
    ASSERTION_KEY,
    ATTRS_KEY,
    DIAGNOSIS,
    IMAGING,
    PROCEDURE,
    SPAN_GROUP,
    record_failure,
    register_extensions,
)
from caseminer.nlp.tokenizer import doc_text
from caseminer.patterns import concern_dir, read_json


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
        self.name = name
        self.nlp = nlp
        self.max_scope = max_scope
        self._options = (use_default_rules, literal_patterns, nested_terminate)
        self._load(patterns_dir)

    def _load(self, patterns_dir: Path) -> None:
        """Build the cues, matchers and status rules from ``patterns_dir``; kept apart from
        ``__init__`` so ``from_disk`` can rebuild from a saved folder. The on-disk caches
        (``build.rule_data``, ``build.literal_tokens``) are keyed by the bytes of the folder's
        files (and, for the rules, its resolved path), so a saved or edited copy never reads
        the entry of the folder it was copied from."""
        from caseminer.nlp.context.build import PATTERN_FILES, literal_rules_trie, rule_data
        from caseminer.nlp.context.families import Lexicon
        from caseminer.nlp.context.graph import SentenceContext
        from caseminer.nlp.context.matcher import CueMatcher
        from caseminer.nlp.context.rules import Rule
        from caseminer.nlp.context.scope import ClauseScope

        use_default_rules, literal_patterns, nested_terminate = self._options
        nlp = self.nlp
        self.patterns_dir = patterns_dir
        data = rule_data(patterns_dir, use_default_rules, literal_patterns)
        self.rules = [Rule.from_data(r) for r in data["rules"]]
        self.n_families = n = data["n_families"]
        others = self.rules[n:]
        sources = [patterns_dir / f for f in PATTERN_FILES]
        trie = literal_rules_trie(others, n, nlp.tokenizer, sources)
        cues = read_json("context", "cues.json", patterns_dir)
        lexicon = Lexicon.from_json(read_json("context", "lexicon.json", patterns_dir))
        self.matcher = CueMatcher(data["family_trie"], trie, lexicon)
        self.pattern_matchers = _pattern_matchers(nlp, others, n)
        self.banned = {
            i: frozenset(get_string_id(w) for w in r.metadata["not_followed_by"])
            for i, r in enumerate(self.rules)
            if r.metadata and r.metadata.get("not_followed_by")
        }
        self.run_context = SentenceContext(
            self.rules, nested_terminate, ClauseScope.from_json(cues.get("scope", {}), lexicon)
        )
        status = read_json("context", "status.json", patterns_dir)
        self.differential = DifferentialCues(status["differential_cues"])
        negation = cues.get("procedure_negation", {})
        self.procedure_negation = ProcedureNegation(
            negation.get("negators", []), negation.get("fillers", [])
        )
        self._medspacy: Any = None  # built from these rules on first use

    # -- serialization: the component is its data folder -----------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """spaCy's ``nlp.to_disk``: the pattern files this component was built from
        (``PATTERN_FILES`` and the README), so a saved pipeline carries its cues. medspaCy's
        default rules stay medspaCy's: they are read from the installed medspaCy, as at build."""
        copy_pattern_files(self.patterns_dir, path)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "AssertionContext":
        """spaCy's ``spacy.load``: rebuild from the pattern files ``to_disk`` wrote (a pipeline
        saved before this component wrote any keeps the one built from its config)."""
        if Path(path).is_dir():
            self._load(Path(path))
        return self

    def matches(
        self, doc: Doc, lower: list[int], arr: Any, families: bool = True
    ) -> list[tuple[int, int, int]]:
        """The cues as (rule index, start, end): medspaCy's matches of the other rules (token
        patterns, phrases, regular expressions; overlaps pruned) plus the families', pruned
        together (the longest cue wins; families first, so on a tie they win), minus the matches
        followed by a word their rule says must not follow. ``lower, arr``: from
        ``self.matcher.arrays(doc)``; ``families=False``: medspaCy's matches alone."""
        from caseminer.nlp.context.matcher import prune_overlaps

        found: list[tuple[int, int, int]] = []
        token, regex = self.pattern_matchers
        if token is not None:
            found += [(token[1][m], s, e) for m, s, e in token[0](doc)]
        if families:  # both kinds of cue in one pass over the tokens
            literals, extra = self.matcher.literals_and_families(lower, arr)
        else:
            literals, extra = self.matcher.literals(lower), []
        found += literals
        if regex is not None:
            found += [(regex[1][m], s, e) for m, s, e in regex[0](doc)]
        matches = prune_overlaps(found)
        if extra:
            matches = prune_overlaps(extra + matches)
        if not self.banned:
            return matches
        n = len(lower)
        return [
            m
            for m in matches
            if m[0] not in self.banned or m[2] >= n or lower[m[2]] not in self.banned[m[0]]
        ]

    def __call__(self, doc: Doc) -> Doc:
        targets = list(doc.spans.get(SPAN_GROUP, ()))
        if not targets:
            return doc
        from caseminer.nlp.context.graph import starts_of, target_rows

        lower, arr = self.matcher.arrays(doc)
        # the sentence starts from the same array (sentence_starts(doc) reads them again)
        starts = starts_of(arr[:, 4]) if doc.has_annotation("SENT_START") else [0]
        spans, keys = target_rows(targets)
        modifiers: dict[tuple[int, int], list[Any]] = {}
        try:
            if self.max_scope:
                modifiers = self._medspacy_modifiers(doc, targets)
            else:
                matches = self.matches(doc, lower, arr)
                modifiers = self.run_context(doc, lower, matches, spans, starts)
        except Exception as exc:  # noqa: BLE001 - items stay unasserted, and the report says so
            record_failure(doc, self.name, exc)
        self.set_annotations(doc, targets, starts, modifiers, lower, spans, keys)
        return doc

    def set_annotations(
        self,
        doc: Doc,
        targets: list[Span] | None = None,
        starts: list[int] | None = None,
        modifiers: dict[tuple[int, int], list[Any]] | None = None,
        lower: list[int] | None = None,
        spans: list[tuple[int, int, str]] | None = None,
        keys: list[str] | None = None,
    ) -> None:
        """Write ``_.assertion`` (and DIAGNOSIS status) on ``targets`` (default: the item group).

        ``starts`` are the sentence start tokens (None: no sentence boundaries). Sentence bounds
        come from that list rather than ``span.sent``, which walks the tokens on every call.
        ``modifiers``: the ConText modifiers of each target token range; ``lower`` and ``spans``:
        the Doc's LOWER hashes and ``target_ranges(targets)``, when the caller has them;
        ``keys``: each target's store key (``target_rows``), likewise.

        The verdicts and attrs are written straight into their ``doc.user_data`` stores, under
        the key ``set_assertion`` and ``set_attrs`` use (label and character offsets), in target
        order: the same Doc state as a setter call per target, without building the key and
        looking the store up twice per target (``test_bulk_writer_is_the_setters``).
        """
        from caseminer.nlp.context.graph import sentence_starts, target_rows

        if targets is None:
            targets = list(doc.spans[SPAN_GROUP])
        if starts is None and doc.has_annotation("SENT_START"):
            starts = sentence_starts(doc)
        if lower is None:
            lower = self.matcher.arrays(doc)[0]
        if spans is None or keys is None:
            spans, keys = target_rows(targets)
        modifiers = modifiers or {}
        text = doc_text(doc)
        strings = doc.vocab.strings

        def cue_text(start: int, end: int) -> str:
            """``doc[start:end].text``, from the stored text, without building the Span (read
            for the few cues and differential sentences only)."""
            if end <= start:
                return ""
            last = doc[end - 1]
            return text[doc[start].idx : last.idx + len(last)]

        def word(i: int) -> str:
            return strings[lower[i]]

        # no differential cue anywhere in the document: no sentence needs its regex search
        differential = self.differential.possible(text)
        user_data = doc.user_data
        verdicts = user_data.get(ASSERTION_KEY)
        stored_attrs = user_data.get(ATTRS_KEY)
        in_differential: dict[tuple[int, int], bool] = {}
        for key, (start, end, label) in zip(keys, spans, strict=True):
            found = modifiers.get((start, end))
            assertion = assertion_of(found, cue_text) if found else {**NO_FLAGS, "cues": []}
            if label in (PROCEDURE, IMAGING) and not assertion["negated"]:
                sent_start = starts[bisect_right(starts, start) - 1] if starts else 0
                cue = self.procedure_negation.cue(lower, start, sent_start, word)
                if cue:
                    assertion["negated"] = True
                    assertion["cues"].append(cue_text(*cue))
            if verdicts is None:
                verdicts = user_data[ASSERTION_KEY] = {}
            verdicts[key] = assertion  # set_assertion(span, assertion)
            if label != DIAGNOSIS:
                continue
            attrs = dict(stored_attrs.get(key, {})) if stored_attrs is not None else {}
            in_sentence = False
            if differential:
                # the sentence(s) the span touches, as spaCy's Span.sent spells them
                sent_start = starts[bisect_right(starts, start) - 1] if starts else 0
                last = bisect_right(starts, max(start, end - 1)) if starts else 0
                sent_end = starts[last] if starts and last < len(starts) else len(doc)
                sent_key = (sent_start, sent_end)
                if sent_key not in in_differential:
                    sent = cue_text(sent_start, sent_end) if starts else text
                    in_differential[sent_key] = bool(self.differential.regex.search(sent))
                in_sentence = in_differential[sent_key]
            attrs["status"] = status_of(assertion, in_sentence)
            if stored_attrs is None:
                stored_attrs = user_data[ATTRS_KEY] = {}
            stored_attrs[key] = attrs  # set_attrs(span, attrs)

    def medspacy_context(self) -> Any:
        """medspaCy's own ConText over the same rules, families left out (built on first use:
        for a global ``max_scope`` and for the tests that compare the two)."""
        if self._medspacy is None:
            import logging

            from medspacy.context import ConText

            from caseminer.nlp.extensions import install_serialisers

            for name in ("medspacy", "PyRuSH", "medspacy.context"):
                logging.getLogger(name).setLevel(logging.ERROR)
            install_serialisers()  # now that medspaCy is imported: Docs must stay serialisable
            self._medspacy = ConText(
                self.nlp,
                name="caseminer_medspacy_context",
                rules=None,
                max_scope=self.max_scope,
                input_span_type="group",
                span_group_name=SPAN_GROUP,
            )
            self._medspacy.add([r.to_medspacy() for r in self.rules[self.n_families :]])
        return self._medspacy

    def _medspacy_modifiers(self, doc: Doc, targets: list[Span]) -> dict[tuple[int, int], Any]:
        self.medspacy_context()(doc)
        return {(t.start, t.end): t._.modifiers for t in targets}


def _pattern_matchers(nlp: Language, rules: list[Any], first: int) -> tuple[Any, Any]:
    """spaCy's Matcher for token-pattern rules and medspaCy's RegexMatcher for regular
    expressions, each with its match id -> rule index map (None when no rule needs it; with
    ``literal_patterns`` on, the packaged rules need neither)."""
    token = regex = None
    for i, rule in enumerate(rules, start=first):
        if rule.pattern is None:
            continue
        key = f"caseminer_context_rule_{i}"
        if isinstance(rule.pattern, list):
            if token is None:
                from spacy.matcher import Matcher

                token = (Matcher(nlp.vocab), {})
            token[0].add(key, [rule.pattern])
            token[1][nlp.vocab.strings.add(key)] = i
        else:
            if regex is None:
                from medspacy.common.regex_matcher import RegexMatcher

                regex = (RegexMatcher(nlp.vocab), {})
            regex[0].add(key, [rule.pattern])
            regex[1][nlp.vocab.strings.add(key)] = i
    return token, regex
