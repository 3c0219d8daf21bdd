"""A what-if explorer for JupyterLab: move the weights, watch ranks, flags and risk move.

``explorer(dataset, year, city=..., scenario=..., lang="zh")`` returns an
ipywidgets application (display it, or leave it last in a cell): one slider per
dimension weight in points (moving one rescales the others in proportion, so the
sum stays at the framework's scale), indicator shares within each dimension
(folded), the normalisation, aggregation and missing-value policy, any scenario
file as a preset, reset to the baseline; the home city's units (score, category
rank r/n, change against the baseline, margin to the warning line, risk), each
category league with its warning line, who enters and leaves the bottom k, the
city league, Kendall's tau against the baseline; "save as scenario" and a quick
Monte Carlo around the current weights. Every number comes from
:func:`zhenxing.scoring.score_year` and :func:`zhenxing.montecarlo.simulate`.

Modules: :mod:`.state` (settings and outputs, pure), :mod:`.controls` (widgets),
:mod:`.views` (FigureWidgets updated in place), :mod:`.saving` (scenario files),
:mod:`.app` (wiring), :mod:`.words` (zh/en).
"""

from __future__ import annotations

from pathlib import Path

from ..data import Dataset
from ..scenarios import DEFAULT_SCENARIO_DIR, Scenario, load_scenario
from .app import Explorer
from .state import Settings, rescale

__all__ = ["Explorer", "Settings", "explorer", "rescale"]


def explorer(dataset: Dataset, year: int, city: str | None = None, scenario: Scenario | str | Path | None = None,
             lang: str = "zh", scenario_dir: str | Path = DEFAULT_SCENARIO_DIR, **kwargs) -> Explorer:
    """The explorer application for ``year``; ``city`` defaults to the first city of the register;
    ``scenario`` (a scenario or a scenario file) sets where the controls start (default: the framework's weights).
    Display ``.widget`` (or the returned object: it displays as its widget)."""
    if city is None:
        city = str(dataset.year(year).units["city"].iloc[0])
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario, dataset.framework)
    return Explorer(dataset, year, city, scenario, lang=lang, scenario_dir=scenario_dir, **kwargs)
