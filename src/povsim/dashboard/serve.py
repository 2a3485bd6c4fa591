"""Run ``povsim dashboard`` in the background and drive it headless (tests, benchmarks).

Chromium comes from the system (Debian's ``chromium``); Playwright is pointed at it, so
no browser is downloaded. The flags keep a sandboxed, offline machine quiet: without
the background-networking ones Chromium keeps trying to reach Google's hosts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["CHROMIUM_ARGS", "chromium", "free_port", "running_dashboard"]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    """The system's Chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_dashboard(
    scenario: Path | None = None,
    *,
    cwd: Path | None = None,
    log: Path | None = None,
    timeout: float = 90.0,
    options: Sequence[str] = (),
) -> Iterator[str]:
    """Start ``povsim dashboard`` on a free port; yield its address; stop it afterwards.

    ``options`` go to the command (``["--fronts", DIR]``, say).

    Raises:
        RuntimeError: when the page does not answer within ``timeout`` seconds (the
            server's output is in ``log`` when given).
    """
    port = free_port()
    command = [sys.executable, "-m", "povsim", "dashboard", "--port", str(port), *options]
    if scenario is not None:
        command.insert(4, str(scenario))
    out = log.open("w") if log is not None else subprocess.DEVNULL
    # Its own process group, so that stopping it reaches the server as well however the
    # command handles signals.
    process = subprocess.Popen(
        command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start at {url}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        if log is not None and not isinstance(out, int):
            out.close()
