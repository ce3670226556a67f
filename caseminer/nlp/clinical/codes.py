"""ICD-10-PCS root operations for procedure names (patterns/clinical/procedure_codes.json), with
each rule's regex tried only on names that hold one of the words it needs.

Why: the first of ~22 rules whose regex matches the name wins, and most rules do not match a
given name, so trying them one by one was most of a procedure's attribute reading. Every rule's
regex needs one of a few literal strings ("ectomy", "biops", "stent"...), read off its parsed
pattern (``required_literals``); a substring test on the lower-cased name rejects the others
with the same result as their regex (which is still what decides when the test passes).
The denied-history cues (``CandidateFilters.negated_history_cue``) use the same test.
"""

from __future__ import annotations

import re
from typing import Any

from caseminer.nlp.regex_tree import sre_c, sre_parse

Literals = frozenset[str]

# names whose first matching rule ``ProcedureCoder`` remembers (cleared when it grows past this)
CODE_MEMO_SIZE = 50_000
_UNSEEN = -2


def required_literals(pattern: str, flags: int = 0) -> Literals | None:
    """Lower-case strings one of which every match of ``pattern`` contains, or None when none
    can be told (the rule is then always tried). Only ASCII literals are used: a name is
    tested only when it is ASCII, where case-insensitive matching is plain ASCII folding."""
    try:
        return _required(list(sre_parse.parse(pattern, flags)))
    except (RecursionError, re.error):
        return None


def _required(items: list) -> Literals | None:
    """For a sequence: the best requirement among its literal runs and required parts."""
    found: list[Literals] = []
    run: list[str] = []

    def flush() -> None:
        text = "".join(run)
        if text and text.isascii():
            found.append(frozenset([text.lower()]))
        run.clear()

    for op, arg in items:
        if op is sre_c.LITERAL:
            run.append(chr(arg))
            continue
        flush()
        need = _item(op, arg)
        if need:
            found.append(need)
    flush()
    if not found:
        return None
    # the set whose shortest string is longest rejects the most names
    return max(found, key=lambda s: (min(map(len, s)), -len(s)))


def _item(op: Any, arg: Any) -> Literals | None:
    """What one non-literal item of a sequence requires (None: nothing known)."""
    if op is sre_c.SUBPATTERN:
        return _required(list(arg[-1]))
    if op is sre_c.BRANCH:
        needs = [_required(list(alternative)) for alternative in arg[1]]
        if any(n is None for n in needs):
            return None
        return frozenset().union(*needs)  # type: ignore[arg-type]
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        low, _high, body = arg
        return _required(list(body)) if low >= 1 else None
    if op is sre_c.IN and all(o is sre_c.LITERAL for o, _ in arg):
        chars = [chr(a) for _, a in arg]
        if all(c.isascii() for c in chars):
            return frozenset(c.lower() for c in chars)
    return None  # anchors, look-arounds, classes, any character: nothing required


class ProcedureCoder:
    """The rules of procedure_codes.json, first match wins (see the module docstring).

    Which rules' literals a name holds is read in one pass: a lookahead over a trie of every
    literal (``_trie_pattern``) reports at each position of the name the longest literal
    starting there; it stands for the shorter literals it starts with too (``_implied``), so
    the set of rules with a literal in the name is exact."""

    def __init__(self, table: dict[str, Any]) -> None:
        self.system = str(table.get("system", "ICD-10-PCS"))
        self.rules: list[tuple[re.Pattern[str], str, str]] = []
        self.always: set[int] = set()  # rules with no literal to look for
        owners: dict[str, set[int]] = {}
        for k, r in enumerate(table.get("rules", [])):
            self.rules.append((re.compile(r["match"], re.IGNORECASE), r["code"], r["display"]))
            need = required_literals(r["match"], re.IGNORECASE)
            if need is None:
                self.always.add(k)
            for literal in need or ():
                owners.setdefault(literal, set()).add(k)
        literals = sorted(owners, key=lambda s: (-len(s), s))
        # a literal found at a position means every literal it starts with is there too
        self._implied = {
            found: frozenset(k for lit in literals if found.startswith(lit) for k in owners[lit])
            for found in literals
        }
        self._scan = re.compile(f"(?=({_trie_pattern(literals)}))") if literals else None
        # name -> index of its first matching rule, or None: a pure function of the name, so
        # remembered across documents (procedure wordings recur: "biopsy", "resection")
        self._first: dict[str, int | None] = {}

    def _candidates(self, name: str) -> list[int]:
        """Indices of the rules that can match ``name``, in rule order."""
        if self._scan is None or not name.isascii():
            return list(range(len(self.rules)))
        chosen = set(self.always)
        for found in set(self._scan.findall(name.lower())):
            chosen |= self._implied[found]
        return sorted(chosen)

    def first_rule(self, name: str) -> int | None:
        """Index of the first rule whose regex matches ``name`` (None: no rule does); worked
        out once per name and remembered, since it depends on the name alone."""
        found = self._first.get(name, _UNSEEN)
        if found == _UNSEEN:
            found = None
            for k in self._candidates(name):
                if self.rules[k][0].search(name):
                    found = k
                    break
            if len(self._first) >= CODE_MEMO_SIZE:
                self._first.clear()
            self._first[name] = found
        return found

    def codes(self, *names: str) -> list[dict[str, str]]:
        """The code of the first rule matching the first name that any rule matches (a new
        list of new dicts on every call: callers may change them)."""
        for name in names:
            if not name:
                continue
            k = self.first_rule(name)
            if k is not None:
                _rx, code, display = self.rules[k]
                found = {"system": self.system, "code": code, "display": display}
                return [{**found, "match": "curated"}]
        return []


def _trie_pattern(words: list[str]) -> str:
    """A regex matching the longest of ``words`` at a position: the words as a trie, each
    word's end an optional (greedy) continuation, so shared beginnings are read once."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(c) + pattern(node[c]) for c in sorted(node) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)
