"""``povsim dashboard``: the planner's dashboard in the browser."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import importlib.util
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from povsim.cli.common import (
    console,
    fail,
    load,
    nonempty,
)

__all__ = ["dashboard"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
"""Signals that stop the dashboard; each is passed on to the server's process group."""

_PR_SET_PDEATHSIG = 1

# Solara warns on every page load over plain http to an address other than "localhost"
# (the default 127.0.0.1 included) that it falls back to samesite=lax cookies: right for
# a local page, so the warning is noise in the log.
QUIET = "ignore:Cookies with samesite=none require https:UserWarning"


def server_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line of the page."""
    # --no-check-version: Solara asks PyPI for a newer release and prints a nag; the viz
    # extra pins the last release that ships its browser assets, so it is noise.
    command = [sys.executable, "-m", "solara", "run", "povsim.dashboard.app"]
    command += ["--host", host, "--port", str(port), "--production", "--no-open"]
    return [*command, "--no-check-version"]


def _die_with_parent() -> None:
    """In the server process: get SIGTERM when the dashboard process dies, even by SIGKILL
    (which cannot be forwarded). Linux only; elsewhere the forwarding has to do."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def serve(command: list[str], env: dict[str, str]) -> int:
    """Run the server in its own process group until it ends or this process is told to stop.

    The group keeps a terminal's Ctrl-C from reaching the server twice; every stop signal
    this process gets is passed to the whole group, and the group is ended (killed after
    15 s) before returning, so no server outlives the command.

    Returns:
        The server's exit status (negative: the signal that ended it).
    """
    process = subprocess.Popen(
        command, env=env, start_new_session=True, preexec_fn=_die_with_parent
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:  # a Ctrl-C that came before the handler was set
                stop(signal.SIGINT, None)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for s, handler in previous.items():
            signal.signal(s, handler)


def check_address(host: str, port: int) -> None:
    """Refuse an address the server could not listen on, before announcing it: the server
    would print the address, then its own error, and end with status 3."""
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(info[0], info[1]) as probe:
            # as the server binds: a port left in TIME_WAIT by a stopped server is free
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(info[4])
    except OSError as err:
        reason = "in use: choose another with --port" if err.errno == errno.EADDRINUSE else ""
        raise fail(f"cannot listen on {host}:{port}: {reason or err.strerror or err}", 2) from None


def dashboard(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="scenario to start with (default: the baseline)",
            parser=nonempty("scenario", "a scenario TOML file, or leave it out for the baseline"),
        ),
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8765,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    scenarios_dir: Annotated[
        Path | None,
        typer.Option(
            help="shipped scenarios the page offers (default: scenarios, if there)",
            parser=nonempty("--scenarios-dir", "a folder (. for this one)"),
        ),
    ] = None,
    fronts: Annotated[
        Path,
        typer.Option(
            help="where the 'Suggest mixes' tab looks for `povsim optimize` fronts",
            parser=nonempty("--fronts", "a folder (. for this one)"),
        ),
    ] = Path("runs"),
) -> None:
    """Start the planner's dashboard in the browser (needs the viz extra)."""
    if importlib.util.find_spec("solara") is None:
        raise fail(
            'the dashboard needs the viz extra: pip install ".[viz]" from povsim\'s folder', 1
        )
    if scenarios_dir is not None and not scenarios_dir.is_dir():
        # a folder named is one meant: the page offered no scenarios without a word; and a
        # file was looked into for the baseline first ("no FILE/baseline.toml") without a
        # scenario given
        why = "a file, not a folder of scenarios" if scenarios_dir.exists() else "no such folder"
        raise fail(f"--scenarios-dir {scenarios_dir}: {why}", 2)
    # Not given, the page offers ./scenarios where there is one (a checkout), and a scenario
    # given starts it anywhere else.
    scenarios_dir = scenarios_dir or Path("scenarios")
    if scenario is not None:
        load(scenario, [])
    elif not (scenarios_dir / "baseline.toml").exists():
        raise fail(
            f"no scenario given and no {scenarios_dir / 'baseline.toml'}: give a scenario "
            "file or --scenarios-dir",
            2,
        )
    if fronts.exists() and not fronts.is_dir():
        # a missing folder is fine (no search run yet); a file is a slip
        raise fail(f"--fronts {fronts}: a file; give the folder `povsim optimize` wrote into", 2)
    if scenarios_dir.exists() and not scenarios_dir.is_dir():  # ./scenarios, not given
        raise fail(f"{scenarios_dir}: a file, not a folder of scenarios: give --scenarios-dir", 2)
    env = {
        **os.environ,
        "POVSIM_SCENARIOS_DIR": str(scenarios_dir.resolve()),
        "POVSIM_DASHBOARD_SCENARIO": str(scenario.resolve()) if scenario else "",
        "POVSIM_FRONTS_DIR": str(fronts.resolve()),
        # Solara's "This website runs on Solara" banner sits over the charts' corner.
        "SOLARA_THEME_SHOW_BANNER": "False",
        "SOLARA_THEME_TITLE": "povsim dashboard",
        # A closed tab's session (its live model and projections, up to a few hundred MB for
        # the national profile) is freed after two minutes, not Solara's default day.
        "SOLARA_KERNEL_CULL_TIMEOUT": os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT", "2m"),
        "PYTHONWARNINGS": ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), QUIET])),
    }
    check_address(host, port)
    console.print(f"povsim dashboard at http://{host}:{port}/ (Ctrl-C to stop)")
    status = serve(server_command(host, port), env)
    if status not in (0, *(-s for s in STOP_SIGNALS), 130, 143):
        raise typer.Exit(status)
