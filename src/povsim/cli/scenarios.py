"""``povsim check``, ``fields``, ``columns`` and ``outcomes``: scenario files and references."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from povsim.cli.common import (
    SetOption,
    console,
    errors,
    nonempty,
    print_notes,
)

__all__ = ["check", "columns", "fields", "outcomes"]


def check(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="scenario, sweep design, sensitivity problem or targets files",
            parser=nonempty(
                "files", "a scenario, sweep design, sensitivity problem or targets file"
            ),
        ),
    ],
    set_: SetOption = None,
) -> None:
    """Validate input files without running them: scenarios, sweep designs, sensitivity
    problems and targets files.

    A sweep design is checked with every scenario it makes, a sensitivity problem with its
    base and a targets file with its region's scenario. --set applies to scenario files.
    What is valid but likely not meant (a year setting after the run, a budget kept in part
    from the file extended, a share beside a program's own budget...) is noted.
    """
    from rich.markup import escape

    from povsim.config import SCENARIO, ScenarioError, ScenarioProblem, input_kind

    failed = False
    for path in files:
        try:
            kind = input_kind(path)
            if set_ and kind != SCENARIO:
                message = f"--set applies to scenario files; this is {kind}"
                raise ScenarioError([ScenarioProblem(str(path), "", message)])
            summary = _checked(path, kind, set_ or [])
        except ScenarioError as err:
            errors.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
            failed = True
        else:
            console.print(f"ok: {path} ({summary})")
    if failed:
        raise typer.Exit(2)


def _checked(path: Path, kind: str, overrides: list[str]) -> str:
    """Load ``path`` as what it is; a line saying what it holds."""
    from rich.markup import escape

    from povsim.config import DESIGN, PROBLEM, SCENARIO, ScenarioError, load_scenario

    if kind == SCENARIO:
        spec = load_scenario(path, overrides)
        print_notes(path, spec)
        if spec.geography is not None:
            from povsim.runs.counties import check_memory, county_specs, floor_note

            specs = county_specs(spec, spec.seed)
            check_memory(spec, specs)
            if (note := floor_note(spec, specs)) is not None:
                errors.print(escape(f"note: {path}: {note}"), highlight=False)
        return (
            f"{spec.name}, {spec.population.households:,} households, "
            f"{spec.start_year}-{spec.end_year}"
        )
    if kind == DESIGN:
        from povsim.experiments.sweep import load_design

        design = load_design(path)
        n = len(design.scenarios)
        return f"sweep design: {n} scenario{'s' * (n != 1)}"
    if kind == PROBLEM:
        from povsim.experiments.problem import check_analysable, load_problem

        problem = load_problem(path)
        try:
            check_analysable(problem)
        except ScenarioError as err:
            # A Latin hypercube of one input is sound (optimize --robust draws one, and
            # took what check refused): only an analysis's sampler needs two.
            said = "; ".join(p.message for p in err.problems)
            note = f"{said}: povsim sensitivity refuses it; optimize --robust takes it"
            errors.print(escape(f"note: {path}: {note}"), highlight=False)
        inputs, outputs = len(problem.names), len(problem.spec.outputs)
        shares = len(problem.names) - len(problem.spec.inputs)
        return (
            f"sensitivity problem: {inputs} input{'s' * (inputs != 1)}"
            + (f" ({shares} of them budget shares)" if shares else "")
            + f", {outputs} output{'s' * (outputs != 1)}, base {problem.base.name}"
        )
    from povsim.experiments.calibration import load_region, target_notes

    scenario, targets = load_region(path)
    for note in target_notes(targets.targets, scenario):
        errors.print(escape(f"note: {path}: {note}"), highlight=False)
    n, free = len(targets.targets), len(targets.calibration.parameters)
    return (
        f"targets of {targets.region}: {n} target{'s' * (n != 1)}, "
        f"{free} free parameter{'s' * (free != 1)}, scenario {scenario.name}"
    )


def fields() -> None:
    """Print every scenario and program field with its default and unit (Markdown)."""
    from povsim.reference import fields_markdown, programs_markdown

    text = f"{fields_markdown()}\n\n### Programs\n\n{programs_markdown()}"
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def columns() -> None:
    """Print every column of indicators.parquet, villages.parquet and households.parquet
    with its meaning (Markdown)."""
    from povsim.reference import columns_markdown, village_columns_markdown

    text = f"{columns_markdown()}\n\n{village_columns_markdown()}"
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def outcomes() -> None:
    """Print every outcome with its unit and the table it needs besides the indicators, as a
    run's summary records them: optimize takes any, compare all but the five of the run
    without support, sweeps and sensitivity those computed from the indicators. A target takes
    an indicator column in a year (povsim columns), not these."""
    from povsim.reference import outcomes_markdown

    console.print(outcomes_markdown(), markup=False, highlight=False, soft_wrap=True)
