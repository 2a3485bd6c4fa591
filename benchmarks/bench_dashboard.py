"""Dashboard latency: from moving a budget-share slider to redrawn charts, in Chromium.

Starts ``povsim dashboard`` on a free port, moves the industry slider one step at a
time, and times each change until the projection line and the first chart have both
changed. Prints the median against one projection run (``simulate`` of the same mix,
measured in this run), the part of the wait that is simulation.

Needs the viz and test extras and Debian's chromium.

Usage: python benchmarks/bench_dashboard.py [SCENARIO] [--changes 10]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from povsim import load_scenario, simulate

ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"no dashboard at {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.toml"))
    parser.add_argument("--changes", type=int, default=10)
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    clock = time.perf_counter()
    simulate(scenario, counterfactual=False)
    reference = time.perf_counter() - clock

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "povsim", "dashboard", args.scenario, "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            expect.set_options(timeout=120_000)
            page.goto(url)
            projection = page.get_by_text("projected 20")
            expect(projection).to_be_visible()
            chart = page.locator("main img").first
            thumb = page.locator(".povsim-share-industry [role=slider]")
            thumb.focus()
            waits = []
            for _ in range(args.changes):
                text, src = projection.inner_text(), chart.get_attribute("src")
                clock = time.perf_counter()
                thumb.press("ArrowRight")
                expect(projection).not_to_have_text(text)
                expect(chart).not_to_have_attribute("src", src)
                waits.append(time.perf_counter() - clock)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)

    median = statistics.median(waits)
    print(f"scenario: {scenario.name}, {scenario.population.households:,} agents")
    print(f"one projection run (reference): {reference:.2f} s")
    print(
        f"slider change to updated charts: median {median:.2f} s "
        f"(min {min(waits):.2f}, max {max(waits):.2f}) = {median / reference:.1f}x the reference"
    )


if __name__ == "__main__":
    main()
