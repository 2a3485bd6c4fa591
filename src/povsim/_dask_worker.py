"""Preloaded into each worker of a local Dask cluster: quiet when the launcher is interrupted.

Ctrl-C reaches the whole process group, and the launcher closes the cluster itself (the
worker, forked from povsim's fork server, ignores it: ``povsim.experiments.executors``). The
worker's own logs, as the cluster closes under it, are of tasks cancelled and a scheduler
gone; a task's failure reaches the launcher as its exception.
"""

import logging

logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)
