"""The fork server's first import: quiet when the launcher is interrupted.

Ctrl-C (and a closed terminal's SIGHUP) reaches the whole process group and the launcher
stops the work itself. The server, still importing Mesa and SciPy for its workers, would
otherwise die printing a KeyboardInterrupt traceback; and a worker forked just as the
launcher shut down finds the pool's semaphores already unlinked and printed a
FileNotFoundError traceback. The server leaves when the launcher does (see
``povsim.experiments.executors``).

Each worker runs one task on one core, so the numerical libraries it loads keep to one
thread each, as Dask's own workers do (a user's setting wins).
"""

import os
import signal
import sys
import traceback
from types import TracebackType


def _quiet_if_launcher_left(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    if isinstance(value, FileNotFoundError) and tb is not None:
        last = traceback.extract_tb(tb)[-1]
        if last.filename.endswith("synchronize.py") and last.name == "__setstate__":
            return  # the pool's semaphore is gone: its launcher has shut down
    sys.__excepthook__(kind, value, tb)


for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(name, "1")
STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
# SIGTERM keeps its default: a worker told to stop stops.
for signum in STOPS - {signal.SIGTERM}:
    signal.signal(signum, signal.SIG_IGN)
# The launcher started this server with the stops blocked; handled now, they may be unblocked.
signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
sys.excepthook = _quiet_if_launcher_left
