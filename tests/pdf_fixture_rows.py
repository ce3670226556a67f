"""The words and lab rows the generated journal PDFs are written from (``pdf_fixtures.py``):
the lab-table rows a test expects back, and the sentence parts the body text is drawn from."""

from __future__ import annotations

LAB_ROWS = [
    ("Creatinine", "0.3", "mg/dL"),
    ("Potassium", "3.3", "mEq/L"),
    ("Phosphorus", "4.1", "mg/dL"),
    ("BUN", "13", "mg/dL"),
    ("Sodium", "137", "mEq/L"),
    ("Uric acid", "4.4", "mg/dL"),
    ("Calcium", "7.8", "mg/dL"),
    ("Magnesium", "1.3", "mEq/L"),
    ("CRP", "31", "mg/L"),
]

RANGE_ROWS = [
    ("Hemoglobin", "10.2 g/dL", "12.0-15.5"),
    ("Alkaline phosphatase", "132 U/L", "40-129"),
    ("Parathyroid hormone", "78 pg/mL", "15-65"),
    ("Vitamin D", "18 ng/mL", "30-100"),
]

_SUBJECTS = [
    "The patient",
    "A repeat examination",
    "The treating team",
    "Histopathological analysis",
    "Contrast-enhanced imaging",
    "The multidisciplinary committee",
    "Serial laboratory monitoring",
    "The orthopaedic surgeon",
]
_VERBS = [
    "demonstrated",
    "confirmed",
    "documented",
    "identified",
    "excluded",
    "characterized",
    "described",
    "revealed",
]
_OBJECTS = [
    "a well-defined periarticular calcification",
    "significant hypercalcemia without hyperphosphatemia",
    "a fluid-filled collection adjacent to the acetabulum",
    "inflammatory infiltration of the surrounding musculature",
    "hydroxyapatite deposition within the synovial membrane",
    "a heterogeneous lesion with peripheral enhancement",
    "no evidence of metastatic dissemination",
    "degenerative osteoarthritic changes of the contralateral hip",
    "persistent elevation of inflammatory markers",
    "a pathological fracture of the femoral neck",
]
_TAILS = [
    "during the follow-up visit in week {n}",
    "after {n} days of intravenous antibiotics",
    "with a serum calcium of {v} mg/dL^{c}",
    "and the fluid volume was approximately {n} mL^{c}",
    "in comparison with the examination performed {n} months earlier",
    "despite symptomatic treatment for {n} weeks",
    "which was reported as {v} cm in its largest diameter",
]


# Hard mode: compounds that must keep their hyphen when a line breaks at it, and loose phrases
# ("and a") whose wide justified gaps once made a line look like a table row.
_HARD_OBJECTS = [
    "acid-alcohol fast bacilli and a two-dimensional echocardiogram",
    "an N-terminal pro-brain natriuretic peptide and a C-reactive protein rise",
    "low-molecular-weight heparin and a moderate-to-severe effusion",
    "a thoraco-abdominal aneurysm and a well-circumscribed calcification",
    "hydroxyapatite crystals and a periarticular inflammatory reaction",
]

# Hard lab table: three label/value pairs in narrow columns, so long names wrap inside their cell
# ("Potassiu" / "m", "C-reacti" / "ve protein", "Alkaline" / "phospha" / "tase").
HARD_LAB_ROWS = [
    ("Potassium", "3.3", "mEq/L"),
    ("C-reactive protein", "31", "mg/L"),
    ("Hemoglobin", "10.2", "g/dL"),
    ("Alkaline phosphatase", "132", "U/L"),
    ("Creatinine", "0.3", "mg/dL"),
    ("Sodium", "137", "mEq/L"),
    ("Total bilirubin", "0.8", "mg/dL"),
    ("Albumin", "3.1", "g/dL"),
    ("Lactate dehydrogenase", "245", "U/L"),
    ("Calcium", "7.8", "mg/dL"),
    ("Phosphorus", "4.1", "mg/dL"),
    ("Magnesium", "1.3", "mEq/L"),
]

# Hard in-column table: test, result, unit in its own column, reference range; names wrap.
HARD_RANGE_ROWS = [
    ("Parathyroid hormone", "78", "pg/mL", "15-65"),
    ("Alkaline phosphatase", "140", "U/L", "40-129"),
    ("Vitamin D", "18", "ng/mL", "30-100"),
    ("Erythrocyte sedimentation rate", "42", "mm/h", "0-20"),
]
