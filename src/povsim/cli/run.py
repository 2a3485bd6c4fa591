"""``povsim run`` and ``povsim compare``."""

from __future__ import annotations

import time
import warnings
from contextlib import AbstractContextManager
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
    nonempty,
    print_shared_notes,
    refuse_target,
    show,
)
from povsim.config.limits import MAX_REPLICATIONS, MAX_SEED

if TYPE_CHECKING:
    from povsim.config import Scenario
    from povsim.experiments.compare import Comparison
    from povsim.experiments.dispatch import RunRefused
    from povsim.experiments.executors import Executor
    from povsim.runs.progress import RunsProgress

__all__ = ["compare", "run"]


def run(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="scenario TOML file", parser=nonempty("scenario", "a scenario TOML file")
        ),
    ],
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
    from povsim.config import ScenarioError
    from povsim.experiments.dispatch import RunRefused, plan_run
    from povsim.experiments.ensemble import Ensemble
    from povsim.plots.national import national_figures
    from povsim.plots.run import run_figures
    from povsim.runs.counties import NationalResult
    from povsim.runs.store import path_component

    executor = executor_name(executor, scheduler)  # checked for a single run too
    by = None if partition is None else _partition(partition)
    overrides = set_ or []
    spec = load(scenario, overrides, national=True)
    try:
        plan = plan_run(
            spec,
            panel=panel,
            replications=replications,
            partition=by,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
        )
    except RunRefused as err:
        raise fail(_refused(err, scenario), 2) from None
    run_seed = spec.seed if seed is None else seed
    # A name from a file is one path component under runs/, never a path of its own.
    # Replications have a directory of their own: the first run a user makes is kept.
    many = "" if replications == 1 else f"-x{replications}"
    target = out or Path("runs") / f"{path_component(spec.name)}-seed{run_seed}{many}"
    refuse_target(target, "run", overwrite)

    def pools(
        label: str, total: int | None, unit: str
    ) -> AbstractContextManager[tuple[Executor, RunsProgress]]:
        return experiment(label, total, executor, workers, scheduler, quiet, unit)

    def said(note: str) -> None:
        errors.print(escape(f"note: {scenario}: {note}"), highlight=False)

    # A single run's bar follows its model's steps (and shows only after a second); the
    # others' follow whole runs or partitions, on the executor.
    steps = None
    if plan.kind == "single":
        runs = 2 if spec.has_support() else 1  # with and without support
        steps = LazyProgress(
            runs * len(spec.years) * spec.steps_per_year, enabled=not quiet, passes=runs
        )
    try:
        result = plan.run(run_seed, pools, on_step=steps, on_note=said)
    except ScenarioError as err:  # a national run's counties, drawn: the largest does not fit
        raise fail(str(err), 2) from None
    finally:
        if steps is not None:
            steps.close()
    if isinstance(result, NationalResult):
        figures = national_figures(result)
        counties = len(result.counties["county"].unique())
        wrote = f"{target} ({counties} counties in {result.partitions} partitions)"
    else:
        figures = run_figures(result)
        wrote = str(target)
    _write(result, target, figures, scenario, overrides, overwrite)
    if not quiet:
        width = console.width if console.is_terminal else None
        if isinstance(result, Ensemble):
            show(intervals_table(result, width))
        else:
            show(summary_table(result, width))  # type: ignore[arg-type]
            show(headline_table(result))  # type: ignore[arg-type]
    console.print(f"wrote {wrote} in {time.perf_counter() - clock:.1f} s")


def _refused(err: RunRefused, scenario: Path) -> str:
    """A refusal of :func:`povsim.experiments.dispatch.plan_run` in the options' words."""
    from povsim.experiments.dispatch import NATIONAL_WHY

    if err.only == "national":
        return f"--partition is for county-resolved scenarios; {scenario} is one county"
    if err.only == "county":
        return (
            f"--{err.argument} is for county scenarios: {scenario} is one county-resolved "
            f"national run ({NATIONAL_WHY[err.argument]})"
        )
    if err.only == "single":
        return "--panel is for single runs; drop it or use --replications 1"
    option = "--executor dask" if err.argument == "executor" else f"--{err.argument}"
    return f"{option} is for --replications N (a single run runs here)"


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


def compare(
    scenarios: Annotated[
        list[Path],
        typer.Argument(
            help="two or more scenario files, or run folders (povsim run --replications N: "
            "compared from their results, nothing run); the first is the reference",
            parser=nonempty("scenarios", "a scenario TOML file or a run folder"),
        ),
    ],
    replications: Annotated[
        int | None,
        typer.Option(
            min=2,
            max=MAX_REPLICATIONS,
            help="replications per scenario (default: 20; two or more: the intervals need them)",
        ),
    ] = None,
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
    """Compare policy mixes on the same seeds: means, intervals and paired differences.

    Given run folders (``povsim run --replications N``) instead of scenario files, compares
    their stored results, running nothing: the same table and files as comparing the
    scenarios on their seed and replications.
    """
    clock = time.perf_counter()
    from povsim.experiments.compare import (
        checked_outcomes,
        compare_scenarios,
        unpaired_fields,
        unpaired_note,
    )

    if len(scenarios) < 2:
        raise fail("compare needs at least two scenario files or run folders", 2)
    folders = [path for path in scenarios if path.is_dir()]
    if folders:
        given = {"--set": set_, "--executor": executor, "--workers": workers}
        given |= {"--scheduler": scheduler, "--seed": seed, "--replications": replications}
        _compare_folders(scenarios, outcome or [], given, out, overwrite, quiet, clock)
        return
    replications = 20 if replications is None else replications
    specs = [load(path, set_ or [], among=True, notes=False) for path in scenarios]
    print_shared_notes(scenarios, specs)
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
    target = _comparison_target(out, specs)
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
    _write_comparison(result, target, overwrite, quiet, clock)


def _compare_folders(
    paths: list[Path],
    outcomes: list[str],
    given: dict[str, Any],
    out: Path | None,
    overwrite: bool,
    quiet: bool,
    clock: float,
) -> None:
    """``povsim compare`` of run folders: compared from their stored results, nothing run.

    Args:
        paths: the arguments, at least one a folder.
        outcomes: ``--outcome``.
        given: the options of the runs as given (None where not): the folders' own hold,
            so ``--seed`` and ``--replications`` may only repeat them, and the others none.
        out, overwrite, quiet: as given.
        clock: the command's start (:func:`time.perf_counter`).
    """
    from povsim.experiments.compare import RunFolderError, UnpairedComparison, compare_runs

    files = [str(path) for path in paths if not path.is_dir()]
    if files:
        # the scenario files would run on options the folders' runs did not share
        folders = [str(path) for path in paths if path.is_dir()]
        one = len(files) == 1
        raise fail(
            "compare takes scenario files or run folders, not both: "
            f"{', '.join(folders)} {'is a folder' if len(folders) == 1 else 'are folders'}, "
            f"{', '.join(files)} {'is not' if one else 'are not'} (run {'it' if one else 'each'} "
            "with povsim run FILE --replications N --seed S to compare folders alone, or "
            "give the folders' scenario files)",
            2,
        )
    for option in ("--set", "--executor", "--workers", "--scheduler"):
        if given[option]:
            raise fail(
                f"{option} is for scenario files: run folders are compared from their results, "
                "as they were run",
                2,
            )
    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always", UnpairedComparison)
        try:
            result = compare_runs(paths, outcomes)
        except ValueError as err:
            said = str(err)
            asked = said.startswith("outcome ") and not isinstance(err, RunFolderError)
            raise fail(f"--{said}" if asked else said, 2) from None
    for note in notes:
        errors.print(escape(f"note: {note.message}"), highlight=False)
    for option, held, ran in (
        ("--seed", result.seed, f"seed {result.seed}"),
        ("--replications", result.replications, f"{result.replications} replications"),
    ):
        if given[option] is not None and given[option] != held:
            raise fail(
                f"{option} {given[option]}: the run folders ran {ran}, and are compared as "
                f"they ran (leave {option} out, or run them again with {option} "
                f"{given[option]})",
                2,
            )
    _write_comparison(result, out, overwrite, quiet, clock)


def _comparison_target(out: Path | None, scenarios: list[Scenario]) -> Path:
    """Where a comparison goes: ``--out``, else ``runs/compare-NAME-NAME...``."""
    from povsim.runs.store import path_component

    name = "compare-" + "-".join(path_component(s.name) for s in scenarios)
    return out or Path("runs") / path_component(name)


def _write_comparison(
    result: Comparison, out: Path | None, overwrite: bool, quiet: bool, clock: float
) -> None:
    """Write a comparison's folder and show its table, or exit with one line: 2 if it would
    lose anything, 1 if the disk refuses."""
    from povsim.cli.tables import comparison_table
    from povsim.experiments.compare import write_comparison
    from povsim.runs.store import OutputError

    target = _comparison_target(out, result.scenarios)
    refuse_target(target, "compare", overwrite)
    try:
        write_comparison(result, target, overwrite=overwrite)
    except OutputError as err:
        raise fail(str(err), 2) from None
    except OSError as err:
        raise fail(f"cannot write {target}: {err}", 1) from None
    if not quiet:
        show(comparison_table(result, console.width if console.is_terminal else None))
    console.print(f"wrote {target} in {time.perf_counter() - clock:.1f} s")
