"""caseminer_clinical: DIAGNOSIS and PROCEDURE items (pipeline step 6).

Reads top to bottom: load the clinical vocabulary (caseminer/patterns/clinical), match curated
terms plus general word-shape rules, widen to the annotator's span, drop what belongs to other
extractors (imaging studies, lab tests), and append the items to ``doc.spans["caseminer"]`` with
their attrs. ``status`` is provisional ("confirmed") until caseminer_context runs.
"""

from spacy.language import Language
from spacy.tokens import Doc, Span

from caseminer.nlp.clinical.attrs import AttributeReader, build_attrs
from caseminer.nlp.clinical.match import Candidate, ClinicalMatcher
from caseminer.nlp.clinical.view import DocView
from caseminer.nlp.clinical.vocab import load_vocab
from caseminer.nlp.coverage import Coverage
from caseminer.nlp.extensions import (
    IMAGING,
    LAB,
    add_item,
    get_attrs,
    items,
    register_extensions,
)


def lab_analyte_spans(doc: Doc, labs: list[Span] | None = None) -> list[tuple[int, int]]:
    """Character spans of the tests that lab values are reported for ("ECG" in "ECG was normal");
    ``labs``: the Doc's LAB items, when the caller has them."""
    out = []
    for span in items(doc, LAB) if labs is None else labs:
        attrs = get_attrs(span)
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
        knowledge = load_vocab(patterns_dir)
        self.matcher = ClinicalMatcher(nlp.vocab, knowledge, use_morphology, nlp.make_doc)
        self.reader = AttributeReader(knowledge)
        self.skip_overlapping_items = skip_overlapping_items

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
        found = items(doc)  # one pass over the items for both labels
        labs = [s for s in found if s.label_ == LAB]
        taken = [(s.start, s.end) for s in found if s.label_ == IMAGING or s.label_ == LAB]
        cover = Coverage(taken, len(doc))  # a scan per candidate is quadratic in length
        cands = [c for c in cands if not cover.overlaps(c.start, c.end)]
        tested = Coverage(lab_analyte_spans(doc, labs))
        return [c for c in cands if not self.matcher.is_valued_test(view, c, tested)]

    def set_annotations(
        self, doc: Doc, cands: list[Candidate], view: DocView | None = None
    ) -> None:
        view = DocView(doc) if view is None else view
        codes: dict[tuple[str, str], list[dict[str, str]]] = {}  # this document's, by wording
        for cand in cands:
            span = Span(doc, cand.start, cand.end, label=cand.label)
            add_item(doc, span, build_attrs(self.reader, view, cand, codes))
