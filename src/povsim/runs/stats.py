"""Means with 95% intervals over replications (Student's t)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Student's t quantile (what scipy.stats.t.ppf calls), without importing scipy.stats: about
# a second of every command's start-up.
from scipy.special import stdtrit

__all__ = ["mean_interval", "summarise"]


def mean_interval(values, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its ``level`` confidence interval; the interval is NaN for fewer than two."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return np.nan, np.nan, np.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, np.nan, np.nan
    half = float(stdtrit(x.size - 1, 0.5 + level / 2) * x.std(ddof=1) / np.sqrt(x.size))
    return mean, mean - half, mean + half


def summarise(frame: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Long table of mean and 95% interval of each column within each group of ``by``."""
    rows = []
    for key, group in frame.groupby(by, sort=False) if by else [((), frame)]:
        key = key if isinstance(key, tuple) else (key,)
        for column in columns:
            mean, low, high = mean_interval(group[column])
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "metric": column,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "n": int(group[column].notna().sum()),
                }
            )
    return pd.DataFrame(rows)
