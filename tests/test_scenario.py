"""Scenario files: loading, inheritance, overrides and one clear message per kind of error."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from povsim import Scenario, ScenarioError, load_scenario
from povsim.cli import app
from povsim.config import parse_override

from .conftest import SCENARIOS

runner = CliRunner()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "path",
    sorted([*SCENARIOS.glob("*.toml"), *SCENARIOS.glob("instruments/*.toml")]),
    ids=lambda p: p.name,
)
def test_shipped_scenarios_validate(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem


def test_baseline_is_county_sized(baseline: Scenario) -> None:
    assert baseline.population.households == 5000
    assert (baseline.start_year, baseline.end_year) == (2014, 2020)
    assert baseline.line(2014) == 2800


def test_scenario_is_frozen(baseline: Scenario) -> None:
    with pytest.raises(Exception, match="frozen"):
        baseline.name = "x"  # type: ignore[misc]


def test_extends_inherits_and_overrides(tmp_path: Path) -> None:
    write(
        tmp_path / "parent.toml", 'name = "parent"\n[income]\ngrowth = 0.05\nhousehold_sd = 0.4\n'
    )
    child = write(
        tmp_path / "child.toml",
        'extends = "parent.toml"\nname = "child"\n[income]\ngrowth = 0.09\n',
    )
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.income.growth == 0.09
    assert scenario.income.household_sd == 0.4


def test_set_overrides_a_field(baseline: Scenario) -> None:
    scenario = load_scenario(
        SCENARIOS / "baseline.toml", ["income.growth=0.05", "exit.require_guarantees=false"]
    )
    assert scenario.income.growth == 0.05
    assert scenario.exit.require_guarantees is False
    assert scenario.population == baseline.population


def test_parse_override_reads_toml_values() -> None:
    assert parse_override("a.b=0.5") == ("a.b", 0.5)
    assert parse_override("a=[1, 2]") == ("a", [1, 2])
    assert parse_override("name=county x") == ("name", "county x")
    assert parse_override('name="none"') == ("name", "none")


def test_set_none_unsets_an_optional_field() -> None:
    """TOML has no null: an override is how to lift what a base file sets."""
    assert load_scenario(SCENARIOS / "baseline.toml").monitoring.scale == 0.05
    lifted = load_scenario(SCENARIOS / "baseline.toml", ["monitoring.scale=none"])
    assert lifted.monitoring.scale is None


def test_updated_revalidates(baseline: Scenario) -> None:
    assert baseline.updated({"income.growth": 0.01}).income.growth == 0.01
    with pytest.raises(ScenarioError, match=r"income\.growth"):
        baseline.updated({"income.growth": "fast"})


# One test per kind of bad input: the message names the file, the field path and the problem.
BAD_FILES = {
    "unknown key": ("[income]\ngrowht = 0.05\n", "income.growht", "unknown field"),
    "wrong type": (
        '[population]\nhouseholds = "many"\n',
        "population.households",
        'a number is expected, not "many"',
    ),
    # pydantic read "2000" as 2000
    "quoted number": ('[population]\nhouseholds = "2000"\n', "population.households", "quotes"),
    "out of range": (
        "[registration]\ncoverage = 1.5\n",
        "registration.coverage",
        "less than or equal to 1, not 1.5",  # the value too: a walk-through missed it
    ),
    "years out of order": ("start_year = 2020\nend_year = 2014\n", "end_year", "before start_year"),
    "line year missing": ("end_year = 2021\n", "poverty_line", "2021"),
    # The checked field keeps its default: the check must still run.
    "start after the default end": ("start_year = 2021\n", "end_year", "before start_year"),
    "mean size over the default largest": (
        "[population]\nmean_household_size = 9.5\nelderly_share = 0.0\n",
        "population.max_household_size",
        "below mean_household_size",
    ),
    "shares not summing to one": (
        "[population]\nhousing_grade_probs = [0.5, 0.5, 0.5, 0.0]\n",
        "population.housing_grade_probs",
        "sum to 1",
    ),
    "not TOML": ("name = \n", "", "not valid TOML"),
    "a program named as an exit pathway": (
        '[programs.combined]\nkind = "industry"\n',
        "programs.combined",
        "use the name for exits that needed the programs together, none alone",
    ),
    "a program named as no pathway": (
        '[programs.none]\nkind = "industry"\n',
        "programs.none",
        "use the name for exits that needed no program",
    ),
    "a placement program beside work away's counted labourers": (
        '[programs.employment]\nshare = 0.1\n[programs.work_away]\nkind = "work_away"\n'
        "labourers = { 2016 = 1000 }\nearnings = { 2016 = 20000 }\n",
        "programs.work_away",
        "whom programs.employment places again (placement_rate 0.29)",
    ),
    "more elderly alone than small households hold": (
        "[population]\nelderly_share = 0.6\n",
        "population.elderly_alone_share",
        "at most 0.284",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_message(tmp_path: Path, kind: str) -> None:
    text, field, problem = BAD_FILES[kind]
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert str(path) in message
    assert field in message
    assert problem in message


def test_work_away_added_by_a_child_is_the_child_s_conflict_and_none_without_placements(
    tmp_path: Path,
) -> None:
    """The parent's employment, valid alone, was blamed; and an employment out of the mix
    (share = 0) was still refused beside work away."""
    write(tmp_path / "parent.toml", "[programs.employment]\nshare = 0.1\n")
    away = "[programs.work_away]\nlabourers = { 2016 = 1000 }\nearnings = { 2016 = 20000 }\n"
    child = write(tmp_path / "child.toml", f'extends = "parent.toml"\n{away}')
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(child))}: programs\.work_away: "):
        load_scenario(child)
    out = write(
        tmp_path / "out.toml", f'extends = "parent.toml"\n[programs.employment]\nshare = 0\n{away}'
    )
    assert load_scenario(out).programs["employment"].placement_rate > 0


def test_missing_extended_file_names_the_referring_file(tmp_path: Path) -> None:
    path = write(tmp_path / "child.toml", 'extends = "nowhere.toml"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert f"{path}: extends: extended file not found" in str(caught.value)
    assert "nowhere.toml" in str(caught.value)


def test_extends_cycle(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="extends itself"):
        load_scenario(tmp_path / "a.toml")


def test_error_names_the_file_that_set_the_value(tmp_path: Path) -> None:
    write(tmp_path / "parent.toml", "[income]\ngrowth = 9.0\n")
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\nname = "c"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert str(caught.value).startswith(f"{tmp_path / 'parent.toml'}: income.growth:")


def test_a_check_of_a_whole_table_names_whoever_changed_it_last(tmp_path: Path) -> None:
    """The parent made the programs table; the child's share broke its sum."""
    base = (SCENARIOS / "baseline.toml").as_posix()
    child = write(
        tmp_path / "child.toml", f'extends = "{base}"\n[programs.industry]\nshare = 0.5\n'
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert str(caught.value).startswith(f"{child}: programs: program shares")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(SCENARIOS / "baseline.toml", ["programs.industry.share=0.5"])
    assert str(caught.value).startswith("--set programs.industry.share: programs: program shares")


def test_a_table_an_override_creates_is_the_overrides(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(SCENARIOS / "five_batches.toml", ["programs.industy.share=0.3"])
    assert str(caught.value).startswith(
        "--set programs.industy.share: programs.industy: unknown program kind 'industy'"
    )
    assert "did you mean 'industry'?" in str(caught.value)  # as a misspelt field has


def test_bad_override_names_set(baseline: Scenario) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(SCENARIOS / "baseline.toml", ["income.grwth=1"])
    # the key is the field: said once
    assert str(caught.value) == "--set income.grwth: unknown field (did you mean income.growth?)"
    with pytest.raises(ScenarioError, match=r"expected dotted\.path=value"):
        load_scenario(SCENARIOS / "baseline.toml", ["income.growth"])


def test_a_table_an_override_replaces_is_the_overrides() -> None:
    """`--set programs.housing={share="a"}` replaces the file's table: its share was blamed on
    baseline.toml, which set 0.17 there."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(SCENARIOS / "baseline.toml", ['programs.housing={share="a"}'])
    assert str(caught.value).startswith(
        '--set programs.housing: programs.housing.share: a number is expected, not "a"'
    )


@pytest.mark.parametrize("command", ["run", "check"])
def test_cli_bad_file_exits_2_without_traceback(tmp_path: Path, command: str) -> None:
    path = write(tmp_path / "bad.toml", '[income]\ngrowth = "fast"\n')
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 2
    assert "income.growth" in result.output
    assert str(path) in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "runs").exists()


def test_console_script_bad_file_exit_status(tmp_path: Path) -> None:
    """The installed entry point, not just the Typer app, exits 2 with one clear line."""
    path = write(tmp_path / "bad.toml", "[population]\nhouseholds = -3\n")
    done = subprocess.run(
        [sys.executable, "-m", "povsim", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "population.households" in done.stderr
    assert "Traceback" not in done.stderr


def test_messages_with_brackets_survive_the_terminal(tmp_path: Path) -> None:
    base = (SCENARIOS / "baseline.toml").as_posix()
    path = write(
        tmp_path / "bad.toml", f'extends = "{base}"\n[programs.industry]\ncauses = ["nope"]\n'
    )
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "unknown cause(s) ['nope']; choose from ['illness'," in result.output


def test_check_accepts_good_files() -> None:
    result = runner.invoke(
        app, ["check", str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "no_intervention.toml")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("ok:") == 2


def test_a_mistyped_year_in_a_dated_series_is_an_error() -> None:
    """2108 for 2018 would stay in the table and never take effect."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(SCENARIOS / "baseline.toml", ["budget.total.2108=9e9"])
    assert str(caught.value).startswith("--set budget.total.2108: the year:")
    with pytest.raises(ScenarioError, match=r"programs\.industry\.budget\.1890: the year"):
        load_scenario(SCENARIOS / "baseline.toml", ["programs.industry.budget.1890=1"])


def test_money_must_fall_in_the_simulated_years() -> None:
    """A budget moved to 2021-2027 by a typo ran with no money and reported results."""
    baseline = SCENARIOS / "baseline.toml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(baseline, ["budget.total={2021=1e6, 2022=2e6, 2023=3e6, 2025=1}"])
    assert str(caught.value).startswith(
        "--set budget.total: none of its years (2021-2023, 2025) is simulated (2014-2020): "
        "give the simulated years' money (or 2014 = 0 for none)"
    )
    with pytest.raises(ScenarioError, match=r"programs\.industry\.budget: none of its years"):
        load_scenario(baseline, ["programs.industry.budget={2021=1e6}"])
    with pytest.raises(ScenarioError, match="no value for 2015, between years it gives"):
        load_scenario(baseline, ["budget.total={2014=1e6, 2016=1e6}"])
    # a year without money is written as such; years before or after stay out
    assert load_scenario(baseline, ["budget.total={2014=1e6, 2015=0, 2016=1e6}"])
    assert load_scenario(baseline, ["budget.total={2016=1e6, 2017=1e6}"]).budget.total == {
        2016: 1e6,
        2017: 1e6,
    }


def test_a_year_setting_after_the_run_is_noted() -> None:
    """`villages.work_teams_from=2040` (or 2040 for 2014) switched the lever off silently."""
    late = ["villages.work_teams_from=2040", "programs.health.guaranteed_from=2050"]
    result = runner.invoke(
        app, ["check", str(SCENARIOS / "baseline.toml"), *(a for k in late for a in ("--set", k))]
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "villages.work_teams_from (2040) is after the run's last year (2020)" in said
    assert "programs.health.guaranteed_from (2050) is after the run's last year" in said
    early = load_scenario(SCENARIOS / "baseline.toml", ["exit.reverify_years=[2013, 2017]"])
    assert early.notes() == [
        "exit.reverify_years gives 2013, not after the run's first year (2014): no household "
        "has exited by then, so none is re-verified"
    ]
    # listed years before the run are never reached either (a review's [1, 2, ...])
    early = load_scenario(SCENARIOS / "baseline.toml", ["registration.recheck_years=[1, 2015]"])
    assert early.notes() == [
        "registration.recheck_years gives 1, before the run's first year (2014): never reached"
    ]
    regions = [p for p in SCENARIOS.glob("regions/*.toml") if not p.stem.endswith("_targets")]
    for path in [*SCENARIOS.glob("*.toml"), *SCENARIOS.glob("instruments/*.toml"), *regions]:
        assert load_scenario(path).notes() == [], path  # the shipped files: none


def test_a_setting_that_ends_a_lever_after_the_run_is_not_noted() -> None:
    """A run shortened to 2018 was told that exit.policies_kept_until (2020) switched its
    lever off, when it keeps it on throughout, and that exit.plan_deadline did, when the
    plans only go slower."""
    notes = load_scenario(SCENARIOS / "baseline.toml", ["end_year=2018"]).notes()
    assert any("monitoring.from_year (2019)" in note for note in notes)
    assert not any("policies_kept_until" in note for note in notes), notes
    deadline = [note for note in notes if "exit.plan_deadline" in note]
    assert deadline == [
        "exit.plan_deadline (2020) is after the run's last year (2018): the plans aim at a "
        "year the run never reaches, so they go slower"
    ]
    late = load_scenario(SCENARIOS / "baseline.toml", ["programs.industry.last_year=2040"])
    assert late.notes() == []


def _baseline_and(tmp_path: Path, child: str) -> Path:
    (tmp_path / "baseline.toml").write_bytes((SCENARIOS / "baseline.toml").read_bytes())
    path = tmp_path / "child.toml"
    path.write_text(f'extends = "baseline.toml"\nname = "child"\n{child}', "utf-8")
    return path


def test_a_mistyped_budget_year_is_refused(tmp_path: Path) -> None:
    """2002 for 2020 passed: the years before the run were not looked at."""
    text = (SCENARIOS / "baseline.toml").read_text("utf-8")
    typo = tmp_path / "typo.toml"
    typo.write_text(text.replace("\n2020 = 19_700_000", "\n2002 = 19_700_000"), "utf-8")
    result = runner.invoke(app, ["check", str(typo)])
    assert result.exit_code == 2
    assert "budget.total: no value for 2003-2013, between years it gives" in result.output
    shorter = load_scenario(SCENARIOS / "baseline.toml", ["end_year=2017"])  # fewer years: fine
    assert max(shorter.budget.total) == 2020


def test_a_program_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ScenarioError, match="first_year \\(2019\\) is after last_year \\(2016\\)"):
        load_scenario(
            SCENARIOS / "baseline.toml",
            ["programs.industry.first_year=2019", "programs.industry.last_year=2016"],
        )


def test_what_is_valid_but_likely_not_meant_is_noted_by_run_too(tmp_path: Path) -> None:
    """A budget that extends another keeps the years it does not give; a share beside a
    budget is not used; a re-check after the run never comes. All passed without a word."""
    child = _baseline_and(
        tmp_path,
        "[budget]\ntotal = {2016 = 0}\n[programs.industry]\nbudget = {2014 = 100000}\n"
        "[registration]\nrecheck_years = [2015, 2061]\n",
    )
    notes = load_scenario(child).notes()
    assert any(n.startswith("budget.total: 2014-2015, 2017-2020 kept from") for n in notes)
    assert any(n.startswith("programs.industry.share (0.25) is not used") for n in notes)
    assert any(n.startswith("registration.recheck_years gives 2061") for n in notes)
    result = runner.invoke(app, ["run", str(child), "--out", str(tmp_path / "r"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "kept from" in " ".join(result.output.split())
    # given whole, or by --set (which replaces a table), nothing is kept
    whole = _baseline_and(
        tmp_path,
        "[budget]\ntotal = {" + ", ".join(f"{y} = 1e7" for y in range(2014, 2021)) + "}\n",
    )
    assert load_scenario(whole).notes() == []
    replaced = load_scenario(SCENARIOS / "baseline.toml", ["budget.total={2016=0}"]).notes()
    assert [n.split(":")[0] for n in replaced] == ["budget.total gives nothing in any year"]


def test_a_mix_without_money_is_noted_with_the_guarantees_that_still_spend(
    tmp_path: Path,
) -> None:
    """budget.scale = 0 ran without a word, and its guaranteed programs still spent: "zero
    budget" ranked cheapest on cost per exit. A program's own table of zeros, and shares of
    an empty budget.total, were as silent."""
    notes = load_scenario(SCENARIOS / "baseline.toml", ["budget.scale=0"]).notes()
    assert notes == [
        "budget.total times budget.scale 0 gives nothing in any year: industry, employment, "
        "relocation, infrastructure enrol no one; education (from 2020), health (from 2017), "
        "social_security (from 2020), housing (from 2019) are guaranteed and spend whatever "
        "the budget (a program with share = 0 and no budget of its own is out of the mix)"
    ]
    zeros = "{" + ", ".join(f"{y} = 0" for y in range(2014, 2021)) + "}"
    own = load_scenario(
        SCENARIOS / "baseline.toml",
        [f"programs.housing.budget={zeros}", "programs.housing.share=0"],
    ).notes()
    assert own == [
        "programs.housing.budget gives nothing in any year: housing (from 2019) is "
        "guaranteed and spends whatever the budget (a program with share = 0 and no budget "
        "of its own is out of the mix)"
    ]
    alone = tmp_path / "alone.toml"
    alone.write_text('[programs.industry]\nkind = "industry"\nshare = 0.5\n', "utf-8")
    assert load_scenario(alone).notes() == [
        "budget.total gives nothing in any year: industry enrols no one"
    ]
    # out of the mix, or an entitlement paid from elsewhere (student aid's budget = {}): quiet
    out = [f"programs.{p}.share=0" for p in ("industry", "employment", "relocation")]
    out += [f"programs.{p}.share=0" for p in ("education", "health", "social_security")]
    out += ["programs.housing.share=0", "programs.infrastructure.share=0", "budget.scale=0"]
    assert load_scenario(SCENARIOS / "baseline.toml", out).notes() == []
    assert load_scenario(SCENARIOS / "regions" / "national.toml").notes() == []


def test_a_program_no_household_could_enrol_is_refused() -> None:
    """min_labour over max_labour, or no status at all, passed and enrolled no one."""
    with pytest.raises(ScenarioError, match=r"min_labour \(3\) is more than max_labour \(1\)"):
        load_scenario(
            SCENARIOS / "baseline.toml",
            ["programs.industry.min_labour=3", "programs.industry.max_labour=1"],
        )
    with pytest.raises(ScenarioError, match=r"programs\.industry: statuses is empty"):
        load_scenario(SCENARIOS / "baseline.toml", ["programs.industry.statuses=[]"])


def test_a_misspelt_support_is_noted() -> None:
    """support = "employmnet" made a kind of support of its own, moving the reach targets."""
    notes = load_scenario(
        SCENARIOS / "regions" / "national.toml", ["programs.public_jobs.support=employmnet"]
    ).notes()
    assert notes == [
        "programs.public_jobs.support 'employmnet' names no program of the scenario and no "
        "program kind (did you mean 'employment'?): the program is a kind of support of its own"
    ]


def test_a_plan_setting_without_the_plans_is_noted() -> None:
    """A sweep over exit.plan_unit on the county baseline, which has no exit plans, gave
    every point the same outcomes without a word."""
    baseline = SCENARIOS / "baseline.toml"
    idle = load_scenario(baseline, ["exit.plan_unit=village", "exit.plan_lead_years=0.5"])
    assert idle.notes() == [
        "exit.plan_unit, exit.plan_lead_years are read only by the exit plans, which "
        "exit.plan_from does not start: nothing follows from them (set exit.plan_from, e.g. "
        "2016)"
    ]
    planned = ["exit.plan_unit=village", "exit.plan_from=2016"]
    assert load_scenario(baseline, planned).notes() == []
    assert load_scenario(SCENARIOS / "regions" / "national.toml").notes() == []


def test_a_sweep_notes_what_its_points_change_that_nothing_reads(tmp_path: Path) -> None:
    """The sweep printed the base scenario's notes only: its points over exit.plan_unit
    ran alike in silence."""
    from povsim.experiments.sweep import load_design

    design = tmp_path / "design.toml"
    design.write_text(
        f'base = "{SCENARIOS / "baseline.toml"}"\n[grid]\n'
        '"exit.plan_unit" = ["household", "village"]\n"exit.income_margin" = [0.0, 0.1]\n',
        "utf-8",
    )
    assert load_design(design).notes() == [
        "point g0002 and 1 more: exit.plan_unit is read only by the exit plans, which "
        "exit.plan_from does not start: nothing follows from it (set exit.plan_from, e.g. 2016)"
    ]


@pytest.mark.parametrize("value", ["1", "0", "yes", "off", '"true"'])
def test_a_switch_takes_only_true_or_false(value: str) -> None:
    """Numbers refused true and "2000", but switches took 1, "yes" and "off"."""
    with pytest.raises(ScenarioError, match=r"exit\.require_guarantees: true or false is expected"):
        load_scenario(SCENARIOS / "baseline.toml", [f"exit.require_guarantees={value}"])
    assert not load_scenario(
        SCENARIOS / "baseline.toml", ["exit.require_guarantees=false"]
    ).exit.require_guarantees


def test_a_sample_size_set_without_what_it_stands_for_is_noted(tmp_path: Path) -> None:
    """Shandan set 49,350 households and kept the baseline's represents = 5,000: every
    figure came out a tenth of the county's (its validation fell from 7 to 2 of 7)."""
    child = _baseline_and(tmp_path, "[population]\nhouseholds = 49_350\n")
    notes = load_scenario(child).notes()
    assert any(n.startswith("population.represents (5,000) is kept from") for n in notes)
    both = _baseline_and(tmp_path, "[population]\nhouseholds = 600\nrepresents = 600\n")
    assert not any("population.represents" in n for n in load_scenario(both).notes())
    shandan = load_scenario(SCENARIOS / "regions" / "shandan.toml").population
    assert shandan.represents == shandan.households


def test_a_smaller_sample_by_set_keeps_what_it_stands_for_without_a_note() -> None:
    small = ["population.households=500", "population.villages=5"]
    assert load_scenario(SCENARIOS / "baseline.toml", small).notes() == []


def test_a_smaller_county_of_a_file_that_represents_nothing_is_noted(tmp_path: Path) -> None:
    """A county written from scratch without `represents`, run at a third of its size for a
    quick look, got the file's money for a third of the households, silently."""
    own = write(
        tmp_path / "own.toml",
        "[population]\nhouseholds = 3000\nvillages = 3000\n[budget.total]\n2014 = 1e7\n",
    )
    notes = load_scenario(own, ["population.households=1000"]).notes()
    assert any(
        "makes a county of 1,000 households, not a sample of the file's 3,000" in n
        and "3 times as much a household" in n
        and "set population.represents = 3000" in n
        for n in notes
    ), notes
    assert not any("makes a county" in n for n in load_scenario(own).notes())


def test_a_smaller_sample_that_keeps_the_villages_is_noted() -> None:
    """With --set population.households alone each village holds fewer agents, and its
    figures are noisier (its exit from the list most: the designation reads them at the real
    villages' spread), silently."""
    (note,) = load_scenario(SCENARIOS / "baseline.toml", ["population.households=500"]).notes()
    assert "keeps the file's 50 villages: 10 agents a village where it has 100" in note
    assert "would leave 5, too few to count by (under 30)" in note  # no advice
    national = SCENARIOS / "regions" / "national.toml"
    (note,) = load_scenario(national, ["population.households=50000"]).notes()
    assert "--set population.villages=1000 too keeps 50 a village" in note
    # more villages than households has its own note, not two
    (note,) = load_scenario(SCENARIOS / "baseline.toml", ["population.households=40"]).notes()
    assert note.startswith("population.villages (50) outnumber")
    bigger = load_scenario(SCENARIOS / "baseline.toml", ["population.households=6000"])
    assert bigger.notes() == []


def test_more_villages_than_households_are_noted_and_a_short_share_list_refused() -> None:
    empty = load_scenario(SCENARIOS / "baseline.toml", ["population.villages=6000"])
    assert any("population.villages (6,000) outnumber" in n for n in empty.notes())
    with pytest.raises(ScenarioError, match=r"education_probs: needs 4 shares .*, not 2"):
        load_scenario(SCENARIOS / "baseline.toml", ["population.education_probs=[0.5,0.5]"])


def test_a_budget_too_small_for_one_unit_is_noted() -> None:
    """A budget typed in 10,000s of yuan (600 for 6,000,000) ran and spent nothing."""
    tiny = "budget.total={" + ",".join(f"{y}=600" for y in range(2014, 2021)) + "}"
    notes = load_scenario(SCENARIOS / "baseline.toml", [tiny]).notes()
    assert any("budget.total comes to at most 600 yuan a year" in n for n in notes)
    # a shorter run, where one village program's share is under one village, is no typo
    shorter = load_scenario(SCENARIOS / "baseline.toml", ["end_year=2016"]).notes()
    assert not any("budget.total comes to" in n for n in shorter)


def test_povsim_columns_prints_the_household_and_village_columns_too() -> None:
    printed = runner.invoke(app, ["columns"]).output
    assert "| `incidence` |" in printed
    assert "| `size` | int16 |" in printed
    assert "`villages.parquet`" in printed


def test_povsim_columns_says_what_each_cause_flag_is() -> None:
    """households.parquet's causes (4096, 3, ...) was "Cause flags recorded at
    registration": no word of which bit is which cause."""
    printed = runner.invoke(app, ["columns"]).output
    row = next(line for line in printed.splitlines() if line.startswith("| `causes` |"))
    assert "povsim.Cause" in row
    assert "1 illness, 2 disability, 4 schooling" in row
    assert "4096 other" in row


def test_a_file_that_adds_years_or_a_set_of_one_year_is_not_noted(tmp_path: Path) -> None:
    """The note told a file that only added 2021 to zero every year it kept."""
    later = _baseline_and(
        tmp_path, "end_year = 2021\n[poverty_line]\n2021 = 3400\n[budget.total]\n2021 = 2e7\n"
    )
    assert not any("kept from" in n for n in load_scenario(later).notes())
    one_year = load_scenario(SCENARIOS / "baseline.toml", ["budget.total.2016=0"])
    assert not any("kept from" in n for n in one_year.notes())


def test_a_line_a_child_gives_too_few_years_blames_no_other_file(tmp_path: Path) -> None:
    """A child that set end_year = 2030 and the line to 2022 was told "(the run's years are
    set in baseline.toml)", though the baseline sets only the first year, which is covered."""
    child = _baseline_and(tmp_path, "end_year = 2030\n[poverty_line]\n2021 = 3400\n2022 = 3500\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    text = str(caught.value)
    assert "poverty_line: no value for 2023-2030 (the run is 2014-2030)" in text
    assert "years are set in" not in text


def test_a_child_that_moves_the_run_past_the_parent_s_line_is_named_first(
    tmp_path: Path,
) -> None:
    """`start_year = 1990` was blamed on the baseline's poverty line, the child named only at
    the end of the line; `povsim check` said the same."""
    parent = tmp_path / "baseline.toml"
    child = _baseline_and(tmp_path, "start_year = 1990\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    lines = str(caught.value).splitlines()
    assert lines[0] == (
        f"{child}: start_year: 1990 is before the first year of {parent}'s poverty_line "
        "(2013): give poverty_line values for 1990-2012 too"
    )
    assert lines[1].startswith(f"{child}: start_year: 1990 is before the year {parent}'s ")
    assert all(not line.startswith(str(parent)) for line in lines)
    later = _baseline_and(tmp_path, "end_year = 2030\n")
    result = runner.invoke(app, ["check", str(later)])
    assert result.exit_code == 2
    assert f"{later}: end_year: 2030 is past the last year of {parent}'s" in result.output
    # Both years moved past the line: both named, start_year too (it was left to refuse next).
    both = _baseline_and(tmp_path, "start_year = 2025\nend_year = 2030\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(both)
    assert str(caught.value).splitlines()[:2] == [
        f"{both}: {key}: {year} is past the last year of {parent}'s poverty_line (2020): "
        "give poverty_line values for 2025-2030 too"
        for key, year in (("start_year", 2025), ("end_year", 2030))
    ]
    # --set moves it as well; a child that gives the years itself is the line's own problem
    with pytest.raises(ScenarioError, match=r"^--set end_year: 2022 is past the last year"):
        load_scenario(parent, ["end_year=2022"])
    # a line --set gives was "--set poverty_line's poverty_line"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(parent, ["poverty_line={2014=2800}"])
    assert "2020 is past the last year of the poverty_line --set gives (2014)" in str(caught.value)
    short = _baseline_and(tmp_path, "end_year = 2025\n[poverty_line]\n2021 = 3400\n")
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(short))}: poverty_line: no value"):
        load_scenario(short)


def test_a_year_of_a_table_after_the_run_is_noted() -> None:
    """`--set poverty_line.2021=3400` passed without a word, though a program year after the
    run (single_member_from=2025) was noted."""
    baseline = SCENARIOS / "baseline.toml"
    notes = load_scenario(baseline, ["poverty_line.2021=3400"]).notes()
    assert "poverty_line gives 2021, after the run's last year (2020): never used" in notes
    notes = load_scenario(baseline, ["programs.social_security.standard.2022=5000"]).notes()
    assert any(n.startswith("programs.social_security.standard gives 2022") for n in notes)
    # A run shortened by end_year leaves the file's later years alone: they are not a slip.
    assert not any("never used" in n for n in load_scenario(baseline, ["end_year=2018"]).notes())
    assert not any("never used" in n for n in load_scenario(baseline).notes())


def test_an_override_in_python_is_named_as_the_argument_that_gave_it() -> None:
    """povsim.run(..., overrides=[...]) said "--set income.growthh", a flag the caller never
    wrote."""
    import povsim

    for given, said in (
        ("income.growthh=1", "overrides income.growthh: unknown field (did you mean"),
        ("income.growth", "overrides: income.growth: expected dotted.path=value"),
        ("income.growth=5%", 'overrides income.growth: a number is expected, not "5%"'),
        ("income=0.3", "overrides income: a table of settings, not 0.3"),
    ):
        with pytest.raises(ScenarioError) as err:
            povsim.run(SCENARIOS / "baseline.toml", overrides=[given])
        assert str(err.value).startswith(said), str(err.value)
        assert "--set" not in str(err.value)
    assert "e.g. overrides=['income.initial_mean=...']" in str(err.value)  # as Python
    # the command line's own words stay its own (a sensitivity analysis loads it too)
    refused = CliRunner().invoke(
        app,
        [
            "sensitivity",
            str(SCENARIOS / "baseline.toml"),
            "--problem",
            str(SCENARIOS / "problems" / "baseline_six.toml"),
            "--set",
            "income.growthh=1",
            "--out",
            "unused",
        ],
    )
    assert refused.exit_code == 2
    assert "--set income.growthh: unknown field" in refused.output


def test_years_the_money_does_not_reach_are_noted() -> None:
    """A run taken past 2020 spent nothing after it (budget.total stops there) without a
    word."""
    late = ["end_year=2022", "poverty_line.2021=3400", "poverty_line.2022=3500"]
    (note,) = load_scenario(SCENARIOS / "baseline.toml", late).notes()
    assert note.startswith("budget.total gives nothing for 2021-2022: industry, employment")
    assert "social_security" not in note  # guaranteed from 2020: paid whatever the budget
    assert load_scenario(SCENARIOS / "baseline.toml").notes() == []
    # A table of one year, meant to change it, left the years before it without money too.
    (note,) = load_scenario(SCENARIOS / "baseline.toml", ["budget.total={2017 = 1e6}"]).notes()
    assert note.startswith("budget.total gives nothing for 2014-2016, 2018-2020: industry")


def test_a_problem_in_a_block_of_a_list_names_the_block_as_a_reader_counts(
    tmp_path: Path,
) -> None:
    """`targets.1.source` is the second [[targets]] block: read as the first."""
    path = tmp_path / "t.toml"
    block = 'indicator = "incidence"\nyear = {}\nvalue = 0.1\nrelative_tolerance = 0.2\n'
    path.write_text(
        f'region = "x"\nscenario = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
        f'[[targets]]\n{block.format(2016)}source = "a"\n'
        f'[[targets]]\n{block.format(2017)}source = "  "\n',
        encoding="utf-8",
    )
    from povsim.experiments.calibration import load_targets

    with pytest.raises(ScenarioError) as err:
        load_targets(path)
    said = "targets.1.source (the 2nd in targets): is missing or blank: name the seed file"
    assert said in str(err.value)
    # a source left out is told the same, not pydantic's "Field required"
    path.write_text(path.read_text(encoding="utf-8").replace('source = "  "\n', ""))
    with pytest.raises(ScenarioError) as err:
        load_targets(path)
    assert said in str(err.value)


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("[population]\nhouseholds = 4,000\n", "(a number has no thousands separators: 4000)"),
        ("[programs.industry]\nshare = 25%\n", "(a share is a fraction: 0.25, not 25%)"),
        ("[population]\nvillages = 4\nvillages = 5\n", "(villages is given twice in its table)"),
        ("[programs.产业]\nshare = 0.1\n", 'is quoted: [programs."产业"]'),
        ("产业 = 1\n", 'is quoted: "产业" = ...'),
        ('name = "25% of the money, 4,000 yuan" x\n', "after a statement (at line 1, column 39)\n"),
        ("x = 1\n[x]\n", "(the table [x] is given twice, or a value of its name is)"),
    ],
)
def test_a_toml_slip_gets_a_hint_beside_the_parsers_words(
    tmp_path: Path, line: str, hint: str
) -> None:
    """tomllib says "Expected newline or end of document after a statement" of 4,000 and
    25%, and "Cannot overwrite a value" without the key."""
    path = tmp_path / "s.toml"
    path.write_text(line, encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML") as err:
        load_scenario(path)
    assert hint in f"{err.value}\n"  # a slip inside a string gets no hint


@pytest.mark.parametrize("key", ['" 2016"', '"2016.0"', '"+2016"', '"20_16"', '"02016"'])
@pytest.mark.parametrize("table", ["budget.total", "poverty_line", "programs.industry.budget"])
def test_a_year_key_not_in_plain_digits_is_refused(tmp_path: Path, key: str, table: str) -> None:
    """pydantic read " 2016", "2016.0", "+2016", "20_16" and "02016" as 2016, so `2016 = 5`
    beside `" 2016" = 1` ran on one of them (1.0) without a word."""
    path = write(
        tmp_path / "k.toml",
        f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n[{table}]\n2016 = 5\n{key} = 1\n',
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value) == (
        f"{path}: {table}: the key {key} is not a year in plain digits (write 2016)"
    )
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    # no guess where the key is no number
    with pytest.raises(ScenarioError, match=r'the key "y2016" is not a year in plain digits \(as'):
        load_scenario(SCENARIOS / "baseline.toml", [f'{table}={{"y2016" = 1}}'])


def test_a_field_in_the_wrong_table_says_where_it_belongs(tmp_path: Path) -> None:
    """`income.poverty_line: unknown field` did not say the line is a top-level field, nor
    `programs.industry.placement_rate` which programs have one."""
    path = write(
        tmp_path / "wrong.toml",
        f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
        "households = 10\n[income]\npoverty_line = 3000\n[population]\ninitial_mean = 5\n"
        "[programs.industry]\nplacement_rate = 0.5\n",
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    said = str(err.value)
    assert "income.poverty_line: unknown field (poverty_line is a top-level field, not one " in said
    assert "population.initial_mean: unknown field (initial_mean is income.initial_mean)" in said
    assert "households: unknown field (did you mean population.households?)" in said
    assert (
        "programs.industry.placement_rate: unknown field for a program of kind 'industry' "
        "(placement_rate is a field of kind 'employment' or 'pairing')"
    ) in said


def test_figures_in_the_wrong_unit_are_noted(tmp_path: Path) -> None:
    """A month's income (540) for a year's, a month's line for 2014 (233) and a budget in
    10,000s of yuan (2,400 for 24,000,000) ran without a word: check and run say each."""
    base = f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
    monthly = write(tmp_path / "monthly.toml", base + "[income]\ninitial_mean = 540\n")
    (note,) = load_scenario(monthly).notes()
    assert note.startswith(
        "income.initial_mean (540 yuan a person a year) is under the poverty line of 2013 (2,736)"
    )
    result = runner.invoke(app, ["check", str(monthly)])
    assert result.exit_code == 0
    assert f"note: {monthly}: income.initial_mean (540" in " ".join(result.output.split())
    line = write(tmp_path / "line.toml", base + "[poverty_line]\n2014 = 233\n")
    (note,) = load_scenario(line).notes()
    assert note.startswith(
        "poverty_line moves more than twofold from one year it gives to the next (2,736 in 2013 "
        "to 233 in 2014; 233 in 2014 to 2,855 in 2015)"
    )
    # 2,400 to 8,000: health's share buys a premium from 2017 on, so the richest year alone
    # (the note's test before) found a unit bought
    money = (24, 26, 36, 48, 60, 70, 80)
    wan = "".join(f"{y} = {v}00\n" for y, v in zip(range(2014, 2021), money, strict=True))
    budget = write(tmp_path / "wan.toml", base + "[budget.total]\n" + wan)
    (note,) = load_scenario(budget).notes()
    assert note.startswith("budget.total comes to at most 3,600 yuan a year in 2014-2016: the ")
    # a line that rises in steps, as the baseline's, and a county poorer than most are no slip
    assert load_scenario(SCENARIOS / "baseline.toml", ["income.initial_mean=3000"]).notes() == []


def test_a_designation_no_village_can_meet_is_noted() -> None:
    """Twice a province's 60% is more than any village's incidence: none is designated."""
    notes = load_scenario(SCENARIOS / "baseline.toml", ["villages.designation_incidence=0.6"])
    assert notes.notes() == [
        "villages.designation_multiple (2) times villages.designation_incidence (0.6) is 120%: "
        "only a village where everyone is poor could be designated, so none is (set the two "
        "together)"
    ]
    quota = ["villages.designation_incidence=0.6", "villages.designation_quota=10"]
    assert load_scenario(SCENARIOS / "baseline.toml", quota).notes() == []
