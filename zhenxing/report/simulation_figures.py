"""The ranking simulation report (notebooks/ranking_simulation.ipynb): what it
reads, how it selects a city's units, and the Monte Carlo figures.

The simulation builders (here and in :mod:`.scenario_figures`,
:mod:`.sensitivity_figures` and :mod:`.simulation_record`) read, duck-typed:

* :class:`zhenxing.scenarios.ScenarioComparison` (``.scenarios, .table, .kendall``)
* :class:`zhenxing.montecarlo.SimulationResult` (``.units, .cities, .rank_counts_*,
  .n_draws, .seed, .scenario, .year``)
* :class:`zhenxing.sensitivity.WeightSensitivity` (``.score`` / ``.rank``: S1,
  S1_conf, ST, ST_conf; ``.constant_*``, ``.spread``)
* the DataFrame of :func:`zhenxing.robustness.rank_bounds_table`

and compute nothing of their own but selections of rows and the quantiles of
the simulated rank counts, with the library's own function
(:mod:`zhenxing.montecarlo`, so the 5 %, 50 % and 95 % ranks drawn are exactly
the columns of ``SimulationResult.units``). Ranks are 1 = first; rank changes
between scenarios are the library's ``change_<id>`` (positive = moves up);
probabilities are shares of draws, shown in per cent.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..framework import Framework
from .style import (
    BAND_INNER,
    BAND_INNER_MUTED,
    BAND_OUTER,
    BAND_OUTER_MUTED,
    HIGHLIGHT,
    MEDIAN_COLOUR,
    MUTED,
    NOMINAL_COLOUR,
    ZONE_COLOUR,
    style_figure,
)
from .text import category_label, city_label, city_name, level_label, row_labels, text


_STEXT: dict[str, tuple[str, str]] = {
    "risk_caption": ("{city}各单位的约谈风险（类别内排名；蒙特卡洛 {draws} 次抽样；各维度权重 ±{pct}% 内的精确范围）",
                     "Warning-talk risk of {city}'s units (rank in category; {draws} Monte Carlo draws; exact range with every weight within ±{pct} %)"),
    "fan_city_title": ("{city}各单位{level}的模拟分布（{draws} 次抽样）", "{city}: simulated {level} ({draws} draws)"),
    "fan_category_title": ("{category}：全部单位{level}的模拟分布（{city}所辖单位突出显示）", "{category}: simulated {level} of every unit ({city} highlighted)"),
    "bounds_title": ("{city}各单位在权重 ±{pct}% 内可能达到的{level}", "{city}: {level} reachable with every weight within ±{pct} %"),
    "bounds_unproven": ("*：求解达到时限，为已找到的排名，未证明为最好或最差", "*: solver time limit reached; ranks found, not proven extreme"),
    "other_units": ("其他市的单位", "Units of other cities"),
    "risk_caption_sampled": ("{city}各单位的约谈风险（类别内排名；蒙特卡洛 {draws} 次抽样）",
                             "Warning-talk risk of {city}'s units (rank in category; {draws} Monte Carlo draws)"),
    "risk_unit": ("单位", "Unit"),
    "risk_category": ("类别", "Category"),
    "risk_nominal": ("名义排名", "Nominal rank"),
    "risk_band": ("模拟 5–95% 区间", "Simulated 5–95 %"),
    "risk_p_bottom": ("末 {k} 位概率", "P(bottom {k})"),
    "risk_bounds": ("±{pct}% 内最好–最差", "Best–worst at ±{pct} %"),
    "risk_possible": ("可能约谈", "Warning talk possible"),
    "risk_certain": ("必然约谈", "Warning talk certain"),
    "risk_note": ("约谈：类别内末 {k} 位。“可能”“必然”指各维度权重在 ±{pct}% 内任意变动时至少有一种 / 每一种权重组合下进入末 {k} 位（混合整数规划精确求解）。",
                  "Warning talk: the bottom {k} of a category. “Possible” / “certain”: in the bottom {k} for at least one / for every choice of the dimension weights within ±{pct} % (exact, by mixed-integer programming)."),
    "city_last_bars_title": ("在抽样中成为全省末位市的市（{draws} 次抽样）", "Cities that were the province's last city in some draw ({draws} draws)"),
    "city_last_axis": ("成为末位市的概率（%）", "Probability of being the last city (%)"),
    "city_last_others": ("其余 {n} 个市在全部抽样中均未成为末位市。", "The other {n} cities were never last in any draw."),
    "sobol_title": ("各单位类别内排名对维度权重的敏感性：ST（括号内 S1）", "Sensitivity of the rank in category to each weight: ST (S1 in brackets)"),
    "sobol_colour": ("总效应 ST", "Total effect ST"),
    "unchanged": ("以下单位在 ±{pct}% 权重范围内名次不变，不列出其敏感性指数：{units}。",
                  "These units keep their rank with every weight within ±{pct} %, so no sensitivity indices are shown for them: {units}."),
    "nearly_unchanged": ("以下单位在 ±{pct}% 权重范围内名次几乎不变（同一权重范围的抽样中至少 {share}% 的抽样名次与名义名次相同），指数没有意义，不列出：{units}。",
                         "These units almost never change rank with every weight within ±{pct} % (the nominal rank in at least {share} % of the draws of the same weight box); their indices mean nothing and are not shown: {units}."),
    "unit_range": ("{name}（{lo}–{hi} 位，{share}% 的抽样中为第 {r} 位）", "{name} (ranks {lo}–{hi}, rank {r} in {share} % of the draws)"),
}


def stext(key: str, lang: str = "zh", **fmt: Any) -> str:
    """A phrase of the simulation report in ``lang`` (kept here, beside the figures that use it)."""
    zh, en = _STEXT[key]
    return (en if lang == "en" else zh).format(**fmt)


#: Tick steps of a rank axis, the smallest one that keeps it to RANK_TICKS ticks.
RANK_STEPS = (1, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
RANK_TICKS = 15


def rank_dtick(n_max: int) -> int:
    """The tick step of an axis of ranks 1..``n_max``: every rank up to 30 ranks (a 680 px figure
    shows 30 labels side by side), else the smallest step of :data:`RANK_STEPS` giving at most
    :data:`RANK_TICKS` ticks, so that the labels stay horizontal and readable at national size."""
    if n_max <= 30:
        return 1
    return next((s for s in RANK_STEPS[1:] if n_max / s <= RANK_TICKS), RANK_STEPS[-1])


def fit_title(title: str, lang: str, width: int = 70) -> str:
    """An English title longer than ``width`` characters broken at a space (a 680 px figure
    shows about 75 characters of a title on one line); Chinese titles are left as they are."""
    if lang != "en" or len(title) <= width or "<br>" in title:
        return title
    cut = title.rfind(" ", 0, width)
    return title if cut <= 0 else title[:cut] + "<br>" + title[cut + 1:]


def legend_on_top(fig: go.Figure, height: int, top: int | None = None, lang: str = "zh") -> go.Figure:
    """Room above the plot for a legend below the title (the default legend of
    :func:`~.style.style_figure` grows upwards into the title when it wraps); English
    titles and legends are longer and get more."""
    top = top if top is not None else (150 if lang == "en" else 110)
    fig.update_layout(margin={"t": top}, legend={"y": 1.0 + 8 / max(height - top - 60, 1), "yanchor": "bottom"})
    return fig


def pct_text(p: float, lang: str = "zh") -> str:
    """A probability (share) in per cent at the displayed precision (1 decimal): "0.1%",
    "<0.1%" for a positive share that rounds to 0, "0%" only for exactly 0."""
    sep = " " if lang == "en" else ""
    if p <= 0:
        return f"0{sep}%"
    if round(p * 100, 1) == 0:
        return f"<0.1{sep}%"
    return f"{p * 100:.1f}{sep}%"


FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles of the simulated rank a fan chart draws (5-95 % and 25-75 % bands, median)."""


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


def _category_order(fw: Framework | None) -> dict[str, int]:
    return {} if fw is None else {c.id: k for k, c in enumerate(fw.categories)}


def city_rows(df: pd.DataFrame, city: str, fw: Framework | None, rank_col: str) -> pd.DataFrame:
    """``df``'s rows of ``city``, by category (framework order) then ``rank_col`` then code."""
    mine = df[df["city"] == city]
    if mine.empty:
        known = ", ".join(dict.fromkeys(map(str, df["city"])))
        raise ValueError(f"no units of city {city!r} (cities: {known})")
    order = _category_order(fw)
    key = mine["category"].map(lambda c: order.get(c, len(order)))
    return mine.assign(_o=key).sort_values(["_o", rank_col, "code"], kind="stable").drop(columns="_o")


def _rank_quantiles(counts: np.ndarray, q: float) -> np.ndarray:
    from ..montecarlo import rank_quantiles  # the library's own definition of the rank quantiles

    return rank_quantiles(counts, q)


def _rank_counts(sim: SimulationLike, level: str) -> np.ndarray:
    level_label(level, "en")
    return np.asarray(sim.rank_counts_category if level == "category" else sim.rank_counts_province)


def city_codes(units: pd.DataFrame, city: str, fw: Framework | None = None) -> list[str]:
    """Codes of ``city``'s units in ``units`` (any table with code, city, category and a
    nominal rank in category), in the order the simulation report lists them: by category
    (framework order), then nominal rank in category. ValueError for an unknown city."""
    rank = next(c for c in ("nominal_rank_category", "rank_category", "code") if c in units.columns)
    return [str(c) for c in city_rows(units, city, fw, rank)["code"]]


def city_display_name(units: pd.DataFrame, city: str, lang: str = "zh") -> str:
    """``city``'s name in ``lang`` (``city_en`` of its units for English, when present);
    ValueError for a city with no units in ``units``."""
    rows = units[units["city"] == city]
    if rows.empty:
        raise ValueError(f"no units of city {city!r} (cities: {', '.join(dict.fromkeys(map(str, units['city'])))})")
    return city_name(rows.iloc[0], lang)


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
        pos = city_rows(u, city, fw, nominal).index.to_numpy()
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


def zone_trace(data: pd.DataFrame, rows: list[str], k: int, lang: str) -> go.Bar:
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


def band_trace(name: str, rows: list[str], lo: Any, hi: Any, colours: list[str], width: float, codes: list[str]) -> go.Bar:
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
    row_height: int = 30,
) -> go.Figure:
    """Rank fan chart: one row per unit (selected as in :func:`rank_fan_data`), the
    simulated rank's 5-95 % band (wide bar) and 25-75 % band (narrow bar) covering whole
    ranks, the median (tick) and the nominal rank (diamond); for ranks in category, each
    row's bottom-``k`` warning-talk zone shaded. Units of ``highlight`` (default: ``city``)
    in the highlight colours, the others muted. Rank 1 (first) on the left.
    ``scenario_label`` (e.g. ``Scenario.label(lang)``) names the scenario in the title of
    a city's fan. ``row_height`` (px per unit; below 24 the row labels are set smaller)
    keeps a league of 50 units on one screen."""
    data = rank_fan_data(sim, fw, codes=codes, city=None if category is not None else city, category=category, level=level)
    home = highlight if highlight is not None else city
    rows = row_labels(data, lang)
    mine = [home is None or c == home for c in data["city"]]
    code_list = [str(c) for c in data["code"]]
    fig = go.Figure()
    if level == "category":
        fig.add_trace(zone_trace(data, rows, fw.warning_talk.per_category, lang))
    mixed = any(mine) and not all(mine)
    for key, lo, hi, on, off, width in (("sim_band_outer", "p05", "p95", BAND_OUTER, BAND_OUTER_MUTED, 0.72),
                                        ("sim_band_inner", "p25", "p75", BAND_INNER, BAND_INNER_MUTED, 0.36)):
        band = band_trace(text(key, lang), rows, data[lo], data[hi], [on if h else off for h in mine], width, code_list)
        band.showlegend = not mixed
        fig.add_trace(band)
        if mixed:  # the legend shows the highlight colour; the muted one gets its own entry below
            fig.add_bar(name=text(key, lang), x=[None], y=[None], marker_color=on, showlegend=True, hoverinfo="skip")
    if mixed:
        fig.add_bar(name=stext("other_units", lang), x=[None], y=[None], marker_color=BAND_INNER_MUTED, showlegend=True, hoverinfo="skip")
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
    lev = level_label(level, lang)
    fig.update_layout(barmode="overlay", bargap=0.1, xaxis_title=text("sim_rank_axis", lang, level=lev))
    fig.update_xaxes(range=[0.4, n_max + 0.6], dtick=rank_dtick(n_max), zeroline=False)
    fig.update_yaxes(autorange="reversed", type="category", tickfont={"size": 10 if row_height < 24 else 12})
    draws = f"{int(sim.n_draws):,}"
    if category is not None:
        cat = category_label(fw, category, lang)
        title = stext("fan_category_title", lang, category=cat[:1].upper() + cat[1:], level=lev,
                      city=city_label(sim.units, home, lang) if home else "—")
    elif city is not None:
        title = stext("fan_city_title", lang, city=city_label(sim.units, city, lang), level=lev, draws=draws)
    else:
        title = text("sim_fan_title", lang, level=lev, draws=draws)
    if scenario_label:
        title += f"{'：' if lang != 'en' else ': '}{scenario_label}"
    height = (235 if lang == "en" else 195) + row_height * max(len(rows), 1)
    return legend_on_top(style_figure(fig, fit_title(title, lang), height=height), height, lang=lang)


def city_last_bars(sim: SimulationLike, city: str, lang: str = "zh") -> go.Figure:
    """Horizontal bars of the probability (per cent) of being the province's last city
    (``sim.cities.p_last``), for the cities that were last in at least one draw only (no
    empty bars), most likely first; the home city, when among them, in the highlight
    colour. The other cities are counted in :func:`city_last_sentence`."""
    cities = sim.cities
    if city not in set(cities["city"]):
        raise ValueError(f"unknown city {city!r} (cities: {', '.join(map(str, cities['city']))})")
    some = cities[cities["p_last"] > 0].sort_values("p_last", ascending=False, kind="stable")
    names = [city_name(r, lang) for _, r in some.iterrows()]
    p = [float(v) for v in some["p_last"]]
    fig = go.Figure(
        go.Bar(
            x=[v * 100 for v in p],
            y=names,
            orientation="h",
            customdata=list(some["city"]),
            marker={"color": [HIGHLIGHT if c == city else MUTED for c in some["city"]]},
            text=[pct_text(v, lang) for v in p],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{x:.1f}%<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(xaxis_title=stext("city_last_axis", lang), xaxis_range=[0, 112])
    fig = style_figure(fig, stext("city_last_bars_title", lang, draws=f"{int(sim.n_draws):,}"), height=130 + 34 * max(len(names), 1))
    return fig.update_layout(margin={"t": 60})


def city_last_sentence(sim: SimulationLike, city: str, lang: str = "zh") -> str:
    """A Markdown sentence: the probability that ``city`` comes last (at the displayed
    precision: "never" for 0), its nominal rank, the most likely last city, and how many
    cities were never last."""
    cities = sim.cities
    row = cities[cities["city"] == city]
    if len(row) != 1:
        raise ValueError(f"unknown city {city!r} (cities: {', '.join(map(str, cities['city']))})")
    r = row.iloc[0]
    top = cities.sort_values("p_last", ascending=False, kind="stable").iloc[0]
    n = len(cities)
    name, top_name = city_name(r, lang), city_name(top, lang)
    p, p_top = float(r["p_last"]), float(top["p_last"])
    draws = f"{int(sim.n_draws):,}"
    if lang == "en":
        s = (f"**{name}** (nominal rank {int(r['nominal_rank'])}/{n} among the cities) "
             + (f"was never the province's last city in {draws} draws." if p <= 0
                else f"is the province's last city with probability **{pct_text(p, lang)}** ({draws} draws)."))
        if top["city"] != city:
            s += f" The most likely last city is {top_name} ({pct_text(p_top, lang)})."
        return s
    s = (f"**{name}**（名义排名第 {int(r['nominal_rank'])}/{n} 位）"
         + (f"在 {draws} 次抽样中从未成为全省末位市。" if p <= 0 else f"成为全省末位市的概率为 **{pct_text(p, lang)}**（{draws} 次抽样）。"))
    if top["city"] != city:
        s += f"最可能的末位市是{top_name}（{pct_text(p_top, lang)}）。"
    return s
