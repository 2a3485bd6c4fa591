"""A policy mix as the dashboard edits it: plain data and rules, no user interface.

The planner's levers are the programs' shares of the total budget (always adding up
to what the base scenario gives them together), the budget's level, the exit
threshold, the two-lines-in-one switch, and the seed and replications. A
:class:`Policy` turns them into a validated :class:`~povsim.config.Scenario`, and
into a standalone scenario file that ``povsim run`` accepts.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from povsim.config import (
    Scenario,
    ScenarioError,
    ScenarioProblem,
    load_scenario,
    one_county,
    read_merged,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MAX_PINNED",
    "Front",
    "Policy",
    "county_resolved",
    "front_dirs",
    "load_front",
    "percents",
    "rebalance",
    "scenario_files",
    "shares_text",
]

MAX_PINNED = 4
"""Mixes a planner can pin side by side."""


def scenario_files(root: Path) -> dict[str, Path]:
    """Shipped scenarios under ``root`` by name relative to it (mixes, then regions); not
    the county-resolved ones (a ``geography`` section), which the page cannot run."""
    files = sorted(root.glob("*.toml")) + sorted(
        p for p in (root / "regions").glob("*.toml") if not p.name.endswith("_targets.toml")
    )
    return {p.relative_to(root).as_posix(): p for p in files if not county_resolved(p)}


def county_resolved(path: Path) -> bool:
    """Whether the scenario file has a ``geography`` section, its own or inherited (a file
    that extends a county-resolved one is county-resolved)."""
    try:
        return "geography" in read_merged(path)
    except ScenarioError:
        return False  # offered, so that choosing it says what is wrong with it


def rebalance(
    shares: dict[str, float],
    name: str,
    value: float,
    base: dict[str, float] | None = None,
) -> dict[str, float]:
    """Set one program's share and scale the others so the total stays the same.

    Args:
        shares: current shares of the programs funded from the total budget.
        name: the program whose slider moved.
        value: its new share (clipped to the total).
        base: the mix's starting shares: when every other program is at zero (a slider
            taken to its end), the rest goes back in their proportions, not equally.

    Returns:
        New shares with the same total; when all others are zero they split the rest as
        ``base`` does, or equally without one.
    """
    total = sum(shares.values())
    value = min(max(value, 0.0), total)
    others = {k: v for k, v in shares.items() if k != name}
    rest, current = total - value, sum(others.values())
    if not others:
        return {name: total}
    weights = others if current > 0 else {k: (base or {}).get(k, 0.0) for k in others}
    if sum(weights.values()) <= 0:
        weights = dict.fromkeys(others, 1.0)
    weight = sum(weights.values())
    scaled = {k: w * rest / weight for k, w in weights.items()}
    return {k: (value if k == name else scaled[k]) for k in shares}


def percents(shares: dict[str, float]) -> dict[str, int]:
    """Shares as the page shows them: whole percentages that add up to their rounded total
    (the largest remainders rounded up).

    Every place that shows a mix's shares takes them from here: rounded each on its own,
    30+11+14+7+7+9+16+5 read 99% under "kept summing to 100%", and a housing share of 15.3%
    read 16% on its slider (rounded up to make 100) but 15% in the summary above the charts.

    Args:
        shares: programs' shares of the budget, as fractions.

    Returns:
        Each program's share in whole percent, in the order of ``shares``.
    """
    exact = {name: 100 * share for name, share in shares.items()}
    floors = {name: math.floor(value) for name, value in exact.items()}
    left = round(sum(exact.values())) - sum(floors.values())
    for name in sorted(exact, key=lambda n: floors[n] - exact[n])[: max(left, 0)]:
        floors[name] += 1
    return floors


def shares_text(shares: dict[str, float], most: int | None = None) -> str:
    """``industry 49%, housing 15%, ...``: the funded shares (at least 1% as shown) in
    :func:`percents`, the largest first, ``most`` of them at most; every share, in its own
    order, without ``most``."""
    shown = percents(shares)
    if most is None:
        return ", ".join(f"{name} {shown[name]}%" for name in shares)
    # The largest that get any money: a mix of no program money read "industry 0%,
    # employment 0%, relocation 0%", as if those led it.
    funded = sorted((n for n in shares if shown[n] > 0), key=lambda n: -shares[n])
    return ", ".join(f"{name} {shown[name]}%" for name in funded[:most])


@dataclass(frozen=True)
class Policy:
    """A base scenario and the planner's changes to it.

    Attributes:
        base: the scenario the planner started from.
        source: where it came from (file name or "upload: NAME"), for labels and export.
        shares: budget shares of the programs funded from ``budget.total``.
        budget_scale: the total budget as a multiple of the base scenario's.
        exit_margin: households exit above the exit standard (the year's line, or the
            register's own path where the scenario sets one) times (1 + this).
        two_lines_in_one: merge the poverty and dibao lines (when there is social security).
        seed: seed of the live model and of the comparison's replications.
        replications: replications per mix in the comparison.
        label: the mix's name in comparisons and exports.
    """

    base: Scenario
    source: str
    shares: dict[str, float] = field(default_factory=dict)
    budget_scale: float = 1.0
    exit_margin: float = 0.0
    two_lines_in_one: bool = False
    seed: int = 1
    replications: int = 10
    label: str = ""

    @classmethod
    def from_scenario(cls, base: Scenario, source: str) -> Policy:
        """The levers as the scenario sets them."""
        shares = {name: float(p.share) for name, p in base.programs.items() if p.budget is None}
        return cls(
            base=base,
            source=source,
            shares=shares,
            budget_scale=base.budget.scale,
            exit_margin=base.exit.income_margin,
            two_lines_in_one=_two_lines(base),
            seed=base.seed,
            label=base.name,
        )

    @classmethod
    def from_file(cls, path: Path, source: str | None = None) -> Policy:
        """Load and validate a scenario file of one county (raises :class:`ScenarioError`)."""
        return cls.from_scenario(
            one_county(load_scenario(path), source or path), source or path.name
        )

    @property
    def has_social_security(self) -> bool:
        return "social_security" in self.base.programs

    def exit_income(self, year: int) -> float:
        """The exit income in ``year`` under this mix's margin, yuan per person per year."""
        return self.base.exit_standard(year) * (1.0 + self.exit_margin)

    @property
    def edited(self) -> bool:
        """Whether a lever differs from the scenario's own (the seed and replications aside)."""
        own = Policy.from_scenario(self.base, self.source)
        if set(self.shares) != set(own.shares):
            return True
        shares = all(math.isclose(self.shares[n], own.shares[n], abs_tol=1e-9) for n in own.shares)
        return not (
            shares
            and math.isclose(self.budget_scale, own.budget_scale, abs_tol=1e-12)
            and math.isclose(self.exit_margin, own.exit_margin, abs_tol=1e-12)
            and self.two_lines_in_one == own.two_lines_in_one
        )

    def with_share(self, name: str, value: float) -> Policy:
        base = {n: float(p.share) for n, p in self.base.programs.items() if p.budget is None}
        return replace(self, shares=rebalance(self.shares, name, value, base))

    def with_(self, **changes: Any) -> Policy:
        return replace(self, **changes)

    def changes(self) -> dict[str, Any]:
        """The scenario fields the levers set, by dotted path."""
        changes: dict[str, Any] = {
            f"programs.{name}.share": share for name, share in self.shares.items()
        }
        changes["budget.scale"] = self.budget_scale
        changes["exit.income_margin"] = self.exit_margin
        changes["seed"] = self.seed
        if self.label:
            changes["name"] = self.label
        if self.has_social_security:
            changes["programs.social_security.two_lines_in_one"] = self.two_lines_in_one
        return changes

    def scenario(self) -> Scenario:
        """The validated scenario (raises :class:`ScenarioError` naming the field)."""
        if not 1 <= self.replications <= 100:
            raise ScenarioError(
                [ScenarioProblem("dashboard", "replications", "must be between 1 and 100")]
            )
        return self.base.updated(self.changes())

    def budget_text(self) -> str:
        """The budget's level as the slider, the summaries and an export show it."""
        # Three figures, not two decimals: a calibrated scale of 0.101 read x0.10 in a
        # summary beside the slider's x0.101.
        return f"x{self.budget_scale:.3g}"

    def to_toml(self) -> str:
        """A standalone scenario file of this mix, which ``povsim run`` accepts."""
        scenario = self.scenario()
        header = (
            f"# Exported from the povsim dashboard: {self.source} with budget shares\n"
            f"# {shares_text(self.shares)}; budget {self.budget_text()}; exit threshold "
            f"{self.exit_margin:.0%} above the exit standard"
            + (
                f"; two lines in one {'on' if self.two_lines_in_one else 'off'}.\n"
                if self.has_social_security
                else ".\n"
            )
            + "# Sources of the base scenario's calibrated numbers are cited in its file.\n"
        )
        return header + tomli_w.dumps(scenario.model_dump(mode="json", exclude_none=True))

    def summary(self) -> str:
        """One line describing the mix."""
        parts = shares_text(self.shares, most=3) or "no program money"
        text = f"{self.label}: {parts}; budget {self.budget_text()}; exit +{self.exit_margin:.0%}"
        if self.has_social_security and self.two_lines_in_one != _two_lines(self.base):
            # two pins that differ only in the switch read the same without it
            text += "; two lines in one " + ("on" if self.two_lines_in_one else "off")
        return text


def _two_lines(base: Scenario) -> bool:
    """Whether the scenario's minimum living allowance merges its line with the poverty line."""
    return bool(getattr(base.programs.get("social_security"), "two_lines_in_one", False))


def front_dirs(root: Path) -> dict[str, Path]:
    """Stored fronts (``povsim optimize`` outputs) under ``root``, up to two levels down,
    by name relative to it."""
    from povsim.runs.store import output_kind

    found = {}
    for manifest in sorted([*root.glob("*/manifest.json"), *root.glob("*/*/manifest.json")]):
        directory = manifest.parent
        if output_kind(directory) == "optimize" and (directory / "pareto.parquet").is_file():
            found[directory.relative_to(root).as_posix()] = directory
    return found


@dataclass(frozen=True)
class Front:
    """A stored Pareto front: its mixes, objectives and figure.

    Attributes:
        path: the ``povsim optimize`` output directory.
        table: ``pareto.parquet``: one row per member.
        objectives: ``min:NAME`` or ``max:NAME``, as searched.
        searched: how the scores were measured (replications, seed, agents), said beside
            them: a small search's scores differ from a full-size run's.
    """

    path: Path
    table: pd.DataFrame
    objectives: tuple[str, ...]
    searched: str = ""
    _mixes: dict[str, dict[str, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def members(self) -> list[str]:
        return [str(m) for m in self.table["member"]]

    @property
    def figure(self) -> Path | None:
        path = self.path / "figures" / "front.png"
        return path if path.is_file() else None

    def shares(self, member: str) -> dict[str, float]:
        """The shares the search set in one member's mix (its other programs keep the base
        scenario's: :meth:`policy` has them all)."""
        row = self.table[self.table["member"] == member].iloc[0]
        return {
            c.removeprefix("programs.").removesuffix(".share"): float(row[c])
            for c in self.table.columns
            if c.startswith("programs.") and c.endswith(".share")
        }

    def mix_shares(self, member: str) -> dict[str, float]:
        """Every share of one member's mix, the searched and the base scenario's, read from its
        file once; the searched alone (:meth:`shares`) if the file no longer loads."""
        if member not in self._mixes:
            try:
                self._mixes[member] = dict(self.policy(member).shares)
            except ScenarioError:
                return self.shares(member)
        return self._mixes[member]

    def policy(self, member: str) -> Policy:
        """The member's mix as a dashboard policy (raises :class:`ScenarioError`)."""
        if member not in self.members:  # never a path built from anything else
            raise ScenarioError([ScenarioProblem(str(self.path), "member", f"no {member!r}")])
        # named with its search: two fronts both have a member 07
        source = f"{self.path.name}, member {member}"
        return Policy.from_file(self.path / "front" / f"{member}.toml", source)


def load_front(path: Path) -> Front:
    """Read a stored front (raises :class:`ScenarioError` naming what is wrong)."""
    import pandas as pd

    from povsim.runs.store import output_kind

    if output_kind(path) != "optimize" or not (path / "pareto.parquet").is_file():
        raise ScenarioError(
            [ScenarioProblem(str(path), "", "not a finished `povsim optimize` output")]
        )
    try:
        table = pd.read_parquet(path / "pareto.parquet")
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        objectives = tuple(str(o) for o in manifest.get("objectives", []))
    except (OSError, ValueError) as err:
        raise ScenarioError([ScenarioProblem(str(path), "", f"cannot be read: {err}")]) from None
    # A front edited by hand (or by another version) without the columns the page reads
    # failed later, in the page's callbacks, as a KeyError.
    names = [o.partition(":")[2] or o for o in objectives]  # min:NAME, max:NAME
    if missing := [c for c in ("member", *names) if c not in table.columns]:
        raise ScenarioError(
            [ScenarioProblem(str(path / "pareto.parquet"), "", f"no column {', '.join(missing)}")]
        )
    return Front(path, table, objectives, _searched(manifest))


def _searched(manifest: dict[str, Any]) -> str:
    """How a front's scores were measured, from its manifest: a search of 500 agents and
    2 replications scored a member at 31.8 m yuan that spent 39.0 m at full size."""
    replications, seed, agents = (manifest.get(k) for k in ("replications", "seed", "agents"))
    if not all(isinstance(v, int) for v in (replications, seed, agents)):
        return ""
    runs = "replication" if replications == 1 else "replications"
    return (
        f"The scores are the search's own: {replications} {runs} of seed {seed} at "
        f"{agents:,} agents. Compare a member with its base (povsim compare) at full size "
        "before relying on a difference."
    )
