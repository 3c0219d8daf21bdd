"""Sensitivity to the dimension weights: Sobol' indices and the exact rank
bounds inside a weight box (with the sampled band of the same box)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..framework import Framework
from .simulation_figures import (
    SensitivityLike,
    SimulationLike,
    band_trace,
    city_rows,
    fit_title,
    legend_on_top,
    rank_dtick,
    rank_fan_data,
    stext,
    zone_trace,
)
from .style import BOUNDS_COLOUR, BOUNDS_LINE, HIGHLIGHT, NOMINAL_COLOUR, style_figure
from .text import city_label, level_label, row_labels, spread_pct, text, unit_name, wrap


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


NEARLY_UNCHANGED = 0.95
"""A unit's rank "almost never changes" when the sampled weight box leaves it at its nominal
rank in at least this share of the draws: its Sobol' indices are then noise (S1 ≈ 0 with
confidence intervals across the whole 0–1 range) and the report shows a sentence instead."""


def unchanged_units(
    sensitivity: SensitivityLike, codes: list[str], box: SimulationLike | None = None, threshold: float = NEARLY_UNCHANGED
) -> tuple[list[str], dict[str, float]]:
    """The units of ``codes`` whose rank in category the weight box does not move, as
    ``(constant, nearly)``: ``constant`` — codes whose rank never changed in the Sobol'
    sample (``sensitivity.constant_rank``); ``nearly`` — code → share of the draws of
    ``box`` (a simulation of the same weight box) at the nominal rank, for the other codes
    where that share is at least ``threshold``."""
    unknown = [c for c in codes if c not in sensitivity.rank.S1.index]
    if unknown:
        raise ValueError(f"unknown unit code(s) {', '.join(map(str, unknown))}")
    constant = [c for c in codes if bool(sensitivity.constant_rank.get(c, False))]
    nearly: dict[str, float] = {}
    if box is not None:
        u = box.units.reset_index(drop=True)
        where = {str(c): k for k, c in enumerate(u["code"])}
        counts = np.asarray(box.rank_counts_category)
        for c in codes:
            if c in constant or c not in where:
                continue
            row = counts[where[c]]
            share = float(row[int(u.loc[where[c], "nominal_rank_category"]) - 1] / row.sum())
            if share >= threshold:
                nearly[c] = share
    return constant, nearly


def unchanged_sentence(
    sensitivity: SensitivityLike, codes: list[str], lang: str = "zh", *, box: SimulationLike | None = None, units: pd.DataFrame | None = None
) -> str:
    """One or two sentences naming the units of :func:`unchanged_units` (empty when there are none)."""
    constant, nearly = unchanged_units(sensitivity, codes, box)
    names = _names(codes, units, lang)
    sep = ", " if lang == "en" else "、"
    pct = spread_pct(sensitivity.spread)
    out = []
    if constant:
        out.append(stext("unchanged", lang, pct=pct, units=sep.join(names[c] for c in constant)))
    if nearly:
        data = rank_fan_data(box, codes=list(nearly))
        parts = [stext("unit_range", lang, name=names[r.code], lo=int(r.best_seen), hi=int(r.worst_seen), r=int(r.nominal),
                       share=f"{100 * nearly[r.code]:.1f}") for r in data.itertuples()]
        out.append(stext("nearly_unchanged", lang, pct=pct, share=f"{100 * NEARLY_UNCHANGED:g}", units=sep.join(parts)))
    return (" " if lang == "en" else "").join(out)


def _names(codes: list[str], units: pd.DataFrame | None, lang: str) -> dict[str, str]:
    if units is None:
        return {c: str(c) for c in codes}
    lookup = units.drop_duplicates("code").set_index("code")
    return {c: unit_name(lookup.loc[c], lang) if c in lookup.index else str(c) for c in codes}


def sobol_rank_chart(
    sensitivity: SensitivityLike,
    codes: list[str],
    fw: Framework,
    lang: str = "zh",
    *,
    units: pd.DataFrame | None = None,
    box: SimulationLike | None = None,
) -> go.Figure | None:
    """One chart for the rank in category of every unit of ``codes`` whose rank moves: a
    grid with one column per unit and one row per dimension weight, coloured by the
    total-effect index ST (colour bar), each cell reading "ST (S1)" at 2 decimals; the
    confidence half-widths in the hover. Units of :func:`unchanged_units` are left out (see
    :func:`unchanged_sentence`); ``None`` when no unit is left."""
    constant, nearly = unchanged_units(sensitivity, codes, box)
    shown = [c for c in codes if c not in constant and c not in nearly]
    if not shown:
        return None
    tabs = sensitivity.rank
    dims = [d.id for d in fw.dimensions]
    names = _names(shown, units, lang)
    rows = [names[c] for c in shown]
    st = tabs.ST.loc[shown, dims].to_numpy(dtype=float)
    s1 = tabs.S1.loc[shown, dims].to_numpy(dtype=float)
    st_e = tabs.ST_conf.loc[shown, dims].to_numpy(dtype=float)
    s1_e = tabs.S1_conf.loc[shown, dims].to_numpy(dtype=float)
    st, s1, st_e, s1_e = st.T, s1.T, st_e.T, s1_e.T  # one row per dimension, one column per unit
    # the indices lie in [0, 1]; a slightly negative estimate (sampling error) reads 0.00, not -0.00
    cells = [[f"{max(a, 0.0):.2f} ({max(b, 0.0):.2f})" for a, b in zip(ra, rb)] for ra, rb in zip(st, s1)]
    hover = [[f"ST = {a:.2f} ± {ea:.2f}<br>S1 = {b:.2f} ± {eb:.2f}" for a, b, ea, eb in zip(ra, rb, rea, reb)]
             for ra, rb, rea, reb in zip(st, s1, st_e, s1_e)]  # fmt: skip
    fig = go.Figure(
        go.Heatmap(
            z=np.clip(st, 0, 1).tolist(),
            x=[wrap(n, 10 if lang != "en" else 12) for n in rows],
            y=[wrap(fw.label(d, lang), 16 if lang != "en" else 28) for d in fw.dimensions],
            text=cells,
            texttemplate="%{text}",
            textfont={"size": 11},
            customdata=hover,
            colorscale="Blues",
            zmin=0,
            zmax=1,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": stext("sobol_colour", lang)}, "thickness": 12, "len": 0.9},
            hovertemplate="%{x}<br>%{y}<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category", tickfont={"size": 11})
    fig.update_xaxes(side="top", tickangle=0, tickfont={"size": 11}, type="category")
    fig = style_figure(fig, stext("sobol_title", lang), height=190 + 36 * len(dims))
    return fig.update_layout(margin={"t": 110})


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
    unproven = ~mine["bounds_proven"].to_numpy(bool) if "bounds_proven" in mine else np.zeros(len(mine), bool)
    rows = [f"{r} *" if u else r for r, u in zip(rows, unproven)]  # a MILP stopped at its time limit
    codes = [str(c) for c in mine["code"]]
    n_province = mine["n_province"].astype(int) if "n_province" in mine else pd.Series(len(bounds), index=mine.index)
    n = mine["n_category"].astype(int) if level == "category" else n_province
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
    fig.update_xaxes(range=[0.4, n_max + 0.6], dtick=rank_dtick(n_max), zeroline=False)
    fig.update_yaxes(autorange="reversed", type="category")
    title = stext("bounds_title", lang, city=city_label(mine, city, lang), pct=spread_pct(spread), level=lev)
    height = (255 if lang == "en" else 215) + 34 * len(rows) + (30 if unproven.any() else 0)
    fig = legend_on_top(style_figure(fig, fit_title(title, lang), height=height), height, lang=lang)
    if unproven.any():  # the footnote of the starred rows, under the axis title
        fig.update_layout(xaxis_title=text("sim_rank_axis", lang, level=lev) + "<br><span style='font-size:12px'>"
                          + stext("bounds_unproven", lang) + "</span>", margin={"b": 95})
    return fig
