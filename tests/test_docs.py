"""The README says what the code does: commands, fields and columns cannot drift."""

from __future__ import annotations

import re

from povsim.reference import columns_markdown, fields_markdown, programs_markdown

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)


def test_readme_opens_with_the_two_commands() -> None:
    run, test = COMMANDS[:2]
    assert run.endswith("povsim run scenarios/baseline.toml")
    assert '.[test]"' in test
    assert test.endswith("python -m pytest")
    assert README.index(run) < README.index("## What the model is")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert COMMANDS[1] in ci.splitlines()


def test_readme_names_every_village_and_panel_column() -> None:
    from povsim import VillageState
    from povsim.sim.model import PANEL_COLUMNS

    for column in (*VillageState.COLUMNS, *PANEL_COLUMNS):
        assert f"`{column}`" in README, column


def test_readme_lists_every_field_and_column() -> None:
    assert fields_markdown() in README
    assert columns_markdown() in README
    assert programs_markdown() in README
