"""The fork server's first import: quiet when the launcher is interrupted.

Ctrl-C reaches the whole process group and the launcher stops the work itself. The server,
still importing Mesa and SciPy for its workers, would otherwise die printing a
KeyboardInterrupt traceback; and a worker forked just as the launcher shut down finds the
pool's semaphores already unlinked and printed a FileNotFoundError traceback. The server
leaves when the launcher does (see ``povsim.experiments.executors``).
"""

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


signal.signal(signal.SIGINT, signal.SIG_IGN)
# The launcher started this server with Ctrl-C blocked; ignored now, it may be unblocked.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
sys.excepthook = _quiet_if_launcher_left
