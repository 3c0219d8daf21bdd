"""Coupling coordination degree (耦合协调度): hand-worked cases, properties, the demo's tables."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from zhenxing.coupling import (
    GRADES,
    city_coupling_table,
    coordination_grade,
    coordination_level,
    coupling_coordination,
    coupling_table,
)
from zhenxing.errors import InputError
from zhenxing.scoring import ScoringOptions, score_year


def test_two_subsystems_by_hand():
    # U = (0.6, 0.8): C = 2·√(0.48)/1.4 = 2·0.6928203/1.4 = 0.9897433; T = 0.7; D = √(0.9897433·0.7) = 0.8323583
    out = coupling_coordination(np.array([[0.6, 0.8]]))
    assert out["C"][0] == pytest.approx(0.9897433, abs=1e-7)
    assert out["T"][0] == pytest.approx(0.7)
    assert out["D"][0] == pytest.approx(0.8323583, abs=1e-7)
    # α = (0.25, 0.75): T = 0.15 + 0.6 = 0.75; α is renormalised (1:3 is the same)
    for alpha in ([0.25, 0.75], [1, 3]):
        out = coupling_coordination(np.array([[0.6, 0.8]]), alpha)
        assert out["T"][0] == pytest.approx(0.75)
        assert out["D"][0] == pytest.approx(math.sqrt(0.9897433 * 0.75), abs=1e-7)
    # Wang et al. (2021): C = √[(1 − |0.6 − 0.8|) · (0.6/0.8)] = √(0.8 · 0.75) = √0.6 = 0.7745967
    out = coupling_coordination(np.array([[0.6, 0.8]]), form="wang2021")
    assert out["C"][0] == pytest.approx(0.7745967, abs=1e-7)
    assert out["D"][0] == pytest.approx(math.sqrt(math.sqrt(0.6) * 0.7), abs=1e-9)


def test_five_subsystems_by_hand():
    u = np.array([[0.2, 0.4, 0.6, 0.8, 1.0]])
    # classic: Π U = 0.0384; C = [0.0384 / 0.6^5]^(1/5) = 0.4938272^(0.2) = 0.8683904 (= 5·0.0384^0.2 / 3); T = 0.6
    out = coupling_coordination(u)
    assert out["C"][0] == pytest.approx(0.8683904, abs=1e-7)
    assert out["T"][0] == pytest.approx(0.6)
    assert out["D"][0] == pytest.approx(math.sqrt(0.8683904 * 0.6), abs=1e-7)
    # corrected: pairwise differences 0.2·k for k = 1 (4 pairs), 2 (3), 3 (2), 4 (1): Σ d² = 0.04·50 = 2;
    # Σ_{m=1}^{4} m = 10; 1 − √0.2 = 0.5527864; Π (U/max)^(1/4) = 0.0384^0.25 = 0.4426728;
    # C = √(0.5527864 · 0.4426728) = 0.4946751
    out = coupling_coordination(u, form="wang2021")
    assert out["C"][0] == pytest.approx(0.4946751, abs=1e-7)


def test_a_subsystem_at_zero_and_all_at_zero():
    for form in ("classic", "wang2021"):
        out = coupling_coordination(np.array([[0.0, 0.9, 0.8], [0.0, 0.0, 0.0]]), form=form)
        assert out["C"][0] == 0.0 and out["D"][0] == 0.0 and out["T"][0] == pytest.approx(1.7 / 3)
        # every U at 0: C = 0/0 is undefined (NaN), D defined as 0
        assert math.isnan(out["C"][1]) and out["T"][1] == 0.0 and out["D"][1] == 0.0


def test_equal_subsystems_couple_fully():
    for form in ("classic", "wang2021"):
        out = coupling_coordination(np.full((1, 5), 0.64), form=form)
        assert out["C"][0] == pytest.approx(1.0) and out["D"][0] == pytest.approx(0.8)


def test_grade_boundaries_are_lower_inclusive():
    assert [coordination_grade(d).name_zh for d in (0.0, 0.0999, 0.1, 0.45, 0.5, 0.8999, 0.9, 1.0)] == [
        "极度失调", "极度失调", "严重失调", "濒临失调", "勉强协调", "良好协调", "优质协调", "优质协调"]
    # 0.3 reached by arithmetic (0.29999999999999993) is still 0.3: 轻度失调
    assert 0.7 - 0.4 < 0.3 and coordination_grade(0.7 - 0.4).level == 4
    assert coordination_grade(math.sqrt(0.09)).name_en == "mild disorder"
    assert list(coordination_level(np.arange(10) / 10 + 0.05)) == list(range(1, 11))
    assert [g.lower for g in GRADES] == pytest.approx([k / 10 for k in range(10)])


def test_bad_input_is_refused_with_its_name():
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        coupling_coordination(np.array([[0.5, 1.2]]))
    with pytest.raises(InputError, match="at least 2 subsystems"):
        coupling_coordination(np.array([[0.5]]))
    with pytest.raises(InputError, match="alpha"):
        coupling_coordination(np.array([[0.5, 0.4]]), alpha=[1, -1])
    with pytest.raises(InputError, match="form"):
        coupling_coordination(np.array([[0.5, 0.4]]), form="other")


# attainments: 0, or a share of at least 1e-6 (tinier ones are float noise, not attainments: their products underflow)
unit_rows = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 6)),
                   elements=st.one_of(st.just(0.0), st.floats(1e-6, 1, allow_subnormal=False)))


@settings(max_examples=60, deadline=None)
@given(unit_rows)
def test_properties(u):
    for form in ("classic", "wang2021"):
        out = coupling_coordination(u, form=form)
        c, d = out["C"], out["D"]
        ok = ~np.isnan(c)
        assert ((c[ok] >= 0) & (c[ok] <= 1 + 1e-12)).all() and ((d >= 0) & (d <= 1 + 1e-12)).all()
        assert np.isnan(c).tolist() == (u.max(axis=1) == 0).tolist()
        # the order of the subsystems does not matter
        perm = coupling_coordination(u[:, ::-1], form=form)
        np.testing.assert_allclose(perm["D"], d, atol=1e-12)
    # classic C is scale-free (geometric over arithmetic mean) and equals 1 only for equal U
    scaled = coupling_coordination(u * 0.5)["C"]
    np.testing.assert_allclose(scaled, coupling_coordination(u)["C"], atol=1e-9, equal_nan=True)


def test_coupling_table_of_the_demo(result, fw):
    table = coupling_table(result)
    pillars = [d for d in fw.dimensions if d.pillar]
    assert [c for c in table.columns if c.startswith("U_")] == [f"U_{d.id}" for d in pillars]
    units = result.units.set_index("code")
    row = table.iloc[0]
    u = units.loc[row["code"]]
    for d in pillars:
        assert row[f"U_{d.id}"] == pytest.approx(u[f"dim_{d.id}_exact"] / d.weight)
    # default α: the pillars' weights renormalised, so T = pillars' points / 65
    np.testing.assert_allclose(table["T"], units.loc[table["code"], [f"dim_{d.id}_exact" for d in pillars]].sum(axis=1) / 65, atol=1e-12)
    assert (table["level"] == coordination_level(table["D"])).all()
    assert table["grade_zh"].value_counts().to_dict() == {"优质协调": 71, "良好协调": 28, "中级协调": 1}
    assert table.groupby("category")["rank_D_category"].min().eq(1).all()
    wang = coupling_table(result, form="wang2021")
    assert (wang["D"] <= table["D"] + 1e-12).all()  # the correction only lowers C here
    two = coupling_table(result, dimensions=["industry", "poverty"], alpha=[1, 1])
    assert two["T"].to_numpy() == pytest.approx(((two["U_industry"] + two["U_poverty"]) / 2).to_numpy())


def test_coupling_table_uses_the_scenario_weights(ds):
    res = score_year(ds, 2023, ScoringOptions(dimension_weights=(13, 13, 13, 13, 13, 15, 10, 10)))
    table = coupling_table(res)
    units = res.units.set_index("code")
    assert table["U_industry"].to_numpy() == pytest.approx((units.loc[table["code"], "dim_industry_exact"] / 13).to_numpy())


def test_coupling_table_refuses_unknown_dimensions(result):
    with pytest.raises(InputError, match="unknown dimension 'nope'"):
        coupling_table(result, dimensions=["industry", "nope"])
    with pytest.raises(InputError, match="at least 2"):
        coupling_table(result, dimensions=["industry"])


def test_city_table(result):
    table = coupling_table(result)
    cities = city_coupling_table(table)
    assert len(cities) == table["city"].nunique() == 16
    means = table.groupby("city")["D"].mean()
    assert cities.set_index("city")["D_mean"].to_dict() == pytest.approx(means.to_dict())
    counts = cities[[f"n_{g.id}" for g in GRADES]].sum(axis=1)
    assert (counts == cities["n_units"]).all()
    assert cities["D_mean"].is_monotonic_decreasing and cities["rank"].iloc[0] == 1


def test_county_report_section(result, fw):
    import re

    from zhenxing.report.coupling_section import coupling_record, coupling_sentence, coupling_table_html

    table = coupling_table(result)
    rec = coupling_record(table, "990123")
    row = table.set_index("code").loc["990123"]
    assert (rec["D"], rec["C"], rec["T"], rec["rank_D_category"]) == (row["D"], row["C"], row["T"], row["rank_D_category"])
    assert rec["weakest"] == min(rec["U"], key=rec["U"].get) == "civility"
    assert rec["category_mean_D"] == pytest.approx(table.loc[table["category"] == row["category"], "D"].mean())
    zh = coupling_sentence(table, "990123", fw, "zh")
    assert f"{row['D']:.3f}" in zh and "良好协调" in zh and "乡风文明" in zh and f"排第 {rec['rank_D_category']} 位" in zh
    assert not re.search(r"[A-Za-z]{2,}", zh)  # no English words in the Chinese report (C, T, D are symbols)
    en = coupling_sentence(table, "990123", fw, "en")
    assert "good coordination" in en and not re.search(r"[\u4e00-\u9fff]", en)
    html = coupling_table_html(table, "990123", fw, "zh")
    assert html.count("<tr>") == 1 + 5 + 4 and "青岚市平均" in html and "52.5%" in html
    assert not re.search(r"[\u4e00-\u9fff]", coupling_table_html(table, "990123", fw, "en"))
