"""Struct-of-arrays storage shared by household and village state, and agent views onto it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

__all__ = ["ArrayState", "Column"]


class ArrayState:
    """Named NumPy columns of equal length; one row per agent.

    Subclasses list their columns in ``COLUMNS`` as ``name: (dtype, description)``.
    Columns not given to the constructor start at their ``DEFAULTS`` entry or zero,
    so a test can build a handful of rows by naming only what it cares about.
    """

    COLUMNS: ClassVar[dict[str, tuple[str, str]]] = {}
    DEFAULTS: ClassVar[dict[str, Any]] = {}

    def __init__(self, n: int, **columns: Any):
        unknown = set(columns) - set(self.COLUMNS)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no column(s) {sorted(unknown)}")
        self.n = int(n)
        for name, (dtype, _) in self.COLUMNS.items():
            value = columns.get(name, self.DEFAULTS.get(name, 0))
            values = np.array(np.broadcast_to(value, (self.n,)), dtype=dtype)
            setattr(self, name, values)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> Self:
        """Build from one mapping per row; absent keys are zero."""
        rows = list(records)
        names = {key for row in rows for key in row}
        return cls(len(rows), **{k: [row.get(k, 0) for row in rows] for k in names})

    def __len__(self) -> int:
        return self.n

    def frame(self, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """The columns as a DataFrame (copies)."""
        names = list(self.COLUMNS) if columns is None else list(columns)
        return pd.DataFrame({name: getattr(self, name).copy() for name in names})


class Column:
    """A Mesa agent attribute that reads and writes one row of a model-owned array.

    Args:
        store: the model attribute holding the :class:`ArrayState`.
        name: the column; defaults to the attribute name.
    """

    def __init__(self, store: str, name: str | None = None):
        self.store = store
        self.name = name

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.name = self.name or attribute

    def _array(self, agent: Any) -> np.ndarray:
        return getattr(getattr(agent.model, self.store), self.name)

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        return self._array(agent)[agent.index].item()

    def __set__(self, agent: Any, value: Any) -> None:
        self._array(agent)[agent.index] = value
