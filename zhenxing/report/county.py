"""The county report: its headline, sentences, figures and tables.

Every builder is pure: it takes a :class:`~zhenxing.gap.CountyGap` (or any
object with its attributes, :class:`GapLike`) and the framework, and returns
a :class:`plotly.graph_objects.Figure`, a table or a string; it computes no
score of its own. Numbers are shown in the units the library returns (points
on the assessment scale, attainment and obstacle degree as shares shown in
per cent).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd
import plotly.graph_objects as go

from ..display import format_table
from ..framework import Framework
from ..labels import column_label
from .style import (
    CJK_FONT,
    LAST_YEAR_COLOUR,
    LEADER_COLOUR,
    MEAN_COLOUR,
    STATUS_COLOURS,
    UNIT_COLOUR,
    WARNING,
    style_figure,
    table_height,
)
from .text import (
    STATUS_LABELS,
    axis_dimension_names,
    category_label,
    dimension_names,
    grade_label,
    indicator_names,
    is_nan,
    num,
    text,
    unit_name,
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


def headline_record(gap: GapLike) -> dict[str, Any]:
    """The unit's headline numbers, language-neutral and JSON-ready.

    Keys: code, name_zh, name_en, city, category, year, total (points, full
    precision), grade (id), rank_category, n_category, rank_province,
    n_province, warning_talk, veto, points_to_pass_next,
    points_to_leave_bottom, margin_above_bottom (points; None where the
    library says infinite: no score leaves the bottom), missing_indicators
    (ids). Every value is copied from ``gap.unit`` / ``gap.standing``.
    """
    s = gap.standing
    u = gap.unit
    return {
        "code": str(gap.code),
        "name_zh": str(u.get("name_zh", "")),
        "name_en": str(u.get("name_en", "")),
        "city": str(u.get("city", "")),
        "category": str(u.get("category", "")),
        "year": int(gap.year),
        "total": float(s.total),
        "grade": str(s.grade),
        "rank_category": int(s.rank_category),
        "n_category": int(s.n_category),
        "rank_province": int(s.rank_province),
        "n_province": int(s.n_province),
        "warning_talk": bool(s.warning_talk),
        "veto": bool(s.veto),
        "points_to_pass_next": _finite(s.points_to_pass_next),
        "points_to_leave_bottom": _finite(s.points_to_leave_bottom),
        "margin_above_bottom": _finite(s.margin_above_bottom),
        "missing_indicators": [str(i) for i in gap.missing_indicators],
    }


def _finite(v: Any) -> float | None:
    """``float(v)``, or None when it is infinite or NaN (JSON has no infinity)."""
    f = float(v)
    return f if math.isfinite(f) else None


def headline_table(gap: GapLike, fw: Framework, lang: str = "zh") -> pd.DataFrame:
    """One-row table: code, name, total (2 decimals), grade, rank in category
    ("r/n"), rank in province ("r/n"), with headers in ``lang``."""
    r = headline_record(gap)
    df = pd.DataFrame(
        {
            "code": [r["code"]],
            "name": [unit_name(gap.unit, lang)],
            "total": [round(r["total"], 2)],
            "grade": [grade_label(fw, r["grade"], lang)],
            "rank_category": [f"{r['rank_category']}/{r['n_category']}"],
            "rank_province": [f"{r['rank_province']}/{r['n_province']}"],
        }
    )
    df.columns = [column_label(c, fw, lang) for c in df.columns]
    return df


def headline_text(gap: GapLike, fw: Framework, lang: str = "zh") -> str:
    """:func:`headline_table` as aligned plain text (deterministic)."""
    return format_table(headline_table(gap, fw, lang), decimals=2)


def standing_sentence(gap: GapLike, fw: Framework, lang: str = "zh") -> str:
    """A Markdown paragraph stating the unit's standing and what separates it
    from the unit above and from the warning-talk zone."""
    r = headline_record(gap)
    name = unit_name(gap.unit, lang)
    cat = category_label(fw, r["category"], lang)
    grade = grade_label(fw, r["grade"], lang)
    k = fw.warning_talk.per_category
    if lang == "en":
        parts = [
            f"**{name}** scored **{r['total']:.2f}** points in {r['year']} (grade: {grade}), "
            f"rank **{r['rank_category']} of {r['n_category']}** in the {cat} category and "
            f"{r['rank_province']} of {r['n_province']} in the province."
        ]
        if r["rank_category"] > 1:
            parts.append(f"It needs more than {r['points_to_pass_next']:.2f} points to pass the unit above.")
        if r["warning_talk"] and r["points_to_leave_bottom"] is None:
            parts.append(f"**It is in the bottom {k} of its category (warning talk)**, which has no more than {k} units.")
        elif r["warning_talk"]:
            parts.append(f"**It is in the bottom {k} of its category (warning talk):** "
                         f"it needs more than {r['points_to_leave_bottom']:.2f} points to leave that zone.")
        else:
            parts.append(f"It can lose {r['margin_above_bottom']:.2f} points before entering the bottom {k}.")
        if r["veto"]:
            parts.append("**A veto item applies: the top grade is barred.**")
    else:
        parts = [
            f"**{name}** {r['year']} 年总分 **{r['total']:.2f}** 分，等次“{grade}”，"
            f"在{cat} {r['n_category']} 个单位中列第 **{r['rank_category']}** 位，全省 {r['n_province']} 个单位中列第 {r['rank_province']} 位。"
        ]
        if r["rank_category"] > 1:
            parts.append(f"与前一名相差 {r['points_to_pass_next']:.2f} 分。")
        if r["warning_talk"] and r["points_to_leave_bottom"] is None:
            parts.append(f"**处于本类别末 {k} 位（约谈）**，本类别单位数不超过 {k} 个。")
        elif r["warning_talk"]:
            parts.append(f"**处于本类别末 {k} 位（约谈）**，需增加 {r['points_to_leave_bottom']:.2f} 分以上方可走出约谈区。")
        else:
            parts.append(f"高出约谈线 {r['margin_above_bottom']:.2f} 分。")
        if r["veto"]:
            parts.append("**触发一票否决事项，不能评为最高等次。**")
    return "".join(parts) if lang != "en" else " ".join(parts)


def missing_note(gap: GapLike, fw: Framework, lang: str = "zh") -> str:
    """Markdown note listing the unit's missing indicator values ("" when none)."""
    if not gap.missing_indicators:
        return ""
    names = indicator_names(fw, lang)
    listed = ("、" if lang != "en" else ", ").join(names.get(i, i) for i in gap.missing_indicators)
    rule = {"zero": ("按 0 分计", "scored 0"), "category_mean": ("按本类别平均达成度计", "given the category's mean attainment")}
    how = rule.get(fw.missing_values, ("", ""))
    if lang == "en":
        return f"**Missing values ({len(gap.missing_indicators)}):** {listed} — {how[1]} under the framework's rule."
    return f"**缺失指标（{len(gap.missing_indicators)} 项）：**{listed}——依框架规定{how[0]}。"


def headline_html(gap: GapLike, fw: Framework, lang: str = "zh") -> str:
    """An HTML card with the headline numbers (for nbconvert's HTML export)."""
    r = headline_record(gap)
    flag_colour = WARNING if r["warning_talk"] else STATUS_COLOURS["met"]
    flag = text("warning_talk", lang) if r["warning_talk"] else ("未进入约谈区" if lang != "en" else "clear of the warning talk")
    cells = [
        (column_label("total", fw, lang), f"{r['total']:.2f}"),
        (column_label("grade", fw, lang), grade_label(fw, r["grade"], lang)),
        (column_label("rank_category", fw, lang), f"{r['rank_category']}/{r['n_category']}"),
        (column_label("rank_province", fw, lang), f"{r['rank_province']}/{r['n_province']}"),
    ]
    tds = "".join(
        f'<td style="padding:6px 16px;text-align:center"><div style="font-size:12px;color:#666">{html.escape(k)}</div>'
        f'<div style="font-size:22px;font-weight:600">{html.escape(v)}</div></td>'
        for k, v in cells
    )
    title = f"{unit_name(gap.unit, lang)} · {category_label(fw, r['category'], lang)} · {r['year']}"
    return (
        f'<div style="font-family:{CJK_FONT};border:1px solid #ddd;border-radius:6px;padding:8px;margin:4px 0">'
        f'<div style="font-size:16px;font-weight:600;margin:0 0 4px 8px">{html.escape(title)} '
        f'<span style="color:{flag_colour};font-size:13px">● {html.escape(flag)}</span></div>'
        f"<table><tr>{tds}</tr></table></div>"
    )


def dimension_bars(gap: GapLike, fw: Framework, lang: str = "zh") -> go.Figure:
    """Grouped bars per dimension: the unit's points, the category mean and the
    category leader, with full marks as a marker (points)."""
    d = gap.dimensions
    names = axis_dimension_names(fw, lang)
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
    return style_figure(fig, text("dimension_title", lang), height=420)


def waterfall_steps(gap: GapLike, fw: Framework, lang: str = "zh") -> pd.DataFrame:
    """Steps of the loss waterfall: label, measure, value (points).

    Full marks (Σ dimension full marks), minus the points lost in each
    dimension (labels wrapped for the axis), an aggregation step when the base score is not the sum of the
    dimension points (non-arithmetic aggregation), plus the bonus, minus the
    deductions, a floor step if the total was raised to 0, ending at the
    unit's total. The relative steps sum exactly to ``total − full marks``.
    """
    d = gap.dimensions
    u = gap.unit
    names = axis_dimension_names(fw, lang, width=10)
    full = float(d["max_points"].sum())
    rows: list[tuple[str, str, float]] = [(text("full_marks", lang), "absolute", full)]
    rows += [(names.get(i, i), "relative", 0.0 - float(lost) + 0.0) for i, lost in zip(d["dimension"], d["points_lost"])]
    running = full - float(d["points_lost"].sum())
    base = float(u.get("base", running))
    if abs(base - running) > 1e-9:
        rows.append((text("aggregation", lang), "relative", base - running))
    bonus = float(u.get("bonus", 0.0) or 0.0)
    deduction = float(u.get("deduction", 0.0) or 0.0)
    rows.append((text("bonus", lang), "relative", bonus))
    rows.append((text("deduction", lang), "relative", 0.0 - deduction + 0.0))
    total = float(gap.standing.total)
    after = base + bonus - deduction
    if abs(total - after) > 1e-9:
        rows.append((text("floor", lang), "relative", total - after))
    rows.append((text("total", lang), "total", total))
    return pd.DataFrame(rows, columns=["label", "measure", "value"])


def loss_waterfall(gap: GapLike, fw: Framework, lang: str = "zh") -> go.Figure:
    """Waterfall from full marks to the unit's total (see :func:`waterfall_steps`)."""
    steps = waterfall_steps(gap, fw, lang)
    fig = go.Figure(
        go.Waterfall(
            x=list(steps["label"]),
            y=list(steps["value"]),
            measure=list(steps["measure"]),
            text=[(f"{v:+.2f}" if v else "0.00") if m == "relative" else f"{v:.2f}" for v, m in zip(steps["value"], steps["measure"])],
            textposition="outside",
            decreasing={"marker": {"color": "#e57373"}},
            increasing={"marker": {"color": "#81c784"}},
            totals={"marker": {"color": UNIT_COLOUR}},
            connector={"line": {"color": "#999", "width": 1}},
        )
    )
    full = float(steps["value"].iloc[0])
    levels = full + steps.loc[steps["measure"] == "relative", "value"].cumsum()
    low = float(min(levels.min(), steps["value"].iloc[-1])) if len(levels) else full
    lo = max(0.0, low - 0.25 * (full - low) - 1.0)  # the axis starts near the lowest level, not at 0
    fig.update_layout(yaxis_title=text("points", lang), yaxis_range=[lo, full + 0.08 * (full - lo)], showlegend=False)
    fig.update_xaxes(tickangle=0, automargin=True)
    return style_figure(fig, text("waterfall_title", lang), height=440)


_TABLE_WIDTHS = [1.6, 2.8, 0.7, 0.9, 0.9, 0.9, 1.2, 1.0, 1.1]


def indicator_table(gap: GapLike, fw: Framework, lang: str = "zh") -> go.Figure:
    """Indicator table with a traffic light per indicator (colour = status).

    Columns: dimension, indicator, unit, value, target, attainment (%),
    points / full marks, rank in category, status. The status cell is filled
    with :data:`STATUS_COLOURS` of its status.
    """
    ind = gap.indicators
    dims = dimension_names(fw, lang)
    names = indicator_names(fw, lang)
    statuses = [str(s) for s in ind["status"]]
    lab = {k: (v[1] if lang == "en" else v[0]) for k, v in STATUS_LABELS.items()}
    headers = [
        column_label("dimension", fw, lang), column_label("indicator", fw, lang), column_label("unit", fw, lang),
        column_label("value", fw, lang), column_label("target", fw, lang), column_label("attainment", fw, lang),
        f"{column_label('points', fw, lang)} / {column_label('max_points', fw, lang)}",
        text("rank_in_category", lang), text("status", lang),
    ]
    ranks = [
        "—" if is_nan(r) else f"{int(r)}/{int(n)}" for r, n in zip(ind["rank_category"], ind["n_category"])
    ]
    columns = [
        [dims.get(i, i) for i in ind["dimension"]],
        [names.get(i, i) for i in ind["indicator"]],
        [str(u) for u in ind["unit"]],
        [num(v) for v in ind["value"]],
        [num(v) for v in ind["target"]],
        ["—" if m else f"{a * 100:.0f}%" for a, m in zip(ind["attainment"], ind["missing"])],
        [f"{p:.2f} / {mx:.2f}" for p, mx in zip(ind["points"], ind["max_points"])],
        ranks,
        [f"● {lab.get(s, s)}" for s in statuses],
    ]
    white = ["white"] * len(ind)
    fill = [white] * (len(columns) - 1) + [[STATUS_COLOURS.get(s, "white") for s in statuses]]
    font_colour = [["#222"] * len(ind)] * (len(columns) - 1) + [["white"] * len(ind)]
    fig = go.Figure(
        go.Table(
            columnwidth=_TABLE_WIDTHS,
            header={"values": headers, "fill_color": "#eceff1", "align": "left", "font": {"size": 12}},
            cells={"values": columns, "fill_color": fill, "align": "left", "font": {"color": font_colour, "size": 12}, "height": 24},
        )
    )
    return style_figure(fig, text("table_title", lang), height=table_height(columns, _TABLE_WIDTHS))


def obstacle_bars(gap: GapLike, fw: Framework, lang: str = "zh", top: int = 10) -> go.Figure:
    """Horizontal bars of the ``top`` indicators by obstacle degree (share of
    all points lost, in per cent), largest at the top; hover shows points lost."""
    ind = gap.indicators
    sel = ind[ind["obstacle"] > 0].sort_values(["obstacle", "indicator"], ascending=[False, True], kind="stable").head(top)
    names = indicator_names(fw, lang)
    dims = dimension_names(fw, lang)
    sel = sel.iloc[::-1]  # plotly draws the first bar at the bottom
    fig = go.Figure(
        go.Bar(
            x=[float(v) * 100 for v in sel["obstacle"]],
            y=[names.get(i, i) for i in sel["indicator"]],
            orientation="h",
            marker_color=[STATUS_COLOURS.get(s, UNIT_COLOUR) for s in sel["status"]],
            text=[f"{v * 100:.1f}%" for v in sel["obstacle"]],
            textposition="outside",
            customdata=[[dims.get(d, d), float(p)] for d, p in zip(sel["dimension"], sel["points_lost"])],
            hovertemplate="%{y}<br>%{customdata[0]}<br>" + column_label("points_lost", fw, lang) + " %{customdata[1]:.2f}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title=f"{text('obstacle', lang)} (%)", showlegend=False)
    return style_figure(fig, text("obstacle_title", lang), height=140 + 32 * max(len(sel), 1))


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
    names = indicator_names(fw, lang)
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
            text=[f"{num(a)} → {num(b)}  (+{g:.2f})" for a, b, g in zip(steps["value"], steps["new_value"], steps["points_gained"])],
            textposition="auto",
        )
    )
    fig.update_layout(xaxis_title=f"{text('share_of_gap', lang)} (%)", showlegend=False)
    return style_figure(fig, title, height=160 + 36 * len(steps))


def year_comparison(gap: GapLike, fw: Framework, lang: str = "zh") -> go.Figure:
    """Dimension points last year and this year side by side (points); a note
    instead of bars when the unit has no data for last year."""
    d = gap.dimensions
    names = axis_dimension_names(fw, lang)
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
    return style_figure(fig, text("last_year_title", lang, y0=y0, y1=y1), height=400)


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
