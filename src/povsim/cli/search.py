"""``povsim optimize`` and ``povsim discover``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from povsim.cli.common import (
    ExecutorOption,
    OverwriteOption,
    SchedulerOption,
    WorkersOption,
    console,
    errors,
    experiment,
    fail,
    load,
    nonempty,
    refuse_target,
    search_kept,
    search_state,
    show,
    stopped,
)
from povsim.config.limits import MAX_SEED

if TYPE_CHECKING:
    from rich.table import Table

    from povsim.experiments.optimize import OptimizationResult

__all__ = ["discover", "optimize"]


def _split(values: list[str] | None) -> list[str]:
    """Repeated options, each of which may also list several items separated by commas."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def optimize(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="the base scenario TOML file", parser=nonempty("scenario", "a scenario TOML file")
        ),
    ],
    out: Annotated[Path, typer.Option(help="output directory")],
    objectives: Annotated[
        list[str],
        typer.Option(
            "--objectives",
            help="outcomes to optimise, comma-separated or repeated: NAME (the direction "
            "`povsim outcomes` prefers, else minimised), min:NAME or max:NAME",
        ),
    ],
    levers: Annotated[
        list[str] | None,
        typer.Option(
            "--levers",
            help="repeatable: shares (split every program's share of the budget, keeping "
            "their sum), shares=A,B,... (only these), or dotted.path=LOW:HIGH "
            "(default: shares)",
        ),
    ] = None,
    constraint: Annotated[
        list[str] | None,
        typer.Option(
            "--constraint",
            help="repeatable: NAME<=VALUE or NAME>=VALUE; VALUE may be 'budget' (the "
            "scenario's funds over its years, yuan)",
        ),
    ] = None,
    generations: Annotated[int, typer.Option(min=1, max=10_000, help="generations")] = 20,
    population: Annotated[
        int, typer.Option(min=4, max=10_000, help="candidates per generation")
    ] = 24,
    replications: Annotated[
        int, typer.Option(min=1, max=1000, help="fixed-seed replications per candidate")
    ] = 3,
    households: Annotated[
        int | None, typer.Option(min=10, help="agents per run while searching")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="seed of runs and search")] = 1,
    robust: Annotated[
        Path | None,
        typer.Option(
            help="sensitivity problem TOML file: evaluate every candidate over a sample of "
            "its uncertain inputs"
        ),
    ] = None,
    robust_samples: Annotated[
        int | None,
        typer.Option(
            min=2, max=10_000, help="draws of the uncertain inputs (robust mode; default 8)"
        ),
    ] = None,
    statistic: Annotated[
        str | None,
        typer.Option(help="robust mode's score: mean (the default), p90 (bad tail) or regret"),
    ] = None,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            help="replace an earlier povsim policy search at OUT (by default a rerun continues it)"
        ),
    ] = False,
) -> None:
    """Search budget mixes for the Pareto front of several objectives (NSGA-II/III).

    Writes OUT/pareto.parquet, OUT/front/NN.toml (one scenario per front member),
    OUT/history.parquet (after every generation) and figures. Rerun the same command to
    continue an interrupted search: evaluated points are replayed from the history;
    --overwrite starts anew (the earlier search is kept until a generation is written).
    """
    from povsim.config import ScenarioError
    from povsim.experiments.optimize import (
        INSTALL,
        ROBUST_SAMPLES,
        STATISTICS,
        parse_constraint,
        parse_lever,
        parse_objective,
    )
    from povsim.experiments.optimize import optimize as search
    from povsim.runs.store import OutputError

    try:
        import pymoo  # noqa: F401
    except ImportError:
        raise fail(INSTALL, 1) from None
    if statistic is not None and statistic not in STATISTICS:
        raise fail(f"--statistic must be one of {', '.join(STATISTICS)}, not {statistic!r}", 2)
    if robust is None:
        # Without the uncertain inputs they would be ignored: not the search asked for.
        for flag, value in (("--statistic", statistic), ("--robust-samples", robust_samples)):
            if value is not None:
                raise fail(f"{flag} {value}: applies only with --robust (a problem file)", 2)
    base = load(scenario, [])
    try:
        objs = [parse_objective(o) for o in _split(objectives)]
        levs = [parse_lever(lv) for lv in (levers or ["shares"])]
        cons = [parse_constraint(c) for c in constraint or []]
    except ScenarioError as err:
        raise fail(str(err), 2) from None
    if not objs:
        raise fail("--objectives: give at least one outcome", 2)
    refuse_target(out, "optimize", overwrite=overwrite, resume=not overwrite)
    before = search_state(out)
    try:
        with experiment("optimizing", None, executor, workers, scheduler, quiet) as (pool, bar):
            result = search(
                base,
                objs,
                levs,
                out,
                constraints=cons,
                generations=generations,
                population=population,
                replications=replications,
                households=households,
                seed=seed,
                robust=robust,
                robust_samples=ROBUST_SAMPLES if robust_samples is None else robust_samples,
                statistic=STATISTICS[0] if statistic is None else statistic,
                executor=pool,
                scenario_file=scenario,
                on_result=bar.advance,
                on_plan=bar.start,
                overwrite=overwrite,
            )
    except (ScenarioError, OutputError) as err:
        raise fail(str(err), 2) from None
    except OSError as err:
        raise fail(f"cannot write {out}: {err.strerror or err}; rerun to continue", 1) from None
    except KeyboardInterrupt as err:
        raise stopped(err, search_kept(out, before, overwrite=overwrite)) from None
    if not quiet:
        show(_front_table(result))
    console.print(
        f"{len(result.front):,} {'mix' if len(result.front) == 1 else 'mixes'} on the front of "
        f"{len(result.history):,} evaluated; wrote {out}"
    )
    feasible = result.history.get("feasible")
    if result.front.empty and result.constraints and feasible is not None and not feasible.any():
        # "0 mixes on the front" and an empty table were all a constraint no mix met said.
        met = ", ".join(map(str, result.constraints))
        errors.print(
            f"note: none of the {len(result.history):,} mixes evaluated met {met}, so the "
            "front is empty: loosen the constraint or search longer (--generations)",
            markup=False,
            highlight=False,
        )


def _front_table(result: OptimizationResult) -> Table:
    from rich.table import Table

    from povsim.plots.optimize import SCORED, scored
    from povsim.runs.display import format_value
    from povsim.runs.metrics import label

    how = " as searched" if result.statistic is None else f": {SCORED[result.statistic][1]}"
    table = Table(title=f"Pareto front (scores{how})")
    table.add_column("member")
    names = [o.name for o in result.objectives]
    for name in names:
        table.add_column(scored(label(name), result.statistic), justify="right")
    shares = [c for c in result.front.columns if c.endswith(".share")]
    others = [n for n in result.names if not n.startswith("share:")]
    for column in others:
        table.add_column(column, justify="right")
    if shares:
        table.add_column("largest shares")
    for _, row in result.front.iterrows():
        cells = [str(row["member"])]
        cells += [format_value(name, float(row[name])) for name in names]
        cells += [f"{float(row[c]):.3g}" for c in others]
        if shares:
            top = sorted(((float(row[c]), c) for c in shares), reverse=True)[:3]
            cells.append(
                ", ".join(
                    f"{c.removeprefix('programs.').removesuffix('.share')} {v:.0%}" for v, c in top
                )
            )
        table.add_row(*cells)
    return table


def discover(
    results: Annotated[
        Path,
        typer.Argument(
            help="a sweep or sensitivity output directory",
            parser=nonempty("results", "a sweep or sensitivity output directory (. for this one)"),
        ),
    ],
    where: Annotated[
        str,
        typer.Option(
            help="condition on the outcomes marking the runs of interest, e.g. "
            "'registered_people@2020 > 0 or cumulative_relapse_share > 0.05'"
        ),
    ],
    out: Annotated[Path, typer.Option(help="output directory")],
    boxes: Annotated[int, typer.Option(min=1, max=20, help="boxes to find at most")] = 3,
    mass_min: Annotated[
        float, typer.Option(min=0.001, max=0.999, help="smallest share of runs a box may hold")
    ] = 0.05,
    peel_alpha: Annotated[
        float, typer.Option(min=0.001, max=0.999, help="share of runs peeled per step")
    ] = 0.05,
    min_density: Annotated[
        float,
        typer.Option(
            min=0.001, max=1.0, help="a box is reported where at least this share of runs meet it"
        ),
    ] = 0.5,
    overwrite: OverwriteOption = False,
    quiet: Annotated[bool, typer.Option(help="no table")] = False,
) -> None:
    """PRIM scenario discovery: the input ranges where a condition on the outcomes is likely.

    Writes OUT/boxes.parquet, OUT/box_stats.parquet (coverage, density, mass),
    OUT/trajectory.parquet, OUT/summary.csv (one plain-language line per box) and
    OUT/figures/peeling.png.
    """
    from povsim.experiments.discovery import (
        DiscoveryError,
        parse_condition,
        write_discovery,
    )
    from povsim.experiments.discovery import discover as find
    from povsim.runs.store import OutputError

    try:
        parse_condition(where)
    except DiscoveryError as err:
        raise fail(str(err), 2) from None
    refuse_target(out, "discovery", overwrite=overwrite)
    try:
        found = find(
            results,
            where,
            boxes=boxes,
            mass_min=mass_min,
            peel_alpha=peel_alpha,
            min_density=min_density,
        )
        write_discovery(found, out, overwrite=overwrite)
    except DiscoveryError as err:
        raise fail(str(err), 2) from None
    except OutputError as err:
        raise fail(str(err), 2) from None
    except RuntimeError as err:  # the extra is missing
        raise fail(str(err), 1) from None
    except OSError as err:
        raise fail(f"cannot write {out}: {err.strerror or err}", 1) from None
    if found.note is not None:  # a warning, not a failure: the boxes are still of these runs
        errors.print(f"note: {results}: {found.note}", markup=False, highlight=False)
    if not quiet:
        console.print(
            f"{found.cases} of {found.runs} runs meet {where!r} ({found.cases / found.runs:.0%})",
            markup=False,
            highlight=False,
        )
        for reading in found.readings():
            console.print(f"  {reading}", markup=False, highlight=False)
    console.print(f"wrote {out}")
