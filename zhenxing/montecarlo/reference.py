"""A plain reference for tests and benchmarks: the same draws, each rescored by the pandas path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import Dataset
from ..scenarios import Scenario
from .draws import BLOCK, block
from .model import build_model
from .pool import noisy_members, pool_size


def reference_simulate(
    dataset: Dataset, year: int, scenario: Scenario, n_draws: int, seed: int = 20231, noise_pool: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The same draws, each scored by rebuilding the pandas path (:func:`score_year`).

    Slow on purpose: one dataset rebuild and one full scoring per draw, as a
    spreadsheet-minded loop would do. Returns ``(rank_counts_category, bottom)``
    in the layout of :class:`SimulationResult`; ranks and flags are those of
    :func:`score_year` (published totals, competition ranks), as in :func:`simulate`.
    """
    from ..scoring import ScoringOptions, score_year

    model = build_model(dataset, year, scenario)
    K = pool_size(model, n_draws, noise_pool)
    noisy = noisy_members(model, seed, 0, K)
    fw = model.framework
    unc = scenario.uncertainty
    n = model.n_units
    max_g = model.max_group
    counts = np.zeros((n, max_g), np.int64)
    bottom = np.zeros(n, np.int64)
    codes = model.units["code"].to_numpy()
    other_years = dataset.values[dataset.values["year"] != year]
    ids = fw.indicator_ids
    adj = dataset.values[(dataset.values["year"] == year) & ~dataset.values["indicator"].isin(ids)]
    for draw in range(n_draws):
        b = block(model, seed, draw // BLOCK, K)
        r = draw % BLOCK
        member = noisy[b.pool[r]]
        long = pd.DataFrame({
            "code": np.repeat(codes, len(ids)),
            "year": year,
            "indicator": np.tile(ids, n),
            "value": member.ravel(),
        })
        values = pd.concat([other_years, long, adj], ignore_index=True)
        ds = Dataset(fw, dataset.register, values, dataset.sources)
        ind_w = scenario.indicator_weights if b.ind_w is None else b.ind_w[r]
        options = ScoringOptions(
            normalisation=unc.normalisations[b.norm[r]],
            aggregation=unc.aggregations[b.agg[r]],
            missing=scenario.options.missing,
            dimension_weights=tuple(b.dim_w[r]),
            indicator_weights=tuple(ind_w),
        )
        units = score_year(ds, year, options).units.set_index("code").loc[codes]
        ranks = units["rank_category"].to_numpy()
        counts[np.arange(n), ranks - 1] += 1
        bottom += units["warning_talk"].to_numpy()
    return counts, bottom
