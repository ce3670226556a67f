"""Build the ConText rule data from the pattern files once, and keep it in the on-disk cache.

What a fresh process would otherwise redo every time (0.2 s of a cold start): expand the cue
families into their 5,300 phrases, read our literal rules and medspaCy's defaults, decide who owns
each phrase, turn word-list patterns into literals, narrow the negation rules, and build the
phrase tries (caseminer.nlp.context.matcher). All of it is plain data (rules as dicts, tries as
nested dicts of string hashes), stored by ``caseminer.nlp.diskcache`` under a fingerprint of the
pattern files, medspaCy's rule file and this code. The literal rules' tokens depend on the
pipeline's tokenizer, so they are cached apart (``diskcache.phrase_tokens``) and only for
caseminer's own tokenizer; any other tokenizer tokenizes them at build time.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from caseminer.nlp import diskcache
from caseminer.nlp.context.families import Lexicon, load_families
from caseminer.nlp.context.matcher import Trie, add_phrase, literal_trie
from caseminer.nlp.context.rules import Rule, literalize, rules_from_json
from caseminer.nlp.extensions import IMAGING, LAB, PROCEDURE
from caseminer.patterns import read_json

PATTERN_FILES = ("cues.json", "lexicon.json", "rules.json", "status.json")


def medspacy_rules_file() -> Path:
    """medspaCy's packaged English ConText rules, found without importing medspaCy (its
    ``resources`` folder lies beside the package, where ``ConText`` itself looks)."""
    spec = importlib.util.find_spec("medspacy")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("medspaCy is not installed: its default ConText rules are needed")
    package = Path(next(iter(spec.submodule_search_locations))).resolve()
    return package.parent / "resources" / "en" / "context_rules.json"


def restrict_negation(
    rule: Rule, never_negated: frozenset[str], explicit_only: frozenset[str]
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


def load_rules(
    patterns_dir: Path,
    use_default_rules: bool,
    never_negated: frozenset[str] = frozenset({LAB}),
    explicit_only: frozenset[str] = frozenset({PROCEDURE, IMAGING}),
    taken: Callable[[str], bool] | None = None,
) -> list[Rule]:
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

    def owned(rule: Rule) -> bool:
        return taken is not None and rule.pattern is None and taken(rule.literal.lower())

    ours = [r for r in rules_from_json(patterns_dir / "rules.json") if not owned(r)]
    cues = read_json("context", "cues.json", patterns_dir)
    disabled = {w.lower() for w in cues.get("disabled_default_literals", [])}
    rules = ours
    if use_default_rules:
        literals = {r.literal.lower() for r in ours} | disabled
        defaults = rules_from_json(medspacy_rules_file())
        rules = [r for r in defaults if r.literal.lower() not in literals and not owned(r)]
        rules += ours
    for rule in rules:
        restrict_negation(rule, never_negated, explicit_only)
    return rules


def family_rules(
    cues: dict[str, Any],
    lexicon: Lexicon,
    never_negated: frozenset[str] = frozenset({LAB}),
    explicit_only: frozenset[str] = frozenset({PROCEDURE, IMAGING}),
) -> tuple[list[Rule], Trie, set[str]]:
    """One rule per cue family of a parsed ``cues.json``, the trie of their phrases (a phrase
    belongs to the first family that spells it) and the set of those phrases."""
    taken: set[str] = set()
    families: list[Rule] = []
    trie: Trie = {}
    for family in load_families(cues):
        phrases = [p for p in family.phrases(lexicon) if p not in taken]
        if not phrases:
            continue
        taken.update(phrases)
        rule = Rule(
            literal=family.name,
            category=family.category,
            direction=family.direction,
            allowed_types=family.targets,
            max_scope=family.max_scope,
            metadata=family.metadata(),
        )
        restrict_negation(rule, never_negated, explicit_only)
        for phrase in phrases:
            add_phrase(trie, phrase.split(), len(families))
        families.append(rule)
    return families, trie, taken


def _build(patterns_dir: Path, use_default_rules: bool, literal_patterns: bool) -> dict[str, Any]:
    """The rule data (see the module docstring): family rules first, then the other rules."""
    status = read_json("context", "status.json", patterns_dir)
    cues = read_json("context", "cues.json", patterns_dir)
    lexicon = Lexicon.from_json(read_json("context", "lexicon.json", patterns_dir))
    never_negated = frozenset(status.get("never_negated_labels", [LAB]))
    explicit_only = frozenset(status.get("explicit_negation_labels", [PROCEDURE, IMAGING]))
    families, trie, taken = family_rules(cues, lexicon, never_negated, explicit_only)

    def owned(phrase: str) -> bool:
        return " ".join(lexicon.key(w) for w in phrase.split()) in taken

    rules = load_rules(patterns_dir, use_default_rules, never_negated, explicit_only, owned)
    if literal_patterns:
        rules = literalize(rules, owned)
    return {
        "rules": [r.to_data() for r in families + rules],
        "n_families": len(families),
        "family_trie": trie,
    }


def rule_data(
    patterns_dir: Path, use_default_rules: bool, literal_patterns: bool
) -> dict[str, Any]:
    """``_build``'s data, from the on-disk cache when it is fresh."""
    import spacy

    here = Path(__file__).parent
    sources = [patterns_dir / name for name in PATTERN_FILES]
    sources += [here / f for f in ("build.py", "families.py", "matcher.py", "rules.py")]
    if use_default_rules:
        sources.append(medspacy_rules_file())
    extra = f"{patterns_dir.resolve()}|{use_default_rules}|{literal_patterns}|{spacy.__version__}"
    return diskcache.cached(
        "context-rules",
        sources,
        lambda: _build(patterns_dir, use_default_rules, literal_patterns),
        extra=extra,
    )


def literal_tokens(
    texts: list[str], tokenizer: Callable[[str], Any], sources: list[Path]
) -> dict[str, list[str]]:
    """The token texts of each (lower-cased) literal as the pipeline's tokenizer splits it."""
    from caseminer.nlp.tokenizer import CaseminerTokenizer

    if type(tokenizer) is CaseminerTokenizer:
        return diskcache.phrase_tokens("context-literals", texts, tokenizer, sources)
    return {text: [t.text for t in tokenizer(text)] for text in dict.fromkeys(texts)}


def literal_rules_trie(
    rules: list[Rule], first: int, tokenizer: Callable[[str], Any], sources: list[Path]
) -> Trie:
    """The literal trie of ``rules`` (rule ``i`` stored as ``first + i``)."""
    texts = [r.literal.lower() for r in rules if r.pattern is None]
    return literal_trie(rules, literal_tokens(texts, tokenizer, sources), first)
