"""What-if scenarios of the ranking simulation: the city's ranks under each
scenario (table and heatmap) and the agreement of the scenarios' orders."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ..framework import Framework
from .simulation_figures import ComparisonLike, city_rows
from .style import CHANGE_SCALE, WARNING, style_figure
from .tables import Column, table_html
from .text import category_label, city_label, row_labels, text, wrap


def _change_text(change: int, space: str = " ") -> str:
    return "" if change == 0 else (f"{space}↑{change}" if change > 0 else f"{space}↓{-change}")


def scenario_rank_rows(comparison: ComparisonLike, city: str, fw: Framework, lang: str = "zh") -> list[dict[str, str]]:
    """The cells of :func:`scenario_rank_table`: one row per unit of ``city`` (by category,
    then rank under the reference) with ``code``, ``name``, ``category`` and, per scenario
    id, the rank in category with its denominator ("22/50"), followed by the change against
    the reference as an arrow (``change_<id>``: ↑ = moves up) and "约谈"/"warning talk"
    when the scenario puts the unit in its category's bottom group."""
    scs = list(comparison.scenarios)
    ref = scs[0].id
    t = comparison.table
    n_cat = t.groupby("category")["code"].transform("size")
    mine = city_rows(t.assign(_n=n_cat), city, fw, f"rank_category_{ref}")
    talk = f" · {text('warning_talk', lang)}"
    out = []
    for label, (_, r) in zip(row_labels(mine, lang), mine.iterrows()):
        row = {"code": str(r["code"]), "name": label, "category": category_label(fw, r["category"], lang)}
        for sc in scs:
            row[sc.id] = (f"{int(r[f'rank_category_{sc.id}'])}/{int(r['_n'])}"
                          + ("" if sc.id == ref else _change_text(int(r[f"change_{sc.id}"]), "\u00a0"))
                          + (talk if bool(r[f"warning_talk_{sc.id}"]) else ""))  # fmt: skip
        out.append(row)
    return out


def scenario_rank_table(comparison: ComparisonLike, city: str, fw: Framework, lang: str = "zh") -> str:
    """The city's ranks in category under each scenario as a reader's table (HTML): one row
    per unit, one column per scenario (reference first), cells from :func:`scenario_rank_rows`."""
    scs = list(comparison.scenarios)
    columns = [Column("name", _T["unit"][lang == "en"])]
    columns += [Column(sc.id, sc.label(lang)) for sc in scs]
    name = city_label(comparison.table, city, lang)
    caption = _T["caption"][lang == "en"].format(city=name, ref=scs[0].label(lang))
    return table_html(scenario_rank_rows(comparison, city, fw, lang), columns, caption, lang, note=_T["note"][lang == "en"])


_T = {
    "unit": ("单位", "Unit"),
    "caption": ("{city}各单位在各方案下的类别内排名（箭头为较“{ref}”的名次变化）", "Rank in category of {city}'s units under each scenario (arrows: change against {ref})"),
    "note": ("↑ 上升，↓ 下降；“约谈”：该方案下进入类别末位约谈区。", "↑ up, ↓ down; “warning talk”: in the bottom group of the category under that scenario."),
}


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
            x=[wrap(sc.label(lang), 12 if lang != "en" else 14) for sc in scs],
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
    labels = [wrap(s.label(lang), 12 if lang != "en" else 14) for s in scs]
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
    return style_figure(fig, text("sim_kendall_title", lang), height=200 + 46 * len(ids))
