"""The outcome of a run: tables of probabilities and rank bands from the integer tallies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..precision import mean_steps, to_steps
from ..scoring import competition_rank
from .model import Model
from .tally import Tally


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :func:`simulate`.

    ``units``: one row per unit with the nominal total and ranks, the mean
    simulated total, the median and 5-95 % band of its rank in category and
    province, ``p_bottom`` (probability of a bottom-k finish in its category),
    ``p_city_last`` (probability that its city comes last) and
    ``mean_rank_change`` (mean simulated minus nominal rank in category:
    positive = falls). ``cities``: nominal score and rank, ``p_last``.
    ``rank_counts_category`` (n, max category size) and ``rank_counts_province``
    (n, n) hold the full rank distributions (counts over draws).
    """

    scenario: str
    year: int
    n_draws: int
    seed: int
    noise_pool: int
    units: pd.DataFrame
    cities: pd.DataFrame
    rank_counts_category: np.ndarray
    rank_counts_province: np.ndarray


def rank_quantiles(counts: np.ndarray, q: float | Sequence[float]) -> np.ndarray:
    """The smallest rank r (1-based) whose cumulative share reaches q, per row.

    ``counts`` (n, R) draws at each rank; ``q`` one share (returns (n,)) or
    several (returns (len(q), n), the running sum taken once).
    """
    cum = np.cumsum(counts, axis=1)
    total = cum[:, -1:]
    shares = np.atleast_1d(np.asarray(q, dtype=float))
    # integer counts: c < x exactly when c < ceil(x), compared without a float copy of the (n, R) sums
    out = np.stack([(cum < np.ceil(share * total - 1e-9).astype(cum.dtype)).sum(axis=1) + 1 for share in shares])
    return out[0] if np.ndim(q) == 0 else out


def summarise(model: Model, tally: Tally, year: int, n_draws: int, seed: int, K: int) -> SimulationResult:
    """The tables of :class:`SimulationResult` from the integer tallies of ``n_draws`` draws."""
    scenario = model.scenario
    mean_total = tally.score_sum / 10.0**model.framework.publication.decimals / n_draws
    units = model.units[["code", "name_zh", "name_en", "city", "city_en", "category"]].copy()
    units["nominal_total"] = model.nominal_total
    units["nominal_rank_category"] = model.nominal_rank_category
    units["nominal_rank_province"] = model.nominal_rank_province
    units["mean_total"] = mean_total
    rc, rp = tally.rank_category, tally.rank_province
    for name, counts in (("category", rc), ("province", rp)):
        median, p05, p95 = rank_quantiles(counts, (0.5, 0.05, 0.95))
        units[f"median_rank_{name}"], units[f"p05_rank_{name}"], units[f"p95_rank_{name}"] = median, p05, p95
    units["p_bottom"] = tally.bottom / n_draws
    p_city = tally.city_last / n_draws
    units["p_city_last"] = p_city[model.city_index]
    units["mean_rank_change"] = tally.rank_change / n_draws
    p = model.framework.publication.decimals
    nominal_city = mean_steps(to_steps(model.nominal_total, p), model.city_index, len(model.cities)) / 10.0**p
    cities = pd.DataFrame({
        "city": model.cities,
        "city_en": model.units.groupby("city", sort=False)["city_en"].first().reindex(model.cities).to_numpy(),
        "nominal_score": nominal_city,
        "nominal_rank": competition_rank(nominal_city),
        "p_last": p_city,
    }).sort_values(["p_last", "nominal_rank"], ascending=[False, False]).reset_index(drop=True)
    return SimulationResult(scenario.id, year, n_draws, seed, K, units, cities, rc, rp)
