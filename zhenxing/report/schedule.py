"""Schedule progress (序时进度) of a county report: record, summary, table and chart.

The builders read the DataFrame of :func:`zhenxing.gap.schedule_table` (indicator,
month, baseline, target, ytd, expected, progress, calendar, status) and compute
nothing of their own: progress and the calendar share are the library's
(shares, shown in per cent), the statuses its 'ahead' | 'on_time' | 'behind' | 'met' | 'unknown'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..framework import Framework
from ..labels import column_label
from .county import GapLike
from .style import SCHEDULE_COLOURS, UNIT_COLOUR, style_figure
from .tables import Column, table_html
from .text import SCHEDULE_LABELS, indicator_names, is_nan, text, wrap


SCHEDULE_STATUS_ORDER = ("ahead", "on_time", "behind", "met", "unknown")

SCHEDULE_COLUMNS = ("indicator", "month", "baseline", "target", "ytd", "expected", "progress", "calendar", "status")
"""Columns of :func:`zhenxing.gap.schedule_table`, the rows of :func:`schedule_record`."""

_SCHEDULE_BAR_RANGE = (-0.2, 1.5)  # bars are drawn within this range of shares (labels give the value)


def _schedule_label(status: str, lang: str) -> str:
    zh, en = SCHEDULE_LABELS.get(status, (status, status))
    return en if lang == "en" else zh


def _pct_share(v: Any) -> str:
    return "—" if is_nan(v) else f"{float(v) * 100:.0f}%"


def _progress_text(progress: Any, status: str) -> str:
    """The progress cell: the library's share in per cent; "—" when there is no way to
    measure (no value last year) or when the target was met already last year (the
    share of a way "back" to the target means nothing then)."""
    if is_nan(progress) or (status == "met" and float(progress) < 1.0):
        return "—"
    return _pct_share(progress)


def schedule_record(gap: GapLike, table: pd.DataFrame) -> dict[str, Any]:
    """The schedule table of ``gap``'s unit, language-neutral and JSON-ready.

    Keys: code, year, month (the latest month reported, None when no rows),
    rows (one dict per row of :func:`zhenxing.gap.schedule_table` with its
    :data:`SCHEDULE_COLUMNS`; numbers at full precision, None where NaN) and
    counts (status → number of indicators, every status of
    :data:`SCHEDULE_STATUS_ORDER`). Every value is copied from ``table``.
    """
    rows = []
    for rec in table.to_dict("records"):
        row: dict[str, Any] = {}
        for col in SCHEDULE_COLUMNS:
            v = rec[col]
            if col in ("indicator", "status"):
                row[col] = str(v)
            elif col == "month":
                row[col] = int(v)
            else:
                row[col] = None if is_nan(v) else float(v)
        rows.append(row)
    counts = {s: sum(r["status"] == s for r in rows) for s in SCHEDULE_STATUS_ORDER}
    return {
        "code": str(gap.code),
        "year": int(gap.year),
        "month": max((r["month"] for r in rows), default=None),
        "rows": rows,
        "counts": counts,
    }


def schedule_summary(record: Mapping[str, Any], fw: Framework, lang: str = "zh") -> str:
    """One Markdown paragraph from :func:`schedule_record`: how many indicators are
    ahead of the calendar, behind it, at target already (and without last year's
    value), naming those behind; or one line saying there are no year-to-date values."""
    en = lang == "en"
    rows = record["rows"]
    if not rows:
        return (f"**Schedule progress:** no year-to-date values for this unit in {record['year']}." if en
                else f"**序时进度：**本单位没有 {record['year']} 年的年内数据。")
    months = {r["month"] for r in rows}
    c = record["counts"]
    names = indicator_names(fw, lang)
    behind = [names.get(r["indicator"], r["indicator"]) for r in rows if r["status"] == "behind"]
    if en:
        when = f"By month {rows[0]['month']} (calendar {rows[0]['calendar'] * 100:.0f} %)" if len(months) == 1 else "By the latest month reported"
        on_time = f", {c['on_time']} on schedule" if c.get("on_time") else ""
        s = (f"**{when}**, of {len(rows)} indicators reported during the year {c['ahead']} are ahead of schedule{on_time}, "
             f"{c['behind']} behind and {c['met']} at target already")
        s += f"; {c['unknown']} have no value last year to measure from." if c["unknown"] else "."
        if behind:
            s += f" Behind schedule: {', '.join(behind)}."
    else:
        when = f"截至 {rows[0]['month']} 月（序时进度 {rows[0]['calendar'] * 100:.0f}%）" if len(months) == 1 else "截至各指标最新月份"
        on_time = f"，{c['on_time']} 项与序时进度持平" if c.get("on_time") else ""
        s = (f"**{when}**，年内报送的 {len(rows)} 项指标中，{c['ahead']} 项快于序时进度{on_time}，"
             f"{c['behind']} 项慢于序时进度，{c['met']} 项已达到目标值")
        s += f"，{c['unknown']} 项缺上年值、无法判断。" if c["unknown"] else "。"
        if behind:
            s += f"慢于序时进度：{'、'.join(behind)}。"
    return s


def schedule_table_html(table: pd.DataFrame, fw: Framework, lang: str = "zh") -> str:
    """The schedule table as a reader's HTML table, the status in its colour.

    Columns: indicator, unit, month, last year's value, target, year-to-date
    value, value expected by the calendar, progress (share of the way from last
    year's value to the target, per cent; "—" without a way to measure),
    calendar share (month / 12, per cent), status.
    """
    names = indicator_names(fw, lang)
    by_id = fw.indicator_by_id
    rows = [
        {"indicator": names.get(r.indicator, r.indicator), "unit": by_id[r.indicator].unit_label(lang), "month": int(r.month),
         "baseline": r.baseline, "target": r.target, "ytd": r.ytd, "expected": r.expected,
         "progress": _progress_text(r.progress, str(r.status)), "calendar": _pct_share(r.calendar),
         "status": _schedule_label(str(r.status), lang), "_status": str(r.status)}
        for r in table.itertuples()
    ]
    columns = [
        Column("indicator", column_label("indicator", fw, lang)), Column("unit", column_label("unit", fw, lang)),
        Column("month", text("sched_month", lang), "int"), Column("baseline", text("sched_baseline", lang), "number"),
        Column("target", column_label("target", fw, lang), "number"), Column("ytd", text("sched_ytd", lang), "number"),
        Column("expected", text("sched_expected", lang), "number"), Column("progress", text("sched_progress", lang)),
        Column("calendar", text("sched_calendar", lang)), Column("status", text("status", lang)),
    ]
    return table_html(rows, columns, text("sched_table_title", lang), lang,
                      cell_class=lambda r, c: f"zx-sched-{r['_status']}" if c.key == "status" else "")


def schedule_bar_values(table: pd.DataFrame) -> list[float]:
    """Bar lengths of :func:`schedule_bars` (shares): the library's progress, 1 for an
    indicator at target already whose progress is below 1 (met last year), 0 without
    a way to measure, clipped to :data:`_SCHEDULE_BAR_RANGE` (the labels give the value)."""
    lo, hi = _SCHEDULE_BAR_RANGE
    out = []
    for p, s in zip(table["progress"], table["status"]):
        if s == "met" and (is_nan(p) or float(p) < 1.0):
            x = 1.0
        elif is_nan(p):
            x = 0.0
        else:
            x = float(p)
        out.append(min(max(x, lo), hi))
    return out


def schedule_bars(table: pd.DataFrame, fw: Framework, lang: str = "zh") -> go.Figure:
    """Bullet chart of schedule progress: per indicator a bar of the share of the way
    from last year's value to the target covered (per cent, see
    :func:`schedule_bar_values`), one bar trace per status (its colour, its legend
    entry), a tick at the calendar share (month / 12) and a dashed line at 100 %
    (target reached). The value labels ("44% · behind schedule") stand in a column
    right of the plot area, where neither the tick nor a bar crosses them.
    Indicators in the table's order, top down."""
    names = indicator_names(fw, lang)
    y = [wrap(names.get(i, i), 30) for i in table["indicator"]]
    statuses = [str(s) for s in table["status"]]
    bars = [v * 100 for v in schedule_bar_values(table)]
    labels = []
    for p, s in zip(table["progress"], statuses):
        t = _progress_text(p, s)
        labels.append(_schedule_label(s, lang) if t == "—" else f"{t} · {_schedule_label(s, lang)}")
    indicators = list(table["indicator"])
    fig = go.Figure()
    order = [s for s in SCHEDULE_STATUS_ORDER if s in statuses] + sorted(set(statuses) - set(SCHEDULE_STATUS_ORDER))
    for status in order:  # one trace per status: every colour has its legend entry
        rows = [k for k, s in enumerate(statuses) if s == status]
        fig.add_bar(
            name=_schedule_label(status, lang), x=[bars[k] for k in rows], y=[y[k] for k in rows], orientation="h",
            marker_color=SCHEDULE_COLOURS.get(status, UNIT_COLOUR), text=[labels[k] for k in rows], textposition="none",
            customdata=[indicators[k] for k in rows], legendgroup=status,
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    months = sorted({int(m) for m in table["month"]})
    cal_name = text("sched_calendar", lang) + (f" {months[0]}/12" if len(months) == 1 else "")
    fig.add_scatter(
        name=cal_name, x=[float(v) * 100 for v in table["calendar"]], y=y, mode="markers",
        marker={"symbol": "line-ns-open", "size": 26, "color": "#222", "line": {"width": 3}},
        hovertemplate="%{y}<br>" + text("sched_calendar", lang) + " %{x:.0f}%<extra></extra>",
    )
    fig.add_shape(type="line", x0=100, x1=100, y0=0, y1=1, yref="paper", line={"color": "#555", "width": 1, "dash": "dash"})
    fig.add_annotation(text=text("sched_target_line", lang), x=100, y=1, yref="paper", yanchor="bottom", showarrow=False,
                       font={"size": 11, "color": "#555"})
    for label, row in zip(labels, y):  # the value labels: a column right of the plot area
        fig.add_annotation(text=label, x=1, xref="paper", xanchor="left", xshift=8, y=row, yref="y", showarrow=False,
                           align="left", font={"size": 12, "color": "#333"})
    lo = min([0.0, *bars]) - 5.0
    hi = max([100.0, *bars]) + 8.0
    fig.update_layout(xaxis_title=text("sched_axis", lang), bargap=0.35, barmode="overlay")
    fig.update_xaxes(range=[lo, hi], zeroline=True, zerolinecolor="#999")
    fig.update_yaxes(autorange="reversed", type="category", categoryorder="array", categoryarray=y, automargin=True)
    when = text("sched_when_month", lang, m=months[0]) if len(months) == 1 else text("sched_when_latest", lang)
    lines = max((label.count("<br>") + 1 for label in y), default=1)
    fig = style_figure(fig, text("sched_bars_title", lang, when=when), height=150 + max(38, 15 * lines + 12) * max(len(table), 1))
    fig.update_layout(margin={"r": 175})  # px for the label column; the figure stays FIGURE_WIDTH wide
    return fig
