"""The DuckDB queries README's "Reviewing many reports" shows, kept here so a test runs them.

Why in the package: a query in a README rots silently when a column is renamed; the tests run
these exact strings on a generated caseminer.duckdb and check that README shows them verbatim.
Each keeps to the patient's own, asserted facts (subject = 'patient', not negated), which is
what a reviewer of a cohort wants first.
"""

from __future__ import annotations

LOW_CALCIUM = """\
SELECT d.doc_id, d.input, d.age, d.sex, l.value_text, l.unit,
       l.normalized_value, l.normalized_unit, l.sentence
FROM labs AS l JOIN documents AS d USING (doc_id)
WHERE l.analyte = 'Calcium' AND l.interpretation = 'low'
  AND l.subject = 'patient' AND NOT l.negated
ORDER BY l.normalized_value;"""

PHENOTYPES_BY_FREQUENCY = """\
SELECT hpo, label, count(DISTINCT doc_id) AS reports
FROM phenotype
WHERE NOT excluded
GROUP BY hpo, label
ORDER BY reports DESC, hpo
LIMIT 20;"""

LABS_BY_ANALYTE = """\
SELECT analyte, normalized_unit, count(*) AS n_values, count(DISTINCT doc_id) AS reports,
       min(normalized_value) AS lowest, median(normalized_value) AS median,
       max(normalized_value) AS highest
FROM labs
WHERE subject = 'patient' AND NOT negated AND normalized_value IS NOT NULL
GROUP BY analyte, normalized_unit
ORDER BY reports DESC, analyte;"""

REVIEW_QUERIES = {
    "low_calcium": LOW_CALCIUM,
    "phenotypes_by_frequency": PHENOTYPES_BY_FREQUENCY,
    "labs_by_analyte": LABS_BY_ANALYTE,
}
