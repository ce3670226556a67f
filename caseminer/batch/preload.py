"""Imported by the local engine's fork server: builds the default pipeline once, before any fork.

Why: every worker process is forked from the fork server, so with the pipeline already built there
a worker starts in milliseconds and shares the pipeline's memory copy-on-write; a worker that is
killed for a timeout or a memory ceiling is replaced without rebuilding anything.
"""

from caseminer.batch.worker import warm_up

warm_up()
