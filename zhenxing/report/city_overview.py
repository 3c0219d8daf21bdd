"""The city overview: the home city's record and headline, its units, the city
league and the category leagues.

The builders read the tables of a :class:`~zhenxing.scoring.ScoreResult`
(``cities`` and ``units``) and compute no score of their own.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..display import format_table
from ..framework import Framework
from ..labels import column_label
from .style import CJK_FONT, HIGHLIGHT, MUTED, STATUS_COLOURS, WARNING, category_colours, style_figure
from .text import category_label, city_en, city_name, grade_label, text, unit_names


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
            "name": unit_names(mine, lang),
            "category": [category_label(fw, c, lang) for c in mine["category"]],
            "total": [round(float(v), 2) for v in mine["total"]],
            "grade": [grade_label(fw, g, lang) for g in mine["grade"]],
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
            x=unit_names(sub, lang),
            y=[float(v) for v in sub["total"]],
            customdata=list(sub["code"]),
            marker={"color": colours[c.id], "line": {"color": [WARNING if f else colours[c.id] for f in flagged], "width": [3 if f else 0 for f in flagged]}},
            text=[f"{t:.2f}" + (f" ({text('warning_talk', lang)})" if f else "") for t, f in zip(sub["total"], flagged)],
            textposition="outside",
        )
    order = unit_names(mine, lang)
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    lo = float(mine["total"].min()) if len(mine) else 0.0
    fig.update_layout(yaxis_title=column_label("total", fw, lang), yaxis_range=[max(0.0, lo - 10), float(fw.scale) * 1.05])
    name = city if lang != "en" or mine.empty else city_name(mine.iloc[0], lang)
    return style_figure(fig, text("city_units_title", lang, city=name), height=420)


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
    return style_figure(fig, text("city_league_title", lang), height=420)


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
                x=unit_names(sub, lang),
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
    return style_figure(fig, text("category_leagues_title", lang, city=city if lang != "en" else city_en(units, city)), height=380 * max(len(cats), 1))


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
