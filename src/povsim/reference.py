"""The reference tables (fields, programs, columns, outcomes), generated so they cannot drift.

The docs site builds its reference pages from these, and ``povsim fields``,
``povsim columns`` and ``povsim outcomes`` print them.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import get_args, get_origin

from pydantic import BaseModel

from povsim.config import BUILTIN_PROGRAMS, ProgramConfig, Scenario
from povsim.runs.metrics import OUTCOMES, outcome, pathway_outcomes
from povsim.sim.indicators import INDICATOR_TYPES, INDICATORS, NATIONAL_INDICATORS
from povsim.sim.programs import program_class

__all__ = [
    "columns_markdown",
    "field_rows",
    "fields_markdown",
    "outcomes_markdown",
    "programs_markdown",
    "village_columns_markdown",
]


def field_rows(
    model: type[BaseModel] = Scenario, prefix: str = ""
) -> Iterator[tuple[str, str, str, str]]:
    """``(dotted path, default, unit, description)`` for every leaf field."""
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        # An optional section (``geography``) lists its fields like any other section.
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if len(inner) == 1 and isinstance(inner[0], type) and issubclass(inner[0], BaseModel):
            annotation = inner[0]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from field_rows(annotation, f"{path}.")
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        # A list of tables (geography.provinces, deep_areas): the list, then each entry's fields
        entry = get_args(annotation)[0] if get_origin(annotation) is tuple else None
        if isinstance(entry, type) and issubclass(entry, BaseModel):
            yield (path, "[]", str(extra.get("unit", "")), info.description or "")
            yield from field_rows(entry, f"{path}[].")
            continue
        default = (
            "(required)" if info.is_required() else info.get_default(call_default_factory=True)
        )
        if isinstance(default, tuple):
            default = list(default)
        if default == "":
            default = '""'
        if isinstance(default, dict):
            default = "{" + ", ".join(f"{k} = {v:g}" for k, v in default.items()) + "}"
        yield (
            path,
            str(default).lower() if isinstance(default, bool) else str(default),
            str(extra.get("unit", "")),
            info.description or "",
        )


def _table(rows) -> str:
    lines = ["| field | default | unit | meaning |", "|---|---|---|---|"]
    lines += [f"| `{p}` | `{d}` | {u} | {m} |" for p, d, u, m in rows]
    return "\n".join(lines)


def fields_markdown() -> str:
    return _table(field_rows())


def programs_markdown() -> str:
    """Fields every program has, then what each built-in kind adds or sets differently."""
    common = {row[0]: row for row in field_rows(ProgramConfig)}
    parts = ["Every program:", "", _table(common.values())]
    for kind in BUILTIN_PROGRAMS:
        cls = program_class(kind)
        rows = [row for row in field_rows(cls.Config) if common.get(row[0]) != row]
        # the summary: its first paragraph, which may run over lines
        doc = " ".join((inspect.getdoc(cls) or "").split("\n\n")[0].split())
        parts += ["", f"`{kind}` — {doc}", "", _table(rows)]
        # A common field the kind refuses at any other value would read as settable above.
        if fixed := cls.Config.fixed:
            reasons: dict[str, list[str]] = {}
            for name, why in fixed.items():
                reasons.setdefault(why, []).append(f"`{name}`")
            said = "; ".join(f"{', '.join(n)} ({_cell(why)})" for why, n in reasons.items())
            parts += ["", f"Only at their defaults: {said}."]
    return "\n".join(parts)


def village_columns_markdown() -> str:
    """``villages.parquet`` and ``households.parquet``: every column with its type and meaning."""
    from povsim.sim.households import PANEL_COLUMNS, HouseholdState
    from povsim.sim.villages import VILLAGE_COLUMNS, VillageState

    lines = [
        "`villages.parquet`: one row per village at the end of the run; the last village is "
        "the resettlement site.",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
        "| `village` | int32 | the village's index |",
    ]
    lines += [
        f"| `{name}` | {VillageState.COLUMNS[name][0]} | {_cell(VillageState.COLUMNS[name][1])} |"
        for name in VILLAGE_COLUMNS
    ]
    lines += [
        "",
        "`households.parquet` (with `--panel`): one row per household per year.",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
        "| `year` | int16 | the year the row describes (its end) |",
        "| `household` | int32 | the household's index |",
    ]
    for name in PANEL_COLUMNS:
        dtype, meaning = HouseholdState.COLUMNS.get(name, ("", ""))
        lines.append(f"| `{name}` | {dtype} | {_cell(meaning)} |")
    return "\n".join(lines)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def columns_markdown() -> str:
    """``indicators.parquet``: every column with its type and meaning, a county-resolved
    run's own after the rest."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    lines += [
        f"| `{name}` | {INDICATOR_TYPES[name]} | {meaning} |"
        for name, meaning in (INDICATORS | NATIONAL_INDICATORS).items()
    ]
    return "\n".join(lines)


def outcomes_markdown() -> str:
    """Every named outcome, then the two families, each with the table it needs besides the
    indicators (the registry's ``needs``): sweeps, sensitivity analysis and discovery keep
    only the indicators and refuse the others, which the table did not say."""
    lines = ["| outcome | unit | needs | meaning |", "|---|---|---|---|"]
    lines += [
        f"| `{o.name}` | {o.unit} | {_needs(o.needs)} | {o.description} |"
        for o in OUTCOMES.values()
    ]
    column = outcome(f"{next(iter(INDICATORS))}@2014").needs
    pathway = outcome(pathway_outcomes(["PROGRAM"])[0]).needs
    lines += [
        f"| `COLUMN@YEAR` | the column's | {_needs(column)} | any indicator column in one "
        "year, e.g. `registered_people@2019` |",
        f"| `exited_people:PROGRAM` | people | {_needs(pathway)} | people exited with PROGRAM "
        "as the primary pathway (also `combined` and `none`) |",
    ]
    lines += [
        "",
        "needs: the table an outcome is computed from besides the run's indicators. `povsim "
        "run` keeps both (the counterfactual: the same run without support), `povsim "
        "optimize` runs what its objectives need, `povsim compare` keeps the pathways; "
        "sweeps, sensitivity analysis and scenario discovery keep only the indicators and "
        "refuse such an outcome.",
    ]
    return "\n".join(lines)


def _needs(needs: str) -> str:
    """The ``needs`` cell: empty for the indicators every run keeps."""
    return "" if needs == "indicators" else f"the {needs} (not in sweeps or sensitivity)"
