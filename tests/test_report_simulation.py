"""Simulation figures carry exactly the library's numbers: scenario ranks and changes, Kendall's
tau, rank quantiles of the Monte Carlo counts, probabilities, Sobol' indices and exact bounds.

Checked on the figure *data*: a fan chart's bands are the quantiles of the simulated rank
counts (recomputed here from the counts by expanding them into draws), the heatmaps' ``z``
are the library's matrices, the highlighted rows are exactly the home city's units.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from zhenxing.montecarlo import simulate
from zhenxing.report import notebook, scenario_figures, sensitivity_figures, simulation_figures, simulation_record, style, text
from zhenxing.robustness import rank_bounds_table
from zhenxing.scenarios import compare, load_scenarios, weight_box
from zhenxing.sensitivity import weight_sensitivity

from .conftest import ROOT

HOME = "青岚市"
LAST = "柏梅市"  # the demo's last city: one of its units is in the warning-talk zone under every scenario
CJK = re.compile(r"[\u4e00-\u9fff]")
SPREAD = 0.2


@pytest.fixture(scope="module")
def scenarios(fw):
    return load_scenarios(None, fw, ROOT / "params" / "scenarios")


@pytest.fixture(scope="module")
def comparison(ds, scenarios):
    return compare(ds, 2023, scenarios)


@pytest.fixture(scope="module")
def sim(ds, scenarios):
    return simulate(ds, 2023, scenarios[0], n_draws=1000, seed=11)


@pytest.fixture(scope="module")
def box(ds, fw, scenarios):
    sc = scenarios[0]
    return simulate(ds, 2023, weight_box(sc, SPREAD), n_draws=1000, seed=11)


@pytest.fixture(scope="module")
def sensitivity(ds, scenarios):
    return weight_sensitivity(ds, 2023, spread=SPREAD, n_base=256, seed=11, options=scenarios[0].options)


@pytest.fixture(scope="module")
def bounds(ds, scenarios):
    return rank_bounds_table(ds, 2023, SPREAD, options=scenarios[0].options)


def _trace(fig, name):
    """The one trace called ``name`` that draws data (not a legend-only entry)."""
    found = [t for t in fig.data if t.name == name and tuple(t.x or ()) != (None,)]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def _quantile_by_expansion(counts_row: np.ndarray, q: float) -> int:
    """The q-quantile of the ranks drawn, from the draws themselves (inverted CDF: smallest r with F(r) >= q)."""
    draws = np.repeat(np.arange(1, len(counts_row) + 1), counts_row)
    return int(np.quantile(draws, q, method="inverted_cdf"))


def _home_units(sim, city=HOME):
    return sim.units[sim.units["city"] == city]


# ---------------------------------------------------------------------------
# fan charts
# ---------------------------------------------------------------------------


def test_fan_data_bands_are_the_quantiles_of_the_rank_counts(sim, fw):
    data = simulation_figures.rank_fan_data(sim, fw, city=HOME)
    assert set(data["code"]) == set(_home_units(sim)["code"])
    pos = {c: k for k, c in enumerate(sim.units["code"])}
    u = sim.units.set_index("code")
    for r in data.itertuples():
        counts = sim.rank_counts_category[pos[r.code]]
        for q, col in ((0.05, "p05"), (0.25, "p25"), (0.5, "median"), (0.75, "p75"), (0.95, "p95")):
            assert getattr(r, col) == _quantile_by_expansion(counts, q), (r.code, col)
        # the library's own band columns
        assert (r.p05, r.median, r.p95) == (u.loc[r.code, "p05_rank_category"], u.loc[r.code, "median_rank_category"], u.loc[r.code, "p95_rank_category"])
        assert r.nominal == u.loc[r.code, "nominal_rank_category"]
        seen = np.flatnonzero(counts) + 1
        assert (r.best_seen, r.worst_seen) == (seen.min(), seen.max())
        assert r.p05 <= r.p25 <= r.median <= r.p75 <= r.p95
        assert r.n == (sim.units["category"] == u.loc[r.code, "category"]).sum()
    # by category (framework order), then nominal rank
    order = [c.id for c in fw.categories]
    keys = [(order.index(c), n) for c, n in zip(data["category"], data["nominal"])]
    assert keys == sorted(keys)


def test_fan_chart_draws_the_bands_median_and_nominal_rank(sim, fw):
    data = simulation_figures.rank_fan_data(sim, fw, city=HOME)
    fig = simulation_figures.rank_fan(sim, fw, "zh", city=HOME, scenario_label="基准")
    outer, inner = _trace(fig, text.text("sim_band_outer", "zh")), _trace(fig, text.text("sim_band_inner", "zh"))
    # bars cover whole ranks: from lo - 0.5 to hi + 0.5
    assert [b + 0.5 for b in outer.base] == list(data["p05"])
    assert [b + x - 0.5 for b, x in zip(outer.base, outer.x)] == list(data["p95"])
    assert [b + 0.5 for b in inner.base] == list(data["p25"])
    assert [b + x - 0.5 for b, x in zip(inner.base, inner.x)] == list(data["p75"])
    assert list(_trace(fig, text.text("sim_median", "zh")).x) == list(data["median"])
    assert list(_trace(fig, text.text("sim_nominal", "zh")).x) == list(data["nominal"])
    assert list(outer.y) == list(data["name_zh"])
    assert [c[0] for c in outer.customdata] == list(data["code"])
    zone = _trace(fig, text.text("sim_zone", "zh", k=2))
    assert [b + 0.5 for b in zone.base] == [n - 1 for n in data["n"]]  # the bottom 2 places of each row's category
    assert fig.layout.yaxis.autorange == "reversed"
    assert "基准" in fig.layout.title.text and "青岚市" in fig.layout.title.text


def test_category_fan_highlights_exactly_the_home_units(sim, fw):
    for cat in fw.categories:
        fig = simulation_figures.rank_fan(sim, fw, "en", category=cat.id, city=HOME)
        sub = sim.units[sim.units["category"] == cat.id].sort_values(["nominal_rank_category", "code"])
        outer = _trace(fig, text.text("sim_band_outer", "en"))
        assert [c[0] for c in outer.customdata] == list(sub["code"])
        highlighted = {c[0] for c, colour in zip(outer.customdata, outer.marker.color) if colour == style.BAND_OUTER}
        assert highlighted == set(sub.loc[sub["city"] == HOME, "code"])
        # every colour has a legend entry: the bands in the highlight colours, the other cities' units muted
        legend = {t.name: t.marker.color for t in fig.data if tuple(t.x or ()) == (None,)}
        assert legend[text.text("sim_band_outer", "en")] == style.BAND_OUTER
        assert legend[text.text("sim_band_inner", "en")] == style.BAND_INNER
        assert legend[simulation_figures.stext("other_units", "en")] == style.BAND_INNER_MUTED
        assert not outer.showlegend
        assert not CJK.search(fig.layout.title.text)
        assert not any(CJK.search(y) for y in outer.y)


def test_province_fan_uses_the_province_counts(sim, fw):
    data = simulation_figures.rank_fan_data(sim, fw, city=HOME, level="province")
    u = sim.units.set_index("code")
    assert list(data["p95"]) == [u.loc[c, "p95_rank_province"] for c in data["code"]]
    assert (data["n"] == len(sim.units)).all()
    fig = simulation_figures.rank_fan(sim, fw, "zh", city=HOME, level="province")
    assert text.text("sim_zone", "zh", k=2) not in [t.name for t in fig.data]
    with pytest.raises(ValueError, match="level"):
        simulation_figures.rank_fan_data(sim, fw, city=HOME, level="city")


def test_fan_data_selects_codes_in_order_and_refuses_unknown_ones(sim, fw):
    codes = list(sim.units["code"].iloc[[5, 0, 42]])
    assert list(simulation_figures.rank_fan_data(sim, fw, codes=codes)["code"]) == codes
    with pytest.raises(ValueError, match="nope"):
        simulation_figures.rank_fan_data(sim, fw, codes=["nope"])
    with pytest.raises(ValueError, match="no units of city"):
        simulation_figures.rank_fan_data(sim, fw, city="无此市")


# ---------------------------------------------------------------------------
# scenario comparison
# ---------------------------------------------------------------------------


def test_kendall_heatmap_is_the_kendall_matrix(comparison):
    ids = [s.id for s in comparison.scenarios]
    for lang in ("zh", "en"):
        fig = scenario_figures.kendall_heatmap(comparison, lang)
        hm = fig.data[0]
        np.testing.assert_array_equal(np.array(hm.z, dtype=float), comparison.kendall.loc[ids, ids].to_numpy())
        assert list(hm.x) == list(hm.y) == [text.wrap(s.label(lang), 14 if lang == "en" else 12) for s in comparison.scenarios]
        assert hm.text[0][0] == "1.000"
        assert bool(CJK.search(fig.layout.title.text)) == (lang == "zh")


@pytest.mark.parametrize("city", [HOME, LAST])
def test_scenario_changes_heatmap_shows_the_comparison(comparison, fw, city):
    fig = scenario_figures.scenario_rank_changes(comparison, city, fw, "zh")
    hm = fig.data[0]
    t = comparison.table.set_index("code")
    codes = [row[0] for row in hm.customdata]
    assert set(codes) == set(comparison.table.loc[comparison.table["city"] == city, "code"])
    ids = [s.id for s in comparison.scenarios]
    for code, z_row, text_row in zip(codes, hm.z, hm.text):
        assert z_row[0] == 0
        assert list(z_row[1:]) == [t.loc[code, f"change_{s}"] for s in ids[1:]]
        assert [int(cell.split(" ")[0]) for cell in text_row] == [t.loc[code, f"rank_category_{s}"] for s in ids]
        assert [text.text("warning_talk", "zh") in cell for cell in text_row] == [bool(t.loc[code, f"warning_talk_{s}"]) for s in ids]
    assert hm.zmid == 0 and hm.zmin == -hm.zmax


def test_scenario_rank_table(comparison, fw):
    rows = scenario_figures.scenario_rank_rows(comparison, LAST, fw, "en")
    t = comparison.table.set_index("code")
    n = comparison.table.groupby("category")["code"].size()
    mine = t[t["city"] == LAST]
    assert {r["code"] for r in rows} == set(mine.index)
    ref = comparison.scenarios[0].id
    for r in rows:
        code = r["code"]
        assert r["name"] == mine.loc[code, "name_en"]
        for sc in comparison.scenarios:
            rank, *rest = r[sc.id].replace("\u00a0", " ").split(" ")
            assert rank == f"{t.loc[code, f'rank_category_{sc.id}']}/{n[t.loc[code, 'category']]}"  # with its denominator
            change = 0 if sc.id == ref else int(t.loc[code, f"change_{sc.id}"])
            arrow = "" if change == 0 else (f"↑{change}" if change > 0 else f"↓{-change}")
            assert (arrow in rest) if arrow else not any(x.startswith(("↑", "↓")) for x in rest)
            assert ("warning talk" in r[sc.id]) == bool(t.loc[code, f"warning_talk_{sc.id}"])
    html = scenario_figures.scenario_rank_table(comparison, LAST, fw, "zh")
    assert html.count("<tr") == len(rows) + 1 and "<figcaption>柏梅市" in html
    assert all(s.label("zh") in html for s in comparison.scenarios)


# ---------------------------------------------------------------------------
# probabilities
# ---------------------------------------------------------------------------


def test_risk_table_lists_the_city_units_most_at_risk_first(sim, bounds, box, fw):
    rec = simulation_record.simulation_record(LAST, fw, simulation=sim, bounds=bounds, box=box, spread=SPREAD)
    rows = simulation_record.risk_rows(rec)
    u, b = sim.units.set_index("code"), bounds.set_index("code")
    assert {r["code"] for r in rows} == set(_home_units(sim, LAST)["code"])
    for r in rows:
        c = r["code"]
        assert r["n"] == (sim.units["category"] == u.loc[c, "category"]).sum()
        assert r["nominal"] == u.loc[c, "nominal_rank_category"] and r["p_bottom"] == u.loc[c, "p_bottom"]
        lo, hi = u.loc[c, "p05_rank_category"], u.loc[c, "p95_rank_category"]
        assert r["band"] == (f"{lo}" if lo == hi else f"{lo}–{hi}")
        lo, hi = b.loc[c, "best_rank_category"], b.loc[c, "worst_rank_category"]
        assert r["bounds"] == (f"{lo}" if lo == hi else f"{lo}–{hi}")
        assert (r["warning_possible"], r["warning_certain"]) == (b.loc[c, "warning_possible"], b.loc[c, "warning_certain"])
    keys = [(not r["warning_certain"], not r["warning_possible"], -r["p_bottom"]) for r in rows]
    assert keys == sorted(keys)
    assert rows[0]["code"] == "991224"  # the demo's unit certain to be summoned
    html = simulation_record.risk_table_html(rec, fw, "zh")
    first = html.split("<tbody>")[1].split("</tr>")[0]
    assert u.loc["991224", "name_zh"] in first and f"{u.loc['991224', 'nominal_rank_category']}/25" in first
    assert f"{u.loc['991224', 'p_bottom'] * 100:.1f}%" in first and "是" in first
    assert html.count("<tr") == len(rows) + 1 and "±20%" in html
    en = simulation_record.risk_table_html(rec, fw, "en")
    assert not CJK.search(en) and "yes" in en and "no" in en
    # without bounds: the sampled columns only
    sampled = simulation_record.risk_table_html(simulation_record.simulation_record(LAST, fw, simulation=sim), fw, "zh")
    assert "可能约谈" not in sampled and sampled.count("<tr") == len(rows) + 1


def test_probabilities_are_compared_at_the_displayed_precision():
    assert [simulation_figures.pct_text(p) for p in (0.0, 0.0004, 0.001, 0.976)] == ["0%", "<0.1%", "0.1%", "97.6%"]
    assert simulation_figures.pct_text(0.5, "en") == "50.0 %"


# ---------------------------------------------------------------------------
# Sobol' indices
# ---------------------------------------------------------------------------


def test_sobol_chart_shows_the_units_whose_rank_moves_and_a_sentence_for_the_others(sensitivity, sim, box, fw):
    codes = simulation_figures.city_codes(sim.units, HOME, fw)
    constant, nearly = sensitivity_figures.unchanged_units(sensitivity, codes, box)
    pos = {c: k for k, c in enumerate(box.units["code"])}
    u = box.units.set_index("code")
    for c in codes:
        row = box.rank_counts_category[pos[c]]
        share = row[u.loc[c, "nominal_rank_category"] - 1] / row.sum()
        assert (c in nearly) == (not sensitivity.constant_rank[c] and share >= sensitivity_figures.NEARLY_UNCHANGED)
    assert nearly, "the demo has a home unit whose rank (almost) never moves in the box"
    fig = sensitivity_figures.sobol_rank_chart(sensitivity, codes, fw, "zh", units=sim.units, box=box)
    (hm,) = fig.data
    shown = [c for c in codes if c not in constant and c not in nearly]
    names = sim.units.set_index("code")["name_zh"]
    assert list(hm.x) == [text.wrap(names[c], 10) for c in shown]
    dims = [d.id for d in fw.dimensions]
    st = sensitivity.rank.ST.loc[shown, dims].to_numpy().T
    np.testing.assert_allclose(hm.z, np.clip(st, 0, 1))
    s1 = sensitivity.rank.S1.loc[shown, dims].to_numpy().T
    assert hm.text[0][0] == f"{max(st[0][0], 0):.2f} ({max(s1[0][0], 0):.2f})"
    assert not any("-0.00" in cell for row in hm.text for cell in row)
    sentence = sensitivity_figures.unchanged_sentence(sensitivity, codes, "zh", box=box, units=sim.units)
    assert all(names[c] in sentence for c in [*constant, *nearly]) and not any(names[c] in sentence for c in shown)
    assert "±20%" in sentence
    en = sensitivity_figures.unchanged_sentence(sensitivity, codes, "en", box=box, units=sim.units)
    assert not CJK.search(en)
    # every unit left out: no chart
    assert sensitivity_figures.sobol_rank_chart(sensitivity, list(nearly), fw, "zh", box=box) is None


def test_sobol_chart_refuses_unknown_codes(sensitivity, fw):
    with pytest.raises(ValueError, match="nope"):
        sensitivity_figures.sobol_rank_chart(sensitivity, ["nope"], fw)


# ---------------------------------------------------------------------------
# exact rank bounds
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("city", [HOME, LAST])
def test_bounds_chart_shows_the_exact_range_with_the_sampled_band_inside(bounds, box, fw, city):
    fig = sensitivity_figures.rank_bounds_chart(bounds, city, SPREAD, fw, "en", sampled=box)
    rng = _trace(fig, text.text("sim_bounds_range", "en"))
    band = _trace(fig, text.text("sim_sampled_band", "en"))
    b = bounds.set_index("code")
    codes = [c[0] for c in rng.customdata]
    assert set(codes) == set(bounds.loc[bounds["city"] == city, "code"])
    lo = [x + 0.5 for x in rng.base]
    hi = [x + w - 0.5 for x, w in zip(rng.base, rng.x)]
    assert lo == [b.loc[c, "best_rank_category"] for c in codes]
    assert hi == [b.loc[c, "worst_rank_category"] for c in codes]
    u = box.units.set_index("code")
    b_lo = [x + 0.5 for x in band.base]
    b_hi = [x + w - 0.5 for x, w in zip(band.base, band.x)]
    assert b_lo == [u.loc[c, "p05_rank_category"] for c in codes]
    assert b_hi == [u.loc[c, "p95_rank_category"] for c in codes]
    assert all(a <= c and d <= e for a, c, d, e in zip(lo, b_lo, b_hi, hi)), "the sampled band lies inside the exact range"
    assert list(_trace(fig, text.text("sim_nominal", "en")).x) == [b.loc[c, "rank_category"] for c in codes]
    assert list(rng.y) == [u.loc[c, "name_en"] for c in codes]  # English names although the bounds table has only Chinese ones
    assert not CJK.search(fig.layout.title.text)
    prov = sensitivity_figures.rank_bounds_chart(bounds, city, SPREAD, fw, "en", level="province")
    rng = _trace(prov, text.text("sim_bounds_range", "en"))
    assert [x + 0.5 for x in rng.base] == [b.loc[c[0], "best_rank_province"] for c in rng.customdata]


# ---------------------------------------------------------------------------
# record and summary
# ---------------------------------------------------------------------------


def test_record_copies_the_library_numbers(comparison, sim, sensitivity, bounds, box, fw, captured):
    rec = simulation_record.simulation_record(LAST, fw, comparison=comparison, simulation=sim, sensitivity=sensitivity, bounds=bounds, box=box, spread=SPREAD)
    assert json.loads(json.dumps(rec)) == rec
    codes = set(sim.units.loc[sim.units["city"] == LAST, "code"])
    assert set(rec["units"]) == codes and rec["city_en"] == "Baimei" and rec["k"] == 2
    assert rec["scenarios"] == [s.id for s in comparison.scenarios]
    assert rec["kendall"] == comparison.kendall.to_numpy().tolist()
    u = sim.units.set_index("code")
    for c in codes:
        got = rec["simulation"]["units"][c]
        assert got["p_bottom"] == u.loc[c, "p_bottom"] and got["median_rank_category"] == u.loc[c, "median_rank_category"]
        assert got["mean_total"] == u.loc[c, "mean_total"]
        assert rec["sensitivity"]["units"][c]["rank"]["ST"] == sensitivity.rank.ST.loc[c].to_dict()
        assert rec["bounds"][c]["worst_rank_category"] == bounds.set_index("code").loc[c, "worst_rank_category"]
    assert rec["simulation"]["p_city_last"] == sim.cities.set_index("city").loc[LAST, "p_last"]
    assert rec["box"]["inside_bounds"] is True
    labels = {s.id: s.label("en") for s in comparison.scenarios}
    notebook.show_simulation_summary(rec, "en", labels)
    (bundle,) = captured
    assert bundle[notebook.SIMULATION_MIMETYPE] == rec
    md = bundle["text/markdown"]
    assert "Baimei" in md and "Zijing County" in md and not CJK.search(md)
    zh = simulation_record.simulation_summary(rec, "zh", {s.id: s.label("zh") for s in comparison.scenarios})
    assert "柏梅市" in zh and u.loc["991224", "name_zh"] in zh  # the unit most at risk, named from the register
    assert f"{rec['simulation']['p_city_last'] * 100:.1f}%" in zh


def test_every_simulation_figure_serialises_in_both_languages(comparison, sim, sensitivity, bounds, box, fw):
    for lang in ("zh", "en"):
        codes = simulation_figures.city_codes(sim.units, HOME, fw)
        figs = [
            scenario_figures.scenario_rank_changes(comparison, HOME, fw, lang),
            scenario_figures.kendall_heatmap(comparison, lang),
            simulation_figures.rank_fan(sim, fw, lang, city=HOME),
            simulation_figures.rank_fan(sim, fw, lang, category=fw.categories[1].id, city=HOME, row_height=15),
            simulation_figures.city_last_bars(sim, HOME, lang),
            sensitivity_figures.sobol_rank_chart(sensitivity, codes, fw, lang, units=sim.units, box=box),
            sensitivity_figures.rank_bounds_chart(bounds, HOME, SPREAD, fw, lang, sampled=box),
        ]
        for fig in figs:
            assert fig.layout.width == style.FIGURE_WIDTH or fig.layout.width is None
            assert bool(CJK.search(fig.layout.title.text)) == (lang == "zh"), fig.layout.title.text
            assert fig.layout.font.family == style.CJK_FONT
            json.loads(fig.to_json())


def test_rank_axes_keep_few_ticks_at_national_size():
    """Every rank up to 30; beyond, the smallest nice step with at most 15 ticks (no rotated, overlapping labels)."""
    from zhenxing.report.simulation_figures import rank_dtick

    assert [rank_dtick(n) for n in (1, 30, 31, 75, 76, 125, 250, 700, 1400, 2800)] == [1, 1, 5, 5, 10, 10, 20, 50, 100, 200]
