"""Sweeps: many scenario variants and replications, written run by run, resumable.

A design file (TOML) names a base scenario and one of: a list of named
``variants``, a factorial ``grid``, or a Latin hypercube (``lhs``) over scenario
fields by dotted path, plus the replications. Each finished run is written at once,
atomically, as ``indicators/RUN_ID.parquet`` under the output directory, so killing
the sweep loses no finished run, and ``--resume`` runs only what is missing.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Self

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from pydantic import ConfigDict, Field, field_validator, model_validator

from povsim.config import (
    DESIGN,
    Scenario,
    ScenarioError,
    ScenarioProblem,
    arguments,
    load_scenario,
    load_settings,
    one_county,
    parse_override,
    referenced_scenario,
)
from povsim.config.errors import TABLE_NOT_VALUE, table_not_value
from povsim.config.fields import StrictNumbers, repeated
from povsim.config.limits import MAX_REPLICATIONS, MAX_SEED
from povsim.config.paths import (
    as_field_type,
    differences,
    get_path,
    not_varied,
    year_past_the_run,
)
from povsim.experiments.executors import Executor, given
from povsim.experiments.tasks import RunSpec, execute
from povsim.runs import metrics
from povsim.runs.runner import RunResult
from povsim.runs.store import (
    MARKER,
    SESSIONS,
    OutputDirectory,
    OutputError,
    check_continued,
    command_clock,
    locked,
    write_parquet,
    write_text,
)
from povsim.sim.indicators import INDICATOR_TYPES, INDICATORS

__all__ = ["SweepDesign", "SweepError", "load_design", "run_sweep"]


class SweepError(Exception):
    """A sweep that cannot start or continue; ``str()`` is the message for the user."""


class _Strict(StrictNumbers):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _dotted(table: Any, prefix: str = "") -> Any:
    """A table of paths as TOML's nested tables write it (``[grid.programs.industry]``
    ``share = [...]``) in the dotted paths the design reads (``"programs.industry.share"``);
    anything else as it is, for the field's own checks."""
    if not isinstance(table, dict):
        return table
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_dotted(value, f"{path}."))
        else:
            flat[path] = value
    return flat


class Variant(_Strict):
    name: str
    set: dict[str, Any] = Field(default_factory=dict)


class LatinHypercube(_Strict):
    samples: Annotated[int, Field(ge=1)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0
    ranges: dict[str, tuple[float, float]]

    _paths = field_validator("ranges", mode="before")(_dotted)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.ranges:
            raise ValueError("ranges: no inputs to sample (give at least one path = [low, high])")
        for path, (low, high) in self.ranges.items():
            if not low < high:
                raise ValueError(f"range of {path} must have low < high")
        return self


MAX_RUNS = MAX_REPLICATIONS
"""Most runs a design may ask for: every point's scenario is built and checked before the
first run (10^7 grid points took all of the machine's memory, 4,096 take about 6 s). A
policy search, a calibration and a sensitivity analysis are held to it too."""


def counted(count: int, word: str, after: str = "") -> str:
    """``count`` of ``word`` (plural unless one), ``after`` following the noun."""
    return f"{count:,} {word}{'' if count == 1 else 's'}{after}"


def none_valid(points: str, first: ScenarioProblem | None) -> str:
    """Why a search (a fit, a policy search) has nothing to report: every one of its
    ``points`` made an invalid scenario, ``first`` the first one's problem."""
    reason = f"{first.path}: {first.message}" if first is not None else "none ran"
    return (
        f"every {points} makes an invalid scenario ({reason}): narrow the bounds, or change "
        "the scenario's other values"
    )


def too_many_runs(sizes: Sequence[str], runs: int, what: str) -> str | None:
    """Why ``runs``, the product of ``sizes`` (each as :func:`counted` gives it), are too many
    for ``what`` ("a search", "a fit"), or None within :data:`MAX_RUNS`."""
    if runs <= MAX_RUNS:
        return None
    return f"{' x '.join(sizes)} is {runs:,} runs, more than the {MAX_RUNS:,} {what} may take"


class SweepDesign(_Strict):
    """A validated design file (paths in it are relative to the file)."""

    base: str = Field(description="the base scenario file")
    name: str = "sweep"
    seed: int | None = Field(
        None, ge=0, le=MAX_SEED, description="base seed (default: the base scenario's)"
    )
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 1
    set: dict[str, Any] = Field(default_factory=dict, description="changes for every run")
    variants: list[Variant] | None = None
    grid: dict[str, list[Any]] | None = None
    lhs: LatinHypercube | None = None

    _paths = field_validator("grid", mode="before")(_dotted)

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = [k for k in ("variants", "grid", "lhs") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"give exactly one of variants, grid or lhs (got {kinds or 'none'})")
        if self.grid == {}:
            # one run of the base scenario under a point's name, where variants = [] is refused
            raise ValueError(
                "grid: no fields to vary (give at least one path = [values]; "
                "povsim run runs the base scenario alone)"
            )
        for path, values in (self.grid or {}).items():
            if not values:
                raise ValueError(f"grid.{path}: no values")
            if twice := repeated(repr(v) for v in values):
                # the same point twice is the same runs twice, under two names
                raise ValueError(f"grid.{path}: the value {twice[0]} is given twice")
        varied = self.grid or (self.lhs.ranges if self.lhs is not None else {})
        if both := [path for path in self.set if path in varied]:
            # every point replaces it (a variant's own value may override [set]: some do not)
            kind = "grid" if self.grid is not None else "lhs.ranges"
            raise ValueError(
                f"set.{both[0]}: {kind} varies it too, so this value is never used: "
                "give it in one place"
            )
        if self.variants == []:
            raise ValueError("variants: none given (a sweep needs at least one point)")
        names = [v.name for v in self.variants or []]
        if twice := repeated(names):
            # runs.parquet and every comparison group the runs by name
            raise ValueError(f"variants: the name {twice[0]!r} is given twice")
        if self.grid is not None:
            points = math.prod(len(v) for v in self.grid.values())
        else:
            points = self.lhs.samples if self.lhs is not None else len(self.variants or [])
        if points * self.replications > MAX_RUNS:
            raise ValueError(
                f"{points:,} points x {self.replications:,} "
                f"replication{'s' if self.replications > 1 else ''} is more than {MAX_RUNS:,} runs"
            )
        return self

    def points(self) -> list[tuple[str, dict[str, Any]]]:
        """Each design point's name and its changes to the base scenario."""
        if self.variants is not None:
            return [(v.name, {**self.set, **v.set}) for v in self.variants]
        if self.grid is not None:
            paths = list(self.grid)
            combos = itertools.product(*(self.grid[p] for p in paths))
            return [
                (f"g{i:04d}", {**self.set, **dict(zip(paths, combo, strict=True))})
                for i, combo in enumerate(combos)
            ]
        assert self.lhs is not None  # exactly one kind is given (validated)
        # here, not at the top: scipy.stats is a second of every command's start-up
        from scipy.stats import qmc

        paths = list(self.lhs.ranges)
        unit = qmc.LatinHypercube(d=len(paths), seed=self.lhs.seed).random(self.lhs.samples)
        low = np.array([self.lhs.ranges[p][0] for p in paths])
        high = np.array([self.lhs.ranges[p][1] for p in paths])
        values = qmc.scale(unit, low, high)
        return [
            (f"h{i:04d}", {**self.set, **{p: float(v) for p, v in zip(paths, row, strict=True)}})
            for i, row in enumerate(values)
        ]


class Sweep:
    """A planned sweep: a base scenario, its design points and their scenarios, replications.

    Built by :func:`load_design` from a design file, or directly (sensitivity analysis
    builds one from a SALib sample).
    """

    def __init__(
        self,
        name: str,
        base: Scenario,
        points: list[tuple[str, dict[str, Any]]],
        scenarios: list[Scenario],
        seed: int,
        replications: int,
        record: dict[str, Any] | None = None,
    ):
        self.name, self.base, self.points, self.scenarios = name, base, points, scenarios
        self.seed, self.replications = seed, replications
        self.record = record or {}

    def notes(self) -> list[str]:
        """What the design points' scenarios note beyond the base's (``Scenario.notes``),
        each once, with the points it holds for: a swept field that nothing reads gave every
        point the same outcomes without a word."""
        base = set(self.base.notes())
        held: dict[str, list[str]] = {}
        for (name, _), scenario in zip(self.points, self.scenarios, strict=True):
            for note in scenario.notes():
                if note not in base:
                    held.setdefault(note, []).append(name)
        return [
            f"point {names[0]}"
            + (f" and {len(names) - 1} more" if len(names) > 1 else "")
            + f": {note}"
            for note, names in held.items()
        ]

    def plan(self) -> pd.DataFrame:
        """One row per run: ``run_id``, point, replication, seed and the fields the design
        sets; a point that leaves a field another point varies has the base scenario's
        value."""
        varied = list(dict.fromkeys(path for _, changes in self.points for path in changes))
        dumped = self.base.model_dump(mode="python")
        base = {path: _base_value(dumped, path) for path in varied}
        rows = []
        for index, (name, changes) in enumerate(self.points):
            for replication in range(self.replications):
                rows.append(
                    {
                        "run_id": f"p{index:05d}-r{replication:03d}",
                        "point": index,
                        "point_name": name,
                        "replication": replication,
                        "seed": self.seed,
                        **{path: _plain(value) for path, value in (base | changes).items()},
                    }
                )
        frame = pd.DataFrame(rows)
        for path in varied:
            if _mixed(frame[path]):
                # Parquet keeps one type a column: a field that takes a word or a number
                # ("county" or 0.2) is written in words, as the design gives each.
                frame[path] = frame[path].map(_worded)
        return frame

    def fingerprint(self) -> str:
        text = json.dumps(
            {
                "base": self.base.model_dump(mode="json"),
                "points": self.points,
                "seed": self.seed,
                "replications": self.replications,
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()


def _what_differs(recorded: dict[str, Any], sweep: Sweep) -> str:
    """The design fields that differ from those recorded in the directory, as ' (x: 8 then,
    16 now)'; the base scenario's where the design itself is the same."""
    now = json.loads(json.dumps(sweep.record, default=str))
    shown = differences(
        recorded.get("design", recorded.get("problem", {})),
        now.get("design", now.get("problem", {})),
    )
    if shown:
        return f" ({shown})"
    return f" ({base_differences(recorded, sweep.base) or 'its base scenario has changed'})"


def base_differences(recorded: dict[str, Any], base: Scenario) -> str:
    """How ``base`` differs from the base scenario a directory's ``design.json`` recorded,
    as "the base scenario's x: 8 then, 16 now"; empty where it recorded none (an older
    povsim's directory) or they are the same."""
    then = recorded.get("base_scenario")
    if not isinstance(then, dict):
        return ""
    now = json.loads(json.dumps(base.model_dump(mode="json"), default=str))
    shown = differences(then, now)
    return f"the base scenario's {shown}" if shown else ""


def _base_value(dumped: dict[str, Any], path: str) -> Any:
    try:
        return get_path(dumped, path)
    except KeyError:  # a table a point adds (a new program): the base has none
        return None


def _plain(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def _kind(value: Any) -> type:
    """The kind of a plan's value a Parquet column can hold with others: any number is one."""
    if isinstance(value, bool):  # an int to Python, a column of its own to Parquet
        return bool
    return float if isinstance(value, (int, float)) else type(value)


def _mixed(column: pd.Series) -> bool:
    """Whether a plan's column holds values of more than one kind (a word and a number)."""
    return len({_kind(v) for v in column if v is not None and not _missing(v)}) > 1


def _missing(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _worded(value: Any) -> Any:
    """``value`` as a TOML file gives it, unquoted (county, 0.2, true); unset stays unset."""
    if value is None or _missing(value) or isinstance(value, str):
        return value
    return json.dumps(value)


def refuse_shadowed(
    overrides: Sequence[str], owned: dict[str, str], owner: str, how: str = ""
) -> None:
    """Refuse a ``--set`` of a field a design or problem sets itself (``owned``: the field's
    path -> where the file sets it): its value replaced the given one in every run, so it
    was silently never used.

    Raises:
        ScenarioError: one problem an override, naming where the file sets the field.
    """
    issues = []
    for text in overrides:
        key, value = parse_override(text)
        for path, where in owned.items():
            if path == key or key.startswith(f"{path}."):
                what = "it"
            elif path.startswith(f"{key}.") and _holds(value, path[len(key) + 1 :]):
                what = path  # a table set whole: only the owned field in it is lost
            else:
                continue
            issues.append(
                ScenarioProblem(
                    f"--set {key}",
                    key,
                    f"{owner} {what}{f' {how}' if how else ''} ({where}), so the value given "
                    "here is never used: set it in one place",
                )
            )
    if issues:
        raise ScenarioError(issues)


def _holds(table: Any, path: str) -> bool:
    try:
        get_path(table, path)
    except (KeyError, TypeError):
        return False
    return True


def load_design(path: str | Path, overrides: Sequence[str] = ()) -> Sweep:
    """Read and validate a design file, and every scenario it makes.

    Args:
        path: the design file.
        overrides: ``dotted.path=value`` changes to its base scenario (``--set``): a
            smaller sample for a quick look, say. A field the design sets itself is refused,
            as its value would replace the given one in every run.

    Raises:
        ScenarioError: naming the design file (or the base scenario), the field and the problem.
    """
    path = Path(path)
    design = load_settings(path, SweepDesign, DESIGN)
    points = design.points()
    # every field a point sets, and where: the design's value would replace a --set one
    owned = {
        field: _where(design, index, field) for index, (_, ch) in enumerate(points) for field in ch
    }
    refuse_shadowed(overrides, owned, f"{path} sets")
    base_file = referenced_scenario(path.parent / design.base, path, "base")
    base = one_county(load_scenario(base_file, overrides), base_file)
    fixed = [
        ScenarioProblem(str(path), f"{_where(design, index, field)}.{field}", reason)
        for index, (_, changes) in enumerate(points)
        for field in changes
        if (reason := not_varied(field)) is not None
    ]
    if fixed:
        raise ScenarioError(list(dict.fromkeys(fixed)))
    if design.lhs is not None:
        # The sampler gives real numbers; an integer field (households, a count of years)
        # takes them rounded, as sensitivity analysis and the policy search do.
        dumped = base.model_dump(mode="python")
        ranges = design.lhs.ranges

        def typed(field: str, value: float) -> float:
            try:
                return as_field_type(dumped, field, value)
            except KeyError:
                # no such field in the base (misspelt, a year it does not give): the
                # scenario's check below names it
                return value

        points = [
            (name, {k: typed(k, v) if k in ranges else v for k, v in changes.items()})
            for name, changes in points
        ]
        # A range's ends, not a sample drawn inside it, are what a message should quote.
        for field, ends in design.lhs.ranges.items():
            for end in ends:
                try:
                    base.updated({field: typed(field, end)})
                except ScenarioError as err:
                    problems = []
                    for p in err.problems:
                        message = p.message
                        if _holds(dumped, field):  # else no range can be in it
                            message = f"the range [{ends[0]:g}, {ends[1]:g}] leaves the field: "
                            message += p.message
                        if p.message.startswith(TABLE_NOT_VALUE):
                            # A whole table's range, in the design's words: the scenario's
                            # "under [income]" is no table of a design.
                            given = _as_given(ends)
                            message = _table_in_design(base, "lhs.ranges", field, given) or message
                        problems.append(ScenarioProblem(str(path), f"lhs.ranges.{field}", message))
                    raise ScenarioError(problems) from None
    scenarios = []
    for index, (name, changes) in enumerate(points):
        try:
            scenarios.append(base.updated({**changes, "name": f"{design.name}-{name}"}))
        except ScenarioError as err:
            problems = []
            for p in err.problems:
                # A problem of the whole (the programs' shares) is named by the value the
                # point changed in it: grid.programs.industry.share, not grid.programs; a
                # value the point gave the whole table is named itself (grid.income).
                field = (
                    p.path
                    if p.path in changes
                    else next((f for f in changes if f.startswith(f"{p.path}.")), p.path)
                )
                table = _where(design, index, field)
                message = p.message
                if field in changes and message.startswith(TABLE_NOT_VALUE):
                    message = _table_in_design(base, table, field, changes[field]) or message
                problems.append(ScenarioProblem(str(path), f"{table}.{field}", message))
            raise ScenarioError(problems) from None
    # A year of a dated series past every run's end (poverty_line.2021 for 2014-2020) made
    # points that all ran alike, as a sensitivity analysis refuses to vary it.
    end = max(s.end_year for s in scenarios)
    late = [
        ScenarioProblem(str(path), f"{table}.{field}", reason)
        for index, (_, changes) in enumerate(points)
        for field in changes
        if (table := _where(design, index, field)) != "set"
        and (reason := year_past_the_run(base, field, end)) is not None
    ]
    if late:
        raise ScenarioError(list(dict.fromkeys(late)))
    seed = base.seed if design.seed is None else design.seed
    record = {
        "design_file": str(path),
        "design": design.model_dump(mode="json"),
        "base_file": str(base_file),
        "overrides": list(overrides),
    }
    return Sweep(design.name, base, points, scenarios, seed, design.replications, record)


def _table_in_design(base: Scenario, table: str, field: str, given: Any) -> str | None:
    """A design's value for a whole table of settings (``"income" = [1]``), said in the
    design's words: a field of it as the grid's key, or in the set (the scenario's own
    message says to set it "under [income]", which is no table of a design)."""
    try:
        fields = list(get_path(base.model_dump(mode="python"), field))
    except (KeyError, TypeError):
        return None
    if not any(f != "kind" for f in fields):
        return None

    def instead(example: str) -> str:
        key = f'"{field}.{example}"'
        if table == "grid":
            return f"give one of its fields as the grid's key instead, e.g. {key} = [...]"
        if table == "lhs.ranges":
            return f"give one of its fields a range instead, e.g. {key} = [low, high]"
        shown = "under [set]" if table == "set" else f"in {table}"
        return f"set one of its fields instead, e.g. {key} = ... {shown}"

    return table_not_value(given, fields, instead)


def _as_given(ends: tuple[float, float]) -> list[float]:
    """A range's ends as a design file gives them: [0, 1], not the read [0.0, 1.0]."""
    return [int(end) if end.is_integer() else end for end in ends]


def _where(design: SweepDesign, index: int, field: str) -> str:
    """The table of the design that set ``field`` for point ``index``: the point's own, or
    ``set`` (every point's), which a point's own value overrides."""
    own: dict[str, Any] = (
        design.variants[index].set
        if design.variants is not None
        else design.grid or (design.lhs.ranges if design.lhs is not None else {})
    )
    if field not in own and any(field == k or field.startswith(f"{k}.") for k in design.set):
        return "set"
    if design.variants is not None:
        return f"variants[{index}].set"
    return "grid" if design.grid is not None else "lhs.ranges"


FOLDERS = ("indicators", "figures")
"""The folders a sweep writes into."""


def _holds_indicators(path: Path) -> bool:
    """Whether ``path`` holds a run's indicators as a sweep writes them: every indicator
    column, of its type, and the run's id.

    A file with the run's id and years but without an indicator (another program's, or
    one edited by hand) was kept by a resume, and the summary that needs the column ended
    in a KeyError's traceback.
    """
    types = {field.name: field.type for field in pq.read_schema(path)}
    return "run_id" in types and all(
        name in types and np.dtype(types[name].to_pandas_dtype()) == INDICATOR_TYPES[name]
        for name in INDICATORS
    )


def _verified_results(results_dir: Path, years: dict[str, int]) -> set[str]:
    """The run ids whose result files are whole and their own; the others are removed (redone).

    A result is trusted only if it reads as a run's indicators (:func:`_holds_indicators`),
    has one row per year, and every row carries the run id its file is named for (a file
    copied from another run, or truncated by a full disk, is redone).
    """
    done = set()
    for path in results_dir.glob("*.parquet"):
        try:
            frame = pd.read_parquet(path, columns=["run_id", "year"])
            whole = (
                _holds_indicators(path)
                and path.stem in years
                and len(frame) == years[path.stem]
                and bool((frame["run_id"] == path.stem).all())
                and frame["year"].is_unique
            )
        except Exception:
            whole = False
        if whole:
            done.add(path.stem)
        else:
            path.unlink()
    return done


def _one_writer[**P, R](run: Callable[P, R]) -> Callable[P, R]:
    """One writer at a time on a sweep's ``out``: a second one (a second ``--resume``, say)
    is refused while the first lives, instead of doing the work twice."""

    @functools.wraps(run)
    def locked_run(*args: P.args, **kwargs: P.kwargs) -> R:
        out = Path(kwargs["out"] if "out" in kwargs else args[1])  # type: ignore[arg-type]
        try:
            with locked(out):
                return run(*args, **kwargs)
        except OutputError as err:
            raise SweepError(str(err)) from None

    return locked_run


def finished_runs(out: str | Path) -> int:
    """The runs a sweep at ``out`` has finished and kept."""
    return sum(1 for _ in (Path(out) / "indicators").glob("*.parquet"))


@command_clock()
@_one_writer
def run_sweep(
    sweep: Sweep,
    out: str | Path,
    *,
    resume: bool = False,
    executor: Executor | None = None,
    on_result: Callable[[RunResult], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run every missing run of ``sweep`` into ``out`` and return the runs with their metrics.

    Args:
        sweep: from :func:`load_design`.
        out: the output directory (one writer at a time).
        resume: continue a sweep already in ``out`` (it must be the same design).
        executor: where to run (default: serially here).
        on_result: called in this process after each run is written.
        on_plan: called once with (runs in the plan, runs already done).
    """
    # Checked before anything is written: a wrong one ended the sweep after its plan was.
    arguments.instance("sweep", sweep, Sweep, "a Sweep, as load_design(path) returns")
    runner = given(executor)
    out = arguments.path("out", out)
    arguments.flag("resume", resume)
    results_dir = out / "indicators"
    plan = sweep.plan()
    fingerprint_file = out / "design.json"
    if fingerprint_file.exists():
        if not resume:
            raise SweepError(
                f"{out} already holds a sweep: add --resume (resume=True in Python) to continue it"
            )
        try:
            recorded = json.loads(fingerprint_file.read_text(encoding="utf-8"))
            fingerprint = recorded.get("fingerprint")
        except (OSError, ValueError, AttributeError):
            raise SweepError(
                f"{fingerprint_file} is damaged: the sweep cannot be checked against the "
                "design; use another --out (out= in Python) to start anew"
            ) from None
        if fingerprint != sweep.fingerprint():
            raise SweepError(
                f"{out} holds a different design{_what_differs(recorded, sweep)}: use another "
                "--out (out= in Python) to start anew"
            )
        # Before anything is written: a folder where runs.parquet goes was "cannot write
        # OUT: Is a directory; --resume continues", which it never would.
        results = [f"indicators/{p.name}" for p in results_dir.glob("*.parquet")]
        written = ["runs.parquet", "summary.parquet", "manifest.json", MARKER, SESSIONS]
        try:
            check_continued(out, [*written, "figures/outcomes.png", *results], FOLDERS)
        except OutputError as err:
            raise SweepError(str(err)) from None
    else:
        if out.exists() and any(p.name != MARKER for p in out.iterdir()):
            raise SweepError(f"{out} exists and is not a sweep directory")
        OutputDirectory(out, "sweep")  # marked as a sweep before anything else is written
        # The design first: it is what makes the directory resumable; the plan follows
        # from it and is rewritten on every start.
        design = {
            "fingerprint": sweep.fingerprint(),
            **sweep.record,
            # what a resume with another base scenario is told differs
            "base_scenario": sweep.base.model_dump(mode="json"),
        }
        write_text(json.dumps(design, indent=2, default=str) + "\n", fingerprint_file)
    write_parquet(plan, out / "runs.parquet")
    results_dir.mkdir(exist_ok=True)
    directory = OutputDirectory(out, "sweep")
    for stale in results_dir.glob(".*.tmp"):
        stale.unlink()
    years = {
        str(row.run_id): len(sweep.scenarios[int(row.point)].years) for row in plan.itertuples()
    }
    done = _verified_results(results_dir, years)
    todo = plan[~plan["run_id"].isin(done)].reset_index(drop=True)
    if on_plan is not None:
        on_plan(len(plan), len(plan) - len(todo))
    specs = [
        RunSpec(sweep.scenarios[int(row.point)], sweep.seed, int(row.replication))
        for row in todo.itertuples()
    ]

    def write(index: int, result: RunResult) -> None:
        row = todo.iloc[index]
        frame = result.indicators.assign(
            run_id=row["run_id"], point=int(row["point"]), replication=int(row["replication"])
        )
        write_parquet(frame, results_dir / f"{row['run_id']}.parquet")
        if on_result is not None:
            on_result(result)

    with directory.session():  # its runs are kept: a stopped session's time counts too
        runner.run(execute, specs, write)
        summary = sweep_summary(out)
        drawn = sweep.record.get("design")
        if isinstance(drawn, dict):  # a design file's sweep, not a sensitivity analysis's sample
            from povsim.plots.experiments import sweep_outcomes

            kind = next((k for k in ("grid", "lhs") if drawn.get(k)), "variants")
            fields = {"grid": drawn.get("grid"), "lhs": (drawn.get("lhs") or {}).get("ranges")}
            varied = list(fields.get(kind) or ())
            directory.figure("outcomes", sweep_outcomes(summary, varied, kind))
        directory.manifest(
            name=sweep.name,
            seed=sweep.seed,
            replications=sweep.replications,
            points=len(sweep.points),
            runs=len(plan),
            finished_runs=(
                int(summary["first_year"].notna().sum()) if "first_year" in summary else 0
            ),
            **sweep.record,
        )
    return summary


def sweep_summary(out: str | Path) -> pd.DataFrame:
    """The plan joined with each finished run's headline figures (written as summary.parquet)."""
    out = Path(out)
    plan = pd.read_parquet(out / "runs.parquet")
    files = sorted((out / "indicators").glob("*.parquet"))
    # One read of the whole dataset is far quicker than one read per run.
    data = pd.read_parquet(files) if files else pd.DataFrame(columns=["run_id"])
    outcomes = pd.DataFrame(
        [
            {"run_id": run_id, **metrics.report(metrics.Tables(run.sort_values("year")))}
            for run_id, run in data.groupby("run_id", sort=True)
        ]
    )
    summary = plan.merge(outcomes, on="run_id", how="left") if len(outcomes) else plan
    write_parquet(summary, out / "summary.parquet")
    return summary
