"""CLI commands for the terminology cache (registered by caseminer.cli as `caseminer vocab ...`
and `caseminer lookup`). Imports cheaply: the heavy modules load inside the functions."""

from __future__ import annotations

import json

import typer


def vocab_build(
    force: bool = typer.Option(False, "--force", help="Rebuild even when the cache is fresh."),
) -> None:
    """Build the terminology cache (ICD-10-CM, HPO, OMIM, Orphanet) from the installed packages.

    Example:
        caseminer vocab build --force
    """
    import time

    from caseminer.terminology.cache import build, cache_path

    path = cache_path()
    if path.exists() and not force:
        typer.echo(f"cache is fresh: {path}")
        return
    t0 = time.perf_counter()
    build(path)
    typer.echo(f"built {path} in {time.perf_counter() - t0:.1f} s")


def vocab_info() -> None:
    """Show the cache: sources and versions, concept and term counts, path and size.

    Example:
        caseminer vocab info
    """
    from caseminer.terminology.cache import cache_path, load_index

    path = cache_path()
    index = load_index(str(path))
    info = dict(index.meta)
    info["path"] = str(path)
    info["size_mb"] = round(path.stat().st_size / 1e6, 1)
    typer.echo(json.dumps(info, indent=2))


def lookup(
    term: str = typer.Argument(..., help="A mention to code, e.g. 'avascular necrosis'."),
    per_system: int = typer.Option(3, "--per-system", "-n", help="Candidates per terminology."),
) -> None:
    """Show candidate codes for a mention (exact, synonym or variant match; never a guess).

    Example:
        caseminer lookup "avascular necrosis of femoral head"
    """
    from caseminer.terminology.cache import load_index

    codes = load_index().lookup(term, per_system=per_system)
    if not codes:
        typer.echo(f"no code for {term!r}")
        raise typer.Exit(1)
    for c in codes:
        typer.echo(f"{c['system']:<10} {c['code']:<12} {c['match']:<9} {c['display']}")
