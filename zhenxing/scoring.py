"""The assessment score: indicator → dimension → total, adjustments, ranks, grades.

The core functions work on numpy arrays (rows = units, columns = indicators);
:func:`score_year` wraps them for a :class:`~zhenxing.data.Dataset` and returns
pandas tables.

Default pipeline, as the assessment does it
-------------------------------------------
0. (what-if only, never the default) ``ScoringOptions.treatment`` winsorises
   each indicator's values over the year's units first (:mod:`.treatment`);
1. attainment ``a_ij = clip((x_ij - g_cj) / (t_cj - g_cj), 0, 1)`` with the
   target ``t`` and goalpost ``g`` of unit i's category c (dimensionless, 0..1);
2. a missing value scores 0 and is flagged (or, by the framework's
   ``missing_values: category_mean``, gets the mean attainment of its category);
3. dimension attainment ``A_id = Σ_j w_j a_ij`` over the dimension's indicators
   (shares w sum to 1); dimension points ``P_id = W_d A_id`` (W in points);
4. base score ``S_i = scale · agg(A_i, W / scale)`` which, for the default
   weighted arithmetic mean, equals ``Σ_d P_id`` (points, 0..scale);
5. total ``T_i = max(0, S_i + min(Σ bonus, cap) - Σ deductions)``; a veto caps
   the grade below the top one and is flagged.

6. the total, the dimension points and the city means are *published* at the
   framework's precision (``publication.decimals``, 2 by default), rounded half
   away from zero (:mod:`zhenxing.precision`); grades, ranks, warning-talk
   flags, margins, city ranks and the last city are decided on the published
   values. The unrounded values stay in the tables as ``total_exact``,
   ``dim_<id>_exact`` and (cities) ``score_exact``. A city's score is the mean
   of its units' published totals, itself published.

Ranks are competition ranks ("1224"): tied units (equal as published) share the
best rank of their tie and the next rank is skipped. The warning talk (约谈) concerns the units
whose rank counted *from the bottom* of their category is within
``warning_talk.per_category``; a tie at the boundary flags every tied unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .aggregate import aggregate
from .data import Dataset, YearData
from .errors import InputError, Problem
from .framework import Framework
from .normalise import normalise
from .precision import from_steps, mean_steps, published, to_steps
from .treatment import Winsorisation, winsorise_columns

#: Normalisations the assessment score accepts: each maps a value to an attainment in [0, 1].
#: z-scores (zhenxing.normalise.z_score) are left out: unbounded standard scores cannot be
#: floored at 0, graded against point thresholds or read as points.
NORMALISATIONS = ("goalpost", "min_max", "rank", "distance_to_target")
AGGREGATIONS = ("arithmetic", "geometric", "topsis")
MISSING_POLICIES = ("zero", "category_mean")
Z_SCORE_REFUSED = (
    "z-scores are unbounded standard scores, not points: they cannot be floored, graded or added to bonus points "
    "(use min_max or rank for a relative score)"
)


@dataclass(frozen=True)
class ScoringOptions:
    """Method choices; ``None`` means the framework's own setting.

    ``dimension_weights`` are in points and must sum to the framework's scale;
    ``indicator_weights`` are shares within each dimension (framework order).
    ``treatment``: a what-if outlier treatment of the values before
    normalisation (:class:`~zhenxing.treatment.Winsorisation`, per indicator
    over the year's assessed units); ``None``, the default and what the
    assessment does, scores the values as submitted.
    """

    normalisation: str = "goalpost"
    aggregation: str = "arithmetic"
    missing: str | None = None
    dimension_weights: tuple[float, ...] | None = None
    indicator_weights: tuple[float, ...] | None = None
    treatment: Winsorisation | None = None

    def weights(self, fw: Framework) -> tuple[np.ndarray, np.ndarray]:
        """(dimension weights in points, indicator shares): these options' or the framework's."""
        dim_w = fw.dimension_weights if self.dimension_weights is None else np.asarray(self.dimension_weights, float)
        ind_w = fw.indicator_weights if self.indicator_weights is None else np.asarray(self.indicator_weights, float)
        return dim_w, ind_w

    def validate(self, fw: Framework) -> None:
        problems: list[Problem] = []
        if self.normalisation == "z_score":
            problems.append(Problem("normalisation", Z_SCORE_REFUSED))
        elif self.normalisation not in NORMALISATIONS:
            problems.append(Problem("normalisation", f"unknown method '{self.normalisation}' (expected one of {', '.join(NORMALISATIONS)})"))
        if self.aggregation not in AGGREGATIONS:
            problems.append(Problem("aggregation", f"unknown method '{self.aggregation}' (expected one of {', '.join(AGGREGATIONS)})"))
        if self.missing is not None and self.missing not in MISSING_POLICIES:
            problems.append(Problem("missing", f"unknown policy '{self.missing}' (expected one of {', '.join(MISSING_POLICIES)})"))
        if self.dimension_weights is not None:
            w = np.asarray(self.dimension_weights, dtype=float)
            if w.shape != (len(fw.dimensions),) or (w < 0).any() or abs(w.sum() - fw.scale) > 1e-6 * fw.scale:
                problems.append(Problem("dimension_weights", f"expected {len(fw.dimensions)} non-negative weights summing to {fw.scale:g}, got {list(w)}"))
        if self.indicator_weights is not None:
            w = np.asarray(self.indicator_weights, dtype=float)
            if w.shape != (len(fw.indicators),) or (w < 0).any():
                problems.append(Problem("indicator_weights", f"expected {len(fw.indicators)} non-negative shares"))
            else:
                sums = np.bincount(fw.dimension_of_indicator, weights=w, minlength=len(fw.dimensions))
                for d, s in zip(fw.dimensions, sums):
                    if abs(s - 1) > 1e-6:
                        problems.append(Problem(f"indicator_weights[{d.id}]", f"shares sum to {s:g}, expected 1"))
        if self.treatment is not None:
            if isinstance(self.treatment, Winsorisation):
                problems.extend(self.treatment.problems())
            else:
                problems.append(Problem("treatment", f"expected None or a Winsorisation, got {self.treatment!r}"))
        if problems:
            raise InputError(problems, "invalid scoring options")


# ---------------------------------------------------------------------------
# array core
# ---------------------------------------------------------------------------


def attainment(
    x: np.ndarray,
    category_index: np.ndarray,
    targets: np.ndarray,
    goalposts: np.ndarray,
    higher_is_better: np.ndarray,
    method: str = "goalpost",
) -> np.ndarray:
    """Normalised indicator values, shape (n_units, n_indicators); NaN where x is NaN.

    ``targets`` and ``goalposts`` have shape (n_categories, n_indicators); unit i
    is measured against row ``category_index[i]``. Relative methods (min-max,
    rank) compare each unit with all units passed in.
    """
    t = targets[category_index]
    g = goalposts[category_index]
    return normalise(method, x, higher_is_better=higher_is_better, goalpost=g, target=t)


def fill_missing(a: np.ndarray, category_index: np.ndarray, policy: str) -> np.ndarray:
    """Replace NaN attainments: ``zero`` → 0; ``category_mean`` → mean of the unit's
    category on that indicator (0 if the whole category is missing).

    ``a`` has shape (..., n_units, n_indicators); leading axes are independent copies.
    """
    out = a.copy()
    miss = np.isnan(out)
    if not miss.any():
        return out
    if policy == "zero":
        out[miss] = 0.0
        return out
    if policy == "category_mean":
        for c in np.unique(category_index):
            rows = category_index == c
            block = out[..., rows, :]
            counts = (~np.isnan(block)).sum(axis=-2, keepdims=True)
            means = np.where(counts > 0, np.nansum(block, axis=-2, keepdims=True) / np.maximum(counts, 1), 0.0)
            out[..., rows, :] = np.where(np.isnan(block), means, block)
        return out
    raise ValueError(f"unknown missing-value policy {policy!r}")


def dimension_attainment(
    a: np.ndarray, dimension_of_indicator: np.ndarray, indicator_weights: np.ndarray, n_dimensions: int, method: str = "arithmetic"
) -> np.ndarray:
    """Aggregate indicator attainments within each dimension, shape (n_units, n_dimensions).

    ``indicator_weights`` are shares summing to 1 within each dimension.
    """
    out = np.empty((a.shape[0], n_dimensions))
    for d in range(n_dimensions):
        cols = dimension_of_indicator == d
        out[:, d] = aggregate(method, a[:, cols], indicator_weights[cols])
    return out


def base_score(dim_attainment: np.ndarray, dimension_weights: np.ndarray, method: str = "arithmetic", scale: float = 100.0) -> np.ndarray:
    """Score before adjustments, in points: ``scale · agg(A, W / ΣW)``, shape (n_units,)."""
    return scale * aggregate(method, dim_attainment, dimension_weights / dimension_weights.sum())


def adjustments(inputs: np.ndarray, fw: Framework) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bonus points, deduction points and veto flags from the adjustment inputs.

    ``inputs`` has shape (n_units, n_adjustment_inputs) in
    ``fw.adjustment_input_ids`` order. Bonus = min(cap, Σ_k min(points_k·n_k,
    max_k)); deductions = Σ_k min(points_per_case_k·n_k, max_k) (points); a veto
    fires when its input reaches the threshold.
    """
    col = {i: k for k, i in enumerate(fw.adjustment_input_ids)}
    n = inputs.shape[0]
    bonus = np.zeros(n)
    for item in fw.adjustments.bonus.items:
        pts = item.points * inputs[:, col[item.id]]
        bonus += np.minimum(pts, item.max_points) if item.max_points is not None else pts
    if fw.adjustments.bonus.cap is not None:
        bonus = np.minimum(bonus, fw.adjustments.bonus.cap)
    deduction = np.zeros(n)
    for rule in fw.adjustments.deductions:
        pts = rule.points_per_case * inputs[:, col[rule.id]]
        deduction += np.minimum(pts, rule.max_points) if rule.max_points is not None else pts
    veto = np.zeros(n, dtype=bool)
    for v in fw.adjustments.vetoes:
        veto |= inputs[:, col[v.input]] >= v.threshold
    return bonus, deduction, veto


def competition_rank(scores: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Rank 1 = highest score within each group; ties share the best rank ("1224").

    rank_i = 1 + #{k in group(i): s_k > s_i}. Invariant to the order of units.
    """
    scores = np.asarray(scores, dtype=float)
    groups = np.zeros(len(scores), dtype=int) if groups is None else np.asarray(groups)
    ranks = np.empty(len(scores), dtype=int)
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        s = scores[idx]
        ranks[idx] = 1 + (s[None, :] > s[:, None]).sum(axis=1)
    return ranks


def bottom_flags(scores: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    """True for units within the bottom ``k`` of their group.

    A unit is flagged when fewer than ``k`` units of its group score strictly
    lower, so a tie at the boundary flags all tied units.
    """
    scores = np.asarray(scores, dtype=float)
    groups = np.asarray(groups)
    flags = np.zeros(len(scores), dtype=bool)
    if k <= 0:
        return flags
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        s = scores[idx]
        lower = (s[None, :] < s[:, None]).sum(axis=1)
        flags[idx] = lower < k
    return flags


def bottom_threshold(scores: np.ndarray, i: int, k: int) -> float:
    """The k-th lowest score among the *other* units of the group.

    Unit i is in the bottom k exactly when its score is at or below it (the
    rule of :func:`bottom_flags`). ``-inf`` when k == 0; ``inf`` when there are
    fewer than k other units, so that no score leaves the bottom.
    """
    if k <= 0:
        return -math.inf
    others = np.sort(np.delete(np.asarray(scores, float), i))
    return float(others[k - 1]) if len(others) >= k else math.inf


def standing_of(scores: np.ndarray, i: int, k: int) -> tuple[float, float, float, int | None]:
    """(points_to_pass_next, points_to_leave_bottom, margin_above_bottom, index of next unit up).

    ``scores`` are the totals of the unit's category; others are held fixed.
    """
    s = float(scores[i])
    above = np.flatnonzero(scores > s)
    nxt = int(above[np.argmin(scores[above])]) if len(above) else None
    to_next = float(scores[nxt] - s) if nxt is not None else 0.0
    thr = bottom_threshold(scores, i, k)
    if s <= thr:
        return to_next, thr - s, 0.0, nxt
    return to_next, 0.0, s - thr, nxt


def margin_above_bottom(scores: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    """Signed margin to the warning-talk line: ``s_i - threshold_i`` (points).

    Positive: the points a unit can lose and stay out of its group's bottom k.
    Zero or negative: the unit is in the bottom k and must gain more than
    ``-margin`` to leave it (others held fixed).

    The threshold is :func:`bottom_threshold` of each unit, found from one sort
    per group: without unit i, the k-th lowest of the others is the k-th lowest
    of the group when i sorts above it, else the (k+1)-th (ties hold equal values,
    so any position of a tied unit gives the same threshold).
    """
    scores = np.asarray(scores, dtype=float)
    groups = np.asarray(groups)
    out = np.empty(len(scores))
    if k <= 0:
        out[:] = math.inf
        return out
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        s = scores[idx]
        order = np.argsort(s, kind="stable")
        ranked = s[order]
        pos = np.empty(len(s), dtype=int)
        pos[order] = np.arange(len(s))
        n = len(s)
        lo = ranked[k - 1] if n - 1 >= k else math.inf
        hi = ranked[k] if n - 1 >= k else math.inf
        thr = np.where(pos >= k, lo, hi)
        out[idx] = s - thr
    return out


# ---------------------------------------------------------------------------
# pandas wrapper
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreResult:
    """Scored tables for one year.

    * ``units``: one row per assessed unit, with dimension points (``dim_<id>``),
      ``pillars`` (the five pillars' subtotal), ``base``, ``bonus``,
      ``deduction``, ``total`` (points, all as published), ``veto``, ``grade``,
      ranks, the warning-talk flag and ``margin_bottom`` (published points above
      the warning-talk line; <= 0 inside it), decided on the published total;
      then ``base_exact``, ``total_exact`` and ``dim_<id>_exact`` (unrounded); sorted by total
      descending, then code;
    * ``indicators``: one row per unit and indicator (value, target, goalpost,
      attainment 0..1, points, max_points, points_lost, missing);
    * ``cities``: the city score (published mean of its units' published totals),
      rank and last flag, and ``score_exact`` (mean of the unrounded totals);
    * ``treatment``: ``None`` unless the options ask for a what-if treatment;
      then one row per indicator (:func:`treatment_table`: the values changed,
      skewness and kurtosis before and after), and ``indicators`` gains
      ``value_scored`` (the treated value) and ``treated``; ``units`` gains
      ``n_treated`` (the unit's values changed).
    """

    year: int
    framework: Framework
    options: ScoringOptions
    units: pd.DataFrame
    indicators: pd.DataFrame
    cities: pd.DataFrame
    treatment: pd.DataFrame | None = None


def treatment_table(yd: YearData, fw: Framework, settings: Winsorisation) -> pd.DataFrame:
    """Per indicator: values changed by the winsorisation, skewness and excess kurtosis before and after, and
    whether it passes COINr's check afterwards (:mod:`zhenxing.treatment`)."""
    _, cols = winsorise_columns(yd.values, settings)
    return pd.DataFrame({
        "indicator": fw.indicator_ids,
        "indicator_zh": [i.name_zh for i in fw.indicators],
        "indicator_en": [i.name_en for i in fw.indicators],
        "n_changed": [c.n_changed for c in cols],
        "skew_before": [c.skew_before for c in cols],
        "kurtosis_before": [c.kurtosis_before for c in cols],
        "skew_after": [c.skew_after for c in cols],
        "kurtosis_after": [c.kurtosis_after for c in cols],
        "passes_after": [c.passes(settings) for c in cols],
    })


def score_arrays(yd: YearData, fw: Framework, options: ScoringOptions | None = None) -> dict[str, np.ndarray]:
    """All score arrays for one year (see the module docstring for the formulas).

    ``total`` is the published total (points at the framework's precision),
    ``total_steps`` the same as integer steps of ``10^-decimals`` points and
    ``total_exact`` the unrounded value; decisions use the published one.
    ``values`` are the values scored: the submitted ones, or the treated ones
    under ``options.treatment`` (``treated`` marks the values it changed).
    """
    options = options or ScoringOptions()
    options.validate(fw)
    dim_w, ind_w = options.weights(fw)
    cat = yd.category_index
    values = yd.values
    if options.treatment is not None:
        values, _ = winsorise_columns(yd.values, options.treatment)
    treated = ~np.isnan(yd.values) & (values != yd.values)
    raw = attainment(values, cat, fw.targets, fw.goalposts, fw.higher_is_better, options.normalisation)
    missing = np.isnan(yd.values)
    a = fill_missing(raw, cat, options.missing or fw.missing_values)
    dim_a = dimension_attainment(a, fw.dimension_of_indicator, ind_w, len(fw.dimensions), options.aggregation)
    base = base_score(dim_a, dim_w, options.aggregation, fw.scale)
    bonus, deduction, veto = adjustments(yd.adjustments, fw)
    total = np.maximum(0.0, base + bonus - deduction)
    steps = to_steps(total, fw.publication.decimals)
    return {
        "values": values,
        "treated": treated,
        "attainment": a,
        "missing": missing,
        "indicator_max": dim_w[fw.dimension_of_indicator] * ind_w,
        "dimension_attainment": dim_a,
        "dimension_points": dim_a * dim_w,
        "base": base,
        "bonus": bonus,
        "deduction": deduction,
        "veto": veto,
        "total_exact": total,
        "total_steps": steps,
        "total": from_steps(steps, fw.publication.decimals),
    }


def score_year(dataset: Dataset, year: int, options: ScoringOptions | None = None) -> ScoreResult:
    """Score every unit assessed in ``year``: tables for units, indicators and cities."""
    fw = dataset.framework
    options = options or ScoringOptions()
    yd = dataset.year(year)
    arr = score_arrays(yd, fw, options)
    units = yd.units.drop(columns="category_index").copy()
    cat = yd.category_index
    p = fw.publication.decimals
    dim_points = arr["dimension_points"]
    for k, d in enumerate(fw.dimensions):
        units[f"dim_{d.id}"] = published(dim_points[:, k], p)
    pillars = np.array([d.pillar for d in fw.dimensions])
    units["pillars"] = published(dim_points[:, pillars].sum(axis=1), p) if pillars.any() else 0.0
    units["base"] = published(arr["base"], p)
    units["bonus"] = published(arr["bonus"], p)
    units["deduction"] = published(arr["deduction"], p)
    units["total"] = arr["total"]
    units["veto"] = arr["veto"]
    vetoes_hit = []
    col = {i: k for k, i in enumerate(fw.adjustment_input_ids)}
    for row in yd.adjustments:
        vetoes_hit.append(";".join(v.id for v in fw.adjustments.vetoes if row[col[v.input]] >= v.threshold))
    units["veto_items"] = vetoes_hit
    steps = arr["total_steps"]
    units["grade"] = grades(steps, arr["veto"], fw)
    units["rank_category"] = competition_rank(steps, cat)
    units["n_category"] = units.groupby("category")["code"].transform("size").to_numpy()
    units["rank_province"] = competition_rank(steps)
    units["warning_talk"] = bottom_flags(steps, cat, fw.warning_talk.per_category)
    units["margin_bottom"] = from_steps(margin_above_bottom(steps, cat, fw.warning_talk.per_category), p)
    units["risk"] = risk_levels(steps, cat, fw)
    units["n_missing"] = arr["missing"].sum(axis=1)
    if options.treatment is not None:
        units["n_treated"] = arr["treated"].sum(axis=1)
    units["base_exact"] = arr["base"]
    units["total_exact"] = arr["total_exact"]
    for k, d in enumerate(fw.dimensions):
        units[f"dim_{d.id}_exact"] = dim_points[:, k]
    units = units.sort_values(["total", "code"], ascending=[False, True], kind="stable").reset_index(drop=True)

    ids = fw.indicator_ids
    n, m = yd.values.shape
    max_pts = arr["indicator_max"]
    points = arr["attainment"] * max_pts
    indicators = pd.DataFrame(
        {
            "code": np.repeat(yd.units["code"].to_numpy(), m),
            "category": np.repeat(yd.units["category"].to_numpy(), m),
            "dimension": np.tile([fw.dimensions[d].id for d in fw.dimension_of_indicator], n),
            "indicator": np.tile(ids, n),
            "value": yd.values.ravel(),
            "target": fw.targets[cat].ravel(),
            "goalpost": fw.goalposts[cat].ravel(),
            "attainment": arr["attainment"].ravel(),
            "points": points.ravel(),
            "max_points": np.tile(max_pts, n),
            "points_lost": (max_pts - points).ravel(),
            "missing": arr["missing"].ravel(),
        }
    )
    treatment = None
    if options.treatment is not None:
        indicators["value_scored"] = arr["values"].ravel()
        indicators["treated"] = arr["treated"].ravel()
        treatment = treatment_table(yd, fw, options.treatment)
    cities = city_table(units, fw)
    return ScoreResult(year, fw, options, units, indicators, cities, treatment)


RISK_LEVELS = ("flagged", "close", "safe")


def risk_levels(steps: np.ndarray, groups: np.ndarray, fw: Framework) -> np.ndarray:
    """``flagged`` (in the warning-talk zone), ``close`` or ``safe`` per unit, on published totals.

    With quota ``k`` and the rule ``warning_talk.close`` (``points``, ``ranks``),
    a unit outside the zone is close when its margin above the line is at most
    ``points`` (published points) or when fewer than ``k + ranks`` units of its
    group score strictly below it.
    """
    k = fw.warning_talk.per_category
    rule = fw.warning_talk.close
    steps = np.asarray(steps, dtype=float)
    flagged = bottom_flags(steps, groups, k)
    margin = margin_above_bottom(steps, groups, k)
    near_in_ranks = bottom_flags(steps, groups, k + rule.ranks)
    near_in_points = margin <= float(to_steps(rule.points, fw.publication.decimals))
    return np.where(flagged, "flagged", np.where(near_in_ranks | near_in_points, "close", "safe"))


def grades(steps: np.ndarray, veto: np.ndarray, fw: Framework) -> list[str]:
    """Grade id per unit, decided on the published total (``steps`` of ``10^-decimals`` points).

    A unit reaches a grade when its published total is at least the grade's
    ``min_score`` (also taken at the published precision); a veto bars the top grade
    (the rule of :meth:`Framework.grade_for`, for all units at once).
    """
    p = fw.publication.decimals
    ordered = sorted(fw.grades, key=lambda g: g.min_score, reverse=True)
    steps = np.asarray(steps, dtype=float)
    veto = np.asarray(veto, dtype=bool)
    out = np.full(len(steps), len(ordered) - 1)
    decided = np.zeros(len(steps), dtype=bool)
    for k, grade in enumerate(ordered):
        ok = ~decided & (steps >= float(to_steps(grade.min_score, p)))
        if k == 0:
            ok &= ~veto
        out[ok] = k
        decided |= ok
    ids = np.array([g.id for g in ordered], dtype=object)
    return list(ids[out])


def city_table(units: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """City score = mean of its assessed units' published totals, published; competition rank; last city flagged.

    Decided on the published city scores: cities equal as published share a rank,
    and a tie for last place flags every tied city.
    """
    p = fw.publication.decimals
    cities_in_order = list(dict.fromkeys(units["city"]))
    city_index = units["city"].map({c: k for k, c in enumerate(cities_in_order)}).to_numpy()
    steps = mean_steps(to_steps(units["total"].to_numpy(float), p), city_index, len(cities_in_order))
    g = units.groupby("city", sort=False)
    exact = units["total_exact"] if "total_exact" in units else units["total"]
    cities = pd.DataFrame(
        {
            "city": cities_in_order,
            "city_en": g["city_en"].first().reindex(cities_in_order).to_numpy(),
            "n_units": g.size().reindex(cities_in_order).to_numpy(),
            "score": from_steps(steps, p),
        }
    )
    cities["rank"] = competition_rank(steps)
    cities["last"] = bottom_flags(steps, np.zeros(len(cities), dtype=int), 1) if fw.warning_talk.last_city else False
    cities["score_exact"] = exact.groupby(units["city"], sort=False).mean().reindex(cities_in_order).to_numpy()
    return cities.sort_values(["score", "city"], ascending=[False, True], kind="stable").reset_index(drop=True)
