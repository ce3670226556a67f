"""``python -m caseminer.evaluate GOLD ...``: the same command as ``caseminer evaluate``.

One implementation serves both (caseminer.cli.evaluate); this only forwards the arguments.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Run ``caseminer evaluate`` with these arguments (exits like the CLI: 0, or 2 on usage)."""
    from caseminer.cli import app

    app(
        ["evaluate", *(sys.argv[1:] if argv is None else argv)],
        prog_name="python -m caseminer.evaluate",
    )


if __name__ == "__main__":
    main()
