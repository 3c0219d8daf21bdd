"""What-if scenarios: other weightings and methods, and their uncertainty.

A scenario file (``params/scenarios/*.yaml``) names a weighting and method
choice relative to the framework, and optionally what is uncertain for the
Monte Carlo simulation::

    id: poverty_doubled                 # default: the file name
    name_zh: 巩固拓展脱贫攻坚成果权重加倍
    name_en: Poverty consolidation doubled
    description: ...
    normalisation: goalpost             # goalpost | min_max | rank | distance_to_target
    aggregation: arithmetic             # arithmetic | geometric | topsis
    dimension_multipliers: {poverty: 2} # multiply, then rescale all to the framework's scale
    # or dimension_weights: {industry: 20, ...}  every dimension, in points, summing to the scale
    indicator_weights:                  # optional, shares within a dimension summing to 1
      prosperity: {rural_income: 0.4, engel_coefficient: 0.2, ...}
    treatment: winsorise                # optional what-if (never the default): COINr-style
    winsorise: {max_points: 5, skew: 2, kurtosis: 3.5}   # winsorisation before normalisation
    uncertainty:                        # optional: for zhenxing.montecarlo
      dimension_weights: {kind: dirichlet, concentration: 300}   # or {kind: box, spread: 0.2}
      indicator_weights: {kind: box, spread: 0.2}
      noise: {relative: 0.02, indicators: {rural_income: 0.01}}  # relative sd per indicator
      normalisation: [goalpost, min_max]                         # a random choice per draw
      aggregation: [arithmetic, geometric]

Validation reports every problem at once with its YAML path, like the framework.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import kendalltau

from .data import Dataset
from .errors import InputError, Problem, ProblemList
from .framework import Framework
from .treatment import METHODS as TREATMENTS
from .treatment import Winsorisation
from .scoring import (
    AGGREGATIONS,
    MISSING_POLICIES,
    NORMALISATIONS,
    Z_SCORE_REFUSED,
    ScoringOptions,
    score_year,
)
from .yamlspec import read_yaml, validate_mapping

DEFAULT_SCENARIO_DIR = Path("params/scenarios")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class WeightSpread(_Strict):
    """How weights vary around the scenario's weights.

    ``dirichlet``: w ~ scale · Dirichlet(concentration · w0 / scale), mean w0;
    larger concentration, tighter spread (sd of a share p ≈ sqrt(p(1-p)/(κ+1))).
    ``box``: each weight uniform in [w0 (1 - spread), w0 (1 + spread)], then
    rescaled to the scale.
    """

    kind: Literal["dirichlet", "box"]
    concentration: float | None = Field(default=None, gt=0)
    spread: float | None = Field(default=None, gt=0, lt=1)


class Noise(_Strict):
    """Relative measurement noise: x' = x (1 + σ ε), ε ~ N(0, 1), clipped to the valid range."""

    relative: float = Field(default=0.0, ge=0, lt=1)
    indicators: dict[str, float] = Field(default_factory=dict)


class UncertaintySpec(_Strict):
    dimension_weights: WeightSpread | None = None
    indicator_weights: WeightSpread | None = None
    noise: Noise | None = None
    normalisation: list[str] | None = None
    aggregation: list[str] | None = None


class WinsoriseSpec(_Strict):
    """Settings of :class:`zhenxing.treatment.Winsorisation` (COINr's defaults)."""

    max_points: int = Field(default=5, ge=1)
    skew: float = Field(default=2.0, gt=0)
    kurtosis: float = 3.5


class ScenarioSpec(_Strict):
    id: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    description: str = ""
    normalisation: str = "goalpost"
    aggregation: str = "arithmetic"
    missing: str | None = None
    dimension_weights: dict[str, float] | None = None
    dimension_multipliers: dict[str, float] | None = None
    indicator_weights: dict[str, dict[str, float]] | None = None
    treatment: str | None = None
    winsorise: WinsoriseSpec | None = None
    uncertainty: UncertaintySpec | None = None


@dataclass(frozen=True)
class Uncertainty:
    """What varies in a Monte Carlo run, as arrays in framework order."""

    dimension_weights: WeightSpread | None
    indicator_weights: WeightSpread | None
    noise: np.ndarray  # relative sd per indicator, shape (n_indicators,)
    normalisations: tuple[str, ...]
    aggregations: tuple[str, ...]

    @property
    def has_noise(self) -> bool:
        return bool((self.noise > 0).any())


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: its labels, scoring options and uncertainty."""

    id: str
    name_zh: str
    name_en: str
    description: str
    options: ScoringOptions
    uncertainty: Uncertainty

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh

    @property
    def dimension_weights(self) -> np.ndarray:
        assert self.options.dimension_weights is not None
        return np.asarray(self.options.dimension_weights, float)

    @property
    def indicator_weights(self) -> np.ndarray:
        assert self.options.indicator_weights is not None
        return np.asarray(self.options.indicator_weights, float)


def baseline(fw: Framework) -> Scenario:
    """The framework as declared: no what-if, no uncertainty."""
    return Scenario(
        "baseline", "基准（考核办法）", "Baseline (framework)", "The framework as declared.",
        ScoringOptions(dimension_weights=tuple(fw.dimension_weights), indicator_weights=tuple(fw.indicator_weights)),
        Uncertainty(None, None, np.zeros(len(fw.indicators)), ("goalpost",), ("arithmetic",)),
    )


def weight_box(scenario: Scenario, spread: float) -> Scenario:
    """The scenario with only its dimension weights uncertain, each within ±``spread``.

    No data noise, the scenario's own methods: the box that
    :func:`zhenxing.robustness.rank_bounds_table` searches exactly, for sampling.
    """
    if not 0 < spread < 1:
        raise InputError([Problem("spread", f"expected a share between 0 and 1, found {spread}")], "invalid spread")
    unc = Uncertainty(
        WeightSpread(kind="box", spread=spread), None, np.zeros_like(scenario.uncertainty.noise),
        (scenario.options.normalisation,), (scenario.options.aggregation,),
    )
    return replace(scenario, id=f"{scenario.id}_box", uncertainty=unc)


def scenario_from_dict(data: object, fw: Framework, where: str = "scenario", default_id: str = "scenario") -> Scenario:
    """Validate a parsed scenario mapping against the framework; every problem at once."""
    problems = ProblemList(f"invalid scenario {where}")
    spec = validate_mapping(ScenarioSpec, data, where, problems)

    def at(path: str) -> str:
        return f"{where}: {path}"

    def check_method(value: str, allowed: tuple[str, ...], path: str) -> None:
        if value == "z_score":
            problems.add(at(path), Z_SCORE_REFUSED)
        elif value not in allowed:
            problems.add(at(path), f"unknown method '{value}' (expected one of {', '.join(allowed)})")

    check_method(spec.normalisation, NORMALISATIONS, "normalisation")
    check_method(spec.aggregation, AGGREGATIONS, "aggregation")
    if spec.missing is not None:
        check_method(spec.missing, MISSING_POLICIES, "missing")

    dims = fw.dimension_ids
    w = fw.dimension_weights.copy()
    if spec.dimension_weights is not None and spec.dimension_multipliers is not None:
        problems.add(at("dimension_weights"), "give either dimension_weights or dimension_multipliers, not both")
    if spec.dimension_weights is not None:
        for d in spec.dimension_weights:
            if d not in dims:
                problems.add(at(f"dimension_weights.{d}"), f"unknown dimension '{d}' (known: {', '.join(dims)})")
        missing = [d for d in dims if d not in spec.dimension_weights]
        if missing:
            problems.add(at("dimension_weights"), f"no weight for {', '.join(missing)} (give every dimension, or use dimension_multipliers)")
        else:
            w = np.array([spec.dimension_weights[d] for d in dims], float)
            if (w < 0).any():
                problems.add(at("dimension_weights"), "weights must be >= 0")
            if abs(w.sum() - fw.scale) > 1e-6 * fw.scale:
                problems.add(at("dimension_weights"), f"weights sum to {w.sum():g}, expected {fw.scale:g}")
    if spec.dimension_multipliers is not None:
        for d, mult in spec.dimension_multipliers.items():
            if d not in dims:
                problems.add(at(f"dimension_multipliers.{d}"), f"unknown dimension '{d}' (known: {', '.join(dims)})")
            elif mult < 0:
                problems.add(at(f"dimension_multipliers.{d}"), f"multiplier must be >= 0, found {mult:g}")
            else:
                w[dims.index(d)] *= mult
        if w.sum() <= 0:
            problems.add(at("dimension_multipliers"), "every dimension would weigh 0")
        else:
            w = w * fw.scale / w.sum()

    iw = fw.indicator_weights.copy()
    if spec.indicator_weights is not None:
        for d, shares in spec.indicator_weights.items():
            if d not in dims:
                problems.add(at(f"indicator_weights.{d}"), f"unknown dimension '{d}'")
                continue
            members = [i.id for i in fw.dimensions[dims.index(d)].indicators]
            for ind in shares:
                if ind not in members:
                    problems.add(at(f"indicator_weights.{d}.{ind}"), f"'{ind}' is not an indicator of dimension '{d}' ({', '.join(members)})")
            absent = [i for i in members if i not in shares]
            if absent:
                problems.add(at(f"indicator_weights.{d}"), f"no share for {', '.join(absent)} (give every indicator of the dimension)")
                continue
            total = sum(shares.values())
            if abs(total - 1) > 1e-6 or any(v < 0 for v in shares.values()):
                problems.add(at(f"indicator_weights.{d}"), f"shares must be >= 0 and sum to 1, they sum to {total:g}")
                continue
            for ind, v in shares.items():
                iw[fw.indicator_ids.index(ind)] = v

    treatment = None
    if spec.treatment is not None and spec.treatment not in TREATMENTS:
        problems.add(at("treatment"), f"unknown treatment '{spec.treatment}' (expected one of {', '.join(TREATMENTS)}, or no treatment)")
    elif spec.treatment == "winsorise":
        ws = spec.winsorise or WinsoriseSpec()
        treatment = Winsorisation(max_points=ws.max_points, skew=ws.skew, kurtosis=ws.kurtosis)
        if spec.uncertainty is not None:
            problems.add(at("uncertainty"), "a treated scenario is for comparison only: the Monte Carlo run does not winsorise each draw "
                         "(put the uncertainty in a scenario without treatment)")
    if spec.winsorise is not None and spec.treatment != "winsorise":
        problems.add(at("winsorise"), "winsorisation settings need 'treatment: winsorise'")

    unc = spec.uncertainty or UncertaintySpec()
    for name in ("dimension_weights", "indicator_weights"):
        spread = getattr(unc, name)
        if spread is None:
            continue
        if spread.kind == "dirichlet" and spread.concentration is None:
            problems.add(at(f"uncertainty.{name}.concentration"), "a Dirichlet spread needs a concentration (e.g. 300)")
        if spread.kind == "box" and spread.spread is None:
            problems.add(at(f"uncertainty.{name}.spread"), "a box needs a spread between 0 and 1 (e.g. 0.2 for ±20 %)")
    noise = np.zeros(len(fw.indicators))
    if unc.noise is not None:
        noise[:] = unc.noise.relative
        for ind, sd in unc.noise.indicators.items():
            if ind not in fw.indicator_by_id:
                problems.add(at(f"uncertainty.noise.indicators.{ind}"), f"unknown indicator '{ind}'")
            elif not 0 <= sd < 1:
                problems.add(at(f"uncertainty.noise.indicators.{ind}"), f"relative sd must be in [0, 1), found {sd:g}")
            else:
                noise[fw.indicator_ids.index(ind)] = sd
    norms = tuple(unc.normalisation or [spec.normalisation])
    aggs = tuple(unc.aggregation or [spec.aggregation])
    for k, m in enumerate(norms):
        check_method(m, NORMALISATIONS, f"uncertainty.normalisation[{k}]")
    for k, m in enumerate(aggs):
        check_method(m, AGGREGATIONS, f"uncertainty.aggregation[{k}]")
    problems.raise_if_any()

    options = ScoringOptions(
        normalisation=spec.normalisation,
        aggregation=spec.aggregation,
        missing=spec.missing,
        dimension_weights=tuple(float(v) for v in w),
        indicator_weights=tuple(float(v) for v in iw),
        treatment=treatment,
    )
    uncertainty = Uncertainty(unc.dimension_weights, unc.indicator_weights, noise, norms, aggs)
    return Scenario(spec.id or default_id, spec.name_zh, spec.name_en, spec.description, options, uncertainty)


def load_scenario(path: str | Path, fw: Framework) -> Scenario:
    """Read and validate one scenario YAML file."""
    path = Path(path)
    data = read_yaml(path, "scenario", "params/scenarios/baseline.yaml")
    return scenario_from_dict(data, fw, str(path), default_id=path.stem)


def load_scenarios(paths: list[str | Path] | None, fw: Framework, folder: str | Path = DEFAULT_SCENARIO_DIR) -> list[Scenario]:
    """Load the given scenario files (default: every ``*.yaml`` in ``folder``, sorted).

    Problems in several files are reported together; ids must be unique.
    """
    # the baseline first: it is the reference for rank changes
    files = [Path(p) for p in paths] if paths else sorted(Path(folder).glob("*.yaml"), key=lambda f: (f.stem != "baseline", f.stem))
    if not files:
        raise InputError([Problem(str(folder), "no scenario files (*.yaml) found")], "no scenarios")
    problems: list[Problem] = []
    out: list[Scenario] = []
    for f in files:
        try:
            out.append(load_scenario(f, fw))
        except InputError as exc:
            problems.extend(exc.problems)
    seen: dict[str, str] = {}
    for f, s in zip(files, out):
        if s.id in seen:
            problems.append(Problem(f"{f}: id", f"scenario id '{s.id}' is also used by {seen[s.id]}"))
        seen[s.id] = str(f)
    if problems:
        raise InputError(problems, "invalid scenarios")
    return out


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioComparison:
    """Scores and ranks of every unit under each scenario.

    ``table``: one row per unit, with ``total_<id>``, ``rank_category_<id>``,
    ``rank_province_<id>``, ``warning_talk_<id>`` and, for every scenario but the
    first, ``change_<id>`` = rank in category under the first scenario minus the
    rank under it (positive = moves up). ``kendall``: Kendall's tau-b between the
    scenarios' province-wide totals (1 = same order). A scenario with a
    what-if treatment adds ``n_treated_<id>`` (the unit's values it changed)
    to ``table`` and its per-indicator table to ``treatments[<id>]``
    (:func:`zhenxing.scoring.treatment_table`).
    """

    scenarios: list[Scenario]
    table: pd.DataFrame
    kendall: pd.DataFrame
    treatments: dict[str, pd.DataFrame] = field(default_factory=dict)


def compare(dataset: Dataset, year: int, scenarios: list[Scenario]) -> ScenarioComparison:
    """Score ``year`` under each scenario; the first is the reference for rank changes."""
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    base_cols = ["code", "name_zh", "name_en", "city", "city_en", "category"]
    table: pd.DataFrame | None = None
    totals = {}
    treatments: dict[str, pd.DataFrame] = {}
    for sc in scenarios:
        res = score_year(dataset, year, sc.options)
        u = res.units.set_index("code")
        if table is None:
            table = res.units[base_cols].sort_values("code").reset_index(drop=True)
        codes = table["code"]
        table[f"total_{sc.id}"] = u.loc[codes, "total"].to_numpy()
        table[f"rank_category_{sc.id}"] = u.loc[codes, "rank_category"].to_numpy()
        table[f"rank_province_{sc.id}"] = u.loc[codes, "rank_province"].to_numpy()
        table[f"warning_talk_{sc.id}"] = u.loc[codes, "warning_talk"].to_numpy()
        if res.treatment is not None:
            table[f"n_treated_{sc.id}"] = u.loc[codes, "n_treated"].to_numpy()
            treatments[sc.id] = res.treatment
        totals[sc.id] = table[f"total_{sc.id}"].to_numpy()
    assert table is not None
    ref = scenarios[0].id
    for sc in scenarios[1:]:
        table[f"change_{sc.id}"] = table[f"rank_category_{ref}"] - table[f"rank_category_{sc.id}"]
    ids = [s.id for s in scenarios]
    tau = np.ones((len(ids), len(ids)))
    for a in range(len(ids)):
        for b in range(a + 1, len(ids)):
            tau[a, b] = tau[b, a] = kendalltau(totals[ids[a]], totals[ids[b]]).statistic
    table = table.sort_values([f"rank_province_{ref}", "code"], kind="stable").reset_index(drop=True)
    return ScenarioComparison(scenarios, table, pd.DataFrame(tau, index=ids, columns=ids), treatments)
