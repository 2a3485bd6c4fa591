"""The queue that programs and the monitoring fill: in priority order while places last."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["fit_queue"]


def fit_queue(costs: NDArray[np.float64], keys: NDArray[Any], money: float) -> NDArray[np.intp]:
    """Positions of the queue ordered by ``keys`` that ``money`` pays for.

    The queue stops at the first the money cannot cover: a queue, not a knapsack.
    """
    order = np.argsort(keys, kind="stable")
    # A relative slack: whether the last in line fits must not hinge on rounding (a
    # sample's costs and budget scaled by its weights give the same queue).
    affordable = np.cumsum(costs[order]) <= money * (1.0 + 1e-9)
    return order[: order.size if affordable.all() else int(np.argmin(affordable))]
