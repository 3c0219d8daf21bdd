"""The framework's statistical checks (JRC/COINr): against scipy, pandas, hand-worked and planted examples."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.stats as sps
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from zhenxing.coherence import CoherenceOptions, coherence_tables
from zhenxing.coherence.correlation import average_ranks, correlation, correlation_matrix, flag_with_parent
from zhenxing.coherence.distribution import fails_skew_kurtosis, kurtosis, skewness
from zhenxing.coherence.effective_weight import variance_shares
from zhenxing.coherence.pca import first_component
from zhenxing.coherence.reliability import cronbach_alpha
from zhenxing.errors import InputError

samples = st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=4, max_size=60)


@settings(max_examples=80, deadline=None)
@given(samples)
def test_skew_and_kurtosis_agree_with_scipy(values):
    x = np.array(values)
    assume(x.std() > 1e-6 * max(1.0, np.abs(x).max()))
    # COINr's (e1071 type 2) estimators are scipy's bias-corrected ones, kurtosis as excess (Fisher)
    assert skewness(x) == pytest.approx(sps.skew(x, bias=False), rel=1e-7, abs=1e-9)
    assert kurtosis(x) == pytest.approx(sps.kurtosis(x, fisher=True, bias=False), rel=1e-7, abs=1e-9)


def test_skew_kurtosis_reference_and_edges():
    # COINr's documented example: check_SkewKurt(c(1:10, 30, 100)) -> Skew 3.063241, Kurt 9.741391
    x = np.r_[np.arange(1, 11), 30, 100].astype(float)
    assert (skewness(x), kurtosis(x)) == pytest.approx((3.063241, 9.741391), abs=5e-7)
    assert skewness(np.r_[x, np.nan]) == skewness(x)  # missing values left out
    assert np.isnan(skewness([1.0, 2.0])) and np.isnan(kurtosis([1.0, 2.0, 3.0])) and np.isnan(skewness([5.0] * 6))
    # the flag needs both, boundaries included (COINr passes only when |skew| < 2 or kurt < 3.5)
    assert list(fails_skew_kurtosis([2.0, -2.0, 1.99, 3.0, np.nan], [3.5, 9.0, 9.0, 3.49, 9.0])) == [True, True, False, False, False]


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(3, 25), st.integers(2, 4)),
              elements=st.one_of(st.integers(0, 10).map(lambda k: k / 10), st.just(np.nan))))
def test_correlations_agree_with_pandas(x):
    df = pd.DataFrame(x)
    for method in ("pearson", "spearman"):
        ours = correlation_matrix(x, method)
        ref = df.corr(method=method, min_periods=3).to_numpy()
        off = ~np.eye(x.shape[1], dtype=bool)
        np.testing.assert_allclose(ours[off], ref[off], atol=1e-9, equal_nan=True)


def test_ranks_and_flags():
    x = np.array([3.0, 1.0, 3.0, np.nan, 2.0])
    np.testing.assert_array_equal(average_ranks(x), [3.5, 1.0, 3.5, np.nan, 2.0])
    np.testing.assert_allclose(average_ranks(x[~np.isnan(x)]), sps.rankdata(x[~np.isnan(x)]))
    assert [flag_with_parent(r) for r in (-0.01, 0.0, 0.099, 0.1, np.nan)] == ["negative", "weak", "weak", "", "constant"]
    assert flag_with_parent(0.15, weak=0.2) == "weak"
    assert np.isnan(correlation([1, 2, np.nan, 4], [1, 2, 3, np.nan]))  # two complete pairs


def test_cronbach_alpha_by_hand():
    # three items, four units: item variances 5/3, 8/3, 4/3 (Σ 17/3); totals 5, 8, 11, 14 (variance 15):
    # α = 3/2 · (1 − (17/3)/15) = 3/2 · 28/45 = 14/15
    x = np.array([[2, 1, 2], [3, 3, 2], [4, 3, 4], [5, 5, 4]], float)
    assert cronbach_alpha(x) == pytest.approx(14 / 15)
    assert cronbach_alpha(np.vstack([x, [np.nan, 1, 1]])) == pytest.approx(14 / 15)  # listwise deletion
    assert np.isnan(cronbach_alpha(x[:, :1])) and np.isnan(cronbach_alpha(np.ones((4, 3))))


def alpha_from_covariance(x: np.ndarray) -> float:
    """Independent form: α = k/(k−1) · (1 − tr Σ / 1ᵀ Σ 1) from the covariance matrix, written with loops."""
    n, k = x.shape
    means = [sum(x[i][j] for i in range(n)) / n for j in range(k)]
    cov = [[sum((x[i][a] - means[a]) * (x[i][b] - means[b]) for i in range(n)) / (n - 1) for b in range(k)] for a in range(k)]
    total = sum(sum(row) for row in cov)
    return k / (k - 1) * (1 - sum(cov[j][j] for j in range(k)) / total)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(3, 20), st.integers(2, 5)), elements=st.floats(0, 1)))
def test_alpha_properties(x):
    a = cronbach_alpha(x)
    assume(not np.isnan(a) and x.sum(axis=1).var() > 1e-6)
    assert a <= 1 + 1e-12
    assert a == pytest.approx(alpha_from_covariance(x), rel=1e-7, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(4, 25), st.integers(1, 5)), elements=st.floats(0, 1)))
def test_pca_against_svd(x):
    assume((x.std(axis=0, ddof=1) > 1e-3).all())
    pc = first_component(x)
    k = x.shape[1]
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    s = np.linalg.svd(z, compute_uv=False)
    assert pc.share == pytest.approx(s[0] ** 2 / (s**2).sum(), rel=1e-9)
    assert 1 / k - 1e-9 <= pc.share <= 1 + 1e-9
    assert pc.eigenvalues.sum() == pytest.approx(k)
    assert (pc.loadings**2).sum() == pytest.approx(pc.eigenvalues[0]) and pc.loadings.sum() >= 0


def test_pca_edges():
    t = np.linspace(0, 1, 10)
    assert first_component(np.column_stack([t, 2 * t + 1, -t])).share == pytest.approx(1.0)
    pc = first_component(np.column_stack([t, np.ones(10), t**2]))
    assert list(pc.used) == [True, False, True] and np.isnan(pc.loadings[1])


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(1, 6)), elements=st.floats(0, 10)))
def test_variance_shares_sum_to_one(p):
    shares, r = variance_shares(p)
    assume(p.sum(axis=1).var() > 1e-6)
    assert shares.sum() == pytest.approx(1.0)
    df = pd.DataFrame(p)
    total = df.sum(axis=1)
    np.testing.assert_allclose(shares, [df[j].cov(total) / total.var() for j in df], rtol=1e-7, atol=1e-9)


def test_demo_tables(result):
    t = coherence_tables(result)
    assert set(t) == {"distribution", "with_dimension", "collinear", "dimensions", "reliability", "effective_weights"}
    dist = t["distribution"]
    assert len(dist) == 37 and not dist["outlier"].any()  # the demo has no indicator beyond COINr's limits
    hs = dist.set_index("indicator").loc["hs_farmland"]
    assert (round(hs["skewness"], 3), round(hs["kurtosis"], 3)) == (-1.146, 4.833)
    flags = t["with_dimension"].query("flag != ''")
    assert flags[["indicator", "flag"]].values.tolist() == [["collective_property_reform", "weak"], ["cadre_training", "weak"]]
    # against the rest of their dimension the demo's synthetic indicators hardly covary: 15 of 37 flagged
    rest = t["with_dimension"]["flag_rest"].value_counts().to_dict()
    assert (rest.get("negative"), rest.get("weak")) == (7, 8)
    assert t["collinear"].empty
    rel = t["reliability"].set_index("dimension")
    assert round(rel.loc["civility", "cronbach_alpha"], 3) == 0.463 and rel.loc["priorities", "cronbach_alpha"] < 0
    assert ((rel["pc1_share"] >= 1 / rel["n_indicators"]) & (rel["pc1_share"] <= 1)).all()
    eff = t["effective_weights"]
    assert eff["variance_share"].sum() == pytest.approx(1.0) and eff["nominal_share"].sum() == pytest.approx(1.0)
    assert eff.set_index("indicator")["max_points"].sum() == pytest.approx(100.0)
    dims = t["dimensions"]
    assert dims.shape == (8, 8) and np.allclose(np.diag(dims), 1) and np.allclose(dims, dims.T)
    # an independent check of one indicator's correlation with its dimension: pandas on the long table
    # (the dimension from the attainments present: weights renormalised over a unit's available indicators)
    ind = result.indicators.assign(a=lambda d: d["attainment"].where(~d["missing"]))
    pri = ind[ind["dimension"] == "priorities"].assign(w=lambda d: d["max_points"].where(d["a"].notna()))
    dim = (pri["a"] * pri["w"]).groupby(pri["code"]).sum() / pri["w"].groupby(pri["code"]).sum()
    a = ind[ind["indicator"] == "cadre_training"].set_index("code")["a"]
    row = t["with_dimension"].set_index("indicator").loc["cadre_training"]
    assert row["r_dimension"] == pytest.approx(a.corr(dim.loc[a.index]), abs=1e-12)
    rest = pri[pri["indicator"] != "cadre_training"]
    rest_dim = (rest["a"] * rest["w"]).groupby(rest["code"]).sum() / rest["w"].groupby(rest["code"]).sum()
    assert row["r_rest"] == pytest.approx(a.corr(rest_dim.loc[a.index]), abs=1e-12)


def test_planted_problems_are_found_and_nothing_else(ds):
    """Three outliers, a reversed indicator and a copied one planted in the demo: each found; no other outlier or pair."""
    v = ds.values.copy()
    y23 = v["year"] == 2023

    def col(ind):
        return y23 & (v["indicator"] == ind)

    for ind, value in (("village_rules", 40.0), ("tap_water", 20.0), ("produce_quality", 60.0)):
        v.loc[col(ind) & (v["code"] == "990123"), "value"] = value
    # land_transfer reversed (a high value now means a low one): negative with its dimension
    lt = v.loc[col("land_transfer"), "value"]
    v.loc[col("land_transfer"), "value"] = lt.max() + lt.min() - lt
    # sanitary_toilets an affine copy of sewage_treatment (30 + 1.2 x, within 0-100 %): a collinear pair in ecology
    sewage = v.loc[col("sewage_treatment")].set_index("code")["value"]
    codes = v.loc[col("sanitary_toilets"), "code"]
    v.loc[col("sanitary_toilets"), "value"] = np.clip(30 + 1.2 * sewage.loc[codes].to_numpy(), 0, 100)
    t = coherence_tables(replace(ds, values=v), year=2023)
    assert sorted(t["distribution"].query("outlier")["indicator"]) == ["produce_quality", "tap_water", "village_rules"]
    w = t["with_dimension"].set_index("indicator")
    # with the indicator inside its dimension the reversal is masked by its own share; against the rest it shows
    assert w.loc["land_transfer", "flag_rest"] == "negative" and w.loc["land_transfer", "r_rest"] < 0
    assert coherence_tables(ds, year=2023)["with_dimension"].set_index("indicator").loc["land_transfer", "flag_rest"] == ""
    pairs = t["collinear"][["indicator_a", "indicator_b"]].values.tolist()
    assert pairs == [["sanitary_toilets", "sewage_treatment"]]


def test_options_are_checked(result):
    with pytest.raises(InputError, match="method"):
        coherence_tables(result, options=CoherenceOptions(method="kendall"))
    with pytest.raises(InputError, match="collinear"):
        coherence_tables(result, options=CoherenceOptions(collinear=1.5))
    spearman = coherence_tables(result, options=CoherenceOptions(method="spearman", weak=0.2))
    assert (spearman["with_dimension"]["flag"] != "").sum() >= 2
