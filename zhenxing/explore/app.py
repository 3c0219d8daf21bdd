"""Wiring: controls → settings → :func:`~zhenxing.explore.state.compute` → views, and saving and simulating."""

from __future__ import annotations

import time
from pathlib import Path

import ipywidgets as W
import numpy as np

from ..data import Dataset
from ..errors import InputError, Problem
from ..montecarlo import SimulationResult, simulate
from ..scenarios import DEFAULT_SCENARIO_DIR, Scenario, load_scenario, scenario_from_dict
from ..scoring import score_year
from .controls import build_controls
from .saving import save_scenario, scenario_mapping
from .state import SIMULATION_DRAWS, Outputs, Settings, YearCache, compute, rescale
from .views import Views
from .words import word


def _problem_text(exc: InputError) -> str:
    return "; ".join(f"{p.where}: {p.what}" if p.where else p.what for p in exc.problems) or str(exc)


class Explorer:
    """The what-if explorer for one year and home city; :attr:`widget` is what a notebook displays.

    The baseline (the reference for changes, the bottom-k moves and Kendall's tau, and what *reset*
    restores) is the framework as declared; ``scenario`` only sets where the controls start.
    """

    def __init__(self, dataset: Dataset, year: int, city: str, scenario: Scenario | None = None, lang: str = "zh",
                 scenario_dir: str | Path = DEFAULT_SCENARIO_DIR, draws: int = SIMULATION_DRAWS, seed: int = 20231):
        self.dataset, self.year, self.city, self.lang = dataset, int(year), city, lang
        self.fw = fw = dataset.framework
        self.scenario_dir = Path(scenario_dir)
        self.draws, self.seed = int(draws), int(seed)
        self.data = YearCache(dataset, self.year)
        units = self.data.year(self.year).units
        if city not in set(units["city"]):
            raise InputError([Problem("city", f"'{city}' is not a city of the {year} register (cities: {', '.join(dict.fromkeys(units['city']))})")],
                             "unknown home city")
        self.baseline_settings = Settings.baseline(fw)
        self.baseline = score_year(self.data, self.year, self.baseline_settings.options())
        self.settings = Settings.from_scenario(scenario, fw) if scenario is not None else self.baseline_settings
        presets = {p.stem: p for p in sorted(self.scenario_dir.glob("*.yaml"), key=lambda f: (f.stem != "baseline", f.stem))}
        self.controls = build_controls(fw, self.settings, presets, lang)
        self.views = Views(fw, units, city, lang)
        self.views.title.value = f"<h3 style='margin:4px 0'>{word('title', lang, city=self.views.cities.get(city, city), year=self.year)}</h3>"
        self.outputs: Outputs | None = None
        self.simulation: SimulationResult | None = None
        self.last_update_ms = float("nan")
        self._syncing = False
        self._wire()
        self._sync_controls()
        self.update()
        self.widget = W.HBox([self.controls.panel, self.views.panel()], layout=W.Layout(align_items="flex-start", width="100%"))

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ---- wiring ---------------------------------------------------------------------------------
    def _wire(self) -> None:
        c = self.controls
        for k, s in enumerate(c.dimension):
            s.observe(lambda ch, k=k: self._on_dimension(k, ch["new"]), names="value")
        for j, s in enumerate(c.share):
            s.observe(lambda ch, j=j: self._on_share(j, ch["new"]), names="value")
        for name in ("normalisation", "aggregation", "missing"):
            getattr(c, name).observe(lambda ch: self._on_method(), names="value")
        c.preset.observe(lambda ch: self._on_preset(ch["new"]), names="value")
        c.reset.on_click(lambda b: self.reset())
        c.save.on_click(lambda b: self.save())
        c.simulate.on_click(lambda b: self.run_simulation())

    def _sync_controls(self) -> None:
        """Show :attr:`settings` in the controls without firing the observers' rescoring."""
        c, s = self.controls, self.settings
        self._syncing = True
        try:
            for slider, w in zip(c.dimension, s.dimension_weights):
                slider.value = w
            for slider, w in zip(c.share, s.indicator_weights):
                slider.value = w
            c.normalisation.value, c.aggregation.value, c.missing.value = s.normalisation, s.aggregation, s.missing
        finally:
            self._syncing = False
        c.weight_sum.value = word("sum", self.lang, sum=f"{sum(s.dimension_weights):.1f}", scale=f"{self.fw.scale:g}")

    def _set(self, settings: Settings) -> None:
        self.settings = settings
        self._sync_controls()
        self.update()

    def _on_dimension(self, k: int, value: float) -> None:
        if self._syncing:
            return
        w = rescale(self.settings.dimension_weights, k, value, self.fw.scale)
        self._set(Settings(self.settings.normalisation, self.settings.aggregation, self.settings.missing,
                           tuple(float(v) for v in w), self.settings.indicator_weights))

    def _on_share(self, j: int, value: float) -> None:
        if self._syncing:
            return
        members = np.flatnonzero(self.fw.dimension_of_indicator == self.fw.dimension_of_indicator[j])
        iw = np.asarray(self.settings.indicator_weights, float).copy()
        iw[members] = rescale(iw[members], int(np.flatnonzero(members == j)[0]), value, 1.0)
        self._set(Settings(self.settings.normalisation, self.settings.aggregation, self.settings.missing,
                           self.settings.dimension_weights, tuple(float(v) for v in iw)))

    def _on_method(self) -> None:
        if self._syncing:
            return
        c = self.controls
        self._set(Settings(c.normalisation.value, c.aggregation.value, c.missing.value,
                           self.settings.dimension_weights, self.settings.indicator_weights))

    def _on_preset(self, path: str) -> None:
        if self._syncing or not path:
            return
        self.load_preset(path)

    # ---- actions --------------------------------------------------------------------------------
    def update(self) -> Outputs | None:
        """Rescore for the current settings and update every output in place."""
        t0 = time.perf_counter()
        try:
            self.outputs = compute(self.data, self.year, self.settings, self.baseline, self.city)
        except InputError as exc:
            self.views.error.value = f'<div style="color:#c62828">{word("error", self.lang, msg=_problem_text(exc))}</div>'
            return None
        self.views.render(self.outputs)
        self.last_update_ms = (time.perf_counter() - t0) * 1000
        return self.outputs

    def load_preset(self, path: str | Path) -> None:
        """Set the controls to a scenario file's methods and weights."""
        try:
            scenario = load_scenario(path, self.fw)
        except InputError as exc:
            self.views.error.value = f'<div style="color:#c62828">{word("error", self.lang, msg=_problem_text(exc))}</div>'
            return
        self._set(Settings.from_scenario(scenario, self.fw))

    def reset(self) -> None:
        self._syncing = True
        self.controls.preset.value = ""
        self._syncing = False
        self._set(self.baseline_settings)

    def save(self) -> Path | None:
        """Save the current settings as ``<scenario_dir>/<file name>.yaml`` (see :func:`save_scenario`)."""
        c = self.controls
        try:
            path, _ = save_scenario(self.settings, self.fw, c.save_file.value, c.save_name_zh.value, c.save_name_en.value,
                                    self.scenario_dir, overwrite=c.save_overwrite.value)
        except FileExistsError as exc:
            c.save_status.value = f'<span style="color:#c62828">{word("exists", self.lang, path=exc.args[0])}</span>'
            return None
        except InputError as exc:
            c.save_status.value = f'<span style="color:#c62828">{word("invalid", self.lang, msg=_problem_text(exc))}</span>'
            return None
        c.save_status.value = f'<span style="color:#2e7d32">{word("saved", self.lang, path=path)}</span>'
        return path

    def current_scenario(self) -> Scenario:
        """The current settings with the quick Monte Carlo's uncertainty, as a validated scenario."""
        data = scenario_mapping(self.settings, self.fw, "当前权重", "Current weights")
        return scenario_from_dict(data, self.fw, where="explorer", default_id="explorer")

    def run_simulation(self) -> SimulationResult:
        """Monte Carlo around the current weights; the progress bar follows the draws."""
        c = self.controls
        c.progress.value, c.progress.max = 0, self.draws
        t0 = time.perf_counter()

        def progress(n: int) -> None:
            c.progress.value = min(c.progress.max, c.progress.value + n)

        self.simulation = simulate(self.dataset, self.year, self.current_scenario(), n_draws=self.draws, seed=self.seed,
                                   chunk_size=max(100, self.draws // 10), workers=1, progress=progress)
        self.views.render_simulation(self.simulation.units)
        c.simulate_status.value = word("sim_done", self.lang, draws=f"{self.draws:,}", seconds=time.perf_counter() - t0)
        return self.simulation
