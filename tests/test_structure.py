"""The shape of the package (issue: one package per concern): module size, import cycles, and
what registering caseminer's spaCy factories costs every other spaCy user in the environment."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from paths import REPO

PACKAGE = REPO / "caseminer"
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _top_level_imports(name: str, path: Path, known: set[str]) -> set[str]:
    """caseminer modules imported at module level (not inside functions or TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        stmts = [node] if not isinstance(node, (ast.Try, ast.If)) else list(ast.walk(node))
        for stmt in stmts:
            if isinstance(stmt, ast.Import):
                found |= {a.name for a in stmt.names}
            elif isinstance(stmt, ast.ImportFrom):
                base = stmt.module or ""
                if stmt.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - stmt.level + 1])
                    base = f"{base}.{stmt.module}" if stmt.module else base
                found.add(base)
                found |= {f"{base}.{a.name}" for a in stmt.names}
    return {m for m in found if m in known and m != name}


def test_no_module_over_500_lines():
    long = {
        str(p.relative_to(REPO)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_no_module_level_import_cycle():
    modules = _modules()
    graph = {name: _top_level_imports(name, path, set(modules)) for name, path in modules.items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, stack: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle.extend(
                    stack[stack.index(nxt) :] + [node, nxt] if nxt in stack else [node, nxt]
                )
                return True
            if state.get(nxt) is None and visit(nxt, stack + [nxt]):
                return True
        state[node] = 2
        return False

    for name in sorted(graph):
        if state.get(name) is None and visit(name, [name]):
            break
    assert not cycle, f"module-level import cycle: {' -> '.join(cycle)}"


def test_the_packages_per_concern_exist():
    for package in (
        "nlp/labs",
        "nlp/clinical",
        "nlp/imaging",
        "nlp/context",
        "batch",
        "readers/pdf",
    ):
        assert (PACKAGE / package / "__init__.py").is_file(), package
    assert not list(PACKAGE.glob("batch_*.py"))


def test_a_blank_spacy_pipeline_does_not_import_caseminers_heavy_dependencies():
    """spaCy imports every `spacy_factories` entry point when any Language is made, so ours
    must register without importing medspaCy (and through it QuickUMLS, NLTK, SciPy, sklearn)."""
    code = (
        "import sys, spacy\n"
        "from spacy.util import registry\n"
        "nlp = spacy.blank('en')\n"
        "assert 'caseminer_labs' in registry.factories.get_all() or True\n"
        "heavy = ('medspacy', 'nltk', 'scipy', 'sklearn', 'quickumls')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.strip()
    assert out == "[]", f"spacy.blank('en') imported {out}"


def test_caseminer_factories_are_registered_through_entry_points():
    """The same subprocess shape, with a user pipeline that adds a caseminer component by name
    without importing caseminer itself: the entry points resolve."""
    code = (
        "import spacy\n"
        "nlp = spacy.blank('en')\n"
        "nlp.add_pipe('caseminer_sentences')\n"
        "print(nlp.pipe_names)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.strip()
    assert out == "['caseminer_sentences']"
