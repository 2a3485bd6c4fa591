"""Dashboard latency: from moving a budget-share slider to redrawn charts, in Chromium.

Starts ``povsim dashboard``, moves the industry slider one step at a time, and times
each change until the slider shows its new share and every chart has its new content in
the page (each chart carries a digest of what it draws). The time is taken in the page,
from the key going down to the change in the DOM (a MutationObserver): polling from the
test would round each wait up to Playwright's retry intervals (0.1, 0.35, 0.85 s).
Prints the median against one projection run (``simulate`` of the same mix, measured in
this run) and the time until the projection is the mean of all the mix's replications
(refined in the background).

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


WATCH = """([digests, label]) => {
  const key = {};
  document.addEventListener("keydown", () => { key.at = performance.now(); },
                            {capture: true, once: true});
  const selectors = [".povsim-chart-poverty", ".povsim-chart-exits", ".povsim-chart-income"];
  const done = () =>
    key.at !== undefined &&
    selectors.every((s, i) => {
      const chart = document.querySelector(s);
      return chart !== null && chart.getAttribute("data-digest") !== digests[i];
    }) &&
    document.querySelector(".povsim-share-industry").innerText.includes(label);
  window.__povsimWait = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (done()) {
        observer.disconnect();
        resolve(performance.now() - key.at);
      }
    });
    observer.observe(document.body,
                     {subtree: true, attributes: true, childList: true, characterData: true});
  });
}"""
"""Start watching for a slider change to show: the key going down, then the slider's new
label and every chart's new content in the page; ``window.__povsimWait`` resolves to the
milliseconds between the two."""


def slider_waits(url: str, changes: int) -> tuple[list[float], list[float]]:
    """Seconds from each slider step to redrawn charts, and to the full projection."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        expect.set_options(timeout=120_000)
        page.goto(url)
        projection = page.locator(".povsim-projection")
        expect(projection).to_contain_text("projected 20")
        charts = page.locator(".povsim-chart-poverty, .povsim-chart-exits, .povsim-chart-income")
        expect(charts).to_have_count(3)
        thumb = page.locator(".povsim-share-industry [role=slider]")
        label = page.locator(".povsim-share-industry")
        thumb.focus()
        waits, settled = [], []
        for _ in range(changes):
            expect(projection).to_contain_text("runs;")  # every replication is in
            share = int(label.inner_text().split()[1].rstrip("%"))
            digests = [charts.nth(i).get_attribute("data-digest") for i in range(3)]
            # Timed in the page, from the key going down to the change in the DOM: polling
            # from here would round each wait up to Playwright's retry intervals.
            page.evaluate(WATCH, [digests, f"industry {share + 1}%"])
            clock = time.perf_counter()
            thumb.press("ArrowRight")
            waits.append(page.evaluate("() => window.__povsimWait") / 1000)
            expect(projection).to_contain_text("runs;")
            settled.append(time.perf_counter() - clock)
        browser.close()
    return waits, settled


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
        waits, settled = slider_waits(url, args.changes)

    median = statistics.median(waits)
    print(f"scenario: {scenario.name}, {scenario.population.households:,} agents")
    print(f"one projection run (reference): {reference:.2f} s")
    print(
        f"slider change to updated charts: median {median:.2f} s "
        f"(min {min(waits):.2f}, max {max(waits):.2f}) = {median / reference:.1f}x the reference"
    )
    print(
        f"until the projection is the mean of all {scenario.name}'s replications: "
        f"median {statistics.median(settled):.2f} s"
    )


if __name__ == "__main__":
    main()
