"""povsim: an agent-based simulator of China's targeted poverty alleviation, on Mesa.

Typical use::

    import povsim
    result = povsim.run("scenarios/baseline.toml", seed=1)
    result.indicators  # one row per year
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from importlib import import_module
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

if TYPE_CHECKING:
    import pandas as pd

    from povsim.config import Scenario, ScenarioError, load_scenario
    from povsim.config.vocabulary import Cause, Hardship, Status
    from povsim.experiments.compare import Comparison
    from povsim.experiments.discovery import Discovery
    from povsim.experiments.ensemble import Ensemble
    from povsim.experiments.executors import Executor
    from povsim.experiments.optimize import OptimizationResult
    from povsim.runs.counties import NationalResult
    from povsim.runs.metrics import OUTCOMES
    from povsim.runs.progress import RunsProgress
    from povsim.runs.runner import RunResult, simulate
    from povsim.runs.store import write_run
    from povsim.sim.agents import Household, Village
    from povsim.sim.households import HouseholdState
    from povsim.sim.indicators import INDICATORS
    from povsim.sim.model import PovertyModel
    from povsim.sim.villages import VillageState

try:
    __version__ = _version("povsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

# Public names load on first use, so ``import povsim`` (and the CLI) start quickly.
_LAZY = {
    "INDICATORS": "povsim.sim.indicators",
    "OUTCOMES": "povsim.runs.metrics",
    "Cause": "povsim.config.vocabulary",
    "Comparison": "povsim.experiments.compare",
    "Ensemble": "povsim.experiments.ensemble",
    "Executor": "povsim.experiments.executors",
    "Hardship": "povsim.config.vocabulary",
    "Household": "povsim.sim.agents",
    "HouseholdState": "povsim.sim.households",
    "PovertyModel": "povsim.sim.model",
    "RunResult": "povsim.runs.runner",
    "Scenario": "povsim.config",
    "ScenarioError": "povsim.config",
    "Status": "povsim.config.vocabulary",
    "Village": "povsim.sim.agents",
    "VillageState": "povsim.sim.villages",
    "load_scenario": "povsim.config",
    "simulate": "povsim.runs.runner",
    "write_run": "povsim.runs.store",
}

__all__ = [
    "INDICATORS",
    "OUTCOMES",
    "Cause",
    "Comparison",
    "Ensemble",
    "Executor",
    "Hardship",
    "Household",
    "HouseholdState",
    "PovertyModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Status",
    "Village",
    "VillageState",
    "compare",
    "discover",
    "load_scenario",
    "optimize",
    "run",
    "simulate",
    "sweep",
    "write_run",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'povsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    # The public names and the module's own attributes, not the imports it needs itself.
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


def _executor(
    executor: str | Executor | None, workers: int | None, scheduler: str | None
) -> AbstractContextManager[Executor]:
    """A new executor to close after use, or the caller's own, left open.

    Raises:
        ValueError: workers or a scheduler with an executor already made (they would go
            unused), or as :func:`povsim.experiments.executors.executor_for`.
    """
    from povsim.experiments.executors import Executor, make_executor

    if isinstance(executor, Executor):
        if workers is not None or scheduler:
            raise ValueError("workers and scheduler make a new executor: not with an Executor")
        return nullcontext(executor)
    return make_executor(executor, workers, scheduler)


def _check_executor(executor: str | Executor | None, workers: int | None) -> None:
    """Refuse a wrong executor name or worker count without starting any workers."""
    from povsim.config import arguments
    from povsim.experiments.executors import EXECUTOR_HINT, Executor, executor_for

    if workers is not None:
        arguments.workers(workers)
    if executor is not None and not isinstance(executor, Executor):
        executor_for(arguments.instance("executor", executor, str, EXECUTOR_HINT), None)


def _scenario(scenario: str | Path | Scenario, overrides: Sequence[str]) -> Scenario:
    from povsim.config import ScenarioError, arguments

    try:
        return arguments.scenario("scenario", scenario, overrides)
    except ScenarioError as err:
        raise err.given_as("overrides") from None


def _check_out(out: str | Path | None, kind: str, overwrite: bool) -> None:
    """Refuse the output directory before any work, as the command line does."""
    from povsim.config import arguments
    from povsim.runs.store import check_target

    if out is not None:
        check_target(arguments.path("out", out), kind, overwrite=overwrite)


def _check_flags(progress: bool | None, **flags: object) -> None:
    """Refuse a flag that is not True or False (``progress`` may be None: shown where
    watched)."""
    from povsim.config import arguments

    if progress is not None:
        arguments.flag("progress", progress)
    for name, value in flags.items():
        arguments.flag(name, value)


def _check_runs(replications: int, seed: int | None, least: int = 1) -> None:
    """Check the arguments every run takes, before any is loaded or run (``least``: two
    for a comparison, whose paired differences need a spread)."""
    from povsim.config import arguments

    arguments.replications(replications, least=least)
    if seed is not None:
        arguments.seed("seed", seed)


# Whether a scenario is county-resolved is in its file or its fields, which types cannot
# tell: what the arguments alone decide is narrowed (a partition is only a national run's,
# a panel only a single county run's, more than one replication only an Ensemble's).
@overload
def run(
    scenario: str | Path | Scenario,
    *,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    overwrite: bool = False,
    panel: bool = False,
    replications: int = 1,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    partition: str | int,
) -> NationalResult: ...
@overload
def run(
    scenario: str | Path | Scenario,
    *,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    overwrite: bool = False,
    panel: Literal[True],
    replications: Literal[1] = 1,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    partition: None = None,
) -> RunResult: ...
@overload
def run(
    scenario: str | Path | Scenario,
    *,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    overwrite: bool = False,
    panel: bool = False,
    replications: Literal[1] = 1,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    partition: None = None,
) -> RunResult | NationalResult: ...
@overload
def run(
    scenario: str | Path | Scenario,
    *,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    overwrite: bool = False,
    panel: bool = False,
    replications: int,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    partition: None = None,
) -> RunResult | Ensemble | NationalResult: ...
def run(
    scenario: str | Path | Scenario,
    *,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    overwrite: bool = False,
    panel: bool = False,
    replications: int = 1,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    partition: str | int | None = None,
) -> RunResult | Ensemble | NationalResult:
    """Run a scenario (a file or a :class:`Scenario`), as ``povsim run`` does.

    A scenario with a ``geography`` section is one county-resolved national run: its
    partitions run on ``executor`` and it returns a
    :class:`~povsim.runs.counties.NationalResult` (``counties``, ``provinces``).

    Args:
        scenario: a TOML path or a loaded scenario.
        seed: defaults to the scenario's seed.
        overrides: ``dotted.path=value`` strings, as ``--set`` takes.
        out: when given, write a run directory there; checked before the run, as
            ``povsim run`` checks it.
        overwrite: replace a run directory already at ``out``.
        panel: keep one row per household per year (single runs only).
        replications: more than one returns an :class:`Ensemble` of independent
            replications, run on ``executor`` ("serial", "processes", "dask" or an
            :class:`Executor`).
        workers: worker processes for the executor (default: all cores).
        scheduler: address of a running Dask scheduler.
        progress: a bar over the replications (a national run's partitions); by default
            where someone watches (a terminal, Jupyter).
        partition: a national run's tasks: ``"province"`` (the default), or a number of
            counties each; refused for a county scenario, which has none.

    Returns:
        The result; ``result.path`` is the run directory when ``out`` was given. For type
        checkers: a :class:`~povsim.runs.counties.NationalResult` when ``partition`` is
        given, a :class:`~povsim.runs.runner.RunResult` with ``panel=True``, either of the
        two for one replication (whether a scenario is county-resolved is in its file), and
        any of the three for a number of replications not written as ``1`` (an
        :class:`Ensemble` when more than one: narrow it with ``isinstance``).

    Raises:
        TypeError, ValueError: an argument of the wrong kind or out of the command line's
            range, named, before anything is run or written.
        ScenarioError: a scenario file's problems, each with its file and field.
        OutputError: ``out`` is not a povsim output, holds another kind, or holds a run
            and ``overwrite`` is false (a ``ValueError``; nothing is run).

    Warns:
        SampleRaised: a national run's counties draw more agents than
            ``population.households`` asks for (each gets at least
            ``geography.min_households``).
        FewPoorVillages: a county's run designated few poor villages for its register
            (:func:`povsim.runs.runner.designation_note`).
    """
    from povsim.config import Scenario
    from povsim.experiments.dispatch import plan_run
    from povsim.plots.run import run_figures
    from povsim.runs.counties import NationalResult
    from povsim.runs.store import write_run

    _check_runs(replications, seed)
    _check_flags(progress, overwrite=overwrite, panel=panel)
    source = None if isinstance(scenario, Scenario) else str(scenario)
    spec = _scenario(scenario, overrides)
    _check_out(out, "run", overwrite)
    plan = plan_run(
        spec,
        panel=panel,
        replications=replications,
        partition=partition,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
    )
    if plan.kind == "single":
        _check_executor(executor, workers)  # a wrong name is refused though one run needs none
    result = plan.run(
        seed,
        partial(_pools, executor, workers, scheduler, progress),
        # at the caller of povsim.run: lambda, run_national, RunPlan.run, run
        on_note=partial(_warn_note, national=plan.kind == "national"),
    )
    if out is not None:
        if isinstance(result, NationalResult):
            from povsim.plots.national import national_figures

            figures = national_figures(result)
        else:
            figures = run_figures(result)
        write_run(
            result,
            Path(out),
            figures=figures,
            source=source,
            overrides=list(overrides),
            overwrite=overwrite,
        )
    return result


def _warn_note(note: str, *, national: bool) -> None:
    """A run's note (:meth:`RunPlan.run`'s ``on_note``) as a warning at the caller of
    :func:`run`: a national run's from its partitions' planner, a level further down."""
    from povsim.runs.counties import SampleRaised
    from povsim.runs.runner import FewPoorVillages

    # the frames to the caller of run: this one, (run_national,) RunPlan.run, run
    category = SampleRaised if national else FewPoorVillages
    warnings.warn(note, category, stacklevel=5 if national else 4)


@contextmanager
def _pools(
    executor: str | Executor | None,
    workers: int | None,
    scheduler: str | None,
    progress: bool | None,
    label: str,
    total: int | None,
    unit: str = "runs",
) -> Iterator[tuple[Executor, RunsProgress]]:
    """An executor (:func:`_executor`) and a bar over its runs, shown as ``progress`` says
    (:func:`povsim.runs.progress.runs_progress`)."""
    from povsim.runs.progress import runs_progress
    from povsim.runs.store import command_clock

    with (
        # What the pool serves is one command: an output's manifest times it from here,
        # its workers' start-up included, as the command line's does.
        command_clock(),
        _executor(executor, workers, scheduler) as pool,
        runs_progress(label, total, progress, unit=unit) as bar,
    ):
        yield pool, bar


def compare(
    scenarios: Iterable[str | Path | Scenario],
    *,
    replications: int = 20,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    overwrite: bool = False,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    outcomes: Sequence[str] = (),
) -> Comparison:
    """Compare two or more scenarios on the same replications, as ``povsim compare`` does.

    Args:
        scenarios: TOML paths or loaded scenarios, each with its own ``name``; the first is
            the reference for the paired differences.
        replications: replications of each scenario (at least 2), the same seeds for all.
        seed: defaults to the first scenario's seed.
        overrides: ``dotted.path=value`` strings for every scenario, so they must all be
            files (a :class:`Scenario` takes its changes from :meth:`Scenario.updated`).
        out: when given, write a comparison directory there; checked before the runs.
        overwrite: replace a comparison already at ``out``.
        executor: "serial", "processes" (the default), "dask" or an :class:`Executor`.
        workers: worker processes for the executor (default: all cores).
        scheduler: address of a running Dask scheduler.
        progress: a bar over the runs; by default where someone watches (a terminal,
            Jupyter).
        outcomes: more outcomes to compare (``COLUMN@YEAR`` too, e.g.
            ``"registered_people@2018"``), as ``--outcome`` gives them.

    Warns:
        UnpairedComparison: a scenario draws other households or years than the first, so
            its differences are not paired; or it meets other shocks, so they are paired
            but hold what the shocks change as well as its mix.

    Returns:
        A :class:`Comparison`: ``table`` (means, intervals, paired differences from the
        first scenario), ``runs`` (per-run metrics) and ``trajectories``.

    Raises:
        TypeError, ValueError: an argument of the wrong kind or out of the command line's
            range, named, before anything is run or written; a run folder given as a
            scenario (:func:`povsim.experiments.compare_runs` compares those).
        ScenarioError: a scenario file's problems, each with its file and field.
        OutputError: ``out`` is not a povsim output, holds another kind, or holds a
            comparison and ``overwrite`` is false (a ``ValueError``; nothing is run).
    """
    from povsim.experiments.compare import (
        UnpairedComparison,
        checked_outcomes,
        compare_scenarios,
        unpaired_fields,
        unpaired_note,
        write_comparison,
    )

    if isinstance(scenarios, str | Path):
        raise TypeError(
            f"scenarios: a list of two or more, not one path: [{str(scenarios)!r}, ...]"
        )
    if not isinstance(scenarios, Iterable):
        raise TypeError(f"scenarios: a list of two or more, not {type(scenarios).__name__}")
    scenarios = list(scenarios)
    if len(scenarios) < 2:
        raise ValueError(f"compare needs two or more scenarios, not {len(scenarios)}")
    folder = next((s for s in scenarios if isinstance(s, str | Path) and Path(s).is_dir()), None)
    if folder is not None:
        # results to compare, not a scenario to run: said here, not as a scenario's error
        raise ValueError(
            f"{folder} is a folder: povsim.compare runs scenarios; compare run folders (povsim "
            "run --replications N) from their results with povsim.experiments.compare_runs"
        )
    _check_runs(replications, seed, least=2)
    _check_flags(progress, overwrite=overwrite)
    specs = [_scenario(s, overrides) for s in scenarios]
    outcomes = checked_outcomes(outcomes, specs)
    for spec in specs[1:]:
        if fields := unpaired_fields(specs[0], spec):
            note = unpaired_note(spec.name, specs[0].name, fields)
            warnings.warn(note, UnpairedComparison, stacklevel=2)
    _check_out(out, "compare", overwrite)
    with _pools(executor, workers, scheduler, progress, "runs", len(specs) * replications) as (
        pool,
        bar,
    ):
        result = compare_scenarios(
            specs, replications, seed, executor=pool, on_result=bar.advance, outcomes=outcomes
        )
    result.overrides = list(overrides)
    if out is not None:
        write_comparison(result, Path(out), overwrite=overwrite)
    return result


def sweep(
    design: str | Path,
    out: str | Path,
    *,
    resume: bool = False,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    overrides: Sequence[str] = (),
) -> pd.DataFrame:
    """Run a sweep design into ``out``, as ``povsim sweep`` does.

    Args:
        design: the design file (TOML): a base scenario and its variants, grid or Latin
            hypercube.
        out: the sweep's directory; each run is written there as it finishes.
        resume: continue the same design in ``out``, running only what is missing.
        executor: "serial", "processes" (the default), "dask" or an :class:`Executor`.
        workers: worker processes for the executor (default: all cores).
        scheduler: address of a running Dask scheduler.
        progress: a bar over the runs; by default where someone watches (a terminal,
            Jupyter).
        overrides: ``dotted.path=value`` changes to the design's base scenario, as
            ``--set`` gives them (not of a field the design sets itself); a resume needs the
            same.

    Returns:
        One row per run: its design point, replication, the fields the design sets, and
        every outcome its indicators give.

    Raises:
        TypeError, ValueError: an argument of the wrong kind or out of the command line's
            range, named, before anything is run or written.
        ScenarioError: a scenario file's problems, each with its file and field.
        OutputError: ``out`` is not a povsim output, or holds another kind (a ``ValueError``).
        SweepError: ``out`` holds a sweep and ``resume`` is false, or one of another design
            or other ``overrides`` (:class:`povsim.experiments.sweep.SweepError`).
    """
    from povsim.config import ScenarioError, arguments
    from povsim.experiments.sweep import load_design, run_sweep
    from povsim.runs.store import check_target

    _check_flags(progress, resume=resume)
    try:
        plan = load_design(arguments.path("design", design), overrides)
    except ScenarioError as err:
        raise err.given_as("overrides") from None
    out = arguments.path("out", out)
    check_target(out, "sweep", resume=True)  # a sweep continues in its own directory only
    with _pools(executor, workers, scheduler, progress, "sweep", None) as (pool, bar):
        return run_sweep(
            plan, out, resume=resume, executor=pool, on_result=bar.advance, on_plan=bar.start
        )


def optimize(
    scenario: str | Path | Scenario,
    objectives: Sequence[str],
    out: str | Path,
    *,
    levers: Sequence[str] = ("shares",),
    constraints: Sequence[str] = (),
    generations: int = 20,
    population: int = 24,
    replications: int = 3,
    households: int | None = None,
    seed: int = 1,
    robust: str | Path | None = None,
    robust_samples: int = 8,
    statistic: str = "mean",
    overwrite: bool = False,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> OptimizationResult:
    """Search budget mixes for the Pareto front of ``objectives``, as ``povsim optimize``
    does (needs the ``optimize`` extra).

    Args:
        scenario: the base scenario (a file, which front members then extend, or a Scenario).
        objectives: outcome names, ``min:NAME`` or ``max:NAME``.
        out: output directory (a rerun with the same settings continues the search).
        levers: ``shares``, ``shares=A,B,...`` or ``dotted.path=LOW:HIGH``.
        constraints: ``NAME<=VALUE`` or ``NAME>=VALUE`` (VALUE may be ``budget``).
        generations: generations of the search.
        population: candidates per generation.
        replications: fixed-seed replications per candidate.
        households: agents per run while searching.
        seed: seed of the runs and of the search.
        robust: a sensitivity problem file: score candidates over its uncertain inputs.
        robust_samples: draws of the uncertain inputs.
        statistic: robust mode's score: ``mean``, ``p90`` or ``regret``.
        overwrite: replace an earlier search at ``out`` rather than continue it (it is kept
            aside until the new search has a point).
        executor: "serial", "processes" (the default), "dask" or an :class:`Executor`.
        workers: worker processes for the executor (default: all cores).
        scheduler: address of a running Dask scheduler.
        progress: a bar over the runs; by default where someone watches (a terminal,
            Jupyter).

    Returns:
        An :class:`~povsim.experiments.optimize.OptimizationResult`: ``front``,
        ``history`` and the front members' scenarios.

    Raises:
        TypeError, ValueError: an argument of the wrong kind or out of the command line's
            range, named, before anything is run or written.
        ScenarioError: a scenario file's problems, each with its file and field.
            Also ``out`` holding a search with other settings (``overwrite`` replaces it).
        OutputError: ``out`` is not a povsim output, or holds another kind (a ``ValueError``).
    """
    from povsim.experiments.optimize import optimize as search

    _check_flags(progress, overwrite=overwrite)
    # A search of minutes ran silent in a notebook, where `povsim optimize` has a bar.
    with _pools(executor, workers, scheduler, progress, "optimizing", None) as (pool, bar):
        return search(
            scenario,
            objectives,
            levers,
            out,
            constraints=constraints,
            generations=generations,
            population=population,
            replications=replications,
            households=households,
            seed=seed,
            robust=robust,
            robust_samples=robust_samples,
            statistic=statistic,
            overwrite=overwrite,
            executor=pool,
            on_result=bar.advance,
            on_plan=bar.start,
        )


def discover(
    results: str | Path,
    where: str,
    *,
    out: str | Path | None = None,
    overwrite: bool = False,
    boxes: int = 3,
    mass_min: float = 0.05,
    peel_alpha: float = 0.05,
    min_density: float = 0.5,
) -> Discovery:
    """PRIM scenario discovery on a sweep or sensitivity result, as ``povsim discover``
    does (needs the ``discovery`` extra).

    Args:
        results: a sweep or sensitivity output directory.
        where: the condition marking runs of interest, e.g. ``registered_people@2020 > 0``.
        out: when given, write the boxes, summary and figure there; checked before the
            work, as ``povsim discover`` checks it.
        overwrite: replace a discovery already at ``out``.
        boxes: boxes to find at most.
        mass_min: smallest share of runs a box may hold.
        peel_alpha: share of runs peeled per step.
        min_density: a box is reported where at least this share of its runs meet ``where``.

    Returns:
        A :class:`~povsim.experiments.discovery.Discovery`: ``boxes``, ``stats``,
        ``trajectory`` and a plain-language ``summary``.

    Raises:
        TypeError, ValueError: an argument of the wrong kind or out of the command line's
            range, named, before anything is run or written.
        DiscoveryError: the results or the condition cannot be used.
        OutputError: ``out`` is not a povsim output, holds another kind, or holds a
            discovery and ``overwrite`` is false (a ``ValueError``).
    """
    from povsim.experiments.discovery import DiscoveryError, write_discovery
    from povsim.experiments.discovery import discover as find

    _check_flags(None, overwrite=overwrite)
    _check_out(out, "discovery", overwrite)
    try:
        found = find(
            results,
            where,
            boxes=boxes,
            mass_min=mass_min,
            peel_alpha=peel_alpha,
            min_density=min_density,
        )
    except DiscoveryError as err:
        raise err.given_as("where") from None  # the argument, not the command's --where
    if out is not None:
        write_discovery(found, Path(out), overwrite=overwrite)
    return found
