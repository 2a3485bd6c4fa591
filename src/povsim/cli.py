"""The ``povsim`` command line: run, compare, sweep, sensitivity; check and describe scenarios."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from povsim.calibration import (
    Parameter,
    TargetsFile,
    load_region,
    load_targets,
    save_figure,
)
from povsim.calibration import (
    calibrate as fit,
)
from povsim.calibration import (
    validate as check_regions,
)
from povsim.experiments import (
    EXECUTORS,
    Comparison,
    Ensemble,
    Executor,
    SweepError,
    compare_scenarios,
    load_design,
    make_executor,
    run_ensemble,
    run_sweep,
    write_comparison,
)
from povsim.plots import target_fit
from povsim.runner import RunResult, has_support, simulate
from povsim.scenario import Scenario, ScenarioError, load_scenario
from povsim.schema_doc import columns_markdown, fields_markdown, programs_markdown
from povsim.sensitivity import METHODS, indices_table, load_problem, run_sensitivity
from povsim.store import write_run

__all__ = ["app"]

app = typer.Typer(
    name="povsim",
    help="Agent-based simulator of targeted poverty alleviation (China, 2014-2020).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


def _fail(message: str, code: int) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _load(path: Path, overrides: list[str]) -> Scenario:
    try:
        return load_scenario(path, overrides)
    except ScenarioError as err:
        raise _fail(str(err), 2) from None


class _LazyProgress:
    """A progress bar that appears only once a run has taken longer than a second."""

    def __init__(self, total: int, enabled: bool):
        self.progress = Progress(
            TextColumn("[bold]simulating"),
            BarColumn(),
            TextColumn("{task.fields[year]}"),
            TimeRemainingColumn(),
            console=errors,
            transient=True,
        )
        self.task = self.progress.add_task("run", total=total, year="")
        self.enabled, self.started, self.clock = enabled, False, time.perf_counter()

    def __call__(self, model) -> None:
        self.progress.update(self.task, advance=1, year=str(model.year))
        if self.enabled and not self.started and time.perf_counter() - self.clock > 1.0:
            self.progress.start()
            self.started = True

    def close(self) -> None:
        if self.started:
            self.progress.stop()


def _summary_table(result: RunResult) -> Table:
    table = Table(
        title=f"{result.scenario.name} (seed {result.seed})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    for column in (
        "year",
        "line",
        "poor",
        "incid.",
        "reg.",
        "exits",
        "relapse",
        "new",
        "removed",
        "villages",
    ):
        table.add_column(column, justify="right")
    for row in result.indicators.itertuples():
        table.add_row(
            str(row.year),
            f"{row.poverty_line:,.0f}",
            f"{row.poor_people:,.0f}",
            f"{row.incidence:.1%}",
            f"{row.registered_households:,.0f}",
            f"{row.exits_households:,.0f}",
            f"{row.relapses_households:,.0f}",
            f"{row.new_entrants_households:,.0f}",
            f"{row.removed_households:,.0f}",
            f"{row.villages_exited:,.0f}/{row.poor_villages:,.0f}",
        )
    table.caption = "poor: people below the line; reg.: registered households not yet exited"
    return table


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} yuan"


def _headline(result: RunResult) -> Table:
    s = result.summary()
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    incidence = f"{s['incidence_start']:.1%} -> {s['incidence_end']:.1%}"
    if "incidence_end_without_support" in s:
        incidence += f" (without support {s['incidence_end_without_support']:.1%})"
    rows = [
        ("incidence", incidence),
        (
            "exits / relapses (households)",
            f"{s['exits_households']:,.0f} / {s['relapses_households']:,.0f}",
        ),
        ("cumulative exit share", f"{s['cumulative_exit_share']:.1%}"),
        ("cumulative relapse share", f"{s['cumulative_relapse_share']:.1%}"),
        ("county exit", str(s["county_exit_year"] or "not yet")),
        (
            "villages exited",
            f"{s['villages_exited']:,.0f} of {s['poor_villages']:,.0f} poor villages",
        ),
        ("spending", _money(s["spending_yuan"])),
        ("cost per exit", _money(s["cost_per_exit"])),
    ]
    if "additional_exits" in s:
        rows += [
            ("exits added by support", f"{s['additional_exits']:,.0f}"),
            ("cost per added exit", _money(s["cost_per_additional_exit"])),
            ("relapses avoided", f"{s['relapses_avoided']:,.0f}"),
            ("cost per relapse avoided", _money(s["cost_per_relapse_avoided"])),
        ]
    for name, value in rows:
        table.add_row(name, value)
    return table


ExecutorOption = Annotated[
    str,
    typer.Option(help="where runs go: serial, processes (all cores) or dask"),
]
WorkersOption = Annotated[
    int | None, typer.Option(min=1, help="worker processes [default: all cores]")
]
SchedulerOption = Annotated[
    str | None, typer.Option(help="address of a running Dask scheduler (tcp://HOST:PORT)")
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="override a field: dotted.path=value (repeatable)"),
]


def _executor(name: str, workers: int | None, scheduler: str | None):
    if name not in EXECUTORS:
        raise _fail(f"--executor must be one of {', '.join(EXECUTORS)}, not {name!r}", 2)
    try:
        return make_executor(name, workers, scheduler)  # type: ignore[arg-type]
    except (RuntimeError, OSError) as err:
        raise _fail(str(err), 1) from None


class _RunsProgress:
    """A progress bar over whole runs: done, rate and time left."""

    def __init__(self, total: int, label: str, enabled: bool = True):
        self.progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=errors,
            transient=True,
            disable=not enabled,
        )
        self.task = self.progress.add_task(label, total=total, rate="")
        self.clock = time.perf_counter()
        self.done = 0

    def start(self, total: int | None = None, completed: int = 0) -> None:
        if total is not None:
            self.progress.update(self.task, total=total, completed=completed)
        self.progress.start()

    def advance(self, *_: object) -> None:
        self.done += 1
        rate = self.done / max(time.perf_counter() - self.clock, 1e-9)
        self.progress.update(self.task, advance=1, rate=f"{rate:.1f} runs/s")

    def close(self) -> None:
        self.progress.stop()


@contextmanager
def _experiment(
    label: str,
    total: int | None,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> Iterator[tuple[Executor, _RunsProgress]]:
    """An executor and a runs progress bar (started now when ``total`` is known, else by
    the experiment's ``on_plan``), both closed when the block ends."""
    bar = _RunsProgress(total or 0, label, enabled=not quiet)
    with _executor(executor, workers, scheduler) as pool:
        if total is not None:
            bar.start()
        try:
            yield pool, bar
        finally:
            bar.close()


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
    out: Annotated[
        Path | None, typer.Option(help="run directory [default: runs/NAME-seedN]")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="seed [default: the scenario's]")] = None,
    set_: SetOption = None,
    replications: Annotated[
        int, typer.Option(min=1, help="independent replications (streams spawned from the seed)")
    ] = 1,
    executor: ExecutorOption = "processes",
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    panel: Annotated[bool, typer.Option(help="also write households.parquet")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
) -> None:
    """Run a scenario (or replications of it) and write its run directory."""
    overrides = set_ or []
    spec = _load(scenario, overrides)
    if panel and replications > 1:
        raise _fail("--panel is for single runs; drop it or use --replications 1", 2)
    result: RunResult | Ensemble
    if replications == 1:
        runs = 2 if has_support(spec) else 1  # with and without support
        progress = _LazyProgress(runs * len(spec.years) * spec.steps_per_year, enabled=not quiet)
        try:
            result = simulate(spec, seed, panel=panel, on_step=progress)
        finally:
            progress.close()
    else:
        with _experiment("replications", replications, executor, workers, scheduler, quiet) as (
            pool,
            bar,
        ):
            result = run_ensemble(spec, seed, replications, executor=pool, on_result=bar.advance)
    target = out or Path("runs") / f"{spec.name}-seed{result.seed}"
    try:
        write_run(result, target, source=str(scenario), overrides=overrides)
    except OSError as err:
        raise _fail(f"cannot write {target}: {err}", 1) from None
    if not quiet:
        if isinstance(result, Ensemble):
            console.print(_intervals_table(result))
        else:
            console.print(_summary_table(result))
            console.print(_headline(result))
    console.print(f"wrote {target} in {result.wall_seconds:.1f} s")


def _intervals_table(ensemble: Ensemble) -> Table:
    table = Table(
        title=f"{ensemble.scenario.name}: {ensemble.replications} replications "
        f"(seed {ensemble.seed}), means with 95% intervals",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for column in ("figure", "mean", "95% interval"):
        table.add_column(column, justify="right" if column != "figure" else "left")
    shown = (
        "incidence_end",
        "cumulative_exit_share",
        "cumulative_relapse_share",
        "exits_households",
        "relapses_households",
        "spending_yuan",
        "cost_per_exit",
        "additional_exits",
        "relapses_avoided",
        "cost_per_relapse_avoided",
    )
    rows = ensemble.summary_intervals().set_index("metric")
    for name in shown:
        if name in rows.index:
            r = rows.loc[name]
            table.add_row(name, _num(r["mean"]), f"{_num(r['ci_low'])} .. {_num(r['ci_high'])}")
    return table


def _pm(mean: float, low: float, high: float) -> str:
    """``mean ±half-width`` of a 95% interval, or just the mean when there is none."""
    if high != high:
        return _num(mean)
    return f"{_num(mean)} ±{_num((high - low) / 2)}"


def _num(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:.3f}" if abs(value) < 1 else f"{value:,.0f}"


@app.command()
def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="two or more scenario files; the first is the reference")
    ],
    replications: Annotated[int, typer.Option(min=2, help="replications per scenario")] = 20,
    seed: Annotated[
        int | None, typer.Option(min=0, help="seed [default: the first scenario's]")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="output directory [default: runs/compare-...]")
    ] = None,
    set_: SetOption = None,
    executor: ExecutorOption = "processes",
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
) -> None:
    """Compare policy mixes on the same seeds: means, intervals and paired differences."""
    if len(scenarios) < 2:
        raise _fail("compare needs at least two scenario files", 2)
    specs = [_load(path, set_ or []) for path in scenarios]
    try:
        with _experiment(
            "runs", len(specs) * replications, executor, workers, scheduler, quiet
        ) as (pool, bar):
            result = compare_scenarios(
                specs, replications, seed, executor=pool, on_result=bar.advance
            )
    except ValueError as err:
        raise _fail(str(err), 2) from None
    target = out or Path("runs") / ("compare-" + "-".join(s.name for s in specs))
    try:
        write_comparison(result, target)
    except OSError as err:
        raise _fail(f"cannot write {target}: {err}", 1) from None
    if not quiet:
        console.print(_comparison_table(result))
    console.print(f"wrote {target} in {result.wall_seconds:.1f} s")


def _comparison_table(comparison: Comparison) -> Table:
    reference = comparison.scenarios[0].name
    table = Table(
        title=f"{comparison.replications} replications each (seed {comparison.seed}); "
        f"differences are paired, against {reference}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    metrics = [
        m
        for m in comparison.table["metric"].unique()
        if m.startswith("incidence_")
        or m in ("cumulative_exit_share", "cumulative_relapse_share", "cost_per_exit")
    ]
    table.add_column("scenario", no_wrap=True)
    for metric in metrics:
        table.add_column(metric.replace("_", " "), justify="right")
    for name, rows in comparison.table.groupby("scenario", sort=False):
        rows = rows.set_index("metric")
        cells = []
        for metric in metrics:
            r = rows.loc[metric]
            cell = _pm(r["mean"], r["ci_low"], r["ci_high"])
            if name != reference:
                cell += f"\n(Δ {_pm(r['diff_mean'], r['diff_ci_low'], r['diff_ci_high'])})"
            cells.append(cell)
        table.add_row(name, *cells)
    return table


@app.command()
def sweep(
    design: Annotated[Path, typer.Argument(help="sweep design TOML file")],
    out: Annotated[Path, typer.Option(help="output directory")],
    resume: Annotated[bool, typer.Option(help="continue a sweep already in --out")] = False,
    executor: ExecutorOption = "processes",
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Run a sweep over scenario fields; each finished run is written at once."""
    try:
        plan = load_design(design)
    except ScenarioError as err:
        raise _fail(str(err), 2) from None
    try:
        with _experiment("sweep", None, executor, workers, scheduler, quiet) as (pool, bar):
            summary = run_sweep(
                plan, out, resume=resume, executor=pool, on_result=bar.advance, on_plan=bar.start
            )
    except SweepError as err:
        raise _fail(str(err), 2) from None
    finished = int(summary["cumulative_exit_share"].notna().sum())
    console.print(f"{finished} of {len(summary)} runs in {out}")


@app.command()
def sensitivity(
    scenario: Annotated[Path, typer.Argument(help="base scenario TOML file")],
    problem: Annotated[Path, typer.Option(help="problem TOML file: inputs, outputs")],
    out: Annotated[Path, typer.Option(help="output directory (runs are kept under it)")],
    method: Annotated[str, typer.Option(help="sobol, morris or fast")] = "sobol",
    n: Annotated[
        int, typer.Option("-N", "--n", min=1, help="base sample size (Morris: trajectories)")
    ] = 1024,
    second_order: Annotated[bool, typer.Option(help="Sobol S2 indices (more runs)")] = True,
    resume: Annotated[bool, typer.Option(help="continue an evaluation already in --out")] = False,
    executor: ExecutorOption = "processes",
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
) -> None:
    """Global sensitivity analysis with SALib; indices to Parquet, bar and time-varying plots."""
    if method not in METHODS:
        raise _fail(f"--method must be one of {', '.join(METHODS)}, not {method!r}", 2)
    try:
        spec = load_problem(problem, scenario)
    except ScenarioError as err:
        raise _fail(str(err), 2) from None
    try:
        with _experiment(method, None, executor, workers, scheduler, quiet) as (pool, bar):
            result = run_sensitivity(
                spec,
                method,
                n,
                out,
                second_order=second_order,
                executor=pool,
                resume=resume,
                on_result=bar.advance,
                on_plan=bar.start,
            )
    except (SweepError, ScenarioError) as err:
        raise _fail(str(err), 2) from None
    if not quiet:
        console.print(_indices_table(indices_table(result), method))
    console.print(f"wrote {out}")


def _indices_table(indices, method: str) -> Table:
    first, main = ("S1", "ST") if method != "morris" else ("sigma", "mu_star")
    scalar = indices[~indices["output"].str.contains("@", regex=False) & indices["input2"].isna()]
    table = Table(
        title=f"{method} indices ± 95% interval", title_justify="left", box=box.SIMPLE_HEAD
    )
    table.add_column("output / input", no_wrap=True)
    for column in (main, first):
        table.add_column(column, justify="right", no_wrap=True)
    for output, rows in scalar.groupby("output", sort=False):
        table.add_row(f"[bold]{output}[/]", "", "")
        rows = rows.pivot(index="input", columns="index", values=["value", "conf"])
        rows = rows.sort_values(("value", main), ascending=False)
        for name, r in rows.iterrows():
            cells = [f"{_num(r[('value', k)])}±{_num(r[('conf', k)])}" for k in (main, first)]
            table.add_row(f"  {name}", *cells)
    return table


def _parameter(text: str) -> Parameter:
    """``dotted.path=LOW:HIGH`` as a free parameter."""
    path, sep, bounds = text.partition("=")
    low, colon, high = bounds.partition(":")
    try:
        if not (sep and colon and path.strip()):
            raise ValueError("expected dotted.path=LOW:HIGH")
        return Parameter(path=path.strip(), bounds=(float(low), float(high)))
    except ValueError as err:
        message = str(err).splitlines()[-1] if "validation error" in str(err) else str(err)
        raise _fail(f"--param {text}: {message}", 2) from None


def _targets_table(table, title: str) -> Table:
    out = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    regions = "region" in table.columns
    if regions:
        out.add_column("region")
    out.add_column("target", overflow="fold")
    for column in ("published", "simulated ±95%", "tolerance", ""):
        out.add_column(column, justify="left" if column == "" else "right", no_wrap=True)
    for row in table.itertuples():
        cells = [row.region] if regions else []
        interval = _pm(row.simulated, row.ci_low, row.ci_high)
        verdict = "[green]pass[/]" if row.passed else "[bold red]FAIL[/]"
        cells += [escape(row.target), _num(row.published), interval, row.tolerance, verdict]
        out.add_row(*cells)
    return out


@app.command()
def calibrate(
    scenario: Annotated[Path, typer.Argument(help="the region's scenario TOML file")],
    targets: Annotated[Path, typer.Option(help="targets TOML file")],
    out: Annotated[Path, typer.Option(help="output directory")],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="free parameter dotted.path=LOW:HIGH (repeatable; replaces the targets "
            "file's [calibration] parameters)",
        ),
    ] = None,
    generations: Annotated[int | None, typer.Option(min=1, help="generations")] = None,
    population: Annotated[
        int | None, typer.Option(min=2, help="candidates per generation, per parameter")
    ] = None,
    replications: Annotated[
        int | None, typer.Option(min=1, help="fixed-seed replications per candidate")
    ] = None,
    households: Annotated[
        int | None, typer.Option(min=10, help="agents per run while fitting")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="seed of runs and search")] = None,
    executor: ExecutorOption = "processes",
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
) -> None:
    """Fit free parameters to published targets (differential evolution).

    Writes OUT/calibrated.toml (best so far, at every improvement), OUT/history.parquet
    (after every generation) and OUT/fit.csv. Rerun the same command to continue an
    interrupted fit: evaluated points are replayed from the history.
    """
    base = _load(scenario, [])
    try:
        spec, _ = load_targets(targets)
    except ScenarioError as err:
        raise _fail(str(err), 2) from None
    parameters = [_parameter(p) for p in param] if param else None
    try:
        with _experiment("calibrating", None, executor, workers, scheduler, quiet) as (
            pool,
            bar,
        ):
            result = fit(
                base,
                spec,
                scenario_file=scenario,
                out=out,
                parameters=parameters,
                executor=pool,
                generations=generations,
                population=population,
                replications=replications,
                households=households,
                seed=seed,
                on_result=bar.advance,
                on_plan=bar.start,
                source=str(targets),
            )
    except ScenarioError as err:
        raise _fail(str(err), 2) from None
    except KeyboardInterrupt:
        errors.print(
            f"interrupted: the best point so far is in {out / 'calibrated.toml'}; "
            "rerun the same command to continue"
        )
        raise typer.Exit(130) from None
    if not quiet:
        console.print(_targets_table(result.table, f"{spec.region}: fit at the best point"))
        for name, value in result.best.items():
            console.print(f"  {name} = {value:.4g}")
    console.print(
        f"objective {result.objective:.4g} after {len(result.history)} points; wrote {out}"
    )


@app.command()
def validate(
    regions: Annotated[
        list[str] | None,
        typer.Argument(help="region names or targets files [default: every region]"),
    ] = None,
    regions_dir: Annotated[
        Path, typer.Option(help="where region profiles and targets files are")
    ] = Path("scenarios/regions"),
    replications: Annotated[int, typer.Option(min=2, help="replications per region")] = 10,
    households: Annotated[
        int | None, typer.Option(min=10, help="agents per run [default: the profile's]")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="seed")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="also write the table to this CSV (and a PNG beside it)")
    ] = None,
    executor: ExecutorOption = "processes",
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Run calibrated regions and compare them with their published targets.

    Exits with status 1 when any target misses its tolerance.
    """
    names = regions or sorted(
        p.name.removesuffix("_targets.toml") for p in regions_dir.glob("*_targets.toml")
    )
    if not names:
        raise _fail(f"no *_targets.toml files in {regions_dir}", 2)
    loaded: list[tuple[Scenario, TargetsFile]] = []
    for name in names:
        path = Path(name) if name.endswith(".toml") else regions_dir / f"{name}_targets.toml"
        if not path.exists():
            raise _fail(f"{path}: no such targets file", 2)
        try:
            loaded.append(load_region(path))
        except ScenarioError as err:
            raise _fail(str(err), 2) from None
    total = replications * len(loaded)
    with _experiment("validating", total, executor, workers, scheduler, quiet) as (pool, bar):
        table = check_regions(
            loaded,
            replications=replications,
            seed=seed,
            households=households,
            executor=pool,
            on_result=bar.advance,
        )
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(out, index=False)
            save_figure(target_fit(table), out.with_suffix(".png"))
        except OSError as err:
            raise _fail(f"cannot write {out}: {err}", 1) from None
    console.print(
        _targets_table(table, f"{replications} replications (seed {seed}): mean, 95% interval")
    )
    missed = int((~table["passed"]).sum())
    console.print(f"{len(table) - missed} of {len(table)} targets within tolerance")
    if missed:
        raise typer.Exit(1)


@app.command()
def dashboard(
    scenario: Annotated[
        Path | None, typer.Argument(help="scenario to start with [default: the baseline]")
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8765,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    scenarios_dir: Annotated[Path, typer.Option(help="shipped scenarios the page offers")] = Path(
        "scenarios"
    ),
) -> None:
    """Start the planner's dashboard in the browser (needs the viz extra)."""
    if importlib.util.find_spec("solara") is None:
        raise _fail("the dashboard needs the viz extra: pip install 'povsim[viz]'", 2)
    if scenario is not None:
        _load(scenario, [])
    elif not (scenarios_dir / "baseline.toml").exists():
        raise _fail(
            f"no scenario given and no {scenarios_dir / 'baseline.toml'}: give a scenario "
            "file or --scenarios-dir",
            2,
        )
    env = {
        **os.environ,
        "POVSIM_SCENARIOS_DIR": str(scenarios_dir.resolve()),
        "POVSIM_DASHBOARD_SCENARIO": str(scenario.resolve()) if scenario else "",
    }
    command = [sys.executable, "-m", "solara", "run", "povsim.dashboard.app"]
    command += ["--host", host, "--port", str(port), "--production", "--no-open"]
    console.print(f"povsim dashboard at http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        done = subprocess.run(command, env=env, check=False)
    except KeyboardInterrupt:
        return
    if done.returncode not in (0, -2, 130):
        raise typer.Exit(done.returncode)


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="scenario TOML files")],
    set_: SetOption = None,
) -> None:
    """Validate scenario files without running them."""
    failed = False
    for path in files:
        try:
            spec = load_scenario(path, set_ or [])
        except ScenarioError as err:
            errors.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
            failed = True
        else:
            console.print(
                f"ok: {path} ({spec.name}, {spec.population.households:,} households, "
                f"{spec.start_year}-{spec.end_year})"
            )
    if failed:
        raise typer.Exit(2)


@app.command()
def fields() -> None:
    """Print every scenario and program field with its default and unit (Markdown)."""
    text = f"{fields_markdown()}\n\n### Programs\n\n{programs_markdown()}"
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@app.command()
def columns() -> None:
    """Print every column of indicators.parquet with its meaning (Markdown)."""
    console.print(columns_markdown(), markup=False, highlight=False, soft_wrap=True)


def main() -> None:  # pragma: no cover - console-script entry point
    app()
