"""Figure builders for the report notebooks (plotly), in Chinese or English.

Every builder is pure: it takes library results (a :class:`~zhenxing.gap.CountyGap`
or the tables of a :class:`~zhenxing.scoring.ScoreResult`) and the framework,
and returns a :class:`plotly.graph_objects.Figure` (or a string); it computes
no score of its own. Numbers are shown in the units the library returns
(points on the assessment scale, attainment and obstacle degree as shares
shown in per cent).

Displaying figures
------------------
:func:`show` displays a figure with two representations at once:

* ``application/vnd.plotly.v1+json`` — JupyterLab renders it natively;
* ``text/html`` from ``fig.to_html(full_html=False, ...)`` — what nbconvert's
  HTML export shows.

plotly.js is never loaded from a CDN. With ``plotly_js="embed"`` the library
is embedded in the *first* figure of a report run only; with ``"directory"``
(or a path ending in ``.js``) the first figure loads it with
``<script src="plotly.min.js">`` (or that path) and the report folder must
provide the file; with ``"none"`` no figure loads it (the page already does).
:func:`start_report` resets this per-run state; it also numbers the figures so
that each gets a deterministic ``div_id`` (stable outputs).

Labels
------
``lang`` is ``"zh"`` (default) or ``"en"``; names of units, categories,
grades, dimensions and indicators come from the register and the framework
(:meth:`Framework.label`, :mod:`zhenxing.labels`).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .display import format_table
from .framework import Framework
from .labels import LANGS, column_label

CJK_FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
"""Font family list for plotly figures; any one of these renders Chinese."""

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"
HEADLINE_MIMETYPE = "application/vnd.zhenxing.headline+json"
"""Custom mimetype of the machine-readable headline record a report displays."""

STATUS_ORDER = ("met", "partial", "zero", "missing")
STATUS_COLOURS: dict[str, str] = {
    "met": "#2e7d32",  # green: target met (full points)
    "partial": "#f9a825",  # amber: some points
    "zero": "#c62828",  # red: zero points
    "missing": "#9e9e9e",  # grey: value missing
}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "met": ("达标", "met"),
    "partial": ("部分达标", "partial"),
    "zero": ("零分", "zero"),
    "missing": ("缺失", "missing"),
}
CATEGORY_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
HIGHLIGHT = "#1565c0"  # the home city and its units
MUTED = "#b0b7c3"  # everyone else
WARNING = "#c62828"  # warning-talk / last-city flags
UNIT_COLOUR = "#1f77b4"
MEAN_COLOUR = "#9ecae1"
LEADER_COLOUR = "#2ca02c"
LAST_YEAR_COLOUR = "#bdbdbd"

_TEXT: dict[str, tuple[str, str]] = {
    "this_unit": ("本单位", "This unit"),
    "category_mean": ("类别平均", "Category mean"),
    "category_leader": ("类别最高", "Category leader"),
    "full_marks": ("满分", "Full marks"),
    "points": ("得分", "Points"),
    "dimension_title": ("各维度得分与类别比较", "Dimension points compared with the category"),
    "waterfall_title": ("从满分到总分：各维度失分与加减分", "From full marks to the total: points lost by dimension, bonus and deductions"),
    "bonus": ("加分", "Bonus"),
    "deduction": ("扣分", "Deductions"),
    "aggregation": ("汇总方法调整", "Aggregation effect"),
    "floor": ("不低于0分", "Floor at 0"),
    "total": ("总分", "Total"),
    "table_title": ("指标明细（绿=达标，黄=部分达标，红=零分，灰=缺失）",
                    "Indicators (green = target met, amber = partial, red = zero points, grey = missing)"),
    "status": ("状态", "Status"),
    "rank_in_category": ("类别内排名", "Rank in category"),
    "obstacle_title": ("主要障碍指标（障碍度）", "Main obstacles (obstacle degree)"),
    "obstacle": ("障碍度", "Obstacle degree"),
    "path_leave_bottom": ("走出约谈区的最省路径：需增加 {pts} 分", "Cheapest path out of the warning-talk zone: {pts} points needed"),
    "path_pass_next": ("超过前一名的最省路径：需增加 {pts} 分", "Cheapest path past the unit above: {pts} points needed"),
    "path_infeasible": ("（在指标可达范围内无法实现）", " (not reachable within the indicators' ranges)"),
    "path_none": ("无需追赶：本单位已列类别第一且不在约谈区", "Nothing to catch up: first in its category and clear of the warning talk"),
    "path_no_exit": ("本类别单位数不超过约谈名额：任何得分都无法走出约谈区", "The category has no more units than the warning-talk quota: no score leaves the zone"),
    "path_not_computed": ("未计算追赶路径（仅适用于目标达成度评分与加权求和）",
                          "No path computed (only for goalpost scoring with arithmetic aggregation)"),
    "share_of_gap": ("缩小与目标值差距的比例", "Share of the gap to target closed"),
    "last_year_title": ("各维度得分：{y0} 年与 {y1} 年", "Dimension points: {y0} and {y1}"),
    "no_last_year": ("{y0} 年无数据（该单位当年未参加考核）", "No data for {y0} (the unit was not assessed that year)"),
    "city_units_title": ("{city}各县（市、区）总分", "Units of {city}: totals"),
    "city_league_title": ("全省各市得分（市得分 = 所辖单位总分平均）", "City league (city score = mean of its units' totals)"),
    "category_leagues_title": ("分类排名（{city}所辖单位突出显示，红框 = 约谈）", "Category leagues ({city} highlighted; red outline = warning talk)"),
    "warning_talk": ("约谈", "warning talk"),
    "last_city": ("末位", "last"),
    "score": ("得分", "Score"),
}


def text(key: str, lang: str = "zh", **fmt: Any) -> str:
    """A report phrase in ``lang`` (``zh`` or ``en``), formatted with ``fmt``."""
    zh, en = _TEXT[key]
    return (en if lang == "en" else zh).format(**fmt)


# ---------------------------------------------------------------------------
# what the builders read (duck-typed, so they work on any object with the
# attributes of zhenxing.gap.CountyGap)
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# display
# ---------------------------------------------------------------------------


@dataclass
class ReportState:
    """Per-run display state: how to load plotly.js and how many figures were shown."""

    plotly_js: str = "embed"
    prefix: str = "zx"
    shown: int = 0

    def include_plotlyjs(self) -> bool | str:
        """The ``include_plotlyjs`` argument for the next figure (loads plotly.js once)."""
        if self.shown > 0 or self.plotly_js == "none":
            return False
        if self.plotly_js == "embed":
            return True
        return self.plotly_js  # "directory" or a path ending in .js

    def next_div_id(self) -> str:
        return f"{self.prefix}-fig-{self.shown + 1}"


_state = ReportState()


def _check_plotly_js(plotly_js: str) -> str:
    if not isinstance(plotly_js, str):
        raise ValueError(f"plotly_js must be a string ('embed', 'directory', 'none' or a path ending in .js), got {plotly_js!r}")
    p = plotly_js.strip()
    if p in ("embed", "directory", "none"):
        return p
    low = p.lower()
    if low == "cdn" or low.startswith(("http://", "https://", "//")):
        raise ValueError(f"plotly_js={plotly_js!r}: reports never load plotly.js from the network; use 'embed' or 'directory'")
    if low.endswith(".js"):
        return p
    raise ValueError(f"plotly_js={plotly_js!r}: expected 'embed', 'directory', 'none' or a local path ending in .js")


def start_report(plotly_js: str = "embed", prefix: str = "zx", lang: str | None = None) -> ReportState:
    """Reset the display state at the start of a notebook run and return it.

    ``plotly_js``: ``"embed"`` (plotly.js inside the first figure),
    ``"directory"`` (first figure loads ``plotly.min.js`` next to the HTML),
    a local path ending in ``.js``, or ``"none"``. A CDN is refused.
    ``prefix`` starts every figure's ``div_id`` (``<prefix>-fig-<n>``).
    ``lang``, when given, is checked to be one of :data:`zhenxing.labels.LANGS`.
    """
    global _state
    if lang is not None and lang not in LANGS:
        raise ValueError(f"lang={lang!r}: expected one of {', '.join(LANGS)}")
    _state = ReportState(plotly_js=_check_plotly_js(plotly_js), prefix=prefix)
    return _state


def figure_bundle(fig: go.Figure, state: ReportState | None = None) -> dict[str, Any]:
    """The mimebundle :func:`show` displays, and advances ``state``.

    Keys: ``application/vnd.plotly.v1+json`` (the figure as JSON),
    ``text/html`` (a ``<div>``; plotly.js included only for the first figure
    of the run, as ``state.plotly_js`` says) and ``text/plain``.
    """
    state = state if state is not None else _state
    div_id = state.next_div_id()
    html_div = fig.to_html(full_html=False, include_plotlyjs=state.include_plotlyjs(), div_id=div_id)
    bundle = {
        PLOTLY_MIMETYPE: json.loads(fig.to_json()),
        "text/html": html_div,
        "text/plain": f"<figure {div_id}: {fig.layout.title.text or ''}>",
    }
    state.shown += 1
    return bundle


def _ipython_display(bundle: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


_display: Callable[[dict[str, Any]], None] = _ipython_display


def show(fig: go.Figure, plotly_js: str | None = None) -> None:
    """Display ``fig`` with both the plotly mimetype and ``text/html``.

    ``plotly_js`` (optional) must match the mode given to :func:`start_report`;
    if it differs, or no report was started, the state is reset to it first.
    """
    if plotly_js is not None and _check_plotly_js(plotly_js) != _state.plotly_js:
        start_report(plotly_js, _state.prefix)
    _display(figure_bundle(fig, _state))


def display_headline(record: Mapping[str, Any], plain: str, html_text: str) -> None:
    """Display the headline: text (plain), a card (HTML) and ``record`` as JSON
    under :data:`HEADLINE_MIMETYPE` (read by tests and batch tools)."""
    _display({"text/plain": plain, "text/html": html_text, HEADLINE_MIMETYPE: dict(record)})


def markdown(md: str) -> None:
    """Display Markdown text (nothing when ``md`` is empty)."""
    if md:
        _display({"text/markdown": md, "text/plain": md})


def prose(lang: str, zh: str, en: str) -> None:
    """Display Markdown prose in the report's language (``zh`` or ``en``)."""
    markdown(en if lang == "en" else zh)


def show_headline(gap: GapLike, fw: Framework, lang: str = "zh") -> dict[str, Any]:
    """Display the unit's headline (:func:`headline_text`, :func:`headline_html`
    and :func:`headline_record` as JSON) and return the record."""
    record = headline_record(gap)
    display_headline(record, headline_text(gap, fw, lang), headline_html(gap, fw, lang))
    return record


def show_city_headline(cities: pd.DataFrame, units: pd.DataFrame, city: str, lang: str = "zh") -> dict[str, Any]:
    """Display the city's headline (text, HTML card, JSON record) and return the record."""
    record = city_record(cities, units, city)
    display_headline(record, city_headline_text(record, lang), city_headline_html(record, lang))
    return record


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _style(fig: go.Figure, title: str, height: int | None = None) -> go.Figure:
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


def _dimension_names(fw: Framework, lang: str) -> dict[str, str]:
    return {d.id: fw.label(d, lang) for d in fw.dimensions}


def wrap(label: str, width: int = 16) -> str:
    """Break a long axis label into lines of about ``width`` columns joined by
    ``<br>``: at spaces, or between characters for text without spaces (a
    Chinese character counts two columns)."""
    if " " not in label:
        lines, cur, used = [], "", 0
        for ch in label:
            w = 2 if "\u2e80" <= ch <= "\uffef" else 1
            if cur and used + w > width:
                lines.append(cur)
                cur, used = "", 0
            cur, used = cur + ch, used + w
        return "<br>".join([*lines, cur]) if cur else "<br>".join(lines)
    lines = []
    for w in label.split(" "):
        if lines and len(lines[-1]) + 1 + len(w) <= width:
            lines[-1] += " " + w
        else:
            lines.append(w)
    return "<br>".join(lines)


def _axis_dimension_names(fw: Framework, lang: str, width: int = 16) -> dict[str, str]:
    return {k: wrap(v, width) for k, v in _dimension_names(fw, lang).items()}


def _indicator_names(fw: Framework, lang: str) -> dict[str, str]:
    return {i.id: fw.label(i, lang) for i in fw.indicators}


def unit_name(unit: Mapping[str, Any], lang: str = "zh") -> str:
    """The unit's name in ``lang`` (``name_en`` for English when present, else ``name_zh``)."""
    if lang == "en" and str(unit.get("name_en", "") or ""):
        return str(unit["name_en"])
    return str(unit.get("name_zh", unit.get("code", "")))


def city_name(row: Mapping[str, Any], lang: str = "zh") -> str:
    """The city's name in ``lang`` (``city_en`` for English when present, else ``city``)."""
    if lang == "en" and str(row.get("city_en", "") or ""):
        return str(row["city_en"])
    return str(row.get("city", ""))


def _names(df: pd.DataFrame, lang: str) -> list[str]:
    if lang == "en" and "name_en" in df.columns:
        return [en if isinstance(en, str) and en else zh for zh, en in zip(df["name_zh"], df["name_en"])]
    return [str(v) for v in df["name_zh"]]


def _num(v: Any, decimals: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, (int,)) and not isinstance(v, bool):
        return str(v)
    return f"{float(v):,.{decimals}f}"


def _is_nan(v: Any) -> bool:
    try:
        return v is None or math.isnan(float(v))
    except (TypeError, ValueError):
        return False


def _category_label(fw: Framework, category: str, lang: str) -> str:
    for c in fw.categories:
        if c.id == category:
            return fw.label(c, lang)
    return category


def _grade_label(fw: Framework, grade: str, lang: str) -> str:
    for g in fw.grades:
        if g.id == grade:
            return fw.label(g, lang)
    return grade


def category_colours(fw: Framework) -> dict[str, str]:
    """One colour per category id, in framework order."""
    return {c.id: CATEGORY_PALETTE[k % len(CATEGORY_PALETTE)] for k, c in enumerate(fw.categories)}


# ---------------------------------------------------------------------------
# county report
# ---------------------------------------------------------------------------


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
            "grade": [_grade_label(fw, r["grade"], lang)],
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
    cat = _category_label(fw, r["category"], lang)
    grade = _grade_label(fw, r["grade"], lang)
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
    names = _indicator_names(fw, lang)
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
        (column_label("grade", fw, lang), _grade_label(fw, r["grade"], lang)),
        (column_label("rank_category", fw, lang), f"{r['rank_category']}/{r['n_category']}"),
        (column_label("rank_province", fw, lang), f"{r['rank_province']}/{r['n_province']}"),
    ]
    tds = "".join(
        f'<td style="padding:6px 16px;text-align:center"><div style="font-size:12px;color:#666">{html.escape(k)}</div>'
        f'<div style="font-size:22px;font-weight:600">{html.escape(v)}</div></td>'
        for k, v in cells
    )
    title = f"{unit_name(gap.unit, lang)} · {_category_label(fw, r['category'], lang)} · {r['year']}"
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
    names = _axis_dimension_names(fw, lang)
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
    return _style(fig, text("dimension_title", lang), height=420)


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
    names = _axis_dimension_names(fw, lang, width=10)
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
    return _style(fig, text("waterfall_title", lang), height=440)


_TABLE_WIDTHS = [1.6, 2.8, 0.7, 0.9, 0.9, 0.9, 1.2, 1.0, 1.1]


def indicator_table(gap: GapLike, fw: Framework, lang: str = "zh") -> go.Figure:
    """Indicator table with a traffic light per indicator (colour = status).

    Columns: dimension, indicator, unit, value, target, attainment (%),
    points / full marks, rank in category, status. The status cell is filled
    with :data:`STATUS_COLOURS` of its status.
    """
    ind = gap.indicators
    dims = _dimension_names(fw, lang)
    names = _indicator_names(fw, lang)
    statuses = [str(s) for s in ind["status"]]
    lab = {k: (v[1] if lang == "en" else v[0]) for k, v in STATUS_LABELS.items()}
    headers = [
        column_label("dimension", fw, lang), column_label("indicator", fw, lang), column_label("unit", fw, lang),
        column_label("value", fw, lang), column_label("target", fw, lang), column_label("attainment", fw, lang),
        f"{column_label('points', fw, lang)} / {column_label('max_points', fw, lang)}",
        text("rank_in_category", lang), text("status", lang),
    ]
    ranks = [
        "—" if _is_nan(r) else f"{int(r)}/{int(n)}" for r, n in zip(ind["rank_category"], ind["n_category"])
    ]
    columns = [
        [dims.get(i, i) for i in ind["dimension"]],
        [names.get(i, i) for i in ind["indicator"]],
        [str(u) for u in ind["unit"]],
        [_num(v) for v in ind["value"]],
        [_num(v) for v in ind["target"]],
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
    return _style(fig, text("table_title", lang), height=_table_height(columns, _TABLE_WIDTHS))


def _text_px(text_: str) -> float:
    """Rough width in pixels of ``text_`` at font size 12 (CJK characters are wider)."""
    return sum(12.5 if "\u2e80" <= ch <= "\uffef" else 6.8 for ch in text_)


def _table_height(columns: list[list[str]], widths: list[float], page: float = 960.0) -> int:
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


def obstacle_bars(gap: GapLike, fw: Framework, lang: str = "zh", top: int = 10) -> go.Figure:
    """Horizontal bars of the ``top`` indicators by obstacle degree (share of
    all points lost, in per cent), largest at the top; hover shows points lost."""
    ind = gap.indicators
    sel = ind[ind["obstacle"] > 0].sort_values(["obstacle", "indicator"], ascending=[False, True], kind="stable").head(top)
    names = _indicator_names(fw, lang)
    dims = _dimension_names(fw, lang)
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
    return _style(fig, text("obstacle_title", lang), height=140 + 32 * max(len(sel), 1))


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
        return _style(fig, title, height=200)
    names = _indicator_names(fw, lang)
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
            text=[f"{_num(a)} → {_num(b)}  (+{g:.2f})" for a, b, g in zip(steps["value"], steps["new_value"], steps["points_gained"])],
            textposition="auto",
        )
    )
    fig.update_layout(xaxis_title=f"{text('share_of_gap', lang)} (%)", showlegend=False)
    return _style(fig, title, height=160 + 36 * len(steps))


def year_comparison(gap: GapLike, fw: Framework, lang: str = "zh") -> go.Figure:
    """Dimension points last year and this year side by side (points); a note
    instead of bars when the unit has no data for last year."""
    d = gap.dimensions
    names = _axis_dimension_names(fw, lang)
    x = [names.get(i, i) for i in d["dimension"]]
    y0, y1 = gap.year - 1, gap.year
    fig = go.Figure()
    if d["points_last_year"].isna().all():
        fig.add_annotation(text=text("no_last_year", lang, y0=y0), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return _style(fig, text("last_year_title", lang, y0=y0, y1=y1), height=200)
    fig.add_bar(name=str(y0), x=x, y=list(d["points_last_year"]), marker_color=LAST_YEAR_COLOUR)
    fig.add_bar(name=str(y1), x=x, y=list(d["points"]), marker_color=UNIT_COLOUR)
    fig.update_layout(barmode="group", yaxis_title=text("points", lang))
    return _style(fig, text("last_year_title", lang, y0=y0, y1=y1), height=400)


def indicator_changes(gap: GapLike, fw: Framework, lang: str = "zh") -> pd.DataFrame:
    """Table of the indicators whose points changed since last year, with
    headers in ``lang``, indexed by indicator name: value last year, value,
    points last year, points (largest change in points first). Empty when
    there is no last year."""
    ind = gap.indicators
    sel = ind[ind["points_last_year"].notna() & (ind["points"] != ind["points_last_year"])].copy()
    sel["_d"] = sel["points"] - sel["points_last_year"]
    sel = sel.reindex(sel["_d"].abs().sort_values(ascending=False, kind="stable").index)
    names = _indicator_names(fw, lang)
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


# ---------------------------------------------------------------------------
# city overview
# ---------------------------------------------------------------------------


def city_record(cities: pd.DataFrame, units: pd.DataFrame, city: str) -> dict[str, Any]:
    """The home city's headline, language-neutral and JSON-ready: city,
    city_en, score (points, full precision), rank, n_cities, last, n_units,
    units_warning_talk (codes of its units in a category's bottom group).
    Every value is copied from the score tables."""
    row = cities[cities["city"] == city]
    if len(row) != 1:
        raise ValueError(f"unknown city {city!r} (cities in the result: {', '.join(map(str, cities['city']))})")
    r = row.iloc[0]
    mine = units[units["city"] == city]
    return {
        "city": str(r["city"]),
        "city_en": str(r["city_en"]),
        "score": float(r["score"]),
        "rank": int(r["rank"]),
        "n_cities": int(len(cities)),
        "last": bool(r["last"]),
        "n_units": int(r["n_units"]),
        "units_warning_talk": sorted(str(c) for c in mine.loc[mine["warning_talk"].astype(bool), "code"]),
    }


def city_units_table(units: pd.DataFrame, city: str, fw: Framework, lang: str = "zh") -> pd.DataFrame:
    """The city's units indexed by code (name, category, total, grade, rank in category
    "r/n", rank in province, warning talk, margin to the warning-talk line in
    points when the result has it), headers and values in ``lang``."""
    mine = units[units["city"] == city]
    yes = "是" if lang != "en" else "yes"
    df = pd.DataFrame(
        {
            "code": list(mine["code"]),
            "name": _names(mine, lang),
            "category": [_category_label(fw, c, lang) for c in mine["category"]],
            "total": [round(float(v), 2) for v in mine["total"]],
            "grade": [_grade_label(fw, g, lang) for g in mine["grade"]],
            "rank_category": [f"{r}/{n}" for r, n in zip(mine["rank_category"], mine["n_category"])],
            "rank_province": [int(v) for v in mine["rank_province"]],
            "warning_talk": [yes if bool(w) else "" for w in mine["warning_talk"]],
            **({"margin_bottom": [round(float(v), 2) for v in mine["margin_bottom"]]} if "margin_bottom" in mine.columns else {}),
        }
    )
    df.columns = [column_label(c, fw, lang) for c in df.columns]
    return df.set_index(df.columns[0])


def city_units(units: pd.DataFrame, city: str, fw: Framework, lang: str = "zh") -> go.Figure:
    """Bars of the totals of ``city``'s units (points), one colour per
    category, units in the warning-talk zone outlined in red; sorted by total."""
    mine = units[units["city"] == city].sort_values(["total", "code"], ascending=[False, True], kind="stable")
    colours = category_colours(fw)
    fig = go.Figure()
    for c in fw.categories:
        sub = mine[mine["category"] == c.id]
        if sub.empty:
            continue
        flagged = [bool(w) for w in sub["warning_talk"]]
        fig.add_bar(
            name=fw.label(c, lang),
            x=_names(sub, lang),
            y=[float(v) for v in sub["total"]],
            customdata=list(sub["code"]),
            marker={"color": colours[c.id], "line": {"color": [WARNING if f else colours[c.id] for f in flagged], "width": [3 if f else 0 for f in flagged]}},
            text=[f"{t:.2f}" + (f" ({text('warning_talk', lang)})" if f else "") for t, f in zip(sub["total"], flagged)],
            textposition="outside",
        )
    order = _names(mine, lang)
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    lo = float(mine["total"].min()) if len(mine) else 0.0
    fig.update_layout(yaxis_title=column_label("total", fw, lang), yaxis_range=[max(0.0, lo - 10), float(fw.scale) * 1.05])
    name = city if lang != "en" or mine.empty else city_name(mine.iloc[0], lang)
    return _style(fig, text("city_units_title", lang, city=name), height=420)


def city_league(cities: pd.DataFrame, city: str, lang: str = "zh") -> go.Figure:
    """Bars of every city's score (points), best first; the home city in the
    highlight colour, the last city (warning talk) outlined and labelled."""
    names = [city_name(r, lang) for _, r in cities.iterrows()]
    home = [c == city for c in cities["city"]]
    last = [bool(v) for v in cities["last"]]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=[float(v) for v in cities["score"]],
            customdata=list(cities["city"]),
            marker={
                "color": [HIGHLIGHT if h else MUTED for h in home],
                "line": {"color": [WARNING if lst else "rgba(0,0,0,0)" for lst in last], "width": [3 if lst else 0 for lst in last]},
            },
            text=[f"{s:.2f}" + (f" ({text('last_city', lang)})" if lst else "") for s, lst in zip(cities["score"], last)],
            textposition="outside",
        )
    )
    lo = float(cities["score"].min()) if len(cities) else 0.0
    fig.update_layout(yaxis_title=text("score", lang), yaxis_range=[max(0.0, lo - 10), float(cities["score"].max()) + 5], showlegend=False)
    fig.update_xaxes(categoryorder="array", categoryarray=names)
    return _style(fig, text("city_league_title", lang), height=420)


def category_leagues(units: pd.DataFrame, city: str, fw: Framework, lang: str = "zh") -> go.Figure:
    """One bar chart per category (rows): every unit's total (points), best
    first; ``city``'s units in the highlight colour, the others muted, units
    in the warning-talk zone outlined in red."""
    cats = [c for c in fw.categories if (units["category"] == c.id).any()]
    fig = make_subplots(rows=max(len(cats), 1), cols=1, subplot_titles=[fw.label(c, lang) for c in cats], vertical_spacing=0.5 / max(len(cats), 1))
    for k, c in enumerate(cats, start=1):
        sub = units[units["category"] == c.id].sort_values(["total", "code"], ascending=[False, True], kind="stable")
        home = [v == city for v in sub["city"]]
        flagged = [bool(w) for w in sub["warning_talk"]]
        fig.add_trace(
            go.Bar(
                name=fw.label(c, lang),
                x=_names(sub, lang),
                y=[float(v) for v in sub["total"]],
                customdata=list(sub["code"]),
                marker={
                    "color": [HIGHLIGHT if h else MUTED for h in home],
                    "line": {"color": [WARNING if f else "rgba(0,0,0,0)" for f in flagged], "width": [2 if f else 0 for f in flagged]},
                },
                hovertemplate="%{x}<br>%{y:.2f}<extra></extra>",
                showlegend=False,
            ),
            row=k,
            col=1,
        )
        lo = float(sub["total"].min())
        fig.update_yaxes(range=[max(0.0, lo - 5), float(sub["total"].max()) + 2], row=k, col=1)
        fig.update_xaxes(tickangle=-60, tickfont={"size": 9}, row=k, col=1)
    return _style(fig, text("category_leagues_title", lang, city=city if lang != "en" else _city_en(units, city)), height=380 * max(len(cats), 1))


def _city_en(units: pd.DataFrame, city: str) -> str:
    rows = units[units["city"] == city]
    if len(rows) and "city_en" in rows.columns and str(rows["city_en"].iloc[0]):
        return str(rows["city_en"].iloc[0])
    return city


def city_headline_text(record: Mapping[str, Any], lang: str = "zh") -> str:
    """The city's headline as aligned plain text (score to 2 decimals)."""
    df = pd.DataFrame(
        {
            "city": [record["city_en"] if lang == "en" and record["city_en"] else record["city"]],
            "score": [round(record["score"], 2)],
            "rank": [f"{record['rank']}/{record['n_cities']}"],
            "last": [("yes" if lang == "en" else "是") if record["last"] else ""],
            "n_units": [record["n_units"]],
        }
    )
    labels = {"city": ("市", "City"), "score": ("得分", "Score"), "rank": ("全省排名", "Rank"), "last": ("末位", "Last"), "n_units": ("考核单位数", "Units")}
    df.columns = [labels[c][1] if lang == "en" else labels[c][0] for c in df.columns]
    return format_table(df, decimals=2)


def city_headline_html(record: Mapping[str, Any], lang: str = "zh") -> str:
    """An HTML card with the city's score, rank and flags."""
    name = record["city_en"] if lang == "en" and record["city_en"] else record["city"]
    flag = (text("last_city", lang) if record["last"] else ("非末位" if lang != "en" else "not last"))
    colour = WARNING if record["last"] else STATUS_COLOURS["met"]
    score_l, rank_l = (("Score", "Rank") if lang == "en" else ("得分", "全省排名"))
    return (
        f'<div style="font-family:{CJK_FONT};border:1px solid #ddd;border-radius:6px;padding:8px;margin:4px 0">'
        f'<div style="font-size:16px;font-weight:600">{html.escape(str(name))} '
        f'<span style="color:{colour};font-size:13px">● {html.escape(flag)}</span></div>'
        f'<div style="font-size:14px">{score_l}: <b>{record["score"]:.2f}</b> · {rank_l}: <b>{record["rank"]}/{record["n_cities"]}</b></div></div>'
    )


# ===========================================================================
# ranking simulation: what-if scenarios, Monte Carlo, Sobol' indices, exact
# rank bounds (notebooks/ranking_simulation.ipynb)
# ===========================================================================
#
# The builders below read, duck-typed:
#   * zhenxing.scenarios.ScenarioComparison  (.scenarios, .table, .kendall)
#   * zhenxing.montecarlo.SimulationResult   (.units, .cities, .rank_counts_*, .n_draws, .seed, .scenario, .year)
#   * zhenxing.sensitivity.WeightSensitivity (.score / .rank: S1, S1_conf, ST, ST_conf; .constant_*, .spread)
#   * the DataFrame of zhenxing.robustness.rank_bounds_table
# and compute nothing of their own but selections of rows and the quantiles of
# the simulated rank counts, with the library's own function
# (zhenxing.montecarlo, so the 5 %, 50 % and 95 % ranks drawn are exactly the
# columns of SimulationResult.units). Ranks are 1 = first; rank changes between
# scenarios are the library's ``change_<id>`` (positive = moves up);
# probabilities are shares of draws, shown in per cent.

SIMULATION_MIMETYPE = "application/vnd.zhenxing.simulation+json"
"""Custom mimetype of the machine-readable record the simulation report displays."""

FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles of the simulated rank a fan chart draws (5-95 % and 25-75 % bands, median)."""

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

_TEXT.update(
    {
        "sim_changes_title": ("{city}各单位在各方案下的类别内排名（颜色 = 较“{ref}”的名次变化）",
                              "Units of {city}: rank in category under each scenario (colour = change vs {ref})"),
        "sim_change": ("名次变化（正 = 上升）", "Change (+ = up)"),
        "sim_scenario": ("方案", "Scenario"),
        "sim_kendall_title": ("各方案全省排序的一致性（Kendall τ，1 = 完全相同）", "Agreement of the province-wide orders (Kendall's τ; 1 = identical)"),
        "sim_level_category": ("类别内排名", "rank in category"),
        "sim_level_province": ("全省排名", "rank in province"),
        "sim_rank_axis": ("{level}（1 = 第一）", "{level} (1 = first)"),
        "sim_fan_city_title": ("{city}各单位{level}的模拟分布（{draws} 次抽样）", "Units of {city}: simulated {level} ({draws} draws)"),
        "sim_fan_category_title": ("{category}：{level}的模拟分布（{city}所辖单位突出显示，{draws} 次抽样）",
                                   "{category}: simulated {level} ({city} highlighted; {draws} draws)"),
        "sim_fan_title": ("{level}的模拟分布（{draws} 次抽样）", "Simulated {level} ({draws} draws)"),
        "sim_band_outer": ("5–95% 区间", "5–95 % band"),
        "sim_band_inner": ("25–75% 区间", "25–75 % band"),
        "sim_median": ("中位数", "Median"),
        "sim_nominal": ("名义排名", "Nominal rank"),
        "sim_zone": ("约谈区（末 {k} 位）", "Warning-talk zone (bottom {k})"),
        "sim_p_bottom": ("进入末 {k} 位概率", "P(bottom {k})"),
        "sim_bottom_title": ("{city}各单位进入类别末 {k} 位（约谈）的概率（{draws} 次抽样）",
                             "Units of {city}: probability of a bottom-{k} finish in the category (warning talk; {draws} draws)"),
        "sim_city_last_title": ("各市成为全省末位市（约谈）的概率（{draws} 次抽样）", "Probability of being the province's last city (warning talk; {draws} draws)"),
        "sim_p_last": ("末位概率", "P(last)"),
        "sim_median_rank": ("排名中位数", "Median rank"),
        "sim_band_col": ("5–95% 排名区间", "5–95 % rank band"),
        "sim_mean_change": ("平均名次变化（正 = 下降）", "Mean rank change (+ = falls)"),
        "sim_sobol_title_score": ("总分对各维度权重的敏感性（Sobol 指数；各权重在 ±{pct}% 内独立均匀变动）",
                                  "Sensitivity of the total to the dimension weights (Sobol' indices; each weight uniform within ±{pct} %)"),
        "sim_sobol_title_rank": ("类别内排名对各维度权重的敏感性（Sobol 指数；各权重在 ±{pct}% 内独立均匀变动）",
                                 "Sensitivity of the rank in category to the dimension weights (Sobol' indices; each weight uniform within ±{pct} %)"),
        "sim_S1": ("一阶指数 S1", "First-order S1"),
        "sim_ST": ("总效应指数 ST", "Total-effect ST"),
        "sim_sobol_axis": ("Sobol 指数", "Sobol' index"),
        "sim_constant": ("（不变）", " (never changes)"),
        "sim_bounds_title": ("{city}各单位在权重 ±{pct}% 内可能达到的{level}：精确最好–最差与抽样区间",
                             "Units of {city}: {level} reachable with every weight within ±{pct} %: exact best–worst and the sampled band"),
        "sim_bounds_range": ("可能范围（精确最好–最差）", "Possible range (exact best–worst)"),
        "sim_sampled_band": ("抽样 5–95% 区间", "Sampled 5–95 % band"),
        "sim_best_worst_category": ("类别内最好–最差", "Best–worst in category"),
        "sim_best_worst_province": ("全省最好–最差", "Best–worst in province"),
        "sim_warning_possible": ("可能被约谈", "Warning talk possible"),
    }
)


class ComparisonLike(Protocol):
    """The parts of :class:`zhenxing.scenarios.ScenarioComparison` the builders read."""

    scenarios: list[Any]
    table: pd.DataFrame
    kendall: pd.DataFrame


class SimulationLike(Protocol):
    """The parts of :class:`zhenxing.montecarlo.SimulationResult` the builders read."""

    scenario: str
    year: int
    n_draws: int
    seed: int
    units: pd.DataFrame
    cities: pd.DataFrame
    rank_counts_category: np.ndarray
    rank_counts_province: np.ndarray


class SensitivityLike(Protocol):
    """The parts of :class:`zhenxing.sensitivity.WeightSensitivity` the builders read."""

    spread: float
    n_base: int
    seed: int | None
    score: Any
    rank: Any
    constant_score: pd.Series
    constant_rank: pd.Series


def _pct(spread: float) -> str:
    """A relative spread as a per-cent figure without trailing zeros (0.2 -> "20")."""
    return f"{float(spread) * 100:g}"


def _level_label(level: str, lang: str) -> str:
    if level not in ("category", "province"):
        raise ValueError(f"level={level!r}: expected 'category' or 'province'")
    return text(f"sim_level_{level}", lang)


def _city_label(frame: pd.DataFrame, city: str, lang: str) -> str:
    return _city_en(frame, city) if lang == "en" else city


def _category_order(fw: Framework | None) -> dict[str, int]:
    return {} if fw is None else {c.id: k for k, c in enumerate(fw.categories)}


def _city_rows(df: pd.DataFrame, city: str, fw: Framework | None, rank_col: str) -> pd.DataFrame:
    """``df``'s rows of ``city``, by category (framework order) then ``rank_col`` then code."""
    mine = df[df["city"] == city]
    if mine.empty:
        known = ", ".join(dict.fromkeys(map(str, df["city"])))
        raise ValueError(f"no units of city {city!r} (cities: {known})")
    order = _category_order(fw)
    key = mine["category"].map(lambda c: order.get(c, len(order)))
    return mine.assign(_o=key).sort_values(["_o", rank_col, "code"], kind="stable").drop(columns="_o")


def _row_labels(df: pd.DataFrame, lang: str) -> list[str]:
    """Unit names in ``lang`` for axis rows; a name used twice gets its code appended."""
    names = _names(df, lang) if "name_zh" in df.columns else [str(c) for c in df["code"]]
    dup = {n for n in names if names.count(n) > 1}
    return [f"{n} ({c})" if n in dup else n for n, c in zip(names, df["code"])]


def _with_names(df: pd.DataFrame, *sources: Any) -> pd.DataFrame:
    """``df`` with ``name_en`` / ``city_en`` filled in from the first source table that has them
    (tables such as ``rank_bounds_table`` carry the Chinese names only)."""
    out = df
    for col in ("name_en", "city_en"):
        if col in out.columns:
            continue
        for src in sources:
            table = getattr(src, "units", src)
            if isinstance(table, pd.DataFrame) and col in table.columns and "code" in table.columns:
                out = out.assign(**{col: out["code"].map(dict(zip(table["code"], table[col]))).fillna("")})
                break
    return out


def _rank_quantiles(counts: np.ndarray, q: float) -> np.ndarray:
    from .montecarlo import rank_quantiles  # the library's own definition of the rank quantiles

    return rank_quantiles(counts, q)


def _rank_counts(sim: SimulationLike, level: str) -> np.ndarray:
    _level_label(level, "en")
    return np.asarray(sim.rank_counts_category if level == "category" else sim.rank_counts_province)


def _band_text(a: Any, b: Any) -> str:
    return f"{int(a)}" if int(a) == int(b) else f"{int(a)}–{int(b)}"


def city_codes(units: pd.DataFrame, city: str, fw: Framework | None = None) -> list[str]:
    """Codes of ``city``'s units in ``units`` (any table with code, city, category and a
    nominal rank in category), in the order the simulation report lists them: by category
    (framework order), then nominal rank in category. ValueError for an unknown city."""
    rank = next(c for c in ("nominal_rank_category", "rank_category", "code") if c in units.columns)
    return [str(c) for c in _city_rows(units, city, fw, rank)["code"]]


def city_display_name(units: pd.DataFrame, city: str, lang: str = "zh") -> str:
    """``city``'s name in ``lang`` (``city_en`` of its units for English, when present);
    ValueError for a city with no units in ``units``."""
    rows = units[units["city"] == city]
    if rows.empty:
        raise ValueError(f"no units of city {city!r} (cities: {', '.join(dict.fromkeys(map(str, units['city'])))})")
    return city_name(rows.iloc[0], lang)


# ---------------------------------------------------------------------------
# scenario comparison
# ---------------------------------------------------------------------------


def _change_text(change: int) -> str:
    return "" if change == 0 else (f" ↑{change}" if change > 0 else f" ↓{-change}")


def scenario_rank_table(comparison: ComparisonLike, city: str, fw: Framework, lang: str = "zh") -> pd.DataFrame:
    """The city's ranks in category under each scenario: one row per scenario (index =
    ``Scenario.label(lang)``, reference first), one column per unit of ``city`` (two header
    levels: "category (units in it)" and the unit's name; by category, then rank under
    the reference). Each cell is the rank, followed by the change against the reference as
    an arrow (``change_<id>`` of the comparison: ↑ = moves up) and "约谈"/"warning talk"
    when the scenario puts the unit in its category's bottom group."""
    scs = list(comparison.scenarios)
    ref = scs[0].id
    t = comparison.table
    n_cat = t.groupby("category")["code"].transform("size")
    mine = _city_rows(t.assign(_n=n_cat), city, fw, f"rank_category_{ref}")
    columns = pd.MultiIndex.from_arrays(
        [[f"{_category_label(fw, c, lang)} ({int(n)})" for c, n in zip(mine["category"], mine["_n"])], _row_labels(mine, lang)],
        names=[column_label("category", fw, lang), column_label("name", fw, lang)],
    )
    talk = f" {text('warning_talk', lang)}"
    rows = []
    for sc in scs:
        rows.append([
            f"{int(r[f'rank_category_{sc.id}'])}"
            + ("" if sc.id == ref else _change_text(int(r[f"change_{sc.id}"])))
            + (talk if bool(r[f"warning_talk_{sc.id}"]) else "")
            for _, r in mine.iterrows()
        ])  # fmt: skip
    index = pd.Index([sc.label(lang) for sc in scs], name=text("sim_scenario", lang))
    return pd.DataFrame(rows, index=index, columns=columns)


def scenario_rank_changes(comparison: ComparisonLike, city: str, fw: Framework, lang: str = "zh") -> go.Figure:
    """Heatmap: one row per unit of ``city``, one column per scenario (reference first).
    Colour (``z``) = change of the rank in category against the reference (``change_<id>``;
    positive = up, 0 for the reference); cell text = the rank, the change as an arrow and
    "约谈"/"warning talk" (bold, red) when the scenario puts the unit in its category's
    bottom group."""
    scs = list(comparison.scenarios)
    ref = scs[0].id
    mine = _city_rows(comparison.table, city, fw, f"rank_category_{ref}")
    rows = _row_labels(mine, lang)
    z: list[list[int]] = []
    cells: list[list[str]] = []
    for _, r in mine.iterrows():
        zr, tr = [], []
        for sc in scs:
            ch = 0 if sc.id == ref else int(r[f"change_{sc.id}"])
            arrow = _change_text(ch)
            talk = bool(r[f"warning_talk_{sc.id}"])
            flag = f' · <b style="color:{WARNING}">{text("warning_talk", lang)}</b>' if talk else ""
            zr.append(ch)
            tr.append(f"{int(r[f'rank_category_{sc.id}'])}{arrow}{flag}")
        z.append(zr)
        cells.append(tr)
    m = max([1] + [abs(v) for zr in z for v in zr])
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[wrap(sc.label(lang), 14) for sc in scs],
            y=rows,
            text=cells,
            texttemplate="%{text}",
            customdata=[[str(c)] * len(scs) for c in mine["code"]],
            colorscale=CHANGE_SCALE,
            zmin=-m,
            zmax=m,
            zmid=0,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": text("sim_change", lang)}},
            hovertemplate="%{y}<br>%{x}<br>%{text}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="bottom", tickangle=0)
    title = text("sim_changes_title", lang, city=_city_label(mine, city, lang), ref=scs[0].label(lang))
    return _style(fig, title, height=200 + 44 * len(rows))


def kendall_heatmap(comparison: ComparisonLike, lang: str = "zh") -> go.Figure:
    """Heatmap of Kendall's tau-b between the scenarios' province-wide totals
    (``comparison.kendall``, rows and columns in scenario order; 1 = same order)."""
    scs = list(comparison.scenarios)
    ids = [s.id for s in scs]
    tau = comparison.kendall.loc[ids, ids].to_numpy(dtype=float)
    labels = [wrap(s.label(lang), 14) for s in scs]
    lo = math.floor(min(float(np.nanmin(tau)), 1.0) * 10) / 10
    fig = go.Figure(
        go.Heatmap(
            z=tau.tolist(),
            x=labels,
            y=labels,
            text=[[f"{v:.3f}" for v in row] for row in tau],
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=min(lo, 0.9),
            zmax=1.0,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "τ"}},
            hovertemplate="%{y}<br>%{x}<br>τ = %{z:.3f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=0)
    return _style(fig, text("sim_kendall_title", lang), height=220 + 60 * len(ids))


# ---------------------------------------------------------------------------
# Monte Carlo
# ---------------------------------------------------------------------------


def rank_fan_data(
    sim: SimulationLike,
    fw: Framework | None = None,
    *,
    codes: list[str] | None = None,
    city: str | None = None,
    category: str | None = None,
    level: str = "category",
) -> pd.DataFrame:
    """The numbers a rank fan draws, one row per selected unit.

    Selection: ``codes`` (in that order), else the units of ``category`` (by
    nominal rank), else the units of ``city`` (by category in framework order,
    then nominal rank), else every unit (by nominal province rank).
    Columns: code, name_zh, name_en, city, city_en, category, ``n`` (units in
    the league: the category or the province), ``nominal`` (nominal rank),
    ``p05, p25, median, p75, p95`` (ranks at those quantiles of the simulated
    distribution, from the rank counts with the library's definition: the
    smallest rank whose cumulative share reaches q; ``p05``, ``median`` and
    ``p95`` equal the simulation's own columns), ``best_seen`` / ``worst_seen``
    (the best and worst rank drawn at least once) and ``p_bottom``.
    """
    counts = _rank_counts(sim, level)
    u = sim.units.reset_index(drop=True)
    nominal = f"nominal_rank_{level}"
    if codes is not None:
        where = {c: k for k, c in enumerate(u["code"])}
        unknown = [c for c in codes if c not in where]
        if unknown:
            raise ValueError(f"unknown unit code(s) {', '.join(map(str, unknown))}")
        pos = np.array([where[c] for c in codes], dtype=int)
    elif category is not None:
        sub = u[u["category"] == category]
        if sub.empty:
            raise ValueError(f"no units in category {category!r} (categories: {', '.join(dict.fromkeys(map(str, u['category'])))})")
        pos = sub.sort_values([nominal, "code"], kind="stable").index.to_numpy()
    elif city is not None:
        pos = _city_rows(u, city, fw, nominal).index.to_numpy()
    else:
        pos = u.sort_values(["nominal_rank_province", "code"], kind="stable").index.to_numpy()
    sel = u.loc[pos]
    c = counts[pos]
    seen = c > 0
    league = u.groupby("category")["code"].transform("size").loc[pos] if level == "category" else pd.Series(len(u), index=pos)
    out = pd.DataFrame(
        {
            "code": sel["code"].to_numpy(),
            "name_zh": sel["name_zh"].to_numpy(),
            "name_en": sel["name_en"].to_numpy() if "name_en" in sel.columns else [""] * len(sel),
            "city": sel["city"].to_numpy(),
            "city_en": sel["city_en"].to_numpy() if "city_en" in sel.columns else [""] * len(sel),
            "category": sel["category"].to_numpy(),
            "n": league.to_numpy().astype(int),
            "nominal": sel[nominal].to_numpy().astype(int),
        }
    )
    for q, name in zip(FAN_QUANTILES, ("p05", "p25", "median", "p75", "p95")):
        out[name] = _rank_quantiles(c, q).astype(int)
    out["best_seen"] = seen.argmax(axis=1) + 1
    out["worst_seen"] = c.shape[1] - seen[:, ::-1].argmax(axis=1)
    out["p_bottom"] = sel["p_bottom"].to_numpy()
    return out


def _zone_trace(data: pd.DataFrame, rows: list[str], k: int, lang: str) -> go.Bar:
    """Shaded bottom-``k`` cells of each row's category (the warning-talk zone)."""
    return go.Bar(
        name=text("sim_zone", lang, k=k),
        y=rows,
        x=[float(min(k, n)) for n in data["n"]],
        base=[float(max(n - k, 0)) + 0.5 for n in data["n"]],
        orientation="h",
        width=0.92,
        marker={"color": ZONE_COLOUR, "line": {"width": 0}},
        hoverinfo="skip",
    )


def _band_trace(name: str, rows: list[str], lo: Any, hi: Any, colours: list[str], width: float, codes: list[str]) -> go.Bar:
    """Horizontal bars covering the integer ranks lo..hi of each row (from lo - 0.5 to hi + 0.5)."""
    lo_, hi_ = [int(v) for v in lo], [int(v) for v in hi]
    return go.Bar(
        name=name,
        y=rows,
        x=[float(b - a + 1) for a, b in zip(lo_, hi_)],
        base=[a - 0.5 for a in lo_],
        orientation="h",
        width=width,
        marker={"color": colours, "line": {"width": 0}},
        customdata=[[c, a, b] for c, a, b in zip(codes, lo_, hi_)],
        hovertemplate="%{y}<br>" + name + ": %{customdata[1]}–%{customdata[2]}<extra></extra>",
    )


def rank_fan(
    sim: SimulationLike,
    fw: Framework,
    lang: str = "zh",
    *,
    city: str | None = None,
    category: str | None = None,
    codes: list[str] | None = None,
    level: str = "category",
    highlight: str | None = None,
    scenario_label: str | None = None,
) -> go.Figure:
    """Rank fan chart: one row per unit (selected as in :func:`rank_fan_data`), the
    simulated rank's 5-95 % band (wide bar) and 25-75 % band (narrow bar) covering whole
    ranks, the median (tick) and the nominal rank (diamond); for ranks in category, each
    row's bottom-``k`` warning-talk zone shaded. Units of ``highlight`` (default: ``city``)
    in the highlight colours, the others muted. Rank 1 (first) on the left.
    ``scenario_label`` (e.g. ``Scenario.label(lang)``) names the scenario in the title of
    a city's fan."""
    data = rank_fan_data(sim, fw, codes=codes, city=None if category is not None else city, category=category, level=level)
    home = highlight if highlight is not None else city
    rows = _row_labels(data, lang)
    mine = [home is None or c == home for c in data["city"]]
    code_list = [str(c) for c in data["code"]]
    fig = go.Figure()
    if level == "category":
        fig.add_trace(_zone_trace(data, rows, fw.warning_talk.per_category, lang))
    fig.add_trace(_band_trace(text("sim_band_outer", lang), rows, data["p05"], data["p95"],
                              [BAND_OUTER if h else BAND_OUTER_MUTED for h in mine], 0.72, code_list))
    fig.add_trace(_band_trace(text("sim_band_inner", lang), rows, data["p25"], data["p75"],
                              [BAND_INNER if h else BAND_INNER_MUTED for h in mine], 0.36, code_list))
    fig.add_scatter(
        name=text("sim_median", lang), y=rows, x=[int(v) for v in data["median"]], mode="markers",
        marker={"symbol": "line-ns-open", "size": 18, "color": MEDIAN_COLOUR, "line": {"width": 3, "color": MEDIAN_COLOUR}},
        customdata=code_list, hovertemplate="%{y}<br>" + text("sim_median", lang) + " %{x}<extra></extra>",
    )
    fig.add_scatter(
        name=text("sim_nominal", lang), y=rows, x=[int(v) for v in data["nominal"]], mode="markers",
        marker={"symbol": "diamond", "size": 9, "color": NOMINAL_COLOUR},
        customdata=code_list, hovertemplate="%{y}<br>" + text("sim_nominal", lang) + " %{x}<extra></extra>",
    )
    n_max = int(data["n"].max()) if len(data) else 1
    lev = _level_label(level, lang)
    fig.update_layout(barmode="overlay", bargap=0.1, xaxis_title=text("sim_rank_axis", lang, level=lev))
    fig.update_xaxes(range=[0.4, n_max + 0.6], dtick=1 if n_max <= 30 else 5, zeroline=False)
    fig.update_yaxes(autorange="reversed", type="category")
    draws = f"{int(sim.n_draws):,}"
    if category is not None:
        title = text("sim_fan_category_title", lang, category=_category_label(fw, category, lang), level=lev,
                     city=_city_label(sim.units, home, lang) if home else "—", draws=draws)
    elif city is not None:
        title = text("sim_fan_city_title", lang, city=_city_label(sim.units, city, lang), level=lev, draws=draws)
    else:
        title = text("sim_fan_title", lang, level=lev, draws=draws)
    if scenario_label:
        title += f"{'：' if lang != 'en' else ': '}{scenario_label}"
    return _style(fig, title, height=170 + 30 * max(len(rows), 1))


def bottom_probability_table(sim: SimulationLike, city: str, fw: Framework, lang: str = "zh") -> pd.DataFrame:
    """The city's units indexed by code, highest probability first: name, category, nominal
    rank in category "r/n", median rank, 5-95 % rank band, probability of a bottom-``k``
    finish (per cent, 1 decimal) and mean rank change (+ = falls), headers in ``lang``."""
    data = rank_fan_data(sim, fw, city=city)
    mean_change = dict(zip(sim.units["code"], sim.units["mean_rank_change"]))
    data = data.assign(_p=-data["p_bottom"]).sort_values(["_p", "nominal", "code"], kind="stable")
    k = fw.warning_talk.per_category
    df = pd.DataFrame(
        {
            column_label("code", fw, lang): list(data["code"]),
            column_label("name", fw, lang): _names(data, lang),
            column_label("category", fw, lang): [_category_label(fw, c, lang) for c in data["category"]],
            column_label("rank_category", fw, lang): [f"{r}/{n}" for r, n in zip(data["nominal"], data["n"])],
            text("sim_median_rank", lang): [int(v) for v in data["median"]],
            text("sim_band_col", lang): [_band_text(a, b) for a, b in zip(data["p05"], data["p95"])],
            f"{text('sim_p_bottom', lang, k=k)} (%)": [round(float(p) * 100, 1) for p in data["p_bottom"]],
            text("sim_mean_change", lang): [round(float(mean_change[c]), 2) for c in data["code"]],
        }
    )
    return df.set_index(df.columns[0])


def bottom_probability_bars(sim: SimulationLike, city: str, fw: Framework, lang: str = "zh") -> go.Figure:
    """Horizontal bars of the probability (per cent) that each unit of ``city`` finishes in
    its category's bottom ``k`` (``p_bottom``), highest first; red from 50 %, amber above 0."""
    data = rank_fan_data(sim, fw, city=city)
    data = data.assign(_p=-data["p_bottom"]).sort_values(["_p", "nominal", "code"], kind="stable")
    k = fw.warning_talk.per_category
    p = [float(v) for v in data["p_bottom"]]
    fig = go.Figure(
        go.Bar(
            x=[v * 100 for v in p],
            y=_row_labels(data, lang),
            orientation="h",
            customdata=list(data["code"]),
            marker_color=[WARNING if v >= 0.5 else (STATUS_COLOURS["partial"] if v > 0 else STATUS_COLOURS["met"]) for v in p],
            text=[f"{v * 100:.1f}%" for v in p],
            textposition="outside",
            hovertemplate="%{y}<br>%{x:.1f}%<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(xaxis_title=f"{text('sim_p_bottom', lang, k=k)} (%)", xaxis_range=[0, 112], showlegend=False)
    title = text("sim_bottom_title", lang, city=_city_label(sim.units, city, lang), k=k, draws=f"{int(sim.n_draws):,}")
    return _style(fig, title, height=170 + 34 * len(data))


def city_last_bars(sim: SimulationLike, city: str, lang: str = "zh") -> go.Figure:
    """Bars of every city's probability (per cent) of being the province's last city
    (``sim.cities.p_last``), in the order of ``sim.cities`` (most likely first); the home
    city in the highlight colour and pointed at by an arrow (visible at 0 % too)."""
    cities = sim.cities
    if city not in set(cities["city"]):
        raise ValueError(f"unknown city {city!r} (cities: {', '.join(map(str, cities['city']))})")
    names = [city_name(r, lang) for _, r in cities.iterrows()]
    p = [float(v) for v in cities["p_last"]]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=[v * 100 for v in p],
            customdata=list(cities["city"]),
            marker={"color": [HIGHLIGHT if c == city else MUTED for c in cities["city"]]},
            text=[f"{v * 100:.1f}%" for v in p],
            textposition="outside",
            hovertemplate="%{x}<br>%{y:.1f}%<extra></extra>",
        )
    )
    home = names[list(cities["city"]).index(city)]
    fig.add_annotation(x=home, y=p[list(cities["city"]).index(city)] * 100 + 8, yshift=10, text=f"<b>{html.escape(home)}</b>",
                       showarrow=True, arrowhead=2, ax=0, ay=-28, font={"color": HIGHLIGHT})  # the home city, even at 0 %
    fig.update_xaxes(categoryorder="array", categoryarray=names)
    fig.update_layout(yaxis_title=f"{text('sim_p_last', lang)} (%)", yaxis_range=[0, 118], showlegend=False)
    return _style(fig, text("sim_city_last_title", lang, draws=f"{int(sim.n_draws):,}"), height=420)


def city_last_sentence(sim: SimulationLike, city: str, lang: str = "zh") -> str:
    """A Markdown sentence: the probability that ``city`` comes last, its nominal rank, and
    the most likely last city (probabilities in per cent, 1 decimal)."""
    cities = sim.cities
    row = cities[cities["city"] == city]
    if len(row) != 1:
        raise ValueError(f"unknown city {city!r} (cities: {', '.join(map(str, cities['city']))})")
    r = row.iloc[0]
    top = cities.iloc[0]
    n = len(cities)
    name, top_name = city_name(r, lang), city_name(top, lang)
    p, p_top = float(r["p_last"]), float(top["p_last"])
    if lang == "en":
        s = (f"In {int(sim.n_draws):,} draws **{name}** (nominal rank {int(r['nominal_rank'])} of {n}) is the province's "
             f"last city with probability **{p * 100:.1f} %**.")
        if top["city"] != city:
            s += f" The most likely last city is {top_name} ({p_top * 100:.1f} %)."
        return s
    s = f"在 {int(sim.n_draws):,} 次抽样中，**{name}**（名义排名第 {int(r['nominal_rank'])}/{n} 位）成为全省末位市的概率为 **{p * 100:.1f}%**。"
    if top["city"] != city:
        s += f"最可能的末位市是{top_name}（{p_top * 100:.1f}%）。"
    return s


# ---------------------------------------------------------------------------
# Sobol' indices of the dimension weights
# ---------------------------------------------------------------------------


def sobol_bars(
    sensitivity: SensitivityLike,
    codes: list[str],
    fw: Framework,
    lang: str = "zh",
    output: str = "score",
    units: pd.DataFrame | None = None,
) -> go.Figure:
    """Grouped bars of the first-order (S1) and total (ST) Sobol' indices of each dimension
    weight, with their confidence half-widths as error bars: one panel per unit of ``codes``
    (two panels a row), for the unit's total (``output="score"``) or its rank in category
    (``"rank"``). Panel titles are the units' names from ``units`` (any table with code,
    name_zh, name_en; codes when not given); an output that never changes is marked."""
    if output not in ("score", "rank"):
        raise ValueError(f"output={output!r}: expected 'score' or 'rank'")
    tabs = getattr(sensitivity, output)
    constant = sensitivity.constant_score if output == "score" else sensitivity.constant_rank
    dims = [d.id for d in fw.dimensions]
    unknown = [c for c in codes if c not in tabs.S1.index]
    if unknown:
        raise ValueError(f"unknown unit code(s) {', '.join(map(str, unknown))}")
    x = [wrap(fw.label(d, lang), 8 if lang != "en" else 11) for d in fw.dimensions]
    if units is not None:
        lookup = units.drop_duplicates("code").set_index("code")
        names = [unit_name(lookup.loc[c], lang) if c in lookup.index else str(c) for c in codes]
    else:
        names = [str(c) for c in codes]
    titles = [n + (text("sim_constant", lang) if bool(constant.get(c, False)) else "") for n, c in zip(names, codes)]
    n = max(len(codes), 1)
    cols = 1 if n == 1 else 2
    nrows = math.ceil(n / cols)
    fig = make_subplots(rows=nrows, cols=cols, subplot_titles=titles, vertical_spacing=min(0.12, 0.9 / nrows), horizontal_spacing=0.06)
    lo, hi = 0.0, 0.0
    for k, code in enumerate(codes):
        r, c = divmod(k, cols)
        for key, colour in (("S1", S1_COLOUR), ("ST", ST_COLOUR)):
            y = [float(v) for v in getattr(tabs, key).loc[code, dims]]
            e = [float(v) for v in getattr(tabs, f"{key}_conf").loc[code, dims]]
            lo = min(lo, min(a - b for a, b in zip(y, e)))
            hi = max(hi, max(a + b for a, b in zip(y, e)))
            fig.add_trace(
                go.Bar(
                    name=text(f"sim_{key}", lang), x=x, y=y, legendgroup=key, showlegend=k == 0,
                    marker_color=colour, customdata=[[code, d] for d in dims],
                    error_y={"type": "data", "array": e, "visible": True, "thickness": 1.2, "width": 3, "color": "#555"},
                    hovertemplate="%{x}<br>" + key + " = %{y:.3f} ± %{error_y.array:.3f}<extra></extra>",
                ),
                row=r + 1, col=c + 1,
            )  # fmt: skip
    fig.update_layout(barmode="group")
    # indices lie in [0, 1] up to sampling error: one scale for every panel; a wider
    # confidence interval (an output that rarely changes) runs off the panel
    fig.update_yaxes(range=[max(lo, -0.1) - 0.02, min(hi, 1.0) + 0.05])
    fig.update_yaxes(title_text=text("sim_sobol_axis", lang), col=1)
    fig.update_xaxes(tickfont={"size": 10}, tickangle=0)
    title = text(f"sim_sobol_title_{output}", lang, pct=_pct(sensitivity.spread))
    height = 170 + 290 * nrows
    fig = _style(fig, title, height=height)
    # the legend above the first row of panel titles
    fig.update_layout(margin={"t": 120}, legend={"y": 1.0 + 34 / (height - 130)})
    return fig


# ---------------------------------------------------------------------------
# exact rank bounds inside a weight box
# ---------------------------------------------------------------------------


def rank_bounds_summary(
    bounds: pd.DataFrame, city: str, fw: Framework, lang: str = "zh", sampled: SimulationLike | None = None
) -> pd.DataFrame:
    """The city's rows of :func:`zhenxing.robustness.rank_bounds_table`, indexed by code: name,
    category, total (2 decimals), nominal rank in category "r/n", exact best–worst rank in
    the category and the province, the sampled 5-95 % band in the category (when
    ``sampled``, a simulation of the same box, is given) and whether the warning talk is
    possible inside the box; headers in ``lang``."""
    mine = _with_names(_city_rows(bounds, city, fw, "rank_category"), sampled)
    yes = "是" if lang != "en" else "yes"
    data: dict[str, list[Any]] = {
        column_label("code", fw, lang): list(mine["code"]),
        column_label("name", fw, lang): _names(mine, lang),
        column_label("category", fw, lang): [_category_label(fw, c, lang) for c in mine["category"]],
        column_label("total", fw, lang): [round(float(v), 2) for v in mine["total"]],
        column_label("rank_category", fw, lang): [f"{r}/{n}" for r, n in zip(mine["rank_category"], mine["n_category"])],
        text("sim_best_worst_category", lang): [_band_text(a, b) for a, b in zip(mine["best_rank_category"], mine["worst_rank_category"])],
        text("sim_best_worst_province", lang): [_band_text(a, b) for a, b in zip(mine["best_rank_province"], mine["worst_rank_province"])],
    }
    if sampled is not None:
        band = rank_fan_data(sampled, fw, codes=list(mine["code"]))
        data[text("sim_sampled_band", lang)] = [_band_text(a, b) for a, b in zip(band["p05"], band["p95"])]
    data[text("sim_warning_possible", lang)] = [yes if bool(v) else "" for v in mine["warning_possible"]]
    df = pd.DataFrame(data)
    return df.set_index(df.columns[0])


def rank_bounds_chart(
    bounds: pd.DataFrame,
    city: str,
    spread: float,
    fw: Framework,
    lang: str = "zh",
    *,
    sampled: SimulationLike | None = None,
    level: str = "category",
) -> go.Figure:
    """One row per unit of ``city``: the exact best–worst rank reachable with every weight
    within ±``spread`` (a bar over whole ranks, from :func:`zhenxing.robustness.rank_bounds_table`),
    the sampled 5-95 % band of ``sampled`` (a simulation of the same weight box) drawn
    inside it, and the nominal rank (diamond); for ranks in category the warning-talk zone
    is shaded. Rank 1 (first) on the left."""
    lev = _level_label(level, lang)
    mine = _with_names(_city_rows(bounds, city, fw, f"rank_{level}"), sampled)
    rows = _row_labels(mine, lang)
    codes = [str(c) for c in mine["code"]]
    n = mine["n_category"].astype(int) if level == "category" else pd.Series(len(bounds), index=mine.index)
    fig = go.Figure()
    if level == "category":
        fig.add_trace(_zone_trace(pd.DataFrame({"n": n.to_numpy()}), rows, fw.warning_talk.per_category, lang))
    rng = _band_trace(text("sim_bounds_range", lang), rows, mine[f"best_rank_{level}"], mine[f"worst_rank_{level}"],
                      [BOUNDS_COLOUR] * len(rows), 0.76, codes)
    rng.marker.line = {"color": BOUNDS_LINE, "width": 1.5}
    fig.add_trace(rng)
    if sampled is not None:
        band = rank_fan_data(sampled, fw, codes=codes, level=level)
        fig.add_trace(_band_trace(text("sim_sampled_band", lang), rows, band["p05"], band["p95"], [HIGHLIGHT] * len(rows), 0.3, codes))
    fig.add_scatter(
        name=text("sim_nominal", lang), y=rows, x=[int(v) for v in mine[f"rank_{level}"]], mode="markers",
        marker={"symbol": "diamond", "size": 10, "color": NOMINAL_COLOUR}, customdata=codes,
        hovertemplate="%{y}<br>" + text("sim_nominal", lang) + " %{x}<extra></extra>",
    )
    n_max = int(n.max())
    fig.update_layout(barmode="overlay", bargap=0.1, xaxis_title=text("sim_rank_axis", lang, level=lev))
    fig.update_xaxes(range=[0.4, n_max + 0.6], dtick=1 if n_max <= 30 else 5, zeroline=False)
    fig.update_yaxes(autorange="reversed", type="category")
    title = text("sim_bounds_title", lang, city=_city_label(mine, city, lang), pct=_pct(spread), level=lev)
    return _style(fig, title, height=190 + 34 * len(rows))


# ---------------------------------------------------------------------------
# the report's machine-readable record and summary
# ---------------------------------------------------------------------------


def _home_codes(city: str, *tables: pd.DataFrame | None) -> list[str]:
    for t in tables:
        if t is not None and "city" in t.columns:
            return [str(c) for c in t.loc[t["city"] == city, "code"]]
    return []


def simulation_record(
    city: str,
    fw: Framework,
    *,
    comparison: ComparisonLike | None = None,
    simulation: SimulationLike | None = None,
    sensitivity: SensitivityLike | None = None,
    bounds: pd.DataFrame | None = None,
    box: SimulationLike | None = None,
    spread: float | None = None,
) -> dict[str, Any]:
    """The simulation report's numbers for ``city``'s units, language-neutral and JSON-ready.

    Every value is copied from the library's results (probabilities as shares, ranks as
    integers, Sobol' indices as floats, full precision). Keys, each present when its
    input is given:

    * ``city``, ``city_en``, ``k`` (warning-talk places per category), ``units``
      (code → name_zh, name_en, category; the city's units in the comparison's /
      simulation's order);
    * ``scenarios`` (ids, reference first), ``kendall`` (matrix, scenario order),
      ``scenario_ranks`` (code → id → rank in category), ``scenario_changes``
      (code → id → change vs the reference), ``scenario_warning_talk`` (code → ids);
    * ``simulation``: scenario, year, n_draws, seed, ``p_city_last`` (the city),
      ``cities_p_last`` (city → p), ``units`` (code → nominal, median, p05, p95 ranks
      in category and province, p_bottom, mean_rank_change, mean_total);
    * ``sensitivity``: spread, n_base, seed, ``units`` (code → score/rank → S1/ST →
      dimension → value);
    * ``bounds`` (code → best/worst rank in category and province, warning_possible,
      warning_certain) and ``spread``;
    * ``box``: n_draws, seed, ``units`` (code → p05, p95, best_seen, worst_seen in
      category) and ``inside_bounds`` (every rank drawn lies within the exact bounds).
    """
    sim_units = simulation.units if simulation is not None else (box.units if box is not None else None)
    codes = _home_codes(city, comparison.table if comparison is not None else None, sim_units, bounds)
    if not codes:
        raise ValueError(f"no units of city {city!r} in the results")
    rec: dict[str, Any] = {"city": city, "city_en": "", "k": int(fw.warning_talk.per_category), "units": {}}
    for t in (comparison.table if comparison is not None else None, sim_units, bounds):
        if t is None:
            continue
        rows = t[t["city"] == city].drop_duplicates("code").set_index("code")
        if not rec["city_en"] and "city_en" in rows.columns and len(rows):
            rec["city_en"] = str(rows["city_en"].iloc[0])
        for c in codes:
            if c in rows.index and c not in rec["units"]:
                r = rows.loc[c]
                rec["units"][c] = {"name_zh": str(r["name_zh"]), "name_en": str(r.get("name_en", "") or ""), "category": str(r["category"])}
    if comparison is not None:
        ids = [s.id for s in comparison.scenarios]
        t = comparison.table.set_index("code")
        rec["scenarios"] = ids
        rec["kendall"] = [[float(v) for v in row] for row in comparison.kendall.loc[ids, ids].to_numpy()]
        rec["scenario_ranks"] = {c: {s: int(t.loc[c, f"rank_category_{s}"]) for s in ids} for c in codes}
        rec["scenario_changes"] = {c: {s: (0 if s == ids[0] else int(t.loc[c, f"change_{s}"])) for s in ids} for c in codes}
        rec["scenario_warning_talk"] = {c: [s for s in ids if bool(t.loc[c, f"warning_talk_{s}"])] for c in codes}
    if simulation is not None:
        u = simulation.units.set_index("code")
        cols = ("nominal_rank_category", "median_rank_category", "p05_rank_category", "p95_rank_category",
                "nominal_rank_province", "median_rank_province", "p05_rank_province", "p95_rank_province")
        cities = simulation.cities.set_index("city")
        rec["simulation"] = {
            "scenario": str(simulation.scenario),
            "year": int(simulation.year),
            "n_draws": int(simulation.n_draws),
            "seed": int(simulation.seed),
            "p_city_last": float(cities.loc[city, "p_last"]),
            "cities_p_last": {str(c): float(p) for c, p in cities["p_last"].items()},
            "units": {
                c: {**{k: int(u.loc[c, k]) for k in cols}, "p_bottom": float(u.loc[c, "p_bottom"]),
                    "mean_rank_change": float(u.loc[c, "mean_rank_change"]), "mean_total": float(u.loc[c, "mean_total"])}
                for c in codes
            },
        }  # fmt: skip
    if sensitivity is not None:
        rec["sensitivity"] = {
            "spread": float(sensitivity.spread),
            "n_base": int(sensitivity.n_base),
            "seed": None if sensitivity.seed is None else int(sensitivity.seed),
            "units": {
                c: {out: {key: {str(d): float(v) for d, v in getattr(getattr(sensitivity, out), key).loc[c].items()} for key in ("S1", "ST")}
                    for out in ("score", "rank")}
                for c in codes
            },
        }  # fmt: skip
    if bounds is not None:
        b = bounds.set_index("code")
        keys = ("best_rank_category", "worst_rank_category", "best_rank_province", "worst_rank_province")
        rec["spread"] = None if spread is None else float(spread)
        rec["bounds"] = {
            c: {**{k: int(b.loc[c, k]) for k in keys}, "warning_possible": bool(b.loc[c, "warning_possible"]),
                "warning_certain": bool(b.loc[c, "warning_certain"])}
            for c in codes
        }  # fmt: skip
    if box is not None:
        band = rank_fan_data(box, fw, codes=codes)
        units = {
            str(r.code): {"p05_rank_category": int(r.p05), "p95_rank_category": int(r.p95),
                          "best_seen_category": int(r.best_seen), "worst_seen_category": int(r.worst_seen)}
            for r in band.itertuples()
        }  # fmt: skip
        rec["box"] = {"n_draws": int(box.n_draws), "seed": int(box.seed), "units": units}
        if bounds is not None:
            rec["box"]["inside_bounds"] = all(
                units[c]["best_seen_category"] >= rec["bounds"][c]["best_rank_category"]
                and units[c]["worst_seen_category"] <= rec["bounds"][c]["worst_rank_category"]
                for c in codes
            )
    return rec


def _record_name(rec: Mapping[str, Any], code: str, lang: str) -> str:
    u = rec["units"].get(code, {})
    return str(u.get("name_en") or u.get("name_zh", code)) if lang == "en" else str(u.get("name_zh", code))


def simulation_summary(record: Mapping[str, Any], lang: str = "zh", scenario_labels: Mapping[str, str] | None = None) -> str:
    """The report's key findings as Markdown bullets, read from :func:`simulation_record`:
    the largest rank change across scenarios, the city's probability of coming last and
    its unit most at risk of the warning talk, and the units that can reach the warning
    talk inside the weight box (with whether every sampled rank stayed inside the bounds)."""
    en = lang == "en"
    city = (record.get("city_en") or record["city"]) if en else record["city"]
    labels = dict(scenario_labels or {})
    k = record["k"]
    out: list[str] = []
    if "scenario_changes" in record and len(record["scenarios"]) > 1:
        ref = record["scenarios"][0]
        best = max(
            ((abs(ch), code, s) for code, by in record["scenario_changes"].items() for s, ch in by.items()),
            key=lambda t: t[0],
        )
        if best[0] == 0:
            out.append(f"Across {len(record['scenarios'])} scenarios no unit of {city} changes its rank in category."
                       if en else f"{len(record['scenarios'])} 个方案下，{city}各单位的类别内名次均不变。")
        else:
            _, code, s = best
            r0, r1 = record["scenario_ranks"][code][ref], record["scenario_ranks"][code][s]
            name, lab, lab0 = _record_name(record, code, lang), labels.get(s, s), labels.get(ref, ref)
            out.append(f"Across {len(record['scenarios'])} scenarios the largest move among {city}'s units is {name}: "
                       f"rank {r0} under “{lab0}”, {r1} under “{lab}”."
                       if en else f"{len(record['scenarios'])} 个方案中，{city}所辖单位名次变化最大的是{name}：“{lab0}”下第 {r0} 位，“{lab}”下第 {r1} 位。")
    if "simulation" in record:
        sim = record["simulation"]
        worst = max(sim["units"].items(), key=lambda kv: (kv[1]["p_bottom"], kv[1]["nominal_rank_category"]))
        name, p = _record_name(record, worst[0], lang), worst[1]["p_bottom"]
        out.append(f"Monte Carlo ({sim['n_draws']:,} draws, seed {sim['seed']}): {city} is the last city with probability "
                   f"{sim['p_city_last'] * 100:.1f} %; its unit most at risk of a bottom-{k} finish is {name} ({p * 100:.1f} %)."
                   if en else f"蒙特卡洛模拟（{sim['n_draws']:,} 次，种子 {sim['seed']}）：{city}成为全省末位市的概率为 "
                   f"{sim['p_city_last'] * 100:.1f}%；所辖单位中进入类别末 {k} 位概率最高的是{name}（{p * 100:.1f}%）。")
    if "bounds" in record:
        pct = _pct(record["spread"]) if record.get("spread") is not None else "?"
        at_risk = [_record_name(record, c, lang) for c, b in record["bounds"].items() if b["warning_possible"]]
        sep = ", " if en else "、"
        if en:
            s = (f"With every weight within ±{pct} %, the warning talk is possible for {sep.join(at_risk)}."
                 if at_risk else f"With every weight within ±{pct} %, no unit of {city} can fall into the bottom {k} of its category.")
        else:
            s = (f"各维度权重在 ±{pct}% 内变动时，可能被约谈的单位：{sep.join(at_risk)}。"
                 if at_risk else f"各维度权重在 ±{pct}% 内变动时，{city}没有单位可能进入类别末 {k} 位。")
        inside = record.get("box", {}).get("inside_bounds")
        if inside is not None:
            s += (" Every rank drawn by sampling the same box lies within these exact bounds." if inside
                  else " **Some sampled rank lies outside the exact bounds: please report this.**") if en else (
                  "在同一权重范围内抽样得到的排名全部落在精确范围之内。" if inside else "**有抽样排名超出精确范围，请报告此问题。**")
        out.append(s)
    return "\n".join(f"- {s}" for s in out)


def show_simulation_summary(record: Mapping[str, Any], lang: str = "zh", scenario_labels: Mapping[str, str] | None = None) -> None:
    """Display :func:`simulation_summary` (Markdown and plain text) with ``record`` as JSON
    under :data:`SIMULATION_MIMETYPE` (read by tests and batch tools)."""
    md = simulation_summary(record, lang, scenario_labels)
    _display({"text/markdown": md, "text/plain": md, SIMULATION_MIMETYPE: dict(record)})


# ---------------------------------------------------------------------------
# schedule progress (序时进度)
# ---------------------------------------------------------------------------
# The builders below read the DataFrame of zhenxing.gap.schedule_table (indicator,
# month, baseline, target, ytd, expected, progress, calendar, status) and compute
# nothing of their own: progress and the calendar share are the library's
# (shares, shown in per cent), the statuses its 'ahead' | 'behind' | 'met' | 'unknown'.

SCHEDULE_MIMETYPE = "application/vnd.zhenxing.schedule+json"
"""Custom mimetype of the machine-readable schedule record a county report displays."""

SCHEDULE_STATUS_ORDER = ("ahead", "behind", "met", "unknown")
SCHEDULE_COLOURS: dict[str, str] = {
    "ahead": "#00897b",  # teal: at or ahead of the calendar
    "behind": WARNING,  # red: behind the calendar
    "met": STATUS_COLOURS["met"],  # green: the year-to-date value meets the target already
    "unknown": STATUS_COLOURS["missing"],  # grey: no value last year to measure the way from
}
SCHEDULE_LABELS: dict[str, tuple[str, str]] = {
    "ahead": ("快于序时进度", "ahead of schedule"),
    "behind": ("慢于序时进度", "behind schedule"),
    "met": ("已达目标", "target met"),
    "unknown": ("无上年值", "no value last year"),
}
SCHEDULE_COLUMNS = ("indicator", "month", "baseline", "target", "ytd", "expected", "progress", "calendar", "status")
"""Columns of :func:`zhenxing.gap.schedule_table`, the rows of :func:`schedule_record`."""

_SCHEDULE_BAR_RANGE = (-0.2, 1.5)  # bars are drawn within this range of shares (labels give the value)

_TEXT.update(
    {
        "sched_month": ("月份", "Month"),
        "sched_baseline": ("上年值", "Last year"),
        "sched_ytd": ("年内值", "Year to date"),
        "sched_expected": ("按序时应达", "Expected by now"),
        "sched_progress": ("完成进度", "Progress"),
        "sched_calendar": ("序时进度", "Calendar"),
        "sched_target_line": ("目标值", "Target"),
        "sched_table_title": ("序时进度明细", "Schedule progress by indicator"),
        "sched_bars_title": ("{when}：从上年值到目标值已完成的进度（短竖线 = 序时进度）",
                             "{when}: progress from last year's value to the target (tick = calendar)"),
        "sched_when_month": ("截至 {m} 月", "By month {m}"),
        "sched_when_latest": ("截至最新月份", "By the latest month reported"),
        "sched_axis": ("完成进度（%，100 = 达到目标值）", "Progress (%, 100 = target reached)"),
    }
)


def _schedule_label(status: str, lang: str) -> str:
    zh, en = SCHEDULE_LABELS.get(status, (status, status))
    return en if lang == "en" else zh


def _pct_share(v: Any) -> str:
    return "—" if _is_nan(v) else f"{float(v) * 100:.0f}%"


def _progress_text(progress: Any, status: str) -> str:
    """The progress cell: the library's share in per cent; "—" when there is no way to
    measure (no value last year) or when the target was met already last year (the
    share of a way "back" to the target means nothing then)."""
    if _is_nan(progress) or (status == "met" and float(progress) < 1.0):
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
                row[col] = None if _is_nan(v) else float(v)
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
    names = _indicator_names(fw, lang)
    behind = [names.get(r["indicator"], r["indicator"]) for r in rows if r["status"] == "behind"]
    if en:
        when = f"By month {rows[0]['month']} (calendar {rows[0]['calendar'] * 100:.0f} %)" if len(months) == 1 else "By the latest month reported"
        s = (f"**{when}**, of {len(rows)} indicators reported during the year {c['ahead']} are ahead of schedule, "
             f"{c['behind']} behind and {c['met']} at target already")
        s += f"; {c['unknown']} have no value last year to measure from." if c["unknown"] else "."
        if behind:
            s += f" Behind schedule: {', '.join(behind)}."
    else:
        when = f"截至 {rows[0]['month']} 月（序时进度 {rows[0]['calendar'] * 100:.0f}%）" if len(months) == 1 else "截至各指标最新月份"
        s = (f"**{when}**，年内报送的 {len(rows)} 项指标中，{c['ahead']} 项快于序时进度，"
             f"{c['behind']} 项慢于序时进度，{c['met']} 项已达到目标值")
        s += f"，{c['unknown']} 项缺上年值、无法判断。" if c["unknown"] else "。"
        if behind:
            s += f"慢于序时进度：{'、'.join(behind)}。"
    return s


_SCHEDULE_WIDTHS = [2.6, 0.5, 0.55, 0.95, 0.95, 0.95, 1.0, 0.8, 0.8, 1.6]


def schedule_table_figure(table: pd.DataFrame, fw: Framework, lang: str = "zh") -> go.Figure:
    """The schedule table with a coloured status cell per indicator (:data:`SCHEDULE_COLOURS`).

    Columns: indicator, unit, month, last year's value, target, year-to-date
    value, value expected by the calendar, progress (share of the way from last
    year's value to the target, per cent; "—" without a way to measure),
    calendar share (month / 12, per cent), status.
    """
    names = _indicator_names(fw, lang)
    units = {i.id: i.unit for i in fw.indicators}
    statuses = [str(s) for s in table["status"]]
    headers = [
        column_label("indicator", fw, lang), column_label("unit", fw, lang), text("sched_month", lang),
        text("sched_baseline", lang), column_label("target", fw, lang), text("sched_ytd", lang),
        text("sched_expected", lang), text("sched_progress", lang), text("sched_calendar", lang), text("status", lang),
    ]
    columns = [
        [names.get(i, i) for i in table["indicator"]],
        [str(units.get(i, "")) for i in table["indicator"]],
        [str(int(m)) for m in table["month"]],
        [_num(v) for v in table["baseline"]],
        [_num(v) for v in table["target"]],
        [_num(v) for v in table["ytd"]],
        [_num(v) for v in table["expected"]],
        [_progress_text(p, s) for p, s in zip(table["progress"], statuses)],
        [_pct_share(v) for v in table["calendar"]],
        [f"● {_schedule_label(s, lang)}" for s in statuses],
    ]
    n = len(table)
    fill = [["white"] * n] * (len(columns) - 1) + [[SCHEDULE_COLOURS.get(s, "white") for s in statuses]]
    font_colour = [["#222"] * n] * (len(columns) - 1) + [["white"] * n]
    fig = go.Figure(
        go.Table(
            columnwidth=_SCHEDULE_WIDTHS,
            header={"values": headers, "fill_color": "#eceff1", "align": "left", "font": {"size": 12}},
            cells={"values": columns, "fill_color": fill, "align": "left", "font": {"color": font_colour, "size": 12}, "height": 24},
        )
    )
    return _style(fig, text("sched_table_title", lang), height=_table_height(columns, _SCHEDULE_WIDTHS))


def schedule_bar_values(table: pd.DataFrame) -> list[float]:
    """Bar lengths of :func:`schedule_bars` (shares): the library's progress, 1 for an
    indicator at target already whose progress is below 1 (met last year), 0 without
    a way to measure, clipped to :data:`_SCHEDULE_BAR_RANGE` (the labels give the value)."""
    lo, hi = _SCHEDULE_BAR_RANGE
    out = []
    for p, s in zip(table["progress"], table["status"]):
        if s == "met" and (_is_nan(p) or float(p) < 1.0):
            x = 1.0
        elif _is_nan(p):
            x = 0.0
        else:
            x = float(p)
        out.append(min(max(x, lo), hi))
    return out


def schedule_bars(table: pd.DataFrame, fw: Framework, lang: str = "zh") -> go.Figure:
    """Bullet chart of schedule progress: per indicator a bar of the share of the way
    from last year's value to the target covered (per cent, coloured by status, see
    :func:`schedule_bar_values`), a tick at the calendar share (month / 12) and a
    dashed line at 100 % (target reached). Indicators in the table's order, top down."""
    names = _indicator_names(fw, lang)
    y = [wrap(names.get(i, i), 30) for i in table["indicator"]]
    statuses = [str(s) for s in table["status"]]
    bars = [v * 100 for v in schedule_bar_values(table)]
    labels = []
    for p, s in zip(table["progress"], statuses):
        t = _progress_text(p, s)
        labels.append(_schedule_label(s, lang) if t == "—" else f"{t} · {_schedule_label(s, lang)}")
    fig = go.Figure()
    fig.add_bar(
        name=text("sched_progress", lang), x=bars, y=y, orientation="h",
        marker_color=[SCHEDULE_COLOURS.get(s, UNIT_COLOUR) for s in statuses],
        text=labels, textposition="outside", cliponaxis=False, showlegend=False,
        customdata=list(table["indicator"]),
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
    lo = min([0.0, *bars]) - 5.0
    hi = max([100.0, *bars]) + 45.0  # room for the labels
    fig.update_layout(xaxis_title=text("sched_axis", lang), bargap=0.35)
    fig.update_xaxes(range=[lo, hi], zeroline=True, zerolinecolor="#999")
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)
    when = text("sched_when_month", lang, m=months[0]) if len(months) == 1 else text("sched_when_latest", lang)
    lines = max((label.count("<br>") + 1 for label in y), default=1)
    return _style(fig, text("sched_bars_title", lang, when=when), height=150 + max(38, 15 * lines + 12) * max(len(table), 1))


def show_schedule(gap: GapLike, table: pd.DataFrame, fw: Framework, lang: str = "zh") -> dict[str, Any]:
    """Display the schedule section: :func:`schedule_summary` (Markdown) with
    :func:`schedule_record` as JSON under :data:`SCHEDULE_MIMETYPE` (read by tests
    and batch tools), then, when the unit has year-to-date rows, the table
    (:func:`schedule_table_figure`) and the chart (:func:`schedule_bars`). Returns the record."""
    record = schedule_record(gap, table)
    md = schedule_summary(record, fw, lang)
    _display({"text/markdown": md, "text/plain": md, SCHEDULE_MIMETYPE: record})
    if record["rows"]:
        show(schedule_table_figure(table, fw, lang))
        show(schedule_bars(table, fw, lang))
    return record
