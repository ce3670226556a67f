"""Engines run batch tasks (caseminer.batch.worker.Task) and yield manifest records as they finish.

- local: worker processes on this machine, with a per-file timeout and memory ceiling.
- dask: an existing dask.distributed cluster (--scheduler) or a LocalCluster.
"""
