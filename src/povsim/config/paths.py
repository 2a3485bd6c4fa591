"""Dotted field paths (``income.growth``, ``budget.total.2016``) into dumped scenarios."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from povsim.config.errors import ScenarioError, ScenarioProblem, keyed_by_year

__all__ = [
    "as_field_type",
    "differences",
    "field_info",
    "get_path",
    "leaves",
    "not_varied",
    "parse_override",
    "set_path",
    "year_past_the_run",
]


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``dotted.path=value``; the value is read as TOML, else kept as a string.

    A bare ``none`` (unquoted) unsets an optional field: TOML has no null, so an
    override is the only way to lift, say, ``monitoring.scale`` that a base file sets.
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError([ScenarioProblem("--set", text, "expected dotted.path=value")])
    if value.strip().lower() in ("none", "null"):
        return key, None
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key, parsed


def _key(node: dict[Any, Any], part: str) -> Any:
    """A path part as the key the table holds: year tables have integer keys."""
    if part.isdigit() and int(part) in node:
        return int(part)
    return part


def set_path(tree: dict[Any, Any], parts: Sequence[str], value: Any) -> None:
    """Set the leaf at ``parts``, creating tables on the way."""
    node = tree
    for part in parts[:-1]:
        child = node.get(_key(node, part))
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[_key(node, parts[-1])] = value


def get_path(tree: dict[Any, Any], path: str) -> Any:
    """The value at a dotted path of a dumped scenario (``KeyError`` when there is none)."""
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, dict):
            raise KeyError(path)
        node = node[_key(node, part)]
    return node


def as_field_type(tree: dict[Any, Any], path: str, value: float) -> int | float:
    """``value`` as the field at ``path`` holds it: integer fields take it rounded.

    Samplers and optimisers give floats for every input; household counts and worker
    limits are integers.
    """
    current = get_path(tree, path)
    is_int = isinstance(current, int) and not isinstance(current, bool)
    return round(float(value)) if is_int else float(value)


_SET_BY_EXPERIMENT = {
    "seed": (
        "the scenario's seed is not used here: an experiment's runs take their seeds from its "
        "own (a design's or problem's seed, --seed) and their replication; set that, or give "
        "more replications"
    ),
    "name": "an experiment names its points itself: a sweep's variants by their name",
}
"""Scenario fields an experiment sets for every run it makes, whatever its points say."""


_SAMPLE_SIZE = ("population.households", "population.villages")
"""The sample's size, which a fit or a search sets with its ``households`` (the villages
follow it)."""

_RUN_FIELDS = {
    "start_year": "over other years",
    "end_year": "over other years",
    "steps_per_year": "at other steps a year",
}
"""Fields that define the run a fit or a search compares its points on, not a parameter or
a policy: varied, each point's outcomes were measured over other years (or steps)."""


def not_varied(path: str, *, sized: bool = False, compared: bool = False) -> str | None:
    """Why a sweep, sensitivity analysis, fit or search may not vary ``path`` (None: it may).

    A varied ``seed`` ran every point on the same streams and wrote the values asked for
    into the plan beside identical results. ``sized``: the experiment sets the sample's
    size itself (a fit's or a search's ``households``), which a lever on it overrode while
    the records gave the other size. ``compared``: the experiment ranks its points by
    outcomes of the same years (a fit's targets, a search's objectives), which a varied
    ``start_year``, ``end_year`` or ``steps_per_year`` measured over other years or steps.
    """
    if sized and path in _SAMPLE_SIZE:
        return (
            "the sample's size is how finely every point is seen, not something to vary: set "
            "it with --households (households= in Python), which its villages follow"
        )
    if compared and (how := _RUN_FIELDS.get(path)) is not None:
        return (
            f"{path} defines the run, not the policy: runs {how} cannot be compared; set it in "
            "the scenario file"
        )
    return _SET_BY_EXPERIMENT.get(path)


def field_info(model: BaseModel, path: str) -> FieldInfo | None:
    """The definition of the field at ``path`` in ``model`` (a year of a dated series: the
    series'); None where it cannot be found."""
    node: Any = model
    info: FieldInfo | None = None
    for part in path.split("."):
        if isinstance(node, BaseModel):
            info = type(node).model_fields.get(part)
            if info is None:
                return None
            node = getattr(node, part)
        elif isinstance(node, dict):  # a program by name, a year of a table by year
            node = node.get(int(part) if part.isdigit() and int(part) in node else part)
        else:
            return None
    return info


def year_past_the_run(model: BaseModel, path: str, end_year: int) -> str | None:
    """Why an experiment may not vary ``path`` in ``model``, whose runs end in ``end_year``: a
    year of a dated series (``poverty_line.2021``) after it, which no run reaches, so every
    point ran alike. None for any other path.

    A scenario that sets such a year is only noted (it may be extended later); varied, the
    year is a slip a sweep, an analysis or a search would spend all its runs on.
    """
    series, _, year = path.rpartition(".")
    if not series or not year.isdigit() or int(year) <= end_year:
        return None
    info = field_info(model, series)
    if info is None or not keyed_by_year(info.annotation):
        return None
    return (
        f"{int(year)} is after the run's last year ({end_year}): no run reaches it, so varying "
        f"it changes nothing; vary a year up to {end_year}"
    )


def leaves(value: Any, path: str = "") -> dict[str, Any]:
    """A recorded table's values by dotted path (a list is one value)."""
    if isinstance(value, dict):
        return {
            k: v for key, item in value.items() for k, v in leaves(item, f"{path}{key}.").items()
        }
    return {path.removesuffix("."): value}


def differences(then: dict[str, Any], now: dict[str, Any], most: int = 3) -> str:
    """How two recorded settings differ, by dotted path, as "x: 8 then, 16 now" (the first
    ``most``, then "..."); empty when they do not."""
    a, b = leaves(then), leaves(now)
    changed = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    shown = ", ".join(
        f"{k}: {a.get(k, 'none')} then, {b.get(k, 'none')} now" for k in changed[:most]
    )
    return f"{shown}{', ...' if len(changed) > most else ''}"
