"""Speed and scale of the simulation core.

Runs the vectorised model at 10k, 100k and 1M households (2014-2020, monthly) and
the per-agent reference (``reference.py``: the same income step as agent ``step()``
methods through the AgentSet) in the same run, and prints household-months per
second for each and their ratio. Each measurement runs in a fresh process so peak
memory is its own.

Usage: python benchmarks/bench_core.py [--sizes 10000 100000 1000000] [--reference-steps 12]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE.parent / "scenarios" / "baseline.toml"


def _scenario(households: int):
    from povsim import load_scenario

    return load_scenario(
        BASELINE,
        [f"population.households={households}", f"population.villages={max(households // 100, 1)}"],
    )


def measure_vectorised(households: int) -> dict:
    from povsim import PovertyModel

    scenario = _scenario(households)
    clock = time.perf_counter()
    model = PovertyModel(scenario, 1)
    built = time.perf_counter()
    model.run()
    indicators = model.indicators()
    done = time.perf_counter()
    steps = model.total_steps
    return {
        "kind": "vectorised",
        "households": households,
        "steps": steps,
        "build_seconds": built - clock,
        "step_seconds": done - built,
        "end_to_end_seconds": done - clock,
        "household_months_per_second": households * steps / (done - built),
        "incidence_2020": float(indicators["incidence"].iloc[-1]),
    }


def measure_reference(households: int, steps: int) -> dict:
    sys.path.insert(0, str(HERE))
    from reference import ReferenceModel

    model = ReferenceModel(_scenario(households), seed=1)
    clock = time.perf_counter()
    for _ in range(steps):
        model.step()
    wall = time.perf_counter() - clock
    return {
        "kind": "per-agent reference",
        "households": households,
        "steps": steps,
        "step_seconds": wall,
        "household_months_per_second": households * steps / wall,
    }


def _child(kind: str, households: int, steps: int) -> dict:
    """Run one measurement in a fresh interpreter and read back its figures."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(households), str(steps)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--reference-sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--reference-steps",
        type=int,
        default=12,
        help="steps the slow reference runs (its rate is per household-month)",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, households, steps = args.child[0], int(args.child[1]), int(args.child[2])
        figures = (
            measure_vectorised(households)
            if kind == "vectorised"
            else measure_reference(households, steps)
        )
        figures["peak_memory_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        print(json.dumps(figures))
        return

    rows = [_child("vectorised", n, 0) for n in args.sizes]
    refs = {n: _child("reference", n, args.reference_steps) for n in args.reference_sizes}
    print("household-months per second while stepping (building the model excluded on both sides);")
    print("end to end = draw the population, build every agent, run 2014-2020 monthly, indicators.")
    print(
        f"{'households':>11} {'vectorised':>12} {'per-agent':>10} {'ratio':>7} "
        f"{'build s':>8} {'end to end s':>13} {'peak GB':>8}"
    )
    for row in rows:
        ref = refs.get(row["households"])
        rate = row["household_months_per_second"]
        ref_rate = f"{ref['household_months_per_second']:,.0f}" if ref else "-"
        ratio = f"{rate / ref['household_months_per_second']:.0f}x" if ref else "-"
        print(
            f"{row['households']:>11,} {rate:>12,.0f} {ref_rate:>10} {ratio:>7} "
            f"{row['build_seconds']:>8.1f} {row['end_to_end_seconds']:>13.1f} "
            f"{row['peak_memory_gb']:>8.2f}"
        )


if __name__ == "__main__":
    main()
