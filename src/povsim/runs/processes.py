"""What the system tells of another process: whether it runs, and whether it started late.

An output's lock names its writer's pid, and a worker watches its launcher's: both ask
whether that process still runs, the one way.
"""

from __future__ import annotations

import os

__all__ = ["alive", "started_after"]


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name, the state first.

    Raises:
        OSError: it cannot be read (no /proc, or no such process).
    """
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        # split after the name's closing parenthesis: the name itself may hold spaces
        return stat.read().rsplit(")", 1)[1].split()


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs.

    A zombie does not: it has ended, and lingers only until its parent reaps it (a killed
    launcher, or a writer killed mid-way, whose parent has not waited yet). Someone else's
    process runs, and so does one where /proc cannot tell.

    Args:
        pid: the process id.

    Returns:
        False for no such process or a zombie, else True.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return _stat(pid)[0] != "Z"
    except OSError:
        return True


_CLOCK_SLACK = 5.0
"""Seconds a start time read from /proc may be late: boot time is given in whole seconds,
and the clock may have been set since."""


def started_after(pid: int, moment: float) -> bool:
    """Whether process ``pid`` started after ``moment`` (a file's time), so did not write
    that file: a pid the system has given again since.

    Args:
        pid: the process id.
        moment: seconds since the epoch.

    Returns:
        True when it started over :data:`_CLOCK_SLACK` seconds after ``moment``; False
        where the start time cannot be read (no /proc): it may have written the file.
    """
    try:
        ticks = int(_stat(pid)[19])
        started = _boot_time() + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return False
    return started > moment + _CLOCK_SLACK


def _boot_time() -> float:
    """When the system started (seconds since the epoch), from /proc/stat.

    Raises:
        OSError: it does not say (no /proc).
    """
    with open("/proc/stat", encoding="ascii") as stat:
        for line in stat:
            if line.startswith("btime "):
                return float(line.split()[1])
    raise OSError("/proc/stat gives no boot time")
