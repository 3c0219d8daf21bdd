"""Colours, palettes, the CJK font and the common styling of every report figure.

One place for what the figures look like: status colours (met, partial, zero,
missing), the category palette, the highlight and muted colours of the home
city and the others, the colours of the simulation and schedule figures, and
:func:`style_figure`, which every builder applies last (title, font, margins,
legend, the fixed A4-printable width). Tables are HTML (:mod:`.tables`), not plotly.
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
    "ahead": "#00897b",  # teal: ahead of the calendar
    "on_time": "#80cbc4",  # light teal: on the calendar, as shown
    "behind": WARNING,  # red: behind the calendar
    "met": STATUS_COLOURS["met"],  # green: the year-to-date value meets the target already
    "unknown": STATUS_COLOURS["missing"],  # grey: no value last year to measure the way from
}


def category_colours(fw: Framework) -> dict[str, str]:
    """One colour per category id, in framework order."""
    return {c.id: CATEGORY_PALETTE[k % len(CATEGORY_PALETTE)] for k, c in enumerate(fw.categories)}


#: Width of every report figure in CSS pixels: the printable width of an A4 page with 14 mm margins
#: (182 mm at 96 px per inch is 688 px), so that a chart looks the same on screen and on paper.
FIGURE_WIDTH = 680


def style_figure(fig: go.Figure, title: str, height: int | None = None) -> go.Figure:
    """The common look of a report figure: title, CJK font, white template, fixed A4-printable width."""
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        font={"family": CJK_FONT, "size": 13},
        template="plotly_white",
        width=FIGURE_WIDTH,
        autosize=False,
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "right", "x": 1.0},
    )
    if height is not None:
        fig.update_layout(height=height)
    return fig
