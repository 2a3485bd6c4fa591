"""Building blocks for validated settings: every field has a description and a unit."""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "NOT_A_NUMBER",
    "YEAR_KEY",
    "Probability",
    "StrictNumbers",
    "Year",
    "in_force",
    "repeated",
    "setting",
]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]

YEAR_KEY = "year_key"
"""The type of the error a dated series' key that is not a year in plain digits raises;
its ``key`` (context) is the key as written."""


def _plain_year(key: Any) -> Any:
    """A dated series' key as written: a year in plain digits (TOML keys are text).

    pydantic reads " 2016", "2016.0", "+2016", "20_16" and "02016" as 2016 too, so a table
    holding ``2016 = 5`` and ``" 2016" = 1`` kept one of them without a word. A leading zero
    is refused with the rest: no year a scenario may run starts with one.
    """
    if isinstance(key, str) and not (
        key.isascii() and key.isdigit() and (len(key) == 1 or not key.startswith("0"))
    ):
        meant = _whole_number(key)
        hint = f"write {meant}" if meant is not None else "as 2016"
        raise PydanticCustomError(
            YEAR_KEY,
            "the key {shown} is not a year in plain digits ({hint})",
            {"key": key, "shown": json.dumps(key, ensure_ascii=False), "hint": hint},
        )
    return key


def _whole_number(text: str) -> int | None:
    """The whole number ``text`` reads as to Python (" 2016", "2016.0", "20_16"), if any."""
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


Year = Annotated[int, BeforeValidator(_plain_year), Field(ge=1980, le=2100)]
"""A dated series' year: the years a scenario may run (``start_year``'s range), so a
mistyped year (2108 for 2018) is an error, not a value that never takes effect; written in
plain digits (see :func:`_plain_year`)."""


def repeated[T: (str, int)](items: Iterable[T]) -> list[T]:
    """The items given more than once, each once, sorted: what a "given twice" error names."""
    return sorted(item for item, n in Counter(items).items() if n > 1)


_MOST_BY_UNIT = {
    "log": 5.0,  # a log spread of 5 is a factor of 150 either way
    "years": 100,
    "year": 2100,
    "months": 12,
    "ratio": 100.0,
    "index": 1000.0,
    "1/year": 10.0,
    "people": 100,
    "mu/person": 1000.0,
    "share": 100.0,  # shares that are not probabilities (of income, of a line)
}
"""Upper bounds for numbers whose field gives none, by unit: past them the arithmetic
overflows or the scenario means nothing. Money is bounded at 10 bn yuan a unit."""


def setting(default: Any, description: str, unit: str = "", **constraints: Any) -> Any:
    """A field with a description and a unit, both shown by ``povsim fields``.

    A number without an upper bound gets its unit's (see ``_MOST_BY_UNIT``).
    """
    numeric = isinstance(default, int | float) and not isinstance(default, bool)
    if numeric and not {"le", "lt"} & constraints.keys():
        most = 1e10 if unit.startswith("yuan") else _MOST_BY_UNIT.get(unit)
        if most is not None:
            constraints["le"] = most
    return Field(default, description=description, json_schema_extra={"unit": unit}, **constraints)


def _takes_bool(annotation: Any) -> bool:
    """Whether a field's type admits ``True`` and ``False`` as themselves."""
    if annotation is bool:
        return True
    return any(_takes_bool(arg) for arg in get_args(annotation))


def _takes_text(annotation: Any) -> bool:
    """Whether a field's type admits a string (``str``, or a literal of strings)."""
    if annotation is str:
        return True
    if get_origin(annotation) is Literal:
        return any(isinstance(arg, str) for arg in get_args(annotation))
    return any(_takes_text(arg) for arg in get_args(annotation))


def _bool_only(annotation: Any) -> bool:
    """Whether a field is a switch: ``bool``, or ``bool | None``."""
    if annotation is bool:
        return True
    args = [a for a in get_args(annotation) if a is not type(None)]
    return bool(args) and all(a is bool for a in args)


def _holds(value: Any, kind: type) -> bool:
    """Whether ``value`` is, or holds in its lists and tables, a ``kind``."""
    if isinstance(value, kind):
        return True
    if isinstance(value, dict):
        return any(_holds(v, kind) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds(v, kind) for v in value)
    return False


def _numeric(annotation: Any) -> bool:
    """Whether a field holds numbers (alone or in lists and tables), not settings tables."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return False
    if annotation in (int, float):
        return True
    return any(_numeric(arg) for arg in get_args(annotation))


def _holds_float(annotation: Any) -> bool:
    """Whether a field's numbers may be fractions (a share, a rate), not only counts."""
    if annotation is float:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return False
    return any(_holds_float(arg) for arg in get_args(annotation))


_NOT_NUMBERS = (
    (bool, _takes_bool, "true or false where a number is expected"),
    # pydantic would read "2000" as 2000: a quoted number is a slip worth naming
    (str, _takes_text, "text where a number is expected: write numbers without quotes"),
)
"""Values pydantic would turn into numbers, the test that a field takes them as they are,
and what is wrong."""


@functools.cache
def _field_kinds(cls: type[BaseModel], name: str) -> tuple[bool, bool]:
    """Whether field ``name`` of ``cls`` is a switch, and whether it holds numbers: read off
    its annotation once, as every scenario a county run derives validates them again."""
    field = cls.model_fields.get(name)
    if field is None:
        return False, False
    return _bool_only(field.annotation), _numeric(field.annotation)


class StrictNumbers(BaseModel):
    """Numbers are numbers: no NaN or infinity, true or false is not 1 or 0, and "2000" is
    not 2000."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        switch, numeric = _field_kinds(cls, info.field_name or "")
        if switch and value is not None:
            if not isinstance(value, bool):
                # pydantic would read 1, "yes" and "off" as switches; numbers are strict,
                # so switches are too
                raise PydanticCustomError(
                    NOT_A_SWITCH,
                    "true or false is expected, not {value}",
                    {"value": json.dumps(value) if isinstance(value, str) else repr(value)},
                )
            return value
        if field is None or not numeric:
            return value
        for kind, takes, problem in _NOT_NUMBERS:
            if _holds(value, kind) and not takes(field.annotation):
                word = next((t for t in _texts(value) if not _number_text(t)), None)
                if kind is str and word is not None:
                    # No quotes to drop: a word (--set income.growth=fast) is not a number.
                    problem = f"a number is expected, not {json.dumps(word)}"
                    percent = float(word[:-1]) if _number_text(word[:-1] or "x") else None
                    if (
                        percent is not None
                        and math.isfinite(percent)
                        and _holds_float(field.annotation)
                    ):
                        problem += f" ({word} is written {percent / 100:g})"
                # A field validator's error is placed at the field; the entry of a year
                # table or list that is wrong (poverty_line.2016) goes with it, so the
                # message names the entry, as pydantic's own errors inside it do.
                within = _first(value, kind, word if kind is str else None)
                raise PydanticCustomError(
                    NOT_A_NUMBER, "{problem}", {"problem": problem, "within": within}
                )
        return value


class Section(StrictNumbers):
    """A table of a scenario's settings: an unknown field is refused, and values are fixed
    once read."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


NOT_A_SWITCH = "not_a_switch"
"""The type of the error a switch (a true-or-false field) given anything else raises."""


NOT_A_NUMBER = "not_a_number"
"""The type of the error a value that is not a number raises; its ``within`` (context) is
the place inside the field's table or list that holds it (empty: the field itself)."""


def _first(value: Any, kind: type, word: str | None) -> tuple[str | int, ...]:
    """Where in ``value`` the first ``kind`` (the text ``word``, when given) is: the keys
    and positions leading to it."""
    if isinstance(value, kind) and (word is None or value == word):
        return ()
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list | tuple)
        else ()
    )
    for key, item in items:
        if _holds(item, kind) and (word is None or word in _texts(item)):
            return (key, *_first(item, kind, word))
    return ()


def _texts(value: Any) -> list[str]:
    """The strings ``value`` is or holds in its lists and tables."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return []


def _number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def in_force(series: Mapping[int, float], year: int) -> float:
    """A dated figure's value in ``year``: that of the last year given up to it (0 before the
    first), as a dated parameter stays in force until the next change."""
    given = [y for y in series if y <= year]
    return float(series[max(given)]) if given else 0.0
