"""The planner's dashboard: a Solara page around a live Mesa model.

The sidebar holds the live model's controls (reset, play, step one year), the
policy-mix panel (scenario, budget shares kept summing to what the scenario gives the
programs, budget level, exit threshold, two lines in one, seed and replications),
pinning (kept in the browser: :mod:`povsim.dashboard.pins`), comparison and export. The
first tab follows the model year by year against the mix's projection to the last year
(the mean of its replications, refined as they finish); the second compares up to four
pinned mixes with :func:`povsim.compare`; the third shows a front stored by ``povsim
optimize`` and loads any of its mixes.
Charts are ECharts options drawn by the browser (:mod:`povsim.dashboard.charts`).

Started by ``povsim dashboard``; the module reads ``POVSIM_DASHBOARD_SCENARIO`` (the
first scenario), ``POVSIM_SCENARIOS_DIR`` (the shipped scenarios to choose from) and
``POVSIM_FRONTS_DIR`` (where to look for stored fronts).
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import solara
from solara.components.echarts import EchartsWidget
from solara.components.input import use_change

from povsim.config import ScenarioError
from povsim.config.limits import MAX_SEED
from povsim.dashboard import charts
from povsim.dashboard.drawer import DrawerKeys
from povsim.dashboard.pins import PinStore, pins_json, restore_pins
from povsim.dashboard.policy import (
    MAX_PINNED,
    Front,
    Policy,
    front_dirs,
    load_front,
    percents,
    scenario_files,
    shares_text,
)
from povsim.dashboard.upload import ScenarioUpload, load_upload
from povsim.experiments.compare import (
    COMPARED,
    COUNTED_NOTE,
    Comparison,
    compare_scenarios,
    unpaired_fields,
    unpaired_note,
)
from povsim.experiments.executors import SerialExecutor
from povsim.plots.common import Figure
from povsim.plots.experiments import comparison_trajectories
from povsim.runs.display import format_interval, money_unit
from povsim.runs.metrics import label, outcome
from povsim.runs.runner import simulate
from povsim.sim.model import PovertyModel

__all__ = ["DashboardModel", "Page"]


class _ThreadContexts(dict[str, Any]):
    """Solara's map of thread to kernel context, forgiving a thread that has already left.

    Closing a page's kernel (a reload, a closed tab) cancels the page's threads (the
    projection, a comparison) and then deletes every entry of a snapshot of this map that
    points at the kernel. A thread that ends between the snapshot and the deletion has
    removed its own entry, and the deletion raised ``KeyError`` into the server log
    (Solara 1.58 to at least 1.64, ``VirtualKernelContext.close``).
    """

    # A mark, not isinstance: a reloaded module defines the class anew, and wrapping the map
    # again would copy it while other threads write to it.
    forgiving = True

    def __delitem__(self, key: str) -> None:
        self.pop(key, None)


def _forgive_threads_that_left() -> None:
    from solara.server import kernel_context

    if not getattr(kernel_context.current_context, "forgiving", False):
        kernel_context.current_context = _ThreadContexts(kernel_context.current_context)


_forgive_threads_that_left()


class DashboardModel(PovertyModel):
    """The live model: a :class:`PovertyModel` built from a dashboard :class:`Policy`.

    A step of the live model is one whole year (``steps_per_year`` steps of the
    simulation and the year's assessment), whatever the scenario's steps per year, and
    the model stops after its last year: stepping a finished model does nothing.
    """

    def __init__(self, policy: Policy | None = None):
        self.policy = policy or _initial_policy()
        super().__init__(self.policy.scenario(), self.policy.seed)
        # The play loop steps in a thread while the page reads the indicators.
        self.lock = threading.Lock()
        self.village_scale = charts.village_scale(self)

    def step(self) -> None:
        """Simulate and assess one year (nothing once the last year is assessed)."""
        with self.lock:
            for _ in range(self.config.steps_per_year):
                if not self.running:
                    return
                super().step()

    @property
    def assessed(self) -> int | None:
        """The last assessed year (None before the first)."""
        return None if self.year == self.config.start_year else self.year - 1


def _scenarios_dir() -> Path:
    return Path(os.environ.get("POVSIM_SCENARIOS_DIR", "scenarios")).resolve()


def _fronts_dir() -> Path:
    return Path(os.environ.get("POVSIM_FRONTS_DIR", "runs")).resolve()


def _no_fronts() -> str:
    """What the Suggest tab says with no stored front: where to put one, relative to where
    the server runs (the page is the planners', and uploads' messages keep the server's
    paths out of it too)."""
    try:
        where = _fronts_dir().relative_to(Path.cwd()).as_posix()
    except ValueError:
        where = _fronts_dir().name
    return (
        f"No fronts under {where}: run `povsim optimize ... --out {where}/NAME` "
        "where the dashboard runs, and reload."
    )


def _initial_policy() -> Policy:
    first = os.environ.get("POVSIM_DASHBOARD_SCENARIO")  # empty: the baseline
    path = Path(first) if first else _scenarios_dir() / "baseline.toml"
    # Named as the picker names it (regions/guiyang.toml), so the picker shows it chosen.
    try:
        source = path.resolve().relative_to(_scenarios_dir().resolve()).as_posix()
    except ValueError:
        source = path.name
    return Policy.from_file(path, source)


policy = solara.reactive(_initial_policy())
# The mix's name lives apart from the policy: renaming must not rebuild the model.
mix_name = solara.reactive(policy.value.label)
problem = solara.reactive("")
projection: solara.Reactive[Projection | None] = solara.reactive(None)
pinned: solara.Reactive[list[Policy]] = solara.reactive([])
comparison: solara.Reactive[Comparison | None] = solara.reactive(None)
comparing = solara.reactive("")
pins_epoch = solara.reactive(0)
compare_cancelled = solara.reactive(False)
front: solara.Reactive[Front | None] = solara.reactive(None)
front_problem = solara.reactive("")


FEW_REPLICATIONS = 5
"""Under this many replications a comparison says its intervals are wide."""

SYNC_PROJECTION_HOUSEHOLDS = 20_000
"""Up to this many agents the first projection run is done at once (a fraction of a
second), so the charts redraw once per change; larger populations project in a thread."""


REFINE_AFTER = 0.3
"""Seconds the replications wait after a change: they share the interpreter with the
page, so the first run's charts go out first (and a quick next change cancels them)."""


@dataclass(frozen=True)
class Projection:
    """The mix's replications run to the last year so far, and their mean by year.

    Attributes:
        policy: the mix projected.
        runs: indicators of each finished replication (the comparison's seeds).
        seconds: how long the first run took.
    """

    policy: Policy
    runs: tuple[pd.DataFrame, ...]
    seconds: float

    @property
    def mean(self) -> pd.DataFrame:
        """Mean indicators by year over the finished replications."""
        if len(self.runs) == 1:
            return self.runs[0]
        frame = pd.concat(self.runs, ignore_index=True)
        return frame.groupby("year", as_index=False).mean(numeric_only=True)


class _Stale(Exception):
    """A projection run stopped part-way: its mix is no longer the page's."""


def _replication(
    current: Policy, replication: int, stale: Callable[[], bool] | None = None
) -> pd.DataFrame:
    def check(_model: object) -> None:
        if stale is not None and stale():
            raise _Stale

    scenario = current.scenario()
    return simulate(
        scenario, current.seed, replication=replication, counterfactual=False, on_step=check
    ).indicators


def _project_first(current: Policy, stale: Callable[[], bool] | None = None) -> None:
    """The first replication: the dashed lines show a change at once."""
    clock = time.perf_counter()
    runs = (_replication(current, 0, stale),)
    projection.set(Projection(current, runs, time.perf_counter() - clock))


_PROJECTING = threading.Lock()
"""One projection run at a time: eight quick slider steps on the national profile had
started eight 200,000-agent runs at once (3.7 GB, kept by the allocator after)."""


def _project_rest(current: Policy, cancel: threading.Event) -> None:
    """The replications not yet run, in a thread; each one finished refines the mean, so
    the projection does not jump with one seed's noise. A newer mix cancels it, and one
    that comes before a run starts means the run is never started."""

    def stale() -> bool:
        return cancel.is_set() or policy.value is not current

    try:
        if not _projected(current):
            # a large population's first run: after a pause, so a quick next change skips it
            if cancel.wait(REFINE_AFTER):
                return
            with _PROJECTING:
                if stale():
                    return
                _project_first(current, stale)
        if cancel.wait(REFINE_AFTER):
            return
        for replication in range(1, current.replications):
            with _PROJECTING:
                if stale():
                    return
                indicators = _replication(current, replication, stale)
            done = projection.value
            if stale() or done is None or done.policy is not current:
                return
            projection.set(replace(done, runs=(*done.runs, indicators)))
    except _Stale:  # a newer mix came while a run was under way: it stops at its next step
        return


def _projected(current: Policy) -> Projection | None:
    """The projection of ``current``, if one has started (never a stale one)."""
    done = projection.value
    return done if done is not None and done.policy is current else None


def _set_policy(new: Policy) -> None:
    """Accept a change only if it makes a valid scenario; else show why, keep the old one."""
    _accept(new)


def _accept(new: Policy) -> bool:
    """:func:`_set_policy`, saying whether the change was accepted."""
    try:
        new.scenario()
    except ScenarioError as err:
        problem.set(str(err))
        return False
    problem.set("")
    if new == policy.value:
        # The same mix again (Enter or Tab through a field): Solara keeps the old object,
        # so a projection started for the new one would never be shown.
        return True
    if new.base.population.households <= SYNC_PROJECTION_HOUSEHOLDS:
        _project_first(new)
    policy.set(new)
    return True


def _kept(loaded: Policy) -> Policy:
    """Another mix with what the planner chose stays: the replications (another mix is not
    another precision) and a seed they typed (a scenario's own seed replaced it silently)."""
    now = policy.value
    seed = now.seed if now.seed != now.base.seed else loaded.seed
    return loaded.with_(replications=now.replications, seed=seed)


def _load(path: Path, source: str) -> None:
    try:
        # The planner's replications stay with them: another mix is not another precision.
        loaded = _kept(Policy.from_file(path, source))
    except ScenarioError as err:
        problem.set(str(err))
        return
    except Exception as err:  # a page must outlive any file: say what failed, keep the mix
        problem.set(f"{source}: could not be loaded ({type(err).__name__}: {err})")
        return
    _set_policy(loaded)
    mix_name.set(loaded.label)


def _upload(name: str, data: bytes) -> bool:
    """Load an uploaded scenario file; a bad or unsafe one becomes the page's message.
    Whether the file is now the mix in force."""
    try:
        loaded = _kept(load_upload(name, data, _scenarios_dir()))
    except ScenarioError as err:
        problem.set(str(err))
        return False
    except Exception as err:  # untrusted input must never take the page down
        problem.set(f"upload: {Path(name).name}: could not be loaded ({type(err).__name__}: {err})")
        return False
    if not _accept(loaded):
        return False
    mix_name.set(loaded.label)
    return True


BUDGET_STEP = 0.05
"""The budget slider's step."""


def _set_budget(current: Policy, scale: float) -> None:
    """A budget level the planner moved to. The slider snaps a loaded level to its step and
    sends that back (Shandan's calibrated 0.140 became 0.15, and the export with it): a
    value within half a step of the mix's own is the snap, not a move."""
    if abs(scale - current.budget_scale) < BUDGET_STEP / 2:
        return
    _set_policy(current.with_(budget_scale=scale))


def _reset_budget(current: Policy) -> None:
    """Back to the scenario's own level, which the slider's step may not reach (a calibrated
    level such as Shandan's could not be had again once moved, but by picking the scenario
    anew)."""
    _set_policy(current.with_(budget_scale=current.base.budget.scale))


def _set_share(current: Policy, name: str, percent: int) -> None:
    _set_policy(current.with_share(name, percent / 100))


def _own_budgets(current: Policy) -> str:
    """The programs with budgets of their own, which the shares and the budget level do not
    move, with their money over the run; empty if there are none."""
    base = current.base
    own = {
        name: sum(program.budget.get(year, 0.0) for year in base.years)
        for name, program in base.programs.items()
        if program.budget
    }
    if not own:
        return ""
    unit, word = money_unit(sum(own.values()))
    each = ", ".join(
        f"{name} {money / unit:,.1f}" for name, money in sorted(own.items(), key=lambda kv: -kv[1])
    )
    return (
        f"besides: programs with budgets of their own, which neither the shares nor the budget "
        f"level move, {sum(own.values()) / unit:,.1f} {word} yuan ({base.start_year}-"
        f"{base.end_year}): {each}"
    )


def _named(current: Policy) -> Policy:
    """The mix under the name the planner gave it; a shipped scenario's levers moved and the
    name left, the name says so: "baseline" pinned for industry at 30% made the real baseline,
    pinned after it, "baseline-2", and a comparison's reference row a mix it was not."""
    label = mix_name.value.strip() or current.base.name
    if label == current.base.name and current.edited:
        label = f"{label}-edited"
    return current.with_(label=label)


# ------------------------------------------------------------------ live views
_SET_OPTION = "this.chart.setOption(this.option, true);"


def _echarts_template() -> str:
    """Solara's ECharts template with the guard Solara added after 1.58 (the pinned release,
    the last with offline assets): an option that arrives before ECharts has loaded is
    drawn when the chart is created, instead of failing in the browser on ``setOption``.
    The first call in the template is the option watcher's (Solara 1.58.2, pinned)."""
    file, name = EchartsWidget.template_file
    text = (Path(file).parent / name).read_text(encoding="utf-8")
    return text.replace(_SET_OPTION, f"if (this.chart) {_SET_OPTION}", 1)


class _Echarts(EchartsWidget):
    template_file = None  # type: ignore[assignment]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(template=_TEMPLATE, **kwargs)


_TEMPLATE = _echarts_template()


def _chart(option: dict, name: str) -> None:
    # The digest marks the chart's content in the page, so tests and the benchmark can
    # tell when the browser has the new figure.
    digest = hashlib.blake2b(json.dumps(option).encode(), digest_size=6).hexdigest()
    _Echarts.element(
        option=option,
        attributes={
            "style": "height: 340px; width: 100%;",
            "class": f"povsim-chart povsim-chart-{name}",
            "data-digest": digest,
        },
        responsive=True,
    )


@solara.component
def StatusView(model: DashboardModel):
    """The mix, under the name being typed for it, and what the projection says for the last
    year. A component of its own: a keystroke in the name re-renders only this line."""
    with solara.Column() as column:
        # escaped for markdown too: a name typed "2*3*4 mix" showed its 3 in italics
        _markdown(f"**{_markdown_text(_named(model.policy).summary())}**")
        done = _projected(model.policy)
        if done is None:
            solara.Text("projecting…", classes=["povsim-projection"])
        else:
            last = done.mean.iloc[-1]
            runs = len(done.runs)
            of = (
                f"mean of {runs} runs"
                if runs == model.policy.replications
                else (f"mean of {runs} of {model.policy.replications} runs, more coming")
            )
            solara.Text(
                f"projected {int(last['year'])}: incidence {last['incidence']:.1%}, "
                f"cumulative exit share {last['cumulative_exit_share']:.1%} "
                f"({of}; first in {done.seconds:.2f} s)",
                classes=["povsim-projection"],
            )
    return column


# ------------------------------------------------------------------ comparison
def _comparison_table(result: Comparison) -> pd.DataFrame:
    """One row per mix: each headline metric's mean, 95% interval and the runs it is of, and
    its paired difference from the first mix with its interval, whether that excludes 0 and
    the pairs it is of (empty for the first). Headers name the unit the values are in (the
    page's own table shows money in millions and shares in percent; the file keeps yuan and
    fractions)."""
    rows = []
    for name, group in result.table.groupby("scenario", sort=False):
        group = group.set_index("metric")
        row = {"mix": name}
        for metric in COMPARED:
            if metric not in group.index:
                continue
            header = _with_unit(metric)
            r = group.loc[metric]
            row[header] = r["mean"]
            row[f"{header} 95% low"] = r["ci_low"]
            row[f"{header} 95% high"] = r["ci_high"]
            # what the page's "(k of N)" says: a county exit year is of the runs it exited in
            row[f"{header} runs"] = r["n"]
            row[f"{header} Δ"] = r["diff_mean"]
            row[f"{header} Δ 95% low"] = r["diff_ci_low"]
            row[f"{header} Δ 95% high"] = r["diff_ci_high"]
            row[f"{header} Δ significant"] = r["diff_significant"]
            row[f"{header} Δ pairs"] = r["diff_n"]
        rows.append(row)
    return pd.DataFrame(rows)


def _with_unit(metric: str) -> str:
    """An outcome's name with the unit its values are stored in: "spending (yuan)",
    "incidence end (fraction)"."""
    unit = outcome(metric).unit
    words = label(metric)
    if unit == "yuan":
        return words  # label() says it
    return f"{words} ({'fraction' if unit == 'share' else unit})"


CELL = "padding:3px 12px;text-align:right;vertical-align:top;"
"""The style of a table cell the dashboard renders."""


def _markdown(text: str) -> None:
    """Markdown rendered on the server: Solara's own Markdown loads KaTeX from a CDN on
    every update, which a page with no internet cannot reach (a failed script each time).
    Text from files or the planner is escaped where it is put in."""
    import markdown

    page = markdown.markdown(text, extensions=["tables"])
    # Unstyled, a table's cells touch: its headers ran together.
    page = page.replace("<th>", f'<th style="{CELL}border-bottom:1px solid #bbb">')
    page = page.replace("<td>", f'<td style="{CELL}">')
    solara.HTML(tag="div", unsafe_innerHTML=page)


def CompareView(model: DashboardModel):
    """Pinned mixes side by side: trajectories with bands and the headline table."""
    result = comparison.value
    # Drawn once a comparison: redrawn at every "comparing: N of M runs" of the next one, the
    # figure kept a core busy and the next comparison took four times as long.
    figure = solara.use_memo(
        lambda: None if result is None else _png(comparison_trajectories(result.trajectories)),
        dependencies=[result],
    )
    with solara.Column() as column:
        _markdown("### Compare pinned mixes")
        if comparing.value:
            solara.Info(comparing.value)
        if result is None:
            if not comparing.value:  # not beside "comparing: 8 of 9 runs"
                solara.Text("Pin two to four mixes in the sidebar, then press Compare.")
            return column
        table = _comparison_table(result)
        solara.Image(figure, classes=["povsim-comparison-figure"])
        solara.Style(
            ".povsim-comparison-figure, .povsim-comparison-figure img "
            "{ max-width: 100%; height: auto; }"
        )
        headers = result.shown()
        header = "| mix | " + " | ".join(headers.values()) + " |"
        lines = [header, "|---" * (len(headers) + 1) + "|"]
        first = result.scenarios[0].name
        for scenario, difference, cells in result.cells():
            mix = f"Δ vs {_markdown_text(first)}" if difference else _markdown_text(scenario)
            # escaped: markdown reads a pair of asterisks as emphasis
            shown = (_unbroken(c).replace("*", "\\*") for c in cells)
            lines.append(f"| {mix} | " + " | ".join(shown) + " |")
        # Its own scroll: at 800 px the table ran 6 px past the page
        with solara.Column(classes=["povsim-comparison"], style={"overflow-x": "auto"}):
            _markdown("\n".join(lines))
        if result.counted():  # "2017 (1 of 4)": what the count is
            solara.Text(COUNTED_NOTE, classes=["povsim-counted"])
        for note in _unpaired_notes(result):
            solara.Warning(note, classes=["povsim-unpaired"])
        if result.replications < FEW_REPLICATIONS:
            # two runs gave bands from 0 to 40% and intervals under zero, without a word
            solara.Warning(
                f"{result.replications} replications give wide intervals: raise the "
                f"replications to {FEW_REPLICATIONS} or more before reading a difference",
                classes=["povsim-few-replications"],
            )
        # A paired comparison runs every mix on the same seeds: say whose, and which
        # pinned settings it did not use.
        others = sorted({m.seed for m in pinned.value} - {result.seed})
        unused = (
            f"; the other pinned seeds ({', '.join(map(str, others))}) are not used"
            if others
            else ""
        )
        solara.Text(
            f"{result.replications} replications each (the most any pinned mix asks for) on "
            f"common seeds: seed {result.seed}, the first pinned mix's{unused}; means ± the "
            "half-width of their 95% intervals (≤x or ≥x: its other end, where cut at 0 or 100%; "
            "0–100%: cut at both), "
            f"and under each mix its paired difference from {first} (Δ; shares in percentage "
            "points; *: its 95% interval excludes 0)",
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


def _png(figure: Figure) -> bytes:
    """A figure as PNG bytes, drawn once."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _unpaired_notes(result: Comparison) -> list[str]:
    """As `povsim compare` notes them: two counties' difference is not a mix's effect."""
    reference = result.scenarios[0]
    return [
        unpaired_note(other.name, reference.name, fields)
        for other in result.scenarios[1:]
        if (fields := unpaired_fields(reference, other))
    ]


def _pin_text(mix: Policy) -> str:
    """A pinned mix as pinned: its seed and replications too, which the comparison's own
    (the first mix's seed, the most replications) may differ from."""
    runs = f"{mix.replications} replication{'s' if mix.replications != 1 else ''}"
    return f"{mix.summary()}; seed {mix.seed}, {runs}"


def _unpin(mix: Policy) -> None:
    """Take a mix off the pins; a comparison that showed it is out of date, and goes."""
    pinned.set([m for m in pinned.value if m is not mix])
    shown = comparison.value
    if shown is not None and mix.label in {s.name for s in shown.scenarios}:
        comparison.set(None)


def _unbroken(cell: str) -> str:
    """A table cell that may wrap only between its value and its interval, as the CLI's
    does: the narrow page broke "-0.2 pp ±0.1 pp" before its last "pp"."""
    # "0.3% ±0.5%", or "0.3% (≤0.8%)" where the interval was cut at a limit
    value, sign, interval = cell.partition(" ±" if " ±" in cell else " (")
    # a browser breaks after a dash too: "(0–" then "100%)"
    interval = interval.replace(" ", NBSP).replace("–", "–" + WORD_JOINER)
    return f"{value.replace(' ', NBSP)}{' ' if sign else ''}{sign.strip()}" + interval


NBSP = "\u00a0"
WORD_JOINER = "\u2060"
"""No break here, and no space: after a dash, where a browser would break a cell."""


def _markdown_text(text: str) -> str:
    """``text`` as it is inside a Markdown table: a mix named ``a|b`` or ``*x*`` kept its
    characters out of the table's syntax only as entities."""
    escaped = html.escape(text)
    return "".join(f"&#{ord(c)};" if c in "|*_`[]\\" else c for c in escaped)


def _restore_pins(text: str) -> None:
    """Pin again the mixes this browser kept (a reload starts a new session); one whose shipped
    scenario has changed since comes back under its name marked
    (:data:`povsim.dashboard.pins.OLD_SETTINGS`)."""
    restored, problems = restore_pins(text, _scenarios_dir(), MAX_PINNED)
    labels = {m.label for m in pinned.value}
    fresh = [m for m in restored if m.label not in labels]
    pinned.set([*pinned.value, *fresh][:MAX_PINNED])
    if problems:
        problem.set("\n".join(problems))  # one a line, as the page shows problems
    pins_epoch.set(pins_epoch.value + 1)


def _sync_pins(text: str) -> None:
    """Take the pins another tab of this browser wrote, removals too: two tabs each wrote
    their own list, and the last to write dropped the other's pins."""
    restored, problems = restore_pins(text, _scenarios_dir(), MAX_PINNED)
    pinned.set(restored)
    if problems:
        problem.set("\n".join(problems))


class _Cancelled(Exception):
    """The planner cancelled the comparison under way."""


_COMPARING = threading.Lock()
"""Held while the comparison's message is read and written: Cancel and the comparison's
thread both write it, and Cancel once appended to the thread's last word ("comparison
cancelled after 17 of 200 runs; cancelling after the run under way", left on screen)."""


def _cancel_comparison() -> None:
    """Stop the comparison under way once the run in progress finishes."""
    with _COMPARING:
        compare_cancelled.set(True)
        shown = comparing.value
        if shown.startswith("comparing:"):  # not once the comparison has ended
            comparing.set(f"{shown}; cancelling after the run under way")


def _session_closed() -> threading.Event | None:
    """Set once this page's session is freed (its tab closed, after the cull delay); None
    outside a served page (tests, a notebook)."""
    from solara.server import kernel_context

    if not kernel_context.has_current_context():
        return None
    return kernel_context.get_current_context().closed_event


def _run_comparison() -> None:
    closed = _session_closed()
    mixes = list(pinned.value)
    if len(mixes) < 2:
        comparing.set("Pin at least two mixes to compare.")
        return
    replications = max(2, *(m.replications for m in mixes))
    total = replications * len(mixes)
    done = {"n": 0}
    compare_cancelled.set(False)

    def unpinned() -> bool:
        """A compared mix taken off the pins meanwhile: the comparison would show it."""
        return any(all(m is not p for p in pinned.value) for m in mixes)

    def gone() -> bool:
        """The tab closed and its session was freed: nobody is left to see the table, and
        its runs kept a core busy for minutes (a thread is not stopped with its session)."""
        return closed is not None and closed.is_set()

    def tick(_result) -> None:
        done["n"] += 1
        # Between runs is the one place to stop: fifty replications of four mixes took
        # minutes that the planner could only wait out.
        # The session first: once it is freed, its reactive values read another scope's.
        with _COMPARING:
            if (gone() or compare_cancelled.value or unpinned()) and done["n"] < total:
                raise _Cancelled
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
    except _Cancelled:
        if gone():
            return
        progress = f"after {done['n']} of {total} runs"
        with _COMPARING:
            comparing.set(
                f"comparison stopped {progress}: a compared mix was taken off the pins"
                if unpinned()
                else f"comparison cancelled {progress}"
            )
        return
    except (ScenarioError, ValueError) as err:
        comparing.set(f"cannot compare: {err}")
        return
    finally:
        if not gone():
            compare_cancelled.set(False)
    if gone():
        return  # closed during the last run: nobody to show the table to
    if unpinned():
        comparing.set("comparison dropped: a compared mix was taken off the pins")
        return
    comparing.set("")
    comparison.set(result)


# ------------------------------------------------------------------ suggested mixes
def _load_front(path: Path) -> None:
    try:
        front.set(load_front(path))
    except ScenarioError as err:
        front_problem.set(str(err))
        return
    front_problem.set("")


def _use_member(member: str) -> None:
    """Make a front member the current mix (its name is the member's)."""
    shown = front.value
    if shown is None:
        return
    try:
        # the planner's replications stay with them, as for a picked or an uploaded file
        loaded = _kept(shown.policy(member))
    except ScenarioError as err:
        front_problem.set(str(err))
        return
    front_problem.set("")
    _set_policy(loaded)
    mix_name.set(loaded.label)


def _front_markdown(shown: Front) -> str:
    """The front as a table: each member's scores and its largest shares."""
    names = [o.partition(":")[2] or o for o in shown.objectives]
    # as the comparison table heads them: spending in millions or billions (it read
    # 28,351,204)
    spent = shown.table["spending_yuan"] if "spending_yuan" in shown.table else pd.Series([0.0])
    money, word = money_unit(float(spent.abs().max()))
    headers = [
        f"spending ({word} yuan)" if n == "spending_yuan" else COMPARED.get(n, label(n))
        for n in names
    ]
    nan = float("nan")

    def cell(name: str, value: float) -> str:
        # the comparison's cell, no interval
        return format_interval(name, value, nan, nan, money=money)

    lines = ["| member | " + " | ".join(headers) + " | largest shares |"]
    lines.append("|---" * (len(names) + 2) + "|")
    for row in shown.table.to_dict("records"):
        # the whole mix: the front's table holds only the searched programs' shares, and an
        # unsearched program with more money read as absent
        mix = shown.mix_shares(str(row["member"]))
        cells = [cell(n, float(row[n])) if n in row else "-" for n in names]
        shares = shares_text(mix, most=3) or "-"
        lines.append(f"| {row['member']} | " + " | ".join(cells) + f" | {shares} |")
    return "\n".join(lines)


@solara.component
def SuggestView():
    """A stored Pareto front: its figure, its mixes, and a button to use each."""
    fronts = front_dirs(_fronts_dir())
    shown = front.value
    first = next(iter(fronts.values()), None)

    def show_first() -> None:
        if front.value is None and first is not None:
            _load_front(first)

    solara.use_effect(show_first, [first])
    with solara.Column() as column:
        _markdown("### Suggested mixes (a stored Pareto front)")
        if front_problem.value:
            solara.Error(front_problem.value, classes=["povsim-front-problem"])
        if not fronts and shown is None:
            solara.Text(_no_fronts())
            return column
        names = {path: name for name, path in fronts.items()}
        solara.Select(
            "front",
            values=list(fronts),
            value=names.get(shown.path) if shown is not None else None,
            on_value=lambda name: _load_front(fronts[name]),
        )
        if shown is None:
            return column
        if shown.figure is not None:
            # at its own size at most: stretched to the tab's width it was blurred and pushed
            # the table and its buttons out of the window
            solara.Image(str(shown.figure), classes=["povsim-front-figure"])
            solara.Style(
                ".povsim-front-figure, .povsim-front-figure img { max-width: 100%; height: auto; }"
            )
        _markdown(_front_markdown(shown))
        if shown.searched:
            solara.Text(shown.searched, classes=["povsim-front-searched"])
        with solara.Row(classes=["povsim-front-members"]):
            for member in shown.members:
                solara.Button(
                    f"use {member}",
                    on_click=partial(_use_member, member),
                    classes=[f"povsim-front-{member}"],
                )
    return column


# ------------------------------------------------------------------ the policy panel
LABEL_ABOVE = "povsim-label-above"
"""A slider whose label is the text above it: the slider keeps the label, so a screen
reader names it, and does not show it beside the track, where it squeezed the track."""
_LABEL_ABOVE_CSS = (
    f".{LABEL_ABOVE} .v-label {{ display: none; }}"
    # a mix named without spaces widened the sidebar over the charts: names break anywhere
    " .povsim-pinned, .povsim-problem { overflow-wrap: anywhere; min-width: 0; flex: 1 1 0; }"
    # On a phone the drawer (401 px) was wider than the screen: it covered the menu button
    # and left nothing to tap to close it.
    " .v-navigation-drawer { min-width: min(400px, 85vw) !important; max-width: 85vw !important; }"
)


def _slider(kind: Callable[..., Any], words: str, block: str, **options: Any) -> None:
    """A slider with its words above it (:data:`LABEL_ABOVE`), in a block of its own
    (``block``: the class that names it), so every track starts at the panel's edge."""
    with solara.Column(classes=[block, LABEL_ABOVE], gap="0px"):
        solara.Text(words)
        kind(words, **options)


@solara.component
def PolicyPanel():
    current = policy.value
    solara.Style(_LABEL_ABOVE_CSS)
    # Read once a session: listing them parses every shipped file (about 13 ms), and the
    # panel redraws with every slider step.
    files = solara.use_memo(lambda: scenario_files(_scenarios_dir()), dependencies=[])
    compare_task = solara.lab.use_task(_run_comparison, dependencies=None)

    def pick(name: str) -> None:
        _load(files[name], name)

    with solara.Card("Policy mix"):
        # Always one element here: a message appearing must not shift (and so re-create)
        # the widgets below it, the upload zone among them.
        with solara.Column(gap="0px"):
            if problem.value:
                with solara.Error(classes=["povsim-problem"]):
                    for line in problem.value.splitlines():  # one problem a line
                        solara.Text(line, style={"display": "block"})
        choice = current.source if current.source in files else None
        solara.Select(
            "scenario",
            values=list(files),
            value=choice,  # type: ignore[arg-type]  # None shows no choice
            on_value=pick,  # type: ignore[arg-type]
        )
        # Always one element here too: the line appearing re-created the upload zone below
        # it, and with it the thread reading the file, which stopped before the mix was named.
        with solara.Column(gap="0px"):
            if choice is None and current.source:
                # an upload or a front member: the list, left blank, no longer said where the
                # mix came from
                solara.Text(f"loaded from {current.source}", classes=["povsim-source"])
        ScenarioUpload(on_file=_upload, on_refused=problem.set)
        solara.InputText("mix name", value=mix_name, continuous_update=True)
        total = sum(current.shares.values())
        if total > 0:
            # rounded shares may add to 102%: the heading gives the total they keep, and
            # where the rest of the money is when they keep less (it read as lost)
            rest = (
                "; the scenario gives the rest of the budget to no program" if total < 0.995 else ""
            )
            _markdown(f"**Budget shares** (kept summing to {100 * total:.0f}%{rest})")
        else:
            # sliders from 0 to 0 could not move and drew the last mix's handles
            _markdown(
                "**Budget shares**: this mix spends none of the budget (every share is 0); "
                "start from another scenario to change a mix"
            )
        shown = percents(current.shares)
        for name in current.shares if total > 0 else ():
            # the words above: beside the track, each track began where its label ended,
            # so a 10% share's handle sat right of a 25% one's
            _slider(
                solara.SliderInt,
                f"{name} {shown[name]}%",
                f"povsim-share-{name}",
                value=shown[name],
                min=0,
                max=round(100 * sum(current.shares.values())),
                on_value=partial(_set_share, current, name),
            )
        funds = sum(current.base.budget.total.get(y, 0.0) for y in current.base.years)
        money = funds * current.budget_scale
        unit, word = money_unit(money)  # as the comparison's table shows spending
        amount = f"{money / unit:,.1f} {word} yuan"
        budget = (
            f"budget {current.budget_text()} = {amount} "
            f"({current.base.start_year}-{current.base.end_year})"
        )
        _slider(
            solara.SliderFloat,
            budget,
            "povsim-budget",
            value=current.budget_scale,
            min=0.0,
            max=3.0,
            step=BUDGET_STEP,
            on_value=partial(_set_budget, current),
        )
        level = current.base.budget.scale
        if abs(current.budget_scale - level) > 1e-9:
            solara.Button(
                f"back to x{level:.3g}, the scenario's",
                text=True,
                small=True,
                on_click=partial(_reset_budget, current),
                classes=["povsim-budget-reset"],
            )
        # A planner read "budget barely matters" from spending of half of it at x1 and
        # some at x0: say what the budget bounds and what it does not.
        solara.Text(
            "what the shares may spend: a program spends only on the eligible households that "
            "take it up, and guaranteed programs (from their guaranteed year), the minimum "
            "living allowance and the monitoring's help are paid outside it",
            classes=["povsim-budget-note"],
            style={"font-size": "0.8em"},
        )
        if own := _own_budgets(current):
            # The national profile's spending was ten times the budget shown here: most of
            # its money is in programs with budgets of their own, which no slider moves.
            solara.Text(own, classes=["povsim-own-budgets"], style={"font-size": "0.8em"})
        threshold = (
            f"exit threshold: standard +{current.exit_margin:.0%} = "
            f"{current.exit_income(current.base.end_year):,.0f} yuan in "
            f"{current.base.end_year}"
        )
        _slider(
            solara.SliderInt,
            threshold,
            "povsim-exit-threshold",
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
        SeedInput(current.seed, lambda v: _set_policy(current.with_(seed=v)))
        _slider(
            solara.SliderInt,
            f"replications: {current.replications}",
            "povsim-replications",
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
        stored = solara.use_memo(lambda: pins_json(pinned.value), dependencies=[pinned.value])
        PinStore(
            value=stored,
            epoch=pins_epoch.value,
            event_restore=_restore_pins,
            event_sync=_sync_pins,
        )

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
        if len(pinned.value) >= MAX_PINNED:  # the button greyed out without a word
            solara.Text(
                f"{MAX_PINNED} mixes pinned, the most a comparison takes: unpin one to pin another",
                classes=["povsim-pins-full"],
            )
        for mix in pinned.value:
            with solara.Row():
                solara.Text(_pin_text(mix), classes=["povsim-pinned"])
                solara.Button(
                    "remove",
                    text=True,
                    on_click=lambda mix=mix: _unpin(mix),
                    # a screen reader heard three buttons all named "remove"
                    attributes={"aria-label": f"remove {mix.label}"},
                )
        with solara.Row():
            solara.Button(
                "Compare",
                on_click=compare_task,
                disabled=len(pinned.value) < 2 or compare_task.pending,
            )
            if compare_task.pending:
                solara.Button(
                    "Cancel",
                    on_click=_cancel_comparison,
                    disabled=compare_cancelled.value,
                    text=True,
                )


@solara.component
def SeedInput(seed: int, on_seed: Callable[[int], None]):
    """The seed, applied on Enter or on leaving the field.

    What is typed reaches the server as it is typed: a page update while the user types
    (the projection refining) would otherwise put the old seed back in the field.
    """
    text, set_text = solara.use_state(str(seed))
    solara.use_effect(lambda: set_text(str(seed)), [seed])
    shown_problem = problem.value

    def back_to_the_seed_in_use() -> None:
        # another change cleared the seed's error: the field shows the seed the mix uses,
        # not a refused one beside no error
        if not shown_problem and text != str(seed):
            set_text(str(seed))

    solara.use_effect(back_to_the_seed_in_use, [shown_problem])

    def apply(typed: str | None) -> None:
        try:
            value = int((typed or "").strip())
        except ValueError:
            problem.set(f"seed: {typed!r} is not a whole number")
            return
        if not 0 <= value <= MAX_SEED:
            problem.set(f"seed: a whole number from 0 to {MAX_SEED:,}, not {value:,}")
            return
        on_seed(value)

    # The refusal beside the field too: the page's message sits under the heading, out of
    # sight from the foot of the sidebar, and the field showed "abc" as if it were in force.
    mine = shown_problem if shown_problem.startswith("seed: ") else ""
    field = solara.v.TextField(
        label="seed",
        v_model=text,
        on_v_model=set_text,
        error_messages=[mine.removeprefix("seed: ")] if mine else [],
    )
    use_change(field, apply)
    return field


PLAY_SECONDS = 0.6
"""Pause between years while playing, so each year can be read."""


@solara.component
def YearControls(model: solara.Reactive[DashboardModel], shown: solara.Reactive[int]):
    """Reset, play and step the live model a year at a time; the year it has reached."""
    current = model.value
    playing = solara.use_reactive(False)
    shown.get()  # the model changes in place: re-render after every year

    def step() -> None:
        current.step()
        shown.set(shown.value + 1)
        if not current.running:
            playing.set(False)

    def play(cancel: threading.Event) -> None:
        while playing.value and current.running and not cancel.is_set():
            time.sleep(PLAY_SECONDS)
            if not cancel.is_set():
                step()

    solara.use_thread(play, dependencies=[playing.value, current], intrusive_cancel=False)

    def reset() -> None:
        playing.set(False)
        model.set(DashboardModel(policy=current.policy))

    years = current.config.years
    if current.assessed is None:
        where = f"{years.start}–{years.stop - 1}: not started"
    elif current.running:
        where = f"assessed up to {current.assessed} (of {years.start}–{years.stop - 1})"
    else:
        where = f"assessed up to {current.assessed}: finished"
    with solara.Card("Live model"):
        solara.Text(where, classes=["povsim-year"])
        # wrapped on a phone's drawer, where "Step one year" ran past the card's edge
        with solara.Row(justify="space-between", style={"flex-wrap": "wrap", "row-gap": "8px"}):
            solara.Button("Reset", color="primary", on_click=reset)
            solara.Button(
                "Pause" if playing.value else "Play",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                disabled=not current.running,
            )
            solara.Button(
                "Step one year",
                color="primary",
                on_click=step,
                disabled=playing.value or not current.running,
            )


@solara.component
def LiveView(model: DashboardModel, shown: int):
    """Charts of the live model so far against the mix's projection; ``shown`` changes
    after every year so the charts follow."""
    with model.lock:
        live = model.indicators()
        villages = charts.village_chart(model, model.assessed, model.village_scale)
    done = _projected(model.policy)
    projected = done.mean if done is not None else None
    years = model.config.years
    StatusView(model)
    # One chart a row below a laptop's width: two on a phone were 171 px wide each, their
    # titles cut and their axes' names over each other.
    with solara.ColumnsResponsive(12, medium=6):
        _chart(charts.poverty_chart(live, projected, years), "poverty")
        _chart(charts.exits_chart(live, projected, years), "exits")
        _chart(charts.income_chart(live, projected, years), "income")
        _chart(villages, "villages")


@solara.component
def Projector(current: Policy):
    """Refines the projection in a thread. A component of its own: the thread's state
    changes re-render only this, not the whole page."""
    solara.use_thread(
        partial(_project_rest, current), dependencies=[current], intrusive_cancel=False
    )


@solara.component
def Page():
    current = policy.value
    Projector(current)
    # Replications set the projection's and the comparison's runs, not the live model's:
    # changing them keeps the year the live model has reached.
    made = solara.use_memo(
        lambda: DashboardModel(policy=current), dependencies=[current.with_(replications=0)]
    )
    made.policy = current
    live: solara.Reactive[DashboardModel] = solara.use_reactive(made)
    shown = solara.use_reactive(0)
    solara.Title("povsim dashboard")
    with solara.AppBar():
        solara.AppBarTitle("povsim dashboard")
    with solara.Sidebar():
        DrawerKeys()  # in the drawer it closes, which stays in the page while closed
        YearControls(live, shown)
        PolicyPanel()
    with solara.lab.Tabs():
        with solara.lab.Tab("Live model"):
            LiveView(live.value, shown.value)
        with solara.lab.Tab("Compare mixes"):
            CompareView(live.value)
        with solara.lab.Tab("Suggest mixes"):
            SuggestView()
