"""What-if scenarios of the ranking simulation: the city's ranks under each
scenario (table and heatmap) and the agreement of the scenarios' orders."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..framework import Framework
from ..labels import column_label
from .simulation_figures import ComparisonLike, city_rows
from .style import CHANGE_SCALE, WARNING, style_figure
from .text import category_label, city_label, row_labels, text, wrap


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
    mine = city_rows(t.assign(_n=n_cat), city, fw, f"rank_category_{ref}")
    columns = pd.MultiIndex.from_arrays(
        [[f"{category_label(fw, c, lang)} ({int(n)})" for c, n in zip(mine["category"], mine["_n"])], row_labels(mine, lang)],
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
    mine = city_rows(comparison.table, city, fw, f"rank_category_{ref}")
    rows = row_labels(mine, lang)
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
    title = text("sim_changes_title", lang, city=city_label(mine, city, lang), ref=scs[0].label(lang))
    return style_figure(fig, title, height=200 + 44 * len(rows))


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
    return style_figure(fig, text("sim_kendall_title", lang), height=220 + 60 * len(ids))
