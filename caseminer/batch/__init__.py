"""Folder runs: discovery and the run loop (`run`), one file's work (`worker`), the resumable
manifest (`manifest`), atomic and fsspec-aware I/O (`io`), progress display (`progress`), tables
(`tables`), the summary line (`summary`), preloading the pipeline in workers (`preload`), and the
engines that execute tasks (`engines.local`, `engines.dask_cluster`)."""
