"""Assertions (negated, uncertain, hypothetical, historical, family) with medspaCy's ConText: the
rules (`rules`), the sentence-grouped ConText driver (`graph`), diagnosis status (`status`) and the
spaCy component (`component`, factory `caseminer_context`).

`component` imports medspaCy only when the component is built, so registering the factory (which
spaCy does for every pipeline in the environment) costs nothing."""
