"""Diagnoses and procedures: curated vocabularies (`vocab`), mention matching and widening
(`match`), attributes such as body site, laterality and modifiers (`attrs`), and the spaCy
component (`component`, factory `caseminer_clinical`)."""
