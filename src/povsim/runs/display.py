"""How results show themselves: table cells and short descriptions of result objects.

Table cells: an outcome's value (:func:`format_value`) or its mean and 95% interval
(:func:`format_interval`) in the unit the registry (:mod:`povsim.runs.metrics`) gives it;
money in the unit its largest amount reads best in (:func:`money_unit`).

Result objects: a result holds its scenario (some hundred fields) and its tables; the
dataclasses' own repr printed all of them, tens of thousands of characters for one run. A
result says instead what it is, which tables it holds and how big they are, and where to
look next.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from povsim.runs.metrics import Outcome, is_known, outcome

__all__ = ["format_interval", "format_value", "money_unit", "result_repr", "shape"]


def shape(rows: int, columns: int) -> str:
    """A table's size as ``ROWS×COLUMNS``."""
    return f"{rows:,}×{columns}"


def result_repr(
    kind: str,
    about: str,
    tables: Mapping[str, str],
    hint: str,
    path: Path | None = None,
) -> str:
    """The lines a result shows for itself.

    Args:
        kind: the result's class name.
        about: what ran: scenario, seed, years, time taken.
        tables: each table's name and :func:`shape`.
        hint: the methods or attributes that show the results.
        path: the output directory, once written.

    Returns:
        ``<KIND ABOUT`` then a line of tables, the hint and the path, closed by ``>``.
    """
    lines = [f"<{kind} {about}"]
    if tables:
        lines.append(" tables: " + ", ".join(f"{name} {size}" for name, size in tables.items()))
    lines.append(f" {hint}")
    if path is not None:
        lines.append(f" written to {path}")
    return "\n".join(lines) + ">"


def format_value(name: str, value: float | None) -> str:
    """``value`` as tables show it: shares as percentages, money with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    unit = outcome(name).unit if is_known(name) else ""
    if unit == "share":
        return f"{value:.1%}"
    if unit == "year":
        return f"{value:.0f}"
    if unit == "people/household":
        return f"{value:.2f}"
    if abs(value) >= 1 or float(value).is_integer():
        return f"{value:,.0f}"  # a count of none is 0, not 0.000
    return f"{value:.3f}"


def _cut(measure: Outcome, mean: float, low: float, high: float) -> str | None:
    """Which limit of the outcome's an interval about ``mean`` was cut at: "least", "most",
    "both" (it is every value the outcome can take) or None."""
    if math.isclose(mean - low, high - mean, rel_tol=1e-6, abs_tol=1e-12):
        return None
    at_least, at_most = low == measure.least, high == measure.most
    if at_least and at_most:
        return "both"
    return "least" if at_least else "most" if at_most else None


def money_unit(largest: float) -> tuple[float, str]:
    """The unit tables show an amount of money in, given the largest: millions of yuan, or
    billions from 10,000 m (a nation's "160,000.0 m yuan" read as a county's). Returns the
    divisor and its word ("m", "bn")."""
    return (1e9, "bn") if abs(largest) >= 1e10 else (1e6, "m")


def format_interval(
    name: str,
    mean: float,
    low: float,
    high: float,
    *,
    difference: bool = False,
    money: float = 1e6,
) -> str:
    """``mean ±half-width`` of a 95% interval in the outcome's format (tables' cells).

    A ``difference`` is signed ("+1.1 pp ±0.6 pp"), a difference of shares in percentage
    points, and one that rounds to nothing has no sign ("0.0 pp", not "-0.0%"); spending is
    in ``money`` yuan, millions unless said (the header says which: :func:`money_unit`); a
    mean under 1 has its interval as precisely.
    """
    if math.isnan(mean):
        return "-"  # no value (a county that never exits), and no difference either
    unit = outcome(name).unit if is_known(name) else ""
    if unit == "share" and difference:
        # As many decimals as show the difference or its interval: -0.036 pp ±0.043 read
        # "0.0 pp ±0.0 pp", as if nothing had been measured.
        spread = 100 * max(abs(mean), 0.0 if math.isnan(high) else (high - low) / 2)
        digits = 1 if spread >= 0.095 or spread == 0 else 2 if spread >= 0.0095 else 3

        def show(value: float) -> str:
            return f"{100 * value:.{digits}f} pp"
    elif unit == "year" and difference:

        def show(value: float) -> str:
            return f"{value:.1f}"
    elif name == "spending_yuan":

        def show(value: float) -> str:
            return f"{value / money:,.1f}"
    else:

        def show(value: float) -> str:
            return format_value(name, value)

    shown = show(mean)
    changed = any(c in "123456789" for c in shown)
    if shown.startswith("-") and not changed:
        shown = shown[1:]
    if difference and changed and not shown.startswith(("-", "−")) and shown != "-":
        shown = f"+{shown}"
    if math.isnan(high):
        return shown
    half = (high - low) / 2
    fixed = unit in ("share", "year") or name == "spending_yuan"  # their own decimals
    precise = "." in shown and not fixed

    def end(value: float) -> str:
        return f"{value:.3f}" if precise else show(value)

    if not difference and is_known(name) and (cut := _cut(outcome(name), mean, low, high)):
        # A ± would reach past the limit the interval was cut at (clip_intervals): the end
        # not at a limit is what it says, in one word, so a cell wraps only before it.
        if cut == "both":
            return f"{shown} (0–100%)"  # only a share has both limits
        return f"{shown} (≤{end(high)})" if cut == "least" else f"{shown} (≥{end(low)})"
    return f"{shown} ±{end(half)}"
