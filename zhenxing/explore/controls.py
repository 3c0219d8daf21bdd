"""The explorer's controls (ipywidgets): weights, shares, methods, presets, reset, saving and simulation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ipywidgets as W

from ..framework import Framework
from ..scoring import AGGREGATIONS, MISSING_POLICIES, NORMALISATIONS
from .state import SIMULATION_DRAWS, Settings
from .words import method, word

LABEL_WIDTH = "140px"
SLIDER_WIDTH = "250px"


def _labelled(label: str, widget: W.Widget) -> W.HBox:
    text = W.HTML(f'<div style="line-height:1.15;white-space:normal;font-size:12px">{label}</div>', layout=W.Layout(width=LABEL_WIDTH, min_width=LABEL_WIDTH))
    return W.HBox([text, widget], layout=W.Layout(align_items="center"))


def _slider(value: float, top: float, step: float, fmt: str) -> W.FloatSlider:
    return W.FloatSlider(value=value, min=0.0, max=top, step=step, readout_format=fmt, continuous_update=False,
                         layout=W.Layout(width=SLIDER_WIDTH))


@dataclass
class Controls:
    """Every control, by role; :attr:`panel` lays them out."""

    dimension: list[W.FloatSlider]
    share: list[W.FloatSlider]
    weight_sum: W.HTML
    shares: W.Accordion
    normalisation: W.Dropdown
    aggregation: W.Dropdown
    missing: W.Dropdown
    preset: W.Dropdown
    reset: W.Button
    save_file: W.Text
    save_name_zh: W.Text
    save_name_en: W.Text
    save_overwrite: W.Checkbox
    save: W.Button
    save_status: W.HTML
    simulate: W.Button
    progress: W.IntProgress
    simulate_status: W.HTML
    panel: W.VBox = field(repr=False)


def build_controls(fw: Framework, settings: Settings, presets: dict[str, Path], lang: str) -> Controls:
    dims = [_slider(w, fw.scale, 0.1, ".1f") for w in settings.dimension_weights]
    shares = [_slider(w, 1.0, 0.01, ".2f") for w in settings.indicator_weights]
    weight_sum = W.HTML()
    sections, titles = [], []
    for d_index, d in enumerate(fw.dimensions):
        rows = [_labelled(fw.label(i, lang), shares[j]) for j, i in enumerate(fw.indicators) if fw.dimension_of_indicator[j] == d_index]
        sections.append(W.VBox(rows))
        titles.append(fw.label(d, lang))
    accordion = W.Accordion(children=sections, titles=tuple(titles), selected_index=None)

    def dropdown(options: tuple[str, ...], value: str | None) -> W.Dropdown:
        return W.Dropdown(options=[(method(o, lang), o) for o in options], value=value, layout=W.Layout(width=SLIDER_WIDTH))

    normalisation = dropdown(NORMALISATIONS, settings.normalisation)
    aggregation = dropdown(AGGREGATIONS, settings.aggregation)
    missing = dropdown(MISSING_POLICIES, settings.missing)
    preset = W.Dropdown(options=[(word("preset_none", lang), "")] + [(name, str(p)) for name, p in presets.items()], value="",
                        layout=W.Layout(width=SLIDER_WIDTH))
    reset = W.Button(description=word("reset", lang), icon="undo", layout=W.Layout(width="auto"))
    save_file = W.Text(value="explorer_weights", layout=W.Layout(width=SLIDER_WIDTH))
    save_name_zh = W.Text(value="探索器保存的权重", layout=W.Layout(width=SLIDER_WIDTH))
    save_name_en = W.Text(value="Weights saved from the explorer", layout=W.Layout(width=SLIDER_WIDTH))
    save_overwrite = W.Checkbox(value=False, description=word("save_overwrite", lang), indent=False)
    save = W.Button(description=word("save", lang), icon="save", button_style="primary", layout=W.Layout(width="auto"))
    save_status = W.HTML()
    simulate = W.Button(description=word("simulate", lang), icon="random", layout=W.Layout(width="auto"))
    progress = W.IntProgress(value=0, min=0, max=SIMULATION_DRAWS, layout=W.Layout(width=SLIDER_WIDTH))
    simulate_status = W.HTML(f'<span style="color:#555">{word("sim_note", lang, draws=f"{SIMULATION_DRAWS:,}")}</span>')

    def heading(key: str) -> W.HTML:
        return W.HTML(f"<h4 style='margin:10px 0 4px'>{word(key, lang)}</h4>")

    panel = W.VBox([
        heading("weights"),
        *[_labelled(fw.label(d, lang), s) for d, s in zip(fw.dimensions, dims)],
        weight_sum,
        heading("shares"), accordion,
        heading("methods"),
        _labelled(word("normalisation", lang), normalisation),
        _labelled(word("aggregation", lang), aggregation),
        _labelled(word("missing", lang), missing),
        _labelled(word("preset", lang), preset),
        reset,
        heading("save"),
        _labelled(word("save_file", lang), save_file),
        _labelled(word("save_name_zh", lang), save_name_zh),
        _labelled(word("save_name_en", lang), save_name_en),
        save_overwrite, save, save_status,
        heading("simulate"), simulate, progress, simulate_status,
    ], layout=W.Layout(width="400px", min_width="400px", padding="0 12px 0 0"))
    return Controls(dims, shares, weight_sum, accordion, normalisation, aggregation, missing, preset, reset,
                    save_file, save_name_zh, save_name_en, save_overwrite, save, save_status, simulate, progress,
                    simulate_status, panel)
