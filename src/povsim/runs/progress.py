"""A progress bar over whole runs, shared by the commands and the Python API.

In Python (a notebook, a script) the bar shows where someone watches: a terminal or
Jupyter; ``progress=True`` or ``False`` decides it instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

__all__ = ["RunsProgress", "runs_progress"]


class RunsProgress:
    """A progress bar over whole runs: done, rate and time left.

    Args:
        total: runs planned (0 until :meth:`start` is given them).
        label: what the runs are, shown before the bar.
        enabled: False draws nothing (the counts are kept all the same).
        unit: what each step is, for the rate ("partitions" of a county-resolved run).
        console: where it draws (default: standard error).
        transient: gone when done; else its last state stays (where nothing is redrawn, a
            file or a pipe, that is all that is drawn).
    """

    def __init__(
        self,
        total: int,
        label: str,
        enabled: bool = True,
        console: Console | None = None,
        transient: bool = True,
        unit: str = "runs",
    ):
        console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=console,
            transient=transient,
            disable=not enabled,
        )
        # A bar that clears itself where nothing is redrawn (a pipe, a file) would leave
        # only the blank line rich ends it with, before the error or the table that follows.
        self.drawn = not transient or console.is_terminal or console.is_jupyter
        self.task = self.progress.add_task(label, total=total, rate="")
        self.clock = time.perf_counter()
        self.done = 0
        self.unit = unit

    def start(self, total: int | None = None, completed: int = 0) -> None:
        """Show the bar; ``total`` and ``completed`` when only the plan knows them (an
        experiment's ``on_plan``: a resumed sweep starts part-way)."""
        if total is not None:
            self.progress.update(self.task, total=total, completed=completed)
        if self.drawn:
            self.progress.start()

    def advance(self, *_: object) -> None:
        """One more run done (an ``on_result`` callback)."""
        self.done += 1
        rate = self.done / max(time.perf_counter() - self.clock, 1e-9)
        self.progress.update(self.task, advance=1, rate=f"{rate:.1f} {self.unit}/s")

    def close(self) -> None:
        # rich ends a bar it never showed with a blank line all the same
        if self.progress.live.is_started:
            self.progress.stop()


def watched() -> bool:
    """Whether someone watches this process: standard error is a terminal, or Jupyter."""
    console = Console(stderr=True)
    return console.is_terminal or console.is_jupyter


@contextmanager
def runs_progress(
    label: str, total: int | None, progress: bool | None, unit: str = "runs"
) -> Iterator[RunsProgress]:
    """A bar for the Python API: shown when ``progress``, or (None) when :func:`watched`;
    started now when ``total`` is known, else by the experiment's ``on_plan``."""
    watching = watched()
    enabled = watching if progress is None else progress
    bar = RunsProgress(total or 0, label, enabled=enabled, transient=watching, unit=unit)
    if total is not None:
        bar.start()
    try:
        yield bar
    finally:
        bar.close()
