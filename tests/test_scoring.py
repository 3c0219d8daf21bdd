"""The assessment score worked by hand on the tiny framework (see conftest.py).

Attainment a = clip((x - g) / (t - g), 0, 1):
  U1 (a): i1 (75-50)/50 = 0.5, i2 (2.5-3)/(2-3) = 0.5, i3 (15000-10000)/10000 = 0.5
  U2 (a): i1 1, i2 (1.8-3)/(2-3) = 1.2 -> 1, i3 1.5 -> 1
  U3 (b): i1 (60-40)/40 = 0.5, i2 missing -> 0, i3 0
  U4 (b): i1 (80-40)/40 = 1, i2 0, i3 0.2
Dimension points: d1 = 60 * (0.5 a1 + 0.5 a2), d2 = 40 * a3
  U1 30 + 20 = 50; U2 60 + 40 = 100; U3 15 + 0 = 15; U4 30 + 8 = 38
Adjustments: bonus 2/title capped at 4 per item and 3 overall; 0.5/case capped at 2; veto at 5 cases
  U1 +2 -> 52; U2 +3 -2 -> 101 and vetoed; U3 15; U4 38
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhenxing.data import load_dataset
from zhenxing.framework import framework_from_dict, load_framework
from zhenxing.scoring import ScoringOptions, bottom_flags, competition_rank, score_arrays, score_year

from .conftest import ROOT, tiny_framework_dict


@pytest.fixture
def tiny(tiny_files):
    fw = load_framework(tiny_files["framework"])
    return load_dataset(fw, tiny_files["register"], tiny_files["values"])


def test_hand_worked_totals(tiny):
    res = score_year(tiny, 2023)
    u = res.units.set_index("code")
    np.testing.assert_allclose(u.loc[["U1", "U2", "U3", "U4"], "dim_d1"], [30, 60, 15, 30])
    np.testing.assert_allclose(u.loc[["U1", "U2", "U3", "U4"], "dim_d2"], [20, 40, 0, 8])
    np.testing.assert_allclose(u.loc[["U1", "U2", "U3", "U4"], "base"], [50, 100, 15, 38])
    np.testing.assert_allclose(u.loc[["U1", "U2", "U3", "U4"], "bonus"], [2, 3, 0, 0])
    np.testing.assert_allclose(u.loc[["U1", "U2", "U3", "U4"], "deduction"], [0, 2, 0, 0])
    np.testing.assert_allclose(u.loc[["U1", "U2", "U3", "U4"], "total"], [52, 101, 15, 38])
    assert list(u.loc[["U1", "U2", "U3", "U4"], "veto"]) == [False, True, False, False]
    assert u.loc["U2", "veto_items"] == "big_return"


def test_ranks_grades_flags_and_cities(tiny):
    res = score_year(tiny, 2023)
    u = res.units.set_index("code")
    assert list(res.units["code"]) == ["U2", "U1", "U4", "U3"]  # sorted by total
    assert list(u.loc[["U1", "U2", "U3", "U4"], "rank_province"]) == [2, 1, 4, 3]
    assert list(u.loc[["U1", "U2", "U3", "U4"], "rank_category"]) == [2, 1, 2, 1]
    # per_category = 1: the last of each category
    assert list(u.loc[["U1", "U2", "U3", "U4"], "warning_talk"]) == [True, False, True, False]
    # U2 scores 101 >= 80 but is vetoed: capped at the second grade
    assert list(u.loc[["U1", "U2", "U3", "U4"], "grade"]) == ["average", "fair", "average", "average"]
    assert u.loc["U3", "n_missing"] == 1
    c = res.cities.set_index("city")
    assert c.loc["X市", "score"] == pytest.approx(76.5)
    assert c.loc["Y市", "score"] == pytest.approx(26.5)
    assert list(c.loc[["X市", "Y市"], "rank"]) == [1, 2]
    assert list(c.loc[["X市", "Y市"], "last"]) == [False, True]


def test_indicator_table_points_lost(tiny):
    res = score_year(tiny, 2023)
    t = res.indicators.set_index(["code", "indicator"])
    assert t.loc[("U1", "i1"), "max_points"] == pytest.approx(30)
    assert t.loc[("U1", "i1"), "points"] == pytest.approx(15)
    assert t.loc[("U1", "i1"), "points_lost"] == pytest.approx(15)
    assert t.loc[("U3", "i2"), "missing"]
    assert t.loc[("U3", "i2"), "points"] == 0
    assert t.loc[("U3", "i1"), "target"] == 80 and t.loc[("U3", "i1"), "goalpost"] == 40
    # points per unit add up to the base score
    sums = res.indicators.groupby("code")["points"].sum()
    np.testing.assert_allclose(sums.loc[res.units["code"]], res.units["base"])


def test_category_mean_missing_policy(tiny):
    # U3's i2 gets the mean attainment of category b on i2: only U4 reports it (0) -> 0;
    # change U4's i2 to 2.5 (a = 0.5): U3 then gets 0.5 -> d1 = 60 * (0.25 + 0.25) = 30
    values = tiny.values.copy()
    values.loc[(values["code"] == "U4") & (values["indicator"] == "i2"), "value"] = 2.5
    ds = type(tiny)(tiny.framework, tiny.register, values, tiny.sources)
    res = score_year(ds, 2023, ScoringOptions(missing="category_mean"))
    u = res.units.set_index("code")
    assert u.loc["U3", "dim_d1"] == pytest.approx(30)
    res0 = score_year(ds, 2023)
    assert res0.units.set_index("code").loc["U3", "dim_d1"] == pytest.approx(15)


def test_geometric_and_topsis_options_change_scores_within_bounds(tiny):
    arith = score_year(tiny, 2023).units.set_index("code")["base"]
    geo = score_year(tiny, 2023, ScoringOptions(aggregation="geometric")).units.set_index("code")["base"]
    top = score_year(tiny, 2023, ScoringOptions(aggregation="topsis")).units.set_index("code")["base"]
    # geometric <= arithmetic (AM-GM); U2 is perfect everywhere: 100 under both
    assert (geo <= arith + 1e-9).all()
    assert geo["U2"] == pytest.approx(100)
    assert top["U2"] == pytest.approx(100)
    assert ((top >= 0) & (top <= 100)).all()


def test_competition_rank_ties():
    s = np.array([90.0, 80.0, 90.0, 70.0, 80.0])
    assert list(competition_rank(s)) == [1, 3, 1, 5, 3]
    g = np.array([0, 0, 1, 1, 1])
    assert list(competition_rank(s, g)) == [1, 2, 1, 3, 2]


def test_bottom_flags_ties_at_boundary():
    s = np.array([50.0, 40.0, 40.0, 40.0, 90.0])
    g = np.zeros(5, dtype=int)
    # three units tie for last: all three are within the bottom two
    assert list(bottom_flags(s, g, 2)) == [False, True, True, True, False]
    assert list(bottom_flags(np.array([1.0, 2.0, 3.0]), np.zeros(3, int), 2)) == [True, True, False]
    assert not bottom_flags(s, g, 0).any()


# ---------------------------------------------------------------------------
# properties on the demo province
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    fw = load_framework(ROOT / "params/framework.yaml")
    ds = load_dataset(fw, ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")
    return ds.year(2023), fw


@settings(max_examples=60, deadline=None)
@given(unit=st.integers(0, 10**6), ind=st.integers(0, 10**6), delta=st.floats(0.0, 1e4))
def test_raising_an_indicator_never_lowers_the_score(demo, unit, ind, delta):
    yd, fw = demo
    i = unit % yd.values.shape[0]
    j = ind % yd.values.shape[1]
    before = score_arrays(yd, fw)["total"][i]
    x = yd.values.copy()
    if np.isnan(x[i, j]):
        return
    lo, hi = fw.indicators[j].valid_range
    step = delta if fw.higher_is_better[j] else -delta
    x[i, j] = float(np.clip(x[i, j] + step, lo, hi))
    after = score_arrays(type(yd)(yd.year, yd.units, x, yd.adjustments), fw)["total"][i]
    assert after >= before - 1e-9


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_reordering_units_changes_nothing(demo, seed):
    yd, fw = demo
    perm = np.random.default_rng(seed).permutation(yd.values.shape[0])
    base = score_arrays(yd, fw)
    yd2 = type(yd)(yd.year, yd.units.iloc[perm].reset_index(drop=True), yd.values[perm], yd.adjustments[perm])
    for options in (ScoringOptions(), ScoringOptions(normalisation="min_max", aggregation="geometric")):
        a = score_arrays(yd, fw, options)["total"]
        b = score_arrays(yd2, fw, options)["total"]
        np.testing.assert_allclose(b, a[perm], rtol=0, atol=1e-9)
    np.testing.assert_allclose(competition_rank(base["total"][perm]), competition_rank(base["total"])[perm])


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_total_never_exceeds_scale_plus_bonus_cap(demo, data):
    yd, fw = demo
    n_adj = yd.adjustments.shape[1]
    adj = np.array(data.draw(st.lists(st.integers(0, 50), min_size=n_adj, max_size=n_adj)), dtype=float)
    x = yd.values.copy()
    # push every unit to the best end of every indicator's valid range
    for j, ind in enumerate(fw.indicators):
        lo, hi = ind.valid_range
        x[:, j] = min(hi, 1e7) if ind.direction == "higher" else max(lo, -1e7)
    total = score_arrays(type(yd)(yd.year, yd.units, x, np.tile(adj, (x.shape[0], 1))), fw)["total"]
    cap = fw.adjustments.bonus.cap or 0.0
    assert (total <= fw.scale + cap + 1e-9).all()
    assert (total >= 0).all()


def test_framework_weights_sum_to_one_within_dimensions():
    fw = load_framework(ROOT / "params/framework.yaml")
    sums = np.bincount(fw.dimension_of_indicator, weights=fw.indicator_weights)
    np.testing.assert_allclose(sums, 1.0)
    assert fw.dimension_weights.sum() == pytest.approx(100)
    assert fw.indicator_points.sum() == pytest.approx(100)


def test_scoring_options_are_validated():
    fw = framework_from_dict(tiny_framework_dict())
    from zhenxing.errors import InputError

    with pytest.raises(InputError, match="z-scores are unbounded standard scores"):
        ScoringOptions(normalisation="z_score").validate(fw)
    with pytest.raises(InputError, match="summing to 100"):
        ScoringOptions(dimension_weights=(50.0, 40.0)).validate(fw)
    with pytest.raises(InputError, match=r"indicator_weights\[d1\]"):
        ScoringOptions(indicator_weights=(0.5, 0.6, 1.0)).validate(fw)


def test_margin_to_the_warning_line():
    from zhenxing.scoring import margin_above_bottom

    s = np.array([52.0, 101.0, 70.0, 60.0, 90.0])
    g = np.array([0, 0, 0, 0, 1])
    # k = 2 within group 0: thresholds are the 2nd lowest of the others: 70, 60, 60, 70
    np.testing.assert_allclose(margin_above_bottom(s, g, 2)[:4], [-18.0, 41.0, 10.0, -10.0])
    assert margin_above_bottom(s, g, 2)[4] == -np.inf  # alone in its group: cannot leave
    flags = bottom_flags(s, g, 2)
    assert list(flags) == list(margin_above_bottom(s, g, 2) <= 0)
