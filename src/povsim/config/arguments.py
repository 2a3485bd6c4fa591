"""Checks of the Python API's arguments.

The command line's options carry their ranges; a notebook's call does not, and a wrong
value would otherwise surface deep in NumPy, pymoo or pathlib, or be swapped for a default
without a word. Each check names the argument, as the command line names its option.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from povsim.config.limits import MAX_REPLICATIONS, MAX_SEED, MAX_WORKERS

if TYPE_CHECKING:
    import pandas as pd

    from povsim.config.schema import Scenario

__all__ = [
    "flag",
    "fraction",
    "instance",
    "loaded",
    "names",
    "one_of",
    "path",
    "scenario",
    "seed",
    "table",
    "whole",
    "workers",
]


def _shown(value: object) -> str:
    """``value``'s type, with its repr when that is short: a table's would fill the message."""
    text = repr(value)
    kind = type(value).__name__
    return f"{kind} {text}" if len(text) <= 60 and "\n" not in text else kind


def whole(name: str, value: object, *, least: int = 1, most: int | None = None) -> int:
    """``value`` as a whole number from ``least`` to ``most``.

    Raises:
        TypeError: not a whole number (a bool, a float or a string of digits is not one).
        ValueError: out of range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: a whole number, not {_shown(value)}")
    value = int(value)
    if value < least or (most is not None and value > most):
        span = f"at least {least}" if most is None else f"from {least} to {most}"
        raise ValueError(f"{name}: {span}, not {value}")
    return value


def workers(value: object) -> int:
    """A count of worker processes: a whole number from 1 to ``MAX_WORKERS``."""
    return whole("workers", value, most=MAX_WORKERS)


def seed(name: str, value: object, *, most: int = MAX_SEED) -> int:
    """A seed: a whole number from 0 to ``most``."""
    return whole(name, value, least=0, most=most)


def replications(value: object, *, least: int = 1) -> int:
    """A count of replications: a whole number from ``least`` to ``MAX_REPLICATIONS``."""
    return whole("replications", value, least=least, most=MAX_REPLICATIONS)


def fraction(name: str, value: object, *, least: float, most: float) -> float:
    """A number from ``least`` to ``most``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: a number, not {_shown(value)}")
    number = float(value)
    if not least <= number <= most:
        raise ValueError(f"{name}: from {least} to {most}, not {value}")
    return number


def flag(name: str, value: object) -> bool:
    """``value`` as True or False (a NumPy bool too).

    Raises:
        TypeError: anything else: ``"no"``, 0 or None would otherwise be read by their
            truth, ``"no"`` as True.
    """
    if isinstance(value, bool):
        return value
    import numpy as np  # not at the top: the command line starts without NumPy

    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"{name}: True or False, not {_shown(value)}")


def path(name: str, value: object) -> Path:
    """A file or directory name.

    Raises:
        TypeError: not a path.
        ValueError: an empty one, which ``Path`` reads as the current directory: a slip (a
            setting left unset), as the command line's empty ``--out`` is.
    """
    if not isinstance(value, str | os.PathLike):
        raise TypeError(f"{name}: a path, not {_shown(value)}")
    if value == "":
        raise ValueError(f"{name}: empty; give a path ('.' is this directory)")
    return Path(value)


def names(name: str, value: object, kinds: tuple[type, ...] = ()) -> list[Any]:
    """A list of names (or of ``kinds``, already parsed): one string is one name, not its
    letters.

    Raises:
        TypeError: neither a name nor a list of them.
    """
    kinds = (str, *kinds)
    if isinstance(value, kinds):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
        items = list(value)
        wrong = [item for item in items if not isinstance(item, kinds)]
        if not wrong:
            return items
        value = wrong[0]
    raise TypeError(f"{name}: a name or a list of names, not {_shown(value)}")


def one_of(name: str, value: object, options: Sequence[str]) -> str:
    """One of the names ``options``.

    Raises:
        TypeError: not a string.
        ValueError: another name.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name}: one of {', '.join(options)}, not {_shown(value)}")
    if value not in options:
        raise ValueError(f"{name}: one of {', '.join(options)}, not {value!r}")
    return value


def table(name: str, value: object, columns: Iterable[str], hint: str) -> pd.DataFrame:
    """``value`` as a DataFrame with ``columns``; ``hint`` says which table that is.

    Raises:
        TypeError: not a DataFrame.
        ValueError: a column missing: another table was given.
    """
    import pandas as pd  # not at the top: the command line starts without pandas

    frame: pd.DataFrame = instance(name, value, pd.DataFrame, hint)
    if missing := [column for column in columns if column not in frame.columns]:
        raise ValueError(f"{name}: {hint}; this table has no {', '.join(map(repr, missing))}")
    return frame


def scenario(name: str, value: object, overrides: Sequence[str] = ()) -> Scenario:
    """A scenario given as a :class:`~povsim.config.Scenario` or its TOML file (loaded
    with ``overrides``, ``dotted.path=value`` strings, as ``--set`` takes).

    Raises:
        TypeError: neither.
        ValueError: overrides with a Scenario (they apply to files).
        ScenarioError: the file's problems.
    """
    from povsim.config.loader import load_scenario
    from povsim.config.schema import Scenario

    if isinstance(value, Scenario):
        if overrides:
            raise ValueError("overrides apply to scenario files; use Scenario.updated() instead")
        return value
    if not isinstance(value, str | os.PathLike):
        raise TypeError(
            f"{name}: a TOML path or a Scenario, not {type(value).__name__} "
            "(Scenario.model_validate builds one from a dict)"
        )
    if value == "":  # Path("") is the current directory
        raise ValueError(f"{name}: empty; give a TOML file's path")
    return load_scenario(value if isinstance(value, str) else Path(value), overrides)


def loaded(name: str, value: object) -> Scenario:
    """A scenario already loaded, where a model is built from one."""
    from povsim.config.schema import Scenario

    checked: Scenario = instance(
        name, value, Scenario, "a Scenario (povsim.load_scenario reads a file)"
    )
    return checked


def instance(name: str, value: object, kind: type, hint: str) -> Any:
    """``value`` as a ``kind``; ``hint`` says how to make one."""
    if not isinstance(value, kind):
        raise TypeError(f"{name}: {hint}, not {_shown(value)}")
    return value


def function(name: str, value: object, hint: str) -> Any:
    """``value`` as a function to call back (or None); ``hint`` says when it is called."""
    if value is not None and not callable(value):
        raise TypeError(f"{name}: a function called {hint}, or None, not {_shown(value)}")
    return value
