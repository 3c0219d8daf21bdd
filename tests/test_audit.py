"""The data audit: each rule on hand-worked cases, errors planted into clean demo data, the outputs.

"Clean" demo data = the committed demo values with the generator's planted
outliers (``zhenxing.demo.planted_outliers``) put back to their clean values.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhenxing import demo
from zhenxing.audit import AuditOptions, audit_dataset, audit_files, write_audit_workbook
from zhenxing.audit.robust import robust_spread, robust_z
from zhenxing.audit.scale import nearest_power, power_of_ten
from zhenxing.cli import main
from zhenxing.data import Dataset
from zhenxing.errors import InputError
from zhenxing.framework import framework_from_dict
from zhenxing.io import write_files

from .conftest import tiny_framework_dict

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def tiny_ds(by_year: dict[int, list[list[float]]]) -> Dataset:
    """The tiny framework (i1 %, i2 ratio, i3 元) with one unit per row, all in category a."""
    fw = framework_from_dict(tiny_framework_dict())
    n = len(next(iter(by_year.values())))
    reg = pd.DataFrame({"code": [f"U{k:02d}" for k in range(n)], "name_zh": [f"县{k}" for k in range(n)], "name_en": "",
                        "city": "X市", "city_en": "X", "category": "a", "is_district": False, "joined": 2020})
    rows = [(f"U{k:02d}", ind, year, float(v)) for year, table in by_year.items() for k, row in enumerate(table)
            for ind, v in zip(fw.indicator_ids, row)]
    return Dataset(fw, reg, pd.DataFrame(rows, columns=["code", "indicator", "year", "value"]))


def reference_z(x: list[float]) -> list[float]:
    """Robust z written out with the statistics module: (x - median) / (1.4826 MAD)."""
    med = statistics.median(x)
    mad = statistics.median([abs(v - med) for v in x])
    return [(v - med) / (1.4826 * mad) for v in x]


def with_values(ds: Dataset, changes: pd.DataFrame) -> Dataset:
    """``ds`` with the cells of ``changes`` (code, indicator, year, value) replaced."""
    v = ds.values.merge(changes.rename(columns={"value": "_new"}), on=["code", "indicator", "year"], how="left")
    v["value"] = v["_new"].where(v["_new"].notna(), v["value"])
    return Dataset(ds.framework, ds.register, v.drop(columns="_new"))


def cells(result, check: str | None = None) -> set[tuple[int, str, str]]:
    f = result.flags if check is None else result.flags[result.flags["check"] == check]
    return set(zip(f["year"], f["code"], f["indicator"]))


@pytest.fixture(scope="module")
def clean(ds):
    planted = demo.planted_outliers(ds.framework)
    return with_values(ds, planted.drop(columns="value").rename(columns={"clean_value": "value"}))


# ---------------------------------------------------------------------------
# robust statistics, hand-worked
# ---------------------------------------------------------------------------


def test_robust_z_by_hand():
    # median 3, |x - 3| = 2 1 0 1 97, MAD = 1, sigma = 1.4826
    z = robust_z(np.array([1.0, 2, 3, 4, 100]))
    assert z == pytest.approx([-2 / 1.4826, -1 / 1.4826, 0, 1 / 1.4826, 97 / 1.4826])
    assert z == pytest.approx(reference_z([1, 2, 3, 4, 100]))


def test_mad_zero_falls_back_to_the_mean_absolute_deviation():
    # median 5, MAD 0, MeanAD = 4 / 5 = 0.8, sigma = 1.253314 * 0.8
    med, sigma = robust_spread(np.array([5.0, 5, 5, 5, 9]))
    assert (med, sigma) == (5.0, pytest.approx(1.253314 * 0.8))
    assert robust_z(np.array([5.0, 5, 5, 5, 9]))[-1] == pytest.approx(4 / (1.253314 * 0.8))
    assert list(robust_z(np.array([7.0, 7, 7]))) == [0, 0, 0]  # nothing stands out
    assert np.isnan(robust_z(np.array([1.0, np.nan, 2, 3])))[1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=5, max_size=30), st.floats(0.01, 100), st.floats(-1e3, 1e3))
def test_robust_z_ignores_units_and_origin(x, a, b):
    x = np.array(x)
    if robust_spread(x)[1] < 1e-6:
        return
    assert robust_z(a * x + b) == pytest.approx(robust_z(x), rel=1e-6, abs=1e-6)


def test_powers_of_ten():
    assert power_of_ten(1 / 10000, 0.25) == -4 and power_of_ten(0.0094, 0.25) == -2 and power_of_ten(12.4, 0.25) == 1
    assert power_of_ten(12.6, 0.25) is None and power_of_ten(4.0, 0.25) is None and power_of_ten(1.1, 0.25) is None
    assert power_of_ten(1e5, 0.25) is None  # beyond ×10,000
    assert nearest_power(19.9, 2.0) == 1 and nearest_power(21, 2.0) is None and nearest_power(5.0, 2.0) == 1
    assert nearest_power(4.9, 2.0) is None and nearest_power(0.011, 2.0) == -2


# ---------------------------------------------------------------------------
# each rule on a small case
# ---------------------------------------------------------------------------

BASE = [[50 + k, 2.0 + 0.05 * k, 15000 + 500 * k] for k in range(12)]


def test_category_outlier_at_the_boundary():
    # i1 of 1..7 and X (the largest): median 4.5, MAD 2, so M = (X - 4.5) / (1.4826 * 2); M = 3.5 at X = 14.8782
    def run(x):
        rows = [[v, 2.0 + 0.1 * v, 15000 + 100 * v] for v in (1, 2, 3, 4, 5, 6, 7)] + [[x, 2.0, 15000]]
        return audit_dataset(tiny_ds({2023: rows}))

    above, below = run(14.89), run(14.87)
    f = above.flags[above.flags["check"] == "outlier"]
    assert list(zip(f["code"], f["indicator"])) == [("U07", "i1")]
    assert f["statistic"].iloc[0] == pytest.approx((14.89 - 4.5) / (1.4826 * 2))
    assert f["reference"].iloc[0] == 4.5 and f["threshold"].iloc[0] == 3.5
    assert ("U07", "i1") not in set(zip(below.flags["code"], below.flags["indicator"]))
    # a looser threshold leaves 14.89 alone, a stricter one flags 14.87
    rows = [[v, 2.0 + 0.1 * v, 15000 + 100 * v] for v in (1, 2, 3, 4, 5, 6, 7)] + [[14.89, 2.0, 15000]]
    assert audit_dataset(tiny_ds({2023: rows}), options=AuditOptions(outlier_z=3.6)).flags.empty
    rows[-1][0] = 14.87
    strict = audit_dataset(tiny_ds({2023: rows}), options=AuditOptions(outlier_z=3.4)).flags
    assert list(zip(strict["code"], strict["indicator"], strict["check"])) == [("U07", "i1", "outlier")]


def test_change_z_by_hand_and_in_percentage_points():
    # i1 changes by 0, 1, ..., 10 points and one unit by +40: median 5.5, MAD 3, z(40) = 34.5 / (1.4826 * 3) = 7.757
    d = list(range(11)) + [40]
    y22 = [[50, 2.0 + 0.05 * k, 15000 + 500 * k] for k in range(12)]
    y23 = [[50 + d[k], 2.0 + 0.05 * k + 0.01 * (k % 4 + 1), (15000 + 500 * k) * (1.04 + 0.002 * (k % 5))] for k in range(12)]
    r = audit_dataset(tiny_ds({2022: y22, 2023: y23}))
    f = r.flags[r.flags["check"] == "change"]
    assert list(zip(f["year"], f["code"], f["indicator"])) == [(2023, "U11", "i1")]
    assert f["statistic"].iloc[0] == pytest.approx(reference_z(d)[-1]) == pytest.approx(34.5 / (1.4826 * 3))
    assert (f["value"].iloc[0], f["reference"].iloc[0], f["reference_year"].iloc[0]) == (90, 50, 2022)
    assert "+40 个百分点" in f["message_zh"].iloc[0] and "+40 points" in f["message_en"].iloc[0]
    # at the threshold: not flagged (strictly above); just below it: flagged
    at = audit_dataset(tiny_ds({2022: y22, 2023: y23}), options=AuditOptions(change_z=34.5 / (1.4826 * 3) + 1e-9)).flags
    assert list(at["check"]) == ["outlier"]  # then only the category sees it
    assert list(audit_dataset(tiny_ds({2022: y22, 2023: y23}), options=AuditOptions(change_z=7.75)).flags["check"]) == ["change"]
    assert r.years == [2022, 2023]


def test_change_of_a_level_is_a_log_ratio_and_mad_zero_still_flags():
    # i3 (元) grows by 5 % everywhere but one unit, +60 %: MAD of the log ratios is 0, MeanAD takes over
    y22 = [[50 + k, 2.0, 15000 + 500 * k] for k in range(12)]
    y23 = [[50 + k + 1 + 0.1 * (k % 3), 2.0, (15000 + 500 * k) * (1.6 if k == 3 else 1.05)] for k in range(12)]
    r = audit_dataset(tiny_ds({2022: y22, 2023: y23}))
    f = r.flags[r.flags["check"] == "change"]
    assert list(zip(f["code"], f["indicator"])) == [("U03", "i3")]
    d = np.log(np.array([row[2] for row in y23]) / np.array([row[2] for row in y22]))
    med = np.median(d)
    assert f["statistic"].iloc[0] == pytest.approx((d[3] - med) / (1.253314 * np.mean(np.abs(d - med))))
    assert "+60%" in f["message_zh"].iloc[0]
    # i2 is identical for everyone (a value repeated by all): never a copied-forward flag
    assert "copied" not in set(r.flags["check"])


def test_first_year_has_no_change_check_and_other_years_compare_with_the_previous_present():
    y = {2019: BASE, 2021: [[v[0] + 1, v[1], v[2] * 1.05] for v in BASE]}
    y[2023] = [list(v) for v in y[2021]]
    y[2023][5] = [y[2021][5][0] + 30, y[2021][5][1], y[2021][5][2]]
    r = audit_dataset(tiny_ds(y))
    f = r.flags[r.flags["check"] == "change"]
    assert list(zip(f["year"], f["code"], f["indicator"], f["reference_year"])) == [(2023, "U05", "i1", 2021)]
    only = audit_dataset(tiny_ds(y), years=[2021])
    assert only.years == [2021] and "change" not in set(only.flags["check"])
    with pytest.raises(InputError, match="no data for 2020"):
        audit_dataset(tiny_ds(y), years=[2020])


def test_scale_slip_against_last_year_is_named():
    y23 = [[v[0] + 1 + 0.1 * (k % 3), v[1] + 0.01 * (k % 4 + 1), v[2] * (1.04 + 0.002 * (k % 5))] for k, v in enumerate(BASE)]
    y23[2][2] = BASE[2][2] * 1.04 / 10000  # 元 written in 万元
    y23[4][0] = (BASE[4][0] + 1) / 100  # 55 % written as 0.55
    r = audit_dataset(tiny_ds({2022: BASE, 2023: y23}))
    f = r.flags.set_index(["code", "indicator"])
    assert f.loc[("U02", "i3"), "check"] == "scale" and f.loc[("U02", "i3"), "kind"] == "10^-4"
    assert f.loc[("U02", "i3"), "message_zh"].startswith("疑似以万元填报（应为元）")
    assert "instead of 元" in f.loc[("U02", "i3"), "message_en"]
    assert f.loc[("U02", "i3"), "statistic"] == pytest.approx(1.04 / 10000)
    assert f.loc[("U04", "i1"), "kind"] == "share" and "比例" in f.loc[("U04", "i1"), "message_zh"]
    assert set(r.flags["check"]) == {"scale"}  # the same cells are not flagged again as changes or outliers


def test_scale_slip_in_the_first_year_against_the_category_median():
    rows = [list(v) for v in BASE]
    rows[7][2] = BASE[7][2] / 10000
    rows[8][0] = 0.58  # a share: the category median is 55.5
    r = audit_dataset(tiny_ds({2023: rows}))
    f = r.flags.set_index(["code", "indicator"])
    assert f.loc[("U07", "i3"), "kind"] == "10^-4" and "中位数" in f.loc[("U07", "i3"), "message_zh"]
    assert f.loc[("U08", "i1"), "kind"] == "share"
    assert len(r.flags) == 2


def test_copied_forward_unit_and_the_bounds_that_do_not_count():
    rng = np.random.default_rng(1)
    y22 = [[50 + k, 2.0 + 0.05 * k, 15000 + 500 * k] for k in range(12)]
    y23 = [[v[0] + rng.uniform(1, 2), v[1] + rng.uniform(0.01, 0.02), v[2] * rng.uniform(1.04, 1.06)] for v in y22]
    y23[6] = list(y22[6])
    r = audit_dataset(tiny_ds({2022: y22, 2023: y23}), options=AuditOptions(copied_min_indicators=3))
    f = r.flags[r.flags["check"] == "copied"]
    assert list(f["code"]) == ["U06"] and f["statistic"].iloc[0] == 1.0 and f["indicator"].iloc[0] == ""
    assert set(r.cells[r.cells["check"] == "copied"]["indicator"]) == {"i1", "i2", "i3"}
    # fewer comparable indicators than copied_min_indicators (5 by default): no verdict
    assert "copied" not in set(audit_dataset(tiny_ds({2022: y22, 2023: y23})).flags["check"])
    # 100 % (a bound) repeated is not copying
    y22b = [list(v) for v in y22]
    y23b = [list(v) for v in y23]
    y22b[6][0] = y23b[6][0] = 100.0
    r = audit_dataset(tiny_ds({2022: y22b, 2023: y23b}), options=AuditOptions(copied_min_indicators=3))
    assert "copied" not in set(r.flags["check"])
    two = audit_dataset(tiny_ds({2022: y22b, 2023: y23b}), options=AuditOptions(copied_min_indicators=2)).flags
    assert list(two.loc[two["check"] == "copied", "code"]) == ["U06"]  # i2 and i3 still identical


def test_coverage_below_65_percent(clean):
    fw = clean.framework
    y = 2023
    codes = list(clean.register.loc[clean.register["joined"] <= y, "code"])
    n = len(codes)
    keep = math.ceil(0.65 * n)  # exactly at (or just above) 65 %: not flagged; one fewer: flagged
    for present, flagged in ((keep, False), (keep - 1, True)):
        gone = pd.DataFrame({"code": codes[present:], "indicator": "tap_water", "year": y, "value": np.nan})
        v = clean.values.merge(gone, on=["code", "indicator", "year"], how="left", suffixes=("", "_x"))
        v.loc[v["value_x"].isna() & v["code"].isin(codes[present:]) & (v["indicator"] == "tap_water") & (v["year"] == y), "value"] = np.nan
        thin = Dataset(fw, clean.register, v.drop(columns="value_x"))
        r = audit_dataset(thin, years=[y])
        cov = r.coverage_indicators.set_index("indicator").loc["tap_water"]
        assert (cov["n_expected"], cov["n_present"]) == (n, present)
        f = r.flags[(r.flags["check"] == "coverage") & (r.flags["indicator"] == "tap_water")]
        assert len(f) == int(flagged), (present, n)
        dep = r.missing_by_department.set_index("department").loc["water"]
        assert dep["n_missing"] == n - present + int(clean.values.query("year == @y and indicator != 'tap_water'")
                                                      .merge(pd.DataFrame({"indicator": [i.id for i in fw.indicators
                                                                                         if fw.department_of_input[i.id].id == "water"]}))
                                                      ["value"].isna().sum())


def test_unit_coverage_and_missing_by_source(clean):
    fw = clean.framework
    code = "990123"
    ids = fw.indicator_ids[:14]  # 23 of 37 left: 62 %
    gone = pd.DataFrame({"code": code, "indicator": ids, "year": 2023, "value": np.nan})
    v = clean.values.copy()
    hit = v.set_index(["code", "indicator", "year"]).index.isin(gone.set_index(["code", "indicator", "year"]).index)
    v.loc[hit, "value"] = np.nan
    thin = Dataset(fw, clean.register, v)
    submitted = thin.values.assign(file="values.csv", source=np.where(thin.values["code"] == code, "县统计局报表", "部门报送"))
    object.__setattr__(thin, "submitted", submitted)
    r = audit_dataset(thin, years=[2023])
    f = r.flags[(r.flags["check"] == "coverage") & (r.flags["code"] == code)]
    assert len(f) == 1 and f["statistic"].iloc[0] == pytest.approx(23 / 37)
    assert set(r.cells[r.cells["check"] == "coverage"]["indicator"]) >= set(ids)
    by = r.missing_by_department
    assert by[by["source"] == "县统计局报表"]["n_missing"].sum() >= 14
    assert by["n_missing"].sum() == int(thin.values.query("year == 2023").merge(
        pd.DataFrame({"indicator": fw.indicator_ids}))["value"].isna().sum())


def test_bad_thresholds_are_refused_with_their_name():
    with pytest.raises(InputError) as exc:
        AuditOptions(change_z=0, coverage_min=1.5, outlier_min_units=2, copied_share=float("nan")).check()
    assert [p.where for p in exc.value.problems] == ["change_z", "copied_share", "outlier_min_units", "coverage_min"]
    assert AuditOptions().check() == AuditOptions()


# ---------------------------------------------------------------------------
# the demo: clean data, planted errors, the demo's own outliers
# ---------------------------------------------------------------------------


def test_clean_demo_raises_few_false_flags(clean):
    r = audit_dataset(clean)
    n = len(r.flags)
    # measured: 4 flags on 7,212 values (0.06 %), all category outliers in the tails of bounded or skewed
    # indicators (without the persistence rule: 36, the units that are simply unusual year after year)
    assert n <= 0.001 * r.n_values, n
    assert set(r.flags["check"]) <= {"outlier", "change"}
    assert not (r.flags["severity"] == "error").any()


def test_demo_planted_outliers_are_found(ds):
    planted = demo.planted_outliers(ds.framework)
    r = audit_dataset(ds)
    found = {(int(y), c, i) for y, c, i in zip(planted["year"], planted["code"], planted["indicator"])} & cells(r)
    # measured: 19 of 22; the three missed lie within their category's ordinary spread: a growth rate
    # (lifted_income_growth 2022, modified z -2.0), a value pushed past 100 % and put back near it
    # (produce_quality 2023, 99.9 %), and agri_spending_growth 2022 (modified z 2.95)
    assert len(found) >= 0.85 * len(planted), (len(found), len(planted))


def _plant(clean: Dataset, seed: int = 7, n: int = 6) -> tuple[Dataset, dict[str, list[tuple[int, str, str]]]]:
    """Errors of each kind at seeded random places: (the data, kind -> the cells planted)."""
    rng = np.random.default_rng(seed)
    fw = clean.framework
    v = clean.values.set_index(["code", "indicator", "year"])["value"]
    both = [c for c in clean.register["code"] if clean.register.set_index("code").at[c, "joined"] <= 2022]
    used: set[tuple[str, str]] = set()
    planted: dict[str, list[tuple[int, str, str]]] = {}
    changes = []

    def pick(inds, ok, years=(2022, 2023)):
        while True:
            code, ind, year = str(rng.choice(both)), str(rng.choice(inds)), int(rng.choice(years))
            x = v.get((code, ind, year))
            if (code, ind) not in used and x is not None and not np.isnan(x) and ok(x, ind, code):
                used.add((code, ind))
                return code, ind, year, float(x)

    def put(kind, code, ind, year, new):
        lo, hi = fw.indicator_by_id[ind].valid_range
        assert lo <= new <= hi  # intake would accept it
        changes.append((code, ind, year, new))
        planted.setdefault(kind, []).append((year, code, ind))

    pct = [i.id for i in fw.indicators if i.unit == "%" and i.valid_range[0] >= 0]
    levels = ["fertiliser_intensity", "processing_ratio", "income_ratio", "rural_income"]
    for _ in range(n):
        code, ind, year, x = pick(["rural_income"], lambda x, i, c: True)
        put("wan_yuan", code, ind, year, round(x / 10000, 4))
        code, ind, year, x = pick(pct, lambda x, i, c: x >= 20)
        put("share", code, ind, year, round(x / 100, 4))
        code, ind, year, x = pick(levels, lambda x, i, c: True)
        put("x10", code, ind, year, x * 10)
        code, ind, year, x = pick(levels, lambda x, i, c: True)
        put("x100", code, ind, year, x * 100)
        # +300 %, where it stays in range and is not also about ten times last year's value (that reads as a slip)
        code, ind, year, x = pick(levels + pct, lambda x, i, c: 4 * x <= fw.indicator_by_id[i].valid_range[1]
                                  and 4 * x / v[(c, i, 2022)] < 7, years=(2023,))
        put("plus300", code, ind, year, 4 * x)
    for _ in range(n):  # a far outlier: 12 category spreads off, on an indicator with room for it
        code, ind, year, x = pick(["sewage_treatment", "service_stations", "elderly_care", "collective_income_100k"],
                                  lambda x, i, c: x < 40)
        put("outlier", code, ind, year, min(99.0, x + 55.0))
    copied_units = [c for c in rng.permutation(both) if not any(c == u for u, _ in used)][:3]
    for code in copied_units:
        for ind in fw.indicator_ids:
            x = v.get((code, ind, 2022))
            if x is not None and not np.isnan(x):
                changes.append((code, ind, 2023, float(x)))
        planted.setdefault("copied", []).append((2023, str(code), ""))
    return with_values(clean, pd.DataFrame(changes, columns=["code", "indicator", "year", "value"])), planted


EXPECTED_CHECK = {"wan_yuan": {"scale"}, "share": {"scale"}, "x10": {"scale"}, "x100": {"scale"}, "plus300": {"change"},
                  "outlier": {"outlier", "change"}, "copied": {"copied"}}


@pytest.fixture(scope="module")
def planted(clean):
    data, where = _plant(clean)
    return data, where, audit_dataset(data)


def test_planted_errors_are_found_and_named(planted):
    _, where, r = planted
    f = r.flags.set_index(["year", "code", "indicator"])
    for kind, places in where.items():
        got = [f.loc[[p]] for p in places if p in f.index]
        named = [g for g in got if set(g["check"]) & EXPECTED_CHECK[kind]]
        # measured: every planted error found and named (6 of 6 per kind, 3 of 3 copied units)
        assert len(named) == len(places), (kind, len(got), len(named), len(places))
    for p in where["wan_yuan"]:
        assert f.loc[[p], "message_zh"].str.contains("疑似以万元填报（应为元）").any()
        assert (f.loc[[p], "kind"] == "10^-4").any()
    for p in where["share"]:
        assert (f.loc[[p], "kind"] == "share").any()
    for p in where["x10"]:
        assert (f.loc[[p], "kind"] == "10^1").any()
    for p in where["x100"]:
        assert (f.loc[[p], "kind"] == "10^2").any()


def test_planted_errors_add_few_other_flags(planted, clean):
    data, where, r = planted
    base = cells(audit_dataset(clean))
    placed = {p for places in where.values() for p in places}
    copied = {(y, c) for y, c, _ in where["copied"]}
    extra = {c for c in cells(r) - base - placed if (c[0], c[1]) not in copied}
    # a planted value also moves its category's median a little, and a slip in 2023 leaves 2022 ordinary
    assert len(extra) <= 5, sorted(extra)


# ---------------------------------------------------------------------------
# outputs: the workbook, the command line
# ---------------------------------------------------------------------------


def _files(tmp_path, data: Dataset):
    reg, val = tmp_path / "register.csv", tmp_path / "values.csv"
    data.register.to_csv(reg, index=False)
    data.values.to_csv(val, index=False)
    return reg, val


def test_workbook_sheets_fills_and_comments(planted, tmp_path):
    _, where, r = planted
    path = write_audit_workbook(r, tmp_path / "audit.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明", "单位量级", "变化异常", "照抄上年", "类内离群", "覆盖率不足", "覆盖率-指标", "覆盖率-单位",
                             "缺失-部门", "数值2022", "数值2023"]
    assert wb["单位量级"].max_row == 1 + int((r.flags["check"] == "scale").sum())
    assert wb["单位量级"].freeze_panes == "A2" and wb["数值2023"].freeze_panes == "E2"
    fw = r.framework
    for year in (2022, 2023):
        ws = wb[f"数值{year}"]
        rows = {ws.cell(k, 1).value: k for k in range(2, ws.max_row + 1)}
        for (y, code, ind) in where["wan_yuan"] + where["share"]:
            if y != year:
                continue
            cell = ws.cell(rows[code], 5 + fw.indicator_ids.index(ind))
            assert cell.fill.fgColor.rgb.endswith("FFC7CE"), (code, ind)
            assert "疑似" in cell.comment.text
        marked = set(zip(r.cells["year"], r.cells["code"], r.cells["indicator"]))
        n_marked = 0
        for code, k in rows.items():
            for j, ind in enumerate(fw.indicator_ids):
                cell = ws.cell(k, 5 + j)
                if (year, code, ind) in marked:
                    n_marked += 1
                    assert cell.comment is not None and cell.fill.fgColor.rgb[-6:] in ("FFC7CE", "FFEB9C")
                else:
                    assert cell.comment is None and cell.fill.fill_type is None, (code, ind)
        assert n_marked == len({m for m in marked if m[0] == year}) > 0
    en = openpyxl.load_workbook(write_audit_workbook(r, tmp_path / "audit_en.xlsx", "en"))
    assert en.sheetnames[0] == "Summary" and en["Scale slips"].cell(1, 1).value == "Year"


def test_cli_writes_the_files_and_strict_fails(tmp_path, planted, capsys):
    data, _, r = planted
    reg, val = _files(tmp_path, data)
    out = tmp_path / "out"
    assert main(["audit", "--register", str(reg), "--values", str(val), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "数据核查" in printed and "疑似以万元填报（应为元）" in printed and "wrote" in printed
    for name in ("audit_flags.csv", "audit_coverage_indicators.csv", "audit_coverage_units.csv", "audit_missing_by_department.csv",
                 "audit.xlsx"):
        assert (out / name).is_file(), name
    flags = pd.read_csv(out / "audit_flags.csv", dtype={"code": str})
    assert len(flags) == len(r.flags) and set(flags["check"]) == set(r.flags["check"])
    assert main(["audit", "--register", str(reg), "--values", str(val), "--out", str(out), "--strict", "--quiet", "--lang", "en"]) == 1
    assert "--strict" in capsys.readouterr().out
    # thresholds from the command line: nothing is far enough off at these, so even --strict passes
    loose = ["--change-z", "1e6", "--outlier-z", "1e6", "--copied-min-indicators", "1000", "--coverage-min", "0.01", "--scale-tolerance", "0.01",
             "--scale-category-factor", "1.01", "--share-max", "0.001"]
    assert main(["audit", "--register", str(reg), "--values", str(val), "--out", str(out), "--strict", "--format", "csv", *loose]) == 0


def test_cli_on_the_demo(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["audit", "--out", str(out), "--format", "xlsx", "--year", "2023"]) == 0
    printed = capsys.readouterr().out
    assert "2023" in printed and (out / "audit.xlsx").is_file() and not (out / "audit_flags.csv").exists()
    assert openpyxl.load_workbook(out / "audit.xlsx").sheetnames[-1] == "数值2023"


@pytest.mark.parametrize("argv, where", [
    (["--change-z", "-1"], "--change-z"), (["--coverage-min", "1.5"], "--coverage-min"), (["--outlier-z", "nan"], "--outlier-z"),
    (["--year", "2030"], "--year"), (["--copied-min-indicators", "0"], "--copied-min-indicators"),
])
def test_cli_bad_options_exit_2_without_traceback(tmp_path, capsys, argv, where):
    assert main(["audit", "--out", str(tmp_path / "out"), *argv]) == 2
    err = capsys.readouterr().err
    assert where in err and "Traceback" not in err and not (tmp_path / "out").exists()


def test_cli_unparsable_option_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["audit", "--change-z", "five"])
    assert exc.value.code == 2 and "Traceback" not in capsys.readouterr().err


def test_outputs_are_written_as_one_set(tmp_path, planted):
    _, _, r = planted
    jobs = audit_files(r, tmp_path, "both")
    assert [p.name for p, _ in jobs][-1] == "audit.xlsx"

    def broken(path):
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_files(jobs[:2] + [(tmp_path / "x.csv", broken)])
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------------
# a longer panel
# ---------------------------------------------------------------------------


def test_five_year_panel(fw):
    years = range(2019, 2024)
    reg, vals = demo.generate_demo(fw, years=years)
    ds5 = Dataset(fw, reg, vals)
    r = audit_dataset(ds5)
    assert r.years == list(years)
    planted = demo.planted_outliers(fw, years=years)
    found = {(int(y), c, i) for y, c, i in zip(planted["year"], planted["code"], planted["indicator"])} & cells(r)
    assert len(found) >= 0.8 * len(planted), (len(found), len(planted))
    clean5 = with_values(ds5, planted.drop(columns="value").rename(columns={"clean_value": "value"}))
    rc = audit_dataset(clean5)
    # measured: 5 flags on 17,299 values, all category outliers (no likely error: the scale check reads no
    # scale from a category piled at the generator's floor, nor against a first year that next year confirms)
    assert len(rc.flags) <= 0.0005 * rc.n_values, (len(rc.flags), rc.n_values)
    assert not (rc.flags["severity"] == "error").any()
    later = rc.flags[rc.flags["check"] == "change"]
    assert set(later["reference_year"].dropna()) <= set(years)


# ---------------------------------------------------------------------------
# the city overview's audit section
# ---------------------------------------------------------------------------


def test_city_overview_audit_section(planted, fw):
    from zhenxing.report import city_overview

    data, where, _ = planted
    r = audit_dataset(data)  # both years: the section shows the report year's flags and last year's
    city_of = data.register.set_index("code")["city"]
    city = city_of[where["wan_yuan"][0][1]] if where["wan_yuan"][0][0] == 2023 else city_of[where["copied"][0][1]]
    html = city_overview.audit_section_html(r, city, 2023, fw, "zh")
    mine = r.flags[r.flags["city"] == city]
    n_2023 = int((r.flags["year"] == 2023).sum())
    assert f"全省共 {n_2023} 条标记" in html and f"2022、2023 年涉及本市单位 {len(mine)} 条" in html
    assert html.count("<tr class=") == len(mine) > 0
    # last year's flags are shown too (the reports compare with last year's values)
    last = r.flags[(r.flags["year"] == 2022) & (r.flags["code"] != "")].iloc[0]
    assert last["message_zh"] in city_overview.audit_section_html(r, last["city"], 2023, fw, "zh")
    first_error = mine[mine["severity"] == "error"]["message_zh"].iloc[0]
    assert first_error in html and html.index('class="zx-flagged"') < (html.index('class="zx-close"') if "zx-close" in html else len(html))
    en = city_overview.audit_section_html(r, city, 2023, fw, "en")
    city_en = data.register.loc[data.register["city"] == city, "city_en"].iloc[0]
    assert "flags in the province" in en and "报送部门" not in en and city not in en and city_en in en
    # a city without flags: one sentence, no table, the English city name in English
    quiet = r.flags.iloc[0:0]
    empty = type(r)(**{**r.__dict__, "flags": quiet})
    text = city_overview.audit_section_html(empty, city, 2023, fw, "zh")
    assert "未发现需核实的异常值" in text and "<table" not in text and "全省共 0 条标记" in text
    text_en = city_overview.audit_section_html(empty, city, 2023, fw, "en")
    assert city not in text_en and f"No value of {city_en}&#39;s units is flagged" in text_en


def test_a_persistent_outlier_is_the_units_own_level_not_a_slip(clean):
    """A unit far below its category in both years (an ordinary change between them) is not flagged; the same
    value in one year only is; with the persistence rule off (threshold 0) both are."""
    fw = clean.framework
    code = clean.register.loc[clean.register["joined"] <= 2022, "code"].iloc[10]
    ind = "village_greening"
    v = clean.values.set_index(["code", "indicator", "year"])["value"]
    low = {2022: round(v[(code, ind, 2022)] / 3, 1), 2023: round(v[(code, ind, 2023)] / 3, 1)}
    both = with_values(clean, pd.DataFrame([(code, ind, y, x) for y, x in low.items()], columns=["code", "indicator", "year", "value"]))
    one = with_values(clean, pd.DataFrame([(code, ind, 2023, low[2023])], columns=["code", "indicator", "year", "value"]))
    assert not {(2022, code, ind), (2023, code, ind)} & cells(audit_dataset(both))
    assert (2023, code, ind) in cells(audit_dataset(one))
    off = audit_dataset(both, options=AuditOptions(outlier_persistent_z=1e-9))
    assert {(2022, code, ind), (2023, code, ind)} <= cells(off)


def test_make_run_audits_the_demo_before_scoring():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    recipe = text.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    steps = [line.strip() for line in recipe.splitlines()[1:] if line.startswith("\t")]
    assert steps[0] == "$(BIN)/zhenxing audit" and steps[1] == "$(BIN)/zhenxing run", steps


def test_a_department_resending_last_years_sheet_is_flagged_column_by_column(clean):
    """The statistics bureau sends its 2022 figures again for 2023: each of its indicators is flagged once as a
    whole column copied forward, naming the bureau, with every repeated cell highlighted."""
    fw = clean.framework
    mine = [i.id for i in fw.indicators if fw.department_of_input[i.id].id == "stats"]
    v = clean.values.set_index(["code", "indicator", "year"])["value"]
    last = v.xs(2022, level="year")
    again = [(c, i, 2023, last[(c, i)]) for (c, i) in last.index if i in mine and (c, i, 2023) in v.index]
    r = audit_dataset(with_values(clean, pd.DataFrame(again, columns=["code", "indicator", "year", "value"])), years=[2023])
    col = r.flags[(r.flags["check"] == "copied") & (r.flags["kind"] == "column")]
    assert sorted(col["indicator"]) == sorted(mine)
    assert set(col["department_zh"]) == {"统计局"} and (col["severity"] == "error").all()
    assert col["message_zh"].str.startswith("疑似整列照抄上年").all()
    highlighted = r.cells[(r.cells["check"] == "copied") & r.cells["indicator"].isin(mine)]
    n_repeated = sum(1 for (c, i, y, x) in again if not np.isnan(x) and x == x)  # every resent value present both years
    assert len(highlighted) >= 0.9 * n_repeated
    # no unit is called copied for it: the columns are not held against the units
    assert not ((r.flags["check"] == "copied") & (r.flags["kind"] == "identical")).any()


def test_a_category_piled_at_a_floor_reads_no_scale():
    """A third of the category at the floor 0.5 and the median just above it: a unit at 8 is high, not ×10
    (with the pile rule off the same unit reads as a decimal slip)."""
    from zhenxing.audit import scale

    second = [0.5, 0.5, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 8.0]
    rows = [[50 + k, second[k], 15000 + 500 * k] for k in range(12)]
    r = audit_dataset(tiny_ds({2023: rows}))
    assert ("U11", "i2") in set(zip(r.flags["code"], r.flags["indicator"]))  # an outlier, still to check
    assert "scale" not in set(r.flags["check"])
    old, scale.PILED_SHARE = scale.PILED_SHARE, 1.0
    try:
        assert "scale" in set(audit_dataset(tiny_ds({2023: rows})).flags["check"])
    finally:
        scale.PILED_SHARE = old
