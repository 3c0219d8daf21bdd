"""The data-audit report's builders (zhenxing.report.data_audit, zhenxing.report.coherence_figures):
every number shown is the library's, in the reader's form."""

from __future__ import annotations

import numpy as np
import pytest

from zhenxing import coupling, demo
from zhenxing.audit import audit_dataset
from zhenxing.audit.flags import CHECKS, check_name
from zhenxing.coherence import coherence_tables
from zhenxing.data import Dataset
from zhenxing.report import coherence_figures as figures
from zhenxing.report import data_audit
from zhenxing.scoring import ScoringOptions, score_year
from zhenxing.treatment import Winsorisation

from .html_tables import read_tables

CITY = "青岚市"


@pytest.fixture(scope="module")
def audit(ds):
    return audit_dataset(ds)


@pytest.fixture(scope="module")
def tables(result):
    return coherence_tables(result)


def test_rules_table_counts_each_check_in_the_year_and_overall(audit):
    for lang in ("zh", "en"):
        (t,) = read_tables(data_audit.audit_rules_html(audit, 2023, lang))
        assert [r.cells[0] for r in t.body] == [check_name(c, lang) for c in CHECKS]
        per_year = audit.flags[audit.flags["year"] == 2023]["check"].value_counts()
        assert [int(r.cells[2]) for r in t.body] == [int(per_year.get(c, 0)) for c in CHECKS]
        assert [int(r.cells[3]) for r in t.body] == [audit.counts()[c] for c in CHECKS]
    # the rule text carries the thresholds of the options used
    (t,) = read_tables(data_audit.audit_rules_html(audit, 2023, "zh"))
    assert "5 个稳健标准差" in t.body[1].cells[1] and "65%" in t.body[4].cells[1] and "3.5" in t.body[3].cells[1]


def test_flag_table_lists_the_years_and_last_years_flags_errors_first(audit, fw):
    shown = audit.flags[audit.flags["year"].isin([2022, 2023]) & (audit.flags["check"] != "coverage")]
    (t,) = read_tables(data_audit.audit_flags_html(audit, 2023, fw, "zh", CITY))
    assert t.caption == "2022、2023 年需向报送部门核实的数据"
    assert len(t.body) == min(len(shown), data_audit.MAX_FLAGS_SHOWN)
    assert sorted(int(r.cells[1]) for r in t.body) == sorted(shown["year"])
    n_errors = int((shown["severity"] == "error").sum())
    assert n_errors >= 1  # the demo has two planted values that look like a slipped decimal point
    assert all("zx-flagged" in r.css for r in t.body[:n_errors]) and not any("zx-flagged" in r.css for r in t.body[n_errors:])
    # each row names the reporting department of its indicator, and the unit with its city
    depts = {d.name_zh for d in fw.departments}
    assert all(r.cells[3] in depts for r in t.body)
    # the home city's warnings come before the other cities' warnings
    home = [r.cells[0].endswith(f"（{CITY}）") for r in t.body[n_errors:]]
    assert home == sorted(home, reverse=True) and any(home)  # 枫岭县's 2022 mechanisation jump is the city's
    assert data_audit.audit_flags_html(audit, 2023, fw, "zh", CITY).count("<tr") == len(t.body) + 1
    # a report on 2022 shows 2022 alone
    (t22,) = read_tables(data_audit.audit_flags_html(audit, 2022, fw, "zh", CITY))
    assert {r.cells[1] for r in t22.body} == {"2022"}


def test_coverage_and_missing_by_department(audit, fw, ds):
    html = data_audit.coverage_html(audit, 2023, fw, "zh")
    assert "所有指标和单位的数据覆盖率均不低于 65%" in html
    (t,) = read_tables(html)
    missing_2023 = ds.values[(ds.values["year"] == 2023) & ds.values["indicator"].isin(fw.indicator_ids)]["value"].isna().sum()
    assert sum(int(r.cells[1]) for r in t.body) == missing_2023


def test_distribution_and_correlation_tables_show_the_coherence_numbers(tables, fw):
    (t,) = read_tables(figures.distribution_html(tables, fw, "zh"))
    assert t.groups == [d.name_zh for d in fw.dimensions] and len(t.body) == len(fw.indicators)
    dist = tables["distribution"].set_index("indicator")
    first = fw.indicators[0]
    assert t.body[0].cells[2] == f"{dist.at[first.id, 'skewness']:.2f}"
    (t,) = read_tables(figures.with_dimension_html(tables, fw, "en"))
    flagged = tables["with_dimension"].query("flag != '' or flag_rest != ''")
    assert f": {len(flagged)} negative or hardly correlated" in t.caption
    assert sum("zx-close" in r.css for r in t.body) == len(flagged)
    (t,) = read_tables(figures.reliability_html(tables, fw, "zh"))
    rel = tables["reliability"]
    assert [r.cells[2] for r in t.body] == [f"{a:.2f}" for a in rel["cronbach_alpha"]]


def test_correlation_heatmaps(result, tables, fw):
    fig = figures.correlation_heatmap(result, fw, "zh")
    z = np.array(fig.data[0].z, dtype=float)
    assert z.shape == (37, 37) and np.allclose(np.diag(z), 1) and np.allclose(z, z.T, equal_nan=True)
    assert len(fig.layout.shapes) == len(fw.dimensions)  # one frame per dimension
    dims = figures.dimension_heatmap(tables, fw, "en")
    assert np.allclose(np.array(dims.data[0].z, float), np.round(tables["dimensions"].to_numpy(float), 2))


def test_effective_weights_fit_one_page_and_sum_to_the_scale(tables, fw):
    fig = figures.effective_weights_figure(tables, fw, "zh")
    assert fig.layout.height <= 960
    nominal, effective = fig.data
    assert sum(nominal.x) == pytest.approx(100) and sum(effective.x) == pytest.approx(100)
    note = figures.effective_weights_note(tables, fw, "zh")
    top = tables["effective_weights"].assign(gap=lambda d: d.effective_points - d.max_points).sort_values("gap").iloc[-1]
    assert fw.indicator_by_id[top["indicator"]].name_zh in note


def test_coupling_city_table(result):
    cities = coupling.city_coupling_table(coupling.coupling_table(result))
    (t,) = read_tables(figures.coupling_city_html(cities, "zh", CITY))
    assert [r.cells[1] for r in t.body] == list(cities["city"])
    assert [r.cells[3] for r in t.body] == [f"{d:.3f}" for d in cities["D_mean"]]
    assert [("zx-home" in r.css) for r in t.body] == list(cities["city"] == CITY)


def test_trends_over_a_five_year_panel(fw):
    reg, vals = demo.generate_demo(fw, years=range(2019, 2024))
    ds5 = Dataset(fw, reg, vals)
    html = figures.trend_html(ds5, fw, "zh")
    (t,) = read_tables(html)
    assert "2019—2023 年" in t.caption
    row = {r.cells[0]: r.cells for r in t.body}
    income = row["农村居民人均可支配收入"]
    first = vals.query("indicator == 'rural_income' and year == 2019")["value"].median()
    assert income[2] == f"{first:,.0f}" and income[5].endswith("%")
    # growth rates and percentages get no growth of their own, only their change per year
    assert row["农村居民人均可支配收入增长率"][5] == "—" and row["农村卫生厕所普及率"][5] == "—"
    assert row["农村卫生厕所普及率"][4].startswith("+")
    one = Dataset(fw, reg, vals[vals["year"] == 2023])
    assert "One year of data" in figures.trend_html(one, fw, "en")


def test_winsorisation_what_if_reports_the_values_changed(ds, fw):
    # three units far above the rest on one indicator: the indicator fails the skew/kurtosis rule
    v = ds.values.copy()
    codes = list(ds.register.loc[ds.register["joined"] <= 2023, "code"])[:3]
    hit = (v["year"] == 2023) & (v["indicator"] == "strong_collective") & v["code"].isin(codes)
    v.loc[hit, "value"] = 95.0
    skewed = Dataset(fw, ds.register, v)
    nominal = score_year(skewed, 2023)
    treated = score_year(skewed, 2023, ScoringOptions(treatment=Winsorisation()))
    html = figures.winsorised_html(treated, nominal, fw, "zh")
    n = int(treated.treatment["n_changed"].sum())
    assert n >= 3 and f"改变 {int((treated.treatment['n_changed'] > 0).sum())} 项指标的 {n} 个数值" in html
    (t,) = read_tables(html)
    assert "集体经济强村比重" in [r.cells[0] for r in t.body]
    moved = int((nominal.units.set_index("code")["rank_category"] != treated.units.set_index("code")["rank_category"]).sum())
    assert f"{moved} 个单位的类别内排名随之变化" in html


def test_city_overview_coupling_table_lists_the_citys_units_least_coordinated_first(result, fw):
    from zhenxing.report.coupling_section import city_units_coupling_html

    table = coupling.coupling_table(result)
    (t,) = read_tables(city_units_coupling_html(table, CITY, fw, "zh"))
    mine = table[table["city"] == CITY].sort_values(["D", "code"])
    assert [r.cells[0] for r in t.body] == list(mine["name_zh"])
    assert [r.cells[2] for r in t.body] == [f"{d:.3f}" for d in mine["D"]]
    assert [r.cells[4] for r in t.body] == [f"{a}/{b}" for a, b in zip(mine["rank_D_category"], mine["n_category"])]
    # the weakest pillar is the one with the lowest attainment
    pillars = [d for d in fw.dimensions if d.pillar]
    first = mine.iloc[0]
    weakest = min(pillars, key=lambda d: first[f"U_{d.id}"])
    assert t.body[0].cells[5] == f"{weakest.name_zh} {100 * first[f'U_{weakest.id}']:.1f}%"


def test_a_report_on_a_past_year_uses_no_later_data(fw):
    reg, vals = demo.generate_demo(fw, years=range(2019, 2024))
    ds5 = Dataset(fw, reg, vals)
    then = ds5.until(2021)
    assert then.years == [2019, 2020, 2021] and ds5.years == [2019, 2020, 2021, 2022, 2023]
    audit = audit_dataset(then)
    assert audit.years == [2019, 2020, 2021] and (audit.flags["reference_year"].dropna() <= 2021).all()
    (t,) = read_tables(figures.trend_html(then, fw, "zh"))
    assert "2019—2021 年" in t.caption
