"""The README opens with the two commands and points into the docs; the docs site builds.

The reference pages are generated from the code when the site is built (``docs/hooks.py``),
so fields, columns, outcomes and commands cannot drift.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
DOCS = ROOT / "docs"
MKDOCS = ROOT / "mkdocs.yml"

MARKERS = {
    "reference/scenario.md": ("fields", "programs"),
    "reference/columns.md": ("columns", "village-columns"),
    "reference/outcomes.md": ("outcomes",),
    "reference/commands.md": ("commands",),
}


def nav_pages() -> list[str]:
    """Every Markdown page the nav of ``mkdocs.yml`` lists (read as text: no YAML needed)."""
    text = MKDOCS.read_text(encoding="utf-8")
    nav = text[text.index("\nnav:") :]
    return re.findall(r"^\s+-\s+(?:[^:\n]+:\s+)?([\w./-]+\.md)\s*$", nav, flags=re.M)


def test_readme_opens_with_the_two_commands() -> None:
    run, test = COMMANDS[:2]
    assert run.endswith("povsim run scenarios/baseline.toml")
    assert '.[test]"' in test
    assert test.endswith("python -m pytest")
    assert README.index(run) < README.index(test) < README.index("## What the model is")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert COMMANDS[1] in ci.splitlines()


def test_readme_is_short() -> None:
    assert len(README.encode("utf-8")) <= 12_000


def test_readme_links_into_the_docs_exist() -> None:
    links = re.findall(r"\]\((docs/[^)#\s]+)(?:#[^)]*)?\)", README)
    assert links, "the README points at no docs page"
    for link in links:
        assert (ROOT / link).is_file(), link


def test_every_nav_page_exists() -> None:
    pages = nav_pages()
    for page in ("index.md", "api.md", "sources.md", *MARKERS):
        assert page in pages, page
    for page in pages:
        assert (DOCS / page).is_file(), page


def test_mkdocs_builds_strictly_with_the_hook_and_the_api() -> None:
    text = MKDOCS.read_text(encoding="utf-8")
    assert re.search(r"^strict: true$", text, flags=re.M)
    assert "docs/hooks.py" in text
    assert "mkdocstrings" in text
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    assert "::: povsim" in api
    # The figures a notebook draws were in no reference page.
    assert re.search(r"^::: povsim\.plots$", api, flags=re.M)
    # povsim.run returns an Ensemble and takes an Executor: neither had a reference page.
    assert re.search(r"^::: povsim\.experiments\.ensemble$", api, flags=re.M)
    assert re.search(r"^::: povsim\.experiments\.executors$", api, flags=re.M)


@pytest.mark.parametrize(("page", "names"), MARKERS.items())
def test_reference_pages_are_generated(page: str, names: tuple[str, ...]) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    for name in names:
        assert f"\n<!-- generated: {name} -->\n" in text, (page, name)


def test_the_hook_fills_every_marker() -> None:
    spec = importlib.util.spec_from_file_location("povsim_docs_hooks", DOCS / "hooks.py")
    assert spec is not None
    assert spec.loader is not None
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    for page in MARKERS:
        filled = hooks.generate((DOCS / page).read_text(encoding="utf-8"), page)
        assert "<!-- generated:" not in filled, page
    from povsim.reference import columns_markdown, fields_markdown, outcomes_markdown

    assert fields_markdown() in hooks.generate("<!-- generated: fields -->")
    assert columns_markdown() in hooks.generate("x\n<!-- generated: columns -->\n")
    assert outcomes_markdown() in hooks.generate("<!-- generated: outcomes -->")
    # the options given before the command, which only the group holds, have their table too
    commands = hooks.generate("<!-- generated: commands -->")
    assert "| `--version` |" in commands
    assert "| `--trust-imports` |" in commands
    with pytest.raises(ValueError, match="unknown generation marker"):
        hooks.generate("<!-- generated: nothing -->")


@pytest.mark.slow
def test_docs_site_builds(tmp_path: Path) -> None:
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site), "-f", str(MKDOCS)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    scenario = (site / "reference" / "scenario" / "index.html").read_text(encoding="utf-8")
    columns = (site / "reference" / "columns" / "index.html").read_text(encoding="utf-8")
    outcomes = (site / "reference" / "outcomes" / "index.html").read_text(encoding="utf-8")
    commands = (site / "reference" / "commands" / "index.html").read_text(encoding="utf-8")
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "population.households" in scenario
    assert "two_lines_in_one" in scenario
    assert "registered_households" in columns
    assert "poor_village" in columns  # a village column
    assert "cumulative_relapse_share" in outcomes
    assert "--replications" in commands
    assert 'id="povsim.runs.metrics"' in api
    assert 'id="povsim.plots.poverty_headcount"' in api
    # The docstrings' Sphinx roles are not shown as text (":class:Scenario").
    assert not re.search(r":(class|meth|mod|func|attr|data):<code>", api)


@pytest.mark.parametrize("page", ["README.md", "docs/index.md"])
def test_the_sample_output_is_what_the_first_command_prints(page: str, tmp_path: Path) -> None:
    """The table and figures a newcomer is shown are the baseline run's, line for line."""
    from typer.testing import CliRunner

    from povsim.cli import app

    text = (ROOT / page).read_text(encoding="utf-8")
    sample = re.search(r"```\n(year   line   poor.*?)\n```", text, flags=re.S)
    assert sample, f"{page} shows no sample output"
    run = ["run", str(ROOT / "scenarios" / "baseline.toml"), "--out", str(tmp_path / "run")]
    result = CliRunner().invoke(app, run)
    assert result.exit_code == 0, result.output
    printed = {" ".join(line.split()) for line in result.output.splitlines()}
    for line in sample.group(1).splitlines():
        if line.strip() != "...":
            assert " ".join(line.split()) in printed, f"{page}: {line!r} is not printed"


def test_the_readme_layout_names_every_module() -> None:
    """The layout tables had drifted: runs.counties, experiments.national and others were
    missing from them."""
    for package in ("config", "sim", "runs", "experiments"):
        row = next(line for line in README.splitlines() if line.startswith(f"| `povsim.{package}`"))
        folder = ROOT / "src" / "povsim" / package
        modules = [p.stem for p in folder.glob("*.py") if p.stem != "__init__"]
        modules += [p.name for p in folder.iterdir() if (p / "__init__.py").is_file()]
        missing = [m for m in modules if f"`{m}" not in row]
        assert not missing, f"povsim.{package}: {missing}"


def test_the_comprehensive_incidence_is_not_said_to_be_a_county_runs_exit_test() -> None:
    """It was "the county exit test from 2016", though a county run alone exits on its
    registered incidence (county_exited); only county-resolved runs test it."""
    from povsim.reference import columns_markdown
    from povsim.sim.indicators import INDICATORS

    text = INDICATORS["comprehensive_incidence"]
    assert "county-resolved runs" in text
    assert "a county run alone tests registered_incidence" in text
    assert "registered incidence" in INDICATORS["county_exited"]
    assert text.replace("|", "\\|") in columns_markdown()


def test_a_flag_column_is_not_counted_in_households() -> None:
    """county_exited@2020 was labelled "households" by the unit its name suggested: it is a
    0/1 flag, whose mean over replications is the share in which the county was out."""
    from povsim.runs.metrics import outcome

    assert outcome("county_exited@2020").unit == "share"
    assert outcome("registered_households@2020").unit == "households"


def test_every_indicator_column_is_listed_with_the_type_a_run_writes() -> None:
    """`povsim columns` typed the village and household columns but not the indicators, and
    said county_exited, a bool, was "1 from its exit year on"."""
    from povsim import load_scenario, simulate
    from povsim.reference import columns_markdown
    from povsim.sim.indicators import INDICATOR_TYPES, INDICATORS

    small = ["population.households=200", "population.villages=4", "end_year=2015"]
    run = simulate(load_scenario(ROOT / "scenarios" / "baseline.toml", small), 1)
    written = {name: str(dtype) for name, dtype in run.indicators.dtypes.items()}
    assert written == {name: INDICATOR_TYPES[name] for name in INDICATORS}
    table = columns_markdown().splitlines()
    assert table[0] == "| column | type | meaning |"
    assert "| `county_exited` | bool | " in columns_markdown()
    assert "| `counties_exited` | int32 | " in columns_markdown()
    assert "true from its exit year on" in INDICATORS["county_exited"]
