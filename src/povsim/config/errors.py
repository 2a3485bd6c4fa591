"""The one error type for every input file, and how pydantic's errors become its messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import ValidationError

__all__ = ["ScenarioError", "ScenarioProblem", "problems_from"]


@dataclass(frozen=True)
class ScenarioProblem:
    """One thing wrong with an input: where it was set, the field, and what is wrong."""

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.source}: {self.path}: {self.message}"
            if self.path
            else f"{self.source}: {self.message}"
        )


class ScenarioError(Exception):
    """An input (scenario, design, problem or targets file) that cannot be used.

    ``str()`` is the message for the user: one line per problem.
    """

    def __init__(self, problems: Iterable[ScenarioProblem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _source_of(loc: tuple[str, ...], origin: Mapping[tuple[str, ...], str], default: str) -> str:
    for end in range(len(loc), 0, -1):
        if (found := origin.get(loc[:end])) is not None:
            return found
    return default


def problems_from(
    err: ValidationError, origin: Mapping[tuple[str, ...], str], default: str
) -> list[ScenarioProblem]:
    """Each validation error as a problem naming the file (or ``--set``) that set the value."""
    problems = []
    for e in err.errors(include_url=False):
        loc = tuple(str(p) for p in e["loc"])
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(ScenarioProblem(_source_of(loc, origin, default), ".".join(loc), message))
    return problems
