"""Struct-of-arrays storage for household and village state, and agent views onto it.

A state class declares its columns as class attributes::

    class VillageState(ArrayState):
        remoteness = ArrayColumn(np.float64, "0 near town .. 1 remote mountains")

so every column is visible to readers and type checkers (``h.income`` is an
``NDArray[np.float64]``), and assigning to one keeps its dtype and length.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    import mesa
    import pandas as pd

__all__ = ["ArrayColumn", "ArrayState", "RowView"]


class ArrayColumn[S: np.generic]:
    """One column of an :class:`ArrayState`: a NumPy array with one entry per row.

    Args:
        dtype: the NumPy scalar type of the column.
        description: what the column holds, with its unit (shown in the docs).
        default: the value of rows not given to the constructor.
    """

    def __init__(self, dtype: type[S], description: str, default: Any = 0):
        self.dtype = np.dtype(dtype)
        self.description = description
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, state: None, owner: type | None = None) -> ArrayColumn[S]: ...
    @overload
    def __get__(self, state: ArrayState, owner: type | None = None) -> NDArray[S]: ...
    def __get__(
        self, state: ArrayState | None, owner: type | None = None
    ) -> NDArray[S] | ArrayColumn[S]:
        if state is None:
            return self
        column: NDArray[S] = state._data[self.name]
        return column

    def __set__(self, state: ArrayState, value: ArrayLike) -> None:
        array = np.asarray(value, dtype=self.dtype)
        if array.shape != (state.n,):
            array = np.array(np.broadcast_to(array, (state.n,)), dtype=self.dtype)
        state._data[self.name] = array


class ArrayState:
    """Named NumPy columns of equal length; one row per agent.

    Subclasses declare :class:`ArrayColumn` attributes. Columns not given to the
    constructor start at their default, so a test can build a handful of rows by
    naming only what it cares about.
    """

    COLUMNS: ClassVar[dict[str, tuple[str, str]]] = {}
    """Every column as ``name: (dtype, description)``, in declaration order."""

    _columns: ClassVar[dict[str, ArrayColumn[Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, ArrayColumn[Any]] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, ArrayColumn):
                    found[name] = value
        cls._columns = found
        cls.COLUMNS = {name: (str(c.dtype), c.description) for name, c in found.items()}

    def __init__(self, n: int, **columns: ArrayLike):
        unknown = set(columns) - set(self._columns)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no column(s) {sorted(unknown)}")
        self.n = int(n)
        self._data: dict[str, NDArray[Any]] = {}
        for name, column in self._columns.items():
            column.__set__(self, columns.get(name, column.default))

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> Self:
        """Build from one mapping per row; absent keys take the column's default."""
        rows = list(records)
        names = {key for row in rows for key in row}
        return cls(
            len(rows),
            **{k: [row.get(k, cls._columns[k].default) for row in rows] for k in names},
        )

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.n:,} rows × {len(self._columns)} columns; .frame()>"

    def frame(self, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """The columns as a DataFrame (copies)."""
        import pandas as pd

        names = list(self._columns) if columns is None else list(columns)
        return pd.DataFrame({name: self._data[name].copy() for name in names})


class RowView[T]:
    """A Mesa agent attribute that reads and writes one row of a model-owned column.

    Args:
        store: the model attribute holding the :class:`ArrayState`.
        name: the column; defaults to the attribute name.
    """

    def __init__(self, store: str, name: str | None = None):
        self.store = store
        self.name = name or ""

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.name = self.name or attribute

    def _array(self, agent: mesa.Agent) -> NDArray[Any]:
        state: ArrayState = getattr(agent.model, self.store)
        return state._data[self.name]

    @overload
    def __get__(self, agent: None, owner: type | None = None) -> RowView[T]: ...
    @overload
    def __get__(self, agent: mesa.Agent, owner: type | None = None) -> T: ...
    def __get__(self, agent: mesa.Agent | None, owner: type | None = None) -> T | RowView[T]:
        if agent is None:
            return self
        value: T = self._array(agent)[agent.index].item()
        return value

    def __set__(self, agent: mesa.Agent, value: T) -> None:
        self._array(agent)[agent.index] = value
