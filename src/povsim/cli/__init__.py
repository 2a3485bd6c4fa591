"""The ``povsim`` command line, one module per group of commands.

Start-up imports only typer and rich; a command imports what it needs when it runs.
"""

from __future__ import annotations

import errno
import functools
import inspect
import itertools
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable

import typer

from povsim.cli import calibration, dashboard, experiments, run, scenarios, search
from povsim.cli.common import STOP_CODES, Stopped, errors, fail, stopped

__all__ = ["app", "main"]

app = typer.Typer(
    name="povsim",
    help="Agent-based simulator of targeted poverty alleviation (China, 2014-2020).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's own help wraps every word at 80 columns; rich's option panels cut long
    # examples and even flag names short with an ellipsis there.
    rich_markup_mode=None,
    context_settings={"max_content_width": 120},
)


def _print_version(value: bool) -> None:
    if value:
        from povsim import __version__

        typer.echo(f"povsim {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="print povsim's version and exit",
    ),
    trust_imports: bool = typer.Option(
        False,
        "--trust-imports",
        help="let scenarios name program kinds from any module ('package.module:Class'), "
        "the working directory's too; only for files you trust: importing runs the module's "
        "code",
    ),
) -> None:
    if trust_imports:
        from povsim.config import trust_imports as trust

        trust("*")
        # As `python -m` does: a module written beside the scenario is found. Worker
        # processes start with the parent's path.
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())


EXIT_GRACE_SECONDS = 10.0


def _interruptible[**P](command: Callable[P, None]) -> Callable[P, None]:
    """Ctrl-C ends a command with one line and status 130, SIGTERM with 143 (a command that
    keeps partial results says what it kept itself); a worker lost with one line and 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        # Imported as the command runs, as every command's own imports are.
        from povsim.runs.store import command_clock

        try:
            # An output's manifest times the command, from here (before its scenarios are
            # read and its workers start) to the manifest.
            with command_clock():
                command(*args, **kwargs)
        except KeyboardInterrupt as err:
            raise stopped(err) from None
        except Exception as err:
            # Only a command that ran work can have lost a worker; importing the executors
            # here would add a second to every command's start.
            executors = sys.modules.get("povsim.experiments.executors")
            if executors is not None and isinstance(err, executors.WorkerLost):
                raise fail(str(err), 1) from None
            if (own := _own_program_error(err)) is not None:
                raise fail(own, 1) from None
            raise

    return wrapper


def _own_program_error(err: Exception) -> str | None:
    """An error a program of one's own raised, as its author needs it: what, where in the
    run (:func:`povsim.sim.model._name_the_program`), and the lines of their own module
    (povsim's, typer's and Mesa's frames are some sixty lines of no use to them)."""
    frames = getattr(err, "povsim_program_frames", None)
    if frames is None:
        return None
    where = " ".join(getattr(err, "__notes__", ()))
    return f"{type(err).__name__}: {err}\n{where}" + (f"\n{frames.rstrip()}" if frames else "")


def _prose(doc: str) -> str:
    """A docstring as help: each paragraph one line, code in single quotes. Typer's rich help
    keeps a docstring's line breaks and wraps again at the terminal, so sentences broke mid-way
    ("its" at the end of one line, "partitions run" on the next), and it prints the
    docstring's double backticks as they are."""
    paragraphs = inspect.cleandoc(doc).replace("``", "'").split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


for command in (
    run.run,
    run.compare,
    experiments.sweep,
    experiments.sensitivity,
    calibration.calibrate,
    calibration.validate,
    search.optimize,
    search.discover,
    dashboard.dashboard,
    scenarios.check,
    scenarios.fields,
    scenarios.columns,
    scenarios.outcomes,
):
    help_text = _prose(command.__doc__ or "")
    # The summary in full, wrapped: Click cuts a long one short with "..." at 80 columns.
    summary = help_text.split("\n\n")[0]
    app.command(help=help_text, short_help=summary)(_interruptible(command))


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signum)


def _one_line(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    """A library's warning (SALib's on a Sobol N that is not a power of two) as one line,
    not its file, line number and source."""
    errors.print(f"warning: {message}", markup=False, highlight=False)


def _given(args: list[str], message: str) -> str:
    """The value an option out of range was given: "Input should be greater than or equal
    to 2" did not say what it was."""
    option = message.partition("Invalid value for '")[2].partition("'")[0]
    if not option.startswith("--") or "Input should be" not in message:
        return ""
    for flag, value in itertools.pairwise(args):
        if flag == option:
            return f" (given: {value})"
    for arg in args:
        if arg.startswith(f"{option}="):
            return f" (given: {arg.partition('=')[2]})"
    return ""


def _set_hint(args: list[str], message: str) -> str:
    """``--set path value`` (a space for the ``=``) leaves the value as an extra argument:
    say how --set is written."""
    if "unexpected extra argument" not in message:
        return ""
    extra = message.rpartition("(")[2].rstrip(")").split()
    for flag, path, value in zip(args, args[1:], args[2:], strict=False):
        if flag == "--set" and "=" not in path and value in extra:
            return f" (--set takes path=value in one word: --set {path}={value})"
    return ""


_SET_ELSEWHERE = {
    ("sensitivity", "--replications"): "an analysis takes its replications from its problem "
    "file (replications = N)",
    ("sensitivity", "--seed"): "an analysis takes its seed from its problem file (seed = N)",
}
"""Options other commands take that this one takes elsewhere, and where."""


def _elsewhere_hint(args: list[str], message: str) -> str:
    """An option other commands have (``run --replications``) given to one that takes it
    from a file: say where it goes."""
    if not args or "No such option:" not in message:
        return ""
    option = message.rpartition("No such option:")[2].split()[0].split("=")[0]
    if option in ("--trust-imports", "--version"):
        return (
            f"; {option} is povsim's own option, before the command: povsim {option} {args[0]} ..."
        )
    where = _SET_ELSEWHERE.get((args[0], option))
    return f"; {where}" if where else ""


def main() -> None:  # pragma: no cover - console-script entry point
    # A batch system's stop (SIGTERM) or a closed terminal (SIGHUP) ends a command as
    # Ctrl-C does: workers stopped, one line, nothing half-written (the default would leave
    # the pool's semaphores behind).
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    warnings.showwarning = _one_line
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    for arg in sys.argv[1:]:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            # Bytes that are not UTF-8 reach Python as lone surrogates, which no file,
            # table or figure can hold: refuse them here rather than at the first write.
            shown = os.fsencode(arg).decode("utf-8", "backslashreplace")
            errors.print(f"error: argument '{shown}' is not valid UTF-8", markup=False)
            sys.exit(2)
    args = sys.argv[1:]
    if "--out=" in args or any(pair == ("--out", "") for pair in itertools.pairwise(args)):
        # Path("") is the current directory: an empty --out is a slip (an unset shell
        # variable), not a choice of where to write.
        errors.print("error: --out: empty; give a directory or file (. for this one)", markup=False)
        sys.exit(2)
    try:
        code = app(standalone_mode=False)
        sys.stdout.flush()
    except NoArgsIsHelpError as err:
        err.show()  # the command's help
        code = err.exit_code
    except ClickException as err:
        # An option out of range or misspelt: one line, as every other error, not a box.
        text = err.format_message()
        message = text + _given(args, text) + _set_hint(args, text) + _elsewhere_hint(args, text)
        errors.print(f"error: {message}", markup=False, highlight=False)
        code = err.exit_code
    except SystemExit as exit_:
        code = exit_.code
    except OSError as err:
        if err.errno not in (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT):
            raise
        # The terminal's output could not be written (a full disk, a closed pipe): one
        # line, not a traceback, and no second failure when Python flushes it at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        if err.errno != errno.EPIPE:  # a reader that stopped reading wants no message
            errors.print(f"error: cannot write the output: {err.strerror}", markup=False)
        code = 1
    # The command ends with the processes it started: stopped early, the fork server was
    # left importing for a second or two after the command had returned.
    executors = sys.modules.get("povsim.experiments.executors")
    if executors is not None:
        executors.stop_helpers()
    if code in STOP_CODES:
        # Shutdown joins worker pools, their threads and children without a time
        # limit; after Ctrl-C nothing they hold is worth keeping the terminal for.
        watchdog = threading.Timer(EXIT_GRACE_SECONDS, os._exit, (code,))
        watchdog.daemon = True
        watchdog.start()
    sys.exit(code if isinstance(code, int) else 0)
