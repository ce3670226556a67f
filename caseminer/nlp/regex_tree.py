"""Python's regex parser, for the modules that read a rule's parse tree to decide where the rule
can match (imaging triggers, clinical codes, patient anchors, section headers).

Why one module: the parser is ``re._parser`` (with ``re._constants`` and ``re._compiler``) from
Python 3.11 and ``sre_parse`` before, and caseminer supports 3.10.
"""

try:  # Python 3.11+
    from re import _compiler as sre_compile
    from re import _constants as sre_c
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_compile  # type: ignore[no-redef]
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

__all__ = ["sre_c", "sre_compile", "sre_parse"]
