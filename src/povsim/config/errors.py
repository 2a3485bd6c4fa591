"""The one error type for every input file, and how pydantic's errors become its messages."""

from __future__ import annotations

import codecs
import difflib
import json
import re
import shlex
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from povsim.config.fields import NOT_A_NUMBER, YEAR_KEY

__all__ = [
    "NUL_IN_PATH",
    "ScenarioError",
    "ScenarioProblem",
    "arms",
    "did_you_mean",
    "keyed_by_year",
    "not_utf8",
    "problems_from",
    "year_runs",
]


def year_runs(years: Iterable[int]) -> str:
    """Years as runs: 2014-2016, 2019."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def did_you_mean(name: str, options: Iterable[str], *, n: int = 1, quoted: bool = False) -> str:
    """``" (did you mean X?)"`` for a name a letter or two off one of ``options``, or empty.

    Args:
        name: what was given.
        options: the names it could have meant.
        n: how many close names to offer at most.
        quoted: show them as Python strings (``'industry'``), as a program's names are.
    """
    close = difflib.get_close_matches(name, list(options), n=n)
    shown = ", ".join(repr(c) if quoted else c for c in close)
    return f" (did you mean {shown}?)" if close else ""


NUL_IN_PATH = "a path cannot hold a NUL byte"
"""What a file name given with a NUL byte (TOML's ``\\u0000``) is told: the system takes
no such name, and pathlib says only that it is not there, the byte unseen."""


MAX_SHOWN = 20
"""Problems an error's message lists; ``problems`` keeps them all."""


@dataclass(frozen=True)
class ScenarioProblem:
    """One thing wrong with an input: where it was set, the field, and what is wrong."""

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        # "--set exit.x" already names the field "exit.x"
        if not self.path or self.source.endswith(f" {self.path}"):
            return f"{self.source}: {self.message}"
        return f"{self.source}: {self.path}: {self.message}"


class ScenarioError(Exception):
    """An input (scenario, design, problem or targets file) that cannot be used.

    ``str()`` is the message for the user: one line per problem.
    """

    def __init__(self, problems: Iterable[ScenarioProblem]):
        self.problems = tuple(problems)
        lines = [str(p) for p in self.problems[:MAX_SHOWN]]
        if len(self.problems) > MAX_SHOWN:
            # a file of thousands of misspelt keys is one mistake, not a screenful
            lines.append(f"... and {len(self.problems) - MAX_SHOWN:,} more problems")
        super().__init__("\n".join(lines))

    def __reduce__(
        self,
    ) -> tuple[type[ScenarioError], tuple[tuple[ScenarioProblem, ...]], dict[str, Any]]:
        # From a worker process: Exception's own pickling would pass the message, a string,
        # back in as the problems, one a character. Its notes come too.
        return (type(self), (self.problems,), self.__dict__)

    def given_as(self, argument: str) -> ScenarioError:
        """The same problems, an override named as the Python ``argument`` that gave it
        (``overrides income.x``) rather than the command line's ``--set income.x``."""

        def named(text: str) -> str:
            # the command line's advice, as a Python list
            text = re.sub(r"--set '([^']*)'", rf"{argument}=['\1']", text)
            text = re.sub(r"--set (\S+=\.\.\.)", rf"{argument}=['\1']", text)
            return re.sub(r"--set\b", argument, text)

        return ScenarioError(
            ScenarioProblem(named(p.source), p.path, named(p.message)) for p in self.problems
        )


def _source_of(loc: tuple[str, ...], origin: Mapping[tuple[str, ...], str], default: str) -> str:
    """Who set ``loc``: of it and what it holds, the latest setting (``origin`` is in the order
    of the settings), so a check of a whole table names the file that changed it last; else
    the nearest table holding it."""
    within = [source for path, source in origin.items() if loc and path[: len(loc)] == loc]
    if within:
        return within[-1]
    for end in range(len(loc) - 1, 0, -1):
        if (found := origin.get(loc[:end])) is not None:
            return found
    return default


_NAMED_FIELD = re.compile(r"^(?P<path>[a-z_]+(?:\.[a-z_0-9]+)+): (?P<message>.*)$", re.DOTALL)


_OWN_FIELD = re.compile(r"^(?P<field>[a-z_]+): (?P<message>.*)$", re.DOTALL)


def _model_at(model: type[BaseModel] | None, loc: tuple[str, ...]) -> type[BaseModel] | None:
    """The settings model that holds ``loc`` (None where it cannot be told)."""
    for part in loc:
        if model is not None and part.isdigit():
            continue  # a position in a list of settings tables (targets.0)
        if model is None or part not in model.model_fields:
            return None
        model = _model_in(model.model_fields[part].annotation)
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        if (found := _model_in(arg)) is not None:
            return found
    return None


def _holder(
    model: type[BaseModel] | None, loc: tuple[str, ...], raw: Mapping[str, Any] | None
) -> type[BaseModel] | None:
    """The settings model holding the field at ``loc``, inside program tables of built-in
    kinds too (by the table's kind, named or implied by its name)."""
    holder = _model_at(model, loc[:-1])
    if holder is None and model is not None and len(loc) > 2 and loc[0] == "programs":
        holder = _model_at(_program_model(raw, loc[1]), loc[2:-1])
    return holder


def _annotation_at(
    model: type[BaseModel] | None, loc: tuple[str, ...], raw: Mapping[str, Any] | None
) -> Any:
    """The annotation of the field at ``loc`` (None where it cannot be told)."""
    holder = _holder(model, loc, raw) if loc else None
    field = holder.model_fields.get(loc[-1]) if holder is not None else None
    return field.annotation if field is not None else None


def arms(annotation: Any) -> list[Any]:
    """The types an annotation allows, through ``X | None`` and ``Annotated``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is typing.Annotated:
            args = args[:1]
        return [arm for arg in args for arm in arms(arg)]
    return [annotation]


def _any_length(annotation: Any) -> bool:
    """Whether the field is a list of any length (not a fixed-length tuple)."""
    for arm in arms(annotation):
        origin, args = typing.get_origin(arm), typing.get_args(arm)
        if origin in (list, set, frozenset) or (origin is tuple and args[-1:] == (Ellipsis,)):
            return True
    return False


def _dotted_numbers(table: Mapping[str, Any], prefix: str) -> list[str] | None:
    """The dotted keys of a nested table of digits whose every value is a number (as TOML
    reads ``2014.5 = 2800``: ``2014.5``), or None for anything else (likely a table the file
    wrote as a table, not a year with a decimal point)."""
    keys: list[str] = []
    for key, value in table.items():
        if not key.isdigit():
            return None
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            inner = _dotted_numbers(value, name)
            if inner is None:
                return None
            keys += inner
        elif isinstance(value, int | float) and not isinstance(value, bool):
            keys.append(name)
        else:
            return None
    return keys or None


def keyed_by_year(annotation: Any) -> bool:
    """Whether the field is a table from years (a dated series)."""
    for arm in arms(annotation):
        if typing.get_origin(arm) is dict:
            key = typing.get_args(arm)[0]
            if int in arms(key):
                return True
    return False


def _toml(value: Any) -> str:
    """A value as TOML writes it (Chinese names as they are)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"  # as --set writes it: TOML has no null
    return json.dumps(value, ensure_ascii=False)


def _kind_given(raw: Mapping[str, Any] | None, name: str) -> Any:
    """The kind program table ``name`` sets (None when it sets none)."""
    programs = (raw or {}).get("programs")
    table = programs.get(name) if isinstance(programs, Mapping) else None
    return table.get("kind") if isinstance(table, Mapping) else None


def _program_model(raw: Mapping[str, Any] | None, name: str) -> type[BaseModel] | None:
    """The settings of program table ``name`` when its kind is built in (None otherwise)."""
    from povsim.config.registry import BUILTIN_CONFIGS

    kind = _kind_given(raw, name)
    return BUILTIN_CONFIGS.get(str(name if kind is None else kind))


def _list_meant(given: str | float) -> list[Any]:
    """The list a single value or bracketed words stand for: a --set of ``[registered]``
    is not TOML (its words are unquoted) and reaches the check as the text "[registered]",
    as does a list left open, ``["registered"``."""
    if not (isinstance(given, str) and (given.startswith("[") or given.endswith("]"))):
        return [given]
    items: list[Any] = []
    for word in (w.strip().strip("\"'") for w in given.strip("[]").split(",")):
        if word:
            try:
                items.append(tomllib.loads(f"v = {word}")["v"])
            except tomllib.TOMLDecodeError:
                items.append(word)
    return items


def _table_not_value(
    loc: tuple[str, ...],
    given: Any,
    model: type[BaseModel] | None,
    raw: Mapping[str, Any] | None,
    on_command_line: bool,
    *,
    own: bool = False,
) -> str:
    """A value given for a whole table of settings (``--set income=0.3``): name the table and
    one of its fields to set instead (``own``: ``model`` is the table's own settings, as a
    program table's are, not the model holding it)."""
    path = ".".join(loc)
    table = model if own else _model_in(_annotation_at(model, loc, raw)) if loc else None

    def instead(field: str) -> str:
        if own and field != "share":
            field = "kind"  # a program table of no known kind needs one first
        example = (
            f"--set {path}.{field}=..." if on_command_line else f"{field} = ... under [{path}]"
        )
        return f"set one of its fields instead, e.g. {example}"

    return table_not_value(given, list(table.model_fields) if table is not None else [], instead)


TABLE_NOT_VALUE = "a table of settings, not "
"""How the message for a value given for a whole table of settings begins."""


def table_not_value(
    given: Any, table: Iterable[str], instead: Callable[[str], str], *, said: str | None = None
) -> str:
    """A value given for a whole table of settings (``income = 1``): what to do instead, then
    the table's first fields. A scenario file, a sweep's design and a sensitivity problem
    say it alike.

    Args:
        given: what was given for the table.
        table: the table's fields. A program's ``kind`` is not listed: it says what the
            program is, and is not the setting a number was meant for.
        instead: what to do instead, given the field to show as the example: a program's
            share, else the table's first field (``FIELD`` for a table of no known fields).
        said: how to say what was given where it is no one value (a range: "a number").
    """
    fields = [str(f) for f in table if f != "kind"]  # a dated series' keys are years
    field = "share" if "share" in fields else fields[0] if fields else "FIELD"
    listed = ", ".join(fields[:4]) + (f" and {len(fields) - 4} more" if len(fields) > 4 else "")
    also = f" ({listed})" if fields else ""
    return f"{TABLE_NOT_VALUE}{_toml(given) if said is None else said}: {instead(field)}{also}"


PROGRAM_NOT_A_TABLE = "must be a table"
"""What a program entry that is not a table is told (``schema._program_config``)."""

_LIST_ERRORS = frozenset({"list_type", "tuple_type", "set_type", "frozen_set_type"})

_NUMBER_ERRORS = frozenset({"float_type", "int_type", "float_parsing", "int_parsing"})

_BOUND_ERRORS = frozenset(
    {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "multiple_of"}
)


def _percent_hint(error: Any) -> str:
    """For a share or rate given as a percentage (15 where at most 1 is allowed), what to
    write."""
    given, bounds = error["input"], error.get("ctx", {})
    most = bounds.get("le", bounds.get("lt"))
    # up to 2, 1.5 may be 150% as well as 1.5%: no guess
    if not isinstance(most, int | float) or not 0 < most <= 2 or not max(most, 2) < given <= 100:
        return ""
    return f" ({given:g}% is written {given / 100:g})"


def problems_from(
    err: ValidationError,
    origin: Mapping[tuple[str, ...], str],
    default: str,
    model: type[BaseModel] | None = None,
    raw: Mapping[str, Any] | None = None,
) -> list[ScenarioProblem]:
    """Each validation error as a problem naming the file (or ``--set``) that set the value.

    With ``model``, an unknown field's message suggests the names it may have meant; with
    the ``raw`` data validated, also inside program tables of built-in kinds.
    """
    problems = []
    errors = err.errors(include_url=False)
    # A list too short for a fixed-length field (four income shares, say) is one missing
    # position each; say it once, with the lengths.
    short: dict[tuple[str, ...], list[int]] = {}
    for e in errors:
        if e["type"] == "missing" and e["loc"] and isinstance(e["loc"][-1], int):
            short.setdefault(tuple(str(p) for p in e["loc"][:-1]), []).append(e["loc"][-1])
    said: set[tuple[str, ...]] = set()
    for e in errors:
        loc = tuple(str(p) for p in e["loc"])
        if e["type"] == NOT_A_NUMBER:
            loc += tuple(str(p) for p in e.get("ctx", {}).get("within", ()))
        message = e["msg"].removeprefix("Value error, ")
        # who set a key is who wrote it, but the problem is the table's: the message
        # quotes the key, which a path cannot show (" 2016")
        setter = loc[:-1] if e["type"] == YEAR_KEY and loc[-1:] == ("[key]",) else None
        if setter is not None:
            loc = loc[:-2]
        if loc[:-1] in short and e["type"] == "missing":
            if loc[:-1] in said:
                continue
            said.add(loc[:-1])
            positions = short[loc[:-1]]
            loc = loc[:-1]
            message = f"needs {max(positions) + 1} values, not {min(positions)}"
        if loc and loc[-1] == "[key]":  # a table's key (a dated series' year), not its value
            loc = loc[:-1]
            key = "the year" if keyed_by_year(_annotation_at(model, loc[:-1], raw)) else "the key"
            message = f"{key}: {message[0].lower()}{message[1:]}"
        if not loc and (named := _NAMED_FIELD.match(message)):
            # A check of the whole scenario names the field it is about: find who set it.
            loc, message = tuple(named["path"].split(".")), named["message"]
        elif (
            e["type"] == "value_error"
            and (own := _OWN_FIELD.match(message))
            and (table := _model_at(model, loc)) is not None
            and own["field"] in table.model_fields
        ):
            # A check of a whole table (a target) that names one of its fields is about it.
            loc, message = (*loc, own["field"]), own["message"]
        given = e.get("input")
        source = _source_of(setter or loc, origin, default)
        on_command_line = source.startswith("--set ")
        if given is None and e["type"].endswith("_type") and "input" in e:
            # TOML has no null: only an override's none gets here, meant to unset the field
            example = f"--set {'.'.join(loc)}=..." if on_command_line else "a value"
            message = f"none unsets only an optional field; this one needs {example}"
        if e["type"] in _LIST_ERRORS and isinstance(given, str | int | float):
            message = f"a list is expected, not {_toml(given)}"
            if not isinstance(given, bool) and _any_length(_annotation_at(model, loc, raw)):
                # TOML writes a list in brackets: a single year or name is the common slip
                items = _list_meant(given)
                if on_command_line:
                    # The shell would eat the quotes of ["registered"]: quote the whole.
                    shown = shlex.quote(f"{'.'.join(loc)}={_toml(items)}")
                    message = f"a list is expected: write --set {shown}"
                else:
                    message = f"a list is expected: write {_toml(items)}, not {_toml(given)}"
        if e["type"] == "model_type" and not isinstance(given, Mapping):
            message = _table_not_value(loc, given, model, raw, on_command_line)
        elif len(loc) == 2 and loc[0] == "programs" and message == PROGRAM_NOT_A_TABLE:
            message = _table_not_value(
                loc, given, _program_model(raw, loc[1]), None, on_command_line, own=True
            )
        if e["type"] == "dict_type" and isinstance(given, str | int | float):
            message = f"a table is expected, not {_toml(given)}"
            if keyed_by_year(_annotation_at(model, loc, raw)):
                example = f"{{2017 = {_toml(given)}}}"
                if on_command_line:
                    # The table replaces the whole series: the years it leaves out get
                    # nothing, where the user most likely meant to change one of them.
                    path = ".".join(loc)
                    message += (
                        f" (a dated series: --set {path}.2017={_toml(given)} changes one "
                        f"year; --set '{path}={example}' replaces the whole series)"
                    )
                else:
                    message += f" (a dated series: a value from each year, e.g. {example})"
        if e["type"] in _NUMBER_ERRORS and isinstance(given, list | dict):
            shape = "a list" if isinstance(given, list) else "a table"
            message = f"a single number is expected, not {shape}"
            if (
                isinstance(given, dict)
                and len(loc) >= 2
                and loc[-1].isdigit()
                and keyed_by_year(_annotation_at(model, loc[:-1], raw))
                and (keys := _dotted_numbers(given, loc[-1]))
            ):
                # TOML reads a bare 2014.5 as the key 2014 holding a table with the key 5
                message = f"a dated series' key is a whole year, not {', '.join(keys)}"
        if e["type"] in _BOUND_ERRORS and isinstance(e.get("input"), int | float):
            message += f", not {e['input']}"  # the value, as given: the path alone hides it
            message += _percent_hint(e)
        if e["type"] == "extra_forbidden":
            message = "unknown field"
            holder = _holder(model, loc, raw)
            close = difflib.get_close_matches(loc[-1], list(holder.model_fields) if holder else [])
            kind = _kind_given(raw, loc[1]) if len(loc) == 3 and loc[0] == "programs" else None
            kind_set_in = origin.get(("programs", loc[1], "kind")) if kind else None
            if (
                isinstance(kind, str)
                and kind != loc[1]
                and (not close or _source_of(loc, origin, default) != kind_set_in)
            ):
                # A kind set in the table changes which fields it has; over a table inherited
                # from another file that, not a slip of spelling, is the likely cause.
                set_in = f", set in {kind_set_in}" if kind_set_in else ""
                message += f" for a program of kind {kind!r} (programs.{loc[1]}.kind{set_in})"
            elif len(loc) == 3 and loc[0] == "programs" and _kinds_with(loc[-1]):
                # a field of another kind of program, not a slip of spelling
                of_kind = str(loc[1] if kind is None else kind)
                message += f" for a program of kind {of_kind!r} ({_kinds_having(loc[-1])})"
            elif loc[0] != "programs" and (homes := _homes(loc[-1], model)):
                # a field written in the wrong table: where it belongs, not a near spelling
                here = ".".join(p for p in loc[:-1] if not p.isdigit())
                shown = _listed(
                    [
                        f"a top-level field, not one of {here}'s" if h == loc[-1] else h
                        for h in homes
                    ]
                )
                message += f" ({loc[-1]} is {shown})" if here else f" (did you mean {shown}?)"
            elif close:
                message += (
                    " (did you mean " + ", ".join(".".join((*loc[:-1], c)) for c in close) + "?)"
                )
        if moved := _moved_run(loc, message, given, origin, source):
            problems.extend(moved)
            continue
        if any(word in message for word in ("the run is", "start_year", "end_year")):
            # The parent's poverty line is short of the years a child file asked for: name
            # the file that moved the end the line falls short of (the other end's file
            # moved nothing).
            line_short = _LINE_SHORT.match(message)
            missing = message.split(" (the run is")[0] if line_short else ""
            keys = [
                key
                for key, year in (("start_year", "start"), ("end_year", "end"))
                if line_short is None or line_short[year] in missing
            ]
            setters = {origin.get((key,)) for key in keys}
            setters -= {None, source}
            if setters:
                message += f" (the run's years are set in {', '.join(sorted(map(str, setters)))})"
        problems.append(ScenarioProblem(source, ".".join(loc) + _block(loc, raw), message))
    return problems


def _listed(items: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _kinds_with(field: str) -> list[str]:
    """The built-in program kinds whose tables have ``field``."""
    from povsim.config.registry import BUILTIN_CONFIGS

    return [kind for kind, cls in BUILTIN_CONFIGS.items() if field in cls.model_fields]


def _kinds_having(field: str) -> str:
    """Which kinds of program have ``field``, as a message says it."""
    return f"{field} is a field of kind {_listed([repr(k) for k in _kinds_with(field)])}"


def _homes(field: str, model: type[BaseModel] | None, prefix: tuple[str, ...] = ()) -> list[str]:
    """The dotted paths at which ``model``'s tables (not its programs') have ``field``."""
    found: list[str] = []
    for name, info in (model.model_fields if model is not None else {}).items():
        path = (*prefix, name)
        if name == field:
            found.append(".".join(path))
        elif (inner := _model_in(info.annotation)) is not None:
            found += _homes(field, inner, path)
    return found


def _moved_run(
    loc: tuple[str, ...],
    message: str,
    given: Any,
    origin: Mapping[tuple[str, ...], str],
    source: str,
) -> list[ScenarioProblem]:
    """A check of the run's years against a table another file set (the poverty line, the
    registration's income year), failed because a file (or ``--set``) moved the run: that
    file's problem, at the year it set, first; empty for any other problem.

    An upload that extends the baseline to 2030 was told ``baseline.toml: poverty_line: no
    value for 2021-2030``, as if the shipped file were wrong, and named only at its end.
    """
    if loc == ("poverty_line",):
        return _run_past_the_line(message, given, origin, source)
    registration = _REGISTRATION_LATE.match(message)
    setter = origin.get(("start_year",))
    if loc != ("registration",) or registration is None or setter in (None, source):
        return []
    year, start = registration["year"], registration["start"]
    return [
        ScenarioProblem(
            str(setter),
            "start_year",
            f"{start} is before the year {source}'s registration reads incomes in "
            f"(registration.income_year = {year}): set registration.income_year to {start} "
            "or earlier too",
        )
    ]


_REGISTRATION_LATE = re.compile(
    r"^income_year (?P<year>\d+) is after start_year \((?P<start>\d+)\)$"
)
"""The message of the check that registration reads incomes by the run's first year."""


_LINE_SHORT = re.compile(r"^no value for .* \(the run is (?P<start>\d+)-(?P<end>\d+)\)$")
"""The message of the check that the poverty line covers the run (``Scenario``'s)."""


def _run_past_the_line(
    message: str, given: Any, origin: Mapping[tuple[str, ...], str], line: str
) -> list[ScenarioProblem]:
    """A poverty line (set in ``line``) short of the run because another file moved the
    run's first or last year past the years it gives, as that file's problem; empty where
    the line itself is at fault (a year missing inside it, or the run's years set where the
    line is)."""
    short = _LINE_SHORT.match(message)
    if short is None or not isinstance(given, Mapping):
        return []
    try:
        years = sorted({int(year) for year in given})
    except (TypeError, ValueError):
        return []
    start, end = int(short["start"]), int(short["end"])
    if not years or any(y not in years for y in range(years[0], years[-1] + 1)):
        return []
    # No file sets the line: it is the schema's own, not the file named by default.
    if not any(path[:1] == ("poverty_line",) for path in origin):
        whose = "the default poverty_line"
    elif line.startswith("--set"):  # "--set poverty_line's poverty_line" said it twice
        whose = "the poverty_line --set gives"
    else:
        whose = f"{line}'s poverty_line"
    first, last = years[0], years[-1]
    before = list(range(start, min(end + 1, first)))
    after = list(range(max(start, last + 1), end + 1))
    problems = []
    # Each year the line does not reach is named: a run moved to 2025-2030 has both years
    # past a line that ends in 2020, and naming end_year alone left start_year to refuse next.
    for key, year in (("start_year", start), ("end_year", end)):
        if first <= year <= last:
            continue
        edge, word, missing = (
            (first, "before the first", before) if year < first else (last, "past the last", after)
        )
        setter = origin.get((key,))
        if setter is None or setter == line:
            return []  # the run's own years: the line is what is short
        problems.append(
            ScenarioProblem(
                setter,
                key,
                f"{year} is {word} year of {whose} ({edge}): give "
                f"poverty_line values for {year_runs(missing)} too",
            )
        )
    return problems


def _block(loc: tuple[str, ...], raw: Mapping[str, Any] | None) -> str:
    """Which entry of a list of tables (``[[targets]]`` blocks, ``deep_areas = [{...}]``) an
    index of ``loc`` is, counted as a reader counts them: the path counts from 0, so
    ``targets.1`` read as the first target."""
    value: Any = raw
    for i, part in enumerate(loc):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            if isinstance(value[int(part)], Mapping):
                n = int(part) + 1
                nth = {1: "st", 2: "nd", 3: "rd"}.get(n % 10 if n % 100 not in (11, 12, 13) else 0)
                return f" (the {n}{nth or 'th'} in {'.'.join(loc[:i])})"
            return ""
        value = value.get(part) if isinstance(value, Mapping) else None
        if value is None:
            return ""
    return ""


def not_utf8(data: bytes, err: UnicodeDecodeError) -> str:
    """Where a file that is not UTF-8 text first goes wrong, as an editor counts."""
    start = err.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
    line = data.count(b"\n", 0, start) + 1
    column = start - (data.rfind(b"\n", 0, start) + 1) + 1
    return (
        f"not UTF-8 text: byte 0x{data[start]:02x} at line {line}, column {column} "
        "(save the file as UTF-8)"
    )
