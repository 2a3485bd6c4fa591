"""Scenario discovery: which ranges of the uncertain inputs make an outcome likely.

The runs of a sweep or a sensitivity analysis are the cases: their varied inputs are
the candidate explanations, and a condition on their outcomes (``--where``, e.g.
``registered_people@2020 > 0 or cumulative_relapse_share > 0.05``) marks the cases of
interest. The PRIM of the EMA Workbench (the ``discovery`` extra) then peels the input
space down to boxes where those cases are dense: each box has a *coverage* (the share of
all cases of interest inside it), a *density* (the share of runs inside it that are of
interest) and a *mass* (the share of all runs inside it). Of each box's peeling
trajectory the point with the largest coverage x density among those where the condition
is likely (density at least ``min_density``, default one half) is reported, without the
restrictions that are not significant (quasi-p value at least 0.05).
"""

from __future__ import annotations

import ast
import itertools
import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from povsim.config import arguments
from povsim.runs import metrics
from povsim.runs.display import result_repr, shape
from povsim.runs.store import command_started, output_kind, staged

__all__ = [
    "INSTALL",
    "Condition",
    "Discovery",
    "DiscoveryError",
    "discover",
    "load_cases",
    "parse_condition",
    "prim_boxes",
    "write_discovery",
]

INSTALL = "scenario discovery needs the EMA Workbench: pip install 'povsim[discovery]'"

PLAN_COLUMNS = ("run_id", "point", "point_name", "replication", "seed")
"""Columns of a sweep's plan that are bookkeeping, not inputs."""


class DiscoveryError(ValueError):
    """Results or a condition discovery cannot work on; ``str()`` is the message."""

    def given_as(self, argument: str) -> DiscoveryError:
        """The same message, the condition named as the Python ``argument`` that gave it
        (``where 'x > 1': ...``) rather than the command line's ``--where``, as
        :meth:`povsim.config.ScenarioError.given_as` names an override."""
        return DiscoveryError(re.sub(r"^--where\b", argument, str(self)))


# ------------------------------------------------------------------ the condition

_TOKEN = re.compile(
    r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:@\d+|:[A-Za-z_][A-Za-z0-9_]*)?)"
)
_KEYWORDS = frozenset({"and", "or", "not"})
_WORDS = str.maketrans({"&": " and ", "|": " or ", "~": " not "})
"""The signs that stand for the keywords."""
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
}


@dataclass(frozen=True)
class Condition:
    """A condition on a run's outcomes, e.g. ``registered_people@2020 > 0``.

    Attributes:
        text: as given.
        names: the outcomes it reads (from :mod:`povsim.runs.metrics`).
    """

    text: str
    names: tuple[str, ...]
    tree: ast.Expression

    def __call__(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """The condition for every run (outcomes by name, one value per run); a NaN
        outcome makes a comparison false."""
        with np.errstate(invalid="ignore", divide="ignore"):
            result = self._eval(self.tree.body, values)
        if np.asarray(result).dtype != bool:
            raise DiscoveryError(f"--where {self.text!r}: must be a condition (a comparison)")
        return np.broadcast_to(result, (len(next(iter(values.values()))),)).copy()

    def _eval(self, node: ast.AST, values: dict[str, np.ndarray]) -> Any:
        if isinstance(node, ast.Name):
            return values[self.names[int(node.id.removeprefix("_v"))]]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BoolOp):
            parts = [np.asarray(self._eval(v, values), dtype=bool) for v in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return combine.reduce(parts)
        if isinstance(node, ast.UnaryOp):
            operand = self._eval(node.operand, values)
            if isinstance(node.op, ast.Not):
                return np.logical_not(np.asarray(operand, dtype=bool))
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, values), self._eval(node.right, values)
            return _ARITHMETIC[type(node.op)](left, right)
        assert isinstance(node, ast.Compare)  # the only node left (checked when parsed)
        result: Any = True
        left = self._eval(node.left, values)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self._eval(comparator, values)
            result = np.logical_and(result, _COMPARE[type(op)](left, right))
            left = right
        return result


_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Compare,
    ast.Name,
    ast.Load,
    ast.Constant,
    *_COMPARE,
    *_ARITHMETIC,
)


MAX_CONDITION = 1_000
"""The longest ``--where`` read (characters): a condition names a few outcomes."""


def _percent_hint(condition: Condition) -> str:
    """Where a condition compares a share directly with a number over 2 (a percentage),
    what to write: no share is ever over 1, so such a condition holds for no run or all."""
    for node in ast.walk(condition.tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for a, b in itertools.pairwise(sides):
            for name, number in ((a, b), (b, a)):
                if not (isinstance(name, ast.Name) and isinstance(number, ast.Constant)):
                    continue
                outcome = condition.names[int(name.id.removeprefix("_v"))]
                value = number.value
                share = metrics.outcome(outcome).unit == "share"
                if share and isinstance(value, int | float) and 2 < value <= 100:
                    return f" ({outcome} is a share: {value:g}% is written {value / 100:g})"
    return ""


def parse_condition(text: str) -> Condition:
    """Read ``--where``: outcomes (any name :func:`povsim.runs.metrics.outcome` knows),
    numbers, comparisons, ``+ - * /``, ``and``/``or``/``not`` (or ``& | ~``, read as the
    words, after the comparisons) and brackets.

    Raises:
        DiscoveryError: naming the expression and what is wrong with it.
    """
    names: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        name = match.group("name")
        if name is None or name in _KEYWORDS:
            return match.group(0)
        if name not in names:
            names.append(name)
        return f"_v{names.index(name)}"

    if not text.strip():
        raise DiscoveryError("--where: give a condition, e.g. 'registered_people@2020 > 0'")
    if len(text) > MAX_CONDITION:
        # Python's parser runs out of stack on a few thousand nested terms
        raise DiscoveryError(
            f"--where: the condition is {len(text):,} characters; give at most {MAX_CONDITION:,}"
        )
    if "'" in text or '"' in text:
        raise DiscoveryError(f"--where {text!r}: text in quotes is no outcome or number")
    # & | ~ are and, or, not, as pandas' query reads them: Python binds its own before a
    # comparison, so "a > 0.01 & b > 1" would compare a with 0.01 & b, quietly.
    rewritten = _TOKEN.sub(placeholder, text).translate(_WORDS)
    try:
        tree = ast.parse(rewritten.strip(), mode="eval")
    except SyntaxError:
        raise DiscoveryError(f"--where {text!r}: not a valid expression") from None
    except (RecursionError, MemoryError):
        raise DiscoveryError(f"--where {text[:40]!r}...: nested too deeply") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise DiscoveryError(
                f"--where {text!r}: only outcomes, numbers, comparisons, + - * / and "
                "and/or/not may appear"
            )
        if isinstance(node, ast.Constant) and (
            isinstance(node.value, bool) or not isinstance(node.value, int | float)
        ):
            raise DiscoveryError(f"--where {text!r}: {node.value!r} is not a number")
        if isinstance(node, ast.Name) and not re.fullmatch(r"_v\d+", node.id):
            raise DiscoveryError(f"--where {text!r}: {node.id!r} is not an outcome")
    if not names:
        raise DiscoveryError(f"--where {text!r}: names no outcome")
    for name in names:
        try:
            found = metrics.outcome(name)
        except metrics.UnknownOutcome as err:
            raise DiscoveryError(f"--where {text!r}: {err.args[0]}") from None
        if found.needs != "indicators":
            raise DiscoveryError(
                f"--where {text!r}: {name} needs the {found.needs}, which a sweep does not keep"
            )
    value = _not_a_condition(tree.body)
    if value is not None:
        shown = re.sub(r"_v(\d+)", lambda m: names[int(m.group(1))], ast.unparse(value))
        raise DiscoveryError(
            f"--where {text!r}: must be a condition, comparisons joined by and/or/not; "
            f"{shown!r} is a value, not a comparison"
        )
    return Condition(text, tuple(names), tree)


def _not_a_condition(node: ast.expr) -> ast.expr | None:
    """The first part of ``node`` that should be true or false and is a value instead
    (``x > 0 or 1``), or None when ``node`` is a condition throughout."""
    if isinstance(node, ast.Compare):
        return None
    if isinstance(node, ast.BoolOp):
        parts: list[ast.expr] = node.values
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        parts = [node.operand]
    else:
        return node
    for part in parts:
        found = _not_a_condition(part)
        if found is not None:
            return found
    return None


# ------------------------------------------------------------------ the cases


def _runs_directory(results: Path) -> tuple[Path, str]:
    """The sweep directory holding the runs of ``results``, and the kind of result."""
    kind = output_kind(results)
    if kind == "sweep":
        runs = results
    elif kind == "sensitivity":
        runs = results / "runs"
    elif kind is None:
        raise DiscoveryError(
            f"{results} is not a povsim sweep or sensitivity result (no manifest.json)"
        )
    else:
        raise DiscoveryError(
            f"{results} holds a povsim {kind} output; discovery needs a sweep or a "
            "sensitivity result"
        )
    if not (runs / "runs.parquet").is_file() or not (runs / "indicators").is_dir():
        raise DiscoveryError(f"{results} holds no runs yet (no {runs / 'runs.parquet'})")
    return runs, kind


def load_cases(results: str | Path, condition: Condition) -> tuple[pd.DataFrame, np.ndarray, str]:
    """The varied inputs of every finished run, and the condition on its outcomes.

    Returns:
        (inputs, one row per finished run; the condition per run; the kind of result).

    Raises:
        DiscoveryError: ``results`` is not a sweep or sensitivity result, holds no
            finished run, or varies no numeric input.
    """
    x, y, kind, _ = _cases(results, condition)
    return x, y, kind


def _cases(results: str | Path, condition: Condition) -> tuple[pd.DataFrame, np.ndarray, str, int]:
    """:func:`load_cases`, and the number of runs the result planned."""
    results = Path(results)
    if not results.is_dir():
        what = "is not a directory" if results.exists() else "does not exist"
        raise DiscoveryError(f"{results} {what}: give a sweep or sensitivity output directory")
    runs_dir, kind = _runs_directory(results)
    try:
        plan = pd.read_parquet(runs_dir / "runs.parquet")
        files = sorted((runs_dir / "indicators").glob("*.parquet"))
        data = pd.read_parquet(files) if files else pd.DataFrame(columns=["run_id", "year"])
    except Exception as err:  # a damaged file: name it, touch nothing
        raise DiscoveryError(f"{runs_dir}: cannot read its runs ({err})") from None
    _refuse_missing_columns(runs_dir, plan, files)
    _refuse_other_years(condition, data)
    rows = []
    for run_id, run in data.groupby("run_id", sort=True):
        try:
            values = metrics.evaluate(metrics.Tables(run.sort_values("year")), condition.names)
        except metrics.UnknownOutcome:
            # a KeyError too, but a name the user mistyped, which its message says, not a
            # column the files lack
            raise
        except KeyError as err:  # a column no run has: the files are not a sweep's
            raise DiscoveryError(
                f"{runs_dir / 'indicators'}: its runs have no column {err.args[0]}, which "
                f"{' or '.join(condition.names)} is computed from"
            ) from None
        rows.append({"run_id": run_id, **values})
    if not rows:
        raise DiscoveryError(f"{results} holds no finished run")
    outcomes = pd.DataFrame(rows)
    cases = plan.merge(outcomes, on="run_id", how="inner")
    inputs = cases[[c for c in plan.columns if c not in PLAN_COLUMNS]]
    numeric = [
        c
        for c in inputs.columns
        if pd.api.types.is_numeric_dtype(inputs[c])
        and not pd.api.types.is_bool_dtype(inputs[c])
        and inputs[c].notna().all()  # a field only some variants set explains nothing here
        and inputs[c].nunique() > 1
    ]
    if not numeric:
        raise DiscoveryError(f"{results}: its runs vary no numeric input to explain outcomes by")
    x = inputs[numeric].astype(float).reset_index(drop=True)
    y = condition({name: cases[name].to_numpy(dtype=float) for name in condition.names})
    return x, y, kind, int(plan["run_id"].nunique())


def _refuse_missing_columns(runs_dir: Path, plan: pd.DataFrame, files: list[Path]) -> None:
    """Refuse a plan or a run's indicators without a column the join or the outcomes need.

    A sweep's files all have the same columns. Read as one table, a column missing from the
    first file was missing from every run (a KeyError's traceback) and one missing from a
    later file was blank in its run (its outcome NaN, the condition silently missed); the
    plan without its run ids could not be joined to the runs at all.

    Raises:
        DiscoveryError: naming the file and the column.
    """
    if missing := [c for c in PLAN_COLUMNS if c not in plan.columns]:
        raise DiscoveryError(
            f"{runs_dir / 'runs.parquet'}: has no column {missing[0]}, which a sweep's plan has"
        )
    schemas = {path: set(pq.read_schema(path).names) for path in files}
    others = set[str]().union(*schemas.values())
    for path, names in schemas.items():
        if missing := [c for c in ("run_id", "year") if c not in names]:
            raise DiscoveryError(
                f"{path}: has no column {missing[0]}, which every run's indicators have"
            )
    for column in sorted(others):
        holders = [path for path, names in schemas.items() if column in names]
        if len(holders) == len(schemas):
            continue
        # The odd file out is on the side of the fewer: one file with a column the rest
        # lack is the damaged one, not the first of the rest.
        if 2 * len(holders) < len(schemas):
            raise DiscoveryError(
                f"{holders[0]}: has a column {column}, which the other runs' indicators lack"
            )
        lacking = next(path for path in schemas if path not in holders)
        raise DiscoveryError(
            f"{lacking}: has no column {column}, which the other runs' indicators have"
        )


def _refuse_other_years(condition: Condition, data: pd.DataFrame) -> None:
    """Refuse an outcome of a year the runs did not run: it is NaN in every run that lacks
    it, and a comparison with NaN is false, so the condition was silently met or missed."""
    if data.empty:
        return
    years = data.groupby("run_id")["year"]
    first, last = years.min(), years.max()
    for name in condition.names:
        _, at, year = name.partition("@")
        if not at:
            continue
        lacking = int(((first > int(year)) | (last < int(year))).sum())
        if not lacking:
            continue
        if first.nunique() == 1 and last.nunique() == 1:
            ran = f"the runs run {first.iloc[0]}-{last.iloc[0]}, not {year}"
        else:
            ran = f"{lacking} of {len(first)} runs do not run {year}"
        raise DiscoveryError(f"--where {condition.text!r}: {name}: {ran}")


# ------------------------------------------------------------------ PRIM


@dataclass
class Discovery:
    """What PRIM found.

    Attributes:
        where: the condition.
        runs: finished runs analysed.
        cases: runs meeting the condition.
        boxes: one row per box and restricted input: its ``low`` and ``high`` and the
            input's range over all runs.
        stats: one row per box: coverage, density, mass, inputs restricted, runs and
            cases in it.
        trajectory: every step of each box's peeling, with the reported one marked.
        summary: one plain-language row per box.
        planned: runs the sweep or sensitivity analysis planned (``runs`` of them had
            finished; None when not known).
        started: when the work began (the command's start: ``povsim discover``'s, or
            :func:`discover`'s called alone), the manifest's ``started``.
    """

    results: Path
    kind: str
    where: str
    runs: int
    cases: int
    inputs: list[str]
    boxes: pd.DataFrame
    stats: pd.DataFrame
    trajectory: pd.DataFrame
    summary: pd.DataFrame
    path: Path | None = None
    planned: int | None = None
    started: datetime = field(default_factory=command_started)

    @property
    def note(self) -> str | None:
        """What to know before reading the boxes: that the result was unfinished (None
        when every planned run had finished)."""
        if self.planned is None or self.runs >= self.planned:
            return None
        # An interrupted sweep's finished runs are the points run first, often a corner
        # of its design: boxes found among them alone may not hold for the rest.
        return f"{self.runs} of {self.planned} planned runs finished; the boxes are of those"

    def __repr__(self) -> str:
        tables = {
            "boxes": self.boxes,
            "stats": self.stats,
            "trajectory": self.trajectory,
            "summary": self.summary,
        }
        return result_repr(
            type(self).__name__,
            f"of {self.where!r} in {self.results}: {len(self.stats)} boxes, "
            f"{self.cases} of {self.runs} runs meet it" + (f" ({self.note})" if self.note else ""),
            {name: shape(*frame.shape) for name, frame in tables.items()},
            ".readings(): one sentence per box",
            self.path,
        )

    def readings(self) -> list[str]:
        """One sentence per box; without a box, one that says why there is none."""
        if len(self.summary):
            return list(self.summary["reading"])
        share = self.cases / self.runs
        return [
            f"no box: no range of the inputs holds the runs meeting {self.where!r} "
            f"significantly more densely than all {self.runs} runs do ({share:.0%})"
        ]


def _prim() -> Any:
    try:
        with warnings.catch_warnings():
            # ipyparallel, altair and pandas deprecations: the Workbench's, not ours.
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError as err:
        raise RuntimeError(INSTALL) from err
    return prim


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _reading(box: int, limits: pd.DataFrame, row: dict[str, Any], where: str, base: float) -> str:
    parts = []
    for lim in limits.itertuples():
        low_cut = lim.low > lim.input_min
        high_cut = lim.high < lim.input_max
        if low_cut and high_cut:
            parts.append(f"{lim.input} between {_fmt(lim.low)} and {_fmt(lim.high)}")
        elif low_cut:
            parts.append(f"{lim.input} ≥ {_fmt(lim.low)}")
        else:
            parts.append(f"{lim.input} ≤ {_fmt(lim.high)}")
    conditions = " and ".join(parts) or "anywhere"
    return (
        f"Box {box}: when {conditions}, {row['density']:.0%} of runs have {where} "
        f"(against {base:.0%} of all runs); the box holds {row['coverage']:.0%} of those runs "
        f"and {row['mass']:.0%} of all runs."
    )


BOX_COLUMNS = ["box", "input", "low", "high", "input_min", "input_max", "qp"]
STEP_COLUMNS = ["box", "step", "coverage", "density", "mass", "res_dim", "selected"]
STAT_COLUMNS = ["box", "coverage", "density", "mass", "res_dim", "runs_in_box", "cases_in_box"]

SIGNIFICANCE = 0.05
"""A restriction whose quasi-p value (Bryant and Lempert 2010) is not below this is dropped."""


def _qp(sides: list[float]) -> float:
    """The quasi-p value of a restriction: its most significant side (-1: unrestricted)."""
    restricted = [float(v) for v in sides if v >= 0]
    return min(restricted) if restricted else math.nan


def _drop_insignificant(found: Any, current: int) -> int | None:
    """Drop, one at a time and the weakest first, restrictions whose quasi-p value is not
    significant (each drop adds a box to the trajectory); return the box kept, or None when
    no restriction of it is significant (it explains nothing), or it has none (the whole input
    space, the first step of the peeling, where the condition is likely anyway)."""
    while True:
        qp = {u: _qp(sides) for u, sides in found.p_values[current].items()}
        weak = {u: v for u, v in qp.items() if not v < SIGNIFICANCE}
        if len(weak) == len(qp):
            return None
        if not weak:
            return current
        found.drop_restriction(max(weak, key=lambda u: weak[u]), current)
        current = len(found.peeling_trajectory) - 1


def _steps(trajectory: pd.DataFrame, box: int, selected: int | None) -> pd.DataFrame:
    """One box's peeling trajectory as written: box, step, statistics, the step kept."""
    steps = trajectory[["coverage", "density", "mass", "res_dim"]].astype(float)
    steps.insert(0, "box", box)
    steps.insert(1, "step", np.arange(len(trajectory)))
    steps["selected"] = steps["step"] == selected
    return steps


def prim_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    boxes: int = 3,
    mass_min: float = 0.05,
    peel_alpha: float = 0.05,
    min_density: float = 0.5,
    where: str = "the condition",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Up to ``boxes`` PRIM boxes of the cases ``y`` in the inputs ``x``.

    Of each box's peeling trajectory the step with the largest coverage x density among
    those at least ``min_density`` dense is kept, then its restrictions that are not
    significant (quasi-p value at least 0.05) are dropped; the search stops when no step
    is that dense.

    Returns:
        (boxes, stats, trajectory, summary) as in :class:`Discovery`.
    """
    prim = _prim()
    base = float(np.mean(y))
    lows, highs = x.min(), x.max()
    limit_rows, stat_rows, steps, readings = [], [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Workbench's pandas deprecations
        finder = prim.Prim(x, np.asarray(y, dtype=bool), peel_alpha=peel_alpha, mass_min=mass_min)
        for number in range(1, boxes + 1):
            found = finder.find_box()
            if found is None:
                break
            trajectory = found.peeling_trajectory.reset_index(drop=True)
            dense = (trajectory["density"] >= min_density).to_numpy()
            if not dense.any():
                # Nowhere left is the condition likely: no more boxes (the trajectory is
                # kept, so the figure shows how far it got).
                steps.append(_steps(trajectory, number, None))
                break
            score = (trajectory["coverage"] * trajectory["density"]).to_numpy(dtype=float)
            current = int(np.nanargmax(np.where(dense, score, -1.0)))
            found.select(current)
            kept = _drop_insignificant(found, current)
            if kept is None:
                # No significant restriction: the box is chance, and so would be the next.
                steps.append(_steps(found.peeling_trajectory.reset_index(drop=True), number, None))
                break
            trajectory = found.peeling_trajectory.reset_index(drop=True)
            if not trajectory["density"].iloc[kept] >= min_density:
                # Without its chance restrictions the box is no longer one where the
                # condition is likely (a second box of 29% against a base rate of 24%, say):
                # no box, and none after it.
                steps.append(_steps(trajectory, number, None))
                break
            current = kept
            steps.append(_steps(trajectory, number, current))
            lim = found.box_lims[current]
            qp = found.p_values[current]
            limits = pd.DataFrame(
                [
                    {
                        "box": number,
                        "input": name,
                        "low": float(lim.at[0, name]),
                        "high": float(lim.at[1, name]),
                        "input_min": float(lows[name]),
                        "input_max": float(highs[name]),
                        "qp": _qp(qp.get(name, [-1.0, -1.0])),
                    }
                    for name in x.columns
                    if float(lim.at[0, name]) > float(lows[name])
                    or float(lim.at[1, name]) < float(highs[name])
                ],
                columns=BOX_COLUMNS,
            )
            inside = np.ones(len(x), dtype=bool)
            for r in limits.itertuples():
                inside &= (x[r.input] >= r.low).to_numpy() & (x[r.input] <= r.high).to_numpy()
            row = {
                "box": number,
                "coverage": float(found.coverage),
                "density": float(found.density),
                "mass": float(found.mass),
                "res_dim": int(found.res_dim),
                "runs_in_box": int(inside.sum()),
                "cases_in_box": int((inside & y).sum()),
            }
            limit_rows.append(limits)
            stat_rows.append(row)
            readings.append(
                {
                    "box": number,
                    "coverage": row["coverage"],
                    "density": row["density"],
                    "mass": row["mass"],
                    "reading": _reading(number, limits, row, where, base),
                }
            )
    return (
        pd.concat(limit_rows, ignore_index=True)
        if limit_rows
        else pd.DataFrame(columns=BOX_COLUMNS),
        pd.DataFrame(stat_rows, columns=STAT_COLUMNS),
        pd.concat(steps, ignore_index=True) if steps else pd.DataFrame(columns=STEP_COLUMNS),
        pd.DataFrame(readings, columns=["box", "coverage", "density", "mass", "reading"]),
    )


def discover(
    results: str | Path,
    where: str,
    *,
    boxes: int = 3,
    mass_min: float = 0.05,
    peel_alpha: float = 0.05,
    min_density: float = 0.5,
) -> Discovery:
    """PRIM scenario discovery on a sweep or sensitivity result (see the module).

    An unfinished result is used as it stands: :attr:`Discovery.note` then says how many
    of its planned runs had finished.

    Raises:
        DiscoveryError: the results or the condition cannot be used.
        RuntimeError: the EMA Workbench is not installed.
    """
    started = command_started()
    results = arguments.path("results", results)
    if not isinstance(where, str):
        raise TypeError(f"where: a condition such as 'incidence_end > 0.01', not {where!r}")
    arguments.whole("boxes", boxes, most=20)
    for name, value in (("mass_min", mass_min), ("peel_alpha", peel_alpha)):
        arguments.fraction(name, value, least=0.001, most=0.999)
    arguments.fraction("min_density", min_density, least=0.001, most=1.0)
    condition = parse_condition(where)
    x, y, kind, planned = _cases(results, condition)
    cases = int(y.sum())
    if cases == 0 or cases == len(y):
        share = "no" if cases == 0 else "every"
        raise DiscoveryError(
            f"--where {where!r}: {share} run of {len(y)} meets it: nothing to discover"
            + _percent_hint(condition)
        )
    limits, stats, trajectory, summary = prim_boxes(
        x,
        y,
        boxes=boxes,
        mass_min=mass_min,
        peel_alpha=peel_alpha,
        min_density=min_density,
        where=where,
    )
    return Discovery(
        results=Path(results),
        kind=kind,
        where=where,
        runs=len(y),
        cases=cases,
        inputs=list(x.columns),
        boxes=limits,
        stats=stats,
        trajectory=trajectory,
        summary=summary,
        planned=planned,
        started=started,
    )


def write_discovery(found: Discovery, out: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``boxes.parquet``, ``box_stats.parquet``, ``trajectory.parquet``,
    ``summary.csv``, ``figures/peeling.png`` and ``manifest.json`` to ``out``, atomically."""
    from povsim.plots.optimize import peeling_trajectory

    out = arguments.path("out", out)
    arguments.flag("overwrite", overwrite)
    # Timed from the discovery's start, not from the writing's.
    with staged(out, "discovery", overwrite=overwrite, started=found.started) as directory:
        directory.table("boxes", found.boxes)
        directory.table("box_stats", found.stats)
        directory.table("trajectory", found.trajectory)
        directory.text("summary.csv", found.summary.to_csv(index=False))
        selected = found.trajectory[found.trajectory["selected"]]
        directory.figure("peeling", peeling_trajectory(found.trajectory, selected))
        directory.manifest(
            results=str(found.results),
            results_kind=found.kind,
            where=found.where,
            runs=found.runs,
            planned_runs=found.planned,
            cases=found.cases,
            base_rate=found.cases / found.runs if found.runs else math.nan,
            inputs=found.inputs,
            boxes=found.stats.to_dict("records"),
        )
    found.path = out
    return out
