"""The ``geography`` section: provinces, their counties, county exit and the money's path.

A scenario without it is one county, as before. With it, a run is national and
county-resolved: :mod:`povsim.runs.counties` draws each province's poor and non-poor
counties and runs each as an ordinary county scenario. Provinces are listed in the
scenario or read from a CSV table (``provinces_table``, a path relative to the file
that names it; ``scenarios/data/provinces.csv`` is shipped). The table is read with
the standard library: checking a scenario never loads pandas.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from povsim.config.errors import NUL_IN_PATH, did_you_mean, not_utf8
from povsim.config.fields import Probability, Section, Year, repeated, setting

__all__ = [
    "FIGURES",
    "OPTIONAL_FIGURES",
    "REGIONS",
    "SET_PER_COUNTY",
    "AllocationConfig",
    "DeepAreaConfig",
    "GeographyConfig",
    "ProvinceConfig",
]

SET_PER_COUNTY = {
    "exit.county_threshold": "geography.exit_threshold_west and exit_threshold_other",
    "exit.plan_county_deadline": "geography.exit_pace (its exit schedule)",
    "exit.plan_county_target": "geography.exit_pace (its exit schedule)",
    "exit.plan_county_incidence": "geography.exit_incidence",
    "villages.west_share": "its province's region",
    "villages.remoteness_alpha": "geography.remoteness_poor and remoteness_other",
    "villages.remoteness_beta": "geography.remoteness_poor and remoteness_other",
    "monitoring.deep_area": "geography.deep_poverty_provinces and geography.deep_areas",
    "villages.designation_incidence": "its province's NBS incidence of 2014 (poor_2014 over "
    "survey_population)",
    "villages.designation_quota": "geography.poor_villages (its share of its province's count)",
}
"""Fields a county-resolved run sets for each county (``runs.counties.county_scenario``),
and what sets them: a national value would be overwritten, so an override is refused."""

REGIONS = ("east", "centre", "west")
"""NBS's three regions, as its poverty monitoring reports them."""

MAX_PROVINCE_COUNTIES = 500
"""More county-level units than any province has (Sichuan, the most, has 183)."""

FIGURES = ("rural_population", "poor_counties", "poor_2014", "rural_income")
"""A province's figures; a table gives each one's source in ``source_FIGURE``."""
NUMBER = re.compile(r"[-+]?\d[\d,_]*(\.\d*)?([eE][-+]?\d+)?")
"""A cell that reads as a number (shown bare in a message; anything else is quoted)."""
OPTIONAL_FIGURES = ("survey_population", "poor_villages")
"""Figures a table may leave out (the column, or a row's cell); one given needs its source."""


class ProvinceConfig(Section):
    """One province and its published figures."""

    name: str = Field(min_length=1, max_length=64, description="province name")
    region: Literal["east", "centre", "west"] = Field(description="NBS region")
    rural_population: int = setting(
        1,
        "resident rural population: sizes the province's counties, and shares the nation's "
        "people where survey_population is unset",
        "people",
        ge=1,
        le=2_000_000_000,
    )
    poor_counties: int = setting(
        0, "designated poor counties (832 in all)", "counties", ge=0, le=MAX_PROVINCE_COUNTIES
    )
    poor_2014: int = setting(
        0, "NBS rural poor at the end of 2014", "people", ge=0, le=2_000_000_000
    )
    rural_income: float = setting(
        10_489.0, "rural per-capita disposable income in 2014", "yuan/person/year", gt=0.0
    )
    survey_population: int | None = setting(
        None,
        "the rural people NBS's poverty monitoring counts its incidence over: the rural hukou "
        "population (乡村户籍人口), about 1.6 times the resident one nationally and less where "
        "few leave to work elsewhere; it shares the nation's people among the provinces, and "
        "poor_2014 over it is the province's incidence (unset: rural_population)",
        "people",
        ge=1,
        le=2_000_000_000,
    )
    poor_villages: int | None = setting(
        None,
        "the province's poor villages (建档立卡贫困村), its share of the nation's quota where "
        "geography.poor_villages is set (unset: a share of what the listed provinces leave, "
        "by poor_2014)",
        "villages",
        ge=0,
        le=1_000_000,
    )
    sources: dict[str, str] = Field(
        default_factory=dict, description="where each figure comes from, by figure name"
    )

    @property
    def people(self) -> int:
        """The province's rural people on NBS's poverty-monitoring base."""
        return self.rural_population if self.survey_population is None else self.survey_population

    @property
    def incidence(self) -> float:
        """NBS's rural poverty incidence of 2014: its poor over the people it counts."""
        return self.poor_2014 / self.people

    @model_validator(mode="after")
    def _consistent(self) -> ProvinceConfig:
        for figure in ("rural_population", "survey_population"):
            people = getattr(self, figure)
            if people is not None and self.poor_2014 > people:
                raise ValueError(
                    f"{self.name}: poor_2014 ({self.poor_2014:,}) exceeds {figure} ({people:,})"
                )
        return self


class DeepAreaConfig(Section):
    """A deep-poverty area (三区三州) inside a province: some of its poor counties, poorer
    than the rest of the province by a published ratio."""

    name: str = Field(min_length=1, max_length=120, description="the area")
    province: str = Field(min_length=1, max_length=64, description="its province")
    poor_counties: int = Field(
        ge=1, le=MAX_PROVINCE_COUNTIES, description="the province's poor counties that lie in it"
    )
    incidence: float = Field(
        gt=0.0, le=1.0, description="its rural poverty incidence in a year of registration"
    )
    province_incidence: float = Field(
        gt=0.0, le=1.0, description="the province's, the same year and on the same count"
    )
    source: str = Field(min_length=1, description="where the two incidences come from")

    @property
    def ratio(self) -> float:
        """How many times as poor as its province the area was."""
        return self.incidence / self.province_incidence

    @model_validator(mode="after")
    def _deeper(self) -> DeepAreaConfig:
        if self.incidence < self.province_incidence:
            raise ValueError(
                f"{self.name}: incidence ({self.incidence:g}) is under its province's "
                f"({self.province_incidence:g}): a deep-poverty area is poorer"
            )
        return self


class AllocationConfig(Section):
    """How the money (``budget.total`` and every program's own budget) reaches counties.

    A share ``central_share`` is central money, split first among provinces and then
    within each province among its counties by the factor formula: a weighted sum of
    each unit's share of the poor, of incidence, of inverse income and of inverse fiscal
    capacity. The rest is local money, which each county raises for its own poor in
    proportion to its province's fiscal capacity.
    """

    central_share: Probability = setting(
        0.7, "share of the money that is central and allocated by the formula", "share"
    )
    weight_poor: float = setting(0.5, "formula weight of the poor population", "", ge=0.0)
    weight_incidence: float = setting(0.2, "formula weight of incidence", "", ge=0.0)
    weight_income: float = setting(0.2, "formula weight of low rural income", "", ge=0.0)
    weight_fiscal: float = setting(0.1, "formula weight of low fiscal capacity", "", ge=0.0)
    fiscal_capacity: dict[Literal["east", "centre", "west"], float] = setting(
        {"east": 1.0, "centre": 0.6, "west": 0.5},
        "fiscal capacity of a province by region (relative)",
        "",
    )

    @model_validator(mode="after")
    def _weights(self) -> AllocationConfig:
        total = self.weight_poor + self.weight_incidence + self.weight_income + self.weight_fiscal
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the four formula weights must sum to 1 (they sum to {total:.6g})")
        missing = [r for r in REGIONS if r not in self.fiscal_capacity]
        if missing:
            raise ValueError(f"fiscal_capacity has no value for {', '.join(missing)}")
        if any(v <= 0 or v > 100 for v in self.fiscal_capacity.values()):
            raise ValueError("fiscal_capacity values must be above 0 and at most 100")
        return self


def read_provinces(path: Path) -> list[dict[str, Any]]:
    """The provinces of a CSV table (``#`` lines are comments), as raw dicts.

    Raises:
        ValueError: the file is missing or unreadable, or a column or source is missing.
    """
    if "\0" in str(path):  # read_bytes() said "embedded null byte"
        raise ValueError(f"provinces_table: {NUL_IN_PATH}")
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")  # Excel writes a byte-order mark
    except FileNotFoundError:
        raise ValueError(f"provinces_table: no such file: {path}") from None
    except OSError as err:
        raise ValueError(f"provinces_table: cannot read {path}: {err.strerror}") from None
    except UnicodeDecodeError as err:  # Excel's "CSV" of a Chinese system is GBK
        raise ValueError(f"{path}: {not_utf8(data, err)}") from None
    numbered = [
        (n, line)
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.startswith("#")
    ]
    reader = csv.DictReader(line for _, line in numbered)
    header = list(reader.fieldnames or [])
    needed = ("province", "region", *FIGURES, *(f"source_{f}" for f in FIGURES))
    known = (*needed, *OPTIONAL_FIGURES, *(f"source_{f}" for f in OPTIONAL_FIGURES))
    # A misspelt optional column was read as no column: the whole table fell back unsaid.
    if not header:
        raise ValueError(f"{path} is empty: a header of columns is expected first")
    for column in header:
        if column not in known:
            if ";" in column or "\t" in column:
                raise ValueError(f"{path}: the columns are separated by commas, not {column!r}")
            raise ValueError(f"{path}: unknown column {column!r}{did_you_mean(column, known)}")
    if twice := repeated(header):
        # DictReader keeps the last of the two, and the first is lost without a word
        raise ValueError(f"{path}: the column {twice[0]} is given twice")
    missing = [c for c in needed if c not in header]
    missing += [
        f"source_{f}" for f in OPTIONAL_FIGURES if f in header and f"source_{f}" not in header
    ]
    if missing:
        raise ValueError(f"{path} has no column {', '.join(missing)}")
    rows = []
    columns = len(reader.fieldnames or [])
    for (number, line), row in zip(numbered[1:], reader, strict=False):
        if None in row or None in row.values():
            # a row longer or shorter than the header: its figures would land in the wrong
            # columns, or in none
            given = len(next(csv.reader([line])))
            raise ValueError(f"{path}, line {number}: {given} columns, the header has {columns}")
        optional = [f for f in OPTIONAL_FIGURES if (row.get(f) or "").strip()]
        sources = {f: (row.get(f"source_{f}") or "").strip() for f in (*FIGURES, *optional)}
        unsourced = [f for f, s in sources.items() if not s]
        if unsourced:
            raise ValueError(f"{path}, line {number}: no source for {', '.join(unsourced)}")
        figures: dict[str, Any] = {}
        for column, kind in (
            ("rural_population", int),
            ("poor_counties", int),
            ("poor_2014", int),
            ("rural_income", float),
            *((column, int) for column in optional),
        ):
            try:
                figures[column] = kind(row[column])
            except (TypeError, ValueError):
                what = "a whole number" if kind is int else "a number"
                raise ValueError(
                    f"{path}, line {number}, {column}: {row[column]!r} is not {what}"
                ) from None
        entry = {"name": row["province"], "region": row["region"], **figures, "sources": sources}
        try:
            ProvinceConfig.model_validate(entry)
        except ValidationError as err:
            # named by the table's row, not by the scenario that reads the table
            first = err.errors(include_url=False)[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            column = {"name": "province"}.get(field, field)
            message = first["msg"].removeprefix("Value error, ")
            if column and first["type"] != "value_error":  # a field's own check: say what it got
                cell = row.get(column, "")
                message += f" (not {cell if NUMBER.fullmatch(cell) else repr(cell)})"
            where = f"{path}, line {number}" + (f", {column}" if column else "")
            raise ValueError(f"{where}: {message}") from None
        rows.append(entry)
    if not rows:
        raise ValueError(f"{path} lists no provinces")
    return rows


class GeographyConfig(Section):
    """Province → county → village → household: a national, county-resolved run."""

    provinces_table: str | None = setting(
        None,
        "CSV table of provinces (relative to the file that names it); fills provinces "
        "when they are not listed",
        "",
    )
    provinces: tuple[ProvinceConfig, ...] = Field(
        default=(), description="the provinces (or give provinces_table)"
    )
    other_counties: int = setting(
        1,
        "non-poor counties drawn in each province, sharing its other rural people",
        "counties",
        ge=1,
        le=100,
    )
    poor_county_population: float = setting(
        300_000.0,
        "mean resident rural people in a poor county (scaled with its province to "
        "survey_population)",
        "people",
        gt=0.0,
        le=1e8,
    )
    poor_population_cap: Probability = setting(
        0.8, "most of a province's rural people its poor counties may hold", "share"
    )
    poor_villages: int | None = setting(
        None,
        "the nation's poor villages, designated by quota (规模控制): each province its own "
        "count (poor_villages) or a share of the rest by poor_2014, each county its share of "
        "its province's by its expected poor, its likeliest poor villages first; unset: each "
        "county's villages by the rule alone (villages.designation_multiple)",
        "villages",
        ge=0,
        le=1_000_000,
    )
    county_population_sd: float = setting(
        0.3, "log spread of poor counties' rural population", "log", ge=0.0, le=3.0
    )
    poor_oversampling: float = setting(
        4.0,
        "agents per real household in a poor county relative to a non-poor one; weights undo it",
        "ratio",
        ge=1.0,
        le=100.0,
    )
    min_households: int = setting(20, "fewest agents a county gets", "households", ge=1, le=10_000)
    poor_area_growth: float = setting(
        0.0,
        "yearly (log) income growth of the poor counties' households above the national growth "
        "(the non-poor counties give up enough to keep the national mean's growth)",
        "1/year",
        ge=-0.2,
        le=0.2,
    )
    county_income_sd: float = setting(
        0.15,
        "log spread of county income levels around their province's level for them (each "
        "province's level for its poor counties is solved so that it holds NBS's share of "
        "the 2014 poor)",
        "log",
        ge=0.0,
        le=2.0,
    )
    remoteness_poor: Probability = setting(0.55, "mean remoteness of a poor county", "index")
    remoteness_other: Probability = setting(0.3, "mean remoteness of a non-poor county", "index")
    remoteness_concentration: float = setting(
        8.0, "Beta concentration of county remoteness (larger: less spread)", "", gt=0.0, le=1000
    )
    exit_threshold_west: Probability = setting(
        0.03, "a western poor county exits below this incidence (see exit_incidence)", "share"
    )
    exit_threshold_other: Probability = setting(
        0.02, "a central or eastern poor county exits below this incidence", "share"
    )
    exit_incidence: Literal["comprehensive", "registered"] = setting(
        "comprehensive",
        "the incidence the exit threshold tests: comprehensive (综合贫困发生率: registered, "
        "missed poor and wrongly exited people over the rural people) or registered only",
    )
    first_exit_year: int = setting(2016, "first year a county may exit", "year")
    plan_money: dict[Year, Annotated[float, Field(ge=0.0, le=1e13)]] = setting(
        {},
        "the money the poor counties' exit schedules were drawn to, each year, nationally: "
        "a year's cut (exit_pace) is scaled by its money over the mean year's; the poor "
        "counties' pooled funds (统筹整合使用财政涉农资金) from 2016, which the special funds "
        "of budget.total are part of (unset: budget.total)",
        "yuan/year",
    )
    exit_pace: Probability | None = setting(
        None,
        "share of its poor a poor county planned to lift out a year (摘帽计划): it schedules "
        "its exit for the first year, from first_exit_year, that its incidence at the start, "
        "so cut every year from the start, is under its threshold, and its yearly exit plans "
        "(exit.plan_from) aim to bring its incidence (exit_incidence) under its schedule's "
        "that year, under its threshold (exit.plan_county_deadline and plan_county_target), "
        "the rest by exit.plan_deadline; unset: every county's plans aim at "
        "exit.plan_deadline alone",
        "share/year",
    )
    guaranteed_in_exit_year: tuple[str, ...] = setting(
        (),
        "programs whose guarantee a scheduled poor county makes good for every eligible "
        "household from its scheduled exit year, whatever its budget (the programs' "
        "guaranteed_from, brought forward to that year; a province made sure of the safe "
        "housing of the counties exiting that year)",
        "programs",
    )
    deep_poverty_provinces: tuple[str, ...] = setting(
        (),
        "provinces whose poor counties all lie in a deep-poverty area (三区三州), whatever "
        "their incidence (monitoring.deep_area)",
        "provinces",
    )
    all_poor_provinces: tuple[str, ...] = setting(
        (),
        "provinces all of whose counties were poor counties: the poor counties hold all "
        "their rural people, and no non-poor county is drawn (poor_population_cap does not "
        "apply)",
        "provinces",
    )
    deep_areas: tuple[DeepAreaConfig, ...] = Field(
        default=(),
        description="deep-poverty areas inside provinces: their poor counties are drawn as "
        "many times as poor as their province as published, and are deep-poverty counties "
        "whatever their incidence (monitoring.deep_area)",
    )
    announce_lag: int = setting(
        1,
        "years from a county's exit to its announcement after verification",
        "years",
        ge=0,
        le=5,
    )
    verification_from: int = setting(
        2016,
        "from this year an exit also needs the missed-poor and wrongful-exit rates under "
        "their limits",
        "year",
    )
    max_missed_poor: Probability = setting(
        0.02,
        "missed-poor rate a county must be under to exit (漏评率低于2%: missed poor people / "
        "people not on the register)",
        "share",
    )
    max_wrongful_exit: Probability = setting(
        0.02,
        "wrongful-exit rate a county must be under to exit (错退率低于2%: exited people under "
        "the line or short of schooling, medical cover or safe housing / exited people)",
        "share",
    )
    published_exits: dict[Year, Annotated[int, Field(ge=0, le=100_000)]] = setting(
        {},
        "published number of poor counties exiting each year, drawn beside the simulated",
        "counties",
    )
    allocation: AllocationConfig = AllocationConfig()

    @model_validator(mode="before")
    @classmethod
    def _read_table(cls, value: Any) -> Any:
        # A table fills the provinces once; after that (e.g. Scenario.updated) they travel
        # with the scenario and the file is not read again.
        if isinstance(value, dict) and value.get("provinces_table") and not value.get("provinces"):
            table = value["provinces_table"]
            if not isinstance(table, str):
                return value
            return {**value, "provinces": read_provinces(Path(table))}
        return value

    def _villages_add_up(self) -> None:
        """The provinces' counts of poor villages fit the nation's, and each can be placed:
        a count the nation's cannot hold, a rest no province is left to take, or villages
        for a province with no poor (its counties take them by their poor) would be lost."""
        given = [p for p in self.provinces if p.poor_villages is not None]
        if self.poor_villages is None or not given:
            return
        counted = sum(p.poor_villages or 0 for p in given)
        if counted > self.poor_villages:
            raise ValueError(
                f"poor_villages ({self.poor_villages:,}) is under the provinces' own counts "
                f"({counted:,})"
            )
        if len(given) == len(self.provinces) and counted < self.poor_villages:
            raise ValueError(
                f"poor_villages ({self.poor_villages:,}) is over the provinces' counts "
                f"({counted:,}), and no province is left without a count to take the rest"
            )
        if idle := [p.name for p in given if p.poor_villages and p.poor_2014 == 0]:
            table = f" in {self.provinces_table}" if self.provinces_table else ""
            raise ValueError(
                f"provinces{table}: {', '.join(idle)}: poor villages given for a province "
                "with no poor (poor_2014 0), whose counties take them by their poor"
            )

    @model_validator(mode="after")
    def _has_provinces(self) -> GeographyConfig:
        if not self.provinces:
            if self.provinces_table == "":
                raise ValueError("provinces_table is empty, and no provinces are listed")
            raise ValueError("lists no provinces: give provinces or provinces_table")
        names = [p.name for p in self.provinces]
        twice = repeated(names)
        if twice:
            table = f" in {self.provinces_table}" if self.provinces_table else ""
            raise ValueError(f"a province is listed more than once{table}: {', '.join(twice)}")
        for field in ("deep_poverty_provinces", "all_poor_provinces"):
            unknown = [name for name in getattr(self, field) if name not in names]
            if unknown:
                raise ValueError(
                    f"{field}: {', '.join(unknown)} not among the provinces"
                    + did_you_mean(unknown[0], names)
                )
        self._villages_add_up()
        without = [p.name for p in self.provinces if p.poor_counties == 0]
        if wrong := [name for name in self.all_poor_provinces if name in without]:
            raise ValueError(f"all_poor_provinces: {', '.join(wrong)} has no poor counties")
        if twice := repeated(a.name for a in self.deep_areas):
            raise ValueError(f"deep_areas: {twice[0]} is listed more than once")
        counties = {p.name: p.poor_counties for p in self.provinces}
        for area in self.deep_areas:
            if area.province not in counties:
                raise ValueError(
                    f"deep_areas: {area.name}: {area.province} not among the provinces"
                    + did_you_mean(area.province, list(counties))
                )
            if area.province in self.deep_poverty_provinces:
                raise ValueError(
                    f"deep_areas: {area.name}: all of {area.province} is a deep-poverty province"
                )
            if area.province in self.all_poor_provinces:
                # its multiple is of the province's incidence, which a province of poor
                # counties alone has no richer rest to keep at its mean income
                raise ValueError(
                    f"deep_areas: {area.name}: {area.province} is among all_poor_provinces, "
                    "whose poor counties are the whole province"
                )
            counties[area.province] -= area.poor_counties
        over = [name for name, left in counties.items() if left < 0]
        if over:
            table = f" in {self.provinces_table}" if self.provinces_table else ""
            raise ValueError(
                "deep_areas: "
                + "; ".join(
                    f"{sum(a.poor_counties for a in self.deep_areas if a.province == name)} "
                    f"poor counties in {name}'s areas, which has "
                    f"{next(p.poor_counties for p in self.provinces if p.name == name)}{table}"
                    for name in over
                )
            )
        surveyed = [p.name for p in self.provinces if p.survey_population is not None]
        if surveyed and len(surveyed) < len(names):
            # hukou people run 1.1-1.9 times resident ones: a mix would misstate shares
            missing = [name for name in names if name not in surveyed]
            raise ValueError(
                f"survey_population is given for {len(surveyed)} of {len(names)} provinces "
                f"(not {', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}): give it "
                "for every province or for none"
            )
        return self
