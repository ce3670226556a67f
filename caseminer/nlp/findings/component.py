"""caseminer_findings: FINDING items (signs, symptoms, examination, imaging and pathology findings).

Runs after caseminer_clinical and before caseminer_terminology. Reads top to bottom: normalise the
document's words (caseminer.terminology.normalize), find the runs of them that are lexicon keys
(caseminer.terminology.ngrams; every HPO phenotypic-abnormality name and exact synonym, ICD-10-CM
chapter R titles, and the generated wordings of caseminer.nlp.findings.lexicon), keep the longest
match at each place, then judge each match:

- what another extractor claimed stays theirs (lab values and tests, imaging studies, curated
  diagnoses and procedures): a phenotype that is also a curated disorder stays a DIAGNOSIS;
- disease-shaped terms (the terminology component's head rules: "... syndrome", "-itis", OMIM and
  Orphanet names) are left to caseminer_terminology, which adds them as diagnoses; a phenotype
  term that ends a diagnosis mention still gives that diagnosis its HPO code;
- generic words ("pain", "mass", "lesion") need a modifier before them or a phrase after them;
- acronyms match case-sensitively; nothing is taken from references or acknowledgements.

Each finding carries its HPO code first (with the UMLS CUI HPO gives), the ICD-10-CM R-code when the
term has one, a category read from its sentence, and the imaging study of its sentence if any.
Negation and hedging come from caseminer_context like every item's; words that state absence
("afebrile") also mark the item negated through ``_absent`` (read by the assembly).
"""

from bisect import bisect_right
from typing import Any

from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc, Span

from caseminer.nlp.coverage import RangeIndex
from caseminer.nlp.doc_arrays import token_table
from caseminer.nlp.extensions import (
    ATTRS_KEY,
    DIAGNOSIS,
    FINDING,
    IMAGING,
    SPAN_GROUP,
    doc_sections,
    get_attrs,
    register_extensions,
    section_at,
)
from caseminer.nlp.findings.handoff import ItemRows, abbreviation_pairs, leave
from caseminer.nlp.findings.lexicon import Lexicon, load_lexicon
from caseminer.nlp.findings.rules import FindingRules, Hit, load_rules
from caseminer.nlp.tokenizer import doc_text
from caseminer.terminology.cache import load_index
from caseminer.terminology.index import TerminologyIndex
from caseminer.terminology.normalize import WordStream, words

# bounds of the extractor's per-key and per-term memos (emptied when reached)
_FACTS_SIZE = 100_000
_CODES_SIZE = 50_000


@Language.factory(
    "caseminer_findings",
    assigns=["doc.spans"],
    default_config={"patterns_dir": None, "cache_path": None, "max_codes_per_system": 1},
)
def make_findings(
    nlp: Language,
    name: str,
    patterns_dir: str | None,
    cache_path: str | None,
    max_codes_per_system: int,
) -> "FindingsExtractor":
    """Build the component: the terminology index and the findings lexicon load from the disk
    cache (built on first use). ``patterns_dir`` overrides caseminer/patterns/findings.

    (No ``from __future__ import annotations`` here: spaCy validates factory arguments from
    their real annotations.)
    """
    register_extensions()
    index = load_index(cache_path)
    lexicon = load_lexicon(index, patterns_dir)
    return FindingsExtractor(index, lexicon, load_rules(patterns_dir), max_codes_per_system)


class FindingsExtractor:
    """Finds findings and writes them as FINDING item spans; see the module docstring."""

    def __init__(
        self,
        index: TerminologyIndex,
        lexicon: Lexicon,
        rules: FindingRules,
        max_codes_per_system: int = 1,
    ):
        self.index = index
        self.lex = lexicon
        self.rules = rules
        self.per_system = max_codes_per_system
        self._facts: dict[str, tuple[Any, ...]] = {}  # key -> key_facts(key)
        # (variant, entries) -> codes, across documents (see ``codes``)
        self._codes: dict[Any, list[dict[str, str]]] = {}

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    # ---- matching ------------------------------------------------------------------------
    def match(self, doc: Doc) -> list[Hit]:
        """Judged matches in text order (Doc character offsets)."""
        text = doc_text(doc)
        ws = words(text)
        if not len(ws):
            return []
        raw = self.lex.matches(self.index, ws)
        hits: list[Hit] = []
        seen: set[str] = set()  # heads found so far, for references back ("the mass")
        for k, s, e in _longest_first(_split_coordinations(raw)):
            hit = self.judge(text, ws, k, s, e)
            if hit is None:
                continue
            head = k.rsplit(" ", 1)[-1]
            if not hit.code_only:
                if self.rules.refers_back(k, text, hit.start, seen):
                    continue
                seen.add(head)
            hits.append(hit)
        hits += self.short_forms(doc, hits)
        return sorted(hits, key=lambda h: h.start)

    def judge(self, text: str, ws: WordStream, k: str, s: int, e: int) -> Hit | None:
        """A Hit for the match of key ``k`` over words s..e, or None when a rule rejects it."""
        start, end = ws.starts[s], ws.ends[e - 1]
        surface = text[start:end]
        facts = self._facts.get(k)
        if facts is None:
            facts = self.key_facts(k)
        target, entries, rule, required, cased, shaped, generic, absent = facts
        if required is not None:
            if surface != required:
                return None
        else:
            if cased:  # some entries match one exact surface only ("VSD", not "vsd")
                entries = [en for en in entries if len(en) < 3 or en[2] == surface]
                shaped = rule == "hpo" and self.rules.disease_shaped(k, self.categories(entries))
            abbreviation = any(len(en) > 2 for en in entries) if cased else False
            if (not entries and rule != "head") or self.rules.rejects_surface(
                surface, text, start, end, abbreviation
            ):
                return None
        if shaped:
            return Hit(start, end, target, entries, rule, False, surface, code_only=True)
        if generic:
            start = self.rules.modified_start(ws, s, e)
            if start is None:
                return None
        return Hit(start, end, target, entries, rule, absent, surface)

    def key_facts(self, k: str) -> tuple[Any, ...]:
        """What ``judge`` reads about a key whatever its surface, computed once per key: the
        same keys recur in every document, and each read unpacks the term's entries and every
        concept's category. (target, entries, rule, required surface, has case-sensitive
        entries, disease-shaped with all entries, generic, states absence). The entries are
        shared by the hits of the key: nothing downstream changes them. Emptied when it
        reaches _FACTS_SIZE so that it never grows without bound."""
        lex = self.lex
        target = lex.targets.get(k, k)
        entries = self.index.terms.get(target) or []
        rule = lex.rules.get(k, "hpo")
        shaped = rule == "hpo" and self.rules.disease_shaped(k, self.categories(entries))
        facts = (
            target,
            entries,
            rule,
            lex.surfaces.get(k),
            any(len(en) > 2 for en in entries),
            shaped,
            self.rules.is_generic(k),
            k in lex.absent,
        )
        if len(self._facts) >= _FACTS_SIZE:
            self._facts.clear()
        self._facts[k] = facts
        return facts

    def categories(self, entries: list[list[Any]]) -> list[str]:
        return [self.index.category(en[0]) for en in entries]

    def short_forms(self, doc: Doc, hits: list[Hit]) -> list[Hit]:
        """Every use of a short form defined in the text whose long form is a finding
        ("shortness of breath (SOB)" ... "SOB") is that finding too."""
        out: list[Hit] = []
        found = abbreviation_pairs(doc)  # plain offsets, read once for both components
        if not found:
            return out
        named = [hit for hit in hits if not hit.code_only]
        index = RangeIndex([(hit.start, hit.end) for hit in named])  # not a scan per short form
        text = doc_text(doc)
        for start, end, long_start, long_end in found:
            if end - start < 2:  # the short form's text is text[start:end]
                continue
            k = index.first_overlapping(long_start, long_end)
            if k is None:
                continue
            hit = named[k]
            out.append(
                Hit(start, end, hit.key, hit.entries, "abbreviation", hit.absent, text[start:end])
            )
        return out

    # ---- writing -------------------------------------------------------------------------
    def set_annotations(self, doc: Doc, hits: list[Hit]) -> None:
        """Write the judged hits. Why it reads the Doc once up front (the span group, the
        sentence starts, the sections, the text) and appends the new spans in one ``extend``:
        per hit, a Span property, ``doc._`` or span-group round trip cost more than the rule."""
        text = doc_text(doc)
        # what other extractors claimed; a lab's analyte mention is not claimed: when it names a
        # phenotype ("hypokalemia (2.4 mmol/L)", "tachycardia of 125/minute", "a 2/6 systolic
        # murmur") that is a finding, and the lab item keeps the value
        group = doc.spans[SPAN_GROUP] if SPAN_GROUP in doc.spans else ()
        # which characters some item covers: the per-hit overlap test is one ``bytearray.find``
        # in C over the hit's own length, not a scan of every item (a scan per hit is quadratic
        # in the document's length); ``live`` holds the covering ranges, so that removing an
        # item (``takes_over``, rare) recomputes only the characters of its own range
        live: list[tuple[int, int]] = []
        covered = bytearray(len(text) + 1)
        sentences = _SentenceIndex(doc, text)
        studies: dict[int, list[tuple[int, int]]] = {}  # sentence -> its imaging studies, in order
        diagnoses: dict[tuple[int, int], Span] = {}
        rows: list[tuple[int, int]] = []  # every DIAGNOSIS item's offsets, in group order
        # end_char -> (start_char, span) of the diagnoses ending there
        ending_at: dict[int, list[tuple[int, Span]]] = {}
        # labels compared as their hashes (a Span's ``label_`` is a string-store lookup); one
        # pass over the group (each item read builds a Span) fills all of the above
        imaging, diagnosis = hash_string(IMAGING), hash_string(DIAGNOSIS)
        ones = memoryview(b"\x01" * len(covered))  # (a slice marks a range, no new bytes)
        for s in group:
            start, end = s.start_char, s.end_char
            if start < end:
                live.append((start, end))
                covered[start:end] = ones[: end - start]
            label = s.label
            if label == imaging:
                studies.setdefault(sentences.of(start), []).append((start, end))
            elif label == diagnosis:
                rows.append((start, end))
                diagnoses.setdefault((start, end), s)
                ending_at.setdefault(end, []).append((start, s))
        sections = doc_sections(doc) or []
        section_starts = [sec["start_char"] for sec in sections]
        skip = self.rules.skip_sections
        # ``takes_over`` can only answer yes when some clinical rule yields (none by default)
        yielding = bool(diagnoses) and bool(self.rules.yield_rules)
        codes = self._codes  # codes per coded term, kept across documents (see ``codes``)
        if len(codes) >= _CODES_SIZE:
            codes.clear()
        categories: dict[int, str] = {}  # sentence number -> category read from its words
        added: list[Span] = []
        user_data = doc.user_data
        label = doc.vocab.strings.add(FINDING)  # a string is looked up again by every Span
        taken_over = False
        for hit in hits:
            if hit.code_only:
                self.code_diagnosis(hit, ending_at, codes, user_data)
                continue
            if yielding and self.takes_over(doc, hit, diagnoses, ending_at):
                _uncover(covered, live, hit.start, hit.end)
                taken_over = True
            if covered.find(1, hit.start, hit.end) != -1:
                self.code_diagnosis(hit, ending_at, codes, user_data)
                continue
            sec = section_at(sections, hit.start, section_starts)
            if (sec["kind"] if sec else "case") in skip:
                continue
            span = doc.char_span(hit.start, hit.end, label=label, alignment_mode="expand")
            if span is None:
                continue
            start_char, end_char = span.start_char, span.end_char
            if not text[start_char:end_char].strip():
                continue
            sent = sentences.of(start_char)
            if sent not in categories:
                categories[sent] = self.rules.category(sentences.text(sent))
            attrs = self.attrs(hit, category=categories[sent], memo=codes)
            same = studies.get(sent)
            if same:
                before = [st for st in same if st[0] <= start_char] or same
                attrs["category"] = "imaging"
                attrs["study_start_char"], attrs["study_end_char"] = before[-1]
            # ``set_attrs(span, attrs)`` without its per-span reads: the store key is
            # ``_key(span)``, the span's label (FINDING, given to ``char_span`` as its hash)
            # and offsets
            store = user_data.get(ATTRS_KEY)
            if store is None:
                store = user_data[ATTRS_KEY] = {}
            store[f"{FINDING} {start_char} {end_char}"] = attrs
            added.append(span)
            if start_char < end_char:
                live.append((start_char, end_char))
                covered[start_char:end_char] = ones[: end_char - start_char]
        if added:
            if SPAN_GROUP not in doc.spans:
                doc.spans[SPAN_GROUP] = []
            doc.spans[SPAN_GROUP].extend(added)
        # the terminology component's reading of the group, unless an item was removed
        # (``rows`` would need the same removal)
        leave(None if taken_over else ItemRows(doc, rows, covered))

    def takes_over(
        self,
        doc: Doc,
        hit: Hit,
        diagnoses: dict[tuple[int, int], Span],
        ending_at: dict[int, list[tuple[int, Span]]],
    ) -> bool:
        """A phenotype term the clinical word-shape rules took for a disorder ("ventriculomegaly"
        by its suffix) is a finding: the DIAGNOSIS with exactly its span is removed. Curated
        disorders keep their mentions."""
        span = diagnoses.get((hit.start, hit.end))
        if span is None or get_attrs(span).get("rule") not in self.rules.yield_rules:
            return False
        where = (span.start, span.end, span.label_)
        group = doc.spans[SPAN_GROUP]
        doc.spans[SPAN_GROUP] = [s for s in group if (s.start, s.end, s.label_) != where]
        del diagnoses[(hit.start, hit.end)]
        ending_at[span.end_char] = [row for row in ending_at[span.end_char] if row[1] is not span]
        return True

    def code_diagnosis(
        self,
        hit: Hit,
        ending_at: dict[int, list[tuple[int, Span]]],
        memo: dict[Any, Any] | None,
        user_data: dict[Any, Any],
    ) -> None:
        """A phenotype term that ends a diagnosis mention ("ulcerative colitis", "renal
        anomalies") gives that diagnosis its HPO code when it has none: the phenotype then
        reaches the patient's ``phenotype`` even though the item stays a diagnosis.
        (``get_attrs``/``set_attrs`` on the store directly: the key is the DIAGNOSIS label and
        the offsets ``ending_at`` holds, without a string-store lookup per span.)"""
        for start, _span in ending_at.get(hit.end, ()):
            if not start <= hit.start:
                continue
            key = f"{DIAGNOSIS} {start} {hit.end}"
            attrs = dict(user_data.get(ATTRS_KEY, {}).get(key, {}))
            have = {c["system"] for c in attrs.get("codes") or []}
            if "HPO" in have:
                return
            extra = [dict(c) for c in self.ranked(hit, memo) if c["system"] in ("HPO", "UMLS")]
            attrs["codes"] = list(attrs.get("codes") or []) + [
                c for c in extra if c["system"] not in have
            ]
            store = user_data.get(ATTRS_KEY)
            if store is None:
                store = user_data[ATTRS_KEY] = {}
            store[key] = attrs
            return

    def codes(self, hit: Hit, memo: dict[Any, Any] | None = None) -> list[dict[str, str]]:
        """The codes of a hit: HPO first (with its UMLS CUI), ICD-10-CM R-codes; each caller
        gets its own dicts (see ``ranked``)."""
        return [dict(c) for c in self.ranked(hit, memo)]

    def ranked(self, hit: Hit, memo: dict[Any, Any] | None = None) -> list[dict[str, str]]:
        """``codes`` without the copies (the caller must copy what it keeps). ``memo`` keeps
        them per term: a finding is often named several times, and coding ranks every entry.
        The codes depend on the entries and ``variant`` only (the index and ``per_system`` are
        the extractor's), so ``set_annotations`` keeps one memo across documents."""
        variant = hit.rule != "hpo" or hit.surface.lower() != hit.key
        name = (variant, *map(tuple, hit.entries))
        codes = memo.get(name) if memo is not None else None
        if codes is None:
            entries = [
                en for en in hit.entries if self.index.category(en[0]).startswith(("hpo", "icd:R"))
            ]
            codes = self.index.codes(entries or hit.entries, variant, self.per_system)
            codes.sort(key=lambda c: (c["system"] != "HPO", c["system"] != "UMLS"))
            codes = [c for c in codes if c["system"] != "ICD-10-CM" or c["code"].startswith("R")]
            if memo is not None:
                memo[name] = codes
        return codes

    def attrs(
        self,
        hit: Hit,
        sentence: str = "",
        category: str | None = None,
        memo: dict[Any, Any] | None = None,
    ) -> dict[str, Any]:
        """The FINDING fields: name, codes (HPO first, ICD-10-CM R-codes), category (read from
        ``sentence`` unless the caller read it already), rule."""
        codes = self.codes(hit, memo)
        attrs: dict[str, Any] = {
            "normalized": codes[0]["display"] if codes else hit.key,
            "category": self.rules.category(sentence) if category is None else category,
            "codes": codes,
            "rule": f"findings.{hit.rule}",
        }
        if hit.absent:
            attrs["_absent"] = hit.surface
        return attrs


def _uncover(covered: bytearray, live: list[tuple[int, int]], start: int, end: int) -> None:
    """Remove one covering range ``(start, end)`` from ``live`` and mark again, over its
    characters, what the remaining ranges cover (another item may share the range)."""
    if start >= end:
        return
    live.remove((start, end))
    covered[start:end] = bytes(end - start)
    for a, b in live:
        if a < end and start < b:
            lo, hi = max(a, start), min(b, end)
            covered[lo:hi] = b"\x01" * (hi - lo)


def _split_coordinations(raw: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Drop a coordinated term ("nausea and vomiting", "fever and chills") when both conjuncts
    are terms matched on their own: two findings, as annotators and phenotype lists count them."""
    spans = {(s, e) for _, s, e in raw}
    out = []
    for k, s, e in raw:
        # (" and " in k) is ("and" in words[1:-1]): a key's words are joined by single spaces,
        # so an inner "and" has a space on both sides and a first or last one lacks one; the
        # substring test in C spares the split of every other key
        if " and " not in k:
            out.append((k, s, e))
            continue
        words = k.split(" ")
        if "and" in words[1:-1]:
            i = words.index("and")
            if (s, s + i) in spans and (s + i + 1, e) in spans:
                continue
        out.append((k, s, e))
    return out


def _longest_first(raw: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Non-overlapping matches, the longest (then leftmost) kept where they compete."""
    # the words taken so far, one byte each: a test is one ``find`` in C over the match's own
    # words (as ``set.isdisjoint(range(s, e))`` answers it, without an int per word)
    chosen: list[tuple[str, int, int]] = []
    used = bytearray(max((e for _, _, e in raw), default=0))
    for k, s, e in sorted(raw, key=lambda m: (m[1] - m[2], m[1])):
        if s < e:
            if used.find(1, s, e) != -1:
                continue
            used[s:e] = b"\x01" * (e - s)
        chosen.append((k, s, e))
    return sorted(chosen, key=lambda m: m[1])


class _SentenceIndex:
    """Sentence number of a character offset, by bisecting sentence start offsets once."""

    def __init__(self, doc: Doc, text: str) -> None:
        # (no ``has_annotation`` test first: without sentence starts the table holds none after
        # the first token, whose offset is 0, so the result is the one sentence [0] either way;
        # the Doc's shared token table: ``caseminer.nlp.doc_arrays``)
        self.starts: list[int] = token_table(doc).start_chars or [0]  # shared: read only
        self._text = text

    def of(self, char: int) -> int:
        return max(0, bisect_right(self.starts, char) - 1)

    def text(self, n: int) -> str:
        end = self.starts[n + 1] if n + 1 < len(self.starts) else len(self._text)
        return self._text[self.starts[n] : end]
