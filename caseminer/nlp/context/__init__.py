"""Assertions (negated, uncertain, hypothetical, historical, family, resolved) with the ConText
algorithm: the cue families (`families`), the rules (`rules`), their cached build (`build`), the
cue matcher (`matcher`), clause scopes (`scope`), the sentence-grouped ConText driver (`graph`),
diagnosis status (`status`) and the spaCy component (`component`, factory `caseminer_context`).

None of these imports medspaCy: the algorithm runs on plain data here, medspaCy's packaged rules
are read from its JSON file, and medspaCy itself is imported only for a global ``max_scope`` (its
window scopes) and by the tests that compare the two. Registering the factory (which spaCy does
for every pipeline in the environment) costs nothing."""
