"""Start-up: how long ``povsim --help`` and ``povsim check`` take, from a cold interpreter.

Each command runs ``--repeat`` times in a fresh process; the median is printed beside
the median of a bare interpreter (``python -c pass``) measured in the same run, so the
ratio says what povsim itself adds on this machine. Targets (issue 11): ``--help``
under 0.5 s, ``check scenarios/baseline.toml`` under 1 s.

Usage: python benchmarks/bench_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POVSIM = [sys.executable, "-m", "povsim"]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "povsim --help": [*POVSIM, "--help"],
    "povsim check baseline.toml": [*POVSIM, "check", str(ROOT / "scenarios" / "baseline.toml")],
    "import povsim; povsim.PovertyModel": [
        sys.executable,
        "-c",
        "import povsim; povsim.PovertyModel",
    ],
}
TARGETS = {"povsim --help": 0.5, "povsim check baseline.toml": 1.0}


def median_seconds(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    timings = {name: median_seconds(cmd, args.repeat) for name, cmd in COMMANDS.items()}
    bare = timings["python -c pass"]
    print(f"{'command':40} {'median s':>9} {'x bare':>7} {'target s':>9}")
    for name, seconds in timings.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else f"{target:9.1f} {'ok' if seconds < target else 'MISS'}"
        print(f"{name:40} {seconds:9.3f} {seconds / bare:7.1f} {verdict}")


if __name__ == "__main__":
    main()
