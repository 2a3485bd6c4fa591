"""A corpus of hostile inputs (issue 13): every one is refused with exit status 2 and one
clear line, no traceback, nothing written and nothing deleted.

The scenario cases are generated from the baseline itself: every numeric setting given
``true``, NaN, infinity, text or 1e30 (programs: ``true`` and infinity), so a field added
later is covered without editing this file. The structural and command-line cases are listed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from povsim import load_scenario
from povsim.cli import app
from povsim.runs.store import MARKER

from .conftest import SCENARIOS

runner = CliRunner()
BASELINE = SCENARIOS / "baseline.toml"
HEADER = f"extends = {json.dumps(str(BASELINE))}\n"


def _numeric_leaves(tree: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(tree, dict):
        return [
            path
            for key, value in tree.items()
            for path in _numeric_leaves(value, (*prefix, str(key)))
        ]
    if isinstance(tree, int | float) and not isinstance(tree, bool):
        return [prefix]
    return []


def _scenario_cases() -> list[tuple[str, str]]:
    dumped = load_scenario(BASELINE).model_dump(mode="python")
    cases = []
    for path in _numeric_leaves(dumped):
        key = ".".join(json.dumps(p) if not p.isidentifier() else p for p in path)
        values = ("true", "inf") if path[0] == "programs" else ("true", "nan", "inf", '"x"', "1e30")
        cases += [(f"{'.'.join(path)}={value}", HEADER + f"{key} = {value}\n") for value in values]
    return cases


DEEP = 2000
PROVINCE = (
    '[[geography.provinces]]\nname = "P"\nregion = "west"\nrural_population = 1000\n'
    "poor_counties = 1\npoor_2014 = 10\n"
)
STRUCTURAL = [
    ("deep array", HEADER + "name = " + "[" * DEEP + "]" * DEEP + "\n"),
    ("deep inline table", HEADER + "x = " + "{a=" * DEEP + "1" + "}" * DEEP + "\n"),
    ("deep dotted key", HEADER + ".".join(["a"] * DEEP) + " = 1\n"),
    ("not TOML", "this is not = = toml\n"),
    ("binary", "\x00\x01\x02garbage"),
    ("extends a missing file", 'extends = "nowhere.toml"\n'),
    ("extends a number", "extends = 3\n"),
    ("extends a directory", 'extends = "."\n'),
    ("extends itself", 'extends = "case.toml"\n'),
    ("unknown field", HEADER + "[income]\ngrwoth = 0.1\n"),
    ("unknown section", HEADER + "[incomes]\ngrowth = 0.1\n"),
    ("a trillion households", HEADER + "[population]\nhouseholds = 1_000_000_000_000\n"),
    ("a billion villages", HEADER + "[population]\nvillages = 1_000_000_000\n"),
    ("a seed beyond 64 bits", HEADER + "seed = 100000000000000000000000\n"),
    ("a negative seed", HEADER + "seed = -1\n"),
    ("a NUL byte in the name", HEADER + 'name = "a\\u0000b"\n'),
    ("a control character in the description", HEADER + 'description = "a\\u0007b"\n'),
    ("end before start", HEADER + "end_year = 2010\n"),
    ("a year without a line", HEADER + "end_year = 2022\n"),
    ("shares over the budget", HEADER + "[programs.industry]\nshare = 0.9\n"),
    ("an unknown program kind", HEADER + '[programs.magic]\nkind = "magic"\nshare = 0.0\n'),
    ("a kind importing venv", HEADER + '[programs.x]\nkind = "venv:EnvBuilder"\n'),
    ("a kind importing this", HEADER + '[programs.x]\nkind = "this:X"\n'),
    ("a kind importing os", HEADER + '[programs.x]\nkind = "os:system"\n'),
    ("a probability over 1", HEADER + "[shocks.illness]\nannual_probability = 1.5\n"),
    ("a negative cost", HEADER + "[programs.industry]\nunit_cost = -1\n"),
    ("NaN in a list", HEADER + "[income]\nwage_by_education = [1.0, nan, 1.5, 2.0]\n"),
    ("true in a list", HEADER + "[income]\nwage_by_education = [1.0, true, 1.5, 2.0]\n"),
    ("a line of NaN", HEADER + "[poverty_line]\n2015 = nan\n"),
    ("a line of true", HEADER + "[poverty_line]\n2015 = true\n"),
    ("a re-verification year twice", HEADER + "[exit]\nreverify_years = [2017, 2017]\n"),
    ("registration before start without a line", HEADER + "[registration]\nincome_year = 2000\n"),
    ("registration after start", HEADER + "[registration]\nincome_year = 2016\n"),
    ("a missing province table", HEADER + '[geography]\nprovinces_table = "nowhere.csv"\n'),
    ("a geography without provinces", HEADER + "[geography]\nother_counties = 2\n"),
    ("a province in no region", HEADER + PROVINCE.replace('"west"', '"north"')),
    ("more poor than people", HEADER + PROVINCE.replace("poor_2014 = 10", "poor_2014 = 5000")),
    ("a province of NaN people", HEADER + PROVINCE.replace("= 1000", "= nan")),
    ("a province listed twice", HEADER + PROVINCE + PROVINCE),
    (
        "a province of a hundred billion poor counties",
        HEADER + PROVINCE.replace("poor_counties = 1", "poor_counties = 99999999999"),
    ),
    ("a list too short", HEADER + "[income]\ncomponent_shares = [1.0]\n"),
    ("a negative wage", HEADER + "[income]\nwage_by_education = [-1.0, 1.0, 1.0, 1.0]\n"),
    ("a program name with a dot", HEADER + '[programs."my.industry"]\nkind = "industry"\n'),
    ("a program name with a colon", HEADER + '[programs."a:b"]\nkind = "industry"\n'),
    (
        "formula weights over 1",
        HEADER + PROVINCE + "[geography.allocation]\nweight_poor = 0.9\n",
    ),
    (
        "a region without fiscal capacity",
        HEADER + PROVINCE + "[geography.allocation]\nfiscal_capacity = { east = 1.0 }\n",
    ),
]


def _sections_as_anything_but_tables() -> list[tuple[str, str]]:
    """Every table of a scenario given as a number, a string or an array of tables
    (``population = 5`` crashed the loader before validation could say so)."""
    dumped = load_scenario(BASELINE).model_dump(mode="python")
    tables = [key for key, value in dumped.items() if isinstance(value, dict)]
    values = {"a number": "{} = 5\n", "a string": '{} = "abc"\n', "an array": "[[{}]]\nx = 1\n"}
    return [
        (f"{table} as {kind}", HEADER + text.format(table))
        for table in tables
        for kind, text in values.items()
    ]


STRUCTURAL += _sections_as_anything_but_tables()


def _invoke(tmp_path: Path, args: list[str]) -> tuple[int, str]:
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = runner.invoke(app, args)
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before, "something was written or deleted"
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


@pytest.mark.parametrize(("case", "text"), _scenario_cases() + STRUCTURAL)
def test_a_hostile_scenario_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, text: str
) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "case.toml"
    scenario.write_text(text, encoding="utf-8", errors="surrogateescape")
    out = str(tmp_path / "run")
    for args in (["check", str(scenario)], ["run", str(scenario), "--out", out, "--quiet"]):
        code, output = _invoke(tmp_path, args)
        assert code == 2, output
        lines = output.strip().splitlines()
        assert len(lines) == 1, output
        assert lines[0].startswith("error:")


def _designs(tmp_path: Path) -> dict[str, Path]:
    base = json.dumps(str(BASELINE))
    grid = '[grid]\n"income.growth" = [0.05]\n'
    target = '[[targets]]\nyear = 2015\nvalue = 0.1\nsource = "x"\n'
    texts = {
        "empty_grid": f'base = {base}\n[grid]\n"income.growth" = []\n',
        "big_seed": f"base = {base}\nseed = 100000000000000000000000\n{grid}",
        "huge_grid": f"base = {base}\nreplications = 1_000_000_000\n{grid}",
        "bad_value": f'base = {base}\n[grid]\n"income.growth" = [true]\n',
        "two_kinds": f'base = {base}\n[grid]\n"income.growth" = [0.05]\n[lhs]\nsamples = 2\n',
        "triang": f'base = {base}\noutputs = ["incidence_end"]\n'
        '[inputs."income.growth"]\ndist = "triang"\nbounds = [0.03, 0.12, 1.5]\n',
        "lognorm": f'base = {base}\noutputs = ["incidence_end"]\n'
        '[inputs."income.growth"]\ndist = "lognorm"\nbounds = [0.03, -0.1]\n',
        "prefix": f'base = {base}\noutputs = ["incidence"]\n'
        '[inputs."income.growth"]\nbounds = [0.03, 0.1]\n',
        "twice": f'base = {base}\noutputs = ["incidence_end", "incidence_end"]\n'
        '[inputs."income.growth"]\nbounds = [0.03, 0.1]\n',
        "reversed_weights": f'base = {base}\noutputs = ["incidence_end"]\n'
        '[shares]\nprograms = ["industry", "health"]\nweights = [2.0, 0.5]\n',
        "inf_bounds": f'base = {base}\noutputs = ["incidence_end"]\n'
        '[inputs."income.growth"]\nbounds = [0.03, inf]\n',
        "inf_tolerance": f'scenario = {base}\nregion = "x"\n{target}'
        'indicator = "incidence"\nrelative_tolerance = inf\n',
        "unknown_indicator": f'scenario = {base}\nregion = "x"\n{target}'
        'indicator = "nonsense"\nrelative_tolerance = 0.1\n',
        "targets": f'scenario = {base}\nregion = "x"\n{target}'
        'indicator = "incidence"\nrelative_tolerance = 0.1\n',
        "negative_fit_seed": f'scenario = {base}\nregion = "x"\n{target}'
        'indicator = "incidence"\nrelative_tolerance = 0.1\n[calibration]\nseed = -1\n'
        '[[calibration.parameters]]\npath = "income.growth"\nbounds = [0.03, 0.1]\n',
        "no_variants": f"base = {base}\nvariants = []\n",
        "lhs_no_ranges": f"base = {base}\n[lhs]\nsamples = 2\nranges = {{}}\n",
        "lhs_negative_seed": f"base = {base}\n[lhs]\nsamples = 2\nseed = -1\n"
        '[lhs.ranges]\n"income.growth" = [0.03, 0.1]\n',
        "lhs_huge": f"base = {base}\n[lhs]\nsamples = 100_000_000_000\n"
        '[lhs.ranges]\n"income.growth" = [0.03, 0.1]\n',
        "no_outputs": f"base = {base}\noutputs = []\ntime_varying = []\n"
        '[inputs."income.growth"]\nbounds = [0.03, 0.1]\n'
        '[inputs."programs.industry.gain"]\nbounds = [1000, 3000]\n',
        "grid_twice": f'base = {base}\n[grid]\n"income.growth" = [0.05, 0.05]\n',
        "targets_twice": f'scenario = {base}\nregion = "x"\n{target}'
        'indicator = "incidence"\nrelative_tolerance = 0.1\n'
        f'{target}indicator = "incidence"\nrelative_tolerance = 0.2\n',
        "truncnorm_outside": f'base = {base}\noutputs = ["incidence_end"]\n'
        '[inputs."income.growth"]\ndist = "truncnorm"\nbounds = [0.03, 0.1, 0.5, 0.01]\n',
        "share_twice": f'base = {base}\noutputs = ["incidence_end"]\n'
        '[shares]\nprograms = ["industry", "industry", "health"]\n',
        "share_and_input": f'base = {base}\noutputs = ["incidence_end"]\n'
        '[inputs."programs.industry.share"]\nbounds = [0.05, 0.1]\n'
        '[shares]\nprograms = ["industry", "health"]\n',
        "grid_seed": f"base = {base}\n[grid]\nseed = [1, 2]\n",
        "variant_name": f'base = {base}\n[[variants]]\nname = "a"\nset = {{ name = "b" }}\n',
        "seed_input": f'base = {base}\noutputs = ["incidence_end"]\n'
        '[inputs.seed]\nbounds = [0, 1000]\n[inputs."income.growth"]\nbounds = [0.03, 0.1]\n',
        "households_input": f'base = {base}\noutputs = ["incidence_end"]\n'
        '[inputs."population.households"]\nbounds = [100, 900]\n'
        '[inputs."income.growth"]\nbounds = [0.03, 0.1]\n',
        "problem_replications": f'base = {base}\noutputs = ["incidence_end"]\n'
        'replications = 1_000_000_000_000\n[inputs."income.growth"]\nbounds = [0.03, 0.1]\n',
        # 10^7 points: every point's scenario was built before the check, and took all the
        # machine's memory
        "huge_points": f"base = {base}\n[grid]\n"
        + "".join(
            f'"programs.{p}.share" = {[0.1 * i for i in range(1, 11)]}\n'
            for p in (
                "industry",
                "employment",
                "education",
                "health",
                "housing",
                "relocation",
                "social_security",
            )
        ),
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = tmp_path / f"{name}.toml"
        paths[name].write_text(text, encoding="utf-8")
    return paths


REPLICATED = ["run", "{base}", "--replications", "2"]
"""A run the executor options apply to."""

COMMANDS = {
    "sweep: empty grid": ["sweep", "{empty_grid}", "--out", "{out}"],
    "sweep: seed beyond 64 bits": ["sweep", "{big_seed}", "--out", "{out}"],
    "sweep: a billion replications": ["sweep", "{huge_grid}", "--out", "{out}"],
    "sweep: true as a growth rate": ["sweep", "{bad_value}", "--out", "{out}"],
    "sweep: two kinds of design": ["sweep", "{two_kinds}", "--out", "{out}"],
    "sweep: a missing design": ["sweep", "{tmp}/nowhere.toml", "--out", "{out}"],
    "run: a directory for a scenario": ["run", "{tmp}"],
    # from outside the repository: the shipped regions are relative to it
    "validate: a region where none are": ["validate", "chongzuo", "--regions-dir", "{tmp}"],
    "sweep: ten million grid points": ["sweep", "{huge_points}", "--out", "{out}"],
    "check: ten million grid points": ["check", "{huge_points}"],
    # the runs were listed before any started: 24 GB in 3 s, then the OOM killer
    "run: a hundred billion replications": ["run", "{base}", "--replications", "99999999999"],
    "compare: a hundred billion replications": [
        "compare",
        "{base}",
        "{base}",
        "--replications",
        "99999999999",
    ],
    "sweep: --out a file": ["sweep", "{empty_grid}", "--out", "{targets}"],
    "sensitivity: triangular peak outside 0-1": ["sensitivity", "{base}", "--problem", "{triang}"],
    "sensitivity: lognormal with a negative sd": [
        "sensitivity",
        "{base}",
        "--problem",
        "{lognorm}",
    ],
    "sensitivity: an output by prefix": ["sensitivity", "{base}", "--problem", "{prefix}"],
    "sensitivity: an output twice": ["sensitivity", "{base}", "--problem", "{twice}"],
    # taken and ignored: the user believed they had asked for something
    "sensitivity: second order for Morris": [
        "sensitivity",
        "{base}",
        "--problem",
        "{six}",
        "--method",
        "morris",
        "--second-order",
    ],
    "sensitivity: infinite bounds": ["sensitivity", "{base}", "--problem", "{inf_bounds}"],
    "sensitivity: share weights reversed": [
        "sensitivity",
        "{base}",
        "--problem",
        "{reversed_weights}",
    ],
    "sensitivity: unknown method": [
        "sensitivity",
        "{base}",
        "--problem",
        "{prefix}",
        "--method",
        "magic",
    ],
    "calibrate: infinite tolerance": ["calibrate", "{base}", "--targets", "{inf_tolerance}"],
    "calibrate: unknown indicator": ["calibrate", "{base}", "--targets", "{unknown_indicator}"],
    "calibrate: bounds reversed": [
        "calibrate",
        "{base}",
        "--targets",
        "{targets}",
        "--param",
        "income.growth=0.9:0.1",
    ],
    "calibrate: a text field": [
        "calibrate",
        "{base}",
        "--targets",
        "{targets}",
        "--param",
        "name=0:1",
    ],
    "calibrate: a parameter the model ignores": [
        "calibrate",
        "{base}",
        "--targets",
        "{targets}",
        "--param",
        "programs.social_security.take_up=0.1:1",
    ],
    "calibrate: a bound that is no number": [
        "calibrate",
        "{base}",
        "--targets",
        "{targets}",
        "--param",
        "income.growth=a:0.1",
    ],
    "validate: a file for --regions-dir": ["validate", "--regions-dir", "{base}"],
    # it replaced the file with the table's CSV, and counted a region named twice twice
    "validate: --out a scenario file": [
        "validate",
        "{shandan}",
        "--out",
        "{targets}",
        "--overwrite",
    ],
    "validate: a region named twice": ["validate", "{shandan}", "{shandan}"],
    "validate: a missing --regions-dir": ["validate", "--regions-dir", "{tmp}/nowhere"],
    "calibrate: bounds that do not fit in memory": [
        "calibrate",
        "{base}",
        "--targets",
        "{targets}",
        "--param",
        "population.households=10:1e13",
    ],
    "calibrate: a malformed --param": [
        "calibrate",
        "{base}",
        "--targets",
        "{targets}",
        "--param",
        "income.growth",
    ],
    "optimize: unknown objective": ["optimize", "{base}", "--objectives", "nonsense"],
    "optimize: objective in a year not simulated": [
        "optimize",
        "{base}",
        "--objectives",
        "registered_people@2030",
    ],
    "optimize: lever path that does not exist": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--levers",
        "income.grwoth=0:1",
    ],
    "optimize: lever that is not a number": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--levers",
        "name=0:1",
    ],
    "optimize: lever bounds reversed": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--levers",
        "budget.scale=2:0.5",
    ],
    "optimize: shares of an unknown program": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--levers",
        "shares=industry,magic",
    ],
    "optimize: malformed constraint": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--constraint",
        "spending_yuan<lots",
    ],
    "optimize: unknown statistic": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--statistic",
        "median",
    ],
    "optimize: robust problem with a bad input": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--robust",
        "{triang}",
    ],
    "optimize: --out a foreign directory": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--out",
        "{tmp}",
    ],
    "discover: invalid expression": [
        "discover",
        "{tmp}",
        "--where",
        "incidence_end >",
        "--out",
        "{out}",
    ],
    "discover: unknown column": [
        "discover",
        "{tmp}",
        "--where",
        "nonsense@2020 > 0",
        "--out",
        "{out}",
    ],
    "discover: unknown outcome": ["discover", "{tmp}", "--where", "nonsense > 0", "--out", "{out}"],
    "discover: code in the expression": [
        "discover",
        "{tmp}",
        "--where",
        "__import__('os').system('x') > 0",
    ],
    "discover: not a condition": [
        "discover",
        "{tmp}",
        "--where",
        "incidence_end + 1",
        "--out",
        "{out}",
    ],
    "discover: results that are not a povsim output": [
        "discover",
        "{tmp}",
        "--where",
        "incidence_end > 0.1",
    ],
    "discover: results that do not exist": [
        "discover",
        "{tmp}/nowhere",
        "--where",
        "incidence_end > 0.1",
    ],
    "discover: results of another kind": [
        "discover",
        "{calibration}",
        "--where",
        "incidence_end > 0.1",
    ],
    "sensitivity: a truncated normal with no mass within its bounds": [
        "sensitivity",
        "{base}",
        "--problem",
        "{truncnorm_outside}",
    ],
    "calibrate: a parameter twice": [
        "calibrate",
        "{base}",
        "--targets",
        "{targets}",
        "--param",
        "income.growth=0.05:0.09",
        "--param",
        "income.growth=0.04:0.08",
    ],
    "optimize: a program twice in the shares": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--levers",
        "shares=industry,industry",
    ],
    "compare: a seed beyond 64 bits": ["compare", "{base}", "{base}", "--seed", "1" + "0" * 25],
    "run: a scheduler in another process's memory": [
        *REPLICATED,
        "--executor",
        "dask",
        "--scheduler",
        "inproc://x",
    ],
    "run: a scheduler port out of range": [
        *REPLICATED,
        "--executor",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:99999",
    ],
    "validate: a directory": ["validate", "{tmp}"],
    "sweep: a grid value twice": ["sweep", "{grid_twice}", "--out", "{out}"],
    "calibrate: a target twice": ["calibrate", "{base}", "--targets", "{targets_twice}"],
    "dashboard: fronts in a file": ["dashboard", "{base}", "--fronts", "{targets}"],
    "run: workers for a serial run": [*REPLICATED, "--executor", "serial", "--workers", "2"],
    "run: workers beside a scheduler": [
        *REPLICATED,
        "--scheduler",
        "tcp://127.0.0.1:8786",
        "--workers",
        "2",
    ],
    "run: an empty scheduler address": [*REPLICATED, "--scheduler", ""],
    "discover: a number where a condition goes": [
        "discover",
        "{tmp}",
        "--where",
        "incidence_end > 0 or 1",
    ],
    "run: unknown executor": ["run", "{base}", "--executor", "thread"],
    "run: a seed beyond 64 bits": ["run", "{base}", "--seed", "99999999999999999999999"],
    "run: --set a bool as a rate": ["run", "{base}", "--set", "income.growth=true"],
    "run: --set infinity": ["run", "{base}", "--set", "income.initial_mean=inf"],
    "run: --set a trillion households": ["run", "{base}", "--set", "population.households=1e12"],
    "run: --set an unknown field": ["run", "{base}", "--set", "income.grwoth=0.1"],
    "run: --set without a value": ["run", "{base}", "--set", "income.growth"],
    "run: --out a file": ["run", "{base}", "--out", "{targets}"],
    "run: panel with replications": ["run", "{base}", "--panel", "--replications", "2"],
    "run: partitions of no counties": ["run", "{base}", "--partition", "0"],
    "run: partitions by nation": ["run", "{base}", "--partition", "nation"],
    "compare: a county-resolved scenario": ["compare", "{national}", "{base}"],
    "sensitivity: a county-resolved scenario": [
        "sensitivity",
        "{national}",
        "--problem",
        str(SCENARIOS / "problems" / "baseline_six.toml"),
    ],
    "sweep: a county-resolved base": ["sweep", "{national_design}", "--out", "{out}"],
    "optimize: a county-resolved scenario": [
        "optimize",
        "{national}",
        "--objectives",
        "registered_people_end",
        "--levers",
        "shares",
    ],
    "compare: one scenario": ["compare", "{base}"],
    "compare: --out a foreign directory": ["compare", "{base}", "{base}", "--out", "{tmp}"],
    "validate: an unknown region": ["validate", "atlantis"],
    "validate: --out an existing file": ["validate", "{shandan}", "--out", "{tmp}/keep.txt"],
    "validate: a trillion households": ["validate", "{shandan}", "--households", "1000000000000"],
    "sweep: no variants": ["sweep", "{no_variants}", "--out", "{out}"],
    "sweep: a hypercube of no inputs": ["sweep", "{lhs_no_ranges}", "--out", "{out}"],
    "sweep: a hypercube with a negative seed": ["sweep", "{lhs_negative_seed}", "--out", "{out}"],
    "sweep: a hypercube of 1e11 samples": ["sweep", "{lhs_huge}", "--out", "{out}"],
    "sensitivity: no outputs": ["sensitivity", "{base}", "--problem", "{no_outputs}"],
    "sensitivity: a share program twice": ["sensitivity", "{base}", "--problem", "{share_twice}"],
    "sensitivity: a share also an input": [
        "sensitivity",
        "{base}",
        "--problem",
        "{share_and_input}",
    ],
    "sensitivity: a trillion replications": [
        "sensitivity",
        "{base}",
        "--problem",
        "{problem_replications}",
    ],
    "sensitivity: -N of 1e11": [
        "sensitivity",
        "{base}",
        "--problem",
        str(SCENARIOS / "problems" / "baseline_six.toml"),
        "-N",
        "100000000000",
    ],
    "calibrate: a negative seed": ["calibrate", "{base}", "--targets", "{negative_fit_seed}"],
    "calibrate: bounds outside the field": [
        "calibrate",
        "{base}",
        "--targets",
        "{targets}",
        "--param",
        "income.household_sd=-5:1",
    ],
    "optimize: bounds outside the field": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--levers",
        "income.growth=-9:9",
    ],
    # the scenario's seed: every run took the experiment's, and the plan showed the values
    "sweep: a grid over the scenario's seed": ["sweep", "{grid_seed}", "--out", "{out}"],
    "sweep: a variant's own name": ["sweep", "{variant_name}", "--out", "{out}"],
    "sensitivity: the scenario's seed as an input": [
        "sensitivity",
        "{base}",
        "--problem",
        "{seed_input}",
    ],
    "optimize: the scenario's seed as a lever": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--levers",
        "seed=0:100",
    ],
    # a lever on the sample's size overrode --households while the records gave the other
    "optimize: the sample's size as a lever": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--levers",
        "population.households=100:200",
    ],
    "optimize: the sample's size as a robust input": [
        "optimize",
        "{base}",
        "--objectives",
        "incidence_end",
        "--robust",
        "{households_input}",
    ],
    "calibrate: the sample's villages as a parameter": [
        "calibrate",
        "{base}",
        "--targets",
        "{targets}",
        "--param",
        "population.villages=2:9",
    ],
    "calibrate: the scenario's seed as a parameter": [
        "calibrate",
        "{base}",
        "--targets",
        "{targets}",
        "--param",
        "seed=0:100",
    ],
    # OSError: File name too long, as a traceback from every command with --out
    "compare: --out a name too long": [
        "compare",
        "{base}",
        str(SCENARIOS / "health_first.toml"),
        "--out",
        "x" * 300,
    ],
    "validate: --out a file name too long": ["validate", "{shandan}", "--out", "x" * 300 + ".csv"],
    # OverflowError: the process pool sizes a semaphore by it
    "run: two billion workers": [*REPLICATED, "--executor", "processes", "--workers", "2147483648"],
    "discover: a condition of 10,000 terms": [
        "discover",
        "{calibration}",
        "--where",
        "incidence_end > 0" + " + 1" * 10_000,
    ],
}


@pytest.mark.parametrize("case", list(COMMANDS))
def test_a_hostile_command_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.chdir(tmp_path)  # a default output directory would land here, and be seen
    paths = _designs(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")  # --out at tmp_path: a foreign directory
    values = {name: str(path) for name, path in paths.items()}
    values |= {"base": str(BASELINE), "tmp": str(tmp_path), "out": str(tmp_path / "out")}
    values["shandan"] = str(SCENARIOS / "regions" / "shandan_targets.toml")
    values["six"] = str(SCENARIOS / "problems" / "baseline_six.toml")
    values["national"] = str(SCENARIOS / "regions" / "national_counties.toml")
    national_design = tmp_path / "national_design.toml"
    national_design.write_text(
        f'base = "{(SCENARIOS / "regions" / "national_counties.toml").as_posix()}"\n'
        'name = "n"\n[[variants]]\nname = "a"\n',
        encoding="utf-8",
    )
    values["national_design"] = str(national_design)
    calibration = tmp_path / "calibration"  # a povsim output that is not a sweep
    calibration.mkdir()
    (calibration / MARKER).write_text("calibration\n", encoding="utf-8")
    values["calibration"] = str(calibration)
    args = [arg.format(**values) for arg in COMMANDS[case]]
    if args[0] in ("sweep", "sensitivity", "calibrate", "run", "compare", "optimize"):
        args += ["--quiet"] if "--executor" in args else ["--executor", "serial", "--quiet"]
    if args[0] in ("sensitivity", "calibrate", "optimize", "discover") and "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    code, output = _invoke(tmp_path, args)
    assert code == 2, output
    assert "error" in output.lower()
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "out").exists(), "a refused command left output behind"


def test_a_directory_given_for_a_scenario_is_named_as_one(tmp_path: Path) -> None:
    """It was "file not found", for a path that exists."""
    code, output = _invoke(tmp_path, ["check", str(tmp_path)])
    assert code == 2
    assert "a directory, not a file" in output


def test_a_scenario_in_a_folder_that_may_not_be_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder without read permission raised PermissionError from Path.is_dir."""

    def denied(self: Path) -> bool:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "is_dir", denied)
    result = CliRunner().invoke(app, ["check", str(tmp_path / "locked" / "s.toml")])
    assert result.exit_code == 2
    assert "cannot be read: Permission denied" in result.output


def test_an_output_that_cannot_be_written_is_refused_before_the_work(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    scenario = str(SCENARIOS / "baseline.toml")
    result = CliRunner().invoke(app, ["run", scenario, "--out", str(afile / "sub")])
    assert result.exit_code == 2
    assert f"{afile} is a file, not a directory" in result.output


def test_an_output_where_no_file_can_be_made_is_refused_before_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only mount (or /proc) passed the permission check when run as root: the run
    went ahead and failed writing, with exit status 1."""
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    out = tmp_path / "r"
    result = CliRunner().invoke(app, ["run", str(SCENARIOS / "baseline.toml"), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"cannot write {out}: {tmp_path} takes no new files (Read-only file system)" in " ".join(
        result.output.split()
    )
    assert "wrote" not in result.output
    assert not out.exists()


def test_an_output_folder_is_as_shared_as_any_new_folder(tmp_path: Path) -> None:
    """mkdtemp made outputs private (0700)."""
    result = CliRunner().invoke(
        app, ["run", str(SCENARIOS / "baseline.toml"), "--out", str(tmp_path / "r"), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    probe = tmp_path / "probe"
    probe.mkdir()
    assert (tmp_path / "r").stat().st_mode & 0o777 == probe.stat().st_mode & 0o777


def test_replacing_an_output_in_a_folder_that_may_not_be_written_is_refused_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a new target's folder was checked: --overwrite of an existing output failed
    after the simulation, when its replacement was staged beside it."""
    import os

    out = tmp_path / "r"
    scenario = str(SCENARIOS / "baseline.toml")
    args = ["run", scenario, "--out", str(out), "--quiet", "--set", "population.households=300"]
    assert CliRunner().invoke(app, args).exit_code == 0
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != tmp_path and real(p, mode))
    result = CliRunner().invoke(app, [*args, "--overwrite"])
    assert result.exit_code == 2
    assert f"no permission to write in {tmp_path}" in result.output


def test_a_name_with_dollar_signs_is_drawn_as_written(tmp_path: Path) -> None:
    """Matplotlib read "$x^^$" as mathtext, and the run's figures ended in a traceback."""
    scenario = tmp_path / "dollars.toml"
    scenario.write_text(
        HEADER + 'name = "$x^^$"\n[population]\nhouseholds = 300\nvillages = 6\n'
        "represents = 300\nrepresents_villages = 6\n"
        '[programs."$y^^$"]\nkind = "industry"\nshare = 0.05\n'  # in the legends too
        "[programs.industry]\nshare = 0.20\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "o"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "figures" / "poverty_headcount.png").stat().st_size > 0


def test_arguments_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 reached a figure's title or a file name as lone surrogates."""
    for args in (
        [b"run", str(BASELINE).encode(), b"--set", b"name=a\xffb"],
        [b"run", str(BASELINE).encode(), b"--out", str(tmp_path).encode() + b"/o\xff"],
    ):
        done = subprocess.run(
            [sys.executable.encode(), b"-m", b"povsim", *args],
            capture_output=True,
            cwd=tmp_path,
            timeout=60,
        )
        assert done.returncode == 2
        assert done.stderr.decode().strip().splitlines() == [
            f"error: argument '{args[-1].decode('utf-8', 'backslashreplace')}' is not valid UTF-8"
        ]
        assert not list(tmp_path.iterdir())


def test_a_byte_order_mark_is_no_error(tmp_path: Path) -> None:
    scenario = tmp_path / "bom.toml"
    scenario.write_bytes(b"\xef\xbb\xbf" + HEADER.encode())
    result = runner.invoke(app, ["check", str(scenario)])
    assert result.exit_code == 0, result.output


def test_a_device_is_no_scenario_file(tmp_path: Path) -> None:
    """It was "file not found", for a path that exists."""
    code, output = _invoke(tmp_path, ["check", "/dev/null"])
    assert code == 2
    assert "/dev/null: not a regular file" in output


def test_a_symbolic_link_to_no_file_says_why(tmp_path: Path) -> None:
    """A link that loops ended in a traceback from Path.resolve; one to nothing was "file not
    found", for a name that is there."""
    (tmp_path / "loop.toml").symlink_to("loop.toml")
    (tmp_path / "gone.toml").symlink_to("nothing.toml")
    (tmp_path / "child.toml").write_text('extends = "loop.toml"\n', encoding="utf-8")
    for name, said in (
        ("loop.toml", "loop.toml: a symbolic link that loops back on itself, to no file"),
        ("gone.toml", "gone.toml: a symbolic link to a file that does not exist: nothing.toml"),
        ("child.toml", "child.toml: extends: extends "),
    ):
        code, output = _invoke(tmp_path, ["check", str(tmp_path / name)])
        assert code == 2
        assert said in " ".join(output.split()), output
    assert "loops back on itself" in " ".join(output.split())


def test_a_path_with_a_nul_byte_is_named_as_such(tmp_path: Path) -> None:
    """A targets file's scenario ended in a ValueError traceback ("embedded null byte"), a
    provinces table was "geography: embedded null byte", and an extends or a base "not
    found", the byte unseen."""
    nul = "\\u0000"  # as TOML writes it
    national = (SCENARIOS / "regions" / "national_counties.toml").as_posix()
    files = {
        "child.toml": f'extends = "{BASELINE.as_posix()}{nul}"\n',
        "design.toml": f'base = "{BASELINE.as_posix()}{nul}"\n[grid]\n"income.growth" = [0.1]\n',
        "targets.toml": f'region = "r"\nscenario = "{BASELINE.as_posix()}{nul}"\n'
        '[[targets]]\nindicator = "incidence"\nyear = 2016\nvalue = 0.1\n'
        'relative_tolerance = 0.1\nsource = "s"\n',
        "national.toml": f'extends = "{national}"\n[geography]\n'
        f'provinces_table = "provinces.csv{nul}"\n',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for name, field in (
        ("child.toml", "extends"),
        ("design.toml", "base"),
        ("targets.toml", "scenario"),
        ("national.toml", "geography.provinces_table"),
    ):
        code, output = _invoke(tmp_path, ["check", str(tmp_path / name)])
        assert code == 2, output
        assert f"{name}: {field}: a path cannot hold a NUL byte" in output, output


def test_messages_quote_what_the_file_says(tmp_path: Path) -> None:
    """A hypercube's range was reported by a sample drawn inside it (4.0445...), a region's
    key as "the year", and a kind changed over an inherited table as a misspelling."""
    design = tmp_path / "lhs.toml"
    design.write_text(
        f"base = {json.dumps(str(BASELINE))}\n[lhs]\nsamples = 3\n[lhs.ranges]\n"
        '"shocks.illness.annual_probability" = [0.5, 5.0]\n',
        encoding="utf-8",
    )
    code, output = _invoke(tmp_path, ["sweep", str(design), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "the range [0.5, 5] leaves the field" in output
    assert "not 5.0" in output
    national = SCENARIOS / "regions" / "national_counties.toml"
    region = tmp_path / "mars.toml"
    region.write_text(
        f"extends = {json.dumps(str(national))}\n"
        "[geography.allocation.fiscal_capacity]\nmars = 1.0\n",
        encoding="utf-8",
    )
    code, output = _invoke(tmp_path, ["check", str(region)])
    assert code == 2
    assert "fiscal_capacity.mars: the key:" in output
    swap = tmp_path / "swap.toml"
    swap.write_text(HEADER + '[programs.education]\nkind = "industry"\n', encoding="utf-8")
    code, output = _invoke(tmp_path, ["check", str(swap)])
    assert code == 2
    assert "did you mean" not in output
    assert f"for a program of kind 'industry' (programs.education.kind, set in {swap})" in (
        " ".join(output.split())
    )


def test_an_empty_out_is_refused(tmp_path: Path) -> None:
    """`--out ""` (an unset shell variable) wrote into the current directory."""
    for args in (["--out", ""], ["--out="]):
        done = subprocess.run(
            [sys.executable, "-m", "povsim", "run", str(BASELINE), *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )
        assert done.returncode == 2
        assert done.stderr.startswith("error: --out: empty")
        assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["run", ""], "scenario: empty; give a scenario TOML file"),
        (["check", str(BASELINE), ""], "files: empty; give a scenario, sweep design"),
        (["compare", str(BASELINE), ""], "scenarios: empty; give a scenario TOML file"),
        (["sweep", "", "--out", "o"], "design: empty; give a sweep design TOML file"),
        (["sensitivity", "--problem", "", "--out", "o"], "--problem: empty; give a sensitivity"),
        (["sensitivity", "--problem", "p.toml", "", "--out", "o"], "scenario: empty; give a"),
        (["validate", ""], "regions: empty; give a region (e.g. national) or a targets file"),
        (["validate", "--regions-dir", ""], "--regions-dir: empty; give a folder"),
        (["calibrate", "", "--targets", "t", "--out", "o"], "scenario: empty; give a scenario"),
        (["calibrate", "s", "--targets", "", "--out", "o"], "--targets: empty; give a targets"),
        (["optimize", "", "--out", "o", "--objectives", "x"], "scenario: empty; give a scenario"),
        (["discover", "", "--where", "x > 1", "--out", "o"], "results: empty; give a sweep or"),
        (["dashboard", ""], "scenario: empty; give a scenario TOML file"),
        (["dashboard", "--fronts", ""], "--fronts: empty; give a folder"),
    ],
)
def test_an_empty_argument_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    """`povsim run ""` (an unset shell variable) said "`.`: a directory, not a file", and
    `validate ""` ": a directory": Path("") is the current directory. Refused by name, as an
    empty --out is."""
    monkeypatch.chdir(tmp_path)
    code, output = _invoke(tmp_path, args)
    assert code == 2, output
    assert len(output.strip().splitlines()) == 1, output
    assert output.startswith(f"error: {said}"), output


def test_text_in_a_year_table_or_a_list_names_its_entry(tmp_path: Path) -> None:
    """A quoted number or a boolean in a dated series or a list was reported at the whole
    field ("poverty_line: text where a number is expected"), though NaN in the same place
    named its year (poverty_line.2015)."""
    cases = {
        '[poverty_line]\n2016 = "2952"\n': "poverty_line.2016: text where a number is expected",
        "[poverty_line]\n2015 = true\n": "poverty_line.2015: true or false where a number",
        '[income]\nwage_by_education = [1.0, "1.2", 1.5, 2.0]\n': (
            "income.wage_by_education.1: text where a number is expected"
        ),
        '[programs.industry]\nbudget = {2014 = 1, 2015 = "fast"}\n': (
            'programs.industry.budget.2015: a number is expected, not "fast"'
        ),
    }
    scenario = tmp_path / "s.toml"
    for text, wanted in cases.items():
        scenario.write_text(HEADER + text, encoding="utf-8")
        code, output = _invoke(tmp_path, ["check", str(scenario)])
        assert code == 2
        assert f"{scenario}: {wanted}" in " ".join(output.split())
    code, output = _invoke(tmp_path, ["check", str(BASELINE), "--set", "budget.total.2016=abc"])
    assert code == 2
    assert 'error: --set budget.total.2016: a number is expected, not "abc"' in output


def test_a_percentage_where_a_fraction_goes_is_answered_with_the_fraction(tmp_path: Path) -> None:
    """`share = 15` was told only "Input should be less than or equal to 1, not 15"."""
    code, output = _invoke(
        tmp_path,
        [
            "check",
            str(BASELINE),
            "--set",
            "programs.industry.share=15",
            "--set",
            "exit.income_margin=20",
            "--set",
            "registration.coverage=900",
        ],
    )
    assert code == 2
    assert "programs.industry.share: Input should be less than or equal to 1, not 15 " in output
    assert "(15% is written 0.15)" in output
    assert "exit.income_margin: Input should be less than or equal to 2, not 20 (20% is" in output
    assert "not 900\n" in output  # no percentage is over 100
    code, output = _invoke(
        tmp_path, ["check", str(BASELINE), "--set", "programs.industry.share=1.5"]
    )
    assert code == 2
    assert "not 1.5\n" in output  # 150% or 1.5%: no guess


def test_shares_over_the_budget_are_listed(tmp_path: Path) -> None:
    """With extends the shares come from several files: the total alone did not say which."""
    code, output = _invoke(
        tmp_path, ["check", str(BASELINE), "--set", "programs.industry.share=0.5"]
    )
    assert code == 2
    assert "add up to 1.25, more than 1 (industry 0.5 + employment 0.12 + " in " ".join(
        output.split()
    )


def test_an_output_directory_given_for_a_scenario_says_where_its_scenario_is(
    tmp_path: Path,
) -> None:
    (tmp_path / "manifest.json").write_text("{}")
    code, output = _invoke(tmp_path, ["run", str(tmp_path)])
    assert code == 2
    assert "a povsim output folder, not a scenario" in " ".join(output.split())
    # compare takes run folders too, but not beside scenario files
    code, output = _invoke(tmp_path, ["compare", str(tmp_path), str(BASELINE)])
    assert code == 2
    assert "compare takes scenario files or run folders, not both" in " ".join(output.split())


def test_a_relative_extends_says_what_it_is_relative_to(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "scenarios/baseline.toml"\n')
    code, output = _invoke(tmp_path, ["check", str(mine)])
    assert code == 2
    assert "read from the folder of the file that names it" in " ".join(output.split())


def _povsim(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m povsim ARGS`` in ``directory``, as a shell runs it: main()'s own handling
    of what the command line parser refuses."""
    return subprocess.run(
        [sys.executable, "-m", "povsim", *args],
        capture_output=True,
        text=True,
        cwd=directory,
        timeout=60,
        check=False,
    )


def test_a_set_with_a_space_for_its_equals_sign_says_how_it_is_written(tmp_path: Path) -> None:
    done = _povsim(tmp_path, "run", str(BASELINE), "--set", "exit.income_margin", "0.1")
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert "(--set takes path=value in one word: --set exit.income_margin=0.1)" in message


def test_an_option_a_command_takes_from_its_file_says_where_it_goes(tmp_path: Path) -> None:
    """`povsim sensitivity --replications 2` said only "No such option", where run,
    compare and sweep take it."""
    done = _povsim(tmp_path, "sensitivity", "--replications", "2")
    assert done.returncode == 2
    assert (
        "No such option: --replications; an analysis takes its replications from its problem "
        "file (replications = N)"
    ) in " ".join(done.stderr.split())


def test_povsim_s_own_option_after_the_command_says_where_it_goes(tmp_path: Path) -> None:
    done = _povsim(tmp_path, "check", str(BASELINE), "--trust-imports")
    assert done.returncode == 2
    assert (
        "No such option: --trust-imports; --trust-imports is povsim's own option, before the "
        "command: povsim --trust-imports check ..."
    ) in " ".join(done.stderr.split())


def test_a_target_no_run_can_meet_names_its_field(tmp_path: Path) -> None:
    """An incidence target of 2 (2%) with a relative tolerance of 20 (20%) passed validation;
    a misspelt indicator was named at the target, not its field, with no suggestion."""
    targets = tmp_path / "t.toml"
    head = f'region = "x"\nscenario = {json.dumps(str(BASELINE))}\n[[targets]]\nyear = 2018\n'
    cases = {
        'indicator = "incidence"\nvalue = 2\nrelative_tolerance = 0.2\n': (
            "targets.0.value (the 1st in targets): incidence is a share of at most 1, not 2: "
            "2% is written 0.02"
        ),
        'indicator = "incidence"\nvalue = 0.02\nrelative_tolerance = 20\n': (
            "targets.0.relative_tolerance (the 1st in targets): Input should be less than or "
            "equal to 1, not 20 (20% is written 0.2)"
        ),
        'indicator = "registered_households"\nvalue = -5\nabsolute_tolerance = 1\n': (
            "targets.0.value (the 1st in targets): registered_households (households) is never "
            "below 0, not -5"
        ),
        'indicator = "incidense"\nvalue = 0.02\nrelative_tolerance = 0.2\n': (
            "targets.0.indicator (the 1st in targets): 'incidense' is not an indicator column "
            "(did you mean incidence?)"
        ),
    }
    for text, wanted in cases.items():
        targets.write_text(head + text + 'source = "s"\n', encoding="utf-8")
        code, output = _invoke(tmp_path, ["check", str(targets)])
        assert code == 2, output
        assert f"{targets}: {wanted}" in " ".join(output.split())


def test_a_file_that_cannot_be_read_says_where_and_why(tmp_path: Path) -> None:
    """A file saved in GBK said "'utf-8' codec can't decode byte 0xe9 in position 17";
    `extends = ""` said "extends a directory"; a table declared twice showed a Python tuple."""
    scenario = tmp_path / "s.toml"
    cases = {
        b'name = "a"\ndescription = "caf\xe9"\n': (
            f"{scenario}: not UTF-8 text: byte 0xe9 at line 2, column 19 (save the file as UTF-8)"
        ),
        b'\xef\xbb\xbfname = "a"\ndescription = "caf\xe9"\n': "byte 0xe9 at line 2, column 19",
        b'extends = ""\n': f"{scenario}: extends: an empty path: name the file to extend",
        b"[income]\ngrowth = 0.05\n[income]\ngrowth = 0.06\n": "Cannot declare income twice",
    }
    for data, wanted in cases.items():
        scenario.write_bytes(data)
        code, output = _invoke(tmp_path, ["check", str(scenario)])
        assert code == 2
        assert wanted in " ".join(output.split())
    provinces = tmp_path / "provinces.csv"
    provinces.write_bytes(b"province,region\n" + "甘肃,west\n".encode("gbk"))
    national = SCENARIOS / "regions" / "national_counties.toml"
    scenario.write_text(
        f'extends = {json.dumps(str(national))}\n[geography]\nprovinces_table = "provinces.csv"\n',
        encoding="utf-8",
    )
    code, output = _invoke(tmp_path, ["check", str(scenario)])
    assert code == 2
    assert "provinces.csv: not UTF-8 text: byte 0xb8 at line 2, column 1" in output


def test_a_design_without_points_is_checked_as_a_design(tmp_path: Path) -> None:
    """Read as a scenario, it was "base: unknown field" and "replications: unknown field"."""
    design = tmp_path / "design.toml"
    design.write_text(f"base = {json.dumps(str(BASELINE))}\nreplications = 2\n", "utf-8")
    code, output = _invoke(tmp_path, ["check", str(design)])
    assert code == 2
    assert "give exactly one of variants, grid or lhs (got none)" in output
    assert "unknown field" not in output


def test_replacing_an_output_never_deletes_a_file_povsim_did_not_write(tmp_path: Path) -> None:
    """--overwrite replaced the whole directory, notes the user had put in it included,
    though povsim promises never to replace what is not its own."""
    out = tmp_path / "r"
    args = [
        "run",
        str(BASELINE),
        "--out",
        str(out),
        "--quiet",
        "--set",
        "population.households=200",
    ]
    assert runner.invoke(app, args).exit_code == 0
    (out / "figures" / "my_notes.txt").write_text("mine", encoding="utf-8")
    code, output = _invoke(tmp_path, [*args, "--overwrite"])
    assert code == 2, output
    assert "figures/my_notes.txt, which povsim did not write" in " ".join(output.split())
    assert (out / "figures" / "my_notes.txt").read_text(encoding="utf-8") == "mine"
    (out / "figures" / "my_notes.txt").unlink()
    assert runner.invoke(app, [*args, "--overwrite"]).exit_code == 0


def test_a_sweeps_own_nested_records_are_povsims(tmp_path: Path) -> None:
    """A sensitivity output holds a sweep's runs/ with its own manifest and marker, which
    the outer manifest does not list: replacing it is no loss."""
    from povsim.runs.store import check_target

    out = tmp_path / "s"
    (out / "runs").mkdir(parents=True)
    (out / "runs" / "a.parquet").write_text("x")
    (out / "runs" / MARKER).write_text("sweep\n")
    (out / "runs" / "manifest.json").write_text('{"povsim_output": "sweep"}')
    manifest = {"povsim_output": "sensitivity", "files": ["runs/a.parquet"]}
    (out / "manifest.json").write_text(json.dumps(manifest))
    check_target(out, "sensitivity", overwrite=True)


def test_a_foreign_manifest_is_named_as_such(tmp_path: Path) -> None:
    """A folder with another tool's manifest.json was said to have none."""
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "manifest.json").write_text('{"name": "my-app"}')
    code, output = _invoke(tmp_path, ["run", str(BASELINE), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "its manifest.json is not povsim's" in " ".join(output.split())


def test_output_that_cannot_be_written_to_the_terminal_is_one_line(tmp_path: Path) -> None:
    """povsim fields > /dev/full ended in a traceback (OSError: No space left on device)."""
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("no /dev/full here")
    with full.open("w") as sink:
        done = subprocess.run(
            [sys.executable, "-m", "povsim", "fields"],
            stdout=sink,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert done.stderr.strip() == "error: cannot write the output: No space left on device"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"overrides": [5]}, "overrides: 'dotted.path=value' strings, not int"),
        ({"scheduler": 5}, "scheduler: an address such as tcp://HOST:PORT, not int 5"),
        ({"workers": 2**31}, "workers: from 1 to 1024, not 2147483648"),
    ],
)
def test_the_python_api_names_a_bad_argument(call: dict[str, object], message: str) -> None:
    """They raised AttributeError, distributed's TypeError or an OverflowError."""
    import povsim

    with pytest.raises((TypeError, ValueError), match=message):
        povsim.compare([BASELINE, BASELINE], replications=2, **call)


def test_the_python_api_refuses_what_the_command_line_refuses() -> None:
    """compare(replications=1) ran, though its paired differences need two."""
    import povsim

    with pytest.raises(ValueError, match="replications: from 2"):
        povsim.compare([BASELINE, BASELINE], replications=1)
    with pytest.raises(TypeError, match="path: a TOML file's path, not NoneType"):
        povsim.load_scenario(None)  # type: ignore[arg-type]


def test_an_empty_path_in_python_is_refused_as_the_command_line_refuses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """povsim.run(out="") wrote its run into the working directory (Path("") is "."), where
    --out "" is refused; an empty scenario was "'.': a directory"."""
    import povsim

    monkeypatch.chdir(tmp_path)
    small = ["population.households=200", "population.villages=4"]
    with pytest.raises(ValueError, match=r"^out: empty; give a path \('\.' is this directory\)"):
        povsim.run(BASELINE, out="", overrides=small)
    with pytest.raises(ValueError, match=r"^scenario: empty; give a TOML file's path"):
        povsim.run("")
    with pytest.raises(ValueError, match=r"^path: empty"):
        load_scenario("")
    with pytest.raises(ValueError, match=r"^results: empty"):
        povsim.discover("", where="incidence_end > 0")
    assert list(tmp_path.iterdir()) == []


def test_a_lock_takes_away_the_folders_it_made_and_names_a_parent_that_takes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A calibration refused for an inert parameter left nest/a behind, made for its lock
    alone; a parent that took no lock file said "rerun to continue", which never would."""
    from povsim.runs import store

    with store.locked(tmp_path / "nest" / "a" / "b"):
        assert (tmp_path / "nest" / "a").is_dir()
    assert not (tmp_path / "nest").exists()
    kept = tmp_path / "kept"
    with store.locked(kept / "out"):
        (kept / "mine.txt").write_text("mine", encoding="utf-8")
    assert (kept / "mine.txt").is_file()  # a folder that came to hold anything stays

    real_open = os.open

    def refused(path, flags, *args):  # type: ignore[no-untyped-def]
        if str(path).endswith(".lock"):
            raise PermissionError(1, "Operation not permitted")
        return real_open(path, flags, *args)

    monkeypatch.setattr(store.os, "open", refused)
    refusal = r"takes no lock file beside it \(Operation not"
    with pytest.raises(store.OutputError, match=refusal), store.locked(tmp_path / "out"):
        pass


def test_a_folder_that_is_not_povsims_is_refused_untouched(tmp_path: Path) -> None:
    """`run --out` a folder of the user's own said "it is left untouched", having made and
    removed a probe file in it and beside it: both folders' times had changed."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    for folder in (mine, tmp_path):
        os.utime(folder, (1_500_000_000, 1_500_000_000))
    result = runner.invoke(app, ["run", str(BASELINE), "--out", str(mine), "--quiet"])
    assert result.exit_code == 2, result.output
    assert "is not a povsim output" in result.output
    assert mine.stat().st_mtime == tmp_path.stat().st_mtime == 1_500_000_000


def test_an_output_a_killed_writer_set_aside_is_put_back_or_named(tmp_path: Path) -> None:
    """`calibrate --overwrite` killed (SIGKILL) left the earlier fit hidden in
    .fit.replaced-PID for good: the next calibrate began a fit anew beside it."""
    from povsim.runs import store

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out, aside = tmp_path / "fit", tmp_path / f".fit.replaced-{dead.pid}"

    def earlier() -> None:
        aside.mkdir()
        (aside / MARKER).write_text("calibration\n", encoding="utf-8")
        (aside / "history.parquet").write_text("earlier", encoding="utf-8")

    def rerun() -> None:
        history = out / "history.parquet"
        with store.replacing(out, "calibration", overwrite=False, kept=history.is_file):
            pass

    earlier()
    out.mkdir()  # the killed fit had begun, and kept no point
    (out / MARKER).write_text("calibration\n", encoding="utf-8")
    rerun()
    assert (out / "history.parquet").read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit"]
    # It had kept a point: its fit replaces the earlier one, as a finished fit would.
    earlier()
    (out / "history.parquet").write_text("later", encoding="utf-8")
    rerun()
    assert (out / "history.parquet").read_text(encoding="utf-8") == "later"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit"]
    # Files of the user's own there since: nothing moves, and the earlier fit is named.
    earlier()
    (out / "history.parquet").unlink()
    (out / MARKER).unlink()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(store.OutputError, match=rf"fit holds other files.* is in .*{aside.name}"):
        rerun()
    assert (aside / "history.parquet").is_file()
    assert (out / "notes.txt").is_file()
    # The user's file beside the killed fit's marker: it had been deleted with the folder.
    (out / MARKER).write_text("calibration\n", encoding="utf-8")
    with pytest.raises(store.OutputError, match=rf"fit holds other files.* is in .*{aside.name}"):
        rerun()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (aside / "history.parquet").is_file()
    # A folder of the user's own where the fit was: its refusal says where the fit went.
    (out / MARKER).unlink()
    with pytest.raises(store.OutputError, match=rf"not a povsim output.* is in .*{aside.name}"):
        store.check_target(out, "calibration", overwrite=True)


def _dead_pid() -> int:
    """The pid of a process that has ended."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    return dead.pid


def _set_aside(aside: Path, kind: str = "calibration", history: str = "earlier") -> None:
    aside.mkdir()
    (aside / MARKER).write_text(f"{kind}\n", encoding="utf-8")
    (aside / "history.parquet").write_text(history, encoding="utf-8")


def test_what_is_left_beside_an_output_is_matched_by_its_exact_name(tmp_path: Path) -> None:
    """`run[1]` was read as a glob: its next writer moved `.run1.replaced-PID`, another
    output's set-aside folder, into it, and removed `.run1.tmp-*`, another writer's work;
    `a` took `.a.replaced-1.replaced-PID` (output `a.replaced-1`'s) for its own."""
    from povsim.runs import store

    dead = _dead_pid()
    others = [f".run1.replaced-{dead}", f".a.replaced-1.replaced-{dead}"]
    for name in others:
        _set_aside(tmp_path / name)
    (tmp_path / ".run1.tmp-abc_123").mkdir()
    for target in (tmp_path / "run[1]", tmp_path / "a"):
        with (
            store.locked(target),
            store.replacing(target, "calibration", overwrite=False, kept=lambda: False),
        ):
            pass
        assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*others, ".run1.tmp-abc_123"])


def test_two_writers_settling_one_set_aside_output_keep_it(tmp_path: Path) -> None:
    """Two writers settled an output a killed one had set aside at once: the later, trusting
    what it had seen before the earlier put the output back, deleted it."""
    from povsim.runs import store

    out, aside = tmp_path / "fit", tmp_path / f".fit.replaced-{_dead_pid()}"
    _set_aside(aside)
    out.mkdir()  # the killed fit had begun, and kept no point
    (out / MARKER).write_text("calibration\n", encoding="utf-8")
    history = out / "history.parquet"

    def kept_as_another_settles_it() -> bool:
        found = history.is_file()
        store._restore_replaced(out, "calibration", history.is_file)  # the other, meanwhile
        return found

    store._restore_replaced(out, "calibration", kept_as_another_settles_it)
    assert history.read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit"]


def test_an_output_set_aside_that_cannot_go_back_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the killed writer had begun could not be removed (a file it cannot delete): the
    OSError came out as a traceback."""
    from povsim.runs import store

    out, aside = tmp_path / "fit", tmp_path / f".fit.replaced-{_dead_pid()}"
    _set_aside(aside)
    out.mkdir()
    (out / MARKER).write_text("calibration\n", encoding="utf-8")

    def refused(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store.shutil, "rmtree", refused)
    refusal = rf"put back the povsim calibration in .*{aside.name}, .*fit cannot be removed \(Perm"
    with pytest.raises(store.OutputError, match=refusal):
        store._restore_replaced(out, "calibration", lambda: False)
    assert (aside / "history.parquet").is_file()


@pytest.fixture
def unrelated() -> Iterator[subprocess.Popen[str]]:
    """A live process that is not povsim, as one given a stopped povsim's pid after a reboot."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE, text=True
    )
    yield process
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=30)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="start times come from /proc")
def test_a_pid_used_again_since_holds_no_output(
    tmp_path: Path, unrelated: subprocess.Popen[str]
) -> None:
    """After a reboot another process had a killed povsim's pid: its lock refused every
    writer ("being written by another povsim"), and the output it had set aside stayed
    hidden, skipped without a word."""
    from povsim.runs import store

    out = tmp_path / "fit"
    lock = tmp_path / ".fit.lock"
    lock.write_text(f"{unrelated.pid}\n", encoding="utf-8")
    os.utime(lock, (1_500_000_000, 1_500_000_000))  # written long before it started
    aside = tmp_path / f".fit.replaced-{unrelated.pid}"
    _set_aside(aside)
    with (
        store.locked(out),
        store.replacing(out, "calibration", overwrite=False, kept=lambda: False),
    ):
        assert (out / "history.parquet").read_text(encoding="utf-8") == "earlier"
    # Where it cannot go back, the error names it and says the pid is another's now.
    _set_aside(aside)
    (out / MARKER).unlink()
    (out / "history.parquet").unlink()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with (
        pytest.raises(store.OutputError, match=rf"is in .*{aside.name}, .*another process's"),
        store.locked(out),
        store.replacing(out, "calibration", overwrite=False, kept=lambda: False),
    ):
        pass
    # A lock written as it runs is its own: refused.
    lock.write_text(f"{unrelated.pid}\n", encoding="utf-8")
    busy = rf"another povsim \(pid {unrelated.pid}\)"
    with pytest.raises(store.OutputError, match=busy), store.locked(out):
        pass


def test_a_folder_that_keeps_every_file_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An append-only folder (chattr +a) took the probe and kept it: the refusal said only
    "Operation not permitted", and the probe refused every later --overwrite as foreign."""
    from povsim.runs import store

    def kept(path):  # type: ignore[no-untyped-def]
        raise PermissionError(1, "Operation not permitted")

    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(store.os, "unlink", kept)
    with pytest.raises(store.OutputError, match=r"out: it lets no file be removed \(Operation"):
        store._check_folder_writable(out)


def test_an_output_replaced_from_inside_it_by_a_relative_path_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run --out ../x --overwrite` from inside x said "wrote ../x", but x was gone and a
    stale .x.lock stayed: the relative path followed the working folder as x moved aside."""
    small = ["--set", "population.households=150", "--quiet"]
    first = runner.invoke(app, ["run", str(BASELINE), "--out", str(tmp_path / "x"), *small])
    assert first.exit_code == 0, first.output
    monkeypatch.chdir(tmp_path / "x")
    again = runner.invoke(app, ["run", str(BASELINE), "--out", "../x", "--overwrite", *small])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "x" / "indicators.parquet").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]  # no lock, no .x.old-*


def test_an_output_on_a_read_only_file_system_is_refused_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only mount was reported as "no permission to write", which sends a user to
    chmod, not to another disk."""
    import os

    out = tmp_path / "r"
    real_access, real_statvfs = os.access, os.statvfs

    class ReadOnly:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != tmp_path and real_access(p, mode))
    monkeypatch.setattr(
        os, "statvfs", lambda p: ReadOnly() if Path(p) == tmp_path else real_statvfs(p)
    )
    scenario = str(SCENARIOS / "baseline.toml")
    result = CliRunner().invoke(app, ["run", scenario, "--out", str(out), "--quiet"])
    assert result.exit_code == 2
    assert f"cannot write {out}: {tmp_path} is on a read-only file system" in result.output
    assert not out.exists()
