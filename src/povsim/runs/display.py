"""Short descriptions of result objects, for a notebook's output cell or a prompt.

A result holds its scenario (some hundred fields) and its tables; the dataclasses' own
repr printed all of them, tens of thousands of characters for one run. A result says
instead what it is, which tables it holds and how big they are, and where to look next.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["result_repr", "shape"]


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
