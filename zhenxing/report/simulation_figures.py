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

import html
from typing import Any, Protocol

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..framework import Framework
from ..labels import column_label
from .style import (
    BAND_INNER,
    BAND_INNER_MUTED,
    BAND_OUTER,
    BAND_OUTER_MUTED,
    HIGHLIGHT,
    MEDIAN_COLOUR,
    MUTED,
    NOMINAL_COLOUR,
    STATUS_COLOURS,
    WARNING,
    ZONE_COLOUR,
    style_figure,
)
from .text import band_text, category_label, city_label, city_name, level_label, row_labels, text, unit_names


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
    rows = row_labels(data, lang)
    mine = [home is None or c == home for c in data["city"]]
    code_list = [str(c) for c in data["code"]]
    fig = go.Figure()
    if level == "category":
        fig.add_trace(zone_trace(data, rows, fw.warning_talk.per_category, lang))
    fig.add_trace(band_trace(text("sim_band_outer", lang), rows, data["p05"], data["p95"],
                              [BAND_OUTER if h else BAND_OUTER_MUTED for h in mine], 0.72, code_list))
    fig.add_trace(band_trace(text("sim_band_inner", lang), rows, data["p25"], data["p75"],
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
    lev = level_label(level, lang)
    fig.update_layout(barmode="overlay", bargap=0.1, xaxis_title=text("sim_rank_axis", lang, level=lev))
    fig.update_xaxes(range=[0.4, n_max + 0.6], dtick=1 if n_max <= 30 else 5, zeroline=False)
    fig.update_yaxes(autorange="reversed", type="category")
    draws = f"{int(sim.n_draws):,}"
    if category is not None:
        title = text("sim_fan_category_title", lang, category=category_label(fw, category, lang), level=lev,
                     city=city_label(sim.units, home, lang) if home else "—", draws=draws)
    elif city is not None:
        title = text("sim_fan_city_title", lang, city=city_label(sim.units, city, lang), level=lev, draws=draws)
    else:
        title = text("sim_fan_title", lang, level=lev, draws=draws)
    if scenario_label:
        title += f"{'：' if lang != 'en' else ': '}{scenario_label}"
    return style_figure(fig, title, height=170 + 30 * max(len(rows), 1))


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
            column_label("name", fw, lang): unit_names(data, lang),
            column_label("category", fw, lang): [category_label(fw, c, lang) for c in data["category"]],
            column_label("rank_category", fw, lang): [f"{r}/{n}" for r, n in zip(data["nominal"], data["n"])],
            text("sim_median_rank", lang): [int(v) for v in data["median"]],
            text("sim_band_col", lang): [band_text(a, b) for a, b in zip(data["p05"], data["p95"])],
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
            y=row_labels(data, lang),
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
    title = text("sim_bottom_title", lang, city=city_label(sim.units, city, lang), k=k, draws=f"{int(sim.n_draws):,}")
    return style_figure(fig, title, height=170 + 34 * len(data))


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
    return style_figure(fig, text("sim_city_last_title", lang, draws=f"{int(sim.n_draws):,}"), height=420)


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
