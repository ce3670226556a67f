"""Lab values: the analyte catalogue, value and unit parsing, result words, tables, scores, and one
place (`interpret.py`) for the low/normal/high logic. The spaCy component is
`component.LabExtractor`, its factory `caseminer_labs`.

Nothing is imported here, so `import caseminer.nlp.labs.values` costs only that module.
"""
