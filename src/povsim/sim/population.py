"""Synthetic households and villages drawn from a scenario's population settings.

Income components are drawn in relative terms (land, workers, education,
remoteness, elderly members) and then scaled so the person-weighted mean of each
component matches ``income.initial_mean`` times its share in
``income.component_shares``: the level is calibrated, the spread is structural.
"""

from __future__ import annotations

import numpy as np

from povsim.config import Scenario
from povsim.config.schema import PopulationConfig, small_household_people
from povsim.sim.assessment import close_reference_year, reset_year
from povsim.sim.households import HouseholdState
from povsim.sim.income import gross_income, step_income
from povsim.sim.indicators import weighted_quantiles
from povsim.sim.programs.social_security import pay_before_start
from povsim.sim.shocks import draw_shocks
from povsim.sim.streams import Streams
from povsim.sim.villages import VillageState

__all__ = ["build_population", "build_villages", "live_reference_years"]

RESETTLEMENT_REMOTENESS = 0.05
RESETTLEMENT_INFRASTRUCTURE = 0.9


def build_villages(scenario: Scenario, rng: np.random.Generator) -> VillageState:
    """The county's villages, drawn from ``scenario.villages``: remoteness, fragility,
    infrastructure, income level and growth; plus an empty resettlement site."""
    cfg, m = scenario.villages, scenario.population.villages
    remoteness = rng.beta(cfg.remoteness_alpha, cfg.remoteness_beta, m)
    # The most remote villages are the likeliest to be fragile, with some noise.
    latent = remoteness + rng.normal(0.0, 0.15, m)
    n_fragile = round(cfg.fragile_share * m)
    fragile = np.zeros(m, dtype=bool)
    if n_fragile:
        fragile[np.argsort(-latent, kind="stable")[:n_fragile]] = True
    infrastructure = np.clip(
        cfg.infrastructure_mean
        - 0.5 * (remoteness - remoteness.mean())
        + rng.normal(0.0, cfg.infrastructure_sd, m),
        0.0,
        1.0,
    )
    income = scenario.income
    # income.growth is the county's mean trend (a county's published growth): remoteness
    # spreads the villages around it, from the mean of the distribution they are drawn from.
    typical = cfg.remoteness_alpha / (cfg.remoteness_alpha + cfg.remoteness_beta)
    remote = np.append(remoteness, RESETTLEMENT_REMOTENESS)
    trend = income.growth - income.remoteness_growth_penalty * (remote - typical)
    growth = trend[:m] + rng.normal(0.0, income.village_growth_sd, m)
    level = rng.normal(0.0, income.village_sd, m)
    # The western provinces are the mountains and plateaus: a sample without geography
    # puts its most remote villages there (no draw, so the streams are unchanged).
    west = np.zeros(m, dtype=bool)
    west[np.argsort(-remoteness, kind="stable")[: round(cfg.west_share * m)]] = True
    # One more village, empty at the start: the resettlement site near the county town.
    # It is built in every scenario so that shock draws have the same shape whatever
    # the policy (common random numbers).
    return VillageState(
        m + 1,
        weight=np.append(np.full(m, (scenario.population.represents_villages or m) / m), 1.0),
        remoteness=remote,
        fragile=np.append(fragile, False),
        infrastructure=np.append(infrastructure, RESETTLEMENT_INFRASTRUCTURE),
        level=np.append(level, 0.0),
        growth=np.append(growth, trend[m]),
        resettlement=np.arange(m + 1) == m,
        # the site is in the county: in the west when every village of it is
        west=np.append(west, cfg.west_share >= 1.0),
    )


def _sample_villages(pop, villages: VillageState, rng: np.random.Generator):
    """Each agent's village and weight (real households it stands for).

    Real households are spread evenly over villages. A sample may over-represent
    remote villages, where poverty concentrates, so that a province-sized run keeps
    enough poor agents; each agent's weight is then inversely proportional to its
    chance of being drawn (importance sampling), scaled so the weights add up to
    ``represents`` exactly.
    """
    m, n = pop.villages, pop.households
    if pop.remote_oversampling == 1.0:
        village = rng.integers(0, m, n)
        odds = np.ones(m)
    else:
        odds = 1.0 + (pop.remote_oversampling - 1.0) * villages.remoteness[:m]
        village = rng.choice(m, size=n, p=odds / odds.sum())
    village = np.sort(village).astype(np.int32)
    inverse = 1.0 / odds[village]
    weight = inverse * ((pop.represents or n) / inverse.sum())
    return village, weight


def build_population(
    scenario: Scenario, rng: np.random.Generator
) -> tuple[HouseholdState, VillageState]:
    """Draw households and villages for ``scenario``.

    Args:
        scenario: supplies ``population``, ``villages``, ``income`` and ``guarantees``.
        rng: the population stream.

    Returns:
        Household and village state with initial incomes in ``income``.
    """
    pop, inc = scenario.population, scenario.income
    villages = build_villages(scenario, rng)
    n = pop.households

    village, weight = _sample_villages(pop, villages, rng)
    size = np.minimum(1 + rng.poisson(pop.mean_household_size - 1.0, n), pop.max_household_size)
    elderly, pupils = _draw_members(pop, size, rng)
    # A stream of their own: every draw of the population stream is as it was before
    # young children were drawn.
    young, entry = _draw_young(pop, size, elderly, pupils, rng.spawn(1)[0])
    disabled = rng.random(n) < pop.disability_rate
    chronic = rng.random(n) < pop.chronic_illness_rate
    labour = np.maximum(size - elderly - pupils - young - disabled, 0)
    education = rng.choice(4, size=n, p=pop.education_probs).astype(np.int8)
    land = pop.land_per_person * np.exp(rng.normal(-(pop.land_sd**2) / 2, pop.land_sd, n))

    remote = villages.remoteness[village]
    # Farming needs hands: full yield from half the members working, less below that.
    farm_hands = np.clip((labour + 0.5 * elderly) / (0.5 * size), 0.0, 1.0)
    farm = land * farm_hands
    wages = (
        labour
        / size
        * np.asarray(inc.wage_by_education)[education]
        * (1.0 - inc.remoteness_wage_penalty * remote)
    )
    sick = 1.0 - pop.chronic_income_loss * chronic
    farm, wages = farm * sick, wages * sick
    transfers = (size - elderly + inc.elderly_transfer_weight * elderly) / size
    prop = np.ones(n)

    h = HouseholdState(
        n,
        weight=weight,
        village=village,
        size=size,
        labour=labour,
        elderly=elderly,
        pupils=pupils,
        young=young,
        school_entry_years=entry,
        chronic=chronic,
        disabled=disabled,
        education=education,
        land=land,
        level=rng.normal(0.0, inc.household_sd, n),
        transitory=rng.normal(0.0, inc.transitory_sd, n),
    )
    multiplier = np.exp(h.level + h.transitory + villages.level[village])
    # NBS's rural transfers are mostly remittances and pensions, which follow what a
    # household earns: its persistent level, not this year's luck.
    transfers = transfers * np.exp(inc.transfer_elasticity * (h.level + villages.level[village]))
    # A stream of its own (the population stream's second child, spawned whatever the
    # setting, so a stream spawned after it never depends on it): every other draw stays as
    # it was. The normalisation below keeps the mean.
    spread = rng.spawn(1)[0].standard_normal(n)
    if inc.transfer_sd > 0.0:
        transfers = transfers * np.exp(inc.transfer_sd * spread)
    people = h.persons
    for name, raw, scaled, share in (
        ("farm_base", farm, farm * multiplier, inc.component_shares[0]),
        ("wage_base", wages, wages * multiplier, inc.component_shares[1]),
        ("transfer_base", transfers, transfers, inc.component_shares[2]),
        ("property_base", prop, prop * multiplier, inc.component_shares[3]),
    ):
        mean = np.average(scaled, weights=people)
        setattr(h, name, raw * (inc.initial_mean * share / mean) if mean > 0 else raw * 0.0)

    h.income = gross_income(h, villages)
    _draw_housing(h, pop, rng)
    line = scenario.registration_line
    poor = h.income < line
    gap = np.where(
        poor, scenario.guarantees.schooling_gap_poor, scenario.guarantees.schooling_gap_nonpoor
    )
    h.schooling_ok = (pupils == 0) | (rng.random(n) >= gap)
    h.medical_ok = rng.random(n) < scenario.guarantees.medical_coverage
    h.food_ok = np.ones(n, dtype=bool)
    h.school_years_left = np.where(pupils > 0, rng.integers(1, pop.school_years + 1, n), 0)
    # Drawn last so that adding it left every earlier draw of the stream as it was.
    h.severe = (disabled & (rng.random(n) < pop.severe_disability_share)) | (
        chronic & (rng.random(n) < pop.serious_illness_share)
    )
    return h, villages


def _draw_members(
    pop: PopulationConfig, size: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Elderly members and pupils of households of ``size`` members.

    Rural elderly people cluster in households of their own: ``elderly_alone_share`` of
    them live alone or only with a spouse (空巢, left behind by migrant children), so that
    share of the elderly fills one- and two-person households wholly; the rest are spread
    over the other households' members, keeping ``elderly_share`` overall. A child lives
    with an adult or a grandparent, so a household is never pupils alone.
    """
    # From the size law rather than the sample, so a household's draw does not depend on
    # the others'; the scenario's validation keeps ``alone`` a probability.
    small_people = small_household_people(pop.mean_household_size)
    elderly_people = pop.elderly_share * pop.mean_household_size
    alone = pop.elderly_alone_share * elderly_people / small_people
    only_elderly = (size <= 2) & (rng.random(size.size) < alone)
    in_alone = alone * small_people
    rest_rate = (elderly_people - in_alone) / (pop.mean_household_size - in_alone)
    elderly = np.where(only_elderly, size, rng.binomial(size, np.clip(rest_rate, 0.0, 1.0)))
    pupils = rng.binomial(_child_places(size, elderly), pop.school_share)
    return elderly, pupils


def _child_places(size: np.ndarray, elderly: np.ndarray) -> np.ndarray:
    """Members who may be children: those under 60 but one adult where there is no
    grandparent, so a household is never children alone."""
    return size - elderly - (elderly == 0)


def _draw_young(
    pop: PopulationConfig,
    size: np.ndarray,
    elderly: np.ndarray,
    pupils: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Children not yet in school, and the years until the eldest of them starts.

    Cohorts of equal size: a household is expected to hold ``preschool_years`` /
    ``school_years`` as many of them as pupils, drawn from the members under 60 who are
    not pupils, keeping an adult where there is no grandparent. Without them no child
    would start school in the run, and the pupils would halve by 2020 as the eldest leave.
    """
    if pop.preschool_years == 0:
        return np.zeros(size.size, dtype=np.int16), np.zeros(size.size, dtype=np.int8)
    ratio = pop.preschool_years / pop.school_years
    # E[pupils] = school_share x places, E[the places left] = (1 - school_share) x places
    chance = min(ratio * pop.school_share / max(1.0 - pop.school_share, 1e-9), 1.0)
    young = rng.binomial(np.maximum(_child_places(size, elderly) - pupils, 0), chance)
    entry = np.where(young > 0, rng.integers(1, pop.preschool_years + 1, size.size), 0)
    return young, entry


def _draw_housing(h: HouseholdState, pop, rng: np.random.Generator) -> None:
    """Housing grades by quota, poorer households likelier to live in dangerous houses."""
    log_income = np.log(np.maximum(h.income, 1.0))
    z = (log_income - log_income.mean()) / (log_income.std() or 1.0)
    rho = pop.housing_income_correlation
    latent = rho * z + np.sqrt(1.0 - rho**2) * rng.standard_normal(h.n)
    # Cumulative shares from the worst grade (D) up; lowest latent gets the worst house.
    cumulative = np.cumsum(pop.housing_grade_probs[::-1])[:-1]
    cuts = weighted_quantiles(latent, h.weight, cumulative) if h.n else cumulative
    h.housing_grade = (3 - np.searchsorted(cuts, latent, side="right")).astype(np.int8)


def live_reference_years(
    h: HouseholdState, v: VillageState, scenario: Scenario, streams: Streams
) -> bool:
    """Live the years from ``registration.income_year`` to the start, without the campaign's
    support.

    The first registration judged a whole year's income (2014's drive, 2013's): the drawn
    incomes stand for the start of that year, and the register and the poor villages are
    drawn on what it brought. The last year's illness and disaster flags are left for the
    registration to record as causes. An allowance that ran before the campaign
    (``paid_before_start``) pays in these years (:func:`pay_before_start`); what the last
    of them paid stays in ``support_transfer`` for the first drive and the program.

    Returns:
        Whether any year was lived (the caller resets the year after registering).
    """
    first = scenario.registration.income_year
    years = range(scenario.start_year if first is None else first, scenario.start_year)
    for year in years:
        if year > years.start:
            reset_year(h, v)
        pay_before_start(h, scenario, year, streams)
        for _ in range(scenario.steps_per_year):
            step_income(h, v, scenario, year, draw_shocks(streams, len(h), len(v)))
        close_reference_year(h, scenario)
    return len(years) > 0
