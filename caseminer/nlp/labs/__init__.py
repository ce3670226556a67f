"""Lab values: the analyte catalogue and units (`catalogue`), value parsing (`values`), prose
pairing (`pairing`), result words (`results`), tests outside the catalogue (`test_heads`,
`test_values`), marker signs (`markers`), scores (`scores`), tables (`tables`), and one place
(`interpret`) for the low/normal/high logic. The spaCy component is `component.LabExtractor`, its
factory `caseminer_labs`.

Nothing is imported here, so `import caseminer.nlp.labs.values` costs only that module.
"""
