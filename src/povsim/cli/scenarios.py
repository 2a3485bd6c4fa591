"""``povsim check``, ``fields``, ``columns`` and ``outcomes``: scenario files and references."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from povsim.cli.common import (
    SetOption,
    console,
    errors,
)

__all__ = ["check", "columns", "fields", "outcomes"]


def check(
    files: Annotated[list[Path], typer.Argument(help="scenario TOML files")],
    set_: SetOption = None,
) -> None:
    """Validate scenario files without running them."""
    from rich.markup import escape

    from povsim.config import ScenarioError, load_scenario

    failed = False
    for path in files:
        try:
            spec = load_scenario(path, set_ or [])
        except ScenarioError as err:
            errors.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
            failed = True
        else:
            console.print(
                f"ok: {path} ({spec.name}, {spec.population.households:,} households, "
                f"{spec.start_year}-{spec.end_year})"
            )
    if failed:
        raise typer.Exit(2)


def fields() -> None:
    """Print every scenario and program field with its default and unit (Markdown)."""
    from povsim.reference import fields_markdown, programs_markdown

    text = f"{fields_markdown()}\n\n### Programs\n\n{programs_markdown()}"
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def columns() -> None:
    """Print every column of indicators.parquet with its meaning (Markdown)."""
    from povsim.reference import columns_markdown

    console.print(columns_markdown(), markup=False, highlight=False, soft_wrap=True)


def outcomes() -> None:
    """Print every outcome (summary, compare, sweep, sensitivity, targets) with its unit."""
    from povsim.reference import outcomes_markdown

    console.print(outcomes_markdown(), markup=False, highlight=False, soft_wrap=True)
