"""Findings: signs, symptoms, examination, imaging and pathology findings ("caseminer_findings").

``component`` is the spaCy factory, ``lexicon`` finds the open terminologies' phenotype terms and
the generated wordings in a document (and caches the wordings), ``rules`` holds the precision rules
read from caseminer/patterns/findings.
"""
