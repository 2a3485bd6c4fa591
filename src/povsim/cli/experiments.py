"""``povsim sweep`` and ``povsim sensitivity``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from povsim.cli.common import (
    ExecutorOption,
    SchedulerOption,
    SetOption,
    WorkersOption,
    console,
    errors,
    experiment,
    fail,
    nonempty,
    print_notes,
    refuse_target,
    show,
    stopped,
)

__all__ = ["sensitivity", "sweep"]


def sweep(
    design: Annotated[
        Path,
        typer.Argument(
            help="sweep design TOML file", parser=nonempty("design", "a sweep design TOML file")
        ),
    ],
    out: Annotated[Path, typer.Option(help="output directory")],
    resume: Annotated[bool, typer.Option(help="continue a sweep already in --out")] = False,
    set_: SetOption = None,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
) -> None:
    """Run a sweep over scenario fields; each finished run is written at once."""
    from povsim.cli.tables import sweep_table
    from povsim.config import ScenarioError
    from povsim.experiments.sweep import SweepError, finished_runs, load_design, run_sweep

    try:
        plan = load_design(design, set_ or [])
    except ScenarioError as err:
        raise fail(str(err), 2) from None
    print_notes(Path(plan.record["base_file"]), plan.base)
    for note in plan.notes():
        errors.print(escape(f"note: {design}: {note}"), highlight=False)
    refuse_target(out, "sweep", resume=True)
    try:
        with experiment("sweep", None, executor, workers, scheduler, quiet) as (pool, bar):
            summary = run_sweep(
                plan, out, resume=resume, executor=pool, on_result=bar.advance, on_plan=bar.start
            )
    except SweepError as err:
        raise fail(str(err), 2) from None
    except OSError as err:  # a full disk, say: the runs written so far are kept
        raise fail(f"cannot write {out}: {err.strerror or err}; --resume continues", 1) from None
    except KeyboardInterrupt as err:
        finished = finished_runs(out)
        runs = f"{finished:,} finished run{'s' * (finished != 1)}"
        raise stopped(err, f"{runs} kept in {out} (--resume continues)") from None
    finished = int(summary["cumulative_exit_share"].notna().sum())
    if not quiet:
        show(sweep_table(summary, console.width if console.is_terminal else None))
    console.print(f"{finished} of {len(summary)} runs in {out}")


def sensitivity(
    problem: Annotated[
        Path,
        typer.Option(
            help="problem TOML file: inputs, outputs",
            parser=nonempty("--problem", "a sensitivity problem TOML file"),
        ),
    ],
    out: Annotated[Path, typer.Option(help="output directory (runs are kept under it)")],
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="base scenario TOML file (default: the problem file's base)",
            parser=nonempty(
                "scenario", "a scenario TOML file, or leave it out for the problem's base"
            ),
        ),
    ] = None,
    method: Annotated[str, typer.Option(help="sobol, morris or fast")] = "sobol",
    n: Annotated[
        int,
        typer.Option(
            "-N", "--n", min=1, max=1_000_000, help="base sample size (Morris: trajectories)"
        ),
    ] = 1024,
    second_order: Annotated[
        bool | None,
        typer.Option(help="Sobol S2 indices (more runs; Sobol only, on by default)"),
    ] = None,
    resume: Annotated[bool, typer.Option(help="continue an evaluation already in --out")] = False,
    overwrite: Annotated[
        bool, typer.Option(help="replace an earlier sensitivity analysis in --out")
    ] = False,
    set_: SetOption = None,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
) -> None:
    """Global sensitivity analysis with SALib; indices to Parquet, bar and time-varying plots.

    ``--set`` changes the base scenario (its size, say) as ``povsim run`` does.
    """
    from povsim.cli.tables import indices_table
    from povsim.config import ScenarioError
    from povsim.experiments.problem import load_problem
    from povsim.experiments.sensitivity import METHODS, finished_runs, run_sensitivity
    from povsim.experiments.sensitivity import indices_table as indices
    from povsim.experiments.sweep import SweepError

    if method not in METHODS:
        raise fail(f"--method must be one of {', '.join(METHODS)}, not {method!r}", 2)
    if resume and overwrite:
        raise fail("--resume continues an analysis, --overwrite replaces it: give one", 2)
    if second_order is not None and method != "sobol":
        # taken and ignored, the user believed they had chosen something
        flag = "--second-order" if second_order else "--no-second-order"
        raise fail(f"{flag} applies only with --method sobol, not {method}", 2)
    try:
        spec = load_problem(problem, scenario, set_ or [])
    except ScenarioError as err:
        raise fail(str(err), 2) from None
    refuse_target(out, "sensitivity", overwrite=overwrite, resume=True)
    try:
        with experiment(method, None, executor, workers, scheduler, quiet) as (pool, bar):
            result = run_sensitivity(
                spec,
                method,
                n,
                out,
                second_order=second_order is not False,
                executor=pool,
                resume=resume,
                overwrite=overwrite,
                on_result=bar.advance,
                on_plan=bar.start,
                progress=False,  # the command's own bar
            )
    except (SweepError, ScenarioError) as err:
        raise fail(str(err), 2) from None
    except OSError as err:
        raise fail(f"cannot write {out}: {err.strerror or err}; --resume continues", 1) from None
    except KeyboardInterrupt as err:
        # Stopped before any run finished, the analysis removes what it made (and brings
        # back one --overwrite was replacing): no runs to keep or resume.
        if finished := finished_runs(out):
            runs = f"{finished:,} finished run{'s' * (finished != 1)}"
            kept = f"{runs} kept in {out} (--resume continues)"
        elif out.exists():
            kept = f"no run had finished: {out} is as it was"
        else:
            kept = "no run had finished: nothing was written"
        raise stopped(err, kept) from None
    if not quiet:
        show(indices_table(indices(result), method, result.no_indices()))
    console.print(f"wrote {out}")
