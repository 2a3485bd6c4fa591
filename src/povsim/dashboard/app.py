"""The planner's dashboard: a Solara page built on Mesa's SolaraViz.

The sidebar holds the policy-mix panel (scenario, budget shares kept summing to what
the scenario gives the programs, budget level, exit threshold, two lines in one,
seed and replications), pinning, comparison and export. SolaraViz supplies the
model controls (step, play, reset; "render interval" 12 steps = one year) and lays
out the live views: page 0 follows the model year by year against the mix's
projection to the last year; page 1 compares up to four pinned mixes with
:func:`povsim.compare`.

Started by ``povsim dashboard``; the module reads ``POVSIM_DASHBOARD_SCENARIO`` (the
first scenario) and ``POVSIM_SCENARIOS_DIR`` (the shipped scenarios to choose from).
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from functools import partial
from pathlib import Path

import pandas as pd
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from povsim.config import ScenarioError
from povsim.dashboard import charts
from povsim.dashboard.policy import MAX_PINNED, Policy, scenario_files
from povsim.experiments.compare import Comparison, compare_scenarios
from povsim.experiments.executors import SerialExecutor
from povsim.plots.experiments import comparison_trajectories
from povsim.runs.metrics import format_value
from povsim.runs.runner import simulate
from povsim.sim.model import PovertyModel

__all__ = ["DashboardModel", "Page"]

STEPS_PER_CLICK = 12  # one year of monthly steps per Step


TABLE_OUTCOMES = (
    "incidence_end",
    "registered_people_end",
    "cumulative_exit_share",
    "cumulative_relapse_share",
    "cost_per_exit",
)
"""Outcomes of the comparison table (see :mod:`povsim.runs.metrics`)."""


def _table_metrics(end_year: int) -> dict[str, str]:
    """The comparison table's outcomes and their column labels."""
    labels = {"incidence_end": f"incidence {end_year}", "cost_per_exit": "cost per exit (yuan)"}
    return {name: labels.get(name, name.replace("_", " ")) for name in TABLE_OUTCOMES}


class DashboardModel(PovertyModel):
    """The live model: a :class:`PovertyModel` built from a dashboard :class:`Policy`.

    SolaraViz re-creates the model on Reset from the fixed parameters it was given
    (``policy``); it also passes Mesa's own experimental ``scenario`` object, which
    povsim does not use: povsim's scenario travels inside the policy.
    """

    def __init__(self, policy: Policy | None = None, scenario: object | None = None):
        self.policy = policy or _initial_policy()
        super().__init__(self.policy.scenario(), self.policy.seed)


def _scenarios_dir() -> Path:
    return Path(os.environ.get("POVSIM_SCENARIOS_DIR", "scenarios")).resolve()


def _initial_policy() -> Policy:
    first = os.environ.get("POVSIM_DASHBOARD_SCENARIO")  # empty: the baseline
    path = Path(first) if first else _scenarios_dir() / "baseline.toml"
    return Policy.from_file(path)


policy = solara.reactive(_initial_policy())
# The mix's name lives apart from the policy: renaming must not rebuild the model.
mix_name = solara.reactive(policy.value.label)
problem = solara.reactive("")
projected = solara.reactive(None)  # indicators of the whole horizon for the current mix
projected_for: solara.Reactive[Policy | None] = solara.reactive(None)
projection_seconds = solara.reactive(0.0)
pinned: solara.Reactive[list[Policy]] = solara.reactive([])
comparison: solara.Reactive[Comparison | None] = solara.reactive(None)
comparing = solara.reactive("")


SYNC_PROJECTION_HOUSEHOLDS = 20_000
"""Up to this many agents the projection runs at once (a fraction of a second), so the
charts redraw once per change; larger populations project in a thread."""


def _set_policy(new: Policy) -> None:
    """Accept a change only if it makes a valid scenario; else show why, keep the old one."""
    try:
        new.scenario()
    except ScenarioError as err:
        problem.set(str(err))
        return
    problem.set("")
    if new.base.population.households <= SYNC_PROJECTION_HOUSEHOLDS:
        _project(new)
    policy.set(new)


def _load(path: Path, source: str) -> None:
    try:
        loaded = Policy.from_file(path, source)
    except ScenarioError as err:
        problem.set(str(err))
        return
    _set_policy(loaded)
    mix_name.set(loaded.label)


def _upload(name: str, data: bytes) -> None:
    """Load a dropped scenario file; a bad one becomes the page's message."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        _load(path, f"upload: {Path(name).name}")


def _set_share(current: Policy, name: str, percent: int) -> None:
    _set_policy(current.with_share(name, percent / 100))


def _named(current: Policy) -> Policy:
    return current.with_(label=mix_name.value.strip() or current.base.name)


# ------------------------------------------------------------------ live views
def _figure(figure) -> None:
    solara.FigureMatplotlib(figure, format="png")


def StatusView(model: DashboardModel, assessed: int | None):
    """Where the live model is, and what the projection says for the last year."""
    with solara.Column() as column:
        solara.Markdown(f"**{model.policy.summary()}**")
        solara.Text(
            f"assessed up to {assessed}" if assessed else f"starting {model.config.start_year}",
            classes=["povsim-year"],
        )
        if projected.value is not None:
            last = projected.value.iloc[-1]
            solara.Text(
                f"projected {int(last['year'])}: incidence {last['incidence']:.1%}, "
                f"cumulative exit share {last['cumulative_exit_share']:.1%} "
                f"(updated in {projection_seconds.value:.2f} s)",
                classes=["povsim-projection"],
            )
    return column


# ------------------------------------------------------------------ comparison
def _comparison_table(result: Comparison) -> pd.DataFrame:
    """One row per mix: each headline metric's mean and 95% interval."""
    rows = []
    metrics = _table_metrics(result.scenarios[0].end_year)
    for name, group in result.table.groupby("scenario", sort=False):
        group = group.set_index("metric")
        row = {"mix": name}
        for metric, label in metrics.items():
            if metric not in group.index:
                continue
            r = group.loc[metric]
            row[label] = r["mean"]
            row[f"{label} 95% low"] = r["ci_low"]
            row[f"{label} 95% high"] = r["ci_high"]
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(name: str, value: float | None) -> str:
    return format_value(name, value)


def CompareView(model: DashboardModel):
    """Pinned mixes side by side: trajectories with bands and the headline table."""
    result = comparison.value
    with solara.Column() as column:
        solara.Markdown("### Compare pinned mixes")
        if comparing.value:
            solara.Info(comparing.value)
        if result is None:
            solara.Text("Pin two to four mixes in the sidebar, then press Compare.")
            return column
        table = _comparison_table(result)
        outcomes = _table_metrics(result.scenarios[0].end_year)
        labels = list(outcomes.values())
        solara.FigureMatplotlib(comparison_trajectories(result.trajectories), format="png")
        header = "| mix | " + " | ".join(labels) + " |"
        lines = [header, "|---" * (len(labels) + 1) + "|"]
        for row in table.to_dict("records"):
            cells = []
            for name, label in outcomes.items():
                mean, low, high = (
                    row.get(label),
                    row.get(f"{label} 95% low"),
                    row.get(f"{label} 95% high"),
                )
                cells.append(f"{_fmt(name, mean)} ({_fmt(name, low)}–{_fmt(name, high)})")
            lines.append(f"| {row['mix']} | " + " | ".join(cells) + " |")
        solara.Markdown("\n".join(lines))
        solara.Text(
            f"{result.replications} replications each on common seeds (seed {result.seed}); "
            "means with 95% intervals",
        )
        buffer = io.StringIO()
        table.to_csv(buffer, index=False)
        solara.FileDownload(
            buffer.getvalue(),
            filename="comparison.csv",
            label="Download comparison (CSV)",
            mime_type="text/csv",
        )
    return column


def _run_comparison() -> None:
    mixes = list(pinned.value)
    if len(mixes) < 2:
        comparing.set("Pin at least two mixes to compare.")
        return
    replications = max(2, mixes[0].replications)
    total = replications * len(mixes)
    done = {"n": 0}

    def tick(_result) -> None:
        done["n"] += 1
        comparing.set(f"comparing: {done['n']} of {total} runs")

    comparing.set(f"comparing: 0 of {total} runs")
    try:
        result = compare_scenarios(
            [m.scenario() for m in mixes],
            replications,
            mixes[0].seed,
            executor=SerialExecutor(),
            on_result=tick,
        )
    except (ScenarioError, ValueError) as err:
        comparing.set(f"cannot compare: {err}")
        return
    comparing.set("")
    comparison.set(result)


# ------------------------------------------------------------------ the policy panel
@solara.component
def PolicyPanel():
    current = policy.value
    files = scenario_files(_scenarios_dir())
    compare_task = solara.lab.use_task(_run_comparison, dependencies=None)

    def pick(name: str) -> None:
        _load(files[name], name)

    with solara.Card("Policy mix"):
        if problem.value:
            solara.Error(problem.value, classes=["povsim-problem"])
        choice = current.source if current.source in files else None
        solara.Select(
            "scenario",
            values=list(files),
            value=choice,  # type: ignore[arg-type]  # None shows no choice
            on_value=pick,  # type: ignore[arg-type]
        )
        solara.FileDrop(
            label="or drop a scenario file here",
            on_file=lambda info: _upload(info["name"], info["data"]),
            lazy=False,
        )
        solara.InputText("mix name", value=mix_name, continuous_update=True)
        solara.Markdown(
            "**Budget shares** (kept summing to %.0f%%)" % (100 * sum(current.shares.values()))
        )
        for name, share in current.shares.items():
            with solara.Column(classes=[f"povsim-share-{name}"], gap="0px"):
                solara.SliderInt(
                    f"{name} {share:.0%}",
                    value=round(100 * share),
                    min=0,
                    max=round(100 * sum(current.shares.values())),
                    on_value=partial(_set_share, current, name),
                )
        funds = sum(current.base.budget.total.get(y, 0.0) for y in current.base.years)
        money = funds * current.budget_scale / 1e6
        solara.SliderFloat(
            f"budget x{current.budget_scale:.2f} = {money:,.1f} m yuan",
            value=current.budget_scale,
            min=0.0,
            max=3.0,
            step=0.05,
            on_value=lambda v: _set_policy(current.with_(budget_scale=v)),
        )
        solara.SliderInt(
            f"exit threshold: line +{current.exit_margin:.0%}",
            value=round(100 * current.exit_margin),
            min=0,
            max=100,
            on_value=lambda v: _set_policy(current.with_(exit_margin=v / 100)),
        )
        if current.has_social_security:
            solara.Checkbox(
                label="two lines in one (dibao catches whoever falls back)",
                value=current.two_lines_in_one,
                on_value=lambda v: _set_policy(current.with_(two_lines_in_one=v)),
            )
        solara.InputInt(
            "seed", value=current.seed, on_value=lambda v: _set_policy(current.with_(seed=v))
        )
        solara.SliderInt(
            f"replications: {current.replications}",
            value=current.replications,
            min=2,
            max=50,
            on_value=lambda v: _set_policy(current.with_(replications=v)),
        )
        named = _named(current)
        toml = solara.use_memo(named.to_toml, dependencies=[current, named.label])
        solara.FileDownload(
            toml,
            filename=f"{named.label}.toml",
            label="Download scenario (TOML)",
            mime_type="application/toml",
        )

    with solara.Card("Compare"):
        labels = [m.label for m in pinned.value]

        def pin() -> None:
            named = _named(current)
            label, n = named.label, 2
            while label in labels:
                label, n = f"{named.label}-{n}", n + 1
            pinned.set([*pinned.value, named.with_(label=label)])

        solara.Button(
            "Pin this mix",
            on_click=pin,
            disabled=len(pinned.value) >= MAX_PINNED,
            color="primary",
        )
        for mix in pinned.value:
            with solara.Row():
                solara.Text(mix.summary(), classes=["povsim-pinned"])
                solara.Button(
                    "remove",
                    text=True,
                    on_click=lambda mix=mix: pinned.set([m for m in pinned.value if m is not mix]),
                )
        solara.Button(
            "Compare",
            on_click=compare_task,
            disabled=len(pinned.value) < 2 or compare_task.pending,
        )


def _project(current: Policy) -> None:
    """Run the mix to its last year for the dashed lines (once per mix)."""
    if projected_for.value is current:
        return
    clock = time.perf_counter()
    result = simulate(current.scenario(), current.seed, counterfactual=False)
    projection_seconds.set(time.perf_counter() - clock)
    projected.set(result.indicators)
    projected_for.set(current)


@solara.component
def LiveView(model: solara.Reactive[DashboardModel]):
    """Charts of the live model; SolaraViz's controller bumps ``update_counter`` each step."""
    update_counter.get()
    current = model.value
    live, years = current.indicators(), current.config.years
    assessed = int(live["year"].iloc[-1]) if len(live) else None
    StatusView(current, assessed)
    with solara.Columns([1, 1]):
        _figure(charts.poverty_chart(live, projected.value, years))
        _figure(charts.exits_chart(live, projected.value, years))
    with solara.Columns([1, 1]):
        _figure(charts.income_chart(live, projected.value, years))
        _figure(charts.village_grid(current, assessed))


@solara.component
def Page():
    current = policy.value
    solara.use_thread(lambda: _project(current), dependencies=[current])
    live: solara.Reactive[DashboardModel] = solara.use_reactive(
        solara.use_memo(lambda: DashboardModel(policy=current), dependencies=[current])
    )
    with solara.Sidebar():
        PolicyPanel()
    # SolaraViz gives the app bar and Mesa's model controls (step, play, reset) in the
    # sidebar; the views are ours, so they get proper tabs and the policy panel.
    SolaraViz(
        live,
        components=[],
        model_params={"policy": current},
        render_interval=STEPS_PER_CLICK,
        play_interval=300,
        name="povsim dashboard",
    ).key(f"viz-{id(current)}")
    with solara.lab.Tabs():
        with solara.lab.Tab("Live model"):
            LiveView(live)
        with solara.lab.Tab("Compare mixes"):
            CompareView(live.value)
