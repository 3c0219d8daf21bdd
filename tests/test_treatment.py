"""Winsorisation as a what-if treatment: COINr's algorithm, its scenario option, and where it is refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhenxing.errors import InputError
from zhenxing.montecarlo import build_model
from zhenxing.report.whatif import page_data
from zhenxing.scenarios import baseline, compare, load_scenario, scenario_from_dict
from zhenxing.scoring import ScoringOptions, score_year
from zhenxing.treatment import Winsorisation, winsorise

ROOT = Path(__file__).resolve().parents[1]
WINSORISED = ROOT / "params/scenarios/treatments/winsorised.yaml"


def test_coinr_example():
    # COINr's reference example (check_SkewKurt / winsorise docs): x = c(1:10, 30, 100) fails
    # (skew 3.063241, kurt 9.741391); one winsorised point (100 -> 30) brings |skew| below 2
    x = np.r_[np.arange(1, 11), 30, 100].astype(float)
    w = winsorise(x)
    assert w.skew_before == pytest.approx(3.063241, abs=5e-7) and w.kurtosis_before == pytest.approx(9.741391, abs=5e-7)
    assert w.n_changed == 1 and list(w.values[-2:]) == [30, 30] and (w.values[:-1] == x[:-1]).all()
    assert w.passes(Winsorisation()) and abs(w.skew_after) < 2


def test_the_limit_and_the_tail_side():
    x = np.r_[np.arange(1, 31), [1000, 2000, 3000, 4000, 5000, 6000, 7000]].astype(float)
    one = winsorise(x, Winsorisation(max_points=1))
    # 7000 -> 6000 is the limit; still failing (skew 2.33, excess kurtosis 4.24)
    assert one.n_changed == 1 and list(one.values[-2:]) == [6000, 6000] and not one.passes(Winsorisation())
    assert (one.skew_after, one.kurtosis_after) == pytest.approx((2.3300065, 4.2398533), abs=1e-6)
    two = winsorise(x, Winsorisation(max_points=5))
    # then both 6000s -> 5000: the kurtosis falls to 3.37 < 3.5 and it passes after two points
    assert two.n_changed == 2 and list(two.values[-3:]) == [5000, 5000, 5000] and two.passes(Winsorisation())
    # a low tail (negative skew) is treated from below, NaN kept in place
    y = np.r_[-x, np.nan]
    wy = winsorise(y, Winsorisation(max_points=5))
    assert wy.n_changed == 2 and list(wy.values[-4:-1]) == [-5000, -5000, -5000] and np.isnan(wy.values[-1])
    # tied extremes move together (COINr counts both), even past the limit
    z = np.r_[np.arange(1, 41), 3000, 3000].astype(float)
    wz = winsorise(z, Winsorisation(max_points=1))
    assert wz.n_changed == 2 and list(wz.values[-3:]) == [40, 40, 40]
    # nothing to do for a passing or a too-short column
    assert winsorise(np.arange(10.0)).n_changed == 0 and winsorise(np.array([1.0, 100.0, 2.0])).n_changed == 0


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=4, max_size=40), st.integers(1, 6))
def test_properties(values, max_points):
    x = np.array(values)
    w = winsorise(x, Winsorisation(max_points=max_points))
    assert w.values.min() >= x.min() and w.values.max() <= x.max()
    # order kept: a treated value never passes another
    order = np.argsort(x, kind="stable")
    assert (np.diff(w.values[order]) >= 0).all()
    assert w.n_changed == int((w.values != x).sum())
    if w.n_changed:  # only a failing column is treated
        assert not (abs(w.skew_before) < 2 or w.kurtosis_before < 3.5)


def planted(ds, year=2023):
    """The demo with two low outliers on village_rules (higher is better, mostly 94-100 %): skew -6.8, excess kurtosis 49.6."""
    v = ds.values.copy()
    codes = ["990123", "990102"]
    rows = (v["year"] == year) & (v["indicator"] == "village_rules") & v["code"].isin(codes)
    v.loc[rows, "value"] = [60.0, 40.0]
    return replace(ds, values=v), codes


def test_scored_as_if_the_treated_values_were_submitted(ds):
    data, codes = planted(ds)
    opts = ScoringOptions(treatment=Winsorisation())
    res = score_year(data, 2023, opts)
    t = res.treatment.set_index("indicator")
    assert t.loc["village_rules", "n_changed"] == 2 and bool(t.loc["village_rules", "passes_after"])
    assert t.drop(index="village_rules")["n_changed"].sum() == 0
    ind = res.indicators.set_index(["code", "indicator"])
    assert list(ind.loc[[(c, "village_rules") for c in codes], "value"]) == [40.0, 60.0]  # submitted values kept
    # the independent path: put the treated values in the data and score them without treatment
    scored = ind.xs("village_rules", level="indicator")["value_scored"]
    manual = data.values.copy()
    sel = (manual["year"] == 2023) & (manual["indicator"] == "village_rules")
    manual.loc[sel, "value"] = manual.loc[sel, "code"].map(scored).to_numpy()
    ref = score_year(replace(data, values=manual), 2023)
    a = res.units.set_index("code")
    b = ref.units.set_index("code").loc[a.index]
    np.testing.assert_array_equal(a["total"], b["total"])
    assert (a["n_treated"] > 0).sum() == 2 and a.loc[codes, "n_treated"].tolist() == [1, 1]
    # the baseline keeps the outliers: the two units score lower on it
    base = score_year(data, 2023).units.set_index("code")
    assert (base.loc[codes, "total_exact"] <= a.loc[codes, "total_exact"]).all()


def test_the_scenario_file_and_its_comparison(ds, fw):
    sc = load_scenario(WINSORISED, fw)
    assert sc.id == "winsorised" and sc.options.treatment == Winsorisation(max_points=5, skew=2, kurtosis=3.5)
    data, codes = planted(ds)
    cmp = compare(data, 2023, [baseline(fw), sc])
    assert cmp.treatments["winsorised"].set_index("indicator").loc["village_rules", "n_changed"] == 2
    assert cmp.table["n_treated_winsorised"].sum() == 2 and "n_treated_baseline" not in cmp.table
    # the demo as shipped has no indicator failing the check: nothing changes
    shipped = compare(ds, 2023, [baseline(fw), sc])
    assert shipped.treatments["winsorised"]["n_changed"].sum() == 0
    assert (shipped.table["total_baseline"] == shipped.table["total_winsorised"]).all()


def test_scenario_problems_name_their_path(fw):
    base = {"name_zh": "甲", "name_en": "A"}
    with pytest.raises(InputError, match=r"s\.yaml: treatment.*unknown treatment 'trim'"):
        scenario_from_dict({**base, "treatment": "trim"}, fw, "s.yaml")
    with pytest.raises(InputError, match="winsorise.*need 'treatment: winsorise'"):
        scenario_from_dict({**base, "winsorise": {"max_points": 3}}, fw, "s.yaml")
    with pytest.raises(InputError, match="uncertainty.*Monte Carlo"):
        scenario_from_dict({**base, "treatment": "winsorise", "uncertainty": {"noise": {"relative": 0.01}}}, fw, "s.yaml")
    with pytest.raises(InputError, match="max_points"):
        scenario_from_dict({**base, "treatment": "winsorise", "winsorise": {"max_points": 0}}, fw, "s.yaml")
    with pytest.raises(InputError, match="max_points"):
        ScoringOptions(treatment=Winsorisation(max_points=0)).validate(fw)
    assert ScoringOptions().treatment is None  # never the default


def test_monte_carlo_and_the_whatif_page_leave_it_out(ds, fw):
    sc = load_scenario(WINSORISED, fw)
    with pytest.raises(InputError, match="cannot drive the Monte Carlo"):
        build_model(ds, 2023, sc)
    data = page_data(ds, 2023, "青岚市", scenarios=[sc], lang="en")
    assert "winsorised" not in [p["id"] for p in data["presets"]]
    assert "winsorises" in str(data)
