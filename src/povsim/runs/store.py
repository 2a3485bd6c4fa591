"""Output directories: every povsim command writes its results through this module.

A povsim output directory holds Parquet tables, ``figures/*.png`` and a
``manifest.json`` in one format whatever wrote it (run, compare, sweep, sensitivity,
calibrate): the kind of output, the format version, the versions of the libraries
that shaped the results, the start, finish and wall time (the command's:
:func:`command_clock`), the files, and whatever the command adds (the scenario, the
seed, the summary).

Files are written whole or not at all (a temporary file beside the target, then a
rename). A run or a comparison is staged in a hidden directory and renamed into
place, so it is complete or absent; a sweep, a sensitivity analysis or a calibration
writes its files one by one as they are ready, so an interrupted one can resume.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from povsim.runs.processes import alive, started_after

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from povsim.config import Scenario

__all__ = [
    "FORMAT",
    "MARKER",
    "SESSIONS",
    "OutputDirectory",
    "OutputError",
    "RunOutput",
    "check_target",
    "command_clock",
    "command_started",
    "locked",
    "not_finite",
    "output_kind",
    "path_component",
    "retyped",
    "save_figure",
    "staged",
    "versions",
    "write_file",
    "write_parquet",
    "write_run",
    "write_text",
]

FORMAT = 1
"""Version of the output directory layout and manifest."""

MARKER = ".povsim-output"
"""Hidden file naming the kind of output a directory holds while it is being written."""

SESSIONS = ".povsim-sessions"
"""Hidden file of an output continued over sessions (a sweep, a sensitivity analysis, a
calibration, a policy search) whose last session was stopped part-way: when its first
session began and the wall seconds of its sessions so far, which the manifest of the
session that finishes it adds its own to."""

_COMMAND: ContextVar[datetime | None] = ContextVar("povsim_command", default=None)


@contextmanager
def command_clock() -> Iterator[datetime]:
    """Time what runs inside as one command, yielding when it began.

    Nested, the outermost one counts: ``povsim compare`` calls :func:`povsim.compare`'s
    machinery, and its manifest's times are the command's, executor start-up and reading
    the scenarios included, not those of the part that wrote the files. Also a decorator.
    """
    begun = _COMMAND.get()
    if begun is not None:
        yield begun
        return
    begun = datetime.now(UTC)
    token = _COMMAND.set(begun)
    try:
        yield begun
    finally:
        _COMMAND.reset(token)


def command_started() -> datetime:
    """When the command now running began (:func:`command_clock`); now outside one."""
    return _COMMAND.get() or datetime.now(UTC)


class OutputError(ValueError):
    """A target povsim will not write to: not its own output, or not to be replaced."""


def output_kind(path: Path) -> str | None:
    """The kind of povsim output in directory ``path`` (its manifest or marker), else None."""
    for name, read in (
        ("manifest.json", lambda text: json.loads(text).get("povsim_output")),
        (MARKER, str.strip),
    ):
        try:
            kind = read((Path(path) / name).read_text(encoding="utf-8"))
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(kind, str) and kind:
            return kind
    return None


def check_target(target: Path, kind: str, *, overwrite: bool = False, resume: bool = False) -> None:
    """Refuse to write ``kind`` at ``target`` unless that can lose nothing.

    A missing target or an empty directory is fine. Anything else must be a povsim output
    of the same kind: continued when ``resume`` (a sweep, a sensitivity analysis or a
    calibration picks up where it stopped), replaced only with ``overwrite``; and it must
    hold nothing its manifest does not list (the user's own files) if it is replaced.

    Raises:
        OutputError: naming the target and why it is refused.
    """
    with _path_errors(target):
        _check_target(Path(target), kind, overwrite=overwrite, resume=resume)


@contextmanager
def _path_errors(target: Path) -> Iterator[None]:
    """A path the system refuses to look at (a name too long, a loop of links) is refused
    as a target, not reported as a traceback."""
    try:
        yield
    except OSError as err:
        raise OutputError(f"cannot write {target}: {err.strerror or err}") from None


def _check_target(target: Path, kind: str, *, overwrite: bool, resume: bool) -> None:
    if "\0" in str(target):
        raise OutputError(f"{str(target)!r}: a path cannot hold a NUL byte")
    if (owner := _lock_owner(target)) is not None:
        raise _busy(target, owner)
    _check_contents(target, kind, overwrite=overwrite, resume=resume)
    # Tried only once the target is one povsim may write: a folder of someone else's is
    # refused untouched (the probe file made and removed in it had changed its time).
    # A new output, or one replaced, is written beside the target, then moved in place;
    # a resumed one is written into it.
    if not (resume and target.is_dir()):
        _check_writable(target)
    if target.is_dir() and not target.is_symlink():
        # Written into, or moved aside to be replaced (which changes its ".." entry): either
        # needs the folder's own write permission, found here rather than after the work.
        _check_folder_writable(target)


def _check_contents(target: Path, kind: str, *, overwrite: bool, resume: bool) -> None:
    """Refuse a ``target`` that is not povsim's ``kind`` to write, or not to be replaced."""
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink():
        # Writing through a link would replace what it points to, wherever that is.
        raise OutputError(
            f"{target} is a symbolic link; povsim writes only to a real directory (give the "
            f"path it points to, {target.resolve()}, or another output path)"
        )
    if not target.is_dir():
        raise OutputError(
            f"{target} exists and is not a directory; povsim will not replace it "
            "(choose another output path)"
        )
    if not any(target.iterdir()):
        return
    found = output_kind(target)
    if found is None:
        why = (
            "its manifest.json is not povsim's"
            if (target / "manifest.json").exists()
            else ("no manifest.json")
        )
        # A folder made where a killed writer's target was hides the earlier output it set
        # aside: say where it is.
        aside = [path for path, _ in _left_beside(target, "replaced", r"\d+")]
        hidden = (
            f"; the povsim output it held before is in {aside[0]}, set aside by a povsim that "
            "was stopped: move this folder away and rerun to put it back"
            if aside
            else ""
        )
        raise OutputError(
            f"{target} exists and is not a povsim output ({why}); "
            f"it is left untouched (choose another output path){hidden}"
        )
    if found != kind:
        raise OutputError(
            f"{target} holds a povsim {found} output, not one of {kind}; left untouched"
        )
    if not (overwrite or resume):
        raise OutputError(
            f"{target} already holds a povsim {kind}; give --overwrite (overwrite=True in "
            "Python) to replace it"
        )
    if overwrite and not resume and (foreign := _not_written_by_povsim(target)):
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        them = "them" if len(foreign) > 1 else "it"
        raise OutputError(
            f"{target} holds {shown}, which povsim did not write; replacing the output would "
            f"delete {them}: move {them} out first, or choose another output path"
        )


def _not_written_by_povsim(target: Path) -> list[str]:
    """Files in the povsim output ``target`` that its manifest does not list: the user's,
    which replacing the directory would delete. An output without a manifest (one stopped
    before it finished) lists nothing, so nothing in it can be told apart."""
    try:
        listed = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    if not isinstance(listed, list):
        return []
    ours = {str(name) for name in listed}

    def own_record(path: Path) -> bool:
        # the manifest, marker and sessions of this output, or of one nested in it (a
        # sensitivity analysis's runs/)
        return (
            path.name in ("manifest.json", MARKER, SESSIONS)
            and output_kind(path.parent) is not None
        )

    return sorted(
        path.relative_to(target).as_posix()
        for path in target.rglob("*")
        if not path.is_dir()
        and path.relative_to(target).as_posix() not in ours
        and not own_record(path)
    )


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()
"""Read once, at import: setting and restoring it later would race with other threads
(the dashboard's, an executor's), whose files made in between would be world-writable."""


def check_continued(out: Path, files: Iterable[str] = (), folders: Iterable[str] = ()) -> None:
    """Refuse to continue the output at ``out`` where a file it writes is a folder, or a
    folder it writes into is a file: found only at the write, it was "cannot write OUT: Is
    a directory", with no word of which, and advice to resume again.

    Args:
        out: the output directory being continued.
        files: the files it writes, relative to ``out``.
        folders: the folders it writes into, relative to ``out``.

    Raises:
        OutputError: naming the path and what is in its place.
    """
    for name in folders:
        if (path := out / name).exists() and not path.is_dir():
            raise OutputError(f"{path} is a file where a folder goes: move it away to continue")
    for name in files:
        if (path := out / name).is_dir():
            raise OutputError(f"{path} is a directory where a file goes: move it away to continue")


def check_file_target(target: Path, overwrite: bool = False) -> None:
    """Refuse, before any work, a file ``target`` that cannot be written or would replace a
    file without ``overwrite`` (a table and its figure are the user's to keep).

    Raises:
        OutputError: naming the target and why it is refused.
    """
    target = Path(target)
    if "\0" in str(target):
        raise OutputError(f"{str(target)!r}: a path cannot hold a NUL byte")
    with _path_errors(target):
        _check_file_target(target, overwrite)


def _check_file_target(target: Path, overwrite: bool) -> None:
    if target.is_dir():
        raise OutputError(f"{target} is a directory; give a file name")
    _check_writable(target)
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise OutputError(
            f"{target} exists; povsim will not replace it (give --overwrite to replace it, or "
            "choose another path)"
        )


def _check_writable(target: Path) -> None:
    """Refuse a new target whose nearest existing folder cannot take it: found before the
    work, not after hours of it."""
    parent = target.absolute().parent
    while not parent.exists() and parent != parent.parent:
        if parent.is_symlink():  # a dangling link on the way
            break
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"cannot write {target}: {parent} is a file, not a directory")
    if parent.is_dir() and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: {_refuses(parent)}")
    if parent.is_dir():
        _takes_files(parent, f"cannot write {target}: {parent}")


def _check_folder_writable(folder: Path) -> None:
    """Refuse an existing target folder that cannot take files or be moved aside."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {folder}: {_refuses(folder, 'it')}")
    _takes_files(folder, f"cannot write {folder}: it")


def _refuses(folder: Path, named: str | None = None) -> str:
    """Why ``folder`` (``named`` so in the message) takes no files, when :func:`os.access`
    says it does not: a read-only mount refuses root too, and a change of permissions
    would not help, so "no permission" sent users the wrong way."""
    named = named or str(folder)
    with suppress(OSError):
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"{named} is on a read-only file system"
    return f"no permission to write in {named}"


def _takes_files(folder: Path, said: str) -> None:
    """Refuse ``folder`` unless a file can be made in it, ``said`` naming it in the error.

    Permissions do not tell all: a read-only mount, an immutable folder (chattr +i), /proc
    and /sys refuse a new file even to root, whom os.access lets through; only trying tells.
    """
    try:
        handle, probe = tempfile.mkstemp(prefix=".povsim-probe-", dir=folder)
    except OSError as err:
        raise OutputError(f"{said} takes no new files ({err.strerror or err})") from None
    os.close(handle)
    try:
        os.unlink(probe)
    except OSError as err:  # an append-only folder (chattr +a) takes files and keeps them
        raise OutputError(
            f"{said} lets no file be removed ({err.strerror or err}; {Path(probe).name} "
            "stays in it)"
        ) from None


def _lock_owner(target: Path) -> int | None:
    """The live process writing ``target`` now, if any."""
    owner = _lock_holder(target.parent / f".{target.name}.lock")
    return owner if owner != os.getpid() else None


def _lock_holder(lock: Path) -> int | None:
    """The process that wrote ``lock`` if it is still running, this one included.

    A pid used again since (after a reboot: the lock of a povsim killed before it) names a
    process started after the lock was written, which cannot be the one that wrote it.
    """
    try:
        owner = int(lock.read_text(encoding="utf-8").strip() or 0)
        written = lock.stat().st_mtime
    except (OSError, ValueError):
        return None
    if owner <= 0 or not alive(owner) or started_after(owner, written):
        return None
    return owner


def _busy(target: Path, owner: int) -> OutputError:
    return OutputError(
        f"{target} is being written by another povsim (pid {owner}); "
        "wait for it or choose another output path"
    )


@contextmanager
def locked(target: Path) -> Iterator[None]:
    """Hold ``.NAME.lock`` beside ``target`` (it holds the owner's pid) while writing it.

    A second writer is refused while the owner lives; a lock left by a process that died
    (a zombie its parent has not reaped too: it writes nothing more) is taken over, and the
    temporaries such a process left are cleaned up first.

    Raises:
        OutputError: another live process is writing ``target``.
    """
    target = Path(os.path.abspath(target))  # as in staged: the working folder may move
    # The folders made for the lock alone go again with it: a refused command left them.
    made = [folder for folder in (target.parent, *target.parent.parents) if not folder.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = target.parent / f".{target.name}.lock"
    for _ in range(2):
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _lock_holder(lock)
            if owner is not None and owner != os.getpid():
                raise _busy(target, owner) from None
            lock.unlink(missing_ok=True)  # its owner died: take it over
            continue
        except OSError as err:
            # "rerun to continue" would never have: the parent takes no lock file
            raise OutputError(
                f"cannot write {target}: {target.parent} takes no lock file beside it "
                f"({err.strerror or err}), and one writer at a time needs one"
            ) from None
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(f"{os.getpid()}\n")
        break
    else:  # pragma: no cover - another writer won the race twice
        raise OutputError(f"{target} is being written by another povsim")
    try:
        _recover(target)
        yield
    finally:
        lock.unlink(missing_ok=True)
        for folder in made:  # the deepest first; one that now holds anything stays
            try:
                folder.rmdir()
            except OSError:
                break


def _recover(target: Path) -> None:
    """Undo what a writer killed mid-way left beside ``target`` (called under its lock)."""
    for old, _ in _left_beside(target, "old", _TEMPORARY):
        kept = old / target.name
        if kept.exists() and not target.exists():
            os.replace(kept, target)  # killed between the two renames: the old run is back
        shutil.rmtree(old, ignore_errors=True)
    for tmp, _ in _left_beside(target, "tmp", _TEMPORARY):
        shutil.rmtree(tmp, ignore_errors=True)


_TEMPORARY = "[a-z0-9_]+"
"""What :func:`tempfile.mkdtemp` adds after its prefix (no dot: not another target's)."""


def _left_beside(target: Path, tag: str, suffix: str) -> list[tuple[Path, str]]:
    """What a writer of ``target`` leaves beside it as ``.NAME.TAG-SUFFIX`` (``suffix`` a
    regular expression), with the suffix found, oldest name first.

    Matched exactly, not by a glob: ``run[1]`` read as a pattern matched ``.run1.…``, and
    ``.a.replaced-*`` matched ``.a.replaced-1.replaced-5``, which is target
    ``a.replaced-1``'s, so one writer moved or removed another output's folders.
    """
    pattern = re.compile(rf"\.{re.escape(target.name)}\.{tag}-({suffix})")
    try:
        names = sorted(os.listdir(target.parent))
    except OSError:  # no parent yet: nothing was left there
        return []
    return [
        (target.parent / name, found[1]) for name in names if (found := pattern.fullmatch(name))
    ]


def path_component(name: str) -> str:
    """``name`` as one safe path component (for directories named after a scenario)."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    if len(cleaned) > PATH_COMPONENT_MOST:
        # Cut alone, two names that share their first hundred characters (a comparison of
        # many mixes) named one directory: the cut keeps a digest of the whole name.
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        return f"{cleaned[: PATH_COMPONENT_MOST - 9].rstrip('._-')}-{digest}"
    return cleaned or "scenario"


PATH_COMPONENT_MOST = 100
"""The longest directory name :func:`path_component` makes."""


def versions() -> dict[str, str]:
    """Versions of povsim and the libraries that shape its results; for povsim run from a
    git checkout (an editable install), also its commit, "+changes" when the checkout has
    uncommitted ones: its version number does not change between commits."""
    found = {"python": platform.python_version()}
    for package in ("povsim", "mesa", "numpy", "pandas", "pyarrow"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "unknown"
    if (commit := _checkout_commit()) is not None:
        found["povsim_commit"] = commit
    return found


@functools.cache
def _checkout_commit() -> str | None:
    """The commit of the git checkout povsim's code is imported from, or None."""
    source = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(source), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()

    try:
        # povsim's own files, tracked: not a wheel inside some other checkout (a venv's)
        git("ls-files", "--error-unmatch", "__init__.py")
        head = git("rev-parse", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", ".")
    except (OSError, subprocess.SubprocessError):
        return None  # no git, or not a checkout (an installed wheel)
    return f"{head}+changes" if changed else head


def write_file(target: Path, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` and move the result to ``target``; readers never see half.

    The file gets ordinary permissions (0644): results are for sharing.
    """
    target = Path(target)
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def retyped(frame: pd.DataFrame, row: Mapping[str, Any]) -> str:
    """The columns of ``frame``, a search's history read back to be continued, that hold
    another type than ``row``, a row the search writes, gives them (text where numbers go,
    say), as "its column X holds" or "its columns X, Y hold"; empty when there are none.

    Such a table was edited by hand, and continued, its rows and the new ones could not be
    written together (pyarrow refused the mixed column after a generation's runs)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype, is_string_dtype

    wrong = []
    for column, value in row.items():
        if column not in frame.columns:
            continue
        kind = frame[column].dtype
        if isinstance(value, bool):
            same = is_bool_dtype(kind)
        elif isinstance(value, int | float):
            same = is_numeric_dtype(kind) and not is_bool_dtype(kind)
        else:
            same = not isinstance(value, str) or is_string_dtype(kind)
        if not same:
            wrong.append(column)
    if not wrong:
        return ""
    many = len(wrong) > 1
    return f"its column{'s' if many else ''} {', '.join(wrong)} hold{'' if many else 's'}"


def not_finite(frame: pd.DataFrame, columns: Sequence[str]) -> str | None:
    """Where ``frame``, a search's or a fit's history read back (its number columns checked by
    :func:`retyped`), holds NaN or an infinity in one of ``columns`` (a cell emptied by
    hand), as "its column X holds nan in row N"; None when all are numbers. Replayed, such a
    row was kept as a point no run had made."""
    import numpy as np

    values = frame[list(columns)].to_numpy(dtype=float)
    rows, found = np.nonzero(~np.isfinite(values))
    if not len(rows):
        return None
    row, column = int(rows[0]), int(found[0])
    return f"its column {columns[column]} holds {values[row, column]} in row {row + 1}"


def write_parquet(frame: pd.DataFrame, target: Path) -> None:
    """Write ``frame`` to ``target`` whole or not at all (see :func:`write_file`)."""
    write_file(target, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow"))


def write_text(text: str, target: Path) -> None:
    """Write ``text`` to ``target`` whole or not at all (see :func:`write_file`)."""
    write_file(target, lambda tmp: _write_text(Path(tmp), text))


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def save_figure(figure: Figure, target: Path, dpi: int = 110) -> None:
    """Write a figure as PNG, atomically (no timestamp, so reruns give the same bytes)."""
    write_file(
        target, lambda tmp: figure.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
    )


def _plain(value: Any) -> Any:
    """JSON for a manifest: NaN and infinities are null, NumPy scalars plain numbers."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class OutputDirectory:
    """A povsim output directory being written.

    Args:
        path: where its files go.
        kind: what wrote it: ``run``, ``compare``, ``sweep``, ``sensitivity``, ``calibration``.
        started: when the work it holds began (default: the command's start,
            :func:`command_started`).
    """

    def __init__(
        self, path: Path, kind: str, *, resume: bool = True, started: datetime | None = None
    ):
        self.path = Path(path)
        self.kind = kind
        self.started = started or command_started()
        check_target(self.path, kind, resume=resume)
        # Read before this session writes its own: what the sessions before it took.
        self._before = _earlier_sessions(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / MARKER
        if not marker.exists():
            write_text(kind + "\n", marker)

    def table(self, name: str, frame: pd.DataFrame) -> Path:
        """Write ``NAME.parquet``."""
        target = self.path / f"{name}.parquet"
        write_parquet(frame, target)
        return target

    def figure(self, name: str, figure: Figure) -> Path:
        """Write ``figures/NAME.png``."""
        (self.path / "figures").mkdir(exist_ok=True)
        target = self.path / "figures" / f"{name}.png"
        save_figure(figure, target)
        return target

    def text(self, name: str, text: str) -> Path:
        """Write a text file (a scenario, a CSV table)."""
        target = self.path / name
        write_text(text, target)
        return target

    def manifest(self, **fields: Any) -> Path:
        """Write ``manifest.json``: the common fields, the files present, and ``fields``."""
        files = sorted(
            p.relative_to(self.path).as_posix()
            for p in self.path.rglob("*")
            if p.is_file() and not p.name.startswith(".") and p.name != "manifest.json"
        )
        manifest = {
            "povsim_output": self.kind,
            "format": FORMAT,
            "versions": versions(),
            **self._times(),
            "files": files,
            **fields,
        }
        target = self.path / "manifest.json"
        write_text(json.dumps(_plain(manifest), indent=2) + "\n", target)
        # The manifest holds the sessions' time now (left, the record would still lose to its
        # larger sum).
        (self.path / SESSIONS).unlink(missing_ok=True)
        return target

    @contextmanager
    def session(self, kept: Callable[[], bool] = lambda: True) -> Iterator[None]:
        """Around a session's work on an output it continues: stopped or failed part-way
        while ``kept()`` (the output holds work to continue from), its time is recorded in
        :data:`SESSIONS`, and the manifest of the session that finishes the output counts
        it. A session refused before its work (outside this block) adds nothing.

        Args:
            kept: whether the output holds work to continue from, asked as the stop unwinds.

        Yields:
            Nothing: the block is the session's work.
        """
        try:
            yield
        except BaseException:
            if kept():
                # Written as the stop unwinds: a record that cannot be written (a full
                # disk) is left out rather than put in the place of the stop's own error.
                with suppress(OSError):
                    write_text(json.dumps(self._times()) + "\n", self.path / SESSIONS)
            raise

    def _times(self) -> dict[str, Any]:
        """``started``, ``finished`` and ``wall_seconds`` of the output so far: since the
        first session's start, and the time of every session, this one to now included."""
        finished = datetime.now(UTC)
        first, earlier = self._before or (self.started, 0.0)
        # A clock set back mid-run makes no negative time.
        seconds = max(0.0, (finished - self.started).total_seconds())
        return {
            "started": first.isoformat(),
            "finished": finished.isoformat(),
            "wall_seconds": round(earlier + seconds, 4),
        }


def _earlier_sessions(path: Path) -> tuple[datetime, float] | None:
    """When the first session of the output at ``path`` began and the wall seconds of its
    sessions so far; None for a new output (or none recorded).

    Both its manifest (written by a session that finished) and :data:`SESSIONS` (by one
    stopped) hold a running sum: the larger is the later. An output written before
    sessions were recorded has its manifest alone.
    """
    found = []
    for name in (SESSIONS, "manifest.json"):
        try:
            record = json.loads((path / name).read_text(encoding="utf-8"))
            started = datetime.fromisoformat(record["started"])
            found.append((started, float(record["wall_seconds"])))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return max(found, key=lambda times: times[1], default=None)


@contextmanager
def replacing(
    target: Path, kind: str, *, overwrite: bool, kept: Callable[[], bool]
) -> Iterator[None]:
    """``--overwrite`` for work that writes into its target as it goes (a sensitivity
    analysis, a calibration, a policy search): an earlier povsim ``kind`` at ``target`` is
    set aside while the new work starts there, comes back if the work ends before
    ``kept()`` (refused, or stopped before it kept anything), and is removed once the new
    work has kept something. Without ``overwrite`` nothing is set aside. One set aside by a
    writer that was killed is settled first, as that writer would have: put back or removed.

    Hold :func:`locked` on ``target`` around it: two writers settling one set-aside output
    at once each put it back, and the later deleted what the earlier had put back.

    Raises:
        OutputError: ``target`` is not a povsim ``kind``, or holds files its manifest does
            not list (:func:`check_target`); before it is set aside, though an output a
            killed writer had set aside may have been put back or removed by then. Or such
            an output cannot go back: ``target`` holds other files, or what is there cannot
            be removed.
    """
    target = Path(target)
    _restore_replaced(target, kind, kept)
    aside = None
    if overwrite and target.is_dir() and any(target.iterdir()):
        check_target(target, kind, overwrite=True)
        aside = target.with_name(f".{target.name}.replaced-{os.getpid()}")
        os.replace(target, aside)
    try:
        yield
    except BaseException:
        if aside is not None and not kept():
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
            os.replace(aside, target)
            aside = None
        raise
    finally:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)


def _restore_replaced(target: Path, kind: str, kept: Callable[[], bool]) -> None:
    """Settle an earlier output that a writer killed mid-way (SIGKILL, a power cut) left set
    aside by :func:`replacing` as ``.NAME.replaced-PID``: hidden, it was never seen again.

    Back in place if what the dead writer started at ``target`` kept nothing (as if it had
    been stopped); removed if it kept something, which replaces it as a finished one would.

    Raises:
        OutputError: ``target`` now holds something else, or cannot be removed, naming
            where the earlier output is.
    """
    # Every writer holds target's lock while its output is set aside, so under this one's
    # a running pid is one used again since (after a reboot), not the writer: its folder
    # would stay hidden for as long as that process runs.
    ours = _lock_holder(target.parent / f".{target.name}.lock") == os.getpid()
    for aside, pid in _left_beside(target, "replaced", r"\d+"):
        owner = int(pid)
        if owner == os.getpid():
            continue
        if not alive(owner):
            _put_back(aside, target, kind, kept, f"a povsim that was stopped (pid {owner})")
        elif ours:
            stopped = f"a povsim that was stopped (pid {owner}, another process's since)"
            _put_back(aside, target, kind, kept, stopped)


def _put_back(aside: Path, target: Path, kind: str, kept: Callable[[], bool], stopped: str) -> None:
    """Settle the output ``stopped`` (who set it aside, for messages) left in ``aside``."""
    if _begun(target, kind) and kept():
        shutil.rmtree(aside, ignore_errors=True)
        return
    if target.exists() or target.is_symlink():
        # Looked at again here, not trusted from above: another writer may have put the
        # earlier output back meanwhile, and what was there was removed with it.
        if not aside.exists():
            return
        # What a writer killed before its first point leaves is its marker alone; anything
        # else may be the user's (a notes file put in since), and an output without a
        # manifest cannot tell whose: removing it had deleted the user's file in silence.
        left = {path.name for path in target.iterdir()} if _folder(target) else {""}
        if not (left <= {MARKER} and (_begun(target, kind) or not left)):
            raise OutputError(
                f"{target} holds other files, and the povsim {kind} it held before is in "
                f"{aside}, set aside by {stopped}: move one of them, then rerun"
            )
        try:
            shutil.rmtree(target)
        except OSError as err:
            raise OutputError(
                f"cannot put back the povsim {kind} in {aside}, set aside by {stopped}: "
                f"{target} cannot be removed ({err.strerror or err}); remove it, then rerun"
            ) from None
    try:
        os.replace(aside, target)
    except FileNotFoundError:  # another writer settled it first
        return
    except OSError as err:
        raise OutputError(
            f"cannot put back the povsim {kind} in {aside}, set aside by {stopped}, at "
            f"{target} ({err.strerror or err}); move it there, then rerun"
        ) from None


def _folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _begun(target: Path, kind: str) -> bool:
    """Whether ``target`` is a folder of povsim's ``kind`` (a writer had begun it)."""
    return _folder(target) and output_kind(target) == kind


@contextmanager
def staged(
    target: Path, kind: str, *, overwrite: bool = True, started: datetime | None = None
) -> Iterator[OutputDirectory]:
    """An :class:`OutputDirectory` in a hidden directory that replaces ``target`` at the end.

    If the block fails, nothing is left behind and ``target`` is untouched. ``target`` may
    be replaced only if it is a povsim output of the same kind (and ``overwrite``). One
    writer at a time (:func:`locked`); what a killed writer left is recovered first.
    ``started`` is when the work it holds began (default: the command's start).
    """
    # Absolute from the start: a relative OUT (../x from inside x) followed the working
    # folder as the earlier output moved aside, and the new one was lost.
    target = Path(os.path.abspath(target))
    check_target(target, kind, overwrite=overwrite)
    with locked(target):
        check_target(target, kind, overwrite=overwrite)  # what a dead writer left is restored
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        # mkdtemp makes it private (0700); an output is shared as any new folder is.
        tmp.chmod(0o777 & ~_UMASK)
        try:
            yield OutputDirectory(tmp, kind, started=started)
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
                try:
                    os.replace(target, old / target.name)
                except BaseException:
                    old.rmdir()  # nothing was moved: nothing to recover later
                    raise
                try:
                    os.replace(tmp, target)
                except BaseException:
                    os.replace(old / target.name, target)  # the earlier output back
                    old.rmdir()
                    raise
                shutil.rmtree(old)
            else:
                os.replace(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


@runtime_checkable
class RunOutput(Protocol):
    """What :func:`write_run` writes: a single run or an ensemble of replications."""

    scenario: Scenario
    seed: int
    path: Path | None

    @property
    def replications(self) -> int: ...

    def tables(self) -> dict[str, pd.DataFrame]: ...

    def summary(self) -> dict[str, float]: ...

    def manifest_fields(self) -> dict[str, Any]: ...


def write_run(
    result: RunOutput,
    out: Path,
    *,
    figures: Mapping[str, Figure] | None = None,
    source: str | None = None,
    overrides: list[str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``result`` as a run directory at ``out`` (atomically) and return its path.

    Args:
        result: a run or an ensemble.
        out: the run directory.
        figures: figures to write under ``figures/`` (see :func:`povsim.plots.run_figures`).
        source: the scenario file it came from.
        overrides: the ``--set`` overrides applied to it.
        overwrite: replace an earlier run at ``out`` (never anything else).

    Raises:
        OutputError: ``out`` is not a povsim run, or is one and ``overwrite`` is false.
        TypeError: an argument of the wrong kind, before anything is written.
    """
    import pandas as pd
    from matplotlib.figure import Figure

    from povsim.config import arguments

    arguments.instance("result", result, RunOutput, "a run or an ensemble (povsim.run)")
    out = arguments.path("out", out)
    arguments.flag("overwrite", overwrite)
    if source is not None:
        source = str(arguments.path("source", source))
    overrides = arguments.names("overrides", overrides or [])
    for name, figure in (figures or {}).items():
        arguments.instance(f"figures[{name!r}]", figure, Figure, "a matplotlib Figure")
    summary = result.summary()
    tables = result.tables()
    # A single run's outcomes as one row, where replications have one row each: the figures
    # it prints are read back as a table either way, not only from the manifest.
    tables.setdefault("summary", pd.DataFrame([summary]))
    with staged(out, "run", overwrite=overwrite) as directory:
        for name, frame in tables.items():
            directory.table(name, frame)
        for name, figure in (figures or {}).items():
            directory.figure(name, figure)
        directory.manifest(
            scenario_name=result.scenario.name,
            scenario_file=source,
            overrides=overrides,
            seed=result.seed,
            replications=result.replications,
            summary=summary,
            **result.manifest_fields(),
            scenario=result.scenario.model_dump(mode="json"),
        )
    result.path = out
    return out
