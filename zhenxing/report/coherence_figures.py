"""Figures and tables of the framework's statistical checks, the coupling coordination and the trends.

For the data-audit report (``notebooks/data_audit.ipynb``). Everything shown
is computed by :mod:`zhenxing.coherence`, :mod:`zhenxing.coupling`,
:mod:`zhenxing.trend` and the winsorisation what-if of
:mod:`zhenxing.treatment`; these builders only arrange it for a reader.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..coherence.correlation import correlation_matrix
from ..framework import Framework
from ..scoring import ScoreResult
from .style import HIGHLIGHT, MUTED, WARNING, style_figure
from .tables import Column, format_number, format_pair, table_html
from .text import wrap

CORRELATION_SCALE = [[0.0, "#b2182b"], [0.5, "#ffffff"], [1.0, "#2166ac"]]
"""Diverging colours of a correlation: red = −1, white = 0, blue = +1."""


def short(label: str, width: int) -> str:
    """``label`` cut to ``width`` characters with an ellipsis (the full name is in the hover text)."""
    return label if len(label) <= width else label[: width - 1] + "…"


def _grouped(df: pd.DataFrame, fw: Framework, lang: str, row) -> list[dict]:
    """Rows of ``df`` (one per indicator, in framework order) under a heading per dimension."""
    by_id = df.set_index("indicator")
    rows: list[dict] = []
    for dim in fw.dimensions:
        rows.append({"_group": fw.label(dim, lang)})
        for ind in dim.indicators:
            if ind.id in by_id.index:
                rows.append(row(ind, by_id.loc[ind.id]))
    return rows


def distribution_html(tables: Mapping[str, pd.DataFrame], fw: Framework, lang: str = "zh") -> str:
    """Per indicator: values present, skewness, excess kurtosis and COINr's flag, grouped by dimension."""
    en = lang == "en"
    dist = tables["distribution"]

    def row(ind, r) -> dict:
        return {"name": fw.label(ind, lang), "n": int(r["n"]), "skew": r["skewness"], "kurt": r["kurtosis"],
                "flag": (r["flag_en"] if en else r["flag_zh"]) or ("within limits" if en else "未超限"), "_flag": bool(r["outlier"])}

    cols = [Column("name", "Indicator" if en else "指标"), Column("n", "Values" if en else "数值个数", "int"),
            Column("skew", "Skewness" if en else "偏度", "points"), Column("kurt", "Excess kurtosis" if en else "超额峰度", "points"),
            Column("flag", "Check" if en else "检验结果")]
    n_flag = int(dist["outlier"].sum())
    caption = (f"Distribution of each indicator: {n_flag} of {len(dist)} beyond |skew| ≥ 2 and kurtosis ≥ 3.5" if en
               else f"各指标分布：{len(dist)} 项中 {n_flag} 项偏度和峰度同时超限（|偏度| ≥ 2 且峰度 ≥ 3.5）")
    note = ("COINr's rule for outliers that dominate an indicator; the assessment itself does not treat them "
            "(winsorisation is shown below only as a what-if)." if en else
            "COINr 的离群值判别规则；考核本身不做处理，下文的缩尾处理仅为假设情景。")
    return table_html(_grouped(dist, fw, lang, row), cols, caption, lang, note=note,
                      row_class=lambda r: "zx-close" if r.get("_flag") else "")


def correlation_heatmap(result: ScoreResult, fw: Framework, lang: str = "zh", method: str = "pearson") -> go.Figure:
    """Correlations between the indicators' attainments (0..1, direction applied; missing values left out),
    ordered by dimension, with a frame around each dimension's block."""
    ids = fw.indicator_ids
    att = result.indicators.pivot(index="code", columns="indicator", values="attainment").reindex(columns=ids)
    missing = result.indicators.pivot(index="code", columns="indicator", values="missing").reindex(columns=ids).astype(bool)
    r = correlation_matrix(att.where(~missing).to_numpy(float), method)
    labels = [f"{k + 1}. {short(fw.label(i, lang), 13 if lang != 'en' else 26)}" for k, i in enumerate(fw.indicators)]
    full = [fw.label(i, lang) for i in fw.indicators]
    hover = [[f"{full[a]}<br>{full[b]}<br>r = {r[a, b]:.2f}" for b in range(len(ids))] for a in range(len(ids))]
    fig = go.Figure(go.Heatmap(z=np.round(r, 2).tolist(), x=[str(k + 1) for k in range(len(ids))], y=labels, zmin=-1, zmax=1,
                               colorscale=CORRELATION_SCALE, customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                               colorbar={"title": {"text": "r"}, "thickness": 12, "len": 0.8}, xgap=1, ygap=1))
    start = 0
    for dim in fw.dimensions:  # a frame around each dimension's block
        k = len(dim.indicators)
        fig.add_shape(type="rect", x0=start - 0.5, x1=start + k - 0.5, y0=start - 0.5, y1=start + k - 0.5,
                      line={"color": "#222222", "width": 1.5})
        start += k
    fig.update_yaxes(autorange="reversed", type="category", tickfont={"size": 9}, automargin=True)
    fig.update_xaxes(type="category", tickfont={"size": 8}, side="top")
    title = "Correlations between indicators (frames: dimensions)" if lang == "en" else "指标间相关系数（方框为同一维度）"
    return style_figure(fig, title, height=760).update_layout(margin={"t": 110, "l": 10})


def dimension_heatmap(tables: Mapping[str, pd.DataFrame], fw: Framework, lang: str = "zh") -> go.Figure:
    """The dimension × dimension correlation matrix, values written in the cells."""
    m = tables["dimensions"]
    names = [wrap(fw.label(d, lang), 6 if lang != "en" else 14) for d in fw.dimensions]
    z = m.to_numpy(float)
    fig = go.Figure(go.Heatmap(z=np.round(z, 2).tolist(), x=names, y=names, zmin=-1, zmax=1, colorscale=CORRELATION_SCALE,
                               text=[[f"{v:.2f}" for v in row] for row in z], texttemplate="%{text}", textfont={"size": 11},
                               hovertemplate="%{y} · %{x}: r = %{z:.2f}<extra></extra>",
                               colorbar={"title": {"text": "r"}, "thickness": 12, "len": 0.8}, xgap=2, ygap=2))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top", tickangle=0)
    title = "Correlations between dimension scores" if lang == "en" else "维度得分间相关系数"
    return style_figure(fig, title, height=560).update_layout(margin={"t": 130})


def with_dimension_html(tables: Mapping[str, pd.DataFrame], fw: Framework, lang: str = "zh") -> str:
    """Per indicator: correlation with its dimension and with the rest of it, flagged negative or weak."""
    en = lang == "en"
    wd = tables["with_dimension"]

    def row(ind, r) -> dict:
        flag = r["flag_en"] if en else r["flag_zh"]
        rest = r["flag_rest_en"] if en else r["flag_rest_zh"]
        return {"name": fw.label(ind, lang), "r": r["r_dimension"], "r_rest": r["r_rest"],
                "flag": "; ".join(f for f in dict.fromkeys([flag, rest]) if f) if en else "；".join(f for f in dict.fromkeys([flag, rest]) if f),
                "_flag": bool(r["flag"] or r["flag_rest"])}

    cols = [Column("name", "Indicator" if en else "指标"), Column("r", "r with the dimension" if en else "与所属维度的相关系数", "points"),
            Column("r_rest", "r with the rest of it" if en else "与维度其余指标的相关系数", "points"), Column("flag", "Check" if en else "检验结果")]
    flagged = wd[(wd["flag"] != "") | (wd["flag_rest"] != "")]
    caption = (f"Each indicator against its dimension: {len(flagged)} negative or hardly correlated" if en
               else f"各指标与所属维度的相关性：{len(flagged)} 项负相关或几乎不相关")
    note = ("An indicator that does not move with the rest of its dimension measures something else, or is entered the wrong way round."
            if en else "与所属维度其余指标不同向变动的指标，或测量的是另一件事，或方向设置有误。")
    return table_html(_grouped(wd, fw, lang, row), cols, caption, lang, note=note,
                      row_class=lambda r: "zx-close" if r.get("_flag") else "")


def collinear_html(tables: Mapping[str, pd.DataFrame], fw: Framework, lang: str = "zh") -> str:
    """Pairs of indicators of one dimension correlated above the threshold; a sentence when there are none."""
    en = lang == "en"
    pairs = tables["collinear"]
    if pairs.empty:
        return f"<p>{'No two indicators of a dimension correlate above 0.9.' if en else '同一维度内没有相关系数超过 0.9 的指标对。'}</p>"
    dims = {d.id: fw.label(d, lang) for d in fw.dimensions}
    rows = [{"dim": dims[r["dimension"]], "a": r["indicator_a_en" if en else "indicator_a_zh"],
             "b": r["indicator_b_en" if en else "indicator_b_zh"], "r": r["r"]} for r in pairs.to_dict("records")]
    cols = [Column("dim", "Dimension" if en else "维度"), Column("a", "Indicator" if en else "指标"),
            Column("b", "Indicator" if en else "指标"), Column("r", "r" if en else "相关系数", "points")]
    return table_html(rows, cols, "Highly correlated pairs (r > 0.9)" if en else "高度相关的指标对（r > 0.9）", lang,
                      note="Two such indicators count the same thing twice." if en else "这样的两项指标实际重复计分。")


def reliability_html(tables: Mapping[str, pd.DataFrame], fw: Framework, lang: str = "zh") -> str:
    """Per dimension: indicators, Cronbach's alpha and the first principal component's variance share."""
    en = lang == "en"
    rows = [{"dim": r["dimension_en"] if en else r["dimension_zh"], "k": int(r["n_indicators"]), "alpha": r["cronbach_alpha"],
             "pc1": r["pc1_share"]} for r in tables["reliability"].to_dict("records")]
    cols = [Column("dim", "Dimension" if en else "维度"), Column("k", "Indicators" if en else "指标数", "int"),
            Column("alpha", "Cronbach's alpha" if en else "克朗巴哈 α 系数", "points"),
            Column("pc1", "First component's share of variance" if en else "第一主成分方差贡献率", "share")]
    note = ("Alpha near 0.7 or above: the indicators move together; a first component with most of the variance: one dimension, not several."
            if en else "α 系数达到 0.7 左右或以上，说明同一维度的指标同向变动；第一主成分贡献率高，说明该维度测量的是同一件事。")
    return table_html(rows, cols, "Internal consistency of each dimension" if en else "各维度内部一致性", lang, note=note)


def effective_weights_figure(tables: Mapping[str, pd.DataFrame], fw: Framework, lang: str = "zh") -> go.Figure:
    """Each indicator's nominal points beside its effective points (its share of the total's variance × 100)."""
    eff = tables["effective_weights"].set_index("indicator").reindex(fw.indicator_ids)
    names = [short(fw.label(i, lang), 15 if lang != "en" else 30) for i in fw.indicators]
    en = lang == "en"
    fig = go.Figure()
    fig.add_bar(y=names, x=eff["max_points"], orientation="h", name="Nominal points" if en else "名义分值", marker_color=MUTED,
                hovertemplate="%{y}: %{x:.2f}<extra></extra>")
    fig.add_bar(y=names, x=eff["effective_points"], orientation="h", name="Effective points" if en else "实际影响（有效分值）",
                marker_color=[WARNING if v < 0 else HIGHLIGHT for v in eff["effective_points"]], hovertemplate="%{y}: %{x:.2f}<extra></extra>")
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(autorange="reversed", tickfont={"size": 10}, automargin=True)
    fig.update_xaxes(title={"text": "points" if en else "分"}, rangemode="tozero" if (eff["effective_points"] >= 0).all() else "normal")
    title = ("Nominal weight and effective weight (share of the total's variance)" if en
             else "名义权重与实际影响（对总分方差的贡献）")
    # one printed A4 page at most (about 960 px under the title)
    return style_figure(fig, title, height=min(160 + 20 * len(names), 960))


def effective_weights_note(tables: Mapping[str, pd.DataFrame], fw: Framework, lang: str = "zh", top: int = 3) -> str:
    """A sentence naming the indicators that weigh most beyond and most below their nominal points."""
    eff = tables["effective_weights"].assign(gap=lambda d: d["effective_points"] - d["max_points"]).sort_values("gap", kind="stable")
    name = {i.id: fw.label(i, lang) for i in fw.indicators}

    def listed(df: pd.DataFrame) -> str:
        sep = "; " if lang == "en" else "；"
        return sep.join(f"{name[r.indicator]} {format_number(r.max_points)} → {format_number(r.effective_points)}" for r in df.itertuples())

    high, low = eff.tail(top).iloc[::-1], eff.head(top)
    if lang == "en":
        return (f"<p>Weighing most beyond their nominal points: {listed(high)}. Weighing least: {listed(low)}. "
                "An indicator on which all units score alike moves no rank, whatever its weight.</p>")
    return (f"<p>实际影响超出名义分值最多的指标：{listed(high)}。实际影响最小的指标：{listed(low)}。"
            "各单位得分相近的指标，权重再大也不改变排名。</p>")


def coupling_city_html(city_table: pd.DataFrame, lang: str = "zh", city: str | None = None) -> str:
    """The city table of the coupling coordination degree D: mean D of the units, its grade and rank."""
    en = lang == "en"
    rows = [{"rank": int(r["rank"]), "n": len(city_table), "city": (r["city_en"] or r["city"]) if en else r["city"],
             "units": int(r["n_units"]), "D": r["D_mean"], "grade": r["grade_en"] if en else r["grade_zh"], "_home": r["city"] == city}
            for r in city_table.to_dict("records")]
    cols = [Column("rank", "Rank" if en else "排名", "rank", of="n"), Column("city", "City" if en else "市"),
            Column("units", "Units" if en else "单位数", "int"), Column("D", "Mean D" if en else "耦合协调度 D（平均）", "points", decimals=3),
            Column("grade", "Grade" if en else "协调等级")]
    note = ("D = √(C·T) over the five pillars' attainments: C, the coupling, is their geometric over their arithmetic mean; "
            "T, the development level, their weighted mean. Grades in steps of 0.1, from extreme disorder to high-quality coordination."
            if en else "D = √(C·T)，按五大振兴维度的得分率计算：耦合度 C 为几何平均与算术平均之比，发展度 T 为加权平均；"
            "按 0.1 分为十级，从极度失调到优质协调。")
    return table_html(rows, cols, "Coupling coordination of the five pillars, by city" if en else "各市五大振兴耦合协调度", lang, note=note,
                      row_class=lambda r: "zx-home" if r["_home"] else "")


def _growth_meaningful(ind) -> bool:
    """Growth rates of a level (元, a ratio, kg/ha) mean something; of a percentage or a growth rate they do not."""
    lo, _ = ind.valid_range
    return lo >= 0 and ind.unit.strip() not in ("%", "％", "percent")


def trend_html(ds, fw: Framework, lang: str = "zh") -> str:
    """Per indicator over the data set's years (:func:`zhenxing.trend.indicator_trends`): the province's
    median value in the first and the last year, the units' median change per year (least-squares slope),
    their median average annual growth (levels only: of a percentage or a growth rate it means nothing) and
    the share of units improving; a sentence with one year."""
    from ..trend import indicator_trends

    en = lang == "en"
    years = list(ds.years)
    if len(years) < 2:
        return f"<p>{'One year of data: no trend yet.' if en else '仅有一年数据，暂无趋势。'}</p>"
    trends = indicator_trends(ds)
    t = trends[trends["n_years"] >= 2]
    g = t.groupby("indicator")
    values = ds.values[ds.values["indicator"].isin(fw.indicator_ids)]
    median = values.groupby(["indicator", "year"])["value"].median()
    summary = pd.DataFrame({"slope": g["slope"].median(), "growth": g["growth"].median(), "improving": g["improving"].mean()})
    summary["first"] = [median.get((i, years[0]), np.nan) for i in summary.index]
    summary["last"] = [median.get((i, years[-1]), np.nan) for i in summary.index]
    summary = summary.reset_index()

    def row(ind, r) -> dict:
        first, last = format_pair(r["first"], r["last"])
        unit = ind.unit_label(lang)
        return {"name": fw.label(ind, lang), "unit": unit, "first": first, "last": last,
                "slope": f"{float(r['slope']):+,.{0 if abs(r['slope']) >= 100 else 2}f}", "growth": r["growth"] if _growth_meaningful(ind) else None,
                "improving": r["improving"], "_down": bool(r["improving"] < 0.5)}

    cols = [Column("name", "Indicator" if en else "指标"), Column("unit", "Unit" if en else "单位"),
            Column("first", f"Median {years[0]}" if en else f"{years[0]} 年中位数"),
            Column("last", f"Median {years[-1]}" if en else f"{years[-1]} 年中位数"),
            Column("slope", "Change per year (median)" if en else "年均变化（中位数）"),
            Column("growth", "Annual growth (median)" if en else "年均增速（中位数）", "share"),
            Column("improving", "Units improving" if en else "改善的单位占比", "share")]
    caption = (f"Trends {years[0]}–{years[-1]} of each indicator" if en else f"{years[0]}—{years[-1]} 年各指标变化趋势")
    note = ("Change per year: the least-squares slope of each unit's values, in the indicator's unit; annual growth between "
            "each unit's first and last value, for levels only (not for percentages or growth rates); improving = moved in the "
            "indicator's good direction. Shaded: fewer than half of the units improved."
            if en else "年均变化为各单位数值对年份的最小二乘斜率（指标单位/年）；年均增速按各单位首末年数值计算，仅适用于总量、"
            "人均量等水平指标（百分比和增长率指标不计）；“改善”指朝指标的有利方向变动。底色标出改善单位不足一半的指标。")

    def cell_class(r: dict, c: Column) -> str:
        return "num" if c.key in ("first", "last", "slope") else ""

    return table_html(_grouped(summary, fw, lang, row), cols, caption, lang, note=note,
                      row_class=lambda r: "zx-close" if r.get("_down") else "", cell_class=cell_class)


def winsorised_html(treated: ScoreResult, nominal: ScoreResult, fw: Framework, lang: str = "zh") -> str:
    """The winsorisation what-if: values changed per indicator, and the units whose rank or warning-talk flag would change."""
    en = lang == "en"
    tt = treated.treatment
    changed = tt[tt["n_changed"] > 0] if tt is not None else pd.DataFrame()
    n_values = int(changed["n_changed"].sum()) if len(changed) else 0
    a = nominal.units.set_index("code")
    b = treated.units.set_index("code").reindex(a.index)
    moved = a.index[(a["rank_category"] != b["rank_category"]).to_numpy()]
    flips = a.index[(a["warning_talk"].astype(bool) != b["warning_talk"].astype(bool)).to_numpy()]
    name = (lambda c: (a.at[c, "name_en"] or a.at[c, "name_zh"])) if en else (lambda c: a.at[c, "name_zh"])
    flip_text = ("、" if not en else ", ").join(
        f"{name(c)}（{'进入' if b.at[c, 'warning_talk'] else '退出'}约谈区）" if not en else
        f"{name(c)} ({'into' if b.at[c, 'warning_talk'] else 'out of'} the warning-talk zone)" for c in flips)
    if not len(changed):
        return ("<p>No indicator goes beyond |skew| ≥ 2 and kurtosis ≥ 3.5: winsorising (a what-if only; the assessment "
                "does not) would change no value and no rank.</p>" if en else
                "<p>没有指标的偏度和峰度同时超限，缩尾处理（仅为假设情景，考核不做此处理）不会改变任何数值和排名。</p>")
    if en:
        text = (f"<p>Winsorising (what-if only; the assessment does not) would change {n_values} values of {len(changed)} indicators "
                f"and move {len(moved)} units' rank in their category"
                + (f"; warning talks: {flip_text}." if len(flips) else "; no unit would enter or leave the warning-talk zone.") + "</p>")
    else:
        text = (f"<p>若对异常值做缩尾处理（仅为假设情景，考核不做此处理），将改变 {len(changed)} 项指标的 {n_values} 个数值，"
                f"{len(moved)} 个单位的类别内排名随之变化"
                + (f"；约谈名单变化：{flip_text}。" if len(flips) else "；约谈名单不变。") + "</p>")
    rows = [{"name": fw.label(fw.indicator_by_id[r["indicator"]], lang), "n": int(r["n_changed"]),
             "skew0": r["skew_before"], "skew1": r["skew_after"]} for r in changed.to_dict("records")]
    cols = [Column("name", "Indicator" if en else "指标"), Column("n", "Values changed" if en else "改变的数值", "int"),
            Column("skew0", "Skewness before" if en else "处理前偏度", "points"), Column("skew1", "Skewness after" if en else "处理后偏度", "points")]
    return text + table_html(rows, cols, "Winsorised indicators" if en else "缩尾处理的指标", lang)
