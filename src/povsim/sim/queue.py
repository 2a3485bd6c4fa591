"""The queue that programs and the monitoring fill: in priority order while places last."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["fit_queue"]


def fit_queue(
    costs: NDArray[np.float64],
    keys: NDArray[Any],
    money: float,
    *,
    units: NDArray[np.float64] | None = None,
    draw: Callable[[], float] | None = None,
) -> NDArray[np.intp]:
    """Positions of the queue ordered by ``keys`` that ``money`` pays for.

    The queue stops at the first the money cannot cover: a queue, not a knapsack.

    A sample's agent stands for ``units`` real households (or villages), and the money
    left at the first one it cannot cover may still pay for some of them. Given ``units``
    and ``draw``, that agent is taken with probability (whole real units the money left
    covers) / ``units``, so a weighted sample buys on average what the real queue would
    (without it, a county whose villages each stand for ten real ones and cost more than
    its year's money never upgrades one). Nothing is drawn when the money left covers no
    whole real unit: a run of real households (weight 1) is the plain queue.

    Args:
        costs: what each position costs, shape (k,), in ``money``'s unit (yuan, people or
            households, as the caller counts).
        keys: each position's priority, shape (k,): lowest first; ties keep their order.
        money: what the queue may spend, in the unit of ``costs``.
        units: the real units each position stands for (its weight), shape (k,).
        draw: returns a uniform draw on [0, 1); called at most once, for the first position
            the money cannot cover (a callable, so a stream is made only when it is drawn
            from: most years' queues draw nothing).

    Returns:
        The positions taken (indices into ``costs``), in queue order; dtype intp.
    """
    order = np.argsort(keys, kind="stable")
    # A relative slack: whether the last in line fits must not hinge on rounding (a
    # sample's costs and budget scaled by its weights give the same queue).
    spent = np.cumsum(costs[order])
    affordable = spent <= money * (1.0 + 1e-9)
    if affordable.all():
        return order
    stop = int(np.argmin(affordable))
    if units is not None and draw is not None:
        first = order[stop]
        left = money - (spent[stop - 1] if stop else 0.0)
        whole = np.floor(left / (costs[first] / units[first]) * (1.0 + 1e-9))
        if whole >= 1 and draw() < whole / units[first]:
            stop += 1
    return order[:stop]
