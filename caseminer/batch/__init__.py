"""Folder runs: discovery and the run loop (`run`), one file's work (`worker`), the resumable
manifest (`manifest`), one run per OUT (`lock`), outputs made visible with their record
(`staging`), atomic and fsspec-aware I/O (`io`), progress display (`progress`), tables (`tables`)
and the review queries README shows (`queries`), the summary (`summary`), preloading the pipeline
in workers (`preload`), and the engines that execute tasks (`engines.local`,
`engines.dask_cluster`)."""
