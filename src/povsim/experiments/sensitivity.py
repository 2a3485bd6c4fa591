"""Global sensitivity analysis with SALib: sampling, evaluation through the executors, indices.

The problem analysed, its inputs, shares and outputs, is :mod:`povsim.experiments.problem`'s.
Evaluation runs every sample as a sweep (resumable, on any executor); outputs are averaged
over replications, which use common seeds across samples so the response is smooth.
"""

from __future__ import annotations

import inspect
import json
import numbers
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
import SALib
from pydantic import ValidationError
from SALib import ProblemSpec
from SALib.sample import morris

from povsim.config import (
    Scenario,
    ScenarioError,
    ScenarioProblem,
    arguments,
    one_county,
    problems_from,
)
from povsim.config.paths import leaves
from povsim.experiments.executors import Executor, finishing, make_executor
from povsim.experiments.problem import (
    DEFAULT_OUTPUTS,
    PYTHON,
    Problem,
    ProblemFile,
    _validate,
    check_analysable,
)
from povsim.experiments.sweep import MAX_RUNS, SweepError, base_differences, run_sweep
from povsim.experiments.sweep import finished_runs as finished_sweep_runs
from povsim.runs.display import format_value
from povsim.runs.progress import runs_progress
from povsim.runs.runner import RunResult
from povsim.runs.store import OutputDirectory, check_target, command_clock, locked, replacing

__all__ = [
    "METHODS",
    "PovsimProblemSpec",
    "UnbalancedSample",
    "indices_table",
    "problem_spec",
    "run_sensitivity",
]

METHODS = ("sobol", "morris", "fast")
FAST_M = 4
"""FAST's harmonics: its sample needs more than 4M² points per input."""
MIN_N = {"sobol": 2, "morris": 2, "fast": 4 * FAST_M**2 + 1}
"""The smallest N each method estimates anything from (see :func:`check_sample_size`)."""


class PovsimProblemSpec(ProblemSpec):
    """A SALib ``ProblemSpec`` whose ``evaluate()`` runs povsim.

    ``sp.sample_sobol(256).evaluate().analyze_sobol()`` samples with SALib, runs
    every sample through an executor (keyword arguments ``executor``, ``workers``,
    ``scheduler``, ``out`` to keep the runs and ``resume``), and analyses with SALib.
    """

    def __init__(self, problem: Problem):
        super().__init__(problem.salib())
        self.problem = problem
        self.evaluations: pd.DataFrame | None = None
        self.sampler: str | None = None
        """The SALib sampler that drew the sample (``"sobol"``, ``"morris"``, ...)."""
        self.num_levels: int | None = None
        """The grid levels of a Morris sample, which its analysis must be given too."""
        self._setting: tuple[str, Any] | None = None
        self._drawn: np.ndarray | None = None
        self._drawn_with: dict[str, Any] | None = None
        self.constant: dict[str, float] = {}
        """Outputs the same in every run, with their value: their indices are NaN."""
        self.undefined: dict[str, int] = {}
        """Outputs without a value in some runs (NaN: a cost per exit with no exit), with
        how many: the estimators need every run, so their indices are NaN."""
        self.constant_base: dict[str, float] = {}
        """Outputs of a Sobol' sample the same in its every base sample (its A and B rows),
        with their value, though other runs vary: Sobol's estimators take the variance from
        those rows alone, so their indices are NaN."""

    def sample(self, func: Callable, *args: Any, **kwargs: Any) -> Self:
        """SALib's ``sample_*`` methods, seeded by the problem's seed unless given one, so the
        same problem draws the same sample.

        Raises:
            ValueError: an N that is not a positive whole number; Morris's ``num_levels``
                under 2, FAST's ``M`` under 1 or either not a whole number, a
                ``calc_second_order`` not True or False.
            ScenarioError: Morris asked of an input with an unbounded distribution, FAST of
                a problem with groups; an N too small to estimate anything from; a sample
                whose runs would be more than :data:`MAX_RUNS`.
        """
        if "N" in inspect.signature(func).parameters:  # a fractional factorial takes none
            n = args[0] if args else kwargs.get("N")
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
                raise ValueError(f"N: the base sample size, a positive integer, not {n!r}")
        if func is morris.sample:
            _require_bounded(self.problem)
        if any(_approach(func) in samplers for samplers in _SAMPLERS.values()):
            # An analysis's sample of one input is refused before it is drawn, not after
            # its runs; a Latin hypercube of one (a discovery's, a robust search's) is sound.
            check_analysable(self.problem)
        kwargs = _seeded(func, kwargs, self.problem.seed)
        try:
            call = inspect.signature(func).bind(self, *args, **kwargs)
        except TypeError:
            call = None  # SALib's own call names the wrong argument
        if call is not None:
            call.apply_defaults()
            _check_setting(_approach(func), call.arguments)
            self._check_size(_approach(func), call.arguments)
        with warnings.catch_warnings():
            if _approach(func) in _SAMPLERS["sobol"]:
                _warn_unbalanced(args[0] if args else kwargs.get("N"))
                # SciPy's and SALib's own warnings name no size that would do (ours does)
                warnings.filterwarnings("ignore", "The balance properties of Sobol' points")
                warnings.filterwarnings("ignore", _SALIB_UNBALANCED)
            super().sample(func, *args, **kwargs)
        self.sampler = _approach(func)
        self._drawn = self.samples
        self._drawn_with = None
        if call is not None:
            drawn = {k: v for k, v in call.arguments.items() if k != "problem"}
            method = {"fast_sampler": "fast"}.get(self.sampler, self.sampler)
            self._drawn_with = json.loads(json.dumps({"method": method, **drawn}, default=str))
        self.num_levels = None
        self._setting = None
        if call is not None and (name := _SETTINGS.get(self.sampler)) is not None:
            # SALib's analysers default it whatever the sample used: with another, Morris
            # scales every elementary effect wrongly and FAST reads other frequencies
            # without a word, and Sobol' reads the sample's blocks wrongly or fails.
            self._setting = (name, call.arguments[name])
            if func is morris.sample:
                self.num_levels = int(call.arguments["num_levels"])
        return self

    def _check_size(self, sampler: str, arguments: dict[str, Any]) -> None:
        """Refuse a Sobol', Morris or FAST N too small to estimate anything from (FAST of a
        problem with groups too), and any known sampler's sample whose runs would be more
        than the cap, before it is drawn (other samplers' samples are counted when
        evaluated)."""
        method = {"saltelli": "sobol", "fast_sampler": "fast"}.get(sampler, sampler)
        if method not in METHODS or arguments.get("optimal_trajectories"):
            return  # optimised Morris trajectories: their number, not N, makes the rows
        n = arguments["N"]
        second_order = bool(arguments.get("calc_second_order", True))
        if method == "fast":
            _require_ungrouped(self.problem)
            # FAST's smallest N depends on its M (SALib's own refusal is a bare "N > 4M^2")
            given = arguments.get("M", FAST_M)
            if isinstance(given, numbers.Integral):
                check_sample_size(self.problem, method, n, m=int(given))
            else:  # SALib names a wrong M itself
                _check_runs(self.problem, method, n, samples_per_n(self.problem, method))
        else:
            check_sample_size(self.problem, method, n, second_order=second_order)

    def analyze(self, func: Callable, *args: Any, **kwargs: Any) -> Self:
        """SALib's ``analyze_*`` methods, their bootstrap seeded as the sample is; Sobol',
        Morris and FAST read the sample with the ``calc_second_order``, ``num_levels`` or
        ``M`` it was drawn with unless given them.

        Raises:
            ValueError: nothing evaluated yet; Sobol, Morris or FAST asked of a sample
                another method drew (their estimators read the sample's own design), or
                given a ``calc_second_order``, ``num_levels`` or ``M`` other than its
                sample's.
            ScenarioError: fewer than two inputs or groups to apportion the output among.
        """
        check_analysable(self.problem)
        method = _approach(func)
        needs = _SAMPLERS.get(method)
        # A sample set by hand (set_samples) is the user's to read as they mean it.
        drawn = self.sampler if self.samples is self._drawn else None
        if needs and drawn is not None and drawn not in needs:
            raise ValueError(
                f"analyze_{method} reads a sample drawn by sample_{method}, and this one was "
                f"drawn by sample_{drawn.removesuffix('_sampler')}: sample again with "
                f"sample_{method}"
            )
        if needs and drawn in needs and self._setting is not None:
            name, value = self._setting
            given = kwargs.get(name)
            if given is None:
                kwargs = {**kwargs, name: value}
            elif given != value:
                raise ValueError(
                    f"{name}: the sample was drawn with {name}={value!r}, not {given!r}; "
                    f"analyse with the sample's {_SETTINGS_SAID[name]} or sample again"
                )
        if self.results is None:
            # After the sample's checks: a sample the analyser cannot read is not worth
            # evaluating. SALib's own words, "Model not yet evaluated", said nothing of what
            # to call.
            raise ValueError("evaluate first, e.g. sp.evaluate(executor='processes')")
        outputs = list(self["outputs"])
        results = np.asarray(self.results, dtype=float)
        undefined = undefined_outputs(outputs, results)
        constant = constant_outputs(outputs, results)
        base_constant: dict[str, float] = {}
        if method == "sobol" and (rows := _sobol_base_rows(self, len(results), kwargs)) is not None:
            # Sobol's estimators take the output's variance from the sample's base rows (A
            # and B) alone: one the same there had indices of 0 known to ±0, though the rows
            # that change one input moved it, and SALib warned "Constant values
            # encountered" naming no output.
            base_constant = {
                name: value
                for name, value in constant_outputs(outputs, results[rows]).items()
                if name not in constant and name not in undefined
            }
        # SALib divides by the output's spread: an output the same in every run leaked
        # numpy's "invalid value encountered in divide" and came out with indices of 0
        # known exactly, as if no input moved it; Sobol's estimator turned an output
        # missing in some runs into the same zeros. Each is named below instead.
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", _SALIB_CONSTANT)
            seed = _analysis_seed(self.problem.seed)
            super().analyze(func, *args, **_seeded(func, kwargs, seed))
        _undefine(self, [*constant, *base_constant, *undefined])
        self.constant, self.undefined = constant, undefined
        self.constant_base = base_constant
        return self

    def no_indices(self) -> dict[str, str]:
        """Why each output without indices has none, as the table and figure say it."""
        runs = len(self.results) if self.results is not None else 0
        reasons = {
            name: f"{format_value(name, value)} in every run: no variance to apportion"
            for name, value in self.constant.items()
        }
        for name, value in self.constant_base.items():
            reasons[name] = (
                f"{format_value(name, value)} in every base sample (Sobol's A and B rows; it "
                "moves only where one input is changed): no variance for Sobol' to apportion, "
                "a larger N may find some"
            )
        for name, missing in self.undefined.items():
            reasons[name] = (
                "no value in any run: undefined here"
                if missing == runs
                else f"no value in {missing:,} of {runs:,} runs: the estimators need every run"
            )
        return reasons

    def evaluate(
        self,
        func: Callable | None = None,
        *args: Any,
        executor: str | Executor | None = None,
        workers: int | None = None,
        scheduler: str | None = None,
        out: str | Path | None = None,
        resume: bool = False,
        on_result: Callable[[RunResult], None] | None = None,
        progress: bool | None = None,
        **kwargs: Any,
    ) -> Self:
        """Run every sample (with ``func``, SALib's own evaluation instead).

        Args:
            func: SALib's way: a function of the samples (povsim's runs when None).
            executor: where the runs go ("serial", "processes", "dask" or an Executor).
            workers: worker processes for the executor (default: all cores).
            scheduler: address of a running Dask scheduler.
            out: keep the runs there (a sweep; ``resume`` continues one).
            resume: continue the runs kept at ``out``, running only those not finished;
                refused when they are another analysis's, naming what differs. Without it,
                runs already at ``out`` are refused.
            on_result: called in this process as each run finishes.
            progress: a bar over the runs; by default where someone watches (a terminal,
                Jupyter).
        """
        if func is not None:
            return super().evaluate(func, *args, **kwargs)
        if out is not None:
            out = arguments.path("out", out)  # else pathlib's words, after the sample's check
        arguments.flag("resume", resume)
        if progress is not None:
            arguments.flag("progress", progress)
        if self.samples is None:
            raise ValueError("sample first, e.g. sp.sample_sobol(256)")
        replications = self.problem.spec.replications
        runs = len(self.samples) * replications
        if runs > MAX_RUNS:  # a sample set by hand, or drawn by a sampler not counted before
            message = (
                f"{len(self.samples):,} samples x {replications:,} "
                f"replication{'s' * (replications != 1)} make {runs:,} runs, more than the "
                f"limit of {MAX_RUNS:,}"
            )
            raise ScenarioError([ScenarioProblem(self.problem.source, "", message)])
        drawn = self._drawn_with if self.samples is self._drawn else None
        if out is not None:
            # Checked before the sweep is, resumed or not: its own check names only a changed
            # base scenario for another N, and lets other outputs replace the indices of
            # these; without resume it advised a resume that was then refused.
            record = self.problem.record(drawn)
            if (differs := another_analysis(out, record, self.problem.base)) is not None:
                raise SweepError(
                    f"{out} holds the runs of another sensitivity analysis ({differs}): use "
                    "another out (--out) to start anew"
                )
            if _damaged(out):
                raise SweepError(
                    f"{Path(out) / 'design.json'} is damaged: the runs cannot be checked "
                    "against this analysis; use another out (--out) to start anew"
                )
            if not resume and (_design(out) or {}).get("kind") == "sensitivity":
                raise SweepError(
                    f"{out} already holds the runs of a sensitivity analysis: add resume=True "
                    "to continue it, or use another out to start anew"
                )
        sweep = self.problem.sweep(self.samples, drawn)
        with tempfile.TemporaryDirectory(prefix="povsim-sensitivity-") as scratch:
            target = Path(out) if out is not None else Path(scratch) / "runs"
            own = not isinstance(executor, Executor)
            if not own and (workers is not None or scheduler):
                raise ValueError("workers and scheduler make a new executor: not with an Executor")
            pool = (
                executor
                if isinstance(executor, Executor)
                else make_executor(executor, workers, scheduler)
            )
            try:
                with runs_progress("runs", None, progress) as bar:

                    def done(result: RunResult) -> None:
                        bar.advance()
                        if on_result is not None:
                            on_result(result)

                    run_sweep(
                        sweep,
                        target,
                        resume=resume,
                        executor=pool,
                        on_result=done,
                        on_plan=bar.start,
                    )
            finally:
                if own:
                    pool.close()
            indicators = pd.read_parquet(sorted((target / "indicators").glob("*.parquet")))
        self.evaluations = self.problem.outputs_of(indicators)
        results = self.evaluations[self.problem.outputs].to_numpy()
        # SALib's analysers take one output as a vector; they index columns only for several.
        self.results = results[:, 0] if results.shape[1] == 1 else results
        return self


_SAMPLERS = {"sobol": {"sobol", "saltelli"}, "morris": {"morris"}, "fast": {"fast_sampler"}}
"""The analysers that need their own sampler's design, and the samplers that draw it."""


_SETTINGS = {
    "sobol": "calc_second_order",
    "saltelli": "calc_second_order",
    "morris": "num_levels",
    "fast_sampler": "M",
}
"""The argument of each sampler that its analyser must be given the same."""
_SETTINGS_SAID = {"calc_second_order": "setting", "num_levels": "levels", "M": "harmonics"}

_SETTINGS_LEAST = {"num_levels": (2, "the levels of Morris's grid"), "M": (1, "FAST's harmonics")}
"""The smallest Morris levels and FAST harmonics SALib draws a sample with, and their names."""


def _check_setting(sampler: str, arguments: dict[str, Any]) -> None:
    """Refuse a sampler's setting (:data:`_SETTINGS`) SALib cannot draw with, as N is
    refused: SALib took them unchecked (1 level or 0 harmonics ended in a
    ZeroDivisionError, "4" in a TypeError, 2.5 levels or -1 harmonics drew a sample no
    analysis reads as drawn).

    Raises:
        ValueError: naming the argument, what it takes and the value given.
    """
    name = _SETTINGS.get(sampler)
    if name is None or name not in arguments:
        return
    value = arguments[name]
    if name == "calc_second_order":
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"calc_second_order: True or False, not {value!r}")
        return
    least, what = _SETTINGS_LEAST[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ValueError(f"{name}: {what}, a whole number of at least {least}, not {value!r}")


_SALIB_UNBALANCED = r"\s*Convergence properties of the Sobol' sequence is only valid if\s+`N`"
"""SALib's saltelli sampler's warning of an N off a power of 2."""


class UnbalancedSample(UserWarning):
    """A Sobol' sample of a base size that is not a power of 2."""


def _warn_unbalanced(n: object) -> None:
    """Warn that a Sobol' sample of base size ``n`` loses the sequence's balance (its
    indices converge more slowly), naming the powers of 2 either side."""
    if not isinstance(n, numbers.Integral) or n < 1 or n & (n - 1) == 0:
        return
    below = 1 << (int(n).bit_length() - 1)
    warnings.warn(
        f"N = {n} is not a power of 2: Sobol' points keep their balance, and the indices "
        f"converge as they should, only at a power of 2 (N = {below} or {below * 2})",
        UnbalancedSample,
        stacklevel=_outside((__file__, os.path.dirname(SALib.__file__))),
    )


def _outside(prefixes: tuple[str, ...]) -> int:
    """The ``stacklevel`` of the first caller whose file is not under ``prefixes``: the line
    that asked for a sample (a notebook's cell), not this module or SALib's."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(prefixes):
        frame, level = frame.f_back, level + 1
    return level


def _approach(func: Callable) -> str:
    """SALib's name for a sampler's or analyser's method, from its module
    (``SALib.sample.fast_sampler`` -> ``"fast_sampler"``)."""
    return str(func.__module__).split(".")[2]


FLAT = 1e-9
"""A spread this small beside an output's size is rounding (replications averaged in
another order), not variance: SALib divided by it and gave an index of 2.0 known to ±0."""


_SALIB_CONSTANT = "Constant values encountered"
"""SALib's Sobol' warning of an output without variance in its base rows, which names no
output (:attr:`PovsimProblemSpec.constant_base` names them)."""


def constant_outputs(outputs: list[str], results: np.ndarray) -> dict[str, float]:
    """The outputs that took one value in every run (to within :data:`FLAT` of their size),
    with that value: they have no variance for the inputs to share, so they have no
    indices."""
    if not results.size:
        return {}
    columns = results.reshape(len(results), -1).T
    return {
        name: float(column[0])
        for name, column in zip(outputs, columns, strict=False)
        if np.ptp(column) <= FLAT * np.max(np.abs(column))
    }


def _sobol_base_rows(sp: ProblemSpec, runs: int, kwargs: dict[str, Any]) -> np.ndarray | None:
    """The rows of a Sobol' (Saltelli) sample of ``runs`` rows that its estimators take an
    output's variance from, A and B, the first and last of each block; None when the rows do
    not make whole blocks (SALib names that itself)."""
    groups = sp.get("groups")
    factors = len(set(groups)) if groups else len(sp["names"])
    block = 2 * factors + 2 if kwargs.get("calc_second_order", True) else factors + 2
    if not runs or runs % block:
        return None
    starts = np.arange(0, runs, block)
    return np.sort(np.concatenate([starts, starts + block - 1]))


def undefined_outputs(outputs: list[str], results: np.ndarray) -> dict[str, int]:
    """The outputs without a value (NaN) in some runs, with how many runs."""
    if not results.size:
        return {}
    columns = results.reshape(len(results), -1).T
    missing = zip(outputs, (int(np.sum(~np.isfinite(c))) for c in columns), strict=False)
    return {name: count for name, count in missing if count}


def _undefine(sp: ProblemSpec, names: Sequence[str]) -> None:
    """Set every index (and interval) of the outputs ``names`` to NaN."""
    if not names:
        return
    analysis = sp.analysis
    outputs = list(sp["outputs"])
    by_output = analysis if isinstance(analysis, dict) and set(analysis) == set(outputs) else None
    results = by_output or {outputs[0]: analysis}
    for name in names:
        result = results[name]
        for key, values in result.items():
            if key != "names":
                result[key] = np.full(np.shape(values), np.nan)


def _analysis_seed(seed: int) -> int:
    """The seed SALib's analysers get from a problem's ``seed``: never 0, which Sobol's and
    FAST's take for none (``if seed:``), leaving their bootstrap unseeded, so a problem of
    seed 0 gave other confidence intervals at each analysis. A nonzero draw of
    ``SeedSequence(seed)``: the same for the same seed, and the samplers keep ``seed``
    itself (they take 0 as a seed)."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


def _seeded(func: Callable, kwargs: dict[str, Any], seed: int) -> dict[str, Any]:
    if "seed" in kwargs or "seed" not in inspect.signature(func).parameters:
        return kwargs
    return {**kwargs, "seed": seed}


def problem_spec(
    scenario: str | Path | Scenario,
    inputs: dict[str, dict[str, Any]],
    outputs: Sequence[str] = DEFAULT_OUTPUTS,
    *,
    shares: dict[str, Any] | None = None,
    time_varying: Sequence[str] = ("incidence",),
    replications: int = 1,
    seed: int = 1,
) -> PovsimProblemSpec:
    """A SALib ``ProblemSpec`` for povsim, for notebooks.

    Args:
        scenario: the base scenario (a file or a Scenario).
        inputs: dotted path -> ``{"bounds": [...], "dist": "unif", "group": None}``.
        outputs: headline outputs and ``COLUMN@YEAR`` indicator values.
        shares: ``{"programs": [...], "weights": (0.5, 2.0)}`` to vary budget shares together.
        time_varying: indicator columns analysed year by year.
        replications: runs per sample, averaged (common seeds across samples).
        seed: seeds the runs, and the sample and the analysis unless their SALib method is
            given a seed of its own.

    Raises:
        ScenarioError: naming the argument and the problem, as for a problem file (fewer
            than two inputs or groups too).
    """
    loaded = arguments.scenario("scenario", scenario)
    base = one_county(loaded, scenario if isinstance(scenario, str | Path) else loaded.name)
    source = PYTHON  # _validate words its advice for Python on this name
    try:
        spec = ProblemFile.model_validate(
            {
                "seed": seed,
                "replications": replications,
                "inputs": inputs,
                "shares": shares,
                # One name is one output, not its letters; anything but names is named here,
                # not as "'int' object is not iterable".
                "outputs": arguments.names("outputs", outputs),
                "time_varying": arguments.names("time_varying", time_varying),
            },
            # advice in Python's words: {"income.growth": {"bounds": [...]}}
            context={"python": True},
        )
    except ValidationError as err:
        raise ScenarioError(problems_from(err, {}, source, ProblemFile)) from None
    base_file = str(scenario) if isinstance(scenario, str | Path) else None
    problem = Problem(base, spec, source, base_file=base_file)
    _validate(problem, source)
    return PovsimProblemSpec(problem)


def samples_per_n(problem: Problem, method: str, *, second_order: bool = True) -> int:
    """The sample's rows per unit of N, as SALib's samplers draw them: Sobol' and Morris
    count a group as one input, FAST takes no groups."""
    groups = problem.salib().get("groups")
    factors = len(set(groups)) if groups else len(problem.names)
    if method == "sobol":
        return 2 * factors + 2 if second_order else factors + 2
    if method == "morris":
        return factors + 1
    return len(problem.names)


def check_sample_size(
    problem: Problem, method: str, n: int, *, second_order: bool = True, m: int = FAST_M
) -> None:
    """Refuse, before anything is drawn or written, a sample too small for ``method`` to
    estimate anything from (FAST's with ``m`` harmonics), or one whose runs are more than
    :data:`MAX_RUNS`.

    Raises:
        ScenarioError: naming the problem, N and the smallest or largest N that would do.
    """
    if n < (4 * m**2 + 1 if method == "fast" else MIN_N[method]):
        why = {
            # One base sample gave indices outside [0, 1] with intervals of width 0.
            "sobol": "Sobol' needs N of at least 2, not {n}: its indices are means over the "
            "N base samples, and their intervals come from resampling them",
            # SALib's sigma is a standard deviation across trajectories (numpy warned of
            # "Degrees of freedom <= 0" with one).
            "morris": "Morris needs N of at least 2 trajectories, not {n}: sigma, the spread "
            "of each input's elementary effects, is measured across trajectories",
            "fast": "FAST needs more than {low} samples per input (4M² with M = {m} "
            "harmonics), not {n}",
        }[method]
        message = why.format(n=n, low=4 * m**2, m=m)
        raise ScenarioError([ScenarioProblem(problem.source, "", message)])
    _check_runs(problem, method, n, samples_per_n(problem, method, second_order=second_order))


def _check_runs(problem: Problem, method: str, n: int, per_n: int) -> None:
    """Refuse N samples of ``per_n`` rows each when their runs are more than the cap, saying
    which N stays within it (for Sobol', the largest power of 2)."""
    replications = problem.spec.replications
    runs = n * per_n * replications
    if runs <= MAX_RUNS:
        return
    each = f"{per_n:,} samples per N" + (
        f" x {replications:,} replications" if replications > 1 else ""
    )
    most = MAX_RUNS // (per_n * replications)
    if method == "sobol" and most >= 1:
        most = 1 << (most.bit_length() - 1)
    if most < MIN_N[method]:
        advice = "no N does, with this many inputs and replications"
    else:
        power = ", a power of 2," if method == "sobol" else ""
        advice = f"N = {most:,}{power} makes {most * per_n * replications:,}"
    message = (
        f"N = {n:,} makes {runs:,} runs ({each}), more than the limit of {MAX_RUNS:,}: {advice}"
    )
    raise ScenarioError([ScenarioProblem(problem.source, "", message)])


def another_analysis(
    runs: str | Path, record: dict[str, Any], base: Scenario | None = None
) -> str | None:
    """What differs between the analysis whose runs are kept in ``runs`` and ``record``
    (:meth:`Problem.record`), as ``"N: 64 then, 32 now"``: the problem's fields by their
    path in a problem file, the sample's arguments by SALib's names, and where those are
    the same, ``base``'s fields; None when nothing recorded differs (or there is no record
    to read: :func:`run_sweep` says so).
    """
    then = _design(runs)
    if then is None or not isinstance(then.get("problem"), dict):
        return None
    now = json.loads(json.dumps(record, default=str))

    drawn_then, drawn_now = then.get("sample"), now.get("sample")
    if not (isinstance(drawn_then, dict) and isinstance(drawn_now, dict)):
        # A directory written before the sample was recorded, or a sample set by hand, has
        # none to compare: the sweep's fingerprint still tells the samples apart.
        drawn_then = drawn_now = {}
    elif drawn_then.get("method") != drawn_now.get("method"):
        # Another sampler's other arguments follow from it: naming them says nothing more.
        drawn_then, drawn_now = (
            {k: d.get(k) for k in ("method", "N")} for d in (drawn_then, drawn_now)
        )

    def fields(recorded: dict[str, Any], drawn: dict[str, Any]) -> dict[str, Any]:
        # The base scenario's own values are the fingerprint's to compare, not the text
        # naming it (the command line may give another).
        named = leaves({k: v for k, v in recorded["problem"].items() if k != "base"})
        for key, value in drawn.items():
            named[f"the sample's {key}" if key in named else key] = value
        return named

    before, current = fields(then, drawn_then), fields(now, drawn_now)
    changed = [k for k in dict.fromkeys([*before, *current]) if before.get(k) != current.get(k)]
    if not changed:
        return (base_differences(then, base) or None) if base is not None else None
    shown = ", ".join(
        f"{k}: {_shown(before.get(k))} then, {_shown(current.get(k))} now" for k in changed[:3]
    )
    return shown + (", ..." if len(changed) > 3 else "")


def _design(runs: str | Path) -> dict[str, Any] | None:
    """The ``design.json`` kept in ``runs``; None when there is none to read."""
    try:
        design = json.loads((Path(runs) / "design.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return design if isinstance(design, dict) else None


def _damaged(runs: str | Path) -> bool:
    """Whether ``runs`` holds a ``design.json`` that cannot be read as one."""
    return (Path(runs) / "design.json").exists() and _design(runs) is None


def _shown(value: Any) -> str:
    return "none" if value is None else json.dumps(value) if isinstance(value, list) else str(value)


def finished_runs(out: str | Path) -> int:
    """The runs an analysis at ``out`` has finished and kept (under ``out/runs``)."""
    return finished_sweep_runs(Path(out) / "runs")


def _require_bounded(problem: Problem) -> None:
    """Refuse Morris for unbounded inputs before anything is drawn: its levels include the 0
    and 1 quantiles, infinite for a normal."""
    unbounded = [p for p, i in problem.spec.inputs.items() if i.dist in ("norm", "lognorm")]
    if unbounded:
        raise ScenarioError(
            [
                ScenarioProblem(
                    problem.source,
                    f"inputs.{path}",
                    "Morris samples the 0 and 1 quantiles, so it needs a bounded "
                    "distribution (unif, logunif, triang, truncnorm)",
                )
                for path in unbounded
            ]
        )


def _require_ungrouped(problem: Problem) -> None:
    """Refuse FAST for a problem with groups before anything is drawn: SALib's FAST
    estimates one index per input and has no grouped form."""
    grouped = [f"inputs.{p}.group" for p, i in problem.spec.inputs.items() if i.group]
    if problem.spec.shares and problem.spec.shares.group:
        grouped.append("shares.group")
    if grouped:
        raise ScenarioError(
            [
                ScenarioProblem(
                    problem.source,
                    path,
                    "FAST estimates one index per input and takes no groups: use sobol or "
                    "morris, or leave the groups out",
                )
                for path in grouped
            ]
        )


def sample(sp: PovsimProblemSpec, method: str, n: int, *, second_order: bool = True) -> None:
    """Draw SALib's sample for ``method`` (seeded by the problem's seed)."""
    seed = sp.problem.seed
    if method == "morris":
        _require_bounded(sp.problem)
    if method == "fast":
        _require_ungrouped(sp.problem)
    check_sample_size(sp.problem, method, n, second_order=second_order)
    if method == "sobol":
        sp.sample_sobol(n, calc_second_order=second_order, seed=seed)
    elif method == "morris":
        sp.sample_morris(n, num_levels=4, seed=seed)
    elif method == "fast":
        sp.sample_fast(n, M=FAST_M, seed=seed)
    else:
        raise ValueError(f"method must be one of {METHODS}")


def analyze(sp: PovsimProblemSpec, method: str, *, second_order: bool = True) -> None:
    seed = sp.problem.seed
    if method == "fast":
        _require_ungrouped(sp.problem)
    if method == "sobol":
        sp.analyze_sobol(calc_second_order=second_order, seed=seed)
    elif method == "morris":
        sp.analyze_morris(num_levels=4, seed=seed)
    else:
        sp.analyze_fast(M=FAST_M, seed=seed)


INDEX_COLUMNS = ("output", "input", "input2", "index", "value", "conf", "listed", "yearly")
"""The columns of ``indices.parquet``."""


def indices_table(sp: ProblemSpec) -> pd.DataFrame:
    """Long table of every index: output, input (and input2 for S2), index, value, conf;
    ``listed``: the output is one the problem lists (its table and bars), ``yearly``: one of
    its time-varying columns' years (its year-by-year figure)."""
    analysis = sp.analysis
    if analysis is None:
        raise ValueError("analyse first, e.g. sp.analyze_sobol()")
    outputs = list(sp["outputs"])
    if not (isinstance(analysis, dict) and set(analysis) == set(outputs)):
        analysis = {outputs[0]: analysis}
    groups = sp.get("groups")
    names = list(dict.fromkeys(groups)) if groups else list(sp["names"])
    rows = []
    for output, result in analysis.items():
        for key, values in result.items():
            if key.endswith("_conf") or key == "names":
                continue
            values = np.asarray(values, dtype=float)
            conf = np.asarray(result.get(f"{key}_conf", np.full(values.shape, np.nan)), dtype=float)
            if values.ndim == 2:
                for i in range(values.shape[0]):
                    for j in range(i + 1, values.shape[1]):
                        rows.append(
                            {
                                "output": output,
                                "input": names[i],
                                "input2": names[j],
                                "index": key,
                                "value": values[i, j],
                                "conf": conf[i, j],
                            }
                        )
            else:
                for name, value, c in zip(names, values, conf, strict=True):
                    rows.append(
                        {
                            "output": output,
                            "input": name,
                            "input2": None,
                            "index": key,
                            "value": value,
                            "conf": c,
                        }
                    )
    table = pd.DataFrame(rows, columns=INDEX_COLUMNS[:6])
    # one missing value whatever the method (Morris's rows would hold None, Sobol's NaN)
    table["input2"] = table["input2"].astype("string")
    problem = getattr(sp, "problem", None)
    listed = problem.spec.outputs if problem else [o for o in outputs if "@" not in o]
    yearly = problem.yearly if problem else [o for o in outputs if "@" in o]
    table["listed"] = table["output"].isin(listed)
    table["yearly"] = table["output"].isin(yearly)
    return table


def time_varying_table(indices: pd.DataFrame) -> pd.DataFrame:
    """The indices of the time-varying outputs (``yearly``), with ``column`` and ``year``
    split out of ``COLUMN@YEAR``; none when the problem has no time-varying columns."""
    yearly = indices[indices["yearly"]].drop(columns=["output", "listed", "yearly"])
    parts = indices.loc[indices["yearly"], "output"].str.rsplit("@", n=1)
    yearly["column"] = parts.str[0].astype(str)
    yearly["year"] = parts.str[1].astype(int)
    return yearly


@command_clock()
def run_sensitivity(
    problem: Problem,
    method: str = "sobol",
    n: int = 1024,
    out: str | Path = "runs/sensitivity",
    *,
    second_order: bool = True,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    on_result: Callable[[RunResult], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    progress: bool | None = None,
) -> PovsimProblemSpec:
    """Sample, evaluate (resumable, under ``out/runs``), analyse, and write the indices.

    Writes ``samples.parquet``, ``outputs.parquet``, ``indices.parquet``,
    ``time_varying.parquet``, ``figures/indices.png``, ``figures/time_varying.png`` (with
    time-varying columns) and ``manifest.json`` to ``out``. ``overwrite`` replaces an
    earlier sensitivity analysis at ``out`` (never anything else): it is kept aside until a
    run of this one finishes, and comes back if this one is refused or stopped before.
    """
    from povsim.plots.experiments import sensitivity_bars, time_varying_indices

    # Before anything is made: a method not known was refused only when sampling, and a
    # sample size of "4" was named as SALib's N.
    arguments.instance(
        "problem", problem, Problem, "a Problem (load_problem(path), or a ProblemSpec's .problem)"
    )
    arguments.one_of("method", method, METHODS)
    arguments.whole("n", n)
    for name, value in {
        "second_order": second_order,
        "resume": resume,
        "overwrite": overwrite,
    }.items():
        arguments.flag(name, value)
    if progress is not None:
        arguments.flag("progress", progress)
    if resume and overwrite:
        raise SweepError("resume continues an analysis, overwrite replaces it: give one")
    check_sample_size(problem, method, n, second_order=second_order)
    check_analysable(problem)
    target = arguments.path("out", out)
    # A file, a link or someone else's directory is refused before anything is looked into.
    check_target(target, "sensitivity", overwrite=overwrite, resume=True)
    # One writer at a time on OUT, taken before an earlier analysis a killed one set aside
    # is settled: two starting at once each put it back, and the later deleted it.
    with locked(target):
        # An earlier analysis is kept aside until a run of the new one finishes: refused or
        # stopped before, it comes back.
        with replacing(
            target, "sensitivity", overwrite=overwrite, kept=lambda: finished_runs(target) > 0
        ):
            existed = target.exists()
            fresh = not existed or not any(target.iterdir())
            directory = OutputDirectory(target, "sensitivity")
            out = directory.path
            sp = PovsimProblemSpec(problem)
            try:
                sample(sp, method, n, second_order=second_order)
                record = problem.record(sp._drawn_with)
                # Resumed or not: without --resume it advised one, which was then refused.
                if differs := another_analysis(out / "runs", record, problem.base):
                    # Named for the analysis the user gave, not the sweep directory under it.
                    raise SweepError(
                        f"{out} holds another analysis ({differs}): use another --out to start "
                        "anew or --overwrite to replace it (out=, overwrite=True in Python)"
                    )
                if _damaged(out / "runs"):
                    # Named for the analysis: the sweep's own words were "the sweep cannot be
                    # checked ... use another --out", and no word of --overwrite.
                    raise SweepError(
                        f"{out / 'runs' / 'design.json'} is damaged: the analysis in {out} "
                        "cannot be checked against this one; use another --out to start anew "
                        "or --overwrite to replace it (out=, overwrite=True in Python)"
                    )
                if (out / "runs" / "design.json").exists() and not resume:
                    # Named for what the user ran, not for the sweep that keeps its runs.
                    raise SweepError(
                        f"{out} already holds a sensitivity analysis: add --resume to continue it "
                        "or --overwrite to replace it (resume=True, overwrite=True in Python)"
                    )
                if on_plan is not None:
                    on_plan(len(sp.samples) * problem.spec.replications, 0)
                # Refused above, another analysis's runs are kept and this session adds no
                # time to it.
                with directory.session(lambda: finished_runs(out) > 0):
                    sp.evaluate(
                        executor=executor,
                        workers=workers,
                        scheduler=scheduler,
                        out=out / "runs",
                        resume=resume,
                        on_result=on_result,
                        progress=progress,
                    )
            except BaseException:
                # Refused (a sample that makes an invalid scenario) or stopped before any run
                # finished: leave what was there before.
                if fresh and not finished_runs(out):
                    if existed:  # the user's own empty directory stays
                        for child in out.iterdir():
                            shutil.rmtree(child) if child.is_dir() else child.unlink()
                    else:
                        shutil.rmtree(out)
                raise
        # A stop while the last files are written is held until they are (finishing); a
        # failure or a second stop part-way counts this session's time, as the runs' do.
        with finishing(out), directory.session(lambda: finished_runs(out) > 0):
            analyze(sp, method, second_order=second_order)
            indices = indices_table(sp)
            yearly = time_varying_table(indices)
            directory.table("samples", pd.DataFrame(sp.samples, columns=problem.names))
            assert sp.evaluations is not None  # set by evaluate()
            directory.table("outputs", sp.evaluations.reset_index())
            directory.table("indices", indices)
            directory.table("time_varying", yearly)
            directory.figure("indices", sensitivity_bars(indices, method, sp.no_indices()))
            if not yearly.empty:  # a problem with no time-varying columns has no such figure
                directory.figure("time_varying", time_varying_indices(yearly, method))
            directory.manifest(
                method=method,
                n=n,
                # only Sobol' has second-order terms to ask for
                second_order=second_order if method == "sobol" else None,
                samples=len(sp.samples),
                runs=len(sp.samples) * problem.spec.replications,
                constant_outputs=sp.constant,
                constant_base_outputs=sp.constant_base,
                undefined_outputs=sp.undefined,
                problem=problem.spec.model_dump(mode="json"),
                base=problem.base.model_dump(mode="json"),
            )
    return sp
