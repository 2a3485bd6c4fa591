"""The planner's dashboard: policy-mix rules, and an end-to-end run in headless Chromium."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from povsim import load_scenario
from povsim.config import ScenarioError
from povsim.dashboard import Policy, rebalance, scenario_files
from povsim.dashboard.serve import CHROMIUM_ARGS, chromium, free_port, running_dashboard

from .conftest import ROOT, SCENARIOS

CHROMIUM = chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (/usr/bin/chromium)"
)


def test_rebalancing_keeps_the_total() -> None:
    shares = {"a": 0.5, "b": 0.3, "c": 0.2}
    moved = rebalance(shares, "a", 0.7)
    assert moved["a"] == pytest.approx(0.7)
    assert sum(moved.values()) == pytest.approx(1.0)
    assert moved["b"] / moved["c"] == pytest.approx(1.5)  # the others keep their proportions
    assert rebalance(shares, "a", 2.0)["a"] == pytest.approx(1.0)  # clipped to the total
    spread = rebalance({"a": 1.0, "b": 0.0, "c": 0.0}, "a", 0.4)
    assert spread == pytest.approx({"a": 0.4, "b": 0.3, "c": 0.3})


def test_a_slider_taken_to_its_end_and_back_restores_the_mix() -> None:
    """A planner took industry to 100% and back to 25%: the other seven came back at 11%
    each, not the 12/15/8/8/10/17/5 of the mix."""
    policy = Policy.from_file(SCENARIOS / "five_batches.toml")
    before = dict(policy.shares)
    back = policy.with_share("industry", 1.0).with_share("industry", before["industry"])
    assert back.shares == pytest.approx(before)


def test_a_policy_exports_a_scenario_that_loads_and_runs_the_same(tmp_path: Path) -> None:
    policy = Policy.from_file(SCENARIOS / "baseline.toml")
    policy = policy.with_share("industry", 0.4).with_(
        budget_scale=1.5, exit_margin=0.1, two_lines_in_one=False, label="my-mix", seed=7
    )
    path = tmp_path / "my-mix.toml"
    path.write_text(policy.to_toml(), encoding="utf-8")
    loaded = load_scenario(path)
    assert loaded == policy.scenario()
    assert loaded.programs["industry"].share == pytest.approx(0.4)
    assert sum(p.share for p in loaded.programs.values()) == pytest.approx(1.0)
    assert loaded.budget.scale == 1.5
    assert loaded.exit.income_margin == 0.1
    assert loaded.programs["social_security"].two_lines_in_one is False
    assert (loaded.name, loaded.seed) == ("my-mix", 7)
    # The slider's exit income is the exported scenario's, on the profile's own standard too.
    assert policy.exit_income(2020) == pytest.approx(loaded.exit_income(2020))
    national = Policy.from_file(SCENARIOS / "regions" / "national.toml").with_(exit_margin=0.1)
    assert national.exit_income(2020) == pytest.approx(national.scenario().exit_income(2020))
    assert national.exit_income(2020) > 1.1 * national.base.line(2020)  # over the path


def test_an_invalid_policy_is_a_message_naming_the_field() -> None:
    policy = Policy.from_file(SCENARIOS / "baseline.toml").with_(seed=-5)
    with pytest.raises(ScenarioError, match="seed"):
        policy.scenario()


def test_the_page_offers_mixes_and_regions() -> None:
    files = scenario_files(SCENARIOS)
    assert "baseline.toml" in files
    assert "regions/guiyang.toml" in files
    assert not any(name.endswith("_targets.toml") for name in files)


def test_a_dropped_scenario_file_loads_or_explains_itself(monkeypatch) -> None:
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    good = (SCENARIOS / "industry_led.toml").read_text(encoding="utf-8")
    good = good.replace(
        'extends = "baseline.toml"', f'extends = "{SCENARIOS.as_posix()}/baseline.toml"'
    )
    assert app._upload("mine.toml", good.encode())  # taken: the drop zone keeps its name
    assert app.problem.value == ""
    assert app.policy.value.source == "upload: mine.toml"
    assert app.policy.value.label == "industry_led"
    # refused: the zone forgets it (it stayed named there, as if in force)
    assert not app._upload("bad.toml", b"[population]\nhouseholds = -3\n")
    assert "population.households" in app.problem.value
    assert "bad.toml" in app.problem.value
    assert app.policy.value.source == "upload: mine.toml"  # the last valid mix stays


def test_closing_a_page_forgives_a_thread_of_it_that_ended_meanwhile(monkeypatch) -> None:
    # A reload closes the old page's kernel, which cancels its threads and then deletes
    # every thread entry of a snapshot that points at it; a thread ending in between had
    # put a KeyError traceback in the server log (CI of stop 65).
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    import ipywidgets
    from solara.server import kernel, kernel_context

    from povsim.dashboard import app  # noqa: F401  (the page's module, as the server loads it)

    runner = "Thread-197 (runner)139916000356032"

    class EndingMidClose(type(kernel_context.current_context)):  # type: ignore[misc]
        def copy(self) -> dict:
            snapshot = dict(self)
            self.pop(runner)  # what the thread's own exit does (clear_context_for_thread)
            return snapshot

    loop = asyncio.new_event_loop()
    closing = kernel_context.VirtualKernelContext(
        id="closing", session_id="closing", kernel=kernel.Kernel(), event_loop=loop
    )
    entries = EndingMidClose(kernel_context.current_context)
    entries[runner] = closing
    monkeypatch.setattr(kernel_context, "current_context", entries)
    # this process's widgets are not the page's (the server keeps them per kernel)
    monkeypatch.setattr(ipywidgets.Widget, "close_all", classmethod(lambda cls: None))
    try:
        closing.close()
    finally:
        loop.close()
    assert closing.closed_event.is_set()
    assert closing not in entries.values()


def test_an_upload_that_fails_unexpectedly_is_a_message_not_a_dead_page(monkeypatch) -> None:
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    def broken(*args, **kwargs):
        raise TypeError("unhashable type: 'list'")

    before = app.policy.value
    monkeypatch.setattr(app, "load_upload", broken)
    app._upload("odd.toml", b"")
    assert (
        app.problem.value
        == "upload: odd.toml: could not be loaded (TypeError: unhashable type: 'list')"
    )
    assert app.policy.value is before


def test_a_step_of_the_live_model_is_a_year_and_it_stops_after_the_last(monkeypatch) -> None:
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard.app import DashboardModel

    for steps in (4, 13):  # 13: what Mesa's render-interval slider made of a year
        base = load_scenario(
            SCENARIOS / "baseline.toml", [f"steps_per_year={steps}", "population.households=300"]
        )
        model = DashboardModel(Policy.from_scenario(base, "baseline.toml"))
        assert model.assessed is None
        model.step()
        assert model.assessed == base.start_year
        for _ in range(len(base.years) + 3):  # Step pressed past the last year
            model.step()
        assert model.assessed == base.end_year
        assert not model.running
        assert list(model.indicators()["year"]) == list(base.years)


def _small(replications: int = 3) -> Policy:
    base = load_scenario(SCENARIOS / "baseline.toml", ["population.households=300"])
    # Not named "baseline.toml": it is not the shipped file, and a pin of a shipped file
    # that differs from it comes back marked as pinned under older settings.
    source = "baseline.toml, 300 households"
    return Policy.from_scenario(base, source).with_(replications=replications)


def test_pinned_mixes_are_compared_on_common_seeds_with_the_most_replications(
    monkeypatch,
) -> None:
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    first = _small(replications=2).with_(seed=7)
    second = _small(replications=3).with_(seed=3, label="other")
    app.pinned.set([first, second])
    app._run_comparison()
    result = app.comparison.value
    assert result is not None
    assert (result.replications, result.seed) == (3, 7)


def test_the_comparison_file_says_how_many_runs_a_value_is_of(monkeypatch) -> None:
    """The page read "2020 ±0 (3 of 4)", the downloaded file an exit year of all four runs;
    and a share cut at both limits, "(0–100%)", broke after its dash on the page."""
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    app.pinned.set([_small(replications=2), _small(replications=2).with_(label="other")])
    app._run_comparison()
    result = app.comparison.value
    assert result is not None
    table = app._comparison_table(result)
    runs = "county exit year (year) runs"
    assert runs in table
    assert "county exit year (year) Δ pairs" in table
    counted = result.table.set_index(["scenario", "metric"])["n"]
    for mix, n in zip(table["mix"], table[runs], strict=True):
        assert n == counted[(mix, "county_exit_year")]
    cell = app._unbroken("75.0% (0–100%)")
    assert cell.split(" ") == ["75.0%", cell.split(" ")[1]]  # one break, before the interval
    assert "–\u2060" in cell  # none after the dash


def test_pinned_mixes_kept_in_the_browser_come_back_as_they_were() -> None:
    from povsim.dashboard.pins import pins_json, restore_pins

    first = _small(replications=7).with_(label="first", seed=5)
    second = first.with_share("industry", 0.4).with_(label="second")
    # a name longer than a file name may be (its temporary copy was named for it)
    third = second.with_(label="x" * 300)
    restored, problems = restore_pins(pins_json([first, second, third]), SCENARIOS, 4)
    assert problems == []
    assert [m.label for m in restored] == ["first", "second", "x" * 300]
    for kept, mix in zip(restored, [first, second, third], strict=True):
        assert kept.replications == 7
        assert kept.scenario().model_dump() == mix.scenario().model_dump()


def test_pins_the_browser_kept_are_read_as_untrusted_input(tmp_path: Path) -> None:
    """The browser's storage is the user's to edit, and an older povsim's file may no
    longer load: each bad entry is a message, never a traceback, and the rest come back."""
    import json

    from povsim.dashboard.pins import pins_json, restore_pins

    good = json.loads(pins_json([_small().with_(label="good")]))[0]
    sneaky = {"label": "sneaky", "toml": f'extends = "{tmp_path / "x.toml"}"\n'}
    stale = {"label": "stale", "toml": "retired_setting = 1\n" + good["toml"]}
    text = json.dumps([sneaky, 5, stale, good])
    restored, problems = restore_pins(text, SCENARIOS, 4)
    assert [m.label for m in restored] == ["good"]
    assert "pinned mix 'sneaky' could not be restored" in problems[0]
    assert "may extend only a shipped scenario" in problems[0]
    assert problems[1] == "a pinned mix kept in this browser could not be read"
    assert "retired_setting: unknown field" in problems[2]
    assert restore_pins("{not json", SCENARIOS, 4) == (
        [],
        ["the pinned mixes kept in this browser could not be read"],
    )


def test_a_pin_whose_shipped_scenario_changed_since_comes_back_marked(monkeypatch) -> None:
    """A pin keeps every setting written out: when povsim's microcredit rate went from
    4.35% to 4.75%, a kept "shandan" came back at 4.35% without a word, and a comparison with
    it was not `povsim compare ... regions/shandan.toml`."""
    from povsim.dashboard.pins import OLD_SETTINGS, pins_json, restore_pins

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    shandan = Policy.from_file(SCENARIOS / "regions" / "shandan.toml", "regions/shandan.toml")
    edited = shandan.with_share("industry", 0.4).with_(label="shandan-edited", seed=3)
    upload = _small().with_(label="mine", source="upload: mine.toml")
    entries = json.loads(pins_json([shandan, edited, upload]))
    assert restore_pins(json.dumps(entries), SCENARIOS, 4)[1] == []  # as shipped: no word
    for entry in entries[:2]:  # as an older povsim wrote them
        assert "interest_rate = 0.0475\n" in entry["toml"]
        entry["toml"] = entry["toml"].replace("interest_rate = 0.0475", "interest_rate = 0.0435")
    restored, problems = restore_pins(json.dumps(entries), SCENARIOS, 4)
    assert [m.label for m in restored] == [
        f"shandan{OLD_SETTINGS}",
        f"shandan-edited{OLD_SETTINGS}",
        "mine",
    ]
    assert problems == [
        f"pinned mix {name!r} was pinned under an older povsim (or regions/shandan.toml has "
        "changed since): programs.microcredit.interest_rate 0.0435, now 0.0475; kept as "
        f"'{name}{OLD_SETTINGS}' (choose regions/shandan.toml and pin it again for today's)"
        for name in ("shandan", "shandan-edited")
    ]
    # kept as pinned, its levers too, and named so in a comparison
    old = restored[1].scenario()
    assert old.programs["microcredit"].interest_rate == 0.0435
    assert old.name == f"shandan-edited{OLD_SETTINGS}"
    assert (restored[1].shares, restored[1].seed) == (edited.shares, 3)
    # saved again and restored: still said, not marked twice
    again, problems = restore_pins(pins_json(restored), SCENARIOS, 4)
    assert [m.label for m in again] == [m.label for m in restored]
    assert len(problems) == 2
    assert "; kept (choose" in problems[0]
    # kept before pins recorded their scenario: found by its export's header, or, saved again
    # after a reload (the header then said "pinned: shandan"), by the name the page gave it
    named = {k: v for k, v in entries[0].items() if k != "source"} | {"label": "my plan"}
    assert restore_pins(json.dumps([named]), SCENARIOS, 4)[0][0].label == f"my plan{OLD_SETTINGS}"
    for entry in entries[:2]:
        del entry["source"]
        entry["toml"] = entry["toml"].replace(
            "dashboard: regions/shandan.toml", f"dashboard: pinned: {entry['label']}"
        )
    legacy, problems = restore_pins(json.dumps(entries), SCENARIOS, 4)
    assert [m.label for m in legacy] == [m.label for m in restored]
    assert len(problems) == 2
    # on the page: one message a line
    before = app.pinned.value
    try:
        app.pinned.set([])
        app._restore_pins(json.dumps(entries))
        assert app.problem.value.splitlines() == problems
        assert [m.label for m in app.pinned.value] == [m.label for m in restored]
    finally:
        app.pinned.set(before)
        app.problem.set("")


def test_a_comparison_under_way_can_be_cancelled(monkeypatch) -> None:
    """Fifty replications of four mixes ran for minutes with no way to stop them."""
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    first = _small(replications=2)
    app.pinned.set([first, first.with_(label="other")])
    app.comparison.set(None)
    compare = app.compare_scenarios

    def cancelled_during_the_first_run(*args, on_result, **kwargs):
        def tick(result) -> None:
            if not app.compare_cancelled.value:
                app._cancel_comparison()
            on_result(result)

        return compare(*args, on_result=tick, **kwargs)

    monkeypatch.setattr(app, "compare_scenarios", cancelled_during_the_first_run)
    app._run_comparison()
    assert app.comparison.value is None
    assert app.comparing.value == "comparison cancelled after 1 of 4 runs"
    assert not app.compare_cancelled.value  # the next comparison runs
    monkeypatch.setattr(app, "compare_scenarios", compare)
    app._run_comparison()
    assert app.comparison.value is not None


def test_a_comparison_stops_when_its_tab_is_gone(monkeypatch) -> None:
    """A closed tab's comparison ran on to its last replication after the session was
    freed, a core busy for minutes for nobody."""
    import threading

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    first = _small(replications=2)
    app.pinned.set([first, first.with_(label="other")])
    app.comparison.set(None)
    closed = threading.Event()
    monkeypatch.setattr(app, "_session_closed", lambda: closed)
    compare = app.compare_scenarios
    runs = []

    def closed_during_the_first_run(*args, on_result, **kwargs):
        def tick(result) -> None:
            runs.append(result)
            closed.set()
            on_result(result)

        return compare(*args, on_result=tick, **kwargs)

    monkeypatch.setattr(app, "compare_scenarios", closed_during_the_first_run)
    app._run_comparison()
    assert len(runs) == 1
    assert app.comparison.value is None
    assert not app.compare_cancelled.value
    # outside a served page there is no session to lose
    monkeypatch.undo()
    assert app._session_closed() is None


def test_a_pin_not_made_from_a_shipped_scenario_is_not_claimed_by_its_name() -> None:
    """An upload extending baseline.toml is named "baseline": kept before pins recorded
    their scenario, it came back as "baseline (old settings)", baseline.toml's for good,
    though its header said "upload: u.toml"; a front's member likewise."""
    from povsim.dashboard.pins import OLD_SETTINGS, pins_json, restore_pins
    from povsim.dashboard.upload import load_upload

    text = f'extends = "{SCENARIOS / "baseline.toml"}"\n[income]\ngrowth = 0.09\n'
    upload = load_upload("u.toml", text.encode("utf-8"), SCENARIOS)
    member = upload.with_(source="search, member 07")
    assert upload.label == "baseline"
    for mix in (upload, member):
        entry = json.loads(pins_json([mix]))[0]
        del entry["source"]  # as pins were kept before they recorded it
        restored, problems = restore_pins(json.dumps([entry]), SCENARIOS, 4)
        assert problems == []
        assert restored[0].label == "baseline"
        assert restored[0].source == "pinned: baseline"
        assert restored[0].scenario().income.growth == 0.09
    # saved again after a reload (its header then said "pinned: baseline"): by its name still
    entry = json.loads(pins_json(restored))[0]
    del entry["source"]
    assert restore_pins(json.dumps([entry]), SCENARIOS, 4)[0][0].label == f"baseline{OLD_SETTINGS}"


def test_a_pin_marked_old_loses_the_mark_when_its_scenario_matches_again() -> None:
    """ "(old settings)" never came off: the shipped file changed back to what the pin holds
    (a revision undone), and the pin still said it was out of date."""
    from povsim.dashboard.pins import OLD_SETTINGS, pins_json, restore_pins

    baseline = Policy.from_file(SCENARIOS / "baseline.toml", "baseline.toml")
    marked = baseline.with_(label=f"baseline{OLD_SETTINGS}")
    restored, problems = restore_pins(pins_json([marked]), SCENARIOS, 4)
    assert [m.label for m in restored] == ["baseline"]
    assert restored[0].scenario().name == "baseline"
    assert problems == [
        f"pinned mix 'baseline{OLD_SETTINGS}' has baseline.toml's settings again: kept as "
        "'baseline'"
    ]
    assert restore_pins(pins_json(restored), SCENARIOS, 4)[1] == []  # said once


def test_a_mix_unpinned_during_its_comparison_is_not_shown(monkeypatch) -> None:
    """The review of stop 44: taking a mix off the pins while its comparison ran left the
    finished table showing it."""
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    first = _small(replications=2)
    other = first.with_(label="other")
    app.pinned.set([first, other])
    app.comparison.set(None)
    compare = app.compare_scenarios

    def unpinned_during_the_first_run(*args, on_result, **kwargs):
        def tick(result) -> None:
            if len(app.pinned.value) == 2:
                app._unpin(app.pinned.value[1])  # the mix as pinned, not an equal one
            on_result(result)

        return compare(*args, on_result=tick, **kwargs)

    monkeypatch.setattr(app, "compare_scenarios", unpinned_during_the_first_run)
    app._run_comparison()
    assert app.comparison.value is None
    assert app.comparing.value == (
        "comparison stopped after 1 of 4 runs: a compared mix was taken off the pins"
    )


def test_the_projection_is_the_mean_of_the_replications_and_never_stale(monkeypatch) -> None:
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    import threading

    import pandas as pd

    from povsim import simulate
    from povsim.dashboard import app

    first = _small()
    app.policy.set(first)
    app._project_rest(first, threading.Event())
    done = app._projected(first)
    assert done is not None
    assert len(done.runs) == 3
    runs = [
        simulate(first.scenario(), first.seed, replication=r, counterfactual=False).indicators
        for r in range(3)
    ]
    expected = pd.concat(runs).groupby("year", as_index=False).mean(numeric_only=True)
    pd.testing.assert_series_equal(done.mean["incidence"], expected["incidence"])
    # A change of mix in a large population projects in a thread: until it has a run,
    # the page shows no projection rather than the last mix's.
    big = first.with_(budget_scale=2.0)
    monkeypatch.setattr(app, "SYNC_PROJECTION_HOUSEHOLDS", 100)
    app._set_policy(big)
    assert app.policy.value is big
    assert app._projected(big) is None
    # A mix changed again before its first run starts is never run: eight quick slider
    # steps on the national profile had run eight projections at once.
    runs: list[int] = []
    monkeypatch.setattr(app, "_replication", lambda mix, r, stale=None: runs.append(r))
    app._set_policy(big.with_(budget_scale=2.5))
    app._project_rest(big, threading.Event())
    assert runs == []
    # One under way stops at its next step when the mix changes (a national run of 6-20 s
    # held the next mix's projection behind it).
    monkeypatch.undo()
    with pytest.raises(app._Stale):
        app._replication(first, 1, stale=lambda: True)


def test_chart_options_are_plain_json_and_readable() -> None:
    from povsim import simulate
    from povsim.dashboard import charts
    from povsim.sim.model import PovertyModel

    national = load_scenario(SCENARIOS / "regions" / "national.toml")
    scenario = national.updated({"population.households": 2_000})
    result = simulate(scenario, counterfactual=False)
    live = result.indicators.iloc[:2]
    years = scenario.years
    for option in (
        charts.poverty_chart(live, result.indicators, years),
        charts.exits_chart(live, None, years),
        charts.income_chart(live.iloc[:0], result.indicators, years),
    ):
        json.dumps(option, allow_nan=False)  # a NaN would break the browser's chart
        axes = option["yAxis"] if isinstance(option["yAxis"], list) else [option["yAxis"]]
        assert all(axis["type"] == "value" for axis in axes)  # no log axis
        assert option["legend"]["bottom"] == 0  # under the plot, not over the data
        assert option["legend"]["type"] == "scroll"  # one line: wrapped, it hid the axis name
        # ... but a chart a phone's or a laptop's column wide wraps it, with room under the
        # plot (paged, the live incidence and the poverty line were out of sight)
        (narrow,) = option["media"]
        assert narrow["query"] == {"maxWidth": charts.NARROW_CHART}
        wrapped = narrow["option"]
        assert wrapped["legend"] == {**option["legend"], "type": "plain"}
        assert wrapped["grid"]["bottom"] > option["grid"]["bottom"]
    # Once the live run has a year, its percentiles show with the projection's median to
    # the last year (the projection vanished after the first step).
    stepped = charts.income_chart(live, result.indicators, years)
    names = [s["name"] for s in stepped["series"]]
    assert "median" in names
    assert "median (projected)" in names
    projected = stepped["series"][names.index("median (projected)")]["data"]
    assert projected[-1] is not None
    # the two bands' legend swatches differ as the bands do (both were solid blue)
    bands = [s for s in stepped["series"] if s["name"].endswith("percentile")]
    assert len(bands) == 2
    assert bands[0]["color"] != bands[1]["color"]
    few = live.assign(registered_people=1_200)
    assert charts.poverty_chart(few, None, years)["yAxis"][0]["name"] == "registered poor (people)"
    many = live.assign(registered_people=1_200_000)
    assert "thousand" in charts.poverty_chart(many, None, years)["yAxis"][0]["name"]
    # After one step the bands and the line dropped out until a second year: a band of one
    # year is no area, so the projection's show; a run of one year marks its point.
    one = charts.income_chart(live.iloc[:1], result.indicators, years)
    assert one["title"]["text"].endswith("(projected)")
    lone = charts.income_chart(live.iloc[:1], None, years)
    assert all(s["showSymbol"] and s["symbol"] == "circle" for s in lone["series"])

    model = PovertyModel(scenario)
    assert model.villages.n > charts.GRID_VILLAGES
    histogram = charts.village_chart(model, None)
    counts = sum(sum(series["data"]) for series in histogram["series"])
    # real villages, as the other charts count real people: it counted the sample's
    v = model.villages
    assert counts == pytest.approx(v.weight[~v.resettlement].sum(), abs=50)  # bars rounded
    assert f"{v.weight[~v.resettlement].sum():,.0f} villages" in histogram["title"]["text"]
    # Before the first year the villages are as registration judged them, not all at 0%
    # (the review of stop 44: every poor village drawn in the lowest band).
    poor_villages = histogram["series"][0]
    assert poor_villages["name"] == "poor village"
    assert sum(poor_villages["data"][1:]) > 0.9 * sum(poor_villages["data"])
    assert "at registration" in histogram["title"]["text"]
    # ECharts hid every other band's name where they did not fit (2-5%, 10-20%, 40%+).
    assert histogram["xAxis"]["axisLabel"]["interval"] == 0
    assert max(map(len, histogram["xAxis"]["data"])) <= 6
    small = PovertyModel(load_scenario(SCENARIOS / "baseline.toml", ["population.households=300"]))
    grid = charts.village_chart(small, None)
    json.dumps(grid, allow_nan=False)
    names = [series["name"] for series in grid["series"]]
    assert "resettlement site (relocated households)" in names
    # The legend drew "incidence (%)" with ECharts' default blue, a colour no cell has.
    heatmap = grid["series"][names.index("incidence (%)")]
    assert heatmap.get("color") in charts.INCIDENCE_COLOURS


def _refused(tmp_path: Path, name: str, text: str) -> str:
    from povsim.dashboard.upload import load_upload

    with pytest.raises(ScenarioError) as err:
        load_upload(name, text.encode(), SCENARIOS)
    message = str(err.value)
    assert message.startswith(f"upload: {name}: ")  # the upload, not a temporary copy
    return message


def test_an_upload_builds_only_on_shipped_scenarios_and_built_in_programs(
    tmp_path: Path, monkeypatch
) -> None:
    from povsim.dashboard.upload import load_upload

    # A relative extends names a shipped scenario, whatever directory the upload sits in.
    industry = (SCENARIOS / "industry_led.toml").read_text(encoding="utf-8")
    assert 'extends = "baseline.toml"' in industry
    assert load_upload("mine.toml", industry.encode(), SCENARIOS).label == "industry_led"
    assert load_upload("r.toml", b'extends = "regions/shandan.toml"', SCENARIOS).label

    secret = tmp_path / "secret.toml"
    secret.write_text('name = "server-secret"\n', encoding="utf-8")
    # a NUL byte ended in resolve()'s ValueError, "embedded null byte"
    nul = "baseline.toml\0"
    for parent in (str(secret), "../../../etc/passwd", "regions/shandan_targets.toml", nul):
        message = _refused(tmp_path, "up.toml", f"extends = {json.dumps(parent)}\n")
        assert "extends" in message
        assert "server-secret" not in message
    # A shipped county-resolved scenario is named for what it is, not as one not shipped.
    message = _refused(tmp_path, "up.toml", 'extends = "regions/national_counties.toml"\n')
    assert "'regions/national_counties.toml' is county-resolved" in message

    # A module kind would be imported (and run) on the server: refused before loading.
    module = tmp_path / "evil_kind.py"
    witness = tmp_path / "imported"
    module.write_text(f"open({str(witness)!r}, 'w').close()\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    for table in ('[programs.cash]\nkind = "evil_kind:X"', '[programs."evil_kind:X"]'):
        message = _refused(tmp_path, "kind.toml", f'extends = "baseline.toml"\n{table}\n')
        assert "built-in program kinds" in message
    assert not witness.exists()


def test_the_page_never_offers_or_takes_a_county_resolved_scenario(tmp_path: Path) -> None:
    """It cannot run one: choosing the national counties killed the page."""
    assert "regions/national_counties.toml" not in scenario_files(SCENARIOS)
    assert "regions/national.toml" in scenario_files(SCENARIOS)
    with pytest.raises(ScenarioError, match="geography: a county-resolved scenario"):
        Policy.from_file(SCENARIOS / "regions" / "national_counties.toml")
    # An upload may not name a provinces table: a path the server would read.
    text = 'extends = "baseline.toml"\n[geography]\nprovinces_table = "/etc/passwd"\n'
    message = _refused(tmp_path, "geo.toml", text)
    assert "geography: the dashboard runs one county" in message
    assert "passwd" not in message.split("geography:")[1]
    # Nor one in the served directory that inherits its geography.
    served = tmp_path / "served"
    (served / "regions").mkdir(parents=True)
    for name in ("national.toml", "national_counties.toml"):
        (served / "regions" / name).write_text(f'extends = "{SCENARIOS / "regions" / name}"\n')
    offered = scenario_files(served)
    assert "regions/national.toml" in offered
    assert "regions/national_counties.toml" not in offered


def test_an_upload_changing_an_inherited_program_is_taken_and_a_bad_kind_explained(
    tmp_path: Path,
) -> None:
    from povsim.dashboard.upload import load_upload

    # The national profile's rangers are public_jobs: a table without a kind changes them.
    text = b'extends = "regions/national.toml"\n[programs.rangers]\nwage = 12000\n'
    assert load_upload("r.toml", text, SCENARIOS).base.programs["rangers"].wage == 12000
    message = _refused(
        tmp_path, "k.toml", 'extends = "baseline.toml"\n[programs.industry]\nkind = [1]\n'
    )
    assert "programs.industry.kind" in message
    # Saved with a byte-order mark, as some editors do.
    bom = "\ufeff" + (SCENARIOS / "industry_led.toml").read_text(encoding="utf-8")
    assert load_upload("bom.toml", bom.encode("utf-8"), SCENARIOS).label == "industry_led"


def test_an_upload_of_another_kind_of_file_names_the_command_with_its_file(
    tmp_path: Path,
) -> None:
    """A sweep design uploaded was "read by `povsim sweep upload: d.toml`", the message's
    label for the upload put where the command takes a file."""
    design = (SCENARIOS / "designs" / "mixes.toml").read_text(encoding="utf-8")
    message = _refused(tmp_path, "d.toml", design)
    assert message == (
        "upload: d.toml: this is a sweep design, not a scenario file; it is read by "
        "`povsim sweep d.toml`"
    )
    targets = (SCENARIOS / "regions" / "jiangjin_targets.toml").read_text(encoding="utf-8")
    assert "it is read by `povsim validate t.toml`" in _refused(tmp_path, "t.toml", targets)


def test_an_upload_is_size_limited_and_nesting_safe(tmp_path: Path) -> None:
    deep = "x = " + "[" * 2_000 + "]" * 2_000 + "\n"
    assert "nests deeper" in _refused(tmp_path, "deep.toml", deep)
    dotted = "a." * 40 + "b = 1\n"
    assert "nests deeper" in _refused(tmp_path, "dotted.toml", dotted)
    huge = 'extends = "baseline.toml"\n[population]\nhouseholds = 1_000_000_000_000\n'
    assert "population.households" in _refused(tmp_path, "huge.toml", huge)
    assert "limited" in _refused(tmp_path, "big.toml", "# " + "x" * 300_000)
    assert "population.households" in _refused(
        tmp_path, "bad.toml", "[population]\nhouseholds = -3\n"
    )
    # to 2100 in daily steps: minutes a run, and its replications ran on after the tab closed
    lines = "".join(f"{year} = 3300\n" for year in range(2021, 2101))
    long = (
        f'extends = "baseline.toml"\nend_year = 2100\nsteps_per_year = 365\n[poverty_line]\n{lines}'
    )
    assert "household-steps a run, more than the dashboard's" in _refused(tmp_path, "l.toml", long)


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dashboard") / "server.log"


@pytest.fixture(scope="module")
def server(server_log: Path):
    """``povsim dashboard`` on a free port, as a planner would start it."""
    try:
        with running_dashboard(cwd=ROOT, log=server_log) as url:
            yield url
    except RuntimeError as err:
        pytest.fail(f"{err}:\n{server_log.read_text()}")


# The boxes around a table that scroll sideways (with overflow to scroll), nearest first, and
# the widths of the table and of the box it sits in.
SCROLLING_BOXES = """t => {
    const scrolling = [];
    for (let e = t.parentElement; e; e = e.parentElement) {
        const overflow = getComputedStyle(e).overflowX;
        if ((overflow === "auto" || overflow === "scroll") && e.scrollWidth > e.clientWidth + 1) {
            scrolling.push(e.className || e.tagName);
        }
    }
    return [scrolling, t.getBoundingClientRect().width, t.parentElement.clientWidth];
}"""


def move_to(page, thumb, start: int, end: int) -> None:
    """Move the industry slider from ``start`` to ``end`` percent a key at a time, as a
    person does: each step shows before the next key."""
    step = 1 if end > start else -1
    for share in range(start + step, end + step, step):
        thumb.press("ArrowRight" if step > 0 else "ArrowLeft")
        expect_label(page, f"industry {share}%")


def expect_label(page, text: str, within: str | None = None) -> None:
    """A slider's words shown above it (``within``: its block; a share's by default). The
    slider keeps the same words as its hidden label, for a screen reader: only the shown
    ones count."""
    from playwright.sync_api import expect

    block = within or f".povsim-share-{text.rsplit(' ', 1)[0]}"
    shown = page.locator(block).get_by_text(text, exact=True).filter(visible=True)
    expect(shown).to_be_visible()


@needs_chromium
@pytest.mark.slow
def test_a_planner_compares_two_mixes_in_the_browser(
    server: str, server_log: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
        page.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)
        # Offline, nothing may be fetched that the package does not ship (Solara's Markdown
        # asked a CDN for KaTeX on every update).
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        # Nor may the page log errors (Solara 1.58's chart set an option before ECharts had
        # loaded: "Cannot read properties of undefined (reading 'setOption')").
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server)
        projection = page.locator(".povsim-projection")
        expect(projection).to_contain_text("projected 2020")
        expect(projection).to_contain_text("mean of 10 runs")  # the replications, not one seed
        expect_label(page, "industry 25%")
        chart = page.locator(".povsim-chart-poverty")
        expect(chart.locator("canvas")).to_be_visible()  # drawn by the browser, offline
        expect(page.get_by_text("runs on Solara")).to_have_count(0)  # no badge over a chart
        before = chart.get_attribute("data-digest")

        # Move the industry slider: the other shares make room, the charts update.
        thumb = page.locator(".povsim-share-industry [role=slider]")
        thumb.focus()
        clock = time.perf_counter()
        thumb.press("ArrowRight")
        expect_label(page, "industry 26%")
        expect(chart).not_to_have_attribute("data-digest", before or "")
        seconds = time.perf_counter() - clock
        print(f"slider change to updated charts: {seconds:.2f} s")
        move_to(page, thumb, 26, 30)
        expect_label(page, "employment 11%")

        # Step the live model a year at a time to its last year, and press on.
        year = page.locator(".povsim-year")
        step = page.get_by_role("button", name="Step one year")
        for assessed in range(2014, 2021):
            step.click()
            expect(year).to_contain_text(f"assessed up to {assessed}")
        expect(year).to_contain_text("finished")
        expect(step).to_be_disabled()
        expect(page.get_by_role("button", name="Play")).to_be_disabled()
        page.get_by_role("button", name="Reset").click()
        expect(year).to_contain_text("not started")
        # Replications are the projection's and the comparison's: the live run goes on.
        step.click()
        expect(year).to_contain_text("assessed up to 2014")
        replications = page.locator(".povsim-replications [role=slider]")
        replications.press("ArrowLeft")
        expect_label(page, "replications: 9", ".povsim-replications")
        expect(year).to_contain_text("assessed up to 2014")
        replications.press("ArrowRight")
        expect_label(page, "replications: 10", ".povsim-replications")
        page.get_by_role("button", name="Play").click()
        expect(year).to_contain_text("assessed up to 2020: finished")
        expect(page.get_by_text("error", exact=False)).to_have_count(0)

        # Uploads: a file picked (not only dropped) that extends a shipped scenario by
        # its relative name; one extending a server file is refused.
        picker = page.locator(".povsim-upload input[type=file]")
        mine = tmp_path / "my-industry.toml"
        mine.write_text(
            (SCENARIOS / "industry_led.toml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        picker.set_input_files(mine)
        expect(projection).to_contain_text("projected 2020")
        expect(page.locator("main")).to_contain_text("industry_led:")
        # named as loaded, for its pin and its download too (the line "loaded from" that
        # appeared over the zone stopped the upload before it named the mix)
        expect(page.get_by_label("mix name")).to_have_value("industry_led")
        # The same file edited, of the same size, is read again: it was no change to the
        # zone, and the old mix stayed in silence.
        edited = mine.read_text(encoding="utf-8")
        edited = edited.replace("share = 0.50", "share = 0.40").replace(
            "share = 0.10", "share = 0.20", 1
        )
        mine.write_text(edited, encoding="utf-8")
        picker.set_input_files(mine)
        expect(page.locator("main")).to_contain_text("industry_led: industry 40%")
        sneaky = tmp_path / "sneaky.toml"
        sneaky.write_text(f'extends = "{ROOT / "pyproject.toml"}"\n', encoding="utf-8")
        picker.set_input_files(sneaky)
        expect(page.locator(".povsim-problem")).to_contain_text("may extend only a shipped")
        # refused, it is not left named in the zone as if it were the mix in force
        expect(page.locator(".povsim-upload")).not_to_contain_text("sneaky.toml")
        picker.set_input_files(SCENARIOS / "baseline.toml")
        expect(page.locator(".povsim-problem")).to_have_count(0)
        expect(page.locator("main")).to_contain_text("baseline: industry 25%")  # loaded
        move_to(page, thumb, 25, 30)

        # A bad value is a message on the page, and the last valid mix stays.
        seed = page.get_by_label("seed")
        # Typed while the projection of the last move still refines: the page updating
        # must not put the old seed back in the field.
        thumb.press("ArrowLeft")
        seed.fill("-5")
        expect(projection).to_contain_text("mean of 10 runs")
        expect(seed).to_have_value("-5")
        seed.press("Enter")
        expect(page.locator(".povsim-problem")).to_contain_text("seed")
        seed.fill("1e3")
        seed.press("Enter")
        expect(page.locator(".povsim-problem")).to_contain_text("not a whole number")
        seed.fill("3")
        seed.press("Enter")
        expect(page.locator(".povsim-problem")).to_have_count(0)
        thumb.press("ArrowRight")
        expect_label(page, "industry 30%")

        # Pin two mixes and compare them.
        pinned = page.locator(".povsim-pinned")
        page.get_by_label("mix name").fill("industry-30")
        page.get_by_role("button", name="Pin this mix").click()
        expect(pinned.first).to_contain_text("industry-30: industry 30%")
        move_to(page, thumb, 30, 20)
        page.get_by_label("mix name").fill("industry-20")
        page.get_by_role("button", name="Pin this mix").click()
        expect(pinned.nth(1)).to_contain_text("industry-20: industry 20%")

        # A long comparison (a third mix at 50 replications: 150 runs) can be cancelled.
        page.locator(".povsim-replications [role=slider]").press("End")
        expect_label(page, "replications: 50", ".povsim-replications")
        page.get_by_label("mix name").fill("long")
        page.get_by_role("button", name="Pin this mix").click()
        expect(pinned.nth(2)).to_contain_text("long:")
        compare = page.get_by_role("button", name="Compare", exact=True)
        compare.click()
        page.get_by_role("button", name="Cancel", exact=True).click()
        page.get_by_role("tab", name="Compare mixes").click()
        expect(page.get_by_text("comparison cancelled after")).to_be_visible()
        expect(page.get_by_role("button", name="Cancel", exact=True)).to_have_count(0)
        page.get_by_role("button", name="remove").nth(2).click()
        expect(pinned).to_have_count(2)
        page.get_by_label("mix name").fill("industry-20")
        # While the page re-renders after a pin goes, the old button may stand beside the
        # new one for a moment: click once there is one.
        expect(compare).to_have_count(1)
        compare.click()
        table = page.locator("table")
        expect(table).to_contain_text("industry-20", timeout=120_000)
        expect(table).to_contain_text("industry-30")
        expect(table).to_contain_text("cumulative exit share")
        expect(table).to_contain_text("Δ vs industry-30")  # the paired difference, as the CLI's
        expect(page.get_by_text("Download comparison (CSV)")).to_be_visible()
        page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
        # At 800 px a planner's table ran 6 px past the page, and the whole page scrolled
        # sideways with it: the table scrolls in a box of its own, the page stays put.
        page.set_viewport_size({"width": 800, "height": 1100})
        table = page.locator("table").filter(has_text="cumulative exit share")
        expect(table).to_be_visible()
        page.wait_for_timeout(500)  # the layout settles
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width
        scrolling, wide, box = table.evaluate(SCROLLING_BOXES)
        assert wide > box, "the table fits its box at 800 px: the check below proves nothing"
        assert len(scrolling) == 1, scrolling
        assert "povsim-comparison" in scrolling[0], scrolling
        page.set_viewport_size({"width": 1500, "height": 1100})

        # Export the mix and the comparison.
        with page.expect_download() as download:
            page.get_by_role("button", name="Download comparison (CSV)").click()
        csv = tmp_path / "comparison.csv"
        download.value.save_as(csv)
        assert "industry-20" in csv.read_text()
        assert "cumulative exit share (fraction) Δ 95% low" in csv.read_text()
        # the file keeps yuan, and says so (its header read "m yuan" over yuan)
        assert "spending (yuan)," in csv.read_text()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download scenario (TOML)").click()
        exported = tmp_path / "mix.toml"
        download.value.save_as(exported)

        # The pins outlive a reload: the browser keeps them.
        page.reload()
        expect(pinned).to_have_count(2)
        expect(pinned.first).to_contain_text("industry-30: industry 30%")
        expect(pinned.nth(1)).to_contain_text("industry-20: industry 20%")
        expect(page.locator(".povsim-problem")).to_have_count(0)
        browser.close()
    assert not missing, missing
    assert not errors, errors

    log = server_log.read_text()
    assert "samesite" not in log
    assert "Traceback" not in log
    mix = load_scenario(exported)
    assert mix.name == "industry-20"
    assert mix.programs["industry"].share == pytest.approx(0.20)
    assert mix.seed == 3
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_stopping_the_dashboard_stops_its_server(signum: signal.Signals, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "povsim", "dashboard", "--port", str(port)]
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        parent = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    family: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 90
        while not _serving(url):
            assert parent.poll() is None, "the dashboard ended before serving"
            assert time.monotonic() < deadline, "the dashboard did not start"
            time.sleep(0.5)
        family = psutil.Process(parent.pid).children(recursive=True)
        assert family, "the server runs in a child process"
        parent.send_signal(signum)
        parent.wait(timeout=30)
        _, alive = psutil.wait_procs(family, timeout=30)
        assert not alive, f"still running after {signum.name}: {alive}"
        assert not _serving(url)
        assert "Traceback" not in log.read_text()
    finally:
        for process in family:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        parent.kill()
        parent.wait()


@pytest.mark.slow
def test_the_background_dashboard_leaves_no_process_behind() -> None:
    before = set(psutil.Process().children(recursive=True))  # other tests' workers
    with running_dashboard(cwd=ROOT) as url:
        family = [p for p in psutil.Process().children(recursive=True) if p not in before]
        assert family
    _, alive = psutil.wait_procs(family, timeout=30)
    assert not alive
    assert not _serving(url)


def test_the_server_does_not_ask_pypi_for_a_newer_solara() -> None:
    from povsim.cli.dashboard import server_command

    assert "--no-check-version" in server_command("127.0.0.1", 8765)


def test_a_stored_front_is_offered_and_its_members_load_as_the_mix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from povsim.dashboard import front_dirs, percents
    from povsim.experiments.optimize import optimize

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    monkeypatch.setenv("POVSIM_FRONTS_DIR", str(tmp_path))
    from povsim.dashboard import app

    optimize(
        SCENARIOS / "baseline.toml",
        ["incidence_end", "spending_yuan"],
        ["shares=industry,health,social_security"],
        tmp_path / "fronts" / "small",
        generations=1,
        population=4,
        replications=1,
        households=200,
    )
    (tmp_path / "other").mkdir()  # not a front: not offered
    assert list(front_dirs(tmp_path)) == ["fronts/small"]
    app._load_front(tmp_path / "other")
    assert "not a finished `povsim optimize` output" in app.front_problem.value
    app._load_front(tmp_path / "fronts" / "small")
    shown = app.front.value
    assert shown is not None
    assert app.front_problem.value == ""
    table = app._front_markdown(shown)
    assert "| member | incidence end | spending (m yuan) |" in table  # the comparison's words
    # the search's own scores, said as such (a small search's differ at full size)
    assert shown.searched == (
        "The scores are the search's own: 1 replication of seed 1 at 200 agents. "
        "Compare a member with its base (povsim compare) at full size before relying on a "
        "difference."
    )
    spent = float(shown.table["spending_yuan"].iloc[0])  # in millions, as the comparison has it
    assert f"| {spent / 1e6:,.1f} |" in table
    # largest shares of the whole mix: the baseline's housing and relocation, not searched,
    # out-weigh what the search gave health (they read as absent)
    first = shown.members[0]
    whole = shown.policy(first).shares
    top = sorted(whole, key=lambda k: -whole[k])[:3]
    shown_as = percents(whole)
    assert f"| {', '.join(f'{k} {shown_as[k]}%' for k in top)} |" in table
    assert set(whole) > set(shown.shares(first))
    member = shown.members[-1]
    before = app.policy.value
    app.policy.set(before.with_(replications=2))
    app._use_member(member)
    current = app.policy.value
    assert current.replications == 2  # the planner's, as for a picked file (it became 10)
    assert current.source == f"{shown.path.name}, member {member}"  # which front, too
    chosen = shown.shares(member)
    assert len(chosen) == 3
    assert {k: current.shares[k] for k in chosen} == pytest.approx(chosen)
    assert current.base.population.households == 5000  # the member extends the baseline
    app._use_member("../../etc/passwd")  # only the front's own members
    assert "no '../../etc/passwd'" in app.front_problem.value
    assert app.policy.value is current


@needs_chromium
@pytest.mark.slow
def test_a_planner_uses_a_suggested_mix_in_the_browser(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from povsim.experiments.optimize import optimize

    result = optimize(
        SCENARIOS / "baseline.toml",
        ["incidence_end", "spending_yuan"],
        ["shares=industry,health,social_security"],
        tmp_path / "fronts" / "small",
        generations=1,
        population=4,
        replications=1,
        households=200,
    )
    member = result.front.iloc[-1]
    industry = f"industry {member['programs.industry.share']:.0%}"
    log = tmp_path / "server.log"
    options = ["--fronts", str(tmp_path / "fronts")]
    with (
        running_dashboard(cwd=ROOT, log=log, options=options) as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)
        page.goto(url)
        expect(page.locator(".povsim-projection")).to_contain_text("projected 2020")
        page.get_by_role("tab", name="Suggest mixes").click()
        expect(page.locator("table")).to_contain_text("spending (m yuan)")
        page.get_by_role("button", name=f"use {member['member']}").click()
        expect_label(page, industry)  # the sidebar's slider
        # the scenario list is blank for a front member: the panel says where it came from
        expect(page.locator(".povsim-source")).to_have_text(
            f"loaded from small, member {member['member']}"
        )
        page.get_by_role("tab", name="Live model").click()
        expect(page.get_by_text(f"baseline-front-{member['member']}:")).to_be_visible()
        browser.close()
    assert "Traceback" not in log.read_text()


def test_a_closed_tabs_session_is_freed_in_minutes_not_a_day(monkeypatch) -> None:
    """Solara keeps a closed tab's kernel (its live model, its projections) for 24 h by
    default: a server kept running grew by hundreds of MB with every national tab."""
    from typer.testing import CliRunner

    import povsim.cli.dashboard as command
    from povsim.cli import app

    seen: dict[str, str] = {}
    monkeypatch.setattr(command, "serve", lambda argv, env: seen.update(env) or 0)
    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    args = ["dashboard", str(SCENARIOS / "baseline.toml"), "--port", str(free_port())]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert seen["SOLARA_KERNEL_CULL_TIMEOUT"] == "2m"
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", "10m")  # the planner's own choice stays
    CliRunner().invoke(app, args)
    assert seen["SOLARA_KERNEL_CULL_TIMEOUT"] == "10m"


def test_a_scenarios_dir_that_is_no_folder_is_refused(monkeypatch, tmp_path) -> None:
    """--scenarios-dir nothere started the server without a word, and the page offered no
    scenarios; a file, with no scenario given, was said to hold no FILE/baseline.toml; left
    out, a missing ./scenarios is no error where a scenario is given."""
    from typer.testing import CliRunner

    import povsim.cli.dashboard as command
    from povsim.cli import app

    monkeypatch.setattr(command, "serve", lambda argv, env: pytest.fail("served"))
    missing = tmp_path / "nothere"
    args = ["dashboard", str(SCENARIOS / "baseline.toml"), "--port", str(free_port())]
    result = CliRunner().invoke(app, [*args, "--scenarios-dir", str(missing)])
    assert result.exit_code == 2, result.output
    assert f"--scenarios-dir {missing}: no such folder" in " ".join(result.output.split())
    assert "dashboard at" not in result.output
    # a file, with no scenario given: "no FILE/baseline.toml: give ... --scenarios-dir"
    a_file = SCENARIOS / "baseline.toml"
    for given in (args, ["dashboard", "--port", str(free_port())]):
        result = CliRunner().invoke(app, [*given, "--scenarios-dir", str(a_file)])
        assert result.exit_code == 2, result.output
        assert " ".join(result.output.split()) == (
            f"error: --scenarios-dir {a_file}: a file, not a folder of scenarios"
        )
    monkeypatch.chdir(tmp_path)  # no ./scenarios here
    monkeypatch.setattr(command, "serve", lambda argv, env: 0)
    assert CliRunner().invoke(app, args).exit_code == 0
    # a file ./scenarios is no --scenarios-dir given
    (tmp_path / "scenarios").write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert " ".join(result.output.split()) == (
        "error: scenarios: a file, not a folder of scenarios: give --scenarios-dir"
    )


def test_a_port_in_use_is_refused_before_the_address_is_announced(monkeypatch) -> None:
    """The server printed the address, then its own error, and ended with status 3."""
    import socket

    from typer.testing import CliRunner

    import povsim.cli.dashboard as command
    from povsim.cli import app

    monkeypatch.setattr(command, "serve", lambda argv, env: pytest.fail("served"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["dashboard", "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert "in use: choose another with --port" in result.output
    assert "dashboard at" not in result.output


def test_the_suggest_tab_keeps_the_servers_paths_to_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With no front stored it named the server's absolute path, which upload messages
    keep off the page."""
    from povsim.dashboard import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POVSIM_FRONTS_DIR", str(tmp_path / "runs"))
    assert app._no_fronts().startswith("No fronts under runs: run `povsim optimize ... --out runs/")
    elsewhere = tmp_path.parent / "fronts-elsewhere"
    monkeypatch.setenv("POVSIM_FRONTS_DIR", str(elsewhere))
    assert str(tmp_path.parent) not in app._no_fronts()
    assert "No fronts under fronts-elsewhere:" in app._no_fronts()


def test_the_compare_tab_notes_two_counties_and_forgets_an_unpinned_mix(monkeypatch) -> None:
    """The page showed Jiangjin minus the baseline as a paired policy effect, without the
    note `povsim compare` prints; and kept a comparison of a mix taken off the pins."""
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    first = _small(replications=2)
    other = first.with_(label="other", budget_scale=2.0)
    app.pinned.set([first, other])
    app._run_comparison()
    result = app.comparison.value
    assert result is not None
    assert app._unpaired_notes(result) == []  # another mix of the same county
    county = Policy.from_file(SCENARIOS / "regions" / "jiangjin.toml")
    jiangjin = county.scenario().updated({"population.households": 300, "population.villages": 6})
    notes = app._unpaired_notes(replace(result, scenarios=[result.scenarios[0], jiangjin]))
    assert notes
    assert "is not paired with" in notes[0]
    app._unpin(other)
    assert app.comparison.value is None
    assert app._markdown_text("a|b *c*") == "a&#124;b &#42;c&#42;"


def test_an_empty_upload_or_a_misspelt_program_is_refused_in_a_sentence() -> None:
    """A 0-byte upload replaced the mix with a default county without support; a
    misspelt program was called an unknown kind."""
    from povsim.dashboard.upload import load_upload

    for data in (b"", b'name = "x"'):
        with pytest.raises(ScenarioError, match="neither extends a scenario nor gives programs"):
            load_upload("u.toml", data, SCENARIOS)
    misspelt = b'extends = "baseline.toml"\n[programs.industy]\nshare = 0.1\n'
    with pytest.raises(ScenarioError, match=r"programs\.industy: no such program: did you mean"):
        load_upload("u.toml", misspelt, SCENARIOS)


def test_an_upload_that_moves_the_run_is_named_first_with_the_year_it_set(
    tmp_path: Path,
) -> None:
    """`end_year = 2030` over the baseline read "baseline.toml: poverty_line: no value for
    2021-2030 ...", the upload named only at its end, where every other upload error starts
    with the upload."""
    message = _refused(tmp_path, "u.toml", 'extends = "baseline.toml"\nend_year = 2030\n')
    # the shipped file by its name, not where the server keeps it
    assert message == (
        "upload: u.toml: end_year: 2030 is past the last year of baseline.toml's poverty_line "
        "(2020): give poverty_line values for 2021-2030 too"
    )
    early = _refused(tmp_path, "e.toml", 'extends = "baseline.toml"\nstart_year = 2010\n')
    assert all(line.startswith("upload: e.toml: start_year: 2010 ") for line in early.splitlines())


def test_a_scenario_given_on_the_command_line_is_the_picker_s_choice(monkeypatch) -> None:
    """`povsim dashboard scenarios/regions/guiyang.toml` started with the picker blank."""
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    monkeypatch.setenv("POVSIM_DASHBOARD_SCENARIO", str(SCENARIOS / "regions" / "guiyang.toml"))
    from povsim.dashboard import app

    assert app._initial_policy().source == "regions/guiyang.toml"
    assert "regions/guiyang.toml" in scenario_files(SCENARIOS)


def test_a_pinned_mix_shows_its_seed_and_replications(monkeypatch) -> None:
    """Two pins of one mix on different seeds or replications looked the same."""
    import ipyvuetify as v
    import solara

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    app.pinned.set([_small(replications=3).with_(seed=7, label="a")])
    try:
        _, rc = solara.render(app.PolicyPanel(), handle_error=False)
        texts = [w.children[0] for w in rc.find(v.Html).widgets if "povsim-pinned" in w.class_]
        assert len(texts) == 1
        assert texts[0].startswith("a: ")
        assert texts[0].endswith("; seed 7, 3 replications")
    finally:
        app.pinned.set([])


@needs_chromium
@pytest.mark.slow
def test_the_sliders_labelled_above_are_named_for_a_screen_reader(server: str) -> None:
    """The exit threshold's and the budget's sliders had an empty accessible name: their
    label is the text above them, which the slider did not name."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)
        page.goto(server)
        for box, name in (
            (".povsim-exit-threshold", "exit threshold: standard +0% = 3,300 yuan in 2020"),
            (".povsim-budget", "budget x1 = 83.5 m yuan (2014-2020)"),
        ):
            expect(page.get_by_role("slider", name=name, exact=True)).to_have_count(1)
            # named, and still shown once, above a track the width of the panel
            expect(page.locator(f"{box} .v-label")).to_be_hidden()
            expect(page.locator(f"{box} > span")).to_have_text(name)
            expect(page.locator(f"{box} > span")).to_be_visible()
            track = page.locator(f"{box} .v-slider").bounding_box()
            panel = page.locator(box).bounding_box()
            assert track is not None
            assert panel is not None
            assert track["width"] > 0.9 * panel["width"]
        browser.close()


def test_the_budget_reads_the_same_in_the_slider_and_the_summaries(monkeypatch) -> None:
    """A calibrated scale of 0.101 read x0.101 on the slider but x0.10 in the pin's and the
    live model's summaries (and in an export's header)."""
    import ipyvuetify as v
    import solara

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    mix = _small(replications=1).with_(budget_scale=0.101, label="a")
    assert "; budget x0.101; " in mix.summary()
    assert "; budget x0.101; " in mix.to_toml().splitlines()[1]
    assert "; budget x1.5; " in mix.with_(budget_scale=1.5).summary()
    before = app.policy.value
    app.policy.set(mix)
    app.pinned.set([mix])
    try:
        _, rc = solara.render(app.PolicyPanel(), handle_error=False)
        html = [w.children[0] for w in rc.find(v.Html).widgets if "povsim-pinned" in w.class_]
        assert len(html) == 1
        assert "; budget x0.101; " in html[0]
        labels = [w.label for w in rc.find(v.Slider).widgets if w.label.startswith("budget ")]
        assert len(labels) == 1
        assert labels[0].startswith("budget x0.101 = ")
    finally:
        app.pinned.set([])
        app.policy.set(before)


def test_the_compare_tab_names_the_first_mix_as_written_and_keeps_units_with_numbers(
    monkeypatch,
) -> None:
    """The note under the table read "paired difference from five&#95;batches" (the table's
    escaping in plain text), and a cell broke between a number and its unit ("-0.2 pp ±0.1"
    over "pp"); a cell may break only between its value and its interval."""
    import ipyvuetify as v
    import solara

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    first = _small(replications=2).with_(label="five_batches")
    other = first.with_(label="other_mix", budget_scale=2.0)
    app.pinned.set([first, other])
    try:
        app._run_comparison()

        @solara.component
        def Tab():
            app.CompareView(app.DashboardModel(first))

        _, rc = solara.render(Tab(), handle_error=False)
        texts = [str(w.children[0]) for w in rc.find(v.Html).widgets if w.children]
        note = next(t for t in texts if "paired difference from" in t)
        assert "from five_batches (Δ" in note
        pages = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets]
        table = next(p for p in pages if "<table>" in p)
        cells = [c.split("</td>")[0] for c in table.split('">')[1:] if "</td>" in c]
        differences = [c for c in cells if " pp" in c or "\u00a0pp" in c]
        assert differences, cells
        for cell in differences:
            value, _, interval = cell.partition(" ±")
            assert " " not in value, cell
            assert " " not in interval, cell
    finally:
        app.pinned.set([])
        app.comparison.set(None)


def test_the_compare_tab_draws_its_figure_once_a_comparison(monkeypatch) -> None:
    """The old comparison's figure was drawn again at every "comparing: N of M runs" of the
    next one: a second comparison of 90 runs took 59.5 s where the first took 13.1 s."""
    import solara

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    drawn: list[int] = []
    real = app.comparison_trajectories

    def counted(*args, **kwargs):
        drawn.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(app, "comparison_trajectories", counted)
    first = _small(replications=2)
    app.pinned.set([first, first.with_(label="other", budget_scale=2.0)])
    try:
        app._run_comparison()

        @solara.component
        def Tab():
            app.CompareView(app.DashboardModel(first))

        solara.render(Tab(), handle_error=False)
        before = len(drawn)
        assert before >= 1
        for n in range(5):  # the next comparison's progress
            app.comparing.set(f"comparing: {n} of 5 runs")
        assert len(drawn) == before
    finally:
        app.comparing.set("")
        app.pinned.set([])
        app.comparison.set(None)


def test_a_mix_spending_nothing_is_summed_up_as_such() -> None:
    """no_intervention was pinned as "industry 0%, employment 0%, relocation 0%", as if those
    were its largest programs."""
    none = Policy.from_file(SCENARIOS / "no_intervention.toml")
    assert none.summary().startswith("no_intervention: no program money; budget x1")
    assert "0%" not in none.summary().split(";")[0]
    tail = Policy.from_file(SCENARIOS / "baseline.toml").with_share("industry", 1.0)
    assert tail.summary().startswith("baseline: industry 100%; budget")


def test_a_front_without_the_columns_the_page_reads_is_named(tmp_path: Path) -> None:
    """A pareto.parquet without its member column (edited by hand) raised a KeyError in the
    page's callbacks."""
    import pandas as pd

    from povsim.config import ScenarioError
    from povsim.dashboard.policy import load_front

    (tmp_path / "manifest.json").write_text(
        json.dumps({"povsim_output": "optimize", "objectives": ["min:incidence_end"]})
    )
    pd.DataFrame({"incidence_end": [0.01]}).to_parquet(tmp_path / "pareto.parquet")
    with pytest.raises(ScenarioError, match="no column member"):
        load_front(tmp_path)


def test_the_same_mix_again_keeps_its_projection(monkeypatch) -> None:
    """Enter or Tab through the seed field re-applied the mix: Solara kept the old (equal)
    object, the projection was made for the new one, and the charts lost it until the next
    real change."""
    import threading

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    first = _small()
    app.policy.set(first)
    app._project_rest(first, threading.Event())
    assert app._projected(first) is not None
    app._set_policy(first.with_(seed=first.seed))  # equal, not the same object
    assert app.policy.value is first
    assert app._projected(app.policy.value) is not None


def test_a_pin_says_when_two_lines_in_one_is_switched_from_its_scenarios() -> None:
    """Two pins that differ only in the switch read the same, as did the export's header."""
    mix = _small()
    assert mix.has_social_security
    default = mix.summary()
    switched = mix.with_(two_lines_in_one=not mix.two_lines_in_one)
    word = "on" if switched.two_lines_in_one else "off"
    assert "two lines in one" not in default
    assert switched.summary() == f"{default}; two lines in one {word}"
    assert f"two lines in one {word}." in switched.to_toml().splitlines()[1]


def test_problems_are_shown_one_a_line_and_the_seed_field_follows_the_mix(monkeypatch) -> None:
    """An upload with two unknown fields read as one sentence; a refused seed stayed in its
    field, beside no error, once another change cleared the error."""
    import ipyvuetify as v
    import solara

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    app.policy.set(_small())
    app.problem.set("upload: a.toml: x: unknown field\nupload: a.toml: y: unknown field")
    try:
        _, rc = solara.render(app.PolicyPanel(), handle_error=False)
        shown = [
            w.children[0]
            for w in rc.find(v.Html).widgets
            if w.children and str(w.children[0]).startswith("upload: a.toml")
        ]
        assert shown == ["upload: a.toml: x: unknown field", "upload: a.toml: y: unknown field"]
        field = rc.find(v.TextField, label="seed").widget
        field.v_model = "-1"  # typed, then refused
        app._set_policy(app.policy.value.with_(seed=-1))
        assert "seed: Input should be greater than or equal to 0" in app.problem.value
        assert field.v_model == "-1"  # the refused value stays beside its error
        app._set_policy(app.policy.value.with_(budget_scale=1.5))  # another change
        assert app.problem.value == ""
        assert field.v_model == str(app.policy.value.seed)
    finally:
        app.problem.set("")


def test_a_seed_out_of_range_is_said_in_the_pages_words(monkeypatch) -> None:
    """-5 read "baseline as changed: seed: Input should be greater than or equal to 0"."""
    import ipyvuetify as v
    import solara

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    app.policy.set(_small())
    try:
        _, rc = solara.render(app.PolicyPanel(), handle_error=False)
        field = rc.find(v.TextField, label="seed").widget
        field.v_model = "-5"
        field.fire_event("focusout", None)
        assert app.problem.value == (
            "seed: a whole number from 0 to 18,446,744,073,709,551,615, not -5"
        )
        # beside the field too, which is marked: the message is out of sight at the top
        field = rc.find(v.TextField, label="seed").widget
        assert field.error_messages == [
            "a whole number from 0 to 18,446,744,073,709,551,615, not -5"
        ]
    finally:
        app.problem.set("")


def test_a_loaded_mix_keeps_its_budget_and_the_planners_replications(monkeypatch) -> None:
    """Shandan's calibrated budget (0.140 then, 0.124 since stop 56) loaded as the slider's
    step nearest it, and the export carried it; a change of scenario put the replications
    back to 10."""
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    app.policy.set(_small().with_(replications=2))
    app._load(SCENARIOS / "regions" / "shandan.toml", "regions/shandan.toml")
    loaded = app.policy.value
    assert loaded.replications == 2
    own = load_scenario(SCENARIOS / "regions" / "shandan.toml").budget.scale
    assert loaded.budget_scale == pytest.approx(own)
    snap = round(own / app.BUDGET_STEP) * app.BUDGET_STEP
    assert snap != pytest.approx(own)  # no step of the slider is the calibrated level
    app._set_budget(loaded, snap)  # the slider's snap, sent back
    assert app.policy.value.budget_scale == pytest.approx(own)
    app._set_budget(loaded, 0.3)  # a move
    assert app.policy.value.budget_scale == pytest.approx(0.3)
    app._reset_budget(app.policy.value)  # and back
    assert app.policy.value.budget_scale == pytest.approx(own)


def test_share_labels_add_up_to_the_total_they_keep() -> None:
    """Industry moved to 30% left labels of 30+11+14+7+7+9+16+5 = 99% under "kept summing
    to 100%"."""
    from povsim.dashboard import percents

    moved = _small().with_share("industry", 0.30).shares
    shown = percents(moved)
    assert sum(shown.values()) == 100
    assert shown["industry"] == 30
    assert all(abs(shown[n] - 100 * moved[n]) < 1 for n in moved)


def test_a_share_reads_the_same_wherever_the_mix_is_shown(monkeypatch) -> None:
    """industry_led with industry a slider step down to 49% read "housing 16%" on its slider
    (15.3%, rounded up so that the labels add to 100%) but "housing 15%" in the headline above
    the charts, the pinned mix, the export's header and a front's table."""
    import ipyvuetify as v
    import pandas as pd
    import solara

    from povsim.dashboard import Front

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    base = load_scenario(SCENARIOS / "industry_led.toml", ["population.households=300"])
    mix = Policy.from_scenario(base, "industry_led.toml").with_(replications=2)
    mix = mix.with_share("industry", 0.49)  # the slider's 49
    assert mix.shares["housing"] == pytest.approx(0.153)
    before, name = app.policy.value, app.mix_name.value
    app.policy.set(mix)
    app.mix_name.set(mix.label)
    app.pinned.set([mix])
    try:
        _, rc = solara.render(app.PolicyPanel(), handle_error=False)
        labels = [w.label for w in rc.find(v.Slider).widgets if w.label.startswith("housing ")]
        assert labels == ["housing 16%"]
        pins = [w.children[0] for w in rc.find(v.Html).widgets if "povsim-pinned" in w.class_]
        assert pins[0].startswith("industry_led: industry 49%, housing 16%, employment 10%;")
        headline: list[str] = []
        monkeypatch.setattr(app, "_markdown", headline.append)
        solara.render(app.StatusView(app.DashboardModel(mix)), handle_error=False)
        assert "industry 49%, housing 16%, employment 10%;" in headline[0]
        assert ", housing 16%, " in mix.to_toml().splitlines()[1]
        table = pd.DataFrame({"member": ["01"], "incidence_end": [0.01]})
        front = Front(Path("small"), table, ("min:incidence_end",))
        front._mixes["01"] = dict(mix.shares)
        assert "| industry 49%, housing 16%, employment 10% |" in app._front_markdown(front)
    finally:
        app.pinned.set([])
        app.policy.set(before)
        app.mix_name.set(name)


def test_a_full_list_of_pins_says_why_it_takes_no_more(monkeypatch) -> None:
    import ipyvuetify as v
    import solara

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    mix = _small()
    app.policy.set(mix)
    app.pinned.set([mix.with_(label=f"m{i}") for i in range(app.MAX_PINNED)])
    try:
        _, rc = solara.render(app.PolicyPanel(), handle_error=False)
        texts = [str(w.children[0]) for w in rc.find(v.Html).widgets if w.children]
        assert any("unpin one to pin another" in t for t in texts)
    finally:
        app.pinned.set([])


def test_a_loaded_mix_keeps_a_seed_the_planner_typed(monkeypatch) -> None:
    """Choosing another scenario put its own seed back in place of the planner's 7."""
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    mine = _small()
    app.policy.set(mine.with_(seed=7))
    app._load(SCENARIOS / "health_first.toml", "health_first.toml")
    assert app.policy.value.seed == 7
    app.policy.set(mine)  # the scenario's own seed, untouched: the next one's own comes
    app._load(SCENARIOS / "regions" / "shandan.toml", "regions/shandan.toml")
    assert app.policy.value.seed == load_scenario(SCENARIOS / "regions" / "shandan.toml").seed


def test_a_shipped_mix_with_its_levers_moved_is_not_pinned_under_its_name(monkeypatch) -> None:
    """Industry at 30% was pinned as "baseline", the real baseline after it as "baseline-2",
    and the comparison's reference row was a mix it was not."""
    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    shipped = _small()
    app.mix_name.set(shipped.label)
    assert app._named(shipped).label == "baseline"
    moved = shipped.with_share("industry", 0.30)
    assert moved.edited
    assert app._named(moved).label == "baseline-edited"
    app.mix_name.set("my mix")  # a name the planner gave stays
    assert app._named(moved).label == "my mix"
    app.mix_name.set("")


def test_a_nations_budget_reads_in_billions(monkeypatch) -> None:
    """The national profile's budget read "160,000.0 m yuan"."""
    import ipyvuetify as v
    import solara

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    before = app.policy.value
    shown: list[str] = []
    monkeypatch.setattr(app, "_markdown", shown.append)
    app.policy.set(
        Policy.from_file(SCENARIOS / "regions" / "national.toml", "regions/national.toml")
    )
    try:
        _, rc = solara.render(app.PolicyPanel(), handle_error=False)
        texts = [w.children[0] for w in rc.find(v.Html).widgets if w.children]
        budget = next(t for t in texts if str(t).startswith("budget x"))
        assert " bn yuan (2014-2020)" in budget
        assert "m yuan" not in budget
        # the programs no slider moves, which spent ten times the budget shown above
        own = next(t for t in texts if str(t).startswith("besides: programs with budgets"))
        assert "1,280.6 bn yuan (2014-2020): relocation 579.0, production_support 212.2" in own
        # its shares keep 63%: where the rest is (it read as lost)
        assert any("the rest of the budget to no program" in text for text in shown)
    finally:
        app.policy.set(before)


def test_a_nations_register_reads_in_millions() -> None:
    """The national profile's register axis, in thousands, read "86,000" and pushed its
    name out of the chart ("stered poor (thousand people)")."""
    import pandas as pd

    from povsim.dashboard.charts import _people_scale

    county = pd.DataFrame({"registered_people": [1_200_000.0]})
    nation = pd.DataFrame({"registered_people": [86_000_000.0]})
    assert _people_scale(county, column="registered_people") == (1e-3, "thousand people")
    assert _people_scale(nation, column="registered_people") == (1e-6, "million people")
    small = pd.DataFrame({"registered_people": [5_000.0]})
    assert _people_scale(small, column="registered_people") == (1.0, "people")


def test_the_mix_name_being_typed_heads_the_live_model(monkeypatch) -> None:
    """A name typed for the mix reached the pins and the download but not the live model's
    headline, which kept the scenario's name until the mix was rebuilt."""
    import solara

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    mix = _small(replications=2).with_(label="baseline")
    shown: list[str] = []
    monkeypatch.setattr(app, "_markdown", shown.append)
    before = app.mix_name.value
    try:
        app.mix_name.set("my mix")
        solara.render(app.StatusView(app.DashboardModel(mix)), handle_error=False)
        assert shown[-1].startswith("**my mix: ")
        app.mix_name.set("   ")  # no name: the scenario's
        solara.render(app.StatusView(app.DashboardModel(mix)), handle_error=False)
        assert shown[-1].startswith(f"**{mix.base.name}: ")
        app.mix_name.set("2*3*4 [plan](x)")  # typed, not markdown: no italics, no link
        solara.render(app.StatusView(app.DashboardModel(mix)), handle_error=False)
        assert shown[-1].startswith("**2&#42;3&#42;4 &#91;plan&#93;(x): ")
    finally:
        app.mix_name.set(before)


def test_a_nations_spending_reads_in_billions_in_the_comparison_as_in_the_sidebar() -> None:
    """The sidebar gave a nation's budget in billions and the comparison's table its spending
    in millions ("160,000.0"): one rule for both."""
    from types import SimpleNamespace

    import pandas as pd

    from povsim.experiments.compare import COMPARED, Comparison
    from povsim.runs.display import money_unit

    assert money_unit(83.5e6) == (1e6, "m")
    assert money_unit(160e9) == (1e9, "bn")

    def compared(spending: float, more: float) -> Comparison:
        rows = []
        for mix, diff in (("a", float("nan")), ("b", more)):
            for metric in COMPARED:
                money = metric == "spending_yuan"
                mean = (spending + (0 if mix == "a" else more)) if money else 0.5
                d = diff if money else 0.0
                rows.append(
                    {
                        "scenario": mix,
                        "metric": metric,
                        "mean": mean,
                        "ci_low": mean - spending / 100 if money else 0.4,
                        "ci_high": mean + spending / 100 if money else 0.6,
                        "diff_mean": d,
                        "diff_ci_low": d - more / 16,
                        "diff_ci_high": d + more / 16,
                        "diff_significant": mix == "b",
                    }
                )
        mixes = [SimpleNamespace(name="a"), SimpleNamespace(name="b")]
        table = pd.DataFrame(rows)
        return Comparison(mixes, 0, 2, pd.DataFrame(), table, pd.DataFrame(), 0.0)  # type: ignore[arg-type]

    nation = compared(160.0e9, 9.6e9)
    assert nation.shown()["spending_yuan"] == "spending (bn yuan)"
    spending = list(nation.shown()).index("spending_yuan")
    cells = {(name, diff): row[spending] for name, diff, row in nation.cells()}
    assert cells["a", False] == "160.0 ±1.6"
    assert cells["b", False] == "169.6 ±1.6"
    assert cells["b", True].startswith("+9.6 ±0.6")
    county = compared(83.5e6, 5e6)
    assert county.shown()["spending_yuan"] == "spending (m yuan)"
    assert county.cells()[0][2][spending] == "83.5 ±0.8"


def test_the_village_grid_keeps_one_colour_scale_through_the_years(monkeypatch) -> None:
    """The grid's scale ran to each year's highest village, so a village at 10% turned from
    pale to dark as the others left poverty: one scale, the registration's, for the run."""
    from povsim.dashboard import charts

    monkeypatch.setenv("POVSIM_SCENARIOS_DIR", str(SCENARIOS))
    from povsim.dashboard import app

    mix = Policy.from_file(SCENARIOS / "baseline.toml", "baseline.toml").with_(replications=1)
    model = app.DashboardModel(mix)
    assert model.villages.n <= charts.GRID_VILLAGES
    top = model.village_scale
    assert top >= 20
    assert top % 10 == 0
    first = charts.village_chart(model, model.assessed, model.village_scale)
    for _ in range(4):
        model.step()
    later = charts.village_chart(model, model.assessed, model.village_scale)
    assert first["visualMap"]["max"] == later["visualMap"]["max"] == top
    # the villages did leave poverty: a scale that followed them would have moved
    assert charts.village_scale(model) < top


@needs_chromium
@pytest.mark.slow
def test_the_upload_and_the_narrow_sidebar_work_from_the_keyboard(server: str) -> None:
    """The upload zone could not be reached with Tab (a mouse alone opened it), and Esc did
    not close the sidebar a narrow window lays over the page."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        # File dialogs intercepted from the start: a waiter set up as the key is pressed
        # could miss the dialog.
        page.on("filechooser", lambda _: None)
        page.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)
        page.goto(server)
        zone = page.locator(".povsim-upload")
        expect(zone).to_be_visible()
        # Tab from the field before it reaches the zone, and Enter opens the file dialog.
        page.get_by_role("button", name="scenario").first.focus()
        for _ in range(6):
            page.keyboard.press("Tab")
            if zone.evaluate("z => z === document.activeElement"):
                break
        expect(zone).to_be_focused()
        with page.expect_file_chooser() as chosen:
            page.keyboard.press("Enter")
        assert not chosen.value.is_multiple()

        # A narrow window: the page opens with the sidebar closed (open, it covered the
        # button that opens it), the button opens it and Esc closes it.
        narrow = browser.new_page(viewport={"width": 800, "height": 1000})
        narrow.goto(server)
        page.close()
        page = narrow
        drawer = page.locator(".v-navigation-drawer")
        expect(drawer).to_have_class(re.compile("v-navigation-drawer--is-mobile"))
        expect(drawer).not_to_have_class(re.compile("v-navigation-drawer--open"))
        toggle = page.locator(".v-app-bar .v-app-bar__nav-icon")
        toggle.click()
        expect(drawer).to_have_class(re.compile("v-navigation-drawer--open"))
        page.keyboard.press("Escape")
        expect(drawer).not_to_have_class(re.compile("v-navigation-drawer--open"))
        expect(toggle).to_be_focused()
        # A phone: the drawer (401 px) was wider than the screen, over its menu button, and
        # a tap beside it could not close it (a phone has no Esc).
        phone = browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True)
        phone.goto(server)
        drawer = phone.locator(".v-navigation-drawer")
        phone.locator(".v-app-bar .v-app-bar__nav-icon").click()
        expect(drawer).to_have_class(re.compile("v-navigation-drawer--open"))
        box = drawer.bounding_box()
        assert box is not None
        assert box["width"] < 390
        phone.mouse.click(385, 400)
        expect(drawer).not_to_have_class(re.compile("v-navigation-drawer--open"))
        browser.close()


@needs_chromium
@pytest.mark.slow
def test_two_tabs_keep_one_list_of_pins(server: str) -> None:
    """With two tabs open, the last to write its pins dropped the other's: a mix pinned in
    one tab, and its removal, now reach the other."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100})
        expect.set_options(timeout=60_000)
        one, two = context.new_page(), context.new_page()
        for page in (one, two):
            page.set_default_timeout(60_000)
            page.goto(server)
            expect(page.get_by_role("button", name="Pin this mix")).to_be_enabled()
        one.get_by_label("mix name").fill("from-one")
        one.get_by_role("button", name="Pin this mix").click()
        expect(two.locator(".povsim-pinned")).to_contain_text("from-one")
        two.get_by_label("mix name").fill("from-two")
        two.get_by_role("button", name="Pin this mix").click()
        expect(one.locator(".povsim-pinned")).to_have_count(2)
        expect(one.locator(".povsim-pinned").nth(1)).to_contain_text("from-two")
        two.get_by_role("button", name="remove from-one").click()
        expect(one.locator(".povsim-pinned")).to_have_count(1)
        expect(one.locator(".povsim-pinned")).to_contain_text("from-two")
        # a third tab opens with the list both kept
        three = context.new_page()
        three.goto(server)
        expect(three.locator(".povsim-pinned")).to_have_count(1)
        expect(three.locator(".povsim-pinned")).to_contain_text("from-two")
        browser.close()


def test_cancel_does_not_add_to_a_comparison_that_has_ended() -> None:
    """Cancel pressed as the comparison ended appended to its last word: "comparison
    cancelled after 17 of 200 runs; cancelling after the run under way", left on screen."""
    from povsim.dashboard import app

    try:
        app.comparing.set("comparison cancelled after 17 of 200 runs")
        app._cancel_comparison()
        assert app.comparing.value == "comparison cancelled after 17 of 200 runs"
        app.comparing.set("comparing: 3 of 200 runs")
        app._cancel_comparison()
        assert app.comparing.value == "comparing: 3 of 200 runs; cancelling after the run under way"
    finally:
        app.comparing.set("")
        app.compare_cancelled.set(False)
