"""``povsim calibrate`` and ``povsim validate``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from povsim.cli.common import (
    ExecutorOption,
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
from povsim.config.limits import MAX_REPLICATIONS, MAX_SEED

if TYPE_CHECKING:
    import pandas as pd

    from povsim.config import Scenario
    from povsim.experiments.calibration import Parameter, TargetsFile

__all__ = ["calibrate", "validate"]

VALIDATION_HEADER = "region,target,year,published,tolerance,simulated,"
"""How a table povsim validate wrote begins (validation.target_table's columns)."""


def _parameter(text: str) -> Parameter:
    """``dotted.path=LOW:HIGH`` as a free parameter."""
    from povsim.experiments.calibration import Parameter

    path, sep, bounds = text.partition("=")
    low, colon, high = bounds.partition(":")
    from pydantic import ValidationError

    def bound(which: str, value: str) -> float:
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"its {which} bound {value.strip()!r} is not a number") from None

    try:
        if not (sep and colon and path.strip()):
            raise ValueError("expected dotted.path=LOW:HIGH")
        return Parameter(path=path.strip(), bounds=(bound("low", low), bound("high", high)))
    except ValidationError as err:
        message = "; ".join(e["msg"].removeprefix("Value error, ") for e in err.errors())
        raise fail(f"--param {text}: {message}", 2) from None
    except ValueError as err:
        raise fail(f"--param {text}: {err}", 2) from None


def calibrate(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="the region's scenario TOML file",
            parser=nonempty("scenario", "a scenario TOML file"),
        ),
    ],
    targets: Annotated[
        Path,
        typer.Option(help="targets TOML file", parser=nonempty("--targets", "a targets TOML file")),
    ],
    out: Annotated[Path, typer.Option(help="output directory")],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="free parameter dotted.path=LOW:HIGH (repeatable; replaces the targets "
            "file's calibration parameters)",
        ),
    ] = None,
    # The defaults are the targets file's calibration table's, which the shipped regions set
    # to long fits (chongzuo's: 35 generations of 30 candidates, 3 replications at 15,000
    # agents): the help said nothing of where they came from.
    generations: Annotated[
        int | None,
        typer.Option(
            min=1, help="generations (default: the targets file's calibration table's, else 10)"
        ),
    ] = None,
    population: Annotated[
        int | None,
        typer.Option(
            min=2,
            help="candidates per generation, per parameter (default: the targets file's, else 5)",
        ),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=MAX_REPLICATIONS,
            help="fixed-seed replications per candidate (default: the targets file's, else 3)",
        ),
    ] = None,
    households: Annotated[
        int | None,
        typer.Option(
            min=10,
            help="agents per run while fitting (default: the targets file's, else the scenario's)",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=MAX_SEED,
            help="seed of runs and search (default: the targets file's, else 1)",
        ),
    ] = None,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            help="replace an earlier povsim calibration at OUT (by default a rerun continues it)"
        ),
    ] = False,
) -> None:
    """Fit free parameters to published targets (differential evolution).

    Writes OUT/calibrated.toml (best so far, at every improvement), OUT/history.parquet
    (after every generation) and OUT/fit.csv. Rerun the same command to continue an
    interrupted fit: evaluated points are replayed from the history. A history written by
    another fit (other parameters, scenario, targets, seeds or model code) is refused,
    naming what differs;
    --overwrite starts anew (the earlier fit is kept until the new one writes a point).
    """
    from povsim.cli.tables import targets_table
    from povsim.config import ScenarioError
    from povsim.experiments.calibration import calibrate as fit
    from povsim.experiments.calibration import load_targets, target_notes
    from povsim.runs.store import OutputError

    base = load(scenario, [], national=True)
    try:
        spec, named = load_targets(targets)
    except ScenarioError as err:
        raise fail(str(err), 2) from None
    if named is not None and named != scenario.resolve():
        # Fitting one profile to another's targets may be meant (a variant of it), but
        # it was done without a word, under the targets' region name; and validate then ran
        # the file the targets name, not the fit.
        errors.print(
            escape(
                f"note: {targets}: its targets are for {named} (its scenario), but {scenario} "
                f"is fitted to them and {out / 'calibrated.toml'} extends {scenario}; "
                f"povsim validate {targets} checks {named}, not this fit (point the targets "
                "file's scenario at the calibrated file to validate the fit)"
            ),
            highlight=False,
        )
    for note in target_notes(spec.targets, base):
        errors.print(escape(f"note: {targets}: {note}"), highlight=False)
    parameters = [_parameter(p) for p in param] if param else None
    refuse_target(out, "calibration", overwrite=overwrite, resume=not overwrite)
    before = search_state(out)
    try:
        with experiment("calibrating", None, executor, workers, scheduler, quiet) as (
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
                parameters_given="--param",
                overwrite=overwrite,
            )
    except (ScenarioError, OutputError) as err:  # OutputError: another fit is writing OUT
        raise fail(str(err), 2) from None
    except OSError as err:
        raise fail(f"cannot write {out}: {err.strerror or err}; rerun to continue", 1) from None
    except KeyboardInterrupt as err:
        kept = search_kept(out, before, overwrite=overwrite)
        raise stopped(err, kept) from None
    if not quiet:
        title = _fit_title(spec.region, result.agents, base.population.households)
        show(targets_table(result.table, title, console.width if console.is_terminal else None))
        _print_misses(result.table)
        for name, value in result.best.items():
            console.print(f"  {name} = {value:.4g}")
    console.print(
        f"objective {result.objective:.4g} after {len(result.history)} points; wrote {out}"
    )


def _fit_title(region: str, agents: int, full: int) -> str:
    """The fit's table's title, with the size its runs drew: a target can pass at a fit's
    smaller size and miss at the scenario's own, which `povsim validate` runs."""
    if agents == full:
        return f"{region}: fit at the best point, at {agents:,} agents (the scenario's size)"
    return (
        f"{region}: fit at the best point, at {agents:,} agents (the fit's size; validate "
        f"runs the scenario's {full:,})"
    )


def validate(
    regions: Annotated[
        list[str] | None,
        typer.Argument(help="region names or targets files (default: every region)"),
    ] = None,
    regions_dir: Annotated[
        Path,
        typer.Option(
            help="where region profiles and targets files are",
            parser=nonempty("--regions-dir", "a folder (. for this one)"),
        ),
    ] = Path("scenarios/regions"),
    replications: Annotated[
        int,
        typer.Option(
            min=2,
            max=MAX_REPLICATIONS,
            help="replications per region (two or more: each target's 95% interval needs them)",
        ),
    ] = 10,
    households: Annotated[
        int | None, typer.Option(min=10, help="agents per run (default: the profile's)")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="seed")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="also write the table to this CSV (and a PNG beside it)")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="replace the CSV and PNG at --out if they exist")
    ] = False,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Run calibrated regions and compare them with their published targets.

    Exits with status 1 when any target misses its tolerance.
    """
    from povsim.cli.tables import targets_table
    from povsim.config import ScenarioError
    from povsim.experiments.calibration import resized, target_notes
    from povsim.experiments.calibration import validate as check_regions
    from povsim.plots.calibration import target_fit
    from povsim.runs.store import OutputError, check_file_target, save_figure, write_file

    if out is not None:
        # Before the runs, not after them: a table's path is the user's file to keep.
        if out.suffix.lower() != ".csv":
            raise fail(f"--out {out}: the table is written as CSV: give a name ending in .csv", 2)
        try:
            for target in (out, out.with_suffix(".png")):
                check_file_target(target, overwrite)
        except OutputError as err:
            raise fail(str(err), 2) from None
        figure = out.with_suffix(".png")
        if (out.exists() or figure.exists()) and not _validation_table(out):
            # --overwrite replaces an earlier table and its figure, not any file of the name
            what = out if out.exists() else figure
            raise fail(
                f"--out {out}: {what} is not what povsim validate wrote; povsim will not "
                "replace it (choose another path)",
                2,
            )
    names = regions or sorted(
        p.name.removesuffix("_targets.toml") for p in regions_dir.glob("*_targets.toml")
    )
    # A region named without .toml is looked up there: a file or a missing folder would
    # otherwise be blamed on the region ("shandan.toml/shandan_targets.toml: no such file").
    looked_up = not names or any(
        not name.endswith(".toml") and not Path(name).is_dir() for name in names
    )
    if looked_up and not regions_dir.is_dir():
        why = "is not a folder" if regions_dir.exists() else "does not exist"
        raise fail(f"--regions-dir {regions_dir}: {why}", 2)
    if not names:
        raise fail(f"--regions-dir {regions_dir}: holds no *_targets.toml files", 2)
    loaded: list[tuple[Scenario, TargetsFile]] = []
    seen: dict[Path, str] = {}
    failed = False
    for name in names:
        try:
            scenario, spec = _region(name, regions_dir, seen)
        except typer.Exit:
            # said; every file's problems are said, as povsim check says them
            failed = True
            continue
        loaded.append((scenario, spec))
        for said in target_notes(spec.targets, scenario):
            errors.print(escape(f"note: {name}: {said}"), highlight=False)
    if failed:
        raise typer.Exit(2)
    drawn: dict[str, int] = {}
    for scenario, _ in loaded:
        try:
            sample = resized(scenario, households)
        except ScenarioError as err:
            problems = "; ".join(p.message for p in err.problems)
            raise fail(f"--households {households}: {scenario.name}: {problems}", 2) from None
        if households is not None and sample.geography is not None:
            # Every county gets its fewest agents: a small sample draws more than asked.
            from povsim.runs.counties import check_memory, county_specs, floor_note

            specs = county_specs(sample, seed)
            try:
                check_memory(sample, specs)
            except ScenarioError as err:
                raise fail(f"--households {households}: {err}", 2) from None
            if (note := floor_note(sample, specs)) is not None:
                errors.print(f"note: {scenario.name}: {note}", markup=False, highlight=False)
                drawn[scenario.name] = sum(spec.agents for spec in specs)
    total = replications * len(loaded)
    with experiment("validating", total, executor, workers, scheduler, quiet) as (pool, bar):
        try:
            table = check_regions(
                loaded,
                replications=replications,
                seed=seed,
                households=households,
                executor=pool,
                on_result=bar.advance,
            )
        except ScenarioError as err:  # a national profile's largest county, drawn, say
            raise fail(str(err), 2) from None
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            # The figure first: if it cannot be drawn, no table is left without it.
            save_figure(target_fit(table), out.with_suffix(".png"))
            write_file(out, lambda tmp: table.to_csv(tmp, index=False))
        except OSError as err:
            raise fail(f"cannot write {out}: {err}", 1) from None
    size = "" if households is None else f", {households:,} agents"
    size += "".join(f"; {name} drew {n:,}" for name, n in drawn.items())
    title = f"{replications} replications (seed {seed}{size}): mean, 95% interval"
    show(targets_table(table, title, console.width if console.is_terminal else None))
    missed = int((~table["passed"]).sum())
    undefined = int((table["verdict"] == "undefined").sum())
    # not within tolerance, nor shown out of it: said apart from the misses
    unsaid = f" ({undefined} undefined in some replications)" if undefined else ""
    console.print(f"{len(table) - missed} of {len(table)} targets within tolerance{unsaid}")
    _print_misses(table)
    if missed and households is not None:
        console.print(
            f"(at --households {households:,}: the targets files' reasons are for each "
            "profile's own size, and a smaller sample can miss where the profile does not)",
            markup=False,
        )
    if missed:
        raise typer.Exit(1)


def _region(name: str, regions_dir: Path, seen: dict[Path, str]) -> tuple[Scenario, TargetsFile]:
    """The scenario and targets of region ``name`` (or of the targets file it is).

    Args:
        name: a region's name or a targets file.
        regions_dir: where the regions' targets files are.
        seen: the targets files read so far, by path, with the name given for each.

    Raises:
        typer.Exit: (status 2) said: no such file, an empty name, a file read twice, or its
            problems.
    """
    from povsim.config import ScenarioError
    from povsim.config.errors import did_you_mean
    from povsim.experiments.calibration import load_region
    from povsim.runs.store import output_kind

    if name == "":  # Path("") is the current directory: ": a directory"
        raise fail("regions: empty; give a region (e.g. national) or a targets file", 2)
    if Path(name).is_file() and not name.endswith(".toml"):
        # read as a region's name, it was looked for as "<file>_targets.toml"
        raise fail(
            f"{name}: not a targets file (a TOML file of [[targets]], e.g. "
            f"{regions_dir / 'national_targets.toml'}); give one or a region (e.g. national)",
            2,
        )
    path = Path(name) if name.endswith(".toml") else regions_dir / f"{name}_targets.toml"
    if path.resolve() in seen:
        # run twice, every target counted twice in the table and the tally
        raise fail(f"{name}: the same targets as {seen[path.resolve()]}; name a region once", 2)
    seen[path.resolve()] = name
    if not path.exists() and Path(name).is_dir():
        if output_kind(Path(name)) == "calibration":
            raise fail(_not_targets(Path(name), Path(name) / "calibrated.toml"), 2)
        raise fail(f"{name}: a directory; give a region (e.g. national) or a targets file", 2)
    if not path.exists():
        hint = ""
        if not Path(name).suffix:
            known = [
                p.name.removesuffix("_targets.toml") for p in regions_dir.glob("*_targets.toml")
            ]
            hint = did_you_mean(name, known) or " (--regions-dir: where the targets files are)"
        raise fail(f"{path}: no such targets file{hint}", 2)
    try:
        return load_region(path)
    except ScenarioError as err:
        if _a_scenario(path, err):
            raise fail(_not_targets(path, path), 2) from None
        raise fail(str(err), 2) from None


def _a_scenario(path: Path, err: Exception) -> bool:
    """Whether ``err``, raised reading ``path`` as a targets file, says it is a scenario."""
    from povsim.config import SCENARIO, ScenarioError, input_kind

    if not isinstance(err, ScenarioError) or [p.path for p in err.problems] != [""]:
        return False  # a targets file's own problems, each at its field
    try:
        return input_kind(path) == SCENARIO
    except ScenarioError:
        return False


def _not_targets(given: Path, scenario: Path) -> str:
    """What to give ``povsim validate`` in place of a scenario file (``given``), or a fit's
    folder whose calibrated ``scenario`` it is: a targets file naming it."""
    import json

    from povsim.runs.store import output_kind

    # The words every command uses for a file of another kind, then what to give instead
    what = "a calibration's folder" if given != scenario else "a scenario file"
    said = (
        f"{given}: this is {what}, not a targets file; it is read by `povsim run {scenario}`. "
        "povsim validate runs the scenario a targets file names against its figures: to "
        f'validate {scenario}, give a targets file whose scenario = "{scenario}" (a path '
        "from the targets file)"
    )
    if output_kind(scenario.parent) != "calibration":
        return said
    try:
        manifest = json.loads((scenario.parent / "manifest.json").read_text(encoding="utf-8"))
        fitted = str(manifest["targets_file"])
    except (OSError, ValueError, KeyError, TypeError):
        return said
    return (
        f"{said}, e.g. a copy of {fitted}, the targets this fit was made to (as calibrate was "
        f"given it, in {scenario.parent / 'manifest.json'})"
    )


def _validation_table(path: Path) -> bool:
    """Whether ``path`` holds a table ``povsim validate`` wrote (its header's columns)."""
    try:
        with path.open(encoding="utf-8") as file:
            header = file.readline()
    except (OSError, UnicodeDecodeError):
        return False
    return header.startswith(VALIDATION_HEADER)


def _print_misses(table: pd.DataFrame) -> None:
    """Each miss with the reason its targets file gives."""
    from povsim.cli.tables import miss_reasons

    reasons = miss_reasons(table)
    if reasons:
        console.print("\nMisses, and why (the targets file's notes):", markup=False)
        for line in reasons:
            console.print(f"  - {line}", markup=False, highlight=False)
