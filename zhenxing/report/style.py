"""Colours, palettes, the CJK font and the common styling of every report figure.

One place for what the figures look like: status colours (met, partial, zero,
missing), the category palette, the highlight and muted colours of the home
city and the others, the colours of the simulation and schedule figures, and
:func:`style_figure`, which every builder applies last (title, font, margins,
legend). :func:`table_height` sizes a plotly Table so that no row scrolls.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..framework import Framework


CJK_FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
"""Font family list for plotly figures; any one of these renders Chinese."""

STATUS_ORDER = ("met", "partial", "zero", "missing")

STATUS_COLOURS: dict[str, str] = {
    "met": "#2e7d32",  # green: target met (full points)
    "partial": "#f9a825",  # amber: some points
    "zero": "#c62828",  # red: zero points
    "missing": "#9e9e9e",  # grey: value missing
}

CATEGORY_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
HIGHLIGHT = "#1565c0"  # the home city and its units
MUTED = "#b0b7c3"  # everyone else
WARNING = "#c62828"  # warning-talk / last-city flags
UNIT_COLOUR = "#1f77b4"
MEAN_COLOUR = "#9ecae1"
LEADER_COLOUR = "#2ca02c"
LAST_YEAR_COLOUR = "#bdbdbd"
BAND_OUTER = "#90caf9"  # 5-95 % band of a highlighted unit
BAND_INNER = HIGHLIGHT  # 25-75 % band of a highlighted unit
BAND_OUTER_MUTED = "#e6e9ee"  # the same bands of the other units
BAND_INNER_MUTED = MUTED
MEDIAN_COLOUR = "#0d2c54"
NOMINAL_COLOUR = "#222222"
BOUNDS_COLOUR = "#ffe0b2"  # exact best-worst range
BOUNDS_LINE = "#ef6c00"
ZONE_COLOUR = "rgba(198, 40, 40, 0.13)"  # the warning-talk zone of a category
S1_COLOUR = "#90caf9"
ST_COLOUR = HIGHLIGHT

CHANGE_SCALE = [[0.0, WARNING], [0.5, "#ffffff"], [1.0, STATUS_COLOURS["met"]]]
"""Diverging colours of rank changes: red = falls, white = unchanged, green = rises."""

SCHEDULE_COLOURS: dict[str, str] = {
    "ahead": "#00897b",  # teal: at or ahead of the calendar
    "behind": WARNING,  # red: behind the calendar
    "met": STATUS_COLOURS["met"],  # green: the year-to-date value meets the target already
    "unknown": STATUS_COLOURS["missing"],  # grey: no value last year to measure the way from
}


def category_colours(fw: Framework) -> dict[str, str]:
    """One colour per category id, in framework order."""
    return {c.id: CATEGORY_PALETTE[k % len(CATEGORY_PALETTE)] for k, c in enumerate(fw.categories)}


def style_figure(fig: go.Figure, title: str, height: int | None = None) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        font={"family": CJK_FONT, "size": 13},
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "right", "x": 1.0},
    )
    if height is not None:
        fig.update_layout(height=height)
    return fig


def _text_px(text_: str) -> float:
    """Rough width in pixels of ``text_`` at font size 12 (CJK characters are wider)."""
    return sum(12.5 if "\u2e80" <= ch <= "\uffef" else 6.8 for ch in text_)


def table_height(columns: list[list[str]], widths: list[float], page: float = 960.0) -> int:
    """Pixel height that shows every row of a plotly Table without scrolling.

    plotly wraps cell text at spaces only, so each cell's lines are counted by
    a greedy word wrap at the column's width (rough font metrics).
    """
    col_px = [page * w / sum(widths) - 16 for w in widths]  # minus cell padding

    def lines(cell: str, px: float) -> int:
        count, used = 1, 0.0
        for word in str(cell).split(" "):
            w = _text_px(word)
            if used and used + 6.8 + w > px:
                count, used = count + 1, w
            else:
                used += (6.8 if used else 0.0) + w
        return count

    total = 0
    for r in range(len(columns[0]) if columns else 0):
        total += 8 + 17 * max(lines(col[r], px) for col, px in zip(columns, col_px))
    return int(total + 190)
