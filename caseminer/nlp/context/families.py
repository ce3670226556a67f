"""Cue families: ConText rules written as templates over a verb-form lexicon, expanded to phrases.

Why: the rules used to be fixed strings ("was ruled out", "were not observed"), one per wording
seen in the development corpus, and they did not carry over to new reports. A family says the
grammar once ("{be} {not} {discovery:pp}": any form of *be*, a negation, the participle of any
finding verb) and the lexicon (``patterns/context/lexicon.json``) says the words, so "lesions were
never visualised" is covered because *visualise* is a finding verb, not because someone saw it.

The pipeline has no tagger or lemmatizer, so templates are expanded here, when the component is
built, into the finite set of phrases they spell; words of the classes matched as a class
(adverbs, modals, "not" ...) are spelled as the class ("@adverb"). The phrases of all families go
into one phrase trie (caseminer.nlp.context.matcher), whose cost does not grow with the number of
phrases (a token-pattern ``Matcher`` would be tried at every token). Importing this module does
nothing but define; the expansion runs when the rule data is built (caseminer.nlp.context.build),
which the on-disk cache saves in every later process.

Template syntax (see ``patterns/context/README.md``): slots separated by spaces; ``a|b``
alternatives; ``{class}`` a word class; ``{group:pp,past}`` forms of every verb of a group (forms:
base, s, past, pp, ing); a slot ending in ``?`` may be absent.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

FORMS = ("base", "s", "past", "pp", "ing")
# a family whose templates spell more phrases than this is almost certainly a template mistake
MAX_PHRASES_PER_FAMILY = 20_000


@dataclass(frozen=True)
class Lexicon:
    """Word classes and verb forms (``patterns/context/lexicon.json``)."""

    words: dict[str, list[str]]
    verbs: dict[str, list[str]]
    groups: dict[str, list[str]]
    # word -> "@class" for the classes matched as a class (lexicon.json "matched_as_class")
    class_of: dict[str, str] = field(default_factory=dict)
    # spaCy word shape -> "@class" (lexicon.json "shape_classes"): "dddd" -> "@year"
    shape_classes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lexicon:
        verbs = data.get("verbs", {})
        for lemma, forms in verbs.items():
            if len(forms) != len(FORMS):
                raise ValueError(f"verb {lemma!r}: expected the forms {FORMS}, got {forms}")
        groups = data.get("verb_groups", {})
        for name, members in groups.items():
            unknown = [m for m in members if m not in verbs]
            if unknown:
                raise ValueError(f"verb group {name!r} names verbs not in 'verbs': {unknown}")
        words = data.get("words", {})
        class_of: dict[str, str] = {}
        for name in data.get("matched_as_class", []):
            for word in words[name]:
                if word in class_of:
                    raise ValueError(f"{word!r} is in two classes: {class_of[word]}, {name}")
                class_of[word.lower()] = "@" + name
        shapes = {shape: "@" + name for shape, name in data.get("shape_classes", {}).items()}
        return cls(words, verbs, groups, class_of=class_of, shape_classes=shapes)

    def key(self, word: str) -> str:
        """How a (lower-case) word is matched: its class token, or itself."""
        return self.class_of.get(word, word)

    def verb_forms(self, ref: str) -> list[str]:
        """Forms named by ``group:form,form`` (a group name or a single verb lemma)."""
        name, _, wanted = ref.partition(":")
        lemmas = self.groups.get(name) or ([name] if name in self.verbs else None)
        if lemmas is None:
            raise ValueError(f"unknown verb group or verb {name!r} in {{{ref}}}")
        forms = [f.strip() for f in wanted.split(",")] if wanted else list(FORMS)
        bad = [f for f in forms if f not in FORMS]
        if bad:
            raise ValueError(f"unknown verb form(s) {bad} in {{{ref}}}; known: {FORMS}")
        out = [self.verbs[lemma][FORMS.index(f)] for lemma in lemmas for f in forms]
        return list(dict.fromkeys(out))

    def expand_ref(self, ref: str) -> list[str]:
        """The words a ``{...}`` reference stands for."""
        if ":" in ref:
            return self.verb_forms(ref)
        if ref in self.words:
            return list(dict.fromkeys(self.key(w) for w in self.words[ref]))
        if "@" + ref in self.shape_classes.values():
            return ["@" + ref]
        if ref in self.groups or ref in self.verbs:
            return self.verb_forms(ref)
        raise ValueError(f"unknown word class {{{ref}}}")

    def finite_forms(self, classes: list[str], groups: list[str]) -> set[str]:
        """Finite verb forms (s, past) of ``groups`` plus the words of ``classes``: the words
        that show a clause has its verb (see caseminer.nlp.context.scope)."""
        out = {w for c in classes for w in self.words.get(c, ())}
        for g in groups:
            out.update(w for w in self.verb_forms(f"{g}:s,past") if " " not in w)
        return out


def expand_slot(slot: str, lexicon: Lexicon) -> list[str | None]:
    """The alternatives of one template slot (None: the slot may be absent)."""
    optional = slot.endswith("?")
    body = slot[:-1] if optional else slot
    words: list[str | None] = []
    for alt in body.split("|"):
        if alt.startswith("{") and alt.endswith("}"):
            words.extend(lexicon.expand_ref(alt[1:-1]))
        elif alt:
            words.append(" ".join(lexicon.key(w) for w in alt.lower().split()))
    if optional:
        words.append(None)
    return words


def expand_template(template: str, lexicon: Lexicon) -> list[str]:
    """Every phrase a template spells, in a stable order."""
    choices = [expand_slot(slot, lexicon) for slot in template.split()]
    phrases = []
    for combo in itertools.product(*choices):
        words = [lexicon.key(w) for part in combo if part for w in part.split()]
        if words:
            phrases.append(" ".join(words))
    return list(dict.fromkeys(phrases))


@dataclass
class Family:
    """One cue family of ``cues.json`` (see its ``_about``)."""

    name: str
    category: str
    direction: str
    templates: list[str]
    note: str
    targets: list[str] | None = None
    max_scope: int | None = None
    fronted_comma_closes: bool = False
    not_followed_by: list[str] = field(default_factory=list)
    clause_scope: bool = True

    @classmethod
    def from_json(cls, data: dict[str, Any], target_kinds: dict[str, list[str] | None]) -> Family:
        name = data.get("name", "?")
        if not data.get("note"):
            raise ValueError(f"cue family {name!r} has no note saying what it covers")
        kind = data.get("targets", "all")
        if kind not in target_kinds:
            raise ValueError(f"cue family {name!r}: unknown targets {kind!r}")
        return cls(
            name=name,
            category=data["category"].upper(),
            direction=data["direction"].upper(),
            templates=list(data["templates"]),
            note=data["note"],
            targets=target_kinds[kind],
            max_scope=data.get("max_scope"),
            fronted_comma_closes=bool(data.get("fronted_comma_closes", False)),
            not_followed_by=[w.lower() for w in data.get("not_followed_by", [])],
            clause_scope=bool(data.get("clause_scope", True)),
        )

    def phrases(self, lexicon: Lexicon) -> list[str]:
        out: dict[str, None] = {}
        for template in self.templates:
            out.update(dict.fromkeys(expand_template(template, lexicon)))
        if len(out) > MAX_PHRASES_PER_FAMILY:
            raise ValueError(f"cue family {self.name!r} spells {len(out)} phrases: check templates")
        return list(out)

    def metadata(self) -> dict[str, Any]:
        """What the scope code needs to know about a rule of this family."""
        meta: dict[str, Any] = {"family": self.name}
        if self.fronted_comma_closes:
            meta["fronted_comma_closes"] = True
        if self.not_followed_by:
            meta["not_followed_by"] = self.not_followed_by
        if not self.clause_scope:
            meta["clause_scope"] = False
        return meta


def load_families(cues: dict[str, Any]) -> list[Family]:
    """The families of a parsed ``cues.json``, in file order (earlier families own a phrase)."""
    kinds = cues.get("targets", {"all": None})
    return [Family.from_json(f, kinds) for f in cues.get("families", [])]


def phrase_owners(families: list[Family], lexicon: Lexicon) -> dict[str, list[str]]:
    """phrase -> names of every family that spells it (for tests and for editing the data)."""
    owners: dict[str, list[str]] = {}
    for family in families:
        for phrase in family.phrases(lexicon):
            owners.setdefault(phrase, []).append(family.name)
    return owners
