"""The ``povsim`` command line: run, check and describe scenarios."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from povsim.runner import RunResult, has_support, simulate
from povsim.scenario import Scenario, ScenarioError, load_scenario
from povsim.schema_doc import columns_markdown, fields_markdown, programs_markdown
from povsim.store import write_run

__all__ = ["app"]

app = typer.Typer(
    name="povsim",
    help="Agent-based simulator of targeted poverty alleviation (China, 2014-2020).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


def _fail(message: str, code: int) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _load(path: Path, overrides: list[str]) -> Scenario:
    try:
        return load_scenario(path, overrides)
    except ScenarioError as err:
        raise _fail(str(err), 2) from None


class _LazyProgress:
    """A progress bar that appears only once a run has taken longer than a second."""

    def __init__(self, total: int, enabled: bool):
        self.progress = Progress(
            TextColumn("[bold]simulating"),
            BarColumn(),
            TextColumn("{task.fields[year]}"),
            TimeRemainingColumn(),
            console=errors,
            transient=True,
        )
        self.task = self.progress.add_task("run", total=total, year="")
        self.enabled, self.started, self.clock = enabled, False, time.perf_counter()

    def __call__(self, model) -> None:
        self.progress.update(self.task, advance=1, year=str(model.year))
        if self.enabled and not self.started and time.perf_counter() - self.clock > 1.0:
            self.progress.start()
            self.started = True

    def close(self) -> None:
        if self.started:
            self.progress.stop()


def _summary_table(result: RunResult) -> Table:
    table = Table(
        title=f"{result.scenario.name} (seed {result.seed})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    for column in (
        "year",
        "line",
        "poor",
        "incid.",
        "reg.",
        "exits",
        "relapse",
        "new",
        "removed",
        "villages",
    ):
        table.add_column(column, justify="right")
    for row in result.indicators.itertuples():
        table.add_row(
            str(row.year),
            f"{row.poverty_line:,.0f}",
            f"{row.poor_people:,}",
            f"{row.incidence:.1%}",
            f"{row.registered_households:,}",
            f"{row.exits_households:,}",
            f"{row.relapses_households:,}",
            f"{row.new_entrants_households:,}",
            f"{row.removed_households:,}",
            f"{row.villages_exited}/{row.poor_villages}",
        )
    table.caption = "poor: people below the line; reg.: registered households not yet exited"
    return table


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} yuan"


def _headline(result: RunResult) -> Table:
    s = result.summary()
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    incidence = f"{s['incidence_start']:.1%} -> {s['incidence_end']:.1%}"
    if "incidence_end_without_support" in s:
        incidence += f" (without support {s['incidence_end_without_support']:.1%})"
    rows = [
        ("incidence", incidence),
        (
            "exits / relapses (households)",
            f"{s['exits_households']:,} / {s['relapses_households']:,}",
        ),
        ("cumulative exit share", f"{s['cumulative_exit_share']:.1%}"),
        ("cumulative relapse share", f"{s['cumulative_relapse_share']:.1%}"),
        ("county exit", str(s["county_exit_year"] or "not yet")),
        ("villages exited", f"{s['villages_exited']} of {s['poor_villages']} poor villages"),
        ("spending", _money(s["spending_yuan"])),
        ("cost per exit", _money(s["cost_per_exit"])),
    ]
    if "additional_exits" in s:
        rows += [
            ("exits added by support", f"{s['additional_exits']:,}"),
            ("cost per added exit", _money(s["cost_per_additional_exit"])),
            ("relapses avoided", f"{s['relapses_avoided']:,.0f}"),
            ("cost per relapse avoided", _money(s["cost_per_relapse_avoided"])),
        ]
    for name, value in rows:
        table.add_row(name, value)
    return table


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
    out: Annotated[
        Path | None, typer.Option(help="run directory [default: runs/NAME-seedN]")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="seed [default: the scenario's]")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="override a field: dotted.path=value (repeatable)"),
    ] = None,
    panel: Annotated[bool, typer.Option(help="also write households.parquet")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar or table")] = False,
) -> None:
    """Run a scenario and write its run directory."""
    overrides = set_ or []
    spec = _load(scenario, overrides)
    runs = 2 if has_support(spec) else 1  # with and without support
    progress = _LazyProgress(runs * len(spec.years) * spec.steps_per_year, enabled=not quiet)
    try:
        result = simulate(spec, seed, panel=panel, on_step=progress)
    finally:
        progress.close()
    target = out or Path("runs") / f"{spec.name}-seed{result.seed}"
    try:
        write_run(result, target, source=str(scenario), overrides=overrides)
    except OSError as err:
        raise _fail(f"cannot write {target}: {err}", 1) from None
    if not quiet:
        console.print(_summary_table(result))
        console.print(_headline(result))
    console.print(f"wrote {target} in {result.wall_seconds:.1f} s of simulation")


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="scenario TOML files")],
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="override a field: dotted.path=value (repeatable)"),
    ] = None,
) -> None:
    """Validate scenario files without running them."""
    failed = False
    for path in files:
        try:
            spec = load_scenario(path, set_ or [])
        except ScenarioError as err:
            errors.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
            failed = True
        else:
            console.print(
                f"ok: {path} ({spec.name}, {spec.population.households:,} households, "
                f"{spec.start_year}-{spec.end_year})"
            )
    if failed:
        raise typer.Exit(2)


@app.command()
def fields() -> None:
    """Print every scenario and program field with its default and unit (Markdown)."""
    text = f"{fields_markdown()}\n\n### Programs\n\n{programs_markdown()}"
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@app.command()
def columns() -> None:
    """Print every column of indicators.parquet with its meaning (Markdown)."""
    console.print(columns_markdown(), markup=False, highlight=False, soft_wrap=True)


def main() -> None:  # pragma: no cover - console-script entry point
    app()
