"""The planner's dashboard: policy-mix rules, and an end-to-end run in headless Chromium."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from povsim import load_scenario
from povsim.config import ScenarioError
from povsim.dashboard import Policy, rebalance, scenario_files
from povsim.dashboard.serve import CHROMIUM_ARGS, chromium, free_port, running_dashboard

from .conftest import ROOT, SCENARIOS

CHROMIUM = chromium()


def test_rebalancing_keeps_the_total() -> None:
    shares = {"a": 0.5, "b": 0.3, "c": 0.2}
    moved = rebalance(shares, "a", 0.7)
    assert moved["a"] == pytest.approx(0.7)
    assert sum(moved.values()) == pytest.approx(1.0)
    assert moved["b"] / moved["c"] == pytest.approx(1.5)  # the others keep their proportions
    assert rebalance(shares, "a", 2.0)["a"] == pytest.approx(1.0)  # clipped to the total
    spread = rebalance({"a": 1.0, "b": 0.0, "c": 0.0}, "a", 0.4)
    assert spread == pytest.approx({"a": 0.4, "b": 0.3, "c": 0.3})


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
    app._upload("mine.toml", good.encode())
    assert app.problem.value == ""
    assert app.policy.value.source == "upload: mine.toml"
    assert app.policy.value.label == "industry_led"
    app._upload("bad.toml", b"[population]\nhouseholds = -3\n")
    assert "population.households" in app.problem.value
    assert "bad.toml" in app.problem.value
    assert app.policy.value.source == "upload: mine.toml"  # the last valid mix stays


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``povsim dashboard`` on a free port, as a planner would start it."""
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    try:
        with running_dashboard(cwd=ROOT, log=log) as url:
            yield url
    except RuntimeError as err:
        pytest.fail(f"{err}:\n{log.read_text()}")


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (/usr/bin/chromium)"
)
@pytest.mark.slow
def test_a_planner_compares_two_mixes_in_the_browser(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
        page.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)
        page.goto(server)
        projection = page.get_by_text("projected 2020")
        expect(projection).to_be_visible()
        expect(page.get_by_text("industry 25%", exact=True)).to_be_visible()
        chart = page.locator("main img").first
        before_chart, before_text = chart.get_attribute("src"), projection.inner_text()

        # Move the industry slider: the other shares make room, the charts update.
        thumb = page.locator(".povsim-share-industry [role=slider]")
        thumb.focus()
        clock = time.perf_counter()
        thumb.press("ArrowRight")
        expect(page.get_by_text("industry 26%", exact=True)).to_be_visible()
        expect(projection).not_to_have_text(before_text)
        expect(chart).not_to_have_attribute("src", before_chart)
        seconds = time.perf_counter() - clock
        print(f"slider change to updated charts: {seconds:.2f} s")
        for _ in range(4):
            thumb.press("ArrowRight")
        expect(page.get_by_text("industry 30%", exact=True)).to_be_visible()
        expect(page.get_by_text("employment 11%", exact=True)).to_be_visible()

        # Run two years of the live model (one Step = 12 monthly steps).
        step = page.get_by_role("button", name="Step")
        step.click()
        expect(page.get_by_text("assessed up to 2014")).to_be_visible()
        step.click()
        expect(page.get_by_text("assessed up to 2015")).to_be_visible()

        # A bad value is a message on the page, and the last valid mix stays.
        seed = page.get_by_label("seed")
        seed.fill("-5")
        seed.press("Enter")
        expect(page.locator(".povsim-problem")).to_contain_text("seed")
        seed.fill("3")
        seed.press("Enter")
        expect(page.locator(".povsim-problem")).to_have_count(0)

        # Pin two mixes and compare them.
        pinned = page.locator(".povsim-pinned")
        page.get_by_label("mix name").fill("industry-30")
        page.get_by_role("button", name="Pin this mix").click()
        expect(pinned.first).to_contain_text("industry-30: industry 30%")
        thumb.focus()
        for _ in range(10):
            thumb.press("ArrowLeft")
        expect(page.get_by_text("industry 20%", exact=True)).to_be_visible()
        page.get_by_label("mix name").fill("industry-20")
        page.get_by_role("button", name="Pin this mix").click()
        expect(pinned.nth(1)).to_contain_text("industry-20: industry 20%")
        page.get_by_role("button", name="Compare", exact=True).click()
        page.get_by_role("tab", name="Compare mixes").click()
        table = page.locator("table")
        expect(table).to_contain_text("industry-20", timeout=120_000)
        expect(table).to_contain_text("industry-30")
        expect(table).to_contain_text("cumulative exit share")
        expect(page.get_by_text("Download comparison (CSV)")).to_be_visible()
        page.screenshot(path=tmp_path / "dashboard.png", full_page=True)

        # Export the mix and the comparison.
        with page.expect_download() as download:
            page.get_by_role("button", name="Download comparison (CSV)").click()
        csv = tmp_path / "comparison.csv"
        download.value.save_as(csv)
        assert "industry-20" in csv.read_text()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download scenario (TOML)").click()
        exported = tmp_path / "mix.toml"
        download.value.save_as(exported)
        browser.close()

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
    with running_dashboard(cwd=ROOT) as url:
        family = psutil.Process().children(recursive=True)
        assert family
    _, alive = psutil.wait_procs(family, timeout=30)
    assert not alive
    assert not _serving(url)


def test_the_server_does_not_ask_pypi_for_a_newer_solara() -> None:
    from povsim.cli.dashboard import server_command

    assert "--no-check-version" in server_command("127.0.0.1", 8765)
