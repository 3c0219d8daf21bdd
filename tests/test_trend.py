"""Trends per unit and indicator over any number of years."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from zhenxing.data import load_dataset
from zhenxing.errors import InputError
from zhenxing.framework import load_framework
from zhenxing.trend import average_annual_growth, indicator_trends, least_squares_slope

from .conftest import tiny_framework_dict

REGISTER = """code,name_zh,name_en,city,city_en,category,is_district,joined
U1,甲县,Jia,X市,X,a,0,2018
U2,乙县,Yi,X市,X,a,0,2018
"""
# five years for U1 (i1 missing in 2021); U2 has i1 only in 2023 and i3 starting at 0
VALUES = """code,year,i1,i2,i3,title,cases
U1,2019,50,3.0,10000,0,0
U1,2020,55,2.8,11000,0,0
U1,2021,,2.6,12100,0,0
U1,2022,70,2.4,13310,0,0
U1,2023,80,2.0,14641,0,0
U2,2019,,2.0,0,0,0
U2,2020,,2.5,5000,0,0
U2,2021,,2.5,6000,0,0
U2,2022,,2.5,7000,0,0
U2,2023,90,2.5,8000,0,0
"""


@pytest.fixture
def panel(tmp_path):
    (tmp_path / "fw.yaml").write_text(yaml.safe_dump(tiny_framework_dict(), allow_unicode=True), encoding="utf-8")
    (tmp_path / "reg.csv").write_text(REGISTER, encoding="utf-8")
    (tmp_path / "val.csv").write_text(VALUES, encoding="utf-8")
    fw = load_framework(tmp_path / "fw.yaml")
    return load_dataset(fw, tmp_path / "reg.csv", tmp_path / "val.csv")


def test_five_year_panel_by_hand(panel):
    t = indicator_trends(panel).set_index(["code", "indicator"])
    r = t.loc[("U1", "i1")]
    assert (r["n_years"], r["first_year"], r["last_year"], r["value_first"], r["value_last"]) == (4, 2019, 2023, 50, 80)
    assert r["change"] == 30
    assert r["growth"] == pytest.approx(1.6 ** 0.25 - 1)  # 4 years from 2019 to 2023: 12.47 % a year
    # years 2019, 2020, 2022, 2023 (dy = -2, -1, 1, 2), values 50, 55, 70, 80: Σ dy·dx = 75, Σ dy² = 10
    assert r["slope"] == pytest.approx(7.5)
    assert bool(r["improving"]) and r["growth_note"] == ""
    # i3 grows 10 % a year exactly
    assert t.loc[("U1", "i3"), "growth"] == pytest.approx(0.10)
    # i2 is lower-is-better: 3.0 -> 2.0 improves
    assert t.loc[("U1", "i2"), "change"] == pytest.approx(-1.0) and bool(t.loc[("U1", "i2"), "improving"])
    # U2's i2 got worse (2.0 -> 2.5 on a lower-is-better indicator)
    assert not bool(t.loc[("U2", "i2"), "improving"])
    # U2's i1: one year only
    one = t.loc[("U2", "i1")]
    assert one["n_years"] == 1 and np.isnan(one["change"]) and np.isnan(one["growth"]) and one["growth_note"] == "one_year"
    assert pd.isna(one["improving"]) and np.isnan(one["slope"])
    # U2's i3 starts at 0: a change but no growth rate
    z = t.loc[("U2", "i3")]
    assert z["change"] == 8000 and np.isnan(z["growth"]) and z["growth_note"] == "not_positive"


def test_one_unit_and_unknown_unit(panel):
    t = indicator_trends(panel, code="U1")
    assert set(t["code"]) == {"U1"} and list(t["indicator"]) == ["i1", "i2", "i3"]
    with pytest.raises(InputError, match="'U9'"):
        indicator_trends(panel, code="U9")


def test_demo_two_years(ds):
    t = indicator_trends(ds)
    both = t[t["n_years"] == 2]
    v = ds.values[ds.values["indicator"].isin(ds.framework.indicator_ids) & ds.values["value"].notna()]
    assert len(t) == len(v.groupby(["code", "indicator"])) and len(both) > 3500
    pos = both[(both["value_first"] > 0) & (both["value_last"] > 0)]
    np.testing.assert_allclose(pos["growth"], pos["value_last"] / pos["value_first"] - 1, rtol=1e-12)
    np.testing.assert_allclose(both["slope"], both["change"], rtol=1e-12)  # one year apart


def test_helpers():
    assert average_annual_growth(np.array([100.0]), np.array([121.0]), np.array([2]))[0] == pytest.approx(0.1)
    assert np.isnan(average_annual_growth(np.array([-1.0]), np.array([2.0]), np.array([1]))[0])
    assert np.isnan(least_squares_slope(np.array([2023]), np.array([5.0])))
    assert least_squares_slope(np.array([2019, 2020, 2021]), np.array([1.0, 3.0, 5.0])) == pytest.approx(2.0)


def test_five_year_demo_panel(tmp_path, fw):
    """The demo generator's five-year panel: trends over 2019-2023, and the year checks work for every year."""
    from zhenxing.coherence import coherence_tables
    from zhenxing.coupling import coupling_table
    from zhenxing.demo import generate_demo
    from zhenxing.scoring import score_year

    register, values = generate_demo(fw, years=range(2019, 2024))
    register.to_csv(tmp_path / "reg.csv", index=False)
    values.to_csv(tmp_path / "val.csv", index=False)
    panel = load_dataset(fw, tmp_path / "reg.csv", tmp_path / "val.csv")
    assert panel.years == [2019, 2020, 2021, 2022, 2023]
    t = indicator_trends(panel)
    full = t[(t["first_year"] == 2019) & (t["last_year"] == 2023)]
    assert len(full) > len(t) / 2 and full["n_years"].max() == 5 and (t["first_year"] >= 2019).all()
    pos = full[(full["value_first"] > 0) & (full["value_last"] > 0)]
    np.testing.assert_allclose(pos["growth"], (pos["value_last"] / pos["value_first"]) ** 0.25 - 1, rtol=1e-12)
    # the slope is the least-squares one: check a row against numpy's polyfit
    r = full.iloc[0]
    v = panel.values.query("code == @r.code and indicator == @r.indicator").dropna()
    assert r["slope"] == pytest.approx(np.polyfit(v["year"], v["value"], 1)[0])
    for year in (2019, 2023):
        res = score_year(panel, year)
        assert coupling_table(res)["D"].between(0, 1).all()
        assert coherence_tables(res)["effective_weights"]["variance_share"].sum() == pytest.approx(1.0)
