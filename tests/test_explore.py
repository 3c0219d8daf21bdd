"""The what-if explorer (zhenxing.explore), driven from Python as the widgets would be.

Each test sets widget values (which fires the observers, as a move in JupyterLab
does) and compares every number the explorer displays — the home city's table,
the category leagues and their warning lines, the bottom-k moves, the city
league, Kendall's tau and the Monte Carlo bars — with ``score_year`` /
``compare`` / ``simulate`` for the same options. Saving: the file validates,
reloads to the same scores, is used by ``zhenxing simulate --scenario`` and by
the simulation notebook's loading calls, and is never overwritten unless told.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import yaml

from zhenxing.data import load_dataset
from zhenxing.explore import explorer, rescale
from zhenxing.framework import load_framework
from zhenxing.labels import risk_label
from zhenxing.montecarlo import simulate
from zhenxing.report.text import category_label
from zhenxing.scenarios import baseline, compare, load_scenario, load_scenarios, scenario_from_dict
from zhenxing.scoring import ScoringOptions, bottom_threshold, grades, margin_above_bottom, score_year

from .conftest import ROOT
from .html_tables import read_tables

YEAR, CITY = 2023, "青岚市"
SCENARIOS = ROOT / "params" / "scenarios"


@pytest.fixture(scope="module")
def ds():
    fw = load_framework(ROOT / "params" / "framework.yaml")
    return load_dataset(fw, ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")


@pytest.fixture
def app(ds, tmp_path):
    return explorer(ds, YEAR, city=CITY, scenario_dir=SCENARIOS)


def _names(res, lang="zh"):
    col = "name_en" if lang == "en" else "name_zh"
    return dict(zip(res.units["code"], res.units[col]))


def check_displayed(app, ds, lang="zh"):
    """Every number the explorer shows equals the library's for the explorer's current options."""
    fw = ds.framework
    opts = app.settings.options()
    res = score_year(ds, YEAR, opts)
    base = score_year(ds, YEAR).units.set_index("code")
    names = _names(res, lang)
    u = res.units.set_index("code")
    # the home city's table, most at risk first
    (table,) = read_tables(app.views.home.value)
    home = res.units[res.units["city"] == CITY].sort_values(["margin_bottom", "code"], kind="stable")
    assert len(table.body) == len(home)
    by_name = {names[c]: c for c in home["code"]}
    for row, code in zip(table.body, home["code"]):
        unit, cat, total, change, rank, rank_base, margin, risk = row.cells
        assert by_name[unit] == code
        r = u.loc[code]
        assert cat == category_label(fw, r["category"], lang)
        assert total == f"{r['total']:.2f}"
        d = round(r["total"] - base.loc[code, "total"], 2)
        assert change.replace("−", "-").lstrip("+") == f"{d:.2f}".replace("-0.00", "0.00")
        assert rank == f"{r['rank_category']}/{r['n_category']}"
        assert rank_base == f"{base.loc[code, 'rank_category']}/{r['n_category']}"
        assert float(margin.replace("−", "-")) == pytest.approx(r["margin_bottom"], abs=1e-9)
        assert risk == risk_label(r["risk"], lang)
    # category leagues: every unit's published total in order, flagged in red, the line at the zone's top
    for c, fig in app.views.leagues.items():
        lg = res.units[res.units["category"] == c]
        assert list(fig.data[0].x) == [names[x] for x in lg["code"]]
        assert list(fig.data[0].y) == list(lg["total"])
        line = lg.loc[lg["warning_talk"], "total"].max()
        assert fig.layout.shapes[0].y0 == line == fig.layout.shapes[0].y1
        assert f"{line:.2f}" in fig.layout.annotations[0].text
        red = [col in ("#c62828", "#8e0000") for col in fig.data[0].marker.color]
        assert red == list(lg["warning_talk"])
    # bottom-k moves against the baseline
    flagged = set(res.units.loc[res.units["warning_talk"], "code"])
    flagged_base = set(base.index[base["warning_talk"]])
    text = app.views.bottom.value
    for code in flagged ^ flagged_base:
        assert names[code] in text
    assert sum(app.outputs.entering.values(), []) == sorted(flagged - flagged_base, key=list(res.units["code"]).index)
    assert set(sum(app.outputs.leaving.values(), [])) == flagged_base - flagged
    # the city league, the last city, the home city's line
    cities = res.cities
    assert list(app.views.city_fig.data[0].y) == list(cities["score"])
    assert [col == "#c62828" for col in app.views.city_fig.data[0].marker.color] == list(cities["last"])
    me = cities[cities["city"] == CITY].iloc[0]
    assert f"{me['rank']}/{len(cities)}" in app.views.city_line.value
    assert f"{me['score']:.2f}" in app.views.city_line.value
    # Kendall's tau as compare() computes it
    current = scenario_from_dict({"name_zh": "x", "name_en": "x", "normalisation": opts.normalisation, "aggregation": opts.aggregation,
                                  "dimension_weights": dict(zip(fw.dimension_ids, opts.dimension_weights))}, fw)
    current = type(current)(current.id, current.name_zh, current.name_en, "", opts, current.uncertainty)
    tau = compare(ds, YEAR, [baseline(fw), current]).kendall.iloc[0, 1]
    assert f"{tau:.3f}" in app.views.tau.value
    assert app.outputs.tau == pytest.approx(tau, abs=1e-12)
    return res


def test_rescale_keeps_the_sum_and_the_moved_weight():
    w = rescale((16, 14, 10, 10, 15, 15, 10, 10), 0, 30, 100)
    assert w[0] == 30 and w.sum() == pytest.approx(100, abs=1e-9)
    assert w[1] / w[2] == pytest.approx(1.4)
    assert list(rescale((100, 0, 0), 0, 40, 100)) == [40, 30, 30]
    assert rescale((50, 50), 1, 150, 100).tolist() == [0, 100]


def test_opening_shows_the_baseline(app, ds):
    res = check_displayed(app, ds)
    assert app.outputs.tau == pytest.approx(1.0)
    assert all(not v for v in app.outputs.entering.values())
    assert res.options.dimension_weights == tuple(ds.framework.dimension_weights)
    assert app.controls.shares.selected_index is None  # the indicator shares are folded
    assert "100.0" in app.controls.weight_sum.value


@pytest.mark.parametrize("k,value", [(0, 30.0), (5, 40.0), (6, 0.0)])
def test_a_dimension_slider_rescores_everything(app, ds, k, value):
    app.controls.dimension[k].value = value
    w = np.asarray(app.settings.dimension_weights)
    assert w[k] == value and w.sum() == pytest.approx(ds.framework.scale)
    assert [s.value for s in app.controls.dimension] == pytest.approx(list(w))
    assert "100.0" in app.controls.weight_sum.value
    check_displayed(app, ds)


def test_rank_change_is_shown(app, ds):
    before = [r.cells[4] for r in read_tables(app.views.home.value)[0].body]
    app.controls.dimension[5].value = 60.0  # poverty consolidation dominates
    after = [r.cells[4] for r in read_tables(app.views.home.value)[0].body]
    assert before != after
    res = check_displayed(app, ds)
    assert app.outputs.tau < 1
    assert any(app.outputs.entering.values()) and any(app.outputs.leaving.values())
    assert not res.units.empty


def test_indicator_shares_methods_and_missing_policy(app, ds):
    fw = ds.framework
    app.controls.share[0].value = 0.6
    iw = np.asarray(app.settings.indicator_weights)
    members = fw.dimension_of_indicator == fw.dimension_of_indicator[0]
    assert iw[0] == 0.6 and iw[members].sum() == pytest.approx(1)
    assert iw[~members] == pytest.approx(fw.indicator_weights[~members])
    check_displayed(app, ds)
    app.controls.aggregation.value = "geometric"
    check_displayed(app, ds)
    app.controls.normalisation.value = "min_max"
    app.controls.missing.value = "category_mean"
    assert app.settings.options() == ScoringOptions("min_max", "geometric", "category_mean", app.settings.dimension_weights, tuple(iw))
    check_displayed(app, ds)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_scenario_file_is_a_preset(app, ds, path):
    app.controls.preset.value = str(path)
    sc = load_scenario(path, ds.framework)
    assert app.settings.options().dimension_weights == sc.options.dimension_weights
    assert app.settings.normalisation == sc.options.normalisation and app.settings.aggregation == sc.options.aggregation
    res = check_displayed(app, ds)
    expected = score_year(ds, YEAR, sc.options).units
    assert list(res.units["total"]) == list(expected["total"])
    app.controls.reset.click()
    assert app.settings == app.baseline_settings
    assert app.controls.preset.value == ""
    check_displayed(app, ds)


def test_english_labels(ds):
    app = explorer(ds, YEAR, city=CITY, lang="en", scenario_dir=SCENARIOS)
    app.controls.dimension[0].value = 25.0
    check_displayed(app, ds, lang="en")
    assert "Qinglan" in app.views.city_line.value and "Kendall" in app.views.tau.value
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in app.views.home.value)


def test_saved_scenario_reloads_to_the_same_scores(ds, tmp_path):
    for p in SCENARIOS.glob("*.yaml"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    app = explorer(ds, YEAR, city=CITY, scenario_dir=tmp_path)
    app.controls.dimension[0].value = 27.3
    app.controls.share[3].value = 0.05
    app.controls.aggregation.value = "geometric"
    app.controls.save_file.value = "my_weights"
    path = app.save()
    assert path == tmp_path / "my_weights.yaml" and "my_weights.yaml" in app.controls.save_status.value
    sc = load_scenario(path, ds.framework)
    assert sc.options == app.settings.options()
    shown = app.outputs.result.units
    again = score_year(ds, YEAR, sc.options).units
    assert list(again["code"]) == list(shown["code"]) and list(again["total"]) == list(shown["total"])
    assert list(again["rank_category"]) == list(shown["rank_category"]) and list(again["risk"]) == list(shown["risk"])
    # the simulation notebook's loading calls: every file of the folder, and the file as the Monte Carlo scenario
    ids = [s.id for s in load_scenarios(None, ds.framework, tmp_path)]
    assert ids[0] == "baseline" and "my_weights" in ids
    assert len(list(tmp_path.glob(".*tmp*"))) == 0  # no temporary file left


def test_overwrite_protection(ds, tmp_path):
    app = explorer(ds, YEAR, city=CITY, scenario_dir=tmp_path)
    app.controls.save_file.value = "kept"
    first = app.save()
    text = first.read_text(encoding="utf-8")
    app.controls.dimension[1].value = 30.0
    assert app.save() is None and "kept.yaml" in app.controls.save_status.value
    assert first.read_text(encoding="utf-8") == text  # untouched
    app.controls.save_overwrite.value = True
    assert app.save() == first
    assert load_scenario(first, ds.framework).options == app.settings.options()
    app.controls.save_file.value = "Bad Name"
    assert app.save() is None and "Bad Name" in app.controls.save_status.value
    # the same id as another file of the folder is refused
    (tmp_path / "other.yaml").write_text(yaml.safe_dump({"id": "taken", "name_zh": "x", "name_en": "x"}), encoding="utf-8")
    app.controls.save_file.value = "taken"
    assert app.save() is None and "taken" in app.controls.save_status.value


def test_zhenxing_simulate_uses_the_saved_scenario(ds, tmp_path):
    app = explorer(ds, YEAR, city=CITY, scenario_dir=tmp_path)
    app.controls.dimension[4].value = 25.0
    app.controls.save_file.value = "from_explorer"
    path = app.save()
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "zhenxing", "simulate", "--scenario", str(path), "--draws", "300", "--quiet",
                           "--out", str(out), "--workers", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Monte Carlo 'from_explorer'" in proc.stdout
    assert (out / f"simulation_{YEAR}_from_explorer.csv").is_file()


def test_simulate_around_these_weights(app, ds):
    app.draws = 400
    app.controls.dimension[0].value = 35.0
    app.controls.simulate.click()
    assert app.controls.progress.value == app.controls.progress.max == 400
    expected = simulate(ds, YEAR, app.current_scenario(), n_draws=400, seed=app.seed)
    home = expected.units[expected.units["city"] == CITY]
    assert app.current_scenario().options == app.settings.options()
    names = _names(score_year(ds, YEAR))
    assert list(app.views.sim_fig.data[0].x) == [names[c] for c in home["code"]]
    assert list(app.views.sim_fig.data[0].y) == list(home["p_bottom"])


def test_fast_margin_and_grades_agree_with_the_definitions(ds):
    rng = np.random.default_rng(7)
    for _ in range(500):
        n = int(rng.integers(1, 12))
        s, g, k = rng.integers(0, 5, n).astype(float), rng.integers(0, 3, n), int(rng.integers(0, 4))
        ref = np.empty(n)
        for grp in np.unique(g):
            idx = np.flatnonzero(g == grp)
            for pos, i in enumerate(idx):
                ref[i] = s[i] - bottom_threshold(s[idx], pos, k)
        assert np.array_equal(margin_above_bottom(s, g, k), ref)
    fw = ds.framework
    steps = rng.integers(0, 10_001, 300).astype(float)
    edges = [round(gr.min_score * 100) + d for gr in fw.grades for d in (-1, 0, 1)]  # at and beside every threshold
    steps[: len(edges)] = edges
    veto = rng.random(300) < 0.2
    assert grades(steps, veto, fw) == [fw.grade_for(float(q), bool(v), key=lambda gr: round(gr.min_score * 100)).id for q, v in zip(steps, veto)]
