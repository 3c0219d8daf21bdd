"""Gap analysis: hand-worked cases on the tiny framework, the programme, and checks by rescoring."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from zhenxing.data import load_dataset
from zhenxing.errors import InputError
from zhenxing.framework import load_framework
from zhenxing.gap import (
    STRICT_MARGIN,
    cheapest_path_arrays,
    county_gap,
    load_ytd,
    obstacle_degree,
    schedule_progress,
    schedule_table,
    standing_of,
)
from zhenxing.precision import published
from zhenxing.scoring import ScoringOptions, bottom_flags, bottom_threshold, score_year

from .conftest import ROOT


@pytest.fixture
def tiny(tiny_files):
    fw = load_framework(tiny_files["framework"])
    return load_dataset(fw, tiny_files["register"], tiny_files["values"])


@pytest.fixture(scope="module")
def demo():
    fw = load_framework(ROOT / "params/framework.yaml")
    ds = load_dataset(fw, ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")
    return ds, score_year(ds, 2023)


def test_obstacle_degree_by_hand():
    # losses 30*0.5, 30*0.5, 40*0.5 = 15, 15, 20 of 50
    np.testing.assert_allclose(obstacle_degree(np.array([0.5, 0.5, 0.5]), np.array([30, 30, 40])), [0.3, 0.3, 0.4])
    np.testing.assert_allclose(obstacle_degree(np.array([1.0, 1.0]), np.array([5, 5])), [0, 0])
    np.testing.assert_allclose(obstacle_degree(np.array([[0, 1], [1, 0]]), np.array([2, 6])), [[1, 0], [0, 1]])


def test_standing_by_hand():
    s = np.array([52.0, 101.0, 70.0, 60.0])
    # k = 2: the others of unit 0 are 101, 70, 60 -> 2nd lowest 70 -> flagged, needs more than 18
    to_next, to_leave, margin, nxt = standing_of(s, 0, 2)
    assert (to_next, to_leave, margin, nxt) == (8.0, 18.0, 0.0, 3)
    # unit 2 (70): others 52, 101, 60 -> 2nd lowest 60 -> safe by 10
    to_next, to_leave, margin, nxt = standing_of(s, 2, 2)
    assert (to_next, to_leave, margin, nxt) == (31.0, 0.0, 10.0, 1)
    assert standing_of(s, 1, 2)[0] == 0.0 and standing_of(s, 1, 2)[3] is None
    assert bottom_threshold(s[:2], 0, 2) == math.inf


def test_tiny_gap_tables(tiny):
    g = county_gap(tiny, "U1", 2023)
    st = g.standing
    # category a = {U1 52, U2 101}; per_category 1 -> U1 is flagged, needs more than 49 to leave
    assert st.warning_talk and st.points_to_leave_bottom == pytest.approx(49) and st.points_to_pass_next == pytest.approx(49)
    assert st.next_up_code == "U2" and st.rank_category == 2 and st.n_category == 2 and st.n_province == 4
    ind = g.indicators.set_index("indicator")
    np.testing.assert_allclose(ind["obstacle"], [0.3, 0.3, 0.4])
    np.testing.assert_allclose(ind["points_lost"], [15, 15, 20])
    assert list(ind["status"]) == ["partial", "partial", "partial"]
    assert list(ind["rank_category"]) == [2, 2, 2]  # U2 is better on all three
    assert ind["value_last_year"].isna().all()  # no 2022 data
    dims = g.dimensions.set_index("dimension")
    np.testing.assert_allclose(dims["points"], [30, 20])
    np.testing.assert_allclose(dims["category_mean"], [45, 30])
    np.testing.assert_allclose(dims["category_leader"], [60, 40])
    np.testing.assert_allclose(dims["obstacle"], [0.6, 0.4])
    g3 = county_gap(tiny, "U3", 2023)
    assert g3.missing_indicators == ["i2"]
    assert g3.indicators.set_index("indicator").loc["i2", "status"] == "missing"
    assert g3.indicators.set_index("indicator").loc["i3", "status"] == "zero"


def test_tiny_cheapest_path_by_hand(tiny):
    # U1 must be published above the rival 49 points ahead: an exact gain of 49.005 (the rounding boundary of
    # the next 0.01) plus the 0.0001 safety margin: i3 (20 points per share) fully, then 29.0051 more at 15 per share
    p = county_gap(tiny, "U1", 2023).path
    assert p.goal == "leave_bottom" and p.feasible and p.goal_met
    assert p.required_points == pytest.approx(49)
    assert p.total_effort == pytest.approx(1 + 29.0051 / 15, abs=1e-6)
    steps = p.steps.set_index("indicator")
    assert steps.loc["i3", "share_of_gap"] == pytest.approx(1.0)
    assert steps.loc["i3", "new_value"] == pytest.approx(20000)
    assert steps["points_gained"].sum() == pytest.approx(49.0051, abs=1e-6)
    assert p.rescored_total == 101.01  # as published
    assert p.rescored_rank_category == 1


def test_programme_handles_indicators_short_of_the_goalpost():
    # indicator 0: 30 with goalpost 50, target 100, 10 points: the first 2/7 of the gap earns nothing
    # indicator 1: 90 (attainment 0.8), 10 points: at most 2 points at 2 points per share
    # need 5: only indicator 0 alone -> v = (5/10)(5/7) = 5/14, share = 2/7 + 5/14 = 9/14 (effort 0.643)
    # mixing costs more: 1 + (2/7 + 3/14) = 1.5
    share, gain, ok = cheapest_path_arrays(np.array([30.0, 90.0]), np.array([100.0, 100.0]), np.array([50.0, 50.0]), np.array([10.0, 10.0]), 5.0)
    assert ok
    np.testing.assert_allclose(share, [9 / 14, 0.0], atol=1e-7)
    np.testing.assert_allclose(gain, [5.0, 0.0], atol=1e-7)
    # lower-is-better short of the goalpost: 4.0 with goalpost 3.0 and target 2.0 -> s = 1/2
    share, gain, ok = cheapest_path_arrays(np.array([4.0]), np.array([2.0]), np.array([3.0]), np.array([8.0]), 4.0)
    np.testing.assert_allclose(share, [0.75], atol=1e-7)  # 0.5 to reach the goalpost + 0.5 * 0.5
    # infeasible: everything to target gains 10 + 2 < 20
    share, gain, ok = cheapest_path_arrays(np.array([30.0, 90.0]), np.array([100.0, 100.0]), np.array([50.0, 50.0]), np.array([10.0, 10.0]), 20.0)
    assert not ok and list(share) == [1.0, 1.0] and gain.sum() == pytest.approx(12)
    # missing values are left out
    share, gain, ok = cheapest_path_arrays(np.array([np.nan, 90.0]), np.array([100.0, 100.0]), np.array([50.0, 50.0]), np.array([10.0, 10.0]), 1.0)
    np.testing.assert_allclose(share, [0.0, 0.5])


def test_every_flagged_unit_path_is_checked_by_rescoring(demo):
    ds, res = demo
    flagged = res.units[res.units["warning_talk"]]["code"].tolist()
    assert len(flagged) >= 6
    for code in flagged:
        g = county_gap(ds, code, 2023, result=res)
        p = g.path
        assert p.goal == "leave_bottom"
        assert p.feasible and p.goal_met, code
        assert p.rescored_total > g.standing.total + g.standing.points_to_leave_bottom
        # exactly the gain that carries the exact total to the rounding boundary above the line, plus the margin
        line = g.standing.total + g.standing.points_to_leave_bottom
        needed = line + 0.005 - g.unit["total_exact"] + STRICT_MARGIN
        assert p.steps["points_gained"].sum() == pytest.approx(needed, abs=1e-6)
        assert ((p.steps["share_of_gap"] > 0) & (p.steps["share_of_gap"] <= 1 + 1e-9)).all()


def test_points_to_leave_bottom_is_exact(demo):
    ds, res = demo
    k = ds.framework.warning_talk.per_category
    for code in res.units[res.units["warning_talk"]]["code"]:
        st = county_gap(ds, code, 2023, result=res).standing
        cat = res.units[res.units["category"] == res.units.set_index("code").loc[code, "category"]]
        scores = cat["total"].to_numpy().copy()
        i = int(np.flatnonzero(cat["code"].to_numpy() == code)[0])
        scores[i] += st.points_to_leave_bottom + 1e-6
        assert not bottom_flags(scores, np.zeros(len(scores), int), k)[i]
        scores[i] -= 2e-6
        assert bottom_flags(scores, np.zeros(len(scores), int), k)[i]


def test_safe_unit_path_passes_the_next_unit(demo):
    ds, res = demo
    home = res.units[res.units["city"] == "青岚市"]
    for code in home["code"]:
        g = county_gap(ds, code, 2023, result=res)
        st = g.standing
        if st.rank_category == 1:
            assert g.path is None
            continue
        assert g.path.goal == ("leave_bottom" if st.warning_talk else "pass_next")
        assert g.path.goal_met and g.path.rescored_rank_category < st.rank_category
        assert st.margin_above_bottom > 0 or st.warning_talk


def test_gap_tables_are_consistent_with_the_score(demo):
    ds, res = demo
    code = res.units["code"].iat[40]
    g = county_gap(ds, code, 2023, result=res)
    assert g.indicators["obstacle"].sum() == pytest.approx(1.0)
    assert g.dimensions["obstacle"].sum() == pytest.approx(1.0)
    assert published(g.indicators["points"].sum(), 2) == g.unit["base"]  # the base score as published
    np.testing.assert_allclose(g.dimensions["points"] + g.dimensions["points_lost"], g.dimensions["max_points"])
    # obstacle degree = share of all points lost
    lost = g.indicators["points_lost"].to_numpy()
    np.testing.assert_allclose(g.indicators["obstacle"], lost / lost.sum())
    ind = g.indicators.dropna(subset=["value_last_year"])
    np.testing.assert_allclose(ind["change"], ind["value"] - ind["value_last_year"])
    assert len(g.indicators) == len(ds.framework.indicators)


def test_no_path_for_other_methods_and_unknown_units(demo):
    ds, _ = demo
    code = "990123"
    assert county_gap(ds, code, 2023, ScoringOptions(aggregation="geometric")).path is None
    with pytest.raises(InputError, match="not assessed in 2022"):
        county_gap(ds, "990103", 2022)  # joined 2023
    with pytest.raises(InputError, match="unit 'nope'"):
        county_gap(ds, "nope", 2023)


def test_schedule_progress_by_hand():
    # higher: from 80 towards 90; by June 86 is 60 % of the way (calendar 50 %): ahead; expected 85
    p, e = schedule_progress(np.array([86.0]), np.array([80.0]), np.array([90.0]), 6)
    assert p[0] == pytest.approx(0.6) and e[0] == pytest.approx(85)
    # lower: from 30 towards 28; by March 29.8 is 10 % of the way (calendar 25 %): behind; expected 29.5
    p, e = schedule_progress(np.array([29.8]), np.array([30.0]), np.array([28.0]), 3, False)
    assert p[0] == pytest.approx(0.1) and e[0] == pytest.approx(29.5)
    # already at target last year: no way to go; 1 while it still meets it, else 0; expected = target
    p, e = schedule_progress(np.array([95.0, 85.0]), np.array([92.0, 92.0]), np.array([90.0, 90.0]), 6, True)
    np.testing.assert_allclose(p, [1.0, 0.0])
    np.testing.assert_allclose(e, [90.0, 90.0])
    p, _ = schedule_progress(np.array([2.5]), np.array([2.2]), np.array([2.39]), 6, np.array([False]))
    assert p[0] == 0.0  # lower is better: 2.2 already met 2.39, 2.5 no longer does
    with pytest.raises(ValueError):
        schedule_progress(np.array([1.0]), np.array([1.0]), np.array([2.0]), 13)


def test_schedule_table_from_a_file(demo, tmp_path):
    ds, res = demo
    code = "990123"
    g = county_gap(ds, code, 2023, result=res)
    ind = g.indicators.set_index("indicator")
    base, target = ind.loc["rural_income", "value_last_year"], ind.loc["rural_income", "target"]
    behind = base + 0.1 * (target - base)
    ahead = base + 0.9 * (target - base)
    path = tmp_path / "ytd.csv"
    path.write_text(
        "code,indicator,year,month,value\n"
        f"{code},rural_income,2023,3,{behind}\n{code},rural_income,2023,6,{ahead}\n{code},engel_coefficient,2023,6,1\n",
        encoding="utf-8",
    )
    table = schedule_table(g, ds, load_ytd(path, ds)).set_index("indicator")
    assert table.loc["rural_income", "month"] == 6  # the latest report counts
    assert table.loc["rural_income", "status"] == ("ahead" if target > base else "met")
    assert table.loc["rural_income", "progress"] == pytest.approx(0.9)
    assert table.loc["engel_coefficient", "status"] == "met"  # 1 % is below any Engel target
    bad = tmp_path / "bad.csv"
    bad.write_text("code,indicator,year,month,value\nX,rural_income,2023,14,abc\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_ytd(bad, ds)
    text = "\n".join(map(str, info.value.problems))
    assert f"{bad}, row 2, column 'code': unknown unit code 'X' (not in the register)" in text
    assert f"{bad}, row 2, column 'month': expected a month 1..12, found '14'" in text
    assert f"{bad}, row 2, column 'value': expected a number, found text 'abc'" in text


def ytd_problems(ds, tmp_path, body: str) -> list[str]:
    path = tmp_path / "ytd.csv"
    path.write_text("code,indicator,year,month,value\n" + body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_ytd(path, ds)
    return [str(p).replace(f"{path}, ", "") for p in info.value.problems]


def test_ytd_values_are_checked_like_the_main_values(demo, tmp_path):
    ds, _ = demo
    got = ytd_problems(ds, tmp_path, (
        "990123,tap_water,2023,6,250\n"        # row 2: impossible percentage
        "990123,tap_water,2023,6,80\n"         # row 3: the same report again, with another value
        "990123,rural_income,2023,6,inf\n"     # row 4: not finite
        "990123,grain_task,2023,6,nan\n"       # row 5: no value
        "990123,sewage_treatment,2023,6,60\n"  # row 6
        "990123,sewage_treatment,2023,6,61\n"  # row 7: same unit, indicator, year and month again
        "990123,sewage_treatment,2023,twelve,61\n"  # row 8
        "990123,return_to_poverty,2023,6,1\n"  # row 9: not an indicator
    ))
    assert got == [
        "row 2, column 'value': 250 % for 'tap_water' is impossible (expected a value in [0, 100])",
        "row 3: duplicate year-to-date value for unit '990123', indicator 'tap_water', 2023 month 6 (first at row 2)",
        "row 4, column 'value': expected a finite number, found 'inf'",
        "row 5, column 'value': no value (expected the year-to-date value; leave out what was not reported)",
        "row 7: duplicate year-to-date value for unit '990123', indicator 'sewage_treatment', 2023 month 6 (first at row 6)",
        "row 8, column 'month': expected a month 1..12, found 'twelve'",
        "row 9, column 'indicator': unknown indicator id 'return_to_poverty' (not an indicator of the framework)",
    ]


def test_ytd_reads_numbers_as_the_main_values_do(demo, tmp_path):
    ds, _ = demo
    path = tmp_path / "ytd.csv"
    path.write_text('code,indicator,year,month,value\n990123,rural_income,2023,6,"21,234"\n990123,tap_water,2023,6,91.5%\n', encoding="utf-8")
    table = load_ytd(path, ds)
    assert table["value"].tolist() == [21234.0, 91.5]
    assert table.columns.tolist() == ["code", "indicator", "year", "month", "value"]


def test_ytd_excel_errors_are_reported(demo, tmp_path):
    import openpyxl

    ds, _ = demo
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["code", "indicator", "year", "month", "value"])
    ws.append(["990123", "tap_water", 2023, 6, "#N/A"])
    ws.append([990123, "tap_water", 2023, 9, 0.915])
    ws.cell(row=3, column=5).number_format = "0.0%"
    path = tmp_path / "ytd.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as info:
        load_ytd(path, ds)
    assert [str(p) for p in info.value.problems] == [f"{path}, row 2, column 'value': Excel error #N/A (expected a value)"]
    ws.delete_rows(2)
    wb.save(path)
    assert load_ytd(path, ds)["value"].tolist() == [pytest.approx(91.5)]


def test_schedule_table_takes_the_last_report_of_the_latest_month(demo):
    ds, res = demo
    code = "990123"
    g = county_gap(ds, code, 2023, result=res)
    # hand-built (load_ytd refuses duplicates): many rows in the same month, the last one in the table counts
    n = 100
    months = np.random.default_rng(0).choice([3, 6], n)
    months[-1] = 3
    ytd = pd.DataFrame({"code": code, "indicator": "tap_water", "year": 2023, "month": months, "value": np.arange(n) * 0.5})
    last = ytd[ytd["month"] == 6]["value"].iloc[-1]
    table = schedule_table(g, ds, ytd).set_index("indicator")
    assert table.loc["tap_water", "month"] == 6
    assert table.loc["tap_water", "ytd"] == last
