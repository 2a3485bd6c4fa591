"""What every command shares: consoles, errors, scenario loading, options, progress bars.

Only typer and rich are imported at start-up; each command imports the layers it uses
when it runs, so ``povsim --help`` and ``povsim check`` stay quick.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from povsim.config.limits import MAX_WORKERS
from povsim.runs.progress import RunsProgress

if TYPE_CHECKING:
    from povsim.config import Scenario
    from povsim.experiments.executors import Executor

__all__ = [
    "ExecutorOption",
    "LazyProgress",
    "OverwriteOption",
    "SchedulerOption",
    "SetOption",
    "WorkersOption",
    "console",
    "errors",
    "experiment",
    "fail",
    "load",
    "nonempty",
    "refuse_target",
    "show",
]

# Prose is never broken at 80 columns (into a file, a sentence cut mid-phrase cannot be
# searched); tables are laid out by show().
console = Console(soft_wrap=True, emoji=False)  # a user's :b: is text, not an emoji
errors = Console(stderr=True, soft_wrap=True, emoji=False)


def show(table: RenderableType) -> None:
    """Print a table: to a terminal at its width; to a file or pipe whole, where rich would
    cut it at 80 columns and put an ellipsis in place of the numbers."""
    if console.is_terminal:
        console.print(table, soft_wrap=False)
        return
    wide = console.options.update(max_width=10_000)
    needed = Measurement.get(console, wide, table).maximum
    # print(width=) only narrows: a console of the width the table needs.
    Console(width=max(needed, console.width), file=console.file).print(table)


def fail(message: str, code: int) -> typer.Exit:
    """Print ``message`` as one error line; raise the returned exit with ``code``."""
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def nonempty(name: str, give: str) -> Callable[[str], Path]:
    """A ``parser=`` for a path argument that refuses an empty one by ``name``, as an empty
    ``--out`` is refused: ``Path("")`` is the current directory, so ``povsim run ""`` (an
    unset shell variable) said "``.``: a directory, not a file".

    Args:
        name: the argument as the help names it (``scenario``, ``--problem``).
        give: what to give instead (``a scenario TOML file``).
    """

    def parse(value: str) -> Path:
        if value == "":
            raise fail(f"{name}: empty; give {give}", 2)
        return Path(value)

    return parse


class Stopped(KeyboardInterrupt):
    """A stop signal taken as Ctrl-C is (workers stopped, nothing half-written), with its
    own word and status: SIGTERM from a batch system, SIGHUP from a terminal closed."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


STOP_WORDS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated", signal.SIGHUP: "hung up"}
"""How the one line names each stop."""

STOP_CODES = frozenset(128 + s for s in STOP_WORDS)
"""The exit statuses of a stop: 128 + the signal, as a shell reports a command it ended."""


def stopped(err: KeyboardInterrupt, kept: str = "") -> typer.Exit:
    """The one line and status for a command stopped by ``err``; ``kept``: what it kept.

    A stop that came while the command wrote its last files waited for them
    (``povsim.experiments.executors.StoppedWhenComplete``): the output is complete.
    """
    # Only a command that ran work can have waited; importing the executors here would
    # add a second to every command's start.
    executors = sys.modules.get("povsim.experiments.executors")
    if executors is not None and isinstance(err, executors.StoppedWhenComplete):
        kept = f"its results were written first: {err.path} is complete"
        err = err.stop
    signum = err.signum if isinstance(err, Stopped) else signal.SIGINT
    word = STOP_WORDS.get(signal.Signals(signum), "stopped")
    return fail(f"{word}: {kept}" if kept else word, 128 + signum)


SEARCH_FILES = ("calibrated.toml", "history.parquet")
"""The files a search (optimize, calibrate) writes after each generation."""


def search_state(out: Path) -> dict[str, tuple[int, int, int]]:
    """Which of a search's files are in ``out``, and which versions (inode, size, time)."""
    found = {}
    for name in SEARCH_FILES:
        with contextlib.suppress(OSError):
            st = (out / name).stat()
            found[name] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return found


def search_kept(out: Path, before: dict[str, tuple[int, int, int]], *, overwrite: bool) -> str:
    """What an interrupted search (optimize, calibrate) kept, for its stop line.

    A search resumed continues the files it found (``before``: :func:`search_state` at its
    start). One stopped with ``--overwrite`` before its first generation put the earlier
    search back, which is not this one's to continue (and ``--overwrite`` would start
    anew), so then only the files it wrote count.
    """
    again = "rerun the same command" + (" without --overwrite" if overwrite else "")
    now = search_state(out)
    kept = [n for n in SEARCH_FILES if n in now and not (overwrite and before.get(n) == now[n])]
    if "calibrated.toml" in kept:
        return f"the best point so far is in {out / 'calibrated.toml'}; {again} to continue"
    if kept:
        return f"evaluated points are in {out / 'history.parquet'}; {again} to continue"
    if overwrite and now:
        return f"no generation had finished, so the earlier search is back in {out}"
    return "no generation had finished, so no point was kept; rerun the same command to start again"


def load(
    path: Path,
    overrides: list[str],
    *,
    national: bool = False,
    among: bool = False,
    notes: bool = True,
) -> Scenario:
    """Load a scenario, or exit 2 with the problems.

    Args:
        path: the scenario file.
        overrides: ``--set`` values.
        national: the command also runs county-resolved scenarios (a geography section);
            the others take one county only.
        among: one of several scenarios the same ``--set`` applies to: a problem it makes
            is named with the file it made it in.
        notes: print the scenario's notes (False: the caller prints several scenarios'
            at once, :func:`print_notes`).
    """
    from povsim.config import ScenarioError, load_scenario, one_county

    try:
        spec = load_scenario(path, overrides)
        spec = spec if national else one_county(spec, path)
    except ScenarioError as err:
        text = str(err)
        raise fail(f"{path}: {text}" if among and str(path) not in text else text, 2) from None
    if notes:
        print_notes(path, spec)
    return spec


def print_notes(path: Path, spec: Scenario) -> None:
    """What in ``spec`` is valid but likely not what was meant (``Scenario.notes``)."""
    print_shared_notes([path], [spec])


def print_shared_notes(paths: Sequence[Path], specs: Sequence[Scenario]) -> None:
    """Several scenarios' notes, a note they share once, naming them all (compare's mixes
    of one county shrunk by one ``--set`` printed the same four lines for each)."""
    said: dict[str, list[str]] = {}
    for path, spec in zip(paths, specs, strict=True):
        for note in spec.notes():
            said.setdefault(note, []).append(str(path))
    for note, files in said.items():
        errors.print(escape(f"note: {', '.join(files)}: {note}"), highlight=False)


def refuse_target(target: Path, kind: str, overwrite: bool = False, resume: bool = False) -> None:
    """Exit 2, before any work, if writing ``kind`` at ``target`` could lose anything."""
    from povsim.runs.store import OutputError, check_target

    try:
        check_target(target, kind, overwrite=overwrite, resume=resume)
    except OutputError as err:
        raise fail(str(err), 2) from None


OverwriteOption = Annotated[
    bool,
    typer.Option(help="replace an earlier povsim output of the same kind at the target"),
]


class LazyProgress:
    """A progress bar that appears only once a run has taken longer than a second.

    Args:
        total: the steps of every pass.
        enabled: False draws nothing.
        passes: 2 when the run is followed by its run without support (the counterfactual),
            whose years the bar labels as such: the bar went back from 2020 to 2014 as if
            the run had started again.
    """

    def __init__(self, total: int, enabled: bool, passes: int = 1):
        self.progress = Progress(
            TextColumn("[bold]simulating"),
            BarColumn(),
            TextColumn("{task.fields[year]}"),
            TimeRemainingColumn(),
            console=errors,
            transient=True,
        )
        self.task = self.progress.add_task("run", total=total, year="")
        # Transient: where nothing is redrawn it would leave only a blank line.
        redrawn = errors.is_terminal or errors.is_jupyter
        self.enabled, self.started, self.clock = enabled and redrawn, False, time.perf_counter()
        self.passes = passes
        self._model: Any = None
        self._without = False

    def __call__(self, model: Any) -> None:
        if model is not self._model:
            self._model = model
            self._without = self.passes > 1 and not model.config.has_support()
        # A year's last step closes it and moves the model on to the next (2021 after
        # 2020's December): the year shown is the one the step ran in.
        year = model.year if model.step_in_year else model.year - 1
        shown = f"{year}, without support" if self._without else str(year)
        self.progress.update(self.task, advance=1, year=shown)
        if self.enabled and not self.started and time.perf_counter() - self.clock > 1.0:
            self.progress.start()
            self.started = True

    def close(self) -> None:
        if self.started:
            self.progress.stop()


ExecutorOption = Annotated[
    str | None,
    typer.Option(
        help="where runs go: serial, processes (all cores) or dask (default: processes; "
        "dask with --scheduler)"
    ),
]
WorkersOption = Annotated[
    int | None, typer.Option(min=1, max=MAX_WORKERS, help="worker processes (default: all cores)")
]
SchedulerOption = Annotated[
    str | None, typer.Option(help="address of a running Dask scheduler (tcp://HOST:PORT)")
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="override a field: dotted.path=value (repeatable; the value none unsets an "
        "optional field)",
    ),
]


def executor_name(name: str | None, scheduler: str | None) -> str:
    """The executor the options ask for (:func:`povsim.experiments.executors.executor_for`),
    its refusals in the options' words.

    Raises:
        typer.Exit: (status 2) for an unknown executor, or a scheduler with another one.
    """
    from povsim.experiments.executors import EXECUTORS, executor_for

    if name is not None and name not in EXECUTORS:
        raise fail(f"--executor must be one of {', '.join(EXECUTORS)}, not {name!r}", 2)
    if scheduler is not None and not scheduler.strip():
        raise fail("--scheduler: give an address (tcp://HOST:PORT), not an empty one", 2)
    if scheduler and name not in (None, "dask"):
        raise fail(f"--scheduler runs on a Dask cluster: it cannot go with --executor {name}", 2)
    return executor_for(name, scheduler)


def _executor(name: str | None, workers: int | None, scheduler: str | None) -> Executor:
    from povsim.experiments.executors import DaskExecutor, make_executor

    name = executor_name(name, scheduler)
    # Workers that would go unused: a serial run has one, a running cluster its own.
    if workers is not None and name == "serial":
        raise fail("--workers is for the processes and dask executors: serial runs one", 2)
    if workers is not None and scheduler:
        raise fail("--workers cannot go with --scheduler: the cluster has its own workers", 2)
    try:
        pool = make_executor(name, workers, scheduler)
    except ValueError as err:
        raise fail(f"--scheduler: {err}", 2) from None
    except (RuntimeError, OSError) as err:
        # an address given that cannot be reached is the user's to correct
        raise fail(
            f"--scheduler: {err}" if scheduler else str(err), 2 if scheduler else 1
        ) from None
    if isinstance(pool, DaskExecutor):
        pool.notify = lambda news: errors.print(f"warning: {news}")
        if scheduler and pool.connected_workers == 0:
            pool.notify(
                f"the scheduler at {scheduler} has no workers yet; "
                "runs wait until one joins (dask worker ADDRESS)"
            )
    return pool


@contextmanager
def experiment(
    label: str,
    total: int | None,
    executor: str | None,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
    unit: str = "runs",
) -> Iterator[tuple[Executor, RunsProgress]]:
    """An executor and a runs progress bar (started now when ``total`` is known, else by
    the experiment's ``on_plan``), both closed when the block ends."""
    bar = RunsProgress(total or 0, label, enabled=not quiet, console=errors, unit=unit)
    with _executor(executor, workers, scheduler) as pool:
        if total is not None:
            bar.start()
        try:
            yield pool, bar
        finally:
            bar.close()
