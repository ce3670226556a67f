"""A virtual environment holding spaCy and its dependencies only: the cold-start baseline.

Why: the cold-start target compares caseminer's fresh process with ``import spacy;
spacy.blank("en")`` *in a venv with spaCy alone*. Run with the project's own interpreter, that
baseline is not spaCy alone: spaCy reads every installed package's ``spacy_factories`` entry
points, and caseminer declares its components there, so the "spaCy only" process imports
caseminer's modules too (about 0.3 s) and the ratio comes out flattering.

How, without a download: a new venv (``python -m venv --without-pip``, from the same base
interpreter) whose site-packages links, file tree by file tree, exactly the installed
distributions spaCy needs (its requirements, followed recursively, markers evaluated, extras
left out). It is the same spaCy build as the project's, so only caseminer's share differs.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# spaCy 3.7 imports click, which Typer no longer installs: a venv made by `pip install spacy`
# cannot import spaCy without it (README's trap), so the baseline venv holds click as well.
ROOTS = ("spacy", "click")


def closure(roots: tuple[str, ...] = ROOTS) -> list[md.Distribution]:
    """The installed distributions ``roots`` need, themselves included (extras not followed)."""
    seen: dict[str, md.Distribution] = {}
    todo = list(roots)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # an optional dependency that is not installed
        seen[name] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return list(seen.values())


def _top_level_entries(dist: md.Distribution) -> set[str]:
    """The names directly under site-packages that belong to ``dist`` (packages, modules,
    its .dist-info, .pth files, shared objects)."""
    names: set[str] = set()
    for file in dist.files or []:
        parts = Path(file).parts
        if parts and parts[0] != "..":
            names.add(parts[0])
    return names


def make(target: Path, roots: tuple[str, ...] = ROOTS) -> Path:
    """Create (or reuse) the venv at ``target``; returns its python executable."""
    python = target / "bin" / "python"
    dists = closure(roots)
    # what the venv links, so an upgrade of any of them rebuilds it instead of leaving dead links
    stamp = "\n".join(sorted(f"{d.metadata['Name']}=={d.version}" for d in dists)) + "\n"
    marker = target / ".spacy-only-complete"
    if python.exists() and marker.exists() and marker.read_text(encoding="utf-8") == stamp:
        return python
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", "--clear", str(target)], check=True)
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    here = Path(sysconfig.get_paths()["purelib"])
    for dist in dists:
        home = Path(dist.locate_file(""))
        for name in _top_level_entries(dist):
            src = home / name
            if src.exists() and not (purelib / name).exists():
                os.symlink(src, purelib / name)
    if not (purelib / "spacy").exists():
        raise RuntimeError(f"spaCy is not installed under {here}")
    marker.write_text(stamp, encoding="utf-8")
    return python


if __name__ == "__main__":
    out = make(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/spacy-only-venv"))
    code = (
        "import spacy, sys; spacy.blank('en'); print([m for m in sys.modules if 'caseminer' in m])"  # noqa: E501
    )
    done = subprocess.run([str(out), "-c", code], capture_output=True, text=True)
    print(out, done.stdout, done.stderr[-500:])
