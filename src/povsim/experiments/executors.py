"""One executor layer for every experiment: serial, local processes, or Dask.

Work is a list of tasks and a module-level function; each task carries its own
seed, so results do not depend on which executor ran them or in what order.
Workers persist for the whole experiment, so their start-up (importing Mesa
takes about a second) is paid once per worker, not once per run. Tasks go out
one at a time by default, so each result comes back to the calling process, to
be written, the moment its run finishes, and an interrupted experiment loses no
finished run; ``chunk_size`` batches tasks when runs are so short that the
per-task overhead (about a millisecond) matters more.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Literal

from povsim.config import arguments
from povsim.config.registry import trusted_imports, trusting
from povsim.runs.processes import alive

__all__ = [
    "EXECUTORS",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "StoppedWhenComplete",
    "WorkerLost",
    "finishing",
    "given",
    "make_executor",
    "stop_helpers",
]

EXECUTORS = ("serial", "processes", "dask")


class WorkerLost(RuntimeError):
    """A worker process, or a Dask worker, ended before its runs did (killed, out of
    memory, or a script without the ``__main__`` guard re-run as it started)."""


EXECUTOR_HINT = "an Executor, e.g. make_executor('processes') from povsim.experiments.executors"
"""How to make the executor an API call that takes one needs."""
ExecutorName = Literal["serial", "processes", "dask"]


def _run_chunk(
    fn: Callable[[Any], Any], chunk: list[tuple[int, Any]], trusted: frozenset[str] = frozenset()
) -> list[tuple[int, Any]]:
    # A worker is a process of its own (forked from a server started earlier, or on another
    # machine): the modules the launcher trusted come with the work, or a scenario's own
    # program kinds would be refused there.
    with trusting(trusted):
        return [(index, fn(task)) for index, task in chunk]


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""What stops a run: Ctrl-C, a batch system's stop, a terminal closed."""


def _stop_handlers() -> dict[int, Callable[[int, Any], Any]]:
    """The stop signals Python handles here, with their handlers: only the main thread runs
    and sets handlers, and an ignored or default signal is left as it is."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    handlers = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    return {s: h for s, h in handlers.items() if callable(h)}


@contextmanager
def _stops_held(*, mask: bool, notice: str | None = None) -> Iterator[None]:
    """Hold a stop (Ctrl-C, SIGTERM, SIGHUP) while processes start, and raise it once they
    have; a second one is raised at once (a start that hangs can still be stopped).

    With ``mask`` the stop signals are blocked in this thread too: a blocked signal stays
    blocked across fork and exec, so a process this thread starts meanwhile cannot die of
    one half-way through its imports, printing a traceback; it ignores them, and unblocks
    them, once it has started (``povsim._forkserver``). The mask holds only this thread, and
    NumPy's threads take the signal for the process, so the handler is what holds it.
    ``notice``, when given, is said on stderr as the first stop is held.
    """
    previous = _stop_handlers()
    held: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        held.append(signum)
        if len(held) > 1:
            previous[signum](signum, frame)
        if notice is not None:
            # stderr gone (a closed terminal, a dead pipe) or mid-write: the stop is held
            # all the same, and the block it protects must not be broken by saying so
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                print(notice, file=sys.stderr, flush=True)

    for signum in previous:
        signal.signal(signum, hold)
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS) if mask else None
    try:
        yield
    finally:
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if held:
        signal.raise_signal(held[0])  # the launcher's own handler takes it now


class StoppedWhenComplete(KeyboardInterrupt):
    """A stop that came while an output's last files were written (:func:`finishing`):
    they were written first, so ``path`` is complete."""

    def __init__(self, stop: KeyboardInterrupt, path: Path):
        super().__init__(*stop.args)
        self.stop, self.path = stop, path


@contextmanager
def finishing(path: Path) -> Iterator[None]:
    """Write an output's last files (its analysis, figures and manifest) whatever stop comes
    meanwhile: stopped half-way, a directory kept its tables without its figures or
    manifest, and a stop inside Matplotlib printed "Exception ignored" and was lost. A stop
    is held until the block ends, then raised as :class:`StoppedWhenComplete`; a second
    one is raised at once. Hold only quick work: no runs.
    """
    written = False
    try:
        notice = f"stopping once the last files of {path} are written (a second stop: at once)"
        with _stops_held(mask=False, notice=notice):
            yield
            written = True
    except KeyboardInterrupt as err:
        if not written:  # a second stop, or one the block raised itself
            raise
        raise StoppedWhenComplete(err, path) from None


def _start_fork_server() -> multiprocessing.context.BaseContext:
    """Start the resource tracker, then the fork server with every stop held
    (:func:`_stops_held`); its preload, ``povsim._forkserver``, ignores them, and the
    workers it forks keep that. Returns its context (one server per process, kept running)."""
    from multiprocessing import forkserver, resource_tracker

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["povsim._forkserver", "povsim.experiments.tasks"])
    # The tracker blocks Ctrl-C and SIGTERM for its own start and then unblocks them
    # whatever the mask was, so it starts first, on its own; a terminal's SIGHUP to the
    # group would kill it (leaking the pool's semaphores, with a traceback), so that stays
    # blocked in it.
    hangup = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, hangup)
    with _stops_held(mask=True):
        forkserver.ensure_running()
    return context


HELPER_STOP_SECONDS = 1.0
"""How long the fork server and the resource tracker have to leave once asked, before they
are killed (:func:`stop_helpers`)."""


def stop_helpers(seconds: float = HELPER_STOP_SECONDS) -> None:
    """End the fork server and the resource tracker this process started, and reap them.

    Left alone, each leaves once this process has: the server, though, only when it is done
    importing its preload, so after a stop in a command's first second it went on for a
    second or two after the command had returned (a script waiting on the command, or a
    batch system counting its processes, saw it still running). Called as a command ends,
    once its workers have been stopped and reaped (:meth:`ProcessExecutor.close`, or
    ``_terminate`` on a stop). The server is asked to leave (its pipe closed, and SIGTERM,
    which it takes even while importing), the tracker once the server has gone (which held
    its pipe too); either is killed if it has not left within ``seconds``.

    Args:
        seconds: how long each may take to leave before it is killed.
    """
    from multiprocessing import forkserver, resource_tracker, util

    server: Any = forkserver._forkserver  # no public handle on the server's process
    with server._lock:
        if server._forkserver_pid is not None:
            os.close(server._forkserver_alive_fd)
            with contextlib.suppress(ProcessLookupError):
                os.kill(server._forkserver_pid, signal.SIGTERM)
            _reap(server._forkserver_pid, seconds)
            address = server._forkserver_address
            if address is not None and not util.is_abstract_socket_namespace(address):
                with contextlib.suppress(OSError):
                    os.unlink(address)
            server._forkserver_pid = server._forkserver_alive_fd = None
            server._forkserver_address = None
    tracker: Any = resource_tracker._resource_tracker
    with tracker._lock:
        if tracker._fd is not None and tracker._pid is not None:
            # Its pipe closed, it cleans up what the work left registered and leaves.
            os.close(tracker._fd)
            _reap(tracker._pid, seconds)
            tracker._fd = tracker._pid = None


def _reap(pid: int, seconds: float) -> None:
    """Wait up to ``seconds`` for child ``pid`` to end, then kill it; reaped either way."""
    deadline = time.monotonic() + seconds
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() >= deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.01)
    except ChildProcessError:  # reaped already
        return


def _broken_pool_message() -> str:
    """What to say when a worker process ended abruptly: from a script without the
    ``__main__`` guard, every worker re-runs the script as it starts (multiprocessing
    imports it), so the first thing to check."""

    text = "a worker process ended abruptly (killed, or out of memory)"
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    ours = (spec is not None and spec.name.startswith("povsim")) or (
        script is not None and os.path.basename(script) == "povsim"
    )
    if script is not None and not ours:
        text += (
            f'; if the script that started it ({script}) lacks `if __name__ == "__main__":` '
            "around its povsim calls, each worker re-runs the script as it starts: add the "
            'guard, or pass executor="serial"'
        )
    return text


def _exit_with_launcher(launcher: int) -> None:
    """Worker initializer: leave when the process that launched the work is gone.

    A killed sweep must not leave workers computing for nobody. Their direct parent
    is the fork server, which leaves once every holder of its "alive" pipe has gone:
    the launcher and, as forked, each worker. A worker gives its copy up, so the server
    leaves with the launcher, and a worker handed to another parent leaves too: that
    needs no /proc, which a sandbox may not show as the host does.
    """
    from multiprocessing import forkserver

    server: Any = forkserver._forkserver  # no public handle on the pipe
    if server._forkserver_alive_fd is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None
    parent = os.getppid()

    def watch() -> None:
        while alive(launcher) and os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    # Ctrl-C reaches the whole process group: the launcher stops the workers, which must
    # not each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=watch, daemon=True, name="povsim-launcher-watch").start()


POLL_SECONDS = 0.1
"""How often the process executor's loop looks for a Ctrl-C while it waits for results."""
STOP_GRACE_SECONDS = 0.2
"""How long lost workers are held before they are reported, for a stop sent to the whole
process group (which ends them too) to reach the launcher's own handler first."""


class _Stops(list[int]):
    """The stop signals noted while work ran (see :func:`_interrupts`)."""

    handlers: dict[int, Callable[[int, Any], Any]]

    def raise_first(self) -> None:
        """Raise the first stop as its own handler would have (KeyboardInterrupt, or the
        command line's Stopped for SIGTERM and SIGHUP)."""
        handler = self.handlers.get(self[0])
        if handler is not None:
            handler(self[0], None)
        raise KeyboardInterrupt


@contextmanager
def _interrupts(*, raising: bool) -> Iterator[_Stops]:
    """Stops (Ctrl-C, SIGTERM, SIGHUP) noted while work runs in this (the main) thread, for
    the loop to raise.

    Python raises KeyboardInterrupt wherever the main thread is when the signal lands, and
    some code there swallows every exception: NumPy's C check for ctypes types (which
    pandas reaches when a sweep adds the run_id column to a run's indicators), or a
    ``__del__`` (pyarrow's ParquetWriter, printed as ignored). A Ctrl-C that landed there
    was lost and the work went on to the end. Noted, the loop raises it at its next step.
    Not ``raising``, the handler only notes the first: nothing is raised inside library
    code, and the loop must wake up to look.
    """
    seen = _Stops()
    seen.handlers = previous = _stop_handlers()

    def note(signum: int, frame: Any) -> None:
        seen.append(signum)
        # A second stop is raised at once: the loop may be stuck handing a result over.
        if raising or len(seen) > 1:
            previous[signum](signum, frame)

    for signum in previous:
        signal.signal(signum, note)
    try:
        yield seen
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class Executor(ABC):
    """Runs ``fn(task)`` for each task and hands each result back as it is ready."""

    workers: int = 1
    chunk_size: int = 1
    kind: ClassVar[str] = ""
    """The executor's name on the command line (``--executor``)."""

    def describe(self) -> dict[str, Any]:
        """Where the work ran, for a manifest: the kind and its workers."""
        return {"executor": self.kind, "workers": self.workers}

    @abstractmethod
    def run(
        self, fn: Callable[[Any], Any], tasks: Sequence[Any], on_result: Callable[[int, Any], None]
    ) -> None:
        """Call ``on_result(index, fn(tasks[index]))`` in this process for every task."""

    def _chunks(self, tasks: Sequence[Any]) -> list[list[tuple[int, Any]]]:
        indexed = list(enumerate(tasks))
        size = self.chunk_size
        return [indexed[i : i + size] for i in range(0, len(indexed), size)]

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:  # noqa: B027 - most executors hold nothing to release
        """Release workers or connections."""


class SerialExecutor(Executor):
    """Everything in this process, in order."""

    kind = "serial"

    def run(self, fn, tasks, on_result) -> None:
        with _interrupts(raising=True) as interrupted:
            for index, task in enumerate(tasks):
                on_result(index, fn(task))
                if interrupted:  # a stop that the run or on_result swallowed
                    interrupted.raise_first()


class ProcessExecutor(Executor):
    """Local worker processes (all cores by default).

    Workers come from a fork server that has already imported povsim and Mesa, so
    a new worker starts in milliseconds and no threads are forked.
    """

    kind = "processes"

    def __init__(self, workers: int | None = None, chunk_size: int = 1):
        # Made directly, not by make_executor: 0 workers ran on every core and 0 a chunk
        # as 1, without a word, and "2" failed inside concurrent.futures.
        if workers is not None:
            arguments.workers(workers)
        self.workers = workers or os.cpu_count() or 1
        self.chunk_size = arguments.whole("chunk_size", chunk_size)
        context = _start_fork_server()
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_exit_with_launcher,
            initargs=(os.getpid(),),
        )

    def run(self, fn, tasks, on_result) -> None:
        # A few chunks per worker in flight, each released once handed over: a long sweep's
        # memory stays flat instead of growing with every finished run.
        chunks = iter(self._chunks(tasks))
        pending: set[Future] = set()

        def submit_more() -> None:
            for chunk in chunks:
                pending.add(self._pool.submit(_run_chunk, fn, chunk, trusted_imports()))
                if len(pending) >= 2 * self.workers:
                    return

        interrupted = _Stops()
        try:
            # Ctrl-C is only noted (raised in a library, it could be swallowed, or leave a
            # future's lock held) and raised here, within POLL_SECONDS.
            with _interrupts(raising=False) as interrupted:
                submit_more()
                while pending:
                    done, _ = wait(pending, POLL_SECONDS, return_when=FIRST_COMPLETED)
                    pending.difference_update(done)
                    while done:  # each future released once handed over
                        for index, result in done.pop().result():
                            on_result(index, result)
                    if interrupted:
                        interrupted.raise_first()
                    submit_more()
        except (BrokenProcessPool, EOFError):  # EOFError: submit() found the fork server gone
            self._terminate()
            # A SIGTERM to the whole process group (timeout, scancel, kill -- -PGID) ends the
            # workers too: the stop, not their loss, is what the user should hear of. Its
            # handler may run only now, or just after (the launcher's own handler then).
            if interrupted:
                interrupted.raise_first()
            time.sleep(STOP_GRACE_SECONDS)
            raise WorkerLost(_broken_pool_message()) from None
        except BaseException:
            # Interrupted (Ctrl-C) or failed: stop the workers now rather than wait for
            # their chunks; finished runs are already with the caller.
            self._terminate()
            raise

    def _terminate(self) -> None:
        pool: Any = self._pool  # no public handle on its workers, manager thread or results
        processes = list((pool._processes or {}).values())
        # shutdown() drops its manager thread and result pipe, needed below
        manager, results = pool._executor_manager_thread, pool._result_queue
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + 5
        for process in processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():  # the interpreter joins its children at exit, unbounded
                process.kill()
                process.join(timeout=1)
        # The pool's manager thread must see its workers gone before the interpreter exits,
        # or its shutdown prints a traceback after the one-line message. A worker stopped
        # half-way through sending a result leaves it waiting for the rest, for ever (this
        # process holds the pipe's other end), and the exit waiting for it: closed, the
        # pipe ends the wait.
        if results is not None:  # None once the pool has shut down
            results._writer.close()
        if manager is not None:
            manager.join(timeout=5)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


SCHEDULER_SECONDS = 15
"""How long a scheduler at ``--scheduler`` has to answer who it is: a remote one answers in a
second or two."""

WATCH_SECONDS = 10.0
"""How long a Dask run waits for a result before it looks whether any worker is left."""


def _not_a_scheduler(address: str, seconds: float) -> str | None:
    """Why what accepts connections at ``address`` is not a Dask scheduler (it does not
    answer Dask's ``identity`` within ``seconds``, answers in another protocol, or is
    another Dask server); None if it is one.

    Asked in a thread of its own with its own event loop, so that it works where a loop
    already runs (a notebook); everything it waits for is bounded by ``seconds``. Only a
    tcp:// address is asked, as in :func:`_nothing_answers`.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect
    from distributed.comm.addressing import parse_address

    if parse_address(address)[0] != "tcp":
        return None

    async def identify() -> object:
        comm = await connect(address, timeout=seconds)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    def ask() -> object:
        return asyncio.run(asyncio.wait_for(identify(), seconds))

    with ThreadPoolExecutor(1) as pool:
        try:
            reply = pool.submit(ask).result()
        except TimeoutError:
            return f"what answers there said nothing Dask understands within {seconds:g} s"
        except OSError as err:  # closed on us: it read Dask's bytes and gave up
            return f"what answers there closed the connection ({err or type(err).__name__})"
        except Exception as err:  # its bytes read as a Dask frame: an HTTP reply, say
            return (
                "what answers there does not speak Dask's protocol (its reply could not be "
                f"read as Dask's: {type(err).__name__}); a scheduler's port is usually 8786 "
                "(8787 is its dashboard)"
            )
    kind = reply.get("type") if isinstance(reply, dict) else None
    if kind != "Scheduler":
        named = f"a Dask {kind}" if kind else "something else"
        return f"what answers there is {named}, not a scheduler"
    return None


def _nothing_answers(address: str) -> str | None:
    """Why nothing can answer at a tcp:// address (no such host, a refused or silent port),
    found before Dask's own tries (30 s for a typo); None if something accepts a connection
    (whether it is a scheduler, Dask finds out) or the address is of another kind (a bare
    connection to a tls:// scheduler would be logged there as a failed handshake)."""
    import socket

    import dask
    from distributed.comm.addressing import get_address_host_port, parse_address

    scheme, _ = parse_address(address)
    if scheme != "tcp":
        return None
    host, port = get_address_host_port(address)
    seconds = dask.utils.parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    try:
        with socket.create_connection((host, port), timeout=seconds):
            return None
    except socket.gaierror:
        return f"no host called {host!r} (a typo in the address, or no network?)"
    except ConnectionRefusedError:
        return f"nothing listens on port {port} of {host} (connection refused)"
    except TimeoutError:
        return f"{host} did not answer on port {port} within {seconds:g} s"
    except OSError as err:
        return err.strerror or str(err)


class DaskExecutor(Executor):
    """A Dask cluster: a local one started here, or an existing one at ``scheduler``."""

    kind = "dask"

    def __init__(
        self, workers: int | None = None, scheduler: str | None = None, chunk_size: int = 1
    ):
        if workers is not None:
            arguments.workers(workers)
        self.chunk_size = arguments.whole("chunk_size", chunk_size)
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "the dask executor needs the dask extra: pip install 'povsim[dask]'"
            ) from err
        self._cluster = None
        self.scheduler: str | None = None
        #: how news of the running cluster reaches the user (the command line prints it)
        self.notify: Callable[[str], None] = logging.getLogger("povsim").warning
        self._client_level: int | None = None  # the client's log level before the runs
        if scheduler:
            from distributed.comm.addressing import get_address_host_port, normalize_address

            try:
                address = normalize_address(scheduler)
                if not address.startswith("inproc://"):  # a cluster in this process has none
                    _, port = get_address_host_port(address)  # a port is needed to connect
                    if not 0 < port < 65536:
                        raise ValueError(f"port {port} is out of range")
            except ValueError as err:
                raise ValueError(
                    f"not a scheduler address ({err}); expected tcp://HOST:PORT"
                ) from None
            # Dask would try for 30 s before saying nothing answers, and would wait for ever
            # on something that answers and is not a scheduler (a web server).
            why = _nothing_answers(address) or _not_a_scheduler(address, SCHEDULER_SECONDS)
            if why is not None:
                raise ValueError(f"no Dask scheduler at {address}: {why}")
            try:
                self._client = Client(address, timeout=SCHEDULER_SECONDS)
                self.scheduler = address
            except (OSError, ValueError) as err:
                reason = (
                    "an inproc:// address is a cluster in this process's memory, and none is "
                    "here; give tcp://HOST:PORT"
                    if address.startswith("inproc://")
                    else str(err) or type(err).__name__  # nothing answers there
                )
                raise ValueError(f"no Dask scheduler at {address}: {reason}") from None
            #: workers the scheduler had when this connected (a local cluster: all of them)
            self.connected_workers = len(self._client.scheduler_info().get("workers", {}))
            self.workers = max(1, self.connected_workers)
        else:
            import dask

            self.workers = self.connected_workers = workers or os.cpu_count() or 1
            _start_fork_server()
            try:
                # The workers are forked from povsim's fork server, where the stops are
                # ignored: spawned, each would die of one in its first second, printing a
                # traceback. A first stop is held until the cluster stands, which is then
                # closed whole (its own threads keep no mask: they start later processes).
                method = {"distributed.worker.multiprocessing-method": "forkserver"}
                with _stops_held(mask=False), dask.config.set(method):
                    self._cluster = LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,
                        processes=True,
                        # None still binds the scheduler's web server to 8787, so a second
                        # local cluster (another povsim, a notebook's) failed to start.
                        dashboard_address=":0",
                        # Its warnings are of the cluster's workings (an event loop busy
                        # with a run), nothing a user of the runs can act on.
                        silence_logs=logging.ERROR,
                        preload=["povsim._dask_worker"],
                    )
                    self._client = Client(self._cluster)
            except BaseException:  # a Ctrl-C during the start: leave no cluster behind
                self.close()
                raise

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "scheduler": self.scheduler or "a local cluster"}

    def run(self, fn, tasks, on_result) -> None:
        from distributed import wait as dask_wait

        trusted = trusted_imports()
        pending = {
            self._client.submit(_run_chunk, fn, chunk, trusted, pure=False)
            for chunk in self._chunks(tasks)
        }

        def waited() -> tuple[set[Any], set[Any]]:
            try:
                done, left = dask_wait(
                    pending, timeout=WATCH_SECONDS, return_when="FIRST_COMPLETED"
                )
            except TimeoutError:  # an OSError: answered here, not as a lost scheduler
                return set(), pending
            return set(done), set(left)

        client_log = logging.getLogger("distributed.client")
        if self._client_level is None:
            # The client logs each failed attempt to reconnect to a lost scheduler with its
            # traceback, at a level of its own that a parent's does not hide, until it is
            # closed; the run ends with one line on it instead (:meth:`_ask`).
            self._client_level = client_log.level
            client_log.setLevel(logging.CRITICAL + 1)
        # the start said so when the cluster had no worker (the command line's warning)
        alone = self.connected_workers == 0

        def watch() -> None:
            # Runs wait for a worker in silence: say so once when the last one has left.
            nonlocal alone
            workers = self._ask(lambda: self._client.scheduler_info().get("workers"))
            if not workers and not alone:
                self.notify(
                    f"the Dask cluster has no workers; runs wait until one joins "
                    f"(dask worker {self.scheduler or 'ADDRESS'})"
                )
            alone = not workers

        def gathered(future: Any) -> list[tuple[int, Any]]:
            # A finished task's result lives on its worker: with the worker gone it is
            # computed again, which waits for a worker too.
            while True:
                try:
                    chunk: list[tuple[int, Any]] = future.result(timeout=WATCH_SECONDS)
                except TimeoutError:
                    watch()
                else:
                    return chunk

        with _interrupts(raising=True) as interrupted:
            while pending:
                done, pending = self._ask(waited)
                if not done:
                    watch()
                    continue
                for future in done:
                    for index, result in self._ask(partial(gathered, future)):
                        on_result(index, result)
                    if interrupted:  # a stop that on_result swallowed
                        interrupted.raise_first()

    def _ask[T](self, call: Callable[[], T]) -> T:
        """``call``, with the cluster's failures as :class:`WorkerLost`."""
        from concurrent.futures import CancelledError

        from distributed import KilledWorker
        from distributed.comm.core import CommClosedError

        try:
            return call()
        except KilledWorker as err:
            # the scheduler gave up on the task after its workers died with it
            raise WorkerLost(f"Dask workers died running a task ({err})") from None
        except (CancelledError, CommClosedError, OSError) as err:
            # the tasks cancelled with the connection (their message lists every key), or
            # no answer; an OSError of a task's own, the client still connected, is the
            # task's to report, not a lost scheduler
            own = not isinstance(err, CommClosedError | CancelledError)
            if own and self._client.status == "running":
                raise
            why = "the connection closed" if isinstance(err, CancelledError) else str(err)
            where = f" at {self.scheduler}" if self.scheduler else ""
            raise WorkerLost(
                f"lost the Dask scheduler{where}: {why or type(err).__name__}"
            ) from None

    def close(self) -> None:
        # Closing cancels the tasks still running (a Ctrl-C); the cluster's complaints
        # about them, even as errors, are not the run's, nor its event loop's about the
        # tasks it dropped ("Task exception was never retrieved", once no worker was left).
        quiet = [logging.getLogger(name) for name in ("distributed", "asyncio")]
        levels = [logger.level for logger in quiet]
        for logger in quiet:
            logger.setLevel(logging.CRITICAL + 1)
        try:
            client = getattr(self, "_client", None)  # none yet if the start failed
            if client is not None:
                client.close()
            if self._cluster is not None:
                self._cluster.close()
        finally:
            for logger, level in zip(quiet, levels, strict=True):
                logger.setLevel(level)
            if self._client_level is not None:
                logging.getLogger("distributed.client").setLevel(self._client_level)
                self._client_level = None


def given(executor: object) -> Executor:
    """The executor a function of the library was given, or a serial one for None.

    Raises:
        TypeError: a name or anything else (the library's functions take an Executor; the
            ``povsim`` functions and the command line take names).
    """
    if executor is None:
        return SerialExecutor()
    checked: Executor = arguments.instance("executor", executor, Executor, EXECUTOR_HINT)
    return checked


def executor_for(name: str | None, scheduler: str | None) -> ExecutorName:
    """The executor asked for: ``processes`` by default, ``dask`` with a scheduler alone.

    Raises:
        ValueError: an unknown name, or a scheduler with another executor (it would have
            gone unused, or overridden what was asked).
    """
    if name is None:
        return "dask" if scheduler else "processes"
    if name not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, not {name!r}")
    if scheduler and name != "dask":
        raise ValueError(f"a scheduler runs on a Dask cluster: it cannot go with {name!r}")
    return name  # type: ignore[return-value]  # checked above


def _refuse_unused_workers(name: str, workers: int | None) -> None:
    """Refuse workers for the serial executor, which runs one run at a time: they went
    unused without a word (the command line refuses ``--workers`` with it too).

    Args:
        name: the executor's name (``serial``, ``processes`` or ``dask``).
        workers: the worker processes asked for, or None.

    Raises:
        ValueError: workers given with ``executor="serial"``.
    """
    if workers is not None and name == "serial":
        raise ValueError(
            f"workers={workers} is for the processes and dask executors: the serial one runs "
            "one run at a time (leave workers out, or use executor='processes')"
        )


def make_executor(
    name: str | None = None, workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """An executor by name (:func:`executor_for`); ``scheduler`` alone means ``dask``.

    Raises:
        ValueError: as :func:`executor_for`, and workers for the serial executor.
    """
    if workers is not None:
        arguments.workers(workers)
    if scheduler is not None:
        arguments.instance("scheduler", scheduler, str, "an address such as tcp://HOST:PORT")
    name = executor_for(name, scheduler)
    _refuse_unused_workers(name, workers)
    if name == "dask":
        return DaskExecutor(workers, scheduler)
    if name == "serial":
        return SerialExecutor()
    return ProcessExecutor(workers)
