"""``python -m caseminer`` runs the CLI (the same as the ``caseminer`` command)."""

from caseminer.cli import app

app(prog_name="caseminer")
