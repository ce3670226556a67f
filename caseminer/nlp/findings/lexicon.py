"""The findings lexicon: which term keys name a finding, and the generated wordings.

Why keys and not spaCy tokens: the terminology cache (caseminer.terminology) already stores every
HPO name and exact synonym, ICD-10-CM title and OMIM/Orphanet name as a *normalised key* (lower
case, American spelling, singular, articles dropped; caseminer.terminology.normalize). Matching the
same normalised word stream of a document against those keys makes "haemorrhages", "hemorrhage" and
"the haemorrhage" one term without listing spellings, and keeps the matcher independent of how the
tokenizer splits hyphens.

Where the keys are found (``matches``): the terminology index's own ``KeyTable``
(caseminer.terminology.ngrams) gives every run of words that is a term key, and the terminology
component, which runs next, reuses the same per-document list; the few generated wordings are
tried only where a word that starts one stands. A run is a finding key when ``is_key`` says so,
which checks exactly what the set of finding keys is defined by (a generated wording, or a term
key of an HPO or chapter-R concept that is not on the stop-list): nothing is stored per key.

Generated wordings (data in caseminer/patterns/findings/): adjectival forms ("febrile" -> fever),
word-order variants of combining-form terms ("spleen was enlarged" -> splenomegaly) and undefined
clinical acronyms ("SOB"). Each maps to the key of a terminology term, whose codes it takes.

Deriving them walks the whole terminology index (about a second), so the built lexicon is stored
as plain data (marshal) in the cache dir next to the terminology cache, under a fingerprint of
that cache, the findings pattern files and this code: start-up then reads a few small dicts. The
file is only ever read from the user's own cache dir and only if it carries our header, as the
terminology cache is.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy
from spacy.strings import hash_string

from caseminer.patterns import concern_dir, read_json, read_jsonl
from caseminer.terminology.cache import cache_dir
from caseminer.terminology.index import TerminologyIndex
from caseminer.terminology.ngrams import word_hashes
from caseminer.terminology.normalize import WordStream, key

# marshal is per Python version: the header names it, and a file of another version is rebuilt
MAGIC = b"caseminer-findings:3:%d.%d\n" % sys.version_info[:2]
# concept categories a finding key may carry (HPO phenotypic abnormality, ICD-10-CM chapter R)
FINDING_CATEGORIES = ("hpo", "icd:R")
_KNOWN_SIZE = 100_000


@dataclass
class Lexicon:
    """What the findings component matches with; see the module docstring."""

    # generated key -> terminology key whose entries code it (absent: the key is a terminology key)
    targets: dict[str, str] = field(default_factory=dict)
    # key -> rule name for generated keys ("adjective", "site_variant", "acronym")
    rules: dict[str, str] = field(default_factory=dict)
    # acronym key -> the exact surface it must have ("SOB", not "sob")
    surfaces: dict[str, str] = field(default_factory=dict)
    # keys that state absence ("afebrile")
    absent: frozenset[str] = frozenset()
    # terminology keys never matched as findings (rules.json "stop")
    stop: frozenset[str] = frozenset()
    # first word of a generated key -> the most words of a generated key starting with it
    first_words: dict[str, int] = field(default_factory=dict)
    # ``is_key`` answers for the index ``_known_for``: the same terms recur in every document,
    # and an answer unpacks the term's entries and reads each concept's category. Emptied when
    # it reaches _KNOWN_SIZE, so it never grows without bound.
    _known: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    _known_for: Any = field(default=None, repr=False, compare=False)
    # (the ``first_words`` dict, its size, spaCy's hashes of its words sorted): see ``_starts``
    _first_numbers: Any = field(default=None, repr=False, compare=False)

    def is_key(self, index: TerminologyIndex, k: str) -> bool:
        """``k`` is a finding key: a generated wording, or a terminology key that names a
        finding and is not stopped (exactly the keys the table was built from)."""
        if k in self.targets:
            return True
        entries = index.terms.get(k)
        return bool(entries) and k not in self.stop and eligible(index, entries)

    def matches(self, index: TerminologyIndex, ws: WordStream) -> list[tuple[str, int, int]]:
        """(key, first word, last word + 1) of every run of words that is a finding key and
        holds no phrase break, by start (the key is the matched words themselves)."""
        norms, breaks, size = ws.norms, ws.breaks, len(ws)
        runs = set(index.table.candidates(ws))  # memoised on the stream for the terminology
        first = self.first_words
        for i in self._starts(ws):
            most = first.get(norms[i])
            if most is None:
                continue  # a word whose hash only collides with a first word's
            for n in range(1, min(most, size - i) + 1):
                if n > 1 and breaks[i + n - 1]:
                    break
                if " ".join(norms[i : i + n]) in self.targets:
                    runs.add((i, n))
        if self._known_for is not index or len(self._known) > _KNOWN_SIZE:
            self._known.clear()
            self._known_for = index
        known = self._known
        out = []
        for s, n in sorted(runs):
            # (a one-word run is its word: no slice and join for the most common runs)
            k = norms[s] if n == 1 else " ".join(norms[s : s + n])
            found = known.get(k)
            if found is None:
                found = known[k] = self.is_key(index, k)
            if found:
                out.append((k, s, s + n))
        return out

    def _starts(self, ws: WordStream) -> list[int]:
        """Positions of the words that may begin a generated key: those whose hash (the n-gram
        tables' ``word_hashes``, already made for the stream) is a first word's, found with a
        few numpy calls instead of a dict probe per word. A superset of the first words'
        positions (a hash collision is let through; ``matches`` looks the word up)."""
        first, made = self.first_words, self._first_numbers
        if made is not None and made[0] is first and made[1] == len(first):
            numbers = made[2]
        else:  # made on first use, again if ``first_words`` was replaced or grew
            numbers = numpy.unique(numpy.array([hash_string(w) for w in first], numpy.uint64))
            self._first_numbers = (first, len(first), numbers)
        if not len(numbers) or not len(ws):
            return []
        hashes = word_hashes(ws)
        pos = numpy.searchsorted(numbers, hashes)
        numpy.minimum(pos, len(numbers) - 1, out=pos)
        return numpy.flatnonzero(numbers[pos] == hashes).tolist()

    def to_data(self) -> dict[str, Any]:
        """Plain data for the disk cache."""
        return {
            "targets": self.targets,
            "rules": self.rules,
            "surfaces": self.surfaces,
            "absent": sorted(self.absent),
            "stop": sorted(self.stop),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Lexicon:
        return cls(
            data["targets"],
            data["rules"],
            data["surfaces"],
            frozenset(data["absent"]),
            frozenset(data["stop"]),
            first_words(data["targets"]),
        )


def fingerprint(index: TerminologyIndex, patterns_dir: str | None) -> str:
    """Hash of what the lexicon is built from: terminology cache, pattern files, this code."""
    h = hashlib.sha256()
    h.update(str(index.meta.get("fingerprint", "")).encode())
    h.update(str(index.meta.get("n_terms", "")).encode())
    folder = concern_dir("findings", patterns_dir)
    for path in sorted(folder.glob("*.json*")) + [Path(__file__)]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def eligible(index: TerminologyIndex, entries: list[list[Any]]) -> bool:
    """A key names a finding when one of its concepts is an HPO phenotypic abnormality or an
    ICD-10-CM symptom/sign (chapter R)."""
    return any(index.category(e[0]).startswith(FINDING_CATEGORIES) for e in entries)


def terminology_keys(index: TerminologyIndex, stop: frozenset[str]) -> list[str]:
    """Every cache key that names a finding (case-sensitive abbreviation entries included; the
    component checks their surface)."""
    return [k for k, es in index.terms.items() if k not in stop and eligible(index, es)]


def adjective_keys(patterns_dir: str | None) -> tuple[dict[str, str], frozenset[str]]:
    """Adjectival forms -> target keys, and the forms that state absence."""
    data = read_json("findings", "adjectives.json", patterns_dir)
    targets = {key(form): key(term) for form, term in data["forms"].items()}
    return targets, frozenset(key(w) for w in data.get("absent", []))


def site_variant_keys(index: TerminologyIndex, patterns_dir: str | None) -> dict[str, str]:
    """Word-order variants of one-word combining-form terms ("enlarged spleen" -> splenomegaly)."""
    data = read_json("findings", "site_variants.json", patterns_dir)
    forms: dict[str, list[str]] = data["combining_forms"]
    fillers = {"be": data["be"], "adv": data["adv"]}
    out: dict[str, str] = {}
    organs = {key(o): adjs for o, adjs in data.get("organ_adjectives", {}).items()}
    # "abnormality of {organ}" -> head "abnormality"
    of_templates = {
        key(t.split(" of {organ}")[0]): ws for t, ws in data.get("of_templates", {}).items()
    }
    for term_key, entries in index.terms.items():
        if not eligible(index, entries):
            continue
        for head, templates in of_templates.items():
            if term_key.startswith(head + " of ") and term_key[len(head) + 4 :] in organs:
                adjs = organs[term_key[len(head) + 4 :]]
                for template in templates:
                    for adj in adjs:
                        out.setdefault(key(template.replace("{adj}", adj)), term_key)
        if " " in term_key:
            continue
        for suffix, templates in data["suffixes"].items():
            if not term_key.endswith(suffix):
                continue
            sites = forms.get(term_key[: -len(suffix)])
            if not sites:
                continue
            for template in templates:
                for wording in _expand(template, sites, fillers):
                    out.setdefault(key(wording), term_key)
    return out


def _expand(template: str, sites: list[str], fillers: dict[str, list[str]]) -> list[str]:
    """Every wording of one template: {site}, {be} and {adv} replaced by each of their values."""
    texts = [template.replace("{site}", s) for s in sites]
    for name, values in fillers.items():
        slot = "{" + name + "}"
        texts = [t.replace(slot, v) for t in texts for v in values] if slot in template else texts
    return [" ".join(t.split()) for t in texts]


def acronym_keys(patterns_dir: str | None, ambiguous: frozenset[str]) -> dict[str, tuple[str, str]]:
    """Undefined clinical acronyms: key -> (surface, target key). Ambiguous ones are left out:
    they count only when the text defines them (handled through the abbreviation component)."""
    out: dict[str, tuple[str, str]] = {}
    for row in read_jsonl("findings", "acronyms.jsonl", patterns_dir):
        if row["short"] not in ambiguous:
            out[key(row["short"])] = (row["short"], key(row["term"]))
    return out


def head_keys(index: TerminologyIndex, patterns_dir: str | None) -> dict[str, str]:
    """Finding heads (heads.json): key -> the key of the term that codes it, or the head's own
    key when it has none (an uncoded finding)."""
    heads: dict[str, str | None] = read_json("findings", "heads.json", patterns_dir)["heads"]
    out = {}
    for head, term in heads.items():
        target = key(term) if term else ""
        out[key(head)] = target if target in index.terms else key(head)
    return out


def build_lexicon(index: TerminologyIndex, patterns_dir: str | None = None) -> Lexicon:
    """Derive the generated wordings (the terminology keys are read from the index itself)."""
    rules = read_json("findings", "rules.json", patterns_dir)
    stop = frozenset(key(w) for w in rules["stop"])
    lex = Lexicon(stop=stop)
    keys = set(terminology_keys(index, stop))
    adjectives, lex.absent = adjective_keys(patterns_dir)
    generated: list[tuple[dict[str, str], str]] = [
        (adjectives, "adjective"),
        (site_variant_keys(index, patterns_dir), "site_variant"),
    ]
    acronyms = acronym_keys(patterns_dir, frozenset(rules["ambiguous_acronyms"]))
    generated.append(({k: t for k, (_, t) in acronyms.items()}, "acronym"))
    for mapping, rule in generated:
        for k, target in mapping.items():
            if k in keys or target not in index.terms:
                continue  # a terminology term of its own wins; an unknown target codes nothing
            lex.targets[k], lex.rules[k] = target, rule
    for k, target in head_keys(index, patterns_dir).items():
        if k not in keys and k not in lex.targets:
            lex.targets[k], lex.rules[k] = target, "head"
    lex.surfaces = {k: surface for k, (surface, _) in acronyms.items() if k in lex.targets}
    lex.first_words = first_words(lex.targets)
    return lex


def first_words(keys: Iterable[str]) -> dict[str, int]:
    """First word of each key -> the most words of a key starting with it."""
    out: dict[str, int] = {}
    for k in keys:
        head, n = k.split(" ", 1)[0], k.count(" ") + 1
        out[head] = max(n, out.get(head, 0))
    return out


def lexicon_path(index: TerminologyIndex, patterns_dir: str | None) -> Path:
    return cache_dir() / f"findings-{fingerprint(index, patterns_dir)}.bin"


def load_lexicon(index: TerminologyIndex, patterns_dir: str | None = None) -> Lexicon:
    """The lexicon from the disk cache, built and written first when missing or stale."""
    path = lexicon_path(index, patterns_dir)
    try:
        blob = path.read_bytes()
        if blob.startswith(MAGIC):
            return Lexicon.from_data(marshal.loads(memoryview(blob)[len(MAGIC) :]))
    except (OSError, EOFError, KeyError, IndexError, TypeError, ValueError):
        pass
    lex = build_lexicon(index, patterns_dir)
    _write(lex, path)
    return lex


def _write(lex: Lexicon, path: Path) -> None:
    """Atomic write; stale lexicons of older fingerprints (and the older pickled format) are
    removed. A read-only cache dir only costs the next start-up a rebuild."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".findings-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC)
            fh.write(marshal.dumps(lex.to_data()))
        os.replace(tmp, path)
        for old in [*path.parent.glob("findings-*.bin"), *path.parent.glob("findings-*.pkl")]:
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass
