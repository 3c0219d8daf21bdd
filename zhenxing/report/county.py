"""The county report's figures and tables (its first screen and sentences: :mod:`.headline`).

Every builder is pure: it takes a :class:`~zhenxing.gap.CountyGap` (or any
object with its attributes, :class:`GapLike`) and the framework, and returns
a :class:`plotly.graph_objects.Figure`, a table or a string; it computes no
score of its own. Numbers are shown in the units the library returns (points
on the assessment scale, attainment and obstacle degree as shares shown in
per cent).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd
import plotly.graph_objects as go

from ..framework import Framework
from ..labels import column_label
from .style import (
    LAST_YEAR_COLOUR,
    LEADER_COLOUR,
    MEAN_COLOUR,
    STATUS_COLOURS,
    UNIT_COLOUR,
    style_figure,
)
from .tables import Column, format_pair, table_html
from .text import (
    STATUS_LABELS,
    axis_dimension_names,
    dimension_names,
    indicator_names,
    is_nan,
    text,
    unit_text,
    wrap,
)


class GapLike(Protocol):
    """The parts of :class:`zhenxing.gap.CountyGap` the figure builders read."""

    code: str
    year: int
    unit: Mapping[str, Any]
    standing: Any
    indicators: pd.DataFrame
    dimensions: pd.DataFrame
    path: Any
    missing_indicators: list[str]


def dimension_bars(gap: GapLike, fw: Framework, lang: str = "zh") -> go.Figure:
    """Grouped bars per dimension: the unit's points, the category mean and the
    category leader, with full marks as a marker (points)."""
    d = gap.dimensions
    # eight labels side by side on an A4-wide chart: wrapped, not slanted
    names = axis_dimension_names(fw, lang, width=8 if lang != "en" else 12)
    x = [names.get(i, i) for i in d["dimension"]]
    fig = go.Figure()
    fig.add_bar(name=text("this_unit", lang), x=x, y=list(d["points"]), marker_color=UNIT_COLOUR)
    fig.add_bar(name=text("category_mean", lang), x=x, y=list(d["category_mean"]), marker_color=MEAN_COLOUR)
    fig.add_bar(name=text("category_leader", lang), x=x, y=list(d["category_leader"]), marker_color=LEADER_COLOUR)
    fig.add_scatter(
        name=text("full_marks", lang), x=x, y=list(d["max_points"]), mode="markers",
        marker={"symbol": "line-ew-open", "size": 28, "color": "#333", "line": {"width": 3}},
    )
    fig.update_layout(barmode="group", yaxis_title=text("points", lang))
    fig.update_xaxes(tickangle=0, automargin=True, tickfont={"size": 10 if lang == "en" else 12})
    return style_figure(fig, text("dimension_title", lang), height=420)


def waterfall_steps(gap: GapLike, fw: Framework, lang: str = "zh") -> pd.DataFrame:
    """Steps of the loss waterfall: label, measure, value (points).

    Full marks (Σ dimension full marks), minus the points lost in each
    dimension that loses any (labels wrapped for the axis), an aggregation
    step when the base score is not the sum of the dimension points
    (non-arithmetic aggregation), plus the bonus, minus the deductions (each
    only when not zero), a floor step if the total was raised to 0, ending at
    the unit's published total. The steps use the unrounded points, so no
    rounding remainder appears as a step; they add up to the unrounded total,
    within half a publication step of the published one.
    """
    d = gap.dimensions
    u = gap.unit
    names = axis_dimension_names(fw, lang, width=8 if lang != "en" else 12)
    full = float(d["max_points"].sum())
    rows: list[tuple[str, str, float]] = [(text("full_marks", lang), "absolute", full)]
    running = full
    for dim, max_points, published_points in zip(d["dimension"], d["max_points"], d["points"]):
        points = float(u.get(f"dim_{dim}_exact", published_points))
        lost = float(max_points) - points
        running -= lost
        if lost > 1e-12:  # no empty steps
            rows.append((names.get(dim, dim), "relative", -lost))
    base = float(u.get("base_exact", u.get("base", running)))
    if abs(base - running) > 1e-9:
        rows.append((text("aggregation", lang), "relative", base - running))
    bonus = float(u.get("bonus", 0.0) or 0.0)
    deduction = float(u.get("deduction", 0.0) or 0.0)
    if bonus:
        rows.append((text("bonus", lang), "relative", bonus))
    if deduction:
        rows.append((text("deduction", lang), "relative", 0.0 - deduction + 0.0))
    after = base + bonus - deduction
    exact_total = float(u.get("total_exact", gap.standing.total))
    if abs(exact_total - after) > 1e-9:
        rows.append((text("floor", lang), "relative", exact_total - after))
    rows.append((text("total", lang), "total", float(gap.standing.total)))
    return pd.DataFrame(rows, columns=["label", "measure", "value"])


def loss_waterfall(gap: GapLike, fw: Framework, lang: str = "zh") -> go.Figure:
    """Waterfall from full marks to the unit's total (see :func:`waterfall_steps`)."""
    steps = waterfall_steps(gap, fw, lang)
    p = fw.publication.decimals
    fig = go.Figure(
        go.Waterfall(
            x=list(steps["label"]),
            y=list(steps["value"]),
            measure=list(steps["measure"]),
            text=[(f"{v:+.{p}f}" if v else f"{0:.{p}f}") if m == "relative" else f"{v:.{p}f}" for v, m in zip(steps["value"], steps["measure"])],
            textposition="outside",
            decreasing={"marker": {"color": "#e57373"}},
            increasing={"marker": {"color": "#81c784"}},
            totals={"marker": {"color": UNIT_COLOUR}},
            connector={"line": {"color": "#999", "width": 1}},
        )
    )
    full = float(steps["value"].iloc[0])
    # the axis starts at 0: a bar's height is its points, and no gap looks larger than it is
    fig.update_layout(yaxis_title=text("points", lang), yaxis_range=[0.0, full * 1.1], showlegend=False)
    fig.update_xaxes(tickangle=0, automargin=True, tickfont={"size": 10 if lang == "en" else 11})
    return style_figure(fig, text("waterfall_title", lang), height=440)


def indicator_table(gap: GapLike, fw: Framework, lang: str = "zh") -> str:
    """Every indicator as a row of an HTML table (all rows print; the header repeats on each page).

    One group row per dimension (its points of full marks), then its
    indicators: indicator, unit of measure, value, target, attainment (%),
    points / full marks, rank in category ("r/n"), status (coloured text: met,
    partial, zero points, missing).
    """
    ind = gap.indicators
    p = fw.publication.decimals
    dims = dimension_names(fw, lang)
    names = indicator_names(fw, lang)
    lab = {k: (v[1] if lang == "en" else v[0]) for k, v in STATUS_LABELS.items()}
    by_id = fw.indicator_by_id
    rows = []
    for r in ind.itertuples():
        if not rows or rows[-1].get("_dimension") != r.dimension:
            full = float(ind.loc[ind["dimension"] == r.dimension, "max_points"].sum())
            got = float(ind.loc[ind["dimension"] == r.dimension, "points"].sum())
            rows.append({"_group": f"{dims.get(r.dimension, r.dimension)}（{got:.{p}f}/{full:g}）" if lang != "en"
                         else f"{dims.get(r.dimension, r.dimension)} ({got:.{p}f} of {full:g})", "_dimension": r.dimension})
        rows.append({
            "_dimension": r.dimension,
            "indicator": names.get(r.indicator, r.indicator),
            "unit": by_id[r.indicator].unit_label(lang),
            "value": r.value,
            "target": r.target,
            "attainment": None if r.missing else r.attainment,
            "points": f"{r.points:.{p}f}/{r.max_points:g}",
            "rank": None if is_nan(r.rank_category) else int(r.rank_category),
            "n": int(r.n_category),
            "status": lab.get(str(r.status), str(r.status)),
            "_status": str(r.status),
        })
    columns = [
        Column("indicator", column_label("indicator", fw, lang)),
        Column("unit", column_label("unit", fw, lang)),
        Column("value", column_label("value", fw, lang), "number"),
        Column("target", column_label("target", fw, lang), "number"),
        Column("attainment", column_label("attainment", fw, lang), "share"),
        Column("points", f"{column_label('points', fw, lang)} / {column_label('max_points', fw, lang)}", "text"),
        Column("rank", text("rank_in_category", lang), "rank", of="n"),
        Column("status", text("status", lang)),
    ]
    return table_html(rows, columns, text("table_title", lang), lang,
                      cell_class=lambda r, c: f"zx-status-{r['_status']}" if c.key == "status" else "")


def obstacle_bars(gap: GapLike, fw: Framework, lang: str = "zh", top: int = 10) -> go.Figure:
    """Horizontal bars of the ``top`` indicators by obstacle degree (share of
    all points lost, in per cent), largest at the top; hover shows points lost."""
    ind = gap.indicators
    sel = ind[ind["obstacle"] > 0].sort_values(["obstacle", "indicator"], ascending=[False, True], kind="stable").head(top)
    names = indicator_names(fw, lang)
    dims = dimension_names(fw, lang)
    sel = sel.iloc[::-1]  # plotly draws the first bar at the bottom
    names = {k: wrap(v, 40 if lang == "en" else 30) for k, v in names.items()}  # long names: two lines, not half the width
    order = [names.get(i, i) for i in sel["indicator"]]
    lab = {k: (v[1] if lang == "en" else v[0]) for k, v in STATUS_LABELS.items()}
    fig = go.Figure()
    for status in STATUS_LABELS:  # one trace per status: every colour has its legend entry
        part = sel[sel["status"] == status]
        if part.empty:
            continue
        fig.add_bar(
            name=lab[status],
            x=[float(v) * 100 for v in part["obstacle"]],
            y=[names.get(i, i) for i in part["indicator"]],
            orientation="h",
            marker_color=STATUS_COLOURS.get(status, UNIT_COLOUR),
            text=[f"{v * 100:.1f}%" for v in part["obstacle"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[[dims.get(d, d), float(p)] for d, p in zip(part["dimension"], part["points_lost"])],
            hovertemplate="%{y}<br>%{customdata[0]}<br>" + column_label("points_lost", fw, lang) + " %{customdata[1]:.2f}<extra></extra>",
        )
    top_x = float(sel["obstacle"].max()) * 100 if len(sel) else 1.0
    fig.update_layout(xaxis_title=f"{text('obstacle', lang)} (%)", xaxis_range=[0, top_x * 1.22], barmode="overlay",
                      yaxis={"categoryorder": "array", "categoryarray": order, "automargin": True, "tickfont": {"size": 11}})
    fig.update_layout(margin={"r": 40})
    fig = style_figure(fig, text("obstacle_title", lang), height=140 + 34 * max(len(sel), 1))
    fig.update_layout(margin={"r": 40})  # the value labels past the longest bar
    return fig


def path_bars(gap: GapLike, fw: Framework, lang: str = "zh") -> go.Figure:
    """The cheapest path: one bar per improved indicator, the share of its gap
    to target to close (per cent), labelled "value → new value (+points)"; an
    empty figure with a note when there is no path (first in its category, or
    a scoring method the path is not computed for)."""
    p = gap.path
    if p is None or p.steps is None or len(p.steps) == 0:
        if p is None:
            first = int(gap.standing.rank_category) == 1 and not bool(gap.standing.warning_talk)
            title = note = text("path_none" if first else "path_not_computed", lang)
        elif not math.isfinite(float(p.required_points)):
            title = note = text("path_no_exit", lang)
        else:
            title = text(f"path_{p.goal}", lang, pts=f"{p.required_points:.2f}")
            note = str(p.message)
        fig = go.Figure()
        fig.add_annotation(text=note, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return style_figure(fig, title, height=200)
    names = {k: wrap(v, 30 if lang == "en" else 24) for k, v in indicator_names(fw, lang).items()}
    steps = p.steps.iloc[::-1]
    title = text(f"path_{p.goal}", lang, pts=f"{p.required_points:.2f}")
    if not p.feasible:
        title += text("path_infeasible", lang)
    fig = go.Figure(
        go.Bar(
            x=[float(v) * 100 for v in steps["share_of_gap"]],
            y=[names.get(i, i) for i in steps["indicator"]],
            orientation="h",
            marker_color=UNIT_COLOUR,
            text=[text("path_bar_label", lang, **dict(zip("ab", format_pair(a, b))), unit=unit_text(fw.indicator_by_id[i].unit_label(lang), lang),
                       pts=f"{g:.{fw.publication.decimals}f}")
                  for i, a, b, g in zip(steps["indicator"], steps["value"], steps["new_value"], steps["points_gained"])],
            textposition="inside",
            insidetextanchor="start",
        )
    )
    fig.update_layout(xaxis_title=f"{text('share_of_gap', lang)} (%)", xaxis_range=[0, 100], showlegend=False)
    fig.update_yaxes(automargin=True)
    return style_figure(fig, title, height=160 + 36 * len(steps))


def year_comparison(gap: GapLike, fw: Framework, lang: str = "zh") -> go.Figure:
    """Dimension points last year and this year side by side (points); a note
    instead of bars when the unit has no data for last year."""
    d = gap.dimensions
    names = axis_dimension_names(fw, lang, width=8 if lang != "en" else 12)
    x = [names.get(i, i) for i in d["dimension"]]
    y0, y1 = gap.year - 1, gap.year
    fig = go.Figure()
    if d["points_last_year"].isna().all():
        fig.add_annotation(text=text("no_last_year", lang, y0=y0), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return style_figure(fig, text("last_year_title", lang, y0=y0, y1=y1), height=200)
    fig.add_bar(name=str(y0), x=x, y=list(d["points_last_year"]), marker_color=LAST_YEAR_COLOUR)
    fig.add_bar(name=str(y1), x=x, y=list(d["points"]), marker_color=UNIT_COLOUR)
    fig.update_layout(barmode="group", yaxis_title=text("points", lang))
    fig.update_xaxes(tickangle=0, automargin=True, tickfont={"size": 10 if lang == "en" else 12})
    return style_figure(fig, text("last_year_title", lang, y0=y0, y1=y1), height=400)


def indicator_changes_table(gap: GapLike, fw: Framework, lang: str = "zh", top: int = 10) -> str:
    """The ``top`` indicators whose points changed most since last year, as a reader's HTML table
    (values with their unit, points at the publication precision, the change signed)."""
    ind = gap.indicators
    p = fw.publication.decimals
    sel = ind[ind["points_last_year"].notna() & (ind["points"] != ind["points_last_year"])].copy()
    if sel.empty:
        return ""
    sel["change_points"] = sel["points"] - sel["points_last_year"]
    sel = sel.reindex(sel["change_points"].abs().sort_values(ascending=False, kind="stable").index).head(top)
    names = indicator_names(fw, lang)
    by_id = fw.indicator_by_id
    y0, y1 = gap.year - 1, gap.year
    rows = [
        {"indicator": names.get(r.indicator, r.indicator), "unit": by_id[r.indicator].unit_label(lang),
         "v0": r.value_last_year, "v1": r.value, "p0": r.points_last_year, "p1": r.points, "d": r.change_points}
        for r in sel.itertuples()
    ]
    columns = [
        Column("indicator", column_label("indicator", fw, lang)),
        Column("unit", column_label("unit", fw, lang)),
        Column("v0", f"{column_label('value', fw, lang)} {y0}", "number"),
        Column("v1", f"{column_label('value', fw, lang)} {y1}", "number"),
        Column("p0", f"{column_label('points', fw, lang)} {y0}", "points", decimals=p),
        Column("p1", f"{column_label('points', fw, lang)} {y1}", "points", decimals=p),
        Column("d", text("change_in_points", lang), "signed", decimals=p),
    ]
    return table_html(rows, columns, text("changes_title", lang, n=len(rows), y0=y0), lang)


def indicator_changes(gap: GapLike, fw: Framework, lang: str = "zh") -> pd.DataFrame:
    """Table of the indicators whose points changed since last year, with
    headers in ``lang``, indexed by indicator name: value last year, value,
    points last year, points (largest change in points first). Empty when
    there is no last year."""
    ind = gap.indicators
    sel = ind[ind["points_last_year"].notna() & (ind["points"] != ind["points_last_year"])].copy()
    sel["_d"] = sel["points"] - sel["points_last_year"]
    sel = sel.reindex(sel["_d"].abs().sort_values(ascending=False, kind="stable").index)
    names = indicator_names(fw, lang)
    y0 = gap.year - 1
    out = pd.DataFrame(
        {
            f"{column_label('value', fw, lang)} {y0}": list(sel["value_last_year"]),
            f"{column_label('value', fw, lang)} {gap.year}": list(sel["value"]),
            f"{column_label('points', fw, lang)} {y0}": [round(float(v), 2) for v in sel["points_last_year"]],
            f"{column_label('points', fw, lang)} {gap.year}": [round(float(v), 2) for v in sel["points"]],
        },
        index=pd.Index([names.get(i, i) for i in sel["indicator"]], name=column_label("indicator", fw, lang)),
    )
    return out
