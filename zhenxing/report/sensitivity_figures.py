"""Sensitivity to the dimension weights: Sobol' indices and the exact rank
bounds inside a weight box (with the sampled band of the same box)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..framework import Framework
from ..labels import column_label
from .simulation_figures import SensitivityLike, SimulationLike, band_trace, city_rows, rank_fan_data, zone_trace
from .style import BOUNDS_COLOUR, BOUNDS_LINE, HIGHLIGHT, NOMINAL_COLOUR, S1_COLOUR, ST_COLOUR, style_figure
from .text import (
    band_text,
    category_label,
    city_label,
    level_label,
    row_labels,
    spread_pct,
    text,
    unit_name,
    unit_names,
    wrap,
)


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
    title = text(f"sim_sobol_title_{output}", lang, pct=spread_pct(sensitivity.spread))
    height = 170 + 290 * nrows
    fig = style_figure(fig, title, height=height)
    # the legend above the first row of panel titles
    fig.update_layout(margin={"t": 120}, legend={"y": 1.0 + 34 / (height - 130)})
    return fig


def rank_bounds_summary(
    bounds: pd.DataFrame, city: str, fw: Framework, lang: str = "zh", sampled: SimulationLike | None = None
) -> pd.DataFrame:
    """The city's rows of :func:`zhenxing.robustness.rank_bounds_table`, indexed by code: name,
    category, total (2 decimals), nominal rank in category "r/n", exact best–worst rank in
    the category and the province, the sampled 5-95 % band in the category (when
    ``sampled``, a simulation of the same box, is given) and whether the warning talk is
    possible inside the box; headers in ``lang``."""
    mine = _with_names(city_rows(bounds, city, fw, "rank_category"), sampled)
    yes = "是" if lang != "en" else "yes"
    data: dict[str, list[Any]] = {
        column_label("code", fw, lang): list(mine["code"]),
        column_label("name", fw, lang): unit_names(mine, lang),
        column_label("category", fw, lang): [category_label(fw, c, lang) for c in mine["category"]],
        column_label("total", fw, lang): [round(float(v), 2) for v in mine["total"]],
        column_label("rank_category", fw, lang): [f"{r}/{n}" for r, n in zip(mine["rank_category"], mine["n_category"])],
        text("sim_best_worst_category", lang): [band_text(a, b) for a, b in zip(mine["best_rank_category"], mine["worst_rank_category"])],
        text("sim_best_worst_province", lang): [band_text(a, b) for a, b in zip(mine["best_rank_province"], mine["worst_rank_province"])],
    }
    if sampled is not None:
        band = rank_fan_data(sampled, fw, codes=list(mine["code"]))
        data[text("sim_sampled_band", lang)] = [band_text(a, b) for a, b in zip(band["p05"], band["p95"])]
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
    lev = level_label(level, lang)
    mine = _with_names(city_rows(bounds, city, fw, f"rank_{level}"), sampled)
    rows = row_labels(mine, lang)
    codes = [str(c) for c in mine["code"]]
    n = mine["n_category"].astype(int) if level == "category" else pd.Series(len(bounds), index=mine.index)
    fig = go.Figure()
    if level == "category":
        fig.add_trace(zone_trace(pd.DataFrame({"n": n.to_numpy()}), rows, fw.warning_talk.per_category, lang))
    rng = band_trace(text("sim_bounds_range", lang), rows, mine[f"best_rank_{level}"], mine[f"worst_rank_{level}"],
                      [BOUNDS_COLOUR] * len(rows), 0.76, codes)
    rng.marker.line = {"color": BOUNDS_LINE, "width": 1.5}
    fig.add_trace(rng)
    if sampled is not None:
        band = rank_fan_data(sampled, fw, codes=codes, level=level)
        fig.add_trace(band_trace(text("sim_sampled_band", lang), rows, band["p05"], band["p95"], [HIGHLIGHT] * len(rows), 0.3, codes))
    fig.add_scatter(
        name=text("sim_nominal", lang), y=rows, x=[int(v) for v in mine[f"rank_{level}"]], mode="markers",
        marker={"symbol": "diamond", "size": 10, "color": NOMINAL_COLOUR}, customdata=codes,
        hovertemplate="%{y}<br>" + text("sim_nominal", lang) + " %{x}<extra></extra>",
    )
    n_max = int(n.max())
    fig.update_layout(barmode="overlay", bargap=0.1, xaxis_title=text("sim_rank_axis", lang, level=lev))
    fig.update_xaxes(range=[0.4, n_max + 0.6], dtick=1 if n_max <= 30 else 5, zeroline=False)
    fig.update_yaxes(autorange="reversed", type="category")
    title = text("sim_bounds_title", lang, city=city_label(mine, city, lang), pct=spread_pct(spread), level=lev)
    return style_figure(fig, title, height=190 + 34 * len(rows))
