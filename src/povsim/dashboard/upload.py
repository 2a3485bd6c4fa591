"""Scenario files uploaded to the dashboard: read as untrusted input.

An upload runs on the server, so it may only build on what the server ships: it may
``extends`` a shipped scenario (a relative name is resolved against the shipped
scenarios, not against a temporary directory), use built-in program kinds only (a
``module:Class`` kind would import and run code on the server), and stay within
sizes the page can simulate. Everything wrong is a :class:`ScenarioError` naming the
upload, the field and the problem.
"""

from __future__ import annotations

import difflib
import os
import tempfile
import threading
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import solara
import tomli_w
from solara.components.file_drop import FileDropZone, FileInfo

from povsim.config import BUILTIN_PROGRAMS, ScenarioError, ScenarioProblem, load_scenario
from povsim.dashboard.policy import Policy, county_resolved, scenario_files

__all__ = [
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_DEPTH",
    "MAX_UPLOAD_HOUSEHOLDS",
    "ScenarioUpload",
    "load_upload",
]

MAX_UPLOAD_BYTES = 256 * 1024
"""A scenario file is a few kilobytes; anything far larger is refused unread."""

MAX_UPLOAD_DEPTH = 16
"""Tables and arrays nested deeper than this are refused (scenarios nest four deep)."""

MAX_UPLOAD_HOUSEHOLDS = 200_000
"""The largest shipped profile (national); the live model and projection must fit."""

MAX_UPLOAD_VILLAGES = 5_000

MAX_UPLOAD_HOUSEHOLD_STEPS = MAX_UPLOAD_HOUSEHOLDS * 7 * 12
"""The national profile's households over its seven years of monthly steps: an upload to
2100 in daily steps ran for minutes, and its replications on after the tab closed."""


def _depth(value: Any) -> int:
    """How deeply tables and arrays nest in ``value``, without recursing."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            if level + 1 <= MAX_UPLOAD_DEPTH:
                stack.extend((child, level + 1) for child in children)
    return deepest


def _read(source: str, data: bytes) -> dict[str, Any]:
    def refuse(field: str, message: str) -> ScenarioError:
        return ScenarioError([ScenarioProblem(source, field, message)])

    if len(data) > MAX_UPLOAD_BYTES:
        raise refuse("", f"is {len(data):,} bytes; uploads are limited to {MAX_UPLOAD_BYTES:,}")
    try:
        raw = tomllib.loads(data.decode("utf-8-sig"))  # a byte-order mark is no error
    except UnicodeDecodeError:
        raise refuse("", "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise refuse("", f"not valid TOML: {err}") from None
    except RecursionError:
        raise refuse("", f"nests deeper than {MAX_UPLOAD_DEPTH} levels") from None
    if _depth(raw) > MAX_UPLOAD_DEPTH:
        raise refuse("", f"nests deeper than {MAX_UPLOAD_DEPTH} levels")
    return raw


def _check_extends(raw: dict[str, Any], source: str, shipped: Path) -> Path | None:
    """Point ``extends`` at the shipped scenario it names, or refuse it; the scenario."""
    parent = raw.get("extends")
    if parent is None:
        return None
    files = scenario_files(shipped)
    offered = {p.resolve() for p in files.values()}
    # resolve() raises ValueError on a NUL byte: such a name is no shipped scenario's
    named = isinstance(parent, str) and "\0" not in parent
    target = (shipped / parent).resolve() if named else None
    if target not in offered:
        names = ", ".join(sorted(files))
        message = f"an upload may extend only a shipped scenario ({names}), not {parent!r}"
        if target is not None and target.is_relative_to(shipped) and county_resolved(target):
            message = (
                f"{parent!r} is county-resolved: the dashboard runs one county (extend one of "
                f"{names}); a county-resolved scenario runs with povsim run"
            )
        raise ScenarioError([ScenarioProblem(source, "extends", message)])
    raw["extends"] = str(target)
    return target


def _check_geography(raw: dict[str, Any], source: str) -> None:
    # A county-resolved scenario cannot run on the page, and its provinces table is a path
    # the server would read.
    if "geography" in raw:
        raise ScenarioError(
            [
                ScenarioProblem(
                    source,
                    "geography",
                    "the dashboard runs one county; a county-resolved scenario runs with "
                    "povsim run",
                )
            ]
        )


def _inherited_kinds(parent: Path | None) -> dict[str, str]:
    """The kinds of the programs a shipped scenario already has, by name."""
    if parent is None:
        return {}
    programs = load_scenario(parent).programs
    return {name: config.kind or name for name, config in programs.items()}


def _check_programs(raw: dict[str, Any], source: str, parent: Path | None) -> None:
    programs = raw.get("programs", {})
    if not isinstance(programs, dict):
        return  # the schema says what is wrong
    inherited = _inherited_kinds(parent)
    for name, entry in programs.items():
        # A table without a kind changes a program the parent has, or is a built-in by name.
        default = inherited.get(name, name)
        kind = entry.get("kind", default) if isinstance(entry, dict) else default
        if not isinstance(kind, str) or kind not in BUILTIN_PROGRAMS:
            # [programs.industy] is a misspelt program before it is an unknown kind
            close = difflib.get_close_matches(name, [*inherited, *BUILTIN_PROGRAMS], n=1)
            if close and not (isinstance(entry, dict) and "kind" in entry):
                problem = ScenarioProblem(
                    source, f"programs.{name}", f"no such program: did you mean {close[0]!r}?"
                )
            else:
                problem = ScenarioProblem(
                    source,
                    f"programs.{name}.kind",
                    f"an upload may use only built-in program kinds "
                    f"({', '.join(sorted(BUILTIN_PROGRAMS))}), not {kind!r}",
                )
            raise ScenarioError([problem])


def load_upload(name: str, data: bytes, shipped: Path) -> Policy:
    """Validate an uploaded scenario file and make it a :class:`Policy`.

    Args:
        name: the file's name as the browser gave it.
        data: its content.
        shipped: the directory of shipped scenarios it may extend.

    Raises:
        ScenarioError: naming the upload, the field and the problem.
    """
    filename = Path(name).name or "upload.toml"
    source = f"upload: {filename}"
    raw = _read(source, data)
    _check_geography(raw, source)
    parent = _check_extends(raw, source, shipped.resolve())
    _check_programs(raw, source, parent)
    with tempfile.TemporaryDirectory() as tmp:
        # Not the browser's name: a pinned mix's file is named for its label, which may be
        # longer than a file name may be; messages name the upload.
        path = Path(tmp) / "upload.toml"
        path.write_text(tomli_w.dumps(raw), encoding="utf-8")
        try:
            policy = Policy.from_file(path, source)
        except ScenarioError as err:
            # Name the upload, not the temporary copy the loader read, and a shipped file
            # by its name, not where the server keeps it.
            folder = f"{shipped.resolve()}{os.sep}"

            def shown(text: str) -> str:
                # a command ("it is read by `povsim sweep PATH`") takes the file's name
                text = text.replace(f"{path}`", f"{filename}`")
                return text.replace(str(path), source).replace(folder, "")

            raise ScenarioError(
                [ScenarioProblem(shown(p.source), p.path, shown(p.message)) for p in err.problems]
            ) from None
    population = policy.base.population
    for field, value, limit in (
        ("population.households", population.households, MAX_UPLOAD_HOUSEHOLDS),
        ("population.villages", population.villages, MAX_UPLOAD_VILLAGES),
    ):
        if value > limit:
            raise ScenarioError(
                [
                    ScenarioProblem(
                        source, field, f"{value:,} is more than the dashboard's {limit:,}"
                    )
                ]
            )
    base = policy.base
    steps = population.households * len(base.years) * base.steps_per_year
    if steps > MAX_UPLOAD_HOUSEHOLD_STEPS:
        raise ScenarioError(
            [
                ScenarioProblem(
                    source,
                    "",
                    f"{population.households:,} households over {len(base.years)} years of "
                    f"{base.steps_per_year} steps are {steps:,} household-steps a run, more "
                    f"than the dashboard's {MAX_UPLOAD_HOUSEHOLD_STEPS:,} (the national "
                    "profile's); run it with povsim run",
                )
            ]
        )
    if not raw.get("extends") and not raw.get("programs"):
        # An empty file loaded as a default county with no support, over the planner's mix.
        raise ScenarioError(
            [
                ScenarioProblem(
                    source,
                    "",
                    "neither extends a scenario nor gives programs: it would replace the mix "
                    "with a county without support (start from a shipped file or an export)",
                )
            ]
        )
    return policy


class _PickOrDrop(FileDropZone):
    """Solara's drop zone with a file picker in it (a click opens the file dialog)."""

    template_file = (__file__, "upload.vue")


@solara.component
def ScenarioUpload(
    on_file: Callable[[str, bytes], bool], on_refused: Callable[[str], None]
) -> solara.Element:
    """Drop a scenario file or pick one; files over :data:`MAX_UPLOAD_BYTES` are refused
    before they are read. ``on_file`` takes the file or says why not. The zone is emptied
    once a file is read, taken or not: a refused one left named there read as the mix in
    force, and so did a taken one after a slider or another mix replaced it; and the same
    file again (edited, of the same size) was no change to the zone, so it was not read."""
    file_info, set_file_info = solara.use_state(None)
    files, set_files = solara.use_state(cast(list[FileInfo] | None, None))
    zone = _PickOrDrop.element(
        label="drop a scenario file here, or click to choose one",
        on_file_info=set_file_info,
        multiple=False,
    )

    # the zone's widget, for the reading thread, which has no render context to find it
    zone_widget = solara.use_ref(cast(_PickOrDrop | None, None))

    def wire() -> None:
        if file_info:
            widget = cast(_PickOrDrop, solara.get_widget(zone))
            zone_widget.current = widget
            widget.version += 1  # as Solara's FileDrop: re-arm the widget's observer
            widget.reset_stats()
            set_files(cast(list[FileInfo], widget.get_files()))

    solara.use_effect(wire, [file_info])

    def read(cancel: threading.Event) -> None:
        if not files:
            return
        info = files[0]
        data = info["file_obj"].read() if info["size"] <= MAX_UPLOAD_BYTES else None
        # Emptied before the file is taken: emptied after, the next file dropped as soon
        # as this one showed was emptied with it, unread.
        if zone_widget.current is not None:
            zone_widget.current.file_info = []
        if data is None:
            on_refused(
                f"upload: {Path(info['name']).name}: is {info['size']:,} bytes; "
                f"uploads are limited to {MAX_UPLOAD_BYTES:,}"
            )
        else:
            on_file(info["name"], data)

    # Not cancelled by a re-render: a file half-taken left the mix loaded but not named.
    result = solara.use_thread(read, [files], intrusive_cancel=False)
    if result.error:
        raise result.error
    return zone
