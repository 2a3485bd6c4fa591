"""Reading scenario files: TOML, ``extends`` chains and ``--set`` overrides.

A file may ``extends = "other.toml"`` (a path relative to itself) to inherit every field
and override some; ``--set dotted.path=value`` overrides a field on top of that. Every
problem is reported as a :class:`~povsim.config.errors.ScenarioError` naming the file
that set the offending value, the dotted field path and what is wrong.
"""

from __future__ import annotations

import errno
import os
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from povsim.config.errors import (
    NUL_IN_PATH,
    ScenarioError,
    ScenarioProblem,
    not_utf8,
    problems_from,
    year_runs,
)
from povsim.config.geography import SET_PER_COUNTY, read_provinces
from povsim.config.paths import parse_override, set_path
from povsim.config.schema import Scenario

__all__ = [
    "DESIGN",
    "PROBLEM",
    "SCENARIO",
    "TARGETS",
    "input_kind",
    "load_scenario",
    "load_settings",
    "read_merged",
    "read_toml",
    "referenced_scenario",
]

Origin = dict[tuple[str, ...], str]
"""Which file (or ``--set``) set each path, the latest setting last (see :func:`_record`)."""


def _absent(tree: dict[str, Any], path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return True
        tree = tree[key]
    return False


def _record(origin: Origin, path: tuple[str, ...], source: str) -> None:
    # Moved to the end, so the order of the keys is the order of the settings: a check of a
    # whole table can name whoever changed it last.
    origin.pop(path, None)
    origin[path] = source


MAX_EXTENDS = 32
"""Longest ``extends`` chain: real scenarios use two or three files."""


def _too_deep(path: Path) -> ScenarioError:
    return ScenarioError([ScenarioProblem(str(path), "", "nested too deeply to read")])


def referenced_scenario(target: Path, source: Path | str, field: str) -> Path:
    """``target``, a scenario another file names in ``field``, if it is a file to read.

    Raises:
        ScenarioError: naming ``source`` and ``field``: a directory, something else that is
            no regular file (a device, a pipe), or nothing at all.
    """
    if "\0" in str(target):  # pathlib reads such a name as a file that is not there
        raise ScenarioError([ScenarioProblem(str(source), field, NUL_IN_PATH)])
    try:
        if target.is_file():
            return target
        kind = (
            "a directory, not a scenario file"
            if target.is_dir()
            else "not a regular file"
            if target.exists()
            else "scenario not found"
        )
    except OSError as err:  # a symlink loop, a folder that may not be read
        kind = f"cannot be read ({err.strerror or err})"
    raise ScenarioError([ScenarioProblem(str(source), field, f"{kind}: {target}")])


def read_toml(path: Path, referenced_from: tuple[str, str] | None = None) -> dict[str, Any]:
    """The TOML table in ``path``; a missing or unreadable file is a ScenarioError."""
    try:
        is_dir, is_file = path.is_dir(), path.is_file()
    except OSError as err:  # a directory on the way that may not be read
        reason = err.strerror or str(err)
        if referenced_from:
            problem = ScenarioProblem(*referenced_from, f"cannot read {path}: {reason}")
        else:
            problem = ScenarioProblem(str(path), "", f"cannot be read: {reason}")
        raise ScenarioError([problem]) from None
    if is_dir:
        if referenced_from:
            source, field = referenced_from
            problem = ScenarioProblem(source, field, f"extends a directory, not a file: {path}")
        else:
            what = "a directory, not a file"
            try:
                output = (path / "manifest.json").is_file()
            except OSError:  # a folder that may not be listed
                output = False
            if output:
                what += (
                    " (a povsim output folder, not a scenario; a run's manifest.json holds"
                    " the scenario it ran)"
                )
            problem = ScenarioProblem(str(path), "", what)
        raise ScenarioError([problem])
    if not is_file:
        # A device, a pipe or a socket exists but is no file to read a scenario from.
        try:
            exists = path.exists()
        except OSError:  # a symlink loop, say
            exists = False
        dangling = _dangling(path) if not exists and path.is_symlink() else None
        if referenced_from:
            source, field = referenced_from
            what = dangling or ("not a regular file" if exists else "not found")
            raise ScenarioError(
                [ScenarioProblem(source, field, f"extended file {what}: {path.absolute()}")]
            )
        message = dangling or (
            "not a regular file (a device or a pipe?)" if exists else "file not found"
        )
        raise ScenarioError([ScenarioProblem(str(path), "", message)])
    try:
        data = path.read_bytes()
        # utf-8-sig: a byte-order mark, which some Windows editors write, is no error
        return tomllib.loads(data.decode("utf-8-sig"))
    except tomllib.TOMLDecodeError as err:
        message = f"not valid TOML: {_TOML_KEY.sub(_dotted, str(err))}{_toml_hint(err, data)}"
        raise ScenarioError([ScenarioProblem(str(path), "", message)]) from None
    except UnicodeDecodeError as err:
        raise ScenarioError([ScenarioProblem(str(path), "", not_utf8(data, err))]) from None
    except OSError as err:
        raise ScenarioError([ScenarioProblem(str(path), "", f"cannot be read: {err}")]) from None


def _toml_hint(err: tomllib.TOMLDecodeError, data: bytes) -> str:
    """What the common slips behind tomllib's bare messages are, read off the character it
    stopped at: a number written as people write it (4,000 or 25%), a key or table given
    twice, a key in Chinese not quoted."""
    message = str(err)
    where = re.search(r"at line (\d+), column (\d+)", message)
    if where is None:
        return ""
    lines = data.decode("utf-8-sig", errors="replace").split("\n")  # tomllib counts \n only
    number, column = int(where[1]), int(where[2])
    if not 1 <= number <= len(lines):
        return ""
    line = lines[number - 1].rstrip("\r")
    at = line[column - 1] if 1 <= column <= len(line) else ""
    before, after = line[: column - 1], line[column:]
    if message.startswith("Expected newline"):
        digits = re.search(r"(\d+(?:\.\d+)?)$", before)
        if at == "," and digits and re.match(r"\d{3}", after):
            plain = re.sub(r"(?<=\d),(?=\d{3})", "", (before + at + after).split("=", 1)[-1])
            return f" (a number has no thousands separators: {plain.strip()})"
        if at == "%" and digits:
            return f" (a share is a fraction: {float(digits[1]) / 100:g}, not {digits[1]}%)"
    if message.startswith(("Cannot overwrite", "Cannot declare")):
        if line.lstrip().startswith("["):
            return f" (the table {line.strip()} is given twice, or a value of its name is)"
        if key := line.split("=", 1)[0].strip():
            return f" ({key} is given twice in its table)"
    if message.startswith(("Invalid initial character", "Invalid statement")):
        header = re.fullmatch(r"\s*(\[\[?)([^\]]*)(\]\]?)\s*", line)
        key = header[2] if header else line.split("=", 1)[0]
        if not key.isascii():
            parts = ".".join(p if p.isascii() else f'"{p}"' for p in key.strip().split("."))
            quoted = f"{header[1]}{parts}{header[3]}" if header else f"{parts} = ..."
            return f" (a key in other letters than a-z, 0-9, _ and - is quoted: {quoted})"
    return ""


_TOML_KEY = re.compile(r"\((?:'[^']*'(?:, )?)+,?\)")
"""A key as tomllib's messages give it, a Python tuple: ('income', 'growth')."""


def _dotted(match: re.Match[str]) -> str:
    return ".".join(re.findall(r"'([^']*)'", match[0]))


Partial = list[tuple[tuple[str, ...], str, list[int]]]
"""Tables by year a file changed in part: (table, the file, the parent's years it kept)."""


def _merge(
    base: dict[str, Any],
    top: dict[str, Any],
    origin: Origin,
    source: str,
    prefix: tuple[str, ...] = (),
    partial: Partial | None = None,
) -> None:
    """Deep-merge ``top`` into ``base``, recording which file set each leaf (and in
    ``partial`` each table by year whose years it changes only some of)."""
    for key, value in top.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            if partial is not None and _by_year(value) and _by_year(base[key]):
                changed = [y for y in value if y in base[key]]
                kept = [int(y) for y in base[key] if y not in value]
                if changed and kept:  # adding years after the parent's is no surprise
                    partial.append((path, source, kept))
            _merge(base[key], value, origin, source, path, partial)
        else:
            base[key] = value
            _record(origin, path, source)
            if isinstance(value, dict):
                _note_leaves(value, origin, source, path)


def _by_year(table: dict[str, Any]) -> bool:
    """Whether ``table`` is a series by year: every key a year."""
    return bool(table) and all(str(key).isdigit() and len(str(key)) == 4 for key in table)


def _note_leaves(
    tree: dict[str, Any], origin: Origin, source: str, prefix: tuple[str, ...]
) -> None:
    for key, value in tree.items():
        _record(origin, (*prefix, str(key)), source)
        if isinstance(value, dict):
            _note_leaves(value, origin, source, (*prefix, str(key)))


def _dangling(path: Path) -> str:
    """Why a symbolic link leads to no file: it loops, or its target is missing."""
    try:
        path.resolve(strict=True)
    except (OSError, RuntimeError) as err:  # RuntimeError: a loop, before Python 3.13
        if isinstance(err, RuntimeError) or getattr(err, "errno", None) == errno.ELOOP:
            return "a symbolic link that loops back on itself, to no file"
    return f"a symbolic link to a file that does not exist: {os.readlink(path)}"


def _resolve(
    path: Path,
    chain: tuple[Path, ...],
    origin: Origin,
    referenced_from: tuple[str, str] | None = None,
    partial: Partial | None = None,
) -> dict[str, Any]:
    if len(chain) >= MAX_EXTENDS:
        source, field = referenced_from or (str(path), "extends")
        raise ScenarioError(
            [ScenarioProblem(source, field, f"extends chain longer than {MAX_EXTENDS} files")]
        )
    # Read first: a file that cannot be read (a symbolic link that loops, say) is reported
    # in words, where resolving its path would raise.
    data = read_toml(path, referenced_from)
    real = path.resolve()
    path = real if path.is_absolute() else path
    if real in chain:
        cycle = " -> ".join(str(p) for p in (*chain, real))
        raise ScenarioError([ScenarioProblem(str(path), "extends", f"extends itself: {cycle}")])
    parent = data.pop("extends", None)
    merged: dict[str, Any] = {}
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError([ScenarioProblem(str(path), "extends", "must be a file path")])
        if not parent.strip():
            # path.parent / "" is the folder itself: "extends a directory" misled
            message = "an empty path: name the file to extend, or leave extends out"
            raise ScenarioError([ScenarioProblem(str(path), "extends", message)])
        if "\0" in parent:  # the system takes no such name: it was "not found", unshown
            raise ScenarioError([ScenarioProblem(str(path), "extends", NUL_IN_PATH)])
        target = path.parent / parent
        if not _exists(target) and target.is_symlink():
            message = f"extends {target.absolute()}: {_dangling(target)}"
            raise ScenarioError([ScenarioProblem(str(path), "extends", message)])
        if not Path(parent).is_absolute() and not _exists(target):
            message = (
                f"extended file not found: {target.absolute()} (a relative path in extends is "
                "read from the folder of the file that names it)"
            )
            raise ScenarioError([ScenarioProblem(str(path), "extends", message)])
        merged = _resolve(
            target,
            (*chain, real),
            origin,
            (str(path), "extends"),
            partial,
        )
    _merge(merged, data, origin, str(path), partial=partial)
    return merged


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a folder on the way that may not be read: read_toml says so
        return True


def read_merged(path: str | Path) -> dict[str, Any]:
    """The table of ``path`` with its ``extends`` chain merged in, not validated.

    Raises:
        ScenarioError: a file of the chain is missing, unreadable, not TOML or nested too
            deeply, or the chain loops.
    """
    try:
        return _resolve(Path(path), (), {})
    except RecursionError:
        raise _too_deep(Path(path)) from None


def _anchor_tables(raw: dict[str, Any], origin: Origin) -> None:
    """Make ``geography.provinces_table`` relative to the file that named it.

    A ``--set`` value stays relative to the working directory, as command-line paths are.
    """
    geography = raw.get("geography")
    if not isinstance(geography, dict):
        return
    table = geography.get("provinces_table")
    if not isinstance(table, str) or not table or Path(table).is_absolute():
        return
    source = origin.get(("geography", "provinces_table"), "")
    if source and not source.startswith("--set "):
        geography["provinces_table"] = str(Path(source).parent / table)


SCENARIO = "a scenario file"
DESIGN = "a sweep design"
PROBLEM = "a sensitivity problem"
TARGETS = "a targets file"

_KINDS: dict[str, tuple[frozenset[str], str]] = {
    # What each kind of input file holds at its top level that the others do not, and the
    # command that reads it.
    DESIGN: (frozenset({"variants", "grid", "lhs", "set"}), "povsim sweep {path}"),
    PROBLEM: (
        frozenset({"inputs", "shares", "outputs", "time_varying"}),
        "povsim sensitivity SCENARIO --problem {path}",
    ),
    TARGETS: (
        frozenset({"targets", "calibration", "region", "scenario"}),
        "povsim validate {path}",
    ),
    SCENARIO: (
        frozenset({"extends", "population", "income", "programs", "budget", "poverty_line"})
        | frozenset({"registration", "exit", "villages", "shocks", "monitoring", "geography"}),
        "povsim run {path}",
    ),
}


def input_kind(path: str | Path) -> str:
    """Which kind of input file ``path`` is, by what it holds at its top level (a file
    with nothing telltale is taken for a scenario).

    Raises:
        ScenarioError: when the file cannot be read as TOML.
    """
    try:
        keys = set(read_toml(Path(path), None))
    except RecursionError:
        raise _too_deep(Path(path)) from None
    for kind, (telltales, _) in _KINDS.items():
        if kind != SCENARIO and keys & telltales and not keys & _KINDS[SCENARIO][0]:
            return kind
    if "base" in keys and not keys & _KINDS[SCENARIO][0]:
        # a design that forgot its points: read as a scenario, it was "base: unknown field"
        return DESIGN
    return SCENARIO


def _wrong_kind(
    data: Any, expected: str, path: Path, origin: Origin | None = None
) -> ScenarioError | None:
    """The one problem to report when ``data``, which failed as ``expected``, is plainly
    another kind of input file (a sweep design given to ``run``, say)."""
    if not isinstance(data, dict):
        return None
    keys = set(data)
    if keys & _KINDS[expected][0]:
        return None
    for kind, (telltales, command) in _KINDS.items():
        if kind != expected and keys & telltales:
            found = {origin.get((key,)) for key in keys & telltales} if origin else set()
            if (parent := next((s for s in found if s and s != str(path)), None)) is not None:
                # the other kind came in through extends, not from this file
                message = f"{parent} is {kind}, not {expected} (extends takes a scenario file)"
                return ScenarioError([ScenarioProblem(str(path), "extends", message)])
            message = f"this is {kind}, not {expected}; it is read by `{command.format(path=path)}`"
            return ScenarioError([ScenarioProblem(str(path), "", message)])
    return None


def load_settings[M: BaseModel](path: str | Path, model: type[M], kind: str) -> M:
    """Read a TOML file into ``model`` with the same messages as scenario files give.

    Used for sweep designs, sensitivity problems and targets files (``kind``: which of
    them, so that another kind of file given in its place is named for what it is).
    """
    path = Path(path)
    data: Any = None
    try:
        data = read_toml(path, None)
        return model.model_validate(data)
    except ValidationError as err:
        raise _wrong_kind(data, kind, path) or ScenarioError(
            problems_from(err, {}, str(path), model, data)
        ) from None
    except RecursionError:
        raise _too_deep(path) from None


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Load, merge (``extends``), override (``--set``) and validate a scenario file.

    Args:
        path: The TOML file.
        overrides: ``dotted.path=value`` strings applied after the file.

    Raises:
        TypeError, ValueError: a path or overrides of the wrong kind, or an empty path.
        ScenarioError: naming the file, the field path and the problem.
    """
    if isinstance(overrides, str):
        raise TypeError(
            f"overrides: a list of 'dotted.path=value' strings, not one: [{overrides!r}]"
        )
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path: a TOML file's path, not {type(path).__name__}")
    if path == "":  # Path("") is the current directory
        raise ValueError("path: empty; give a TOML file's path")
    if not isinstance(overrides, Sequence):
        raise TypeError(
            f"overrides: a list of 'dotted.path=value' strings, not {type(overrides).__name__}"
        )
    for text in overrides:
        if not isinstance(text, str):
            raise TypeError(f"overrides: 'dotted.path=value' strings, not {type(text).__name__}")
    path = Path(path)
    origin: Origin = {}
    raw: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    keys: list[str] = []
    try:
        partial: Partial = []
        raw = _resolve(path, (), origin, None, partial)
        # the files' own tables tell their kind: a --set population.households=... made a
        # sweep design look like a scenario ("base: unknown field", ...)
        files = dict(raw) if isinstance(raw, dict) else None
        # what the files say, whatever it is: a population that is not a table is the
        # validation's to refuse, in its words
        population = raw.get("population") if isinstance(raw, dict) else None
        in_file = dict(population) if isinstance(population, dict) else {}
        for text in overrides:
            key, value = parse_override(text)
            keys.append(key)
            parts = tuple(key.split("."))
            # The tables an override creates are its own (a misspelt program, say).
            created = [parts[:end] for end in range(1, len(parts)) if _absent(raw, parts[:end])]
            set_path(raw, list(parts), value)
            # The value replaces what the files set under it, so they no longer answer for it.
            for stale in [p for p in origin if len(p) > len(parts) and p[: len(parts)] == parts]:
                del origin[stale]
            for table in (*created, parts):
                _record(origin, table, f"--set {key}")
        _scale_national_villages(raw, in_file, origin)
        _anchor_tables(raw, origin)
        _one_list_of_provinces(raw, origin)
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        raise _wrong_kind(files or raw, SCENARIO, path, origin) or ScenarioError(
            problems_from(err, origin, str(path), Scenario, raw)
        ) from None
    except RecursionError:
        raise _too_deep(path) from None
    if scenario.geography is not None:
        _refuse_per_county(keys)
        scenario._file_notes.extend(_per_county_in_file(origin))
    scenario._file_notes.extend(_late_years(origin, scenario))
    scenario._file_notes.extend(_kept_years(partial, origin, scenario))
    scenario._file_notes.extend(_kept_scale(origin, scenario))
    scenario._file_notes.extend(_thinned_villages(origin, scenario, in_file))
    scenario._file_notes.extend(_resized_county(origin, scenario, in_file))
    scenario._file_notes.extend(_scaled_villages(origin, scenario, in_file))
    return scenario


def _one_list_of_provinces(raw: Any, origin: Origin) -> None:
    """Provinces listed beside a ``provinces_table`` would replace the whole table: one
    province added to change it left the other 30 out, and the error named a symptom
    (Tibet not among the provinces of ``deep_poverty_provinces``)."""
    geography = raw.get("geography") if isinstance(raw, dict) else None
    if not isinstance(geography, dict):
        return
    table, listed = geography.get("provinces_table"), geography.get("provinces")
    if not table or not isinstance(table, str) or not isinstance(listed, list):
        return
    try:
        tabled = {row.get("name") for row in read_provinces(Path(table))}
    except ValueError:
        return  # the table's own error is the validation's to give
    if {p.get("name") for p in listed if isinstance(p, dict)} == tabled:
        return  # every province of the table (a run's resolved scenario, as its manifest has it)
    raise ScenarioError(
        [
            ScenarioProblem(
                origin.get(("geography", "provinces"), "the scenario"),
                "geography.provinces",
                f"given beside provinces_table ({table}, set in "
                f"{origin.get(('geography', 'provinces_table'), 'the scenario')}), whose "
                "provinces it would replace, "
                'not add to: list every province (provinces_table = ""), or change them in '
                "a copy of the table",
            )
        ]
    )


def _scale_national_villages(raw: Any, in_file: dict[str, Any], origin: Origin) -> None:
    """``--set population.households`` alone on a county-resolved scenario keeps its agents a
    village, as ``povsim validate --households`` does.

    A national run's ``population.villages`` is its sample's villages, which its counties
    share by their agents, where ``represents_villages`` gives the real ones: kept at 20,000 under a
    sample of 1,000 agents, the counties, raised to their fewest agents, drew 2.6 m villages
    of 0.05 agents each and designated 17,000 poor villages of a quota of 128,000.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("geography"), dict):
        return
    population = raw.get("population")
    set_here = origin.get(("population", "households"), "")
    if not isinstance(population, dict) or not set_here.startswith("--set"):
        return
    if origin.get(("population", "villages"), "").startswith("--set"):
        return
    if not population.get("represents_villages"):
        return  # the sample's villages are the nation's own: a smaller sample keeps them
    sizes = [population.get("households"), in_file.get("villages"), in_file.get("households")]
    counts = [n for n in sizes if isinstance(n, int) and not isinstance(n, bool) and n > 0]
    if len(counts) < len(sizes):
        return  # the validation's to refuse, or the schema's defaults
    households, villages, was = counts
    population["villages"] = max(1, round(villages * households / was))
    _record(origin, ("population", "villages"), f"{set_here} (scaled)")


def _scaled_villages(origin: Origin, scenario: Scenario, in_file: dict[str, Any]) -> list[str]:
    """Say that a county-resolved scenario's sample villages followed its sample
    (:func:`_scale_national_villages`)."""
    source = origin.get(("population", "villages"), "")
    if not source.endswith(" (scaled)"):
        return []
    each = in_file["households"] / in_file["villages"]
    return [
        f"{source.removesuffix(' (scaled)')} scales the sample villages with it, to "
        f"{scenario.population.villages:,}, keeping the file's {each:.0f} agents a village "
        "(the real villages stay population.represents_villages)"
    ]


FEW_VILLAGES = 30
"""Fewer sample villages than this, and a village count moves in steps too coarse to judge."""


def _thinned_villages(origin: Origin, scenario: Scenario, in_file: dict[str, Any]) -> list[str]:
    """A smaller sample by ``--set population.households`` alone keeps the file's villages,
    so each holds fewer agents: a village's incidence is then a noisier estimate. The
    designation reads it at the real villages' spread
    (:func:`~povsim.sim.villages.as_real_villages`: at the multiple of 1.52 the national
    profile designates 107,000 villages at 50,000 agents and 91,000 at its 200,000, where it
    designated 158,000 and 120,000 before; by its quota it now designates 128,000 at any
    size), but the exit test counts a village's registered
    agents as they are, so villages leave the list at other times (19,000 left at the end of
    2018 against 30,000). Shrinking the villages with the agents keeps their noise, but only
    while enough villages are left to count."""
    pop = scenario.population
    set_here = origin.get(("population", "households"), "")
    villages_set = origin.get(("population", "villages"), "").startswith("--set")
    if not set_here.startswith("--set") or villages_set or pop.villages > pop.households:
        return []  # (more villages than households has a note of its own)
    fields = type(pop).model_fields
    households = in_file.get("households", fields["households"].default)
    villages = in_file.get("villages", fields["villages"].default)
    if not isinstance(households, int) or not isinstance(villages, int) or villages < 1:
        return []  # the file's own values were refused, or are the override's
    each, now = households / villages, pop.households / pop.villages
    if now >= 0.8 * each:
        return []
    said = (
        f"{set_here} keeps the file's {pop.villages:,} villages: {now:.0f} agents a village "
        f"where it has {each:.0f}, so each village's figures are noisier (designation reads "
        "them at the real villages' spread; exit from the list does not)"
    )
    keep = round(pop.villages * pop.households / households)
    if keep >= FEW_VILLAGES:
        said += (
            f"; --set population.villages={keep} too keeps {pop.households / keep:.0f} a "
            "village (as povsim validate --households does)"
        )
    else:
        said += (
            f"; shrinking the villages with it ({each:.0f} agents a village) would leave "
            f"{keep}, too few to count by (under {FEW_VILLAGES}): read its village figures "
            "as rough"
        )
    return [said]


def _resized_county(origin: Origin, scenario: Scenario, in_file: dict[str, Any]) -> list[str]:
    """``--set population.households`` on a file without ``represents`` makes another
    county, not a smaller sample of its own: the budget is in real yuan, so each household
    gets the file's money times the ratio (a county of 3,000 run at 1,000 exited three times
    as many households for each one)."""
    pop = scenario.population
    set_here = origin.get(("population", "households"), "")
    if not set_here.startswith("--set") or pop.represents is not None:
        return []
    households = in_file.get("households", type(pop).model_fields["households"].default)
    if not isinstance(households, int) or households == pop.households:
        return []
    return [
        f"{set_here} makes a county of {pop.households:,} households, not a sample of the "
        f"file's {households:,}: the file sets no population.represents, so its budget, in "
        f"real yuan, is {households / pop.households:.3g} times as much a household; set "
        f"population.represents = {households} in the file (as the shipped scenarios do) to "
        "run a smaller sample of the same county"
    ]


def _kept_scale(origin: Origin, scenario: Scenario) -> list[str]:
    """A sample size set without what it stands for: the parent's ``represents`` then
    weights every agent (Shandan's 49,350 households stood for the baseline's 5,000)."""
    pop, notes = scenario.population, []
    for agents, whole, agent in (
        ("households", "represents", "household"),
        ("villages", "represents_villages", "village"),
    ):
        size, stands = getattr(pop, agents), getattr(pop, whole)
        here = origin.get(("population", agents))
        there = origin.get(("population", whole))
        # --set population.households=500 is how a smaller sample of the same county runs
        if stands is None or here is None or there is None or here == there:
            continue
        if here.startswith("--set"):
            continue
        if list(origin).index(("population", whole)) < list(origin).index(("population", agents)):
            notes.append(
                f"population.{whole} ({stands:,}) is kept from {there} while {here} sets "
                f"population.{agents} ({size:,}): each {agent} stands for {stands / size:.3g} "
                f"(set population.{whole} too)"
            )
    return notes


def _kept_years(partial: Partial, origin: Origin, scenario: Scenario) -> list[str]:
    """Money by year that a file changes in part: the years it does not give are kept from
    the file it extends (``budget = {2016 = 0}`` leaves the other years funded), as is meant
    for the poverty line's years but is a surprise in a budget."""
    simulated = scenario.years
    notes = []
    for table, source, years in partial:
        if table[-1] not in ("budget", "total"):
            continue
        kept = sorted(y for y in years if y in simulated)
        if kept:
            by = sorted({origin.get((*table, str(y)), "the file it extends") for y in kept})
            notes.append(
                f"{'.'.join(table)}: {year_runs(kept)} kept from {', '.join(by)}, which "
                f"{source} extends (a table by year changes only the years it gives: write "
                "the others = 0 to remove them)"
            )
    return notes


def _late_years(origin: Origin, scenario: Scenario) -> list[str]:
    """Years of a table by year (``poverty_line``, ``budget.total``, a program's
    ``standard``...) after the run's last year, set after the run's years were: a
    ``--set poverty_line.2021=3400`` is never used. Years a base file gives past a run
    shortened by ``end_year`` are the file's, not a slip, and are not noted."""
    order = {path: i for i, path in enumerate(origin)}

    def position(path: tuple[str, ...]) -> int:
        # A leaf set inside a table set whole (--set budget.total={2021 = 5}) is the table's.
        for end in range(len(path), 0, -1):
            if path[:end] in order:
                return order[path[:end]]
        return -1

    end_year = scenario.end_year
    after = position(("end_year",))
    notes: list[str] = []

    def walk(model: BaseModel, prefix: tuple[str, ...]) -> None:
        for name in type(model).model_fields:
            value, path = getattr(model, name), (*prefix, name)
            if isinstance(value, BaseModel):
                walk(value, path)
            elif isinstance(value, dict):
                late = [
                    y
                    for y in value
                    if type(y) is int and y > end_year and position((*path, str(y))) > after
                ]
                if late:
                    notes.append(
                        f"{'.'.join(path)} gives {year_runs(sorted(late))}, after the run's "
                        f"last year ({end_year}): never used"
                    )
                for key, item in value.items():
                    if isinstance(item, BaseModel):
                        walk(item, (*path, str(key)))

    walk(scenario, ())
    return notes


def _per_county_in_file(origin: Origin) -> list[str]:
    """Fields a county-resolved run sets for each county, set by the file that gives the
    geography or one extending it: every county's own value replaces it. (Set by a county
    profile it extends, such as national.toml, they are that profile's own and no surprise.)"""
    # files in the order they were read, the base first: those from the first that gives a
    # geography on are national
    files = list(dict.fromkeys(where for where in origin.values() if not where.startswith("--")))
    first = next(
        (files.index(where) for key, where in origin.items() if key[:1] == ("geography",)),
        len(files),
    )
    national = set(files[first:])
    return [
        f"{key}, set in {where}, is replaced in each county by {SET_PER_COUNTY[key]}: "
        "this value is not used"
        for key in SET_PER_COUNTY
        if (where := origin.get(tuple(key.split(".")))) is not None and where in national
    ]


def _refuse_per_county(keys: Sequence[str]) -> None:
    """A county-resolved run sets these for each county: an override would do nothing."""
    problems = [
        ScenarioProblem(
            f"--set {key}",
            "",
            f"a county-resolved run sets it for each county from {SET_PER_COUNTY[key]}: "
            "set that instead",
        )
        for key in keys
        if key in SET_PER_COUNTY
    ]
    if problems:
        raise ScenarioError(problems)


def one_county(scenario: Scenario, source: str | Path) -> Scenario:
    """``scenario`` if it is one county; a county-resolved one (a ``geography`` section) is
    a problem of ``source`` for every command but ``run``, ``validate`` and ``calibrate``.

    Raises:
        ScenarioError: naming ``source`` and the field.
    """
    if scenario.geography is not None:
        raise ScenarioError(
            [
                ScenarioProblem(
                    str(source),
                    "geography",
                    "a county-resolved scenario runs with povsim run, validate and calibrate only",
                )
            ]
        )
    return scenario
