"""Drawing helpers the figures share: yearly means with 95% bands, stacked bars."""

from __future__ import annotations

import functools
import logging
import re
import warnings
import zlib
from collections.abc import Iterable
from typing import Any

import matplotlib
import matplotlib.figure
import matplotlib.text
import numpy as np
import pandas as pd

from povsim.config.vocabulary import JOINT_PATHWAY, NO_PATHWAY
from povsim.runs.stats import mean_interval

__all__ = ["CJK_FONTS", "Figure", "NoChineseFont", "chinese_fonts"]


CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
    "Noto Sans CJK JP",
)
"""Fonts with Chinese characters, the first installed of which draws them."""


class NoChineseFont(UserWarning):
    """No installed font has Chinese characters: a Chinese name shows as boxes."""


@functools.cache
def chinese_fonts() -> tuple[str, ...]:
    """The installed fonts of :data:`CJK_FONTS`, in its order."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in installed)


_said: list[bool] = []  # whether NoChineseFont was said in this process


def _chinese(text: str) -> bool:
    return any("\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


_TICK_MATH = re.compile(r"\$\\mathdefault\{[^$]*\}\$")
"""A tick label as matplotlib's formatters write it (``$\\mathdefault{10^{1}}$``)."""


class Figure(matplotlib.figure.Figure):
    """A figure whose texts are drawn as written.

    Scenario, program and region names come from users' files, and matplotlib would read a
    name with two dollar signs as mathtext: it fails to parse (a traceback instead of a
    figure) or silently becomes something else. No povsim label uses mathtext. A name in
    Chinese (精准扶贫) is drawn in an installed Chinese font after the figure's own, glyph by
    glyph; without one it shows as boxes, said once (not once a character, as matplotlib
    does).
    """

    def draw(self, renderer: Any) -> None:
        chinese = False
        for ax in self.axes:
            for axis in (ax.xaxis, ax.yaxis):
                # the tick labels take their texts as the axis is drawn; asking for them
                # gives them their texts now
                axis.get_majorticklabels()
        for text in self.findobj(matplotlib.text.Text):
            # matplotlib's own tick labels (a log axis's powers of ten) are mathtext
            text.set_parse_math(bool(_TICK_MATH.fullmatch(text.get_text())))
            if _chinese(text.get_text()):
                chinese = True
                family = list(text.get_fontfamily())
                more = [name for name in chinese_fonts() if name not in family]
                if more:
                    text.set_fontfamily([*family, *more])
        if chinese and not chinese_fonts() and not _said:
            _said.append(True)
            warnings.warn(
                "no installed font has Chinese characters, so Chinese names show as boxes in "
                "the figures: install one (Debian and Ubuntu: fonts-noto-cjk)",
                NoChineseFont,
                stacklevel=2,
            )
        with warnings.catch_warnings():
            if chinese:  # said once above, or drawn; other scripts' missing glyphs still warn
                warnings.filterwarnings("ignore", message=r"Glyph .* \(\\N\{CJK")
            super().draw(renderer)


def _not_a_cjk_weight(record: logging.LogRecord) -> bool:
    """A Chinese font with one weight (WenQuanYi's 500) drawn for "normal" text logs a line
    on stderr per figure, of nothing the user can act on: drop that line, only."""
    return not (
        record.getMessage().startswith("findfont: Failed to find font weight")
        and any(name in record.getMessage() for name in CJK_FONTS)
    )


logging.getLogger("matplotlib.font_manager").addFilter(_not_a_cjk_weight)


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


def _line(
    ax, frame: pd.DataFrame, column: str, scale: float = 1.0, *, floor: bool = True, **style
) -> None:
    """Plot a yearly mean, with its 95% band when there are replications.

    ``floor=False`` for a difference: its band may cross 0 though every draw is above it.
    """
    years, mean, low, high = _yearly(frame, column)
    (line,) = ax.plot(years, scale * mean, **style)
    if low is not None and high is not None:
        if floor and (frame[column] >= 0).all():  # a count or share: its band stops at 0
            low = np.maximum(low, 0.0)
        ax.fill_between(years, scale * low, scale * high, color=line.get_color(), alpha=0.2)


def _legend_below(fig: matplotlib.figure.Figure, *axes: Any, ncols: int = 3) -> None:
    """The panels' legend under the figure: inside a panel, wherever it went, it hid a line
    or a band (the incidence without support, the 95th percentile of incomes, a year's
    unspent money). A figure's legend, as the layout places it; one under each panel came
    out over the panel's axis label on the first draw."""
    entries: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)  # one series drawn in two panels, once
    fig.legend(
        list(entries.values()),
        list(entries),
        loc="outside lower center",
        ncols=ncols,
        fontsize="small",
    )


def _yearly_means(frame: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Average replications away (a single run passes through unchanged)."""
    if "replication" not in frame:
        return frame
    keys = by or ["year"]
    return frame.drop(columns="replication").groupby(keys, as_index=False).mean(numeric_only=True)


def _hues(name: str) -> list[Any]:
    palette = matplotlib.colormaps[name]
    # The palettes' own greys would pass for the pathways that are not a program.
    return [c for c in map(palette, range(palette.N)) if not c[0] == c[1] == c[2]]


def _builtin_colours() -> dict[str, Any]:
    """Each built-in kind's own colour: tab10's nine hues first, so the eight programs of the
    shipped mixes are the most distinct, then tab20's light ones."""
    from povsim.config.registry import BUILTIN_CONFIGS

    tab20 = _hues("tab20")
    hues = tab20[::2] + tab20[1::2]  # tab20's dark hues are tab10's
    return dict(zip(BUILTIN_CONFIGS, hues, strict=False))


PATHWAY_GREYS = {NO_PATHWAY: "0.75", JOINT_PATHWAY: "0.45"}
"""The pathways that are not a program: "none" (an exit that needed no program) light,
"combined" (one the programs were needed for only together) dark."""


def program_colours(names: Iterable[str]) -> dict[str, Any]:
    """One colour per program name, the same in every figure that colours by program.

    A built-in program (``industry``, ``health`` ...) always has its own colour, whatever
    else a figure shows; other names take, in the order given, the hues no built-in has
    (tab20's spare ones, then tab20b's), so pass a scenario's programs first
    (``[*scenario.programs, *table["program"]]``) for every figure of its run to agree.
    The pathways that are not a program are grey (:data:`PATHWAY_GREYS`).
    """
    builtin = _builtin_colours()
    used = {tuple(c) for c in builtin.values()}
    spare = [c for c in _hues("tab20") if tuple(c) not in used] + _hues("tab20b")
    colours: dict[str, Any] = {}
    others = 0
    for name in dict.fromkeys(map(str, names)):
        if name in PATHWAY_GREYS:
            colours[name] = PATHWAY_GREYS[name]
        elif name in builtin:
            colours[name] = builtin[name]
        else:
            # Past the spare hues, a name's own hash: stable, though it may repeat one.
            index = others if others < len(spare) else zlib.crc32(name.encode()) % len(spare)
            colours[name] = spare[index]
            others += 1
    return colours | PATHWAY_GREYS


def _stacked_bars(ax, wide: pd.DataFrame, colours: dict[str, Any] | None = None) -> None:
    """One bar per row of ``wide``, stacked by column, each column labelled."""
    wide = wide.fillna(0)
    colours = colours or program_colours(wide.columns)
    light = {tuple(c) for c in _hues("tab20")[1::2]}
    bottom = np.zeros(len(wide))
    for column in wide.columns:
        colour = colours[column]
        # tab20's light hues sit beside their dark twins (work away's pink on the floor's,
        # microcredit's blue on industry's): dotted, a pair reads apart in any figure
        dotted = isinstance(colour, tuple) and tuple(colour) in light
        ax.bar(
            wide.index,
            wide[column],
            bottom=bottom,
            label=column,
            color=colour,
            hatch=".." if dotted else None,
            edgecolor="white" if dotted else None,
            linewidth=0,
        )
        bottom += wide[column].to_numpy()
