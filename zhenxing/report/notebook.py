"""What a report notebook calls to show things.

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

Text goes out with :func:`markdown` and :func:`prose`; the headline, schedule
and simulation sections also display a machine-readable JSON record under
their own mimetypes (:data:`HEADLINE_MIMETYPE`, :data:`SCHEDULE_MIMETYPE`,
:data:`SIMULATION_MIMETYPE`), read by tests and batch tools.

A notebook imports this module as ``notebook`` (``from zhenxing.report import
notebook``): the name leaves IPython's ``display`` alone, and this is not
:mod:`zhenxing.display`, the terminal's plain-text tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..framework import Framework
from ..labels import LANGS
from .city_overview import city_headline_html, city_headline_text, city_record
from .county import GapLike
from .headline import headline_html, headline_record, headline_text
from .schedule import schedule_bars, schedule_record, schedule_summary, schedule_table_html
from .simulation_record import simulation_summary
from .tables import template
from .text import text


PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"

HEADLINE_MIMETYPE = "application/vnd.zhenxing.headline+json"
"""Custom mimetype of the machine-readable headline record a report displays."""

SIMULATION_MIMETYPE = "application/vnd.zhenxing.simulation+json"
"""Custom mimetype of the machine-readable record the simulation report displays."""

SCHEDULE_MIMETYPE = "application/vnd.zhenxing.schedule+json"
"""Custom mimetype of the machine-readable schedule record a county report displays."""


@dataclass
class ReportState:
    """Per-run display state: how to load plotly.js and how many figures were shown."""

    plotly_js: str = "embed"
    prefix: str = "zx"
    shown: int = 0
    lang: str = "zh"

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
    _state = ReportState(plotly_js=_check_plotly_js(plotly_js), prefix=prefix, lang=lang or "zh")
    return _state


def figure_bundle(fig: go.Figure, state: ReportState | None = None) -> dict[str, Any]:
    """The mimebundle :func:`show` displays, and advances ``state``.

    Keys: ``application/vnd.plotly.v1+json`` (the figure as JSON),
    ``text/html`` (a ``<div>``; plotly.js included only for the first figure
    of the run, as ``state.plotly_js`` says) and ``text/plain``.
    """
    state = state if state is not None else _state
    div_id = state.next_div_id()
    # no toolbar (nothing to click on paper), and a sentence in place of the chart when plotly.js cannot load
    # (the report's folder is missing): the CSS hides it once plotly has drawn the chart
    html_div = fig.to_html(full_html=False, include_plotlyjs=state.include_plotlyjs(), div_id=div_id,
                           config={"displayModeBar": False, "responsive": False})
    chart = template("chart.html.j2").render(fallback=text("chart_needs_plotly", state.lang), chart=html_div)
    bundle = {
        PLOTLY_MIMETYPE: json.loads(fig.to_json()),
        "text/html": chart,
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


def show_html(html_text: str, plain: str = "") -> None:
    """Display an HTML fragment (a table from :func:`zhenxing.report.tables.table_html`, a card); nothing when empty."""
    if html_text:
        _display({"text/html": html_text, "text/plain": plain or "<html>"})


def nav(lang: str) -> None:
    """The line under a report's title: back to the run's index page, and to the what-if page."""
    markdown(text("nav", lang))


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


def show_city_headline(cities: pd.DataFrame, units: pd.DataFrame, city: str, lang: str = "zh", decimals: int = 2) -> dict[str, Any]:
    """Display the city's headline (text, HTML card, JSON record) and return the record;
    scores at ``decimals`` (the framework's publication precision)."""
    record = city_record(cities, units, city)
    display_headline(record, city_headline_text(record, lang), city_headline_html(record, lang, decimals))
    return record


def show_simulation_summary(record: Mapping[str, Any], lang: str = "zh", scenario_labels: Mapping[str, str] | None = None) -> None:
    """Display :func:`simulation_summary` (Markdown and plain text) with ``record`` as JSON
    under :data:`SIMULATION_MIMETYPE` (read by tests and batch tools)."""
    md = simulation_summary(record, lang, scenario_labels)
    _display({"text/markdown": md, "text/plain": md, SIMULATION_MIMETYPE: dict(record)})


def show_schedule(gap: GapLike, table: pd.DataFrame, fw: Framework, lang: str = "zh") -> dict[str, Any]:
    """Display the schedule section: :func:`schedule_summary` (Markdown) with
    :func:`schedule_record` as JSON under :data:`SCHEDULE_MIMETYPE` (read by tests
    and batch tools), then, when the unit has year-to-date rows, the table
    (:func:`schedule_table_html`) and the chart (:func:`schedule_bars`). Returns the record."""
    record = schedule_record(gap, table)
    md = schedule_summary(record, fw, lang)
    _display({"text/markdown": md, "text/plain": md, SCHEDULE_MIMETYPE: record})
    if record["rows"]:
        show_html(schedule_table_html(table, fw, lang))
        show(schedule_bars(table, fw, lang))
    return record
