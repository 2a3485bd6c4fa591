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

RERAN = (
    "povsim: a worker re-ran the script that started it and stopped: put the script's "
    'povsim calls under `if __name__ == "__main__":` (each worker imports the script '
    'as it starts), or run them with executor="serial"\n'
)


def _quiet_if_launcher_left(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    if tb is not None:
        last = traceback.extract_tb(tb)[-1]
        if (
            isinstance(value, FileNotFoundError)
            and last.filename.endswith("synchronize.py")
            and last.name == "__setstate__"
        ):
            return  # the pool's semaphore is gone: its launcher has shut down
        if isinstance(value, RuntimeError) and last.name == "_check_not_importing_main":
            # A script without the guard, re-run as a worker starts: multiprocessing's own
            # message is a page of traceback; the launcher says what happened too.
            sys.stderr.write(RERAN)
            return
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
