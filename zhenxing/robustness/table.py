"""Rank bounds of a year's units as a table (pandas at the edge)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ..data import Dataset
from ..errors import InputError, Problem
from ..scoring import ScoringOptions, competition_rank, score_arrays
from .published import _published_rank_bounds


def weight_box_arrays(
    dataset: Dataset,
    year: int,
    spread: float,
    options: ScoringOptions | None,
    dimension_weights: Sequence[float] | np.ndarray | None,
    extra_problems: Sequence[Problem] = (),
    purpose: str = "weight-robustness",
):
    """Validate a weight-box request and score ``year`` at the box's centre.

    The centre ``w0`` is ``dimension_weights``, else ``options.dimension_weights``,
    else the framework's (points summing to the scale); ``spread`` must lie in
    (0, 1) and the aggregation must be the weighted arithmetic mean (the score
    is then linear in the weights). Returns ``(framework, year data, w0, score
    arrays)``; raises one :class:`InputError` with every problem, plus
    ``extra_problems`` found by the caller.
    """
    fw = dataset.framework
    options = options or ScoringOptions()
    problems: list[Problem] = list(extra_problems)
    if not (isinstance(spread, (int, float)) and 0 < spread < 1):
        problems.append(Problem("spread", f"expected a relative spread strictly between 0 and 1 (0.2 means ±20 %), got {spread!r}"))
    w0 = np.asarray(dimension_weights, float) if dimension_weights is not None else options.weights(fw)[0].copy()
    if w0.shape != (len(fw.dimensions),) or not np.isfinite(w0).all() or (w0 < 0).any():
        problems.append(Problem("dimension_weights", f"expected {len(fw.dimensions)} non-negative weights ({', '.join(fw.dimension_ids)}), got {list(np.ravel(w0))}"))
    elif abs(w0.sum() - fw.scale) > 1e-6 * fw.scale:
        problems.append(Problem("dimension_weights", f"weights sum to {w0.sum():g}, expected {fw.scale:g} (the framework's scale)"))
    if options.aggregation != "arithmetic":
        problems.append(
            Problem("aggregation", f"{purpose} needs the weighted arithmetic mean (score linear in the weights); got '{options.aggregation}'")
        )
    if problems:
        raise InputError(problems, f"invalid {purpose} request")
    options = replace(options, dimension_weights=tuple(float(v) for v in w0))
    yd = dataset.year(year)
    arr = score_arrays(yd, fw, options)
    return fw, yd, w0, arr


#: the largest number of units whose bounds the reports and ``zhenxing simulate`` compute for every unit by
#: default; above it, for the home city's units (measured: 400 units took minutes, 2,800 would take days)
ALL_UNITS_MAX = 400
#: seconds per MILP above ALL_UNITS_MAX units (one MILP against ~500 contested rivals can run for half an hour)
NATIONAL_TIME_LIMIT = 60.0


def rank_bounds_table(
    dataset: Dataset,
    year: int,
    spread: float,
    options: ScoringOptions | None = None,
    dimension_weights: Sequence[float] | np.ndarray | None = None,
    units: Sequence[str] | None = None,
    workers: int | None = None,
    time_limit: float | None = None,
) -> pd.DataFrame:
    """Best and worst rank of every unit when each dimension weight moves within ±``spread``.

    The box is ``w0 (1 - spread) <= w <= w0 (1 + spread)`` around the scenario's
    weights ``w0`` (``dimension_weights``, else ``options.dimension_weights``,
    else the framework's; points summing to the scale), renormalised inside the
    score. ``A`` and ``c = bonus - deduction`` come from
    :func:`~zhenxing.scoring.score_arrays`; only the weighted arithmetic
    aggregation is linear in the weights and accepted.

    Columns: ``code, name_zh, city, category, total`` (nominal, points),
    ``rank_category, rank_province`` (nominal), ``n_category``, ``n_province``,
    ``best_rank_category, worst_rank_category, best_rank_province,
    worst_rank_province``, ``n_always_beaten_by`` / ``n_never_beaten_by`` (rivals
    in the category that beat the unit for every / for no weights in the box),
    ``warning_possible`` (for some weights in the box the unit is summoned) and
    ``warning_certain`` (for all of them), decided by the warning-talk rule
    itself: fewer than ``k`` units of the category published strictly below it.
    The number of units below comes from the same bounds on the negated scores
    (ranks from the bottom; rounding half away from zero is symmetric), so ties
    at the line count as the nominal flags count them; those bounds are settled
    only up to the line (``limit=k``), so units that ``k`` or more always
    outscore need no MILP. Sorted by category
    (framework order) then nominal rank. ``units``: the codes whose bounds are
    wanted (every unit still counts as a rival; the table has their rows only):
    at national size a city's units take minutes where every unit would take days.
    ``workers``: processes for the MILPs when they are many (default 1: the
    reports already run in parallel; ``zhenxing simulate`` uses its
    ``--workers``); the bounds do not depend on it. ``table.attrs["n_milp"]``:
    the MILPs solved. ``time_limit``: seconds per MILP (None: none, the bounds
    exact); a MILP stopped there gives the best rank found, reached at its
    weights, and ``bounds_proven`` is False for that unit (``attrs["n_unproven"]``
    such units). ``zhenxing simulate`` and the simulation report set
    :data:`NATIONAL_TIME_LIMIT` above :data:`ALL_UNITS_MAX` units.

    Raises :class:`~zhenxing.errors.InputError` for a spread outside (0, 1),
    weights not summing to the scale, or a non-arithmetic aggregation.
    """
    fw, yd, w0, arr = weight_box_arrays(dataset, year, spread, options, dimension_weights)
    A = arr["dimension_attainment"]
    c = arr["bonus"] - arr["deduction"]
    w_lo, w_hi = w0 * (1 - spread), w0 * (1 + spread)
    lowest = fw.scale * A.min(axis=1) + c  # lower bound of s_i over any weights
    if (lowest < 0).any():
        warnings.warn(
            "some units could score below 0 inside the box; the floor at 0 is ignored by the rank bounds", RuntimeWarning, stacklevel=2
        )
    cat = yd.category_index
    p = fw.publication.decimals  # ranks as published
    codes = yd.units["code"].astype(str).to_numpy()
    only = None
    if units is not None:
        wanted = {str(u) for u in units}
        unknown = sorted(wanted - set(codes))
        if unknown:
            raise InputError([Problem("units", f"unit(s) {', '.join(unknown)} not assessed in {year}")], "invalid rank-bounds request")
        only = np.isin(codes, list(wanted))
    workers = max(1, workers or 1)
    solve = {"only": only, "workers": workers, "time_limit": time_limit}
    by_cat = _published_rank_bounds(A, c, w_lo, w_hi, cat, fw.scale, p, **solve)
    by_prov = _published_rank_bounds(A, c, w_lo, w_hi, None, fw.scale, p, **solve)
    k = fw.warning_talk.per_category
    # 1 + units strictly below; only whether fewer than k can be (or always are) below matters
    from_bottom = _published_rank_bounds(-A, -c, w_lo, w_hi, cat, fw.scale, p, limit=k, **solve)
    proven = np.ones(len(A), dtype=bool)
    for part in (by_cat, by_prov, from_bottom):
        if part.proven is not None:
            proven &= part.proven
    total = arr["total"]
    units = yd.units
    n_cat = np.bincount(cat, minlength=len(fw.categories))[cat]
    out = pd.DataFrame(
        {
            "code": units["code"].to_numpy(),
            "name_zh": units["name_zh"].to_numpy(),
            "name_en": units["name_en"].to_numpy(),
            "city": units["city"].to_numpy(),
            "city_en": units["city_en"].to_numpy(),
            "category": units["category"].to_numpy(),
            "total": total,
            "rank_category": competition_rank(total, cat),
            "rank_province": competition_rank(total),
            "n_category": n_cat,
            "n_province": len(units),
            "best_rank_category": by_cat.best,
            "worst_rank_category": by_cat.worst,
            "best_rank_province": by_prov.best,
            "worst_rank_province": by_prov.worst,
            "n_always_beaten_by": by_cat.n_always,
            "n_never_beaten_by": by_cat.n_never,
            "warning_possible": from_bottom.best - 1 < k,
            "warning_certain": from_bottom.worst - 1 < k,
            "bounds_proven": proven,
        }
    )
    out["_c"] = cat
    if only is not None:
        out = out[only]
    out = out.sort_values(["_c", "rank_category", "code"], kind="stable").drop(columns="_c").reset_index(drop=True)
    out.attrs["n_milp"] = by_cat.n_milp + by_prov.n_milp + from_bottom.n_milp
    out.attrs["n_unproven"] = int((~out["bounds_proven"]).sum())
    return out
