"""``povsim run`` and ``povsim compare``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from povsim.cli.common import (
    ExecutorOption,
    OverwriteOption,
    SchedulerOption,
    SetOption,
    WorkersOption,
    console,
    errors,
    executor_name,
    experiment,
    fail,
    load,
    refuse_target,
    show,
)
from povsim.config.fields import MAX_REPLICATIONS, MAX_SEED

if TYPE_CHECKING:
    from povsim.config import Scenario

__all__ = ["compare", "run"]


def run(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
    out: Annotated[
        Path | None,
        typer.Option(
            help="run directory (default: runs/NAME-seedN; runs/NAME-seedN-xR for R replications)"
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, max=MAX_SEED, help="seed (default: the scenario's)")
    ] = None,
    set_: SetOption = None,
    replications: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_REPLICATIONS,
            help="independent replications (streams spawned from the seed)",
        ),
    ] = 1,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    panel: Annotated[bool, typer.Option(help="also write households.parquet")] = False,
    overwrite: OverwriteOption = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
    partition: Annotated[
        str | None,
        typer.Option(
            help="county-resolved runs: one task per 'province', or a number of counties per "
            "task (default: province)"
        ),
    ] = None,
) -> None:
    """Run a scenario (or replications of it) and write its run directory.

    A scenario with a geography section is a national run resolved to counties: its
    partitions run on the executor (``--executor dask --scheduler ADDRESS`` for a cluster).
    """
    clock = time.perf_counter()  # the command's time, reading and writing included
    from povsim.cli.common import LazyProgress
    from povsim.cli.tables import headline_table, intervals_table, summary_table
    from povsim.experiments.ensemble import Ensemble, run_ensemble
    from povsim.plots.run import run_figures
    from povsim.runs.runner import RunResult, simulate
    from povsim.runs.store import path_component

    executor = executor_name(executor, scheduler)  # checked for a single run too
    by = _partition("province" if partition is None else partition)
    overrides = set_ or []
    spec = load(scenario, overrides, national=True)
    if spec.geography is None and partition is not None:
        raise fail(f"--partition is for county-resolved scenarios; {scenario} is one county", 2)
    if spec.geography is not None and (panel or replications > 1):
        option = "--panel" if panel else "--replications"
        why = (
            "no panel of every household of its counties is kept: counties.parquet and "
            "provinces.parquet hold each county's and province's figures by year"
            if panel
            else "povsim validate runs its replications"
        )
        raise fail(
            f"{option} is for county scenarios: {scenario} is one county-resolved national run "
            f"({why})",
            2,
        )
    if panel and replications > 1:
        raise fail("--panel is for single runs; drop it or use --replications 1", 2)
    if spec.geography is None and replications == 1 and (executor == "dask" or workers):
        # one run is one model, run here: a cluster or workers named for it would silently
        # go unused
        option = (
            "--scheduler" if scheduler else "--executor dask" if executor == "dask" else "--workers"
        )
        raise fail(f"{option} is for --replications N (a single run runs here)", 2)
    run_seed = spec.seed if seed is None else seed
    # A name from a file is one path component under runs/, never a path of its own.
    # Replications have a directory of their own: the first run a user makes is kept.
    many = "" if replications == 1 else f"-x{replications}"
    target = out or Path("runs") / f"{path_component(spec.name)}-seed{run_seed}{many}"
    refuse_target(target, "run", overwrite)
    if spec.geography is not None:
        _run_national(
            spec,
            run_seed,
            target,
            scenario,
            overrides,
            overwrite,
            quiet,
            by,
            (executor, workers, scheduler),
            clock,
        )
        return
    result: RunResult | Ensemble
    if replications == 1:
        runs = 2 if spec.has_support() else 1  # with and without support
        progress = LazyProgress(runs * len(spec.years) * spec.steps_per_year, enabled=not quiet)
        try:
            result = simulate(spec, run_seed, panel=panel, on_step=progress)
        finally:
            progress.close()
    else:
        with experiment("replications", replications, executor, workers, scheduler, quiet) as (
            pool,
            bar,
        ):
            result = run_ensemble(
                spec, run_seed, replications, executor=pool, on_result=bar.advance
            )
    _write(result, target, run_figures(result), scenario, overrides, overwrite)
    if not quiet:
        if isinstance(result, Ensemble):
            show(intervals_table(result, console.width if console.is_terminal else None))
        else:
            show(summary_table(result, console.width if console.is_terminal else None))
            show(headline_table(result))
    console.print(f"wrote {target} in {time.perf_counter() - clock:.1f} s")


def _write(
    result: Any, target: Path, figures: Any, source: Path, overrides: list[str], overwrite: bool
) -> None:
    """Write a run's directory, or exit with one line: 2 if it would lose anything, 1 if
    the disk refuses."""
    from povsim.runs.store import OutputError, write_run

    try:
        write_run(
            result,
            target,
            figures=figures,
            source=str(source),
            overrides=overrides,
            overwrite=overwrite,
        )
    except OutputError as err:
        raise fail(str(err), 2) from None
    except OSError as err:
        raise fail(f"cannot write {target}: {err}", 1) from None


def _partition(text: str) -> str | int:
    if text == "province":
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise fail(f"--partition must be 'province' or a number of counties, not {text!r}", 2)


def _run_national(
    spec: Scenario,
    seed: int,
    target: Path,
    source: Path,
    overrides: list[str],
    overwrite: bool,
    quiet: bool,
    by: str | int,
    pool_options: tuple[str | None, int | None, str | None],
    clock: float,
) -> None:
    """A county-resolved national run: partitions on the executor, then its run directory."""
    from povsim.cli.tables import headline_table, summary_table
    from povsim.config import ScenarioError
    from povsim.experiments.national import run_national
    from povsim.plots.national import national_figures

    def said(note: str) -> None:
        errors.print(escape(f"note: {source}: {note}"), highlight=False)

    executor, workers, scheduler = pool_options
    with experiment("partitions", None, executor, workers, scheduler, quiet, "partitions") as (
        pool,
        bar,
    ):
        try:
            result = run_national(
                spec,
                seed,
                executor=pool,
                partition=by,
                on_result=bar.advance,
                on_plan=bar.start,
                on_note=said,
            )
        except ScenarioError as err:  # its counties, drawn: the largest does not fit, say
            raise fail(str(err), 2) from None
    _write(result, target, national_figures(result), source, overrides, overwrite)
    if not quiet:
        show(summary_table(result, console.width if console.is_terminal else None))  # type: ignore[arg-type]
        show(headline_table(result))  # type: ignore[arg-type]
    console.print(
        f"wrote {target} ({len(result.counties['county'].unique())} counties in "
        f"{result.partitions} partitions) in {time.perf_counter() - clock:.1f} s"
    )


def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="two or more scenario files; the first is the reference")
    ],
    replications: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATIONS, help="replications per scenario")
    ] = 20,
    seed: Annotated[
        int | None, typer.Option(min=0, max=MAX_SEED, help="seed (default: the first scenario's)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="output directory (default: runs/compare-...)")
    ] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(
            help="an outcome to compare besides the table's (repeatable; COLUMN@YEAR too, "
            "e.g. registered_people@2018; `povsim outcomes` lists them)"
        ),
    ] = None,
    set_: SetOption = None,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    overwrite: OverwriteOption = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
) -> None:
    """Compare policy mixes on the same seeds: means, intervals and paired differences."""
    clock = time.perf_counter()
    from povsim.cli.tables import comparison_table
    from povsim.experiments.compare import (
        checked_outcomes,
        compare_scenarios,
        unpaired_fields,
        unpaired_note,
        write_comparison,
    )
    from povsim.runs.store import OutputError, path_component

    if len(scenarios) < 2:
        raise fail("compare needs at least two scenario files", 2)
    specs = [load(path, set_ or [], among=len(scenarios) > 1) for path in scenarios]
    for spec in specs:
        same = [str(p) for p, s in zip(scenarios, specs, strict=True) if s.name == spec.name]
        if len(same) > 1:
            files = ", ".join(same[:-1]) + f" and {same[-1]}"
            every = "both" if len(same) == 2 else f"all {len(same)}"
            raise fail(
                f"{files} are {every} named {spec.name!r}: give each its own "
                "`name = ...` to compare them",
                2,
            )
    for path, spec in zip(scenarios[1:], specs[1:], strict=True):
        if fields := unpaired_fields(specs[0], spec):
            note = unpaired_note(str(path), str(scenarios[0]), fields)
            errors.print(escape(f"note: {note}"), highlight=False)
        if seed is None and spec.seed != specs[0].seed:
            # paired on one seed: a mix's own seed would look used, and is not
            errors.print(
                escape(
                    f"note: {path}: its seed ({spec.seed}) is not used: every scenario runs on "
                    f"the first's ({specs[0].seed}; --seed to choose another)"
                ),
                highlight=False,
            )
    try:  # before any run, as the scenarios are
        outcomes = checked_outcomes(outcome or [], specs)
    except ValueError as err:
        raise fail(f"--{err}", 2) from None  # "--outcome 'x': ..."
    name = "compare-" + "-".join(path_component(s.name) for s in specs)
    target = out or Path("runs") / path_component(name)
    refuse_target(target, "compare", overwrite)
    try:
        with experiment("runs", len(specs) * replications, executor, workers, scheduler, quiet) as (
            pool,
            bar,
        ):
            result = compare_scenarios(
                specs, replications, seed, executor=pool, on_result=bar.advance, outcomes=outcomes
            )
    except ValueError as err:
        raise fail(str(err), 2) from None
    result.overrides = list(set_ or [])
    try:
        write_comparison(result, target, overwrite=overwrite)
    except OutputError as err:
        raise fail(str(err), 2) from None
    except OSError as err:
        raise fail(f"cannot write {target}: {err}", 1) from None
    if not quiet:
        show(comparison_table(result, console.width if console.is_terminal else None))
    console.print(f"wrote {target} in {time.perf_counter() - clock:.1f} s")
