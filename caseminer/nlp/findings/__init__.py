"""Findings: signs, symptoms, examination, imaging and pathology findings ("caseminer_findings").

``component`` is the spaCy factory, ``lexicon`` builds and caches the PhraseMatcher over the open
terminologies' phenotype terms, ``rules`` holds the precision rules read from
caseminer/patterns/findings.
"""
