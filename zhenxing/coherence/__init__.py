"""The framework's statistical coherence (the JRC/COINr audit), for whoever designs or reviews it.

:func:`coherence_tables` bundles, for one scored year:

* ``distribution``: per indicator the skewness, excess kurtosis and COINr's
  outlier flag on the submitted values (:mod:`.distribution`);
* ``with_dimension``: each indicator's correlation with its dimension score
  (``r_dimension``, the indicator included, as COINr does) and with the rest
  of its dimension (``r_rest``, the corrected item-total correlation, which
  a reversed indicator cannot mask by its own share), each flagged
  ``negative`` / ``weak`` / ``constant`` (:mod:`.correlation`); the
  dimension score is the weighted mean of the attainments a unit has;
* ``collinear``: pairs of indicators within a dimension correlated above the
  threshold;
* ``dimensions``: the dimension × dimension correlation matrix;
* ``reliability``: per dimension Cronbach's alpha (:mod:`.reliability`) and
  the first principal component's variance share (:mod:`.pca`);
* ``effective_weights``: per indicator its nominal share of the points beside
  its share of the total's variance and its correlation with the total
  (:mod:`.effective_weight`).

Every table carries Chinese and English names (``*_zh``, ``*_en``) and flag
labels in both languages. Reference: OECD/JRC (2008), *Handbook on
Constructing Composite Indicators: Methodology and User Guide*; W. Becker et
al. (2022), COINr: an R package for developing composite indicators, JOSS
7(78): 4567.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .correlation import COLLINEAR, METHODS, WEAK, correlation, correlation_matrix, flag_with_parent
from .distribution import KURTOSIS_THRESHOLD, SKEW_THRESHOLD, fails_skew_kurtosis, kurtosis, skewness
from .effective_weight import variance_shares
from .pca import first_component
from .reliability import cronbach_alpha

__all__ = ["CoherenceOptions", "coherence_tables", "FLAG_LABELS"]

FLAG_LABELS = {
    "": ("", ""),
    "negative": ("负相关", "negative"),
    "weak": ("几乎不相关", "hardly correlated"),
    "constant": ("无差异（无法计算）", "no spread (undefined)"),
    "outlier": ("偏度和峰度超限", "skew and kurtosis beyond limits"),
    "collinear": ("高度相关", "highly correlated"),
}


@dataclass(frozen=True)
class CoherenceOptions:
    """Thresholds and method of the checks (defaults: COINr's and the JRC Handbook's usual ones)."""

    skew_threshold: float = SKEW_THRESHOLD  # |skew| at or above it ...
    kurtosis_threshold: float = KURTOSIS_THRESHOLD  # ... and excess kurtosis at or above it: an outlier problem
    weak: float = WEAK  # 0 <= r < weak with the dimension: "not at all" correlated
    collinear: float = COLLINEAR  # r above it within a dimension: collinear pair
    method: str = "pearson"  # or "spearman"

    def validate(self) -> None:
        problems = []
        if self.method not in METHODS:
            problems.append(Problem("method", f"unknown method '{self.method}' (expected one of {', '.join(METHODS)})"))
        for name, lo, hi in (("weak", 0, 1), ("collinear", 0, 1)):
            v = getattr(self, name)
            if not lo <= v <= hi:
                problems.append(Problem(name, f"expected a correlation between {lo} and {hi}, got {v}"))
        for name in ("skew_threshold", "kurtosis_threshold"):
            if not np.isfinite(getattr(self, name)):
                problems.append(Problem(name, "expected a finite number"))
        if problems:
            raise InputError(problems, "invalid coherence options")


def _labels(flags) -> tuple[list[str], list[str]]:
    return [FLAG_LABELS[f][0] for f in flags], [FLAG_LABELS[f][1] for f in flags]


def _arrays(result):
    """(values, raw attainment with NaN where missing, filled attainment, points, indicator full marks), units × indicators."""
    fw = result.framework
    ind = result.indicators
    m = len(fw.indicator_ids)
    n = len(ind) // m

    def wide(col: str) -> np.ndarray:
        return ind[col].to_numpy(float).reshape(n, m)

    missing = ind["missing"].to_numpy(bool).reshape(n, m)
    filled = wide("attainment")
    return wide("value"), np.where(missing, np.nan, filled), filled, wide("points"), wide("max_points")[0]


def coherence_tables(result, year: int | None = None, options: CoherenceOptions | None = None) -> dict[str, pd.DataFrame]:
    """The statistical checks of one year as tables (see the module docstring).

    ``result`` is a :class:`~zhenxing.scoring.ScoreResult`, or a
    :class:`~zhenxing.data.Dataset` scored here for ``year`` with the
    framework's methods. Correlations, alpha and PCA use the attainments
    (0..1, direction applied), missing values left out; the distribution uses
    the submitted values; effective weights use the points as scored.
    """
    from ..data import Dataset
    from ..scoring import score_year

    if isinstance(result, Dataset):
        if year is None:
            raise InputError([Problem("year", "a data set needs the year to check")], "invalid coherence request")
        result = score_year(result, year)
    options = options or CoherenceOptions()
    options.validate()
    fw = result.framework
    values, att, _, points, full = _arrays(result)
    dim_of = fw.dimension_of_indicator
    ids = fw.indicator_ids
    names_zh = [i.name_zh for i in fw.indicators]
    names_en = [i.name_en for i in fw.indicators]
    dim_ids = [d.id for d in fw.dimensions]
    dim_zh = [d.name_zh for d in fw.dimensions]
    dim_en = [d.name_en for d in fw.dimensions]
    base = {"indicator": ids, "indicator_zh": names_zh, "indicator_en": names_en,
            "dimension": [dim_ids[d] for d in dim_of]}

    # distribution of the submitted values
    skew = np.array([skewness(values[:, j]) for j in range(len(ids))])
    kurt = np.array([kurtosis(values[:, j]) for j in range(len(ids))])
    outlier = fails_skew_kurtosis(skew, kurt, options.skew_threshold, options.kurtosis_threshold)
    dist = pd.DataFrame({**base, "n": (~np.isnan(values)).sum(axis=0), "mean": np.nanmean(values, axis=0),
                         "sd": np.nanstd(values, axis=0, ddof=1), "min": np.nanmin(values, axis=0),
                         "max": np.nanmax(values, axis=0), "skewness": skew, "kurtosis": kurt, "outlier": outlier})
    dist["flag_zh"], dist["flag_en"] = _labels(["outlier" if o else "" for o in outlier])

    # dimension scores from the values present: Σ w_j a_j / Σ w_j over the indicators a unit has
    # (a missing value is a data gap, not a property of the framework, so it is not scored 0 here)
    _, ind_w = result.options.weights(fw)

    def weighted_mean(cols: np.ndarray) -> np.ndarray:
        w = np.where(np.isnan(att[:, cols]), 0.0, ind_w[cols])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.nansum(att[:, cols] * w, axis=1) / w.sum(axis=1)

    dim_score = np.column_stack([weighted_mean(dim_of == d) for d in range(len(dim_ids))])
    r_parent = np.array([correlation(att[:, j], dim_score[:, dim_of[j]], options.method) for j in range(len(ids))])
    # corrected item-total correlation: against the rest of the dimension (the indicator left out)
    r_rest = np.array([correlation(att[:, j], weighted_mean((dim_of == dim_of[j]) & (np.arange(len(ids)) != j)), options.method)
                       for j in range(len(ids))])
    # a dimension of one indicator correlates 1 with itself and has no rest: nothing to check
    single = np.bincount(dim_of, minlength=len(dim_ids))[dim_of] == 1
    flags = ["" if s else flag_with_parent(r, options.weak) for s, r in zip(single, r_parent)]
    flags_rest = ["" if s else flag_with_parent(r, options.weak) for s, r in zip(single, r_rest)]
    with_dim = pd.DataFrame({**base, "r_dimension": np.where(single, np.nan, r_parent), "flag": flags,
                             "r_rest": np.where(single, np.nan, r_rest), "flag_rest": flags_rest})
    with_dim["flag_zh"], with_dim["flag_en"] = _labels(flags)
    with_dim["flag_rest_zh"], with_dim["flag_rest_en"] = _labels(flags_rest)

    pairs = []
    rel_rows = []
    for d in range(len(dim_ids)):
        cols = np.flatnonzero(dim_of == d)
        block = att[:, cols]
        r = correlation_matrix(block, options.method)
        for a in range(len(cols)):
            for b in range(a + 1, len(cols)):
                if r[a, b] > options.collinear:
                    pairs.append((dim_ids[d], ids[cols[a]], ids[cols[b]], names_zh[cols[a]], names_zh[cols[b]],
                                  names_en[cols[a]], names_en[cols[b]], r[a, b]))
        pc = first_component(block)
        rel_rows.append((dim_ids[d], dim_zh[d], dim_en[d], len(cols), cronbach_alpha(block), pc.share,
                         int(pc.used.sum()), pc.n_units))
    collinear = pd.DataFrame(pairs, columns=["dimension", "indicator_a", "indicator_b", "indicator_a_zh", "indicator_b_zh",
                                             "indicator_a_en", "indicator_b_en", "r"])
    reliability = pd.DataFrame(rel_rows, columns=["dimension", "dimension_zh", "dimension_en", "n_indicators", "cronbach_alpha",
                                                  "pc1_share", "pc1_indicators", "n_units"])
    dims = pd.DataFrame(correlation_matrix(dim_score, options.method), index=dim_ids, columns=dim_ids)
    dims.index.name = "dimension"

    shares, r_total = variance_shares(points)
    eff = pd.DataFrame({**base, "max_points": full, "nominal_share": full / full.sum(), "variance_share": shares,
                        "effective_points": shares * full.sum(), "r_total": r_total})
    return {"distribution": dist, "with_dimension": with_dim, "collinear": collinear, "dimensions": dims,
            "reliability": reliability, "effective_weights": eff}
