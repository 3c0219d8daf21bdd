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
