"""caseminer_clinical: DIAGNOSIS and PROCEDURE items (pipeline step 6).

Reads top to bottom: load the clinical vocabulary (caseminer/patterns/clinical), match curated
terms plus general word-shape rules, widen to the annotator's span, drop what belongs to other
extractors (imaging studies, lab tests), and append the items to ``doc.spans["caseminer"]`` with
their attrs. ``status`` is provisional ("confirmed") until caseminer_context runs.
"""

from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from caseminer.nlp.clinical.attrs import AttributeReader, build_attrs
from caseminer.nlp.clinical.match import PROCEDURE, Candidate, ClinicalMatcher
from caseminer.nlp.clinical.view import DocView
from caseminer.nlp.clinical.vocab import load_vocab
from caseminer.nlp.coverage import Coverage
from caseminer.nlp.diskcache import copy_pattern_files
from caseminer.nlp.extensions import (
    ATTRS_KEY,
    CATEGORIES,
    IMAGING,
    LAB,
    SPAN_GROUP,
    item_stores,
    items,
    register_extensions,
)
from caseminer.patterns import concern_dir


def lab_analyte_spans(doc: Doc, labs: list[Span] | None = None) -> list[tuple[int, int]]:
    """Character spans of the tests that lab values are reported for ("ECG" in "ECG was normal");
    ``labs``: the Doc's LAB items, when the caller has them."""
    out = []
    store = doc.user_data.get(ATTRS_KEY, {})
    for span in items(doc, LAB) if labs is None else labs:
        # get_attrs(span), with the label known: the store key is "LAB <start> <end>"
        attrs = store.get(f"{LAB} {span.start_char} {span.end_char}", {})
        start, end = attrs.get("analyte_start_char"), attrs.get("analyte_end_char")
        if isinstance(start, int) and isinstance(end, int) and start < end:
            out.append((start, end))
    return out


@Language.factory(
    "caseminer_clinical",
    assigns=["doc.spans"],
    default_config={"patterns_dir": None, "use_morphology": True, "skip_overlapping_items": True},
)
def make_clinical(
    nlp: Language,
    name: str,
    patterns_dir: str | None,
    use_morphology: bool,
    skip_overlapping_items: bool,
) -> "ClinicalExtractor":
    """Build the component; ``patterns_dir`` overrides caseminer/patterns/clinical.

    (No ``from __future__ import annotations`` here: spaCy validates factory arguments from
    their real annotations.)
    """
    register_extensions()
    return ClinicalExtractor(nlp, patterns_dir, use_morphology, skip_overlapping_items)


class ClinicalExtractor:
    """Finds diagnoses and procedures and writes them as item spans."""

    def __init__(
        self,
        nlp: Language,
        patterns_dir: str | None = None,
        use_morphology: bool = True,
        skip_overlapping_items: bool = True,
    ):
        self._vocab = nlp.vocab
        self._make_doc = nlp.make_doc
        self.use_morphology = use_morphology
        self.skip_overlapping_items = skip_overlapping_items
        self._load(patterns_dir)

    def _load(self, patterns_dir: str | Path | None) -> None:
        """Build the matcher and attribute reader from ``patterns_dir`` (None: packaged); kept
        apart from ``__init__`` so ``from_disk`` can rebuild from a saved folder."""
        self.patterns_dir = patterns_dir
        knowledge = load_vocab(patterns_dir)
        self.matcher = ClinicalMatcher(self._vocab, knowledge, self.use_morphology, self._make_doc)
        self.reader = AttributeReader(knowledge)

    # -- serialization: the component is its data folder -----------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """spaCy's ``nlp.to_disk``: the pattern files this component was built from, so a
        saved pipeline carries its vocabulary rather than relying on the installed package."""
        copy_pattern_files(concern_dir("clinical", self.patterns_dir), path)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "ClinicalExtractor":
        """spaCy's ``spacy.load``: rebuild from the pattern files ``to_disk`` wrote (a pipeline
        saved before this component wrote any keeps the one built from its config). The term
        token cache (``phrases.cached_term_plan``) is keyed by the term texts, so an edited copy
        gets its own entry."""
        if Path(path).is_dir():
            self._load(Path(path))
        return self

    def __call__(self, doc: Doc) -> Doc:
        view = DocView(doc)  # read once, used by every rule below
        self.set_annotations(doc, self.match(doc, view), view)
        return doc

    def match(self, doc: Doc, view: DocView | None = None) -> list[Candidate]:
        """Candidates that do not collide with imaging studies or lab values."""
        view = DocView(doc) if view is None else view
        cands = self.matcher(doc, view)
        if not self.skip_overlapping_items:
            return cands
        # one pass over the items for both labels, comparing label ids (no string per item)
        lab_id, imaging_id = get_string_id(LAB), get_string_id(IMAGING)
        labs: list[Span] = []
        taken: list[tuple[int, int]] = []
        for span in doc.spans.get(SPAN_GROUP, ()):
            label = span.label
            if label == lab_id:
                labs.append(span)
                taken.append((span.start, span.end))
            elif label == imaging_id:
                taken.append((span.start, span.end))
        if taken:  # (no item of either label: nothing to collide with)
            cover = Coverage(taken, len(doc))  # a scan per candidate is quadratic in length
            cands = [c for c in cands if not cover.overlaps(c.start, c.end)]
        # only a diagnostic procedure can be a valued test (``is_valued_test``'s first test):
        # without one, the analytes need not be read
        if not labs or not any(c.label == PROCEDURE and c.category == "diagnostic" for c in cands):
            return cands
        tested = Coverage(lab_analyte_spans(doc, labs))
        return [c for c in cands if not self.matcher.is_valued_test(view, c, tested)]

    def set_annotations(
        self, doc: Doc, cands: list[Candidate], view: DocView | None = None
    ) -> None:
        """Append each candidate to the item group with its attrs.

        What ``add_item`` does per item, with the group and the attrs store looked up once per
        document and each store key (label and character offsets, ``extensions._key``) made
        from the view's offsets rather than read back from the new Span: the same Doc state
        (``test_bulk_items_are_add_item``)."""
        if not cands:
            return
        view = DocView(doc) if view is None else view
        codes: dict[tuple[str, str], list[dict[str, str]]] = {}  # this document's, by wording
        group, store = item_stores(doc)
        idx, ends = view.idx, view.ends
        strings = doc.vocab.strings
        label_ids: dict[str, int] = {}
        for cand in cands:
            attrs = build_attrs(self.reader, view, cand, codes)
            label = cand.label
            label_id = label_ids.get(label)
            if label_id is None:
                if label not in CATEGORIES:
                    raise ValueError(f"item label must be one of {CATEGORIES}, got {label!r}")
                label_id = label_ids[label] = strings.add(label)
            group.append(Span(doc, cand.start, cand.end, label=label_id))
            store[f"{label} {idx[cand.start]} {ends[cand.end - 1]}"] = attrs
