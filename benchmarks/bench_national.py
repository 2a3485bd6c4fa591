"""Speed and memory of the county-resolved national run (national_counties.toml).

Runs the whole profile, 2014-2020 monthly, at each size (agents in all counties) serially
and on ``--workers`` workers — local worker processes (``--executor processes``, the
default) or a local Dask cluster of worker processes with one thread each
(``--executor dask``) — one partition per province, and prints wall time, the speed-up and
the peak resident memory of each worker (serial: of the one process; processes: of the
largest worker). Each measurement runs in a fresh process.

The machine's own speed drifts (the same code ran 1.9 times slower at stop 77 than at stop
67), so the run also times a fixed reference workload before and after the measurements: the
per-agent Mesa reference of ``bench_core.py`` (``reference.py``: 10,000 households, 12
monthly steps). Each row's time is given in those units as well (seconds over the mean of the
two reference times), which compares runs on different days or machines; the issue's 120 s
target is in plain seconds on this machine.

``--slice PROVINCE --slice-agents N`` instead measures one province's partition of a run of
N agents in all (about 30 m: one agent per registered household) and extrapolates the
whole run's time on a cluster from it: the slice's time per agent, times all agents,
over the cluster's workers (partitions are independent, so that is the ideal).

Usage: python benchmarks/bench_national.py [--sizes 1000000 4000000] [--workers 2]
                                           [--executor processes|dask]
       python benchmarks/bench_national.py --slice Ningxia --slice-agents 30000000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
PROFILE = HERE.parent / "scenarios" / "regions" / "national_counties.toml"
AGENTS_PER_VILLAGE = 50  # as in the national profile (200,000 agents in 4,000 villages)
REFERENCE_HOUSEHOLDS = 10_000
REFERENCE_STEPS = 12


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure(agents: int, workers: int, executor: str = "processes") -> dict:
    from povsim import load_scenario
    from povsim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
    from povsim.experiments.national import run_national

    scenario = load_scenario(
        PROFILE,
        [
            f"population.households={agents}",
            f"population.villages={max(1, agents // AGENTS_PER_VILLAGE)}",
        ],
    )
    clock = time.perf_counter()
    if workers == 1:
        result = run_national(scenario, 1, executor=SerialExecutor())
        peaks = [_peak_mb()]
    elif executor == "dask":
        with DaskExecutor(workers) as pool:
            result = run_national(scenario, 1, executor=pool)
            peaks = sorted(pool._client.run(_peak_mb).values())
    else:
        # The workers are the fork server's children, not ours: sample their memory.
        seen: dict[int, float] = {}
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.2):
                for child in psutil.Process().children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        rss = child.memory_info().rss / 2**20
                        seen[child.pid] = max(seen.get(child.pid, 0.0), rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        with ProcessExecutor(workers) as pool:
            result = run_national(scenario, 1, executor=pool)
        stop.set()
        sampler.join()
        peaks = sorted(seen.values())[-workers:]
    seconds = time.perf_counter() - clock
    return {
        "agents": agents,
        "workers": workers,
        "executor": "serial" if workers == 1 else executor,
        "counties": int(result.counties["county"].nunique()),
        "seconds": round(seconds, 1),
        "peak_mb_per_worker": [round(p) for p in peaks],
        "counties_exited": result.indicators["counties_exited"].tolist(),
    }


def measure_reference() -> float:
    """Seconds the per-agent reference takes for its fixed workload (see the docstring)."""
    from bench_core import measure_reference as per_agent

    return float(per_agent(REFERENCE_HOUSEHOLDS, REFERENCE_STEPS)["step_seconds"])


def _fresh(*arguments: str) -> dict:
    """One measurement in a fresh interpreter (its peak memory its own), read back."""
    out = subprocess.run(
        [sys.executable, __file__, *arguments],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_slice(province: str, agents: int, cluster_workers: tuple[int, ...]) -> dict:
    from povsim import load_scenario
    from povsim.runs.counties import county_specs, partitions, run_partition

    scenario = load_scenario(
        PROFILE,
        [
            f"population.households={agents}",
            f"population.villages={max(1, agents // AGENTS_PER_VILLAGE)}",
        ],
    )
    specs = county_specs(scenario, 1)
    group = next(g for g in partitions(specs) if g[0].county.province == province)
    slice_agents = sum(s.agents for s in group)
    total_agents = sum(s.agents for s in specs)
    clock = time.perf_counter()
    run_partition(group)
    seconds = time.perf_counter() - clock
    whole = seconds * total_agents / slice_agents
    return {
        "province": province,
        "counties": len(group),
        "slice_agents": slice_agents,
        "total_agents": total_agents,
        "slice_seconds": round(seconds, 1),
        "peak_mb": round(_peak_mb()),
        "extrapolated_serial_hours": round(whole / 3600, 2),
        "extrapolated_seconds": {w: round(whole / w) for w in cluster_workers},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executor", choices=("processes", "dask"), default="processes")
    parser.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--slice", help="measure one province's partition and extrapolate")
    parser.add_argument("--slice-agents", type=int, default=30_000_000)
    args = parser.parse_args()
    if args.slice:
        print(json.dumps(measure_slice(args.slice, args.slice_agents, (2, 16, 64, 256))))
        return
    if args.one:
        print(json.dumps(measure(*args.one, args.executor)))
        return
    if args.reference:
        print(json.dumps({"reference_seconds": measure_reference()}))
        return
    before = _fresh("--reference")["reference_seconds"]
    print(json.dumps({"reference_seconds_before": before}), flush=True)
    rows = []
    for agents in args.sizes:
        for workers in (1, args.workers):
            rows.append(_fresh("--one", str(agents), str(workers), "--executor", args.executor))
            print(json.dumps(rows[-1]), flush=True)
    after = _fresh("--reference")["reference_seconds"]
    print(json.dumps({"reference_seconds_after": after}), flush=True)
    reference = (before + after) / 2
    print(
        f"\nreference: the per-agent income step, {REFERENCE_HOUSEHOLDS:,} households x "
        f"{REFERENCE_STEPS} months, {before:.2f} s before and {after:.2f} s after"
    )
    header = "| agents | workers | executor | seconds | references | speed-up | peak MB a worker |"
    print("\n" + header)
    print("|---:|---:|---|---:|---:|---:|---|")
    serial: dict[int, float] = {}
    for row in rows:
        if row["workers"] == 1:
            serial[row["agents"]] = row["seconds"]
        speedup = serial[row["agents"]] / row["seconds"] if row["seconds"] else float("nan")
        peaks = ", ".join(str(p) for p in row["peak_mb_per_worker"])
        cells = (
            f"{row['agents']:,}",
            row["workers"],
            row["executor"],
            row["seconds"],
            f"{row['seconds'] / reference:.0f}",
            f"{speedup:.2f}x",
            peaks,
        )
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
