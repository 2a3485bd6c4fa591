"""Wall time of experiments: a 200-run sweep of the baseline and a comparison of the mixes.

Prints each against a serial run of the same work measured in this run.

Usage: python benchmarks/bench_experiments.py [--runs 200] [--replications 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from povsim import load_scenario
from povsim.experiments import compare_scenarios, load_design, make_executor, run_sweep

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MIXES = [
    "five_batches",
    "industry_led",
    "social_security_floor",
    "relocation_push",
    "education_long_run",
    "health_first",
    "no_intervention",
]


def timed(work) -> float:
    clock = time.perf_counter()
    work()
    return time.perf_counter() - clock


def sweep_seconds(runs: int, executor: str, workers: int | None) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        design = Path(tmp) / "design.toml"
        design.write_text(
            f'base = "{SCENARIOS / "baseline.toml"}"\nreplications = {runs}\n'
            '[[variants]]\nname = "baseline"\n',
            encoding="utf-8",
        )
        sweep = load_design(design)
        with make_executor(executor, workers) as pool:
            return timed(lambda: run_sweep(sweep, Path(tmp) / "out", executor=pool))


def compare_seconds(replications: int, executor: str, workers: int | None) -> float:
    scenarios = [load_scenario(SCENARIOS / f"{name}.toml") for name in MIXES]
    with make_executor(executor, workers) as pool:
        return timed(lambda: compare_scenarios(scenarios, replications, executor=pool))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()

    serial = sweep_seconds(args.runs, "serial", None)
    print(f"sweep of {args.runs} baseline runs (5,000 households, 2014-2020 monthly):")
    print(f"  serial (reference)      {serial:7.1f} s")
    for workers in (1, 2):
        seconds = sweep_seconds(args.runs, "processes", workers)
        print(
            f"  processes, {workers} worker(s)  {seconds:7.1f} s   {serial / seconds:4.2f}x serial"
        )

    serial = compare_seconds(args.replications, "serial", None)
    runs = len(MIXES) * args.replications
    print(f"compare of {len(MIXES)} mixes, {args.replications} replications ({runs} runs):")
    print(f"  serial (reference)      {serial:7.1f} s")
    seconds = compare_seconds(args.replications, "processes", 2)
    print(f"  processes, 2 workers    {seconds:7.1f} s   {serial / seconds:4.2f}x serial")


if __name__ == "__main__":
    main()
