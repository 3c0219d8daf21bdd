"""The explorer's outputs: plotly ``FigureWidget``s and HTML widgets, built once and updated in place."""

from __future__ import annotations

import html
import math

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..framework import Framework
from ..labels import risk_label
from ..precision import format_published
from ..report.style import CJK_FONT, HIGHLIGHT, MUTED, WARNING
from ..report.text import category_label
from .state import Outputs
from .words import word

HOME_WARNING = "#8e0000"  # a home-city unit in the warning-talk zone
RISK_COLOURS = {"flagged": "#c62828", "close": "#ef6c00", "safe": "#2e7d32"}
TABLE_CSS = (
    "<style>.zx-ex table{border-collapse:collapse;font-size:12.5px}"
    ".zx-ex{overflow-x:auto;max-width:100%}"
    ".zx-ex th,.zx-ex td{padding:3px 6px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}"
    ".zx-ex th{white-space:normal;vertical-align:bottom;line-height:1.2}"
    ".zx-ex th{background:#f3f5f8}.zx-ex td.l,.zx-ex th.l{text-align:left}"
    ".zx-ex .up{color:#2e7d32}.zx-ex .down{color:#c62828}</style>"
)


def unit_labels(units: pd.DataFrame, lang: str) -> dict[str, str]:
    """A display name per code (the name in ``lang``; a name used twice gets its code appended)."""
    names = units["name_en"] if lang == "en" and "name_en" in units else units["name_zh"]
    names = pd.Series([n if isinstance(n, str) and n else z for n, z in zip(names, units["name_zh"])], index=units.index)
    dup = names.duplicated(keep=False).to_numpy()
    return {c: (f"{n} ({c})" if d else n) for c, n, d in zip(units["code"], names, dup)}


def city_labels(units: pd.DataFrame, lang: str) -> dict[str, str]:
    if lang != "en":
        return {c: c for c in units["city"].unique()}
    first = units.drop_duplicates("city")
    return {c: (e if isinstance(e, str) and e else c) for c, e in zip(first["city"], first["city_en"])}


def _figure(title: str, height: int, y_title: str) -> go.FigureWidget:
    fig = go.FigureWidget(layout=dict(
        title=dict(text=title, font=dict(size=14)), height=height, margin=dict(l=56, r=16, t=40, b=8),
        font=dict(family=CJK_FONT, size=11), showlegend=False, plot_bgcolor="white", bargap=0.15,
        yaxis=dict(title=y_title, gridcolor="#e5e5e5", rangemode="tozero"),
        xaxis=dict(tickangle=-60, automargin=True, type="category"),
    ))
    return fig


class Views:
    """Every output widget; :meth:`render` puts one :class:`Outputs` into them, in place."""

    def __init__(self, fw: Framework, units: pd.DataFrame, city: str, lang: str):
        self.fw, self.city, self.lang = fw, city, lang
        self.names = unit_labels(units, lang)
        self.cities = city_labels(units, lang)
        self.decimals = fw.publication.decimals
        self.k = fw.warning_talk.per_category
        self.title = W.HTML()
        self.home = W.HTML()
        self.tau = W.HTML()
        self.bottom = W.HTML()
        self.error = W.HTML()
        self.city_line = W.HTML()
        counts = units["category"].value_counts()
        self.leagues: dict[str, go.FigureWidget] = {}
        for c in fw.category_ids:
            if c not in counts:
                continue
            title = word("league_title", lang, category=category_label(fw, c, lang), n=int(counts[c]), k=self.k)
            fig = _figure(title, 340, word("score_axis", lang))
            fig.add_bar(x=[], y=[], marker=dict(color=[]), hovertemplate="%{x}: %{y:.2f}<extra></extra>")
            fig.add_shape(type="line", xref="paper", x0=0, x1=1, y0=0, y1=0, line=dict(color=WARNING, width=1.5, dash="dash"))
            fig.add_annotation(xref="paper", x=1, y=0, text="", showarrow=False, xanchor="right", yanchor="bottom",
                               font=dict(color=WARNING, size=11))
            self.leagues[c] = fig
        self.city_fig = _figure(word("cities", lang), 320, word("score_axis", lang))
        self.city_fig.add_bar(x=[], y=[], marker=dict(color=[]), hovertemplate="%{x}: %{y:.2f}<extra></extra>")
        self.sim_fig = _figure(word("sim_title", lang, city=self.cities.get(city, city), k=self.k), 300, word("prob_axis", lang))
        self.sim_fig.update_yaxes(range=[0, 1], tickformat=".0%", rangemode="normal")
        self.sim_fig.add_bar(x=[], y=[], marker=dict(color=HIGHLIGHT), text=[], textposition="outside",
                             hovertemplate="%{x}: %{y:.1%}<extra></extra>")

    # ---- formatting -------------------------------------------------------------------------------
    def num(self, v: float) -> str:
        return format_published(float(v), self.decimals)

    def signed(self, v: float) -> str:
        v = float(v)
        if v == 0:
            return format_published(0.0, self.decimals)
        return ("+" if v > 0 else "−") + format_published(abs(v), self.decimals)

    # ---- rendering --------------------------------------------------------------------------------
    def render(self, out: Outputs) -> None:
        self.error.value = ""
        self.home.value = self.home_html(out)
        self.bottom.value = self.bottom_html(out)
        self.tau.value = word("tau", self.lang, tau="—" if math.isnan(out.tau) else f"{out.tau:.3f}")
        for c, fig in self.leagues.items():
            lg = out.leagues[c]
            colours = np.where(lg["warning_talk"], np.where(lg["home"], HOME_WARNING, WARNING), np.where(lg["home"], HIGHLIGHT, MUTED))
            line = out.lines[c]
            with fig.batch_update():
                fig.data[0].x = [self.names[code] for code in lg["code"]]
                fig.data[0].y = lg["total"].to_numpy()
                fig.data[0].marker.color = colours.tolist()
                fig.layout.shapes[0].update(y0=line, y1=line)
                fig.layout.annotations[0].update(y=line, text=word("line", self.lang, v=self.num(line)))
        cities = out.cities
        colours = np.where(cities["last"], WARNING, np.where(cities["city"] == self.city, HIGHLIGHT, MUTED))
        with self.city_fig.batch_update():
            self.city_fig.data[0].x = [self.cities.get(c, c) for c in cities["city"]]
            self.city_fig.data[0].y = cities["score"].to_numpy()
            self.city_fig.data[0].marker.color = colours.tolist()
        self.city_line.value = self.city_html(out)

    def home_html(self, out: Outputs) -> str:
        fw, lang = self.fw, self.lang
        head = [("l", word("col_unit", lang)), ("l", word("col_category", lang)), ("", word("col_total", lang)),
                ("", word("col_change", lang)), ("", word("col_rank", lang)), ("", word("col_rank_base", lang)),
                ("", word("col_margin", lang)), ("l", word("col_risk", lang))]
        rows = []
        for r in out.home.itertuples(index=False):
            moved = int(r.rank_category_base) - int(r.rank_category)
            css = "up" if r.change > 0 else "down" if r.change < 0 else ""
            rcss = "up" if moved > 0 else "down" if moved < 0 else ""
            risk = f'<span style="color:{RISK_COLOURS.get(r.risk, "#333")};font-weight:600">{html.escape(risk_label(r.risk, lang))}</span>'
            cells = [
                ("l", html.escape(self.names[r.code])), ("l", html.escape(category_label(fw, r.category, lang))),
                ("", self.num(r.total)), (css, self.signed(r.change)),
                (rcss, f"{int(r.rank_category)}/{int(r.n_category)}"), ("", f"{int(r.rank_category_base)}/{int(r.n_category)}"),
                ("", self.signed(r.margin_bottom)), ("l", risk),
            ]
            rows.append("<tr>" + "".join(f'<td class="{c}">{v}</td>' for c, v in cells) + "</tr>")
        caption = word("home", lang, city=html.escape(self.cities.get(self.city, self.city)))
        header = "<tr>" + "".join(f'<th class="{c}">{html.escape(t)}</th>' for c, t in head) + "</tr>"
        return (f'{TABLE_CSS}<div class="zx-ex"><figure style="margin:0"><figcaption><b>{caption}</b></figcaption>'
                f"<table>{header}{''.join(rows)}</table></figure></div>")

    def bottom_html(self, out: Outputs) -> str:
        lang = self.lang
        items = []
        for c in out.leagues:
            enter = "、".join(self.names[x] for x in out.entering[c]) if lang != "en" else ", ".join(self.names[x] for x in out.entering[c])
            leave = "、".join(self.names[x] for x in out.leaving[c]) if lang != "en" else ", ".join(self.names[x] for x in out.leaving[c])
            if not enter and not leave:
                text = word("no_change", lang)
            else:
                parts = []
                if enter:
                    parts.append(f'<span class="down">{word("enter", lang)}: {html.escape(enter)}</span>')
                if leave:
                    parts.append(f'<span class="up">{word("leave", lang)}: {html.escape(leave)}</span>')
                text = "; ".join(parts)
            items.append(f'<li data-category="{c}"><b>{html.escape(category_label(self.fw, c, lang))}</b>: {text}</li>')
        return (f'{TABLE_CSS}<div class="zx-ex"><b>{word("bottom", lang, k=self.k)}</b>'
                f'<ul style="margin:4px 0 0 18px;padding:0">{"".join(items)}</ul></div>')

    def city_html(self, out: Outputs) -> str:
        cities = out.cities
        row = cities[cities["city"] == self.city]
        if row.empty:
            return ""
        r = row.iloc[0]
        name = html.escape(self.cities.get(self.city, self.city))
        fmt = dict(city=name, rank=int(r["rank"]), n=len(cities), score=self.num(r["score"]))
        if bool(r["last"]):
            return word("city_last", self.lang, **fmt)
        last = float(cities.loc[cities["last"], "score"].max())
        return word("city_line", self.lang, margin=self.num(round(float(r["score"]) - last, self.decimals)), **fmt)

    def render_simulation(self, units: pd.DataFrame) -> None:
        home = units[units["city"] == self.city]
        with self.sim_fig.batch_update():
            self.sim_fig.data[0].x = [self.names[c] for c in home["code"]]
            self.sim_fig.data[0].y = home["p_bottom"].to_numpy()
            self.sim_fig.data[0].text = [f"{p:.1%}" for p in home["p_bottom"]]

    def panel(self) -> W.VBox:
        return W.VBox([self.title, self.error, self.home, self.tau, self.bottom, W.HTML(f"<h4 style='margin:10px 0 0'>{word('leagues', self.lang)}</h4>"),
                       *self.leagues.values(), self.city_line, self.city_fig, self.sim_fig],
                      layout=W.Layout(flex="1 1 auto", min_width="0"))
