"""Dashboard latency: from moving a budget-share slider to redrawn charts, in Chromium.

Starts ``povsim dashboard``, moves the industry slider one step at a time, and times
each change until the projection line and the first chart have both changed. Prints
the median against one projection run (``simulate`` of the same mix, measured in this
run), the part of the wait that is simulation.

Needs the viz and test extras and Debian's chromium.

Usage: python benchmarks/bench_dashboard.py [SCENARIO] [--changes 10]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from povsim import load_scenario, simulate
from povsim.dashboard.serve import CHROMIUM_ARGS, chromium, running_dashboard

ROOT = Path(__file__).resolve().parent.parent


def slider_waits(url: str, changes: int) -> list[float]:
    """Seconds from each slider step to redrawn charts."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        expect.set_options(timeout=120_000)
        page.goto(url)
        projection = page.get_by_text("projected 20")
        expect(projection).to_be_visible()
        chart = page.locator("main img").first
        thumb = page.locator(".povsim-share-industry [role=slider]")
        thumb.focus()
        waits = []
        for _ in range(changes):
            text, src = projection.inner_text(), chart.get_attribute("src")
            clock = time.perf_counter()
            thumb.press("ArrowRight")
            expect(projection).not_to_have_text(text)
            expect(chart).not_to_have_attribute("src", src)
            waits.append(time.perf_counter() - clock)
        browser.close()
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.toml"))
    parser.add_argument("--changes", type=int, default=10)
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    clock = time.perf_counter()
    simulate(scenario, counterfactual=False)
    reference = time.perf_counter() - clock

    with running_dashboard(Path(args.scenario), cwd=ROOT) as url:
        waits = slider_waits(url, args.changes)

    median = statistics.median(waits)
    print(f"scenario: {scenario.name}, {scenario.population.households:,} agents")
    print(f"one projection run (reference): {reference:.2f} s")
    print(
        f"slider change to updated charts: median {median:.2f} s "
        f"(min {min(waits):.2f}, max {max(waits):.2f}) = {median / reference:.1f}x the reference"
    )


if __name__ == "__main__":
    main()
