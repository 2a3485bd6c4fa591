"""Drawing helpers the figures share: yearly means with 95% bands, stacked bars."""

from __future__ import annotations

from typing import Any

import matplotlib
import matplotlib.figure
import matplotlib.text
import numpy as np
import pandas as pd

from povsim.config.vocabulary import JOINT_PATHWAY, NO_PATHWAY
from povsim.runs.stats import mean_interval

__all__ = ["Figure"]


class Figure(matplotlib.figure.Figure):
    """A figure whose texts are drawn as written.

    Scenario, program and region names come from users' files, and matplotlib would read a
    name with two dollar signs as mathtext: it fails to parse (a traceback instead of a
    figure) or silently becomes something else. No povsim label uses mathtext.
    """

    def draw(self, renderer: Any) -> None:
        for text in self.findobj(matplotlib.text.Text):
            text.set_parse_math(False)
        super().draw(renderer)


def _yearly(
    frame: pd.DataFrame, column: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Years, mean, and a 95% interval when ``frame`` holds several replications."""
    if "replication" not in frame or frame["replication"].nunique() < 2:
        values = frame[column].to_numpy(dtype=float)
        return frame["year"].to_numpy(), values, None, None

    years, stats = zip(
        *((y, mean_interval(g)) for y, g in frame.groupby("year")[column]), strict=True
    )
    mean, low, high = (np.array(s) for s in zip(*stats, strict=True))
    return np.array(years), mean, low, high


def _line(ax, frame: pd.DataFrame, column: str, scale: float = 1.0, **style) -> None:
    """Plot a yearly mean, with its 95% band when there are replications."""
    years, mean, low, high = _yearly(frame, column)
    (line,) = ax.plot(years, scale * mean, **style)
    if low is not None and high is not None:
        if (frame[column] >= 0).all():  # a count or share: its band stops at 0
            low = np.maximum(low, 0.0)
        ax.fill_between(years, scale * low, scale * high, color=line.get_color(), alpha=0.2)


def _yearly_means(frame: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Average replications away (a single run passes through unchanged)."""
    if "replication" not in frame:
        return frame
    keys = by or ["year"]
    return frame.drop(columns="replication").groupby(keys, as_index=False).mean(numeric_only=True)


def program_colours(names) -> dict[str, Any]:
    """A colour for each program name, distinct for up to 18 (tab10's nine hues, then
    tab20's eighteen); the
    pathways that are not a program are grey: "none" (an exit that needed no program) light,
    "combined" (one the programs were needed for only together) dark."""
    greys = {NO_PATHWAY: "0.75", JOINT_PATHWAY: "0.45"}
    names = [n for n in dict.fromkeys(names) if n not in greys]
    # tab10 without its grey has nine hues: a tenth program took the first's colour.
    palette = matplotlib.colormaps["tab10" if len(names) <= 9 else "tab20"]
    # The palettes' own greys would pass for the pathways'.
    hues = [c for c in map(palette, range(palette.N)) if not c[0] == c[1] == c[2]]
    colours: dict[str, Any] = {n: hues[i % len(hues)] for i, n in enumerate(names)}
    return colours | greys


def _stacked_bars(ax, wide: pd.DataFrame, colours: dict[str, Any] | None = None) -> None:
    """One bar per row of ``wide``, stacked by column, each column labelled."""
    wide = wide.fillna(0)
    colours = colours or program_colours(wide.columns)
    bottom = np.zeros(len(wide))
    for column in wide.columns:
        ax.bar(wide.index, wide[column], bottom=bottom, label=column, color=colours[column])
        bottom += wide[column].to_numpy()
