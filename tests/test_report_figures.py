"""Figure builders: the figures carry exactly the library's numbers, in the right colours.

The builders are checked on the figure *data* (not on pictures): the waterfall
adds up to the total, the traffic lights match the statuses, the highlighted
bars are exactly the home city's units, and ``show`` emits both mimetypes and
embeds plotly.js once, never from a CDN.
"""

from __future__ import annotations

import json
import math
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml

from zhenxing.data import load_dataset
from zhenxing.framework import load_framework
from zhenxing.gap import county_gap
from zhenxing.report import city_overview, county, headline, notebook, schedule, style, text
from zhenxing.report.text import STATUS_LABELS
from zhenxing.scoring import ScoringOptions

from .conftest import ROOT, tiny_framework_dict
from .html_tables import read_tables

HOME = "青岚市"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def gaps(ds, result):
    """Gaps of every home-city unit plus the province's last unit (in the warning-talk zone)."""
    codes = list(result.units.loc[result.units["city"] == HOME, "code"]) + [str(result.units["code"].iloc[-1])]
    return {c: county_gap(ds, c, 2023, result=result) for c in codes}


@pytest.fixture
def tiny(tiny_files):
    fw = load_framework(tiny_files["framework"])
    return fw, load_dataset(fw, tiny_files["register"], tiny_files["values"])


def _all_figures(gap, fw, lang):
    return [
        county.dimension_bars(gap, fw, lang),
        county.loss_waterfall(gap, fw, lang),
        county.obstacle_bars(gap, fw, lang),
        county.path_bars(gap, fw, lang),
        county.year_comparison(gap, fw, lang),
    ]


# ---- county report -----------------------------------------------------------


def test_waterfall_runs_from_full_marks_to_the_total(gaps, fw):
    for code, gap in gaps.items():
        steps = county.waterfall_steps(gap, fw)
        assert steps["measure"].iloc[0] == "absolute" and steps["measure"].iloc[-1] == "total"
        assert steps["value"].iloc[0] == pytest.approx(fw.scale)
        relative = steps.loc[steps["measure"] == "relative", "value"]
        # the steps add up to the unrounded total, which the published total shows to half a step
        assert steps["value"].iloc[0] + relative.sum() == pytest.approx(gap.unit["total_exact"], abs=1e-9), code
        assert steps["value"].iloc[-1] == gap.standing.total
        assert abs(gap.unit["total_exact"] - gap.standing.total) <= 0.005 + 1e-12
        # one step per dimension that loses points (unrounded, negative), then bonus and deductions; no empty step
        exact = {d.id: fw.dimension_weights[k] - gap.unit[f"dim_{d.id}_exact"] for k, d in enumerate(fw.dimensions)}
        lost = [v for v in exact.values() if v > 1e-12]
        np.testing.assert_allclose(-relative.iloc[: len(lost)].to_numpy(), lost)
        assert (relative != 0).all()
        fig = county.loss_waterfall(gap, fw)
        trace = fig.data[0]
        assert isinstance(trace, go.Waterfall)
        assert list(trace.measure) == list(steps["measure"])
        np.testing.assert_allclose(trace.y, steps["value"])


def test_waterfall_shows_bonus_and_deductions(tiny):
    fw, ds = tiny
    gap = county_gap(ds, "U2", 2023)  # bonus capped at 3, deduction 2 (see conftest / test_scoring)
    steps = county.waterfall_steps(gap, fw, "en").set_index("label")
    assert steps.loc["Bonus", "value"] == pytest.approx(3.0)
    assert steps.loc["Deductions", "value"] == pytest.approx(-2.0)
    assert steps.loc["Total", "value"] == pytest.approx(101.0)
    assert fw.scale + steps.loc[steps["measure"] == "relative", "value"].sum() == pytest.approx(101.0)


def test_waterfall_adds_aggregation_and_floor_steps(gaps, fw, ds):
    # non-arithmetic aggregation: the base score is not the sum of the dimension points
    geo = county_gap(ds, "990123", 2023, options=ScoringOptions(aggregation="geometric"))
    steps = county.waterfall_steps(geo, fw, "en")
    assert "Aggregation effect" in list(steps["label"])
    assert steps["value"].iloc[0] + steps.loc[steps["measure"] == "relative", "value"].sum() == pytest.approx(geo.unit["total_exact"])
    # a total floored at 0: deductions larger than the base
    g = gaps["990123"]
    exact_dims = {f"dim_{d}_exact": 0.02 * m for d, m in zip(g.dimensions["dimension"], g.dimensions["max_points"])}
    unit = dict(g.unit, base=2.0, base_exact=2.0, bonus=0.0, deduction=5.0, total_exact=0.0, **exact_dims)
    dims = g.dimensions.assign(points_lost=g.dimensions["max_points"] - g.dimensions["max_points"] * 0.02)
    fake = SimpleNamespace(unit=unit, dimensions=dims, standing=SimpleNamespace(total=0.0))
    steps = county.waterfall_steps(fake, fw, "en")
    assert "Floor at 0" in list(steps["label"])
    assert steps["value"].iloc[0] + steps.loc[steps["measure"] == "relative", "value"].sum() == pytest.approx(0.0)


def test_indicator_table_has_every_indicator_with_its_status(gaps, fw):
    lab = {k: v[0] for k, v in STATUS_LABELS.items()}
    for gap in gaps.values():
        (table,) = read_tables(county.indicator_table(gap, fw))
        assert len(table.body) == len(gap.indicators) == len(fw.indicators)  # every row, none scrolled away
        assert len(table.groups) == len(fw.dimensions)
        statuses = list(gap.indicators["status"])
        assert [r.cells[-1] for r in table.body] == [lab[s] for s in statuses]
        assert [r.classes[-1].split()[-1] for r in table.body] == [f"zx-status-{s}" for s in statuses]
        ranks = [r.cells[table.head.index("类别内排名")] for r in table.body]
        assert all("/" in x or x == "—" for x in ranks)


def test_indicator_table_statuses_and_units_in_both_languages(tiny):
    fw, ds = tiny
    gap = county_gap(ds, "U3", 2023)  # i2 missing, i3 at the goalpost (zero), i1 partial
    statuses = list(gap.indicators["status"])
    assert statuses == ["partial", "missing", "zero"]
    (en,) = read_tables(county.indicator_table(gap, fw, "en"))
    assert [r.cells[-1] for r in en.body] == ["partial", "missing", "zero"]
    assert [r.cells[1] for r in en.body] == ["%", "ratio", "yuan"]  # units in the report's language
    (zh,) = read_tables(county.indicator_table(gap, fw, "zh"))
    assert [r.cells[1] for r in zh.body] == ["%", "比值", "元"]
    assert [r.cells[2] for r in zh.body][1] == "—"  # a missing value is a dash, not NaN
    met = county_gap(ds, "U2", 2023)
    assert set(met.indicators["status"]) == {"met"}
    assert "Indicator two" in headline.missing_note(gap, fw, "en")
    assert headline.missing_note(met, fw, "en") == ""


def test_dimension_bars_show_unit_mean_leader_and_full_marks(gaps, fw):
    gap = gaps["990123"]
    fig = county.dimension_bars(gap, fw, "en")
    by_name = {t.name: t for t in fig.data}
    d = gap.dimensions
    np.testing.assert_allclose(by_name["This unit"].y, d["points"])
    np.testing.assert_allclose(by_name["Category mean"].y, d["category_mean"])
    np.testing.assert_allclose(by_name["Category leader"].y, d["category_leader"])
    np.testing.assert_allclose(by_name["Full marks"].y, d["max_points"])
    assert [x.replace("<br>", " ") for x in by_name["This unit"].x] == [fw.label(x, "en") for x in fw.dimensions]


def test_obstacles_are_the_largest_first(gaps, fw):
    gap = gaps["990123"]
    fig = county.obstacle_bars(gap, fw, "zh", top=5)
    expected = gap.indicators.sort_values("obstacle", ascending=False).head(5)
    # one trace per status (each colour in the legend); the axis order puts the largest obstacle at the top
    names = {i.id: fw.label(i, "zh") for i in fw.indicators}
    assert list(fig.layout.yaxis.categoryarray)[::-1] == [names[i] for i in expected["indicator"]]
    bars = {y: x for t in fig.data for y, x in zip(t.y, t.x)}
    np.testing.assert_allclose([bars[names[i]] for i in expected["indicator"]], expected["obstacle"] * 100)
    lab = {k: v[0] for k, v in STATUS_LABELS.items()}
    for t in fig.data:  # every colour is a status with its legend entry
        assert t.marker.color == style.STATUS_COLOURS[next(k for k, v in lab.items() if v == t.name)]
    assert fig.layout.xaxis.range[0] == 0
    assert sum(gap.indicators["obstacle"]) == pytest.approx(1.0)


def test_cheapest_path_bars(gaps, fw, tiny):
    last = gaps[list(gaps)[-1]]
    assert last.standing.warning_talk and last.path is not None and last.path.goal == "leave_bottom"
    fig = county.path_bars(last, fw, "en")
    trace = fig.data[0]
    steps = last.path.steps
    np.testing.assert_allclose(list(trace.x)[::-1], steps["share_of_gap"] * 100)
    assert fig.layout.title.text.startswith("Cheapest path out of the warning-talk zone")
    # no path (first in category): a note, no bars
    fw_t, ds_t = tiny
    first = county_gap(ds_t, "U2", 2023)
    assert first.path is None
    fig = county.path_bars(first, fw_t, "zh")
    assert len(fig.data) == 0 and "无需追赶" in fig.layout.annotations[0].text
    # not computed for non-arithmetic aggregation
    geo = SimpleNamespace(path=None, standing=SimpleNamespace(rank_category=5, warning_talk=False))
    assert county.path_bars(geo, fw, "en").layout.title.text.startswith("No path computed")
    # infeasible path: flagged in the title
    infeasible = SimpleNamespace(path=SimpleNamespace(**{**last.path.__dict__, "feasible": False}))
    assert "not reachable" in county.path_bars(infeasible, fw, "en").layout.title.text


def test_year_comparison(gaps, fw):
    gap = gaps["990123"]
    fig = county.year_comparison(gap, fw, "en")
    assert [t.name for t in fig.data] == ["2022", "2023"]
    np.testing.assert_allclose(fig.data[0].y, gap.dimensions["points_last_year"])
    np.testing.assert_allclose(fig.data[1].y, gap.dimensions["points"])
    # 青湖区 joined in 2023: no bars, a note instead
    new = gaps["990103"]
    fig = county.year_comparison(new, fw, "zh")
    assert len(fig.data) == 0 and "2022 年无数据" in fig.layout.annotations[0].text
    assert county.indicator_changes(new, fw).empty
    changes = county.indicator_changes(gap, fw, "en")
    assert len(changes) > 0 and changes.index.name == "Indicator"


def test_headline_record_and_text(gaps, fw, result):
    units = result.units.set_index("code")
    for code, gap in gaps.items():
        rec = headline.headline_record(gap)
        u = units.loc[code]
        assert rec["code"] == code and rec["name_zh"] == u["name_zh"]
        assert rec["total"] == u["total"]
        assert (rec["rank_category"], rec["n_category"], rec["rank_province"]) == (u["rank_category"], u["n_category"], u["rank_province"])
        assert rec["n_province"] == len(result.units)
        assert rec["grade"] == u["grade"] and rec["warning_talk"] == u["warning_talk"]
        json.dumps(rec, allow_nan=False)  # JSON-ready
        text_zh = headline.headline_text(gap, fw, "zh")
        assert f"{u['total']:.2f}" in text_zh and f"{u['rank_category']}/{u['n_category']}" in text_zh
        assert "总分" in text_zh and u["name_zh"] in text_zh
        text_en = headline.headline_text(gap, fw, "en")
        assert "Total" in text_en and u["name_en"] in text_en and not CJK.search(text_en)
        sentence = headline.standing_sentence(gap, fw, "en")
        assert f"{u['total']:.2f}" in sentence and not CJK.search(sentence)
        html = headline.headline_html(gap, fw, "zh")
        assert f"{u['total']:.2f}" in html and f"{u['rank_category']}/{u['n_category']}" in html
        assert f"zx-risk-{u['risk']}" in html


def test_headline_handles_a_category_with_no_way_out(tmp_path, tiny_files):
    # two units per category and a warning talk for the bottom 2: no score leaves it (infinite points)
    data = tiny_framework_dict()
    data["warning_talk"]["per_category"] = 2
    path = tmp_path / "fw2.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    fw = load_framework(path)
    ds = load_dataset(fw, tiny_files["register"], tiny_files["values"])
    gap = county_gap(ds, "U1", 2023)
    assert gap.standing.warning_talk and math.isinf(gap.standing.points_to_leave_bottom)
    rec = headline.headline_record(gap)
    assert rec["points_to_leave_bottom"] is None
    json.dumps(rec, allow_nan=False)
    assert "no more than 2 units" in headline.standing_sentence(gap, fw, "en")
    assert "不超过 2 个" in headline.standing_sentence(gap, fw, "zh")
    fig = county.path_bars(gap, fw, "en")
    assert len(fig.data) == 0 and fig.layout.title.text.startswith("The category has no more units")


def test_figures_use_cjk_fonts_and_the_requested_language(gaps, fw):
    gap = gaps["990123"]
    for lang in ("zh", "en"):
        for fig in _all_figures(gap, fw, lang):
            assert fig.layout.font.family == style.CJK_FONT
            title = fig.layout.title.text
            assert title
            assert bool(CJK.search(title)) == (lang == "zh"), title


# ---- city overview -------------------------------------------------------------


def test_city_league_highlights_exactly_the_home_city(result):
    fig = city_overview.city_league(result.cities, HOME, "zh")
    by = {t.name: t for t in fig.data}
    assert list(by["本市"].customdata) == [HOME]
    assert list(by["末位市（约谈）"].customdata) == list(result.cities.loc[result.cities["last"], "city"])
    scores = {c: x for t in fig.data for c, x in zip(t.customdata, t.x)}
    assert sorted(scores) == sorted(result.cities["city"])
    np.testing.assert_allclose([scores[c] for c in result.cities["city"]], result.cities["score"])
    assert fig.layout.xaxis.range[0] == 0 and fig.layout.yaxis.autorange == "reversed"
    en = city_overview.city_league(result.cities, HOME, "en")
    assert "Qinglan" in [y for t in en.data for y in t.y]


def test_category_leagues_highlight_exactly_the_home_units(result, fw):
    figs = city_overview.category_leagues(result.units, HOME, fw, "zh")
    assert len(figs) == len(fw.categories)
    home_units = set(result.units.loc[result.units["city"] == HOME, "code"])
    highlighted, seen = set(), []
    k = fw.warning_talk.per_category
    for fig, cat in zip(figs, fw.categories):
        sub = result.units[result.units["category"] == cat.id]
        by = {t.name: t for t in fig.data}
        codes = [c for t in fig.data for c in t.customdata]
        seen += codes
        assert set(codes) == set(sub["code"])
        assert set(by["约谈区内"].customdata) == set(sub.loc[sub["warning_talk"], "code"])
        highlighted |= set(by["本市单位"].customdata) if "本市单位" in by else set()
        # the warning line lies between the last safe unit and the zone
        (line,) = fig.layout.shapes
        assert line.y0 == pytest.approx(len(sub) - k - 0.5)
        assert fig.layout.xaxis.range[0] == 0
    assert highlighted == home_units - set(result.units.loc[result.units["warning_talk"], "code"])
    assert sorted(seen) == sorted(result.units["code"])


def test_city_units_are_the_city_units_coloured_by_category(result, fw):
    fig = city_overview.city_units(result.units, HOME, fw, "en")
    mine = result.units[result.units["city"] == HOME]
    colours = style.category_colours(fw)
    codes = []
    for trace in fig.data:
        cat = next(c for c in fw.categories if fw.label(c, "en") == trace.name)
        assert trace.marker.color == colours[cat.id]
        assert set(trace.customdata) == set(mine.loc[mine["category"] == cat.id, "code"])
        codes += list(trace.customdata)
    assert sorted(codes) == sorted(mine["code"])
    assert fig.layout.yaxis.range[0] == 0
    (table,) = read_tables(city_overview.city_units_table(result.units, HOME, fw, "en"))
    ordered = mine.sort_values(["margin_bottom", "code"], kind="stable")
    assert [r.cells[0] for r in table.body] == [n or z for n, z in zip(ordered["name_en"], ordered["name_zh"])]
    assert [r.cells[2] for r in table.body] == [f"{v:.2f}" for v in ordered["total"]]
    assert [r.cells[-1] for r in table.body] == ["yes" if w else "no" for w in ordered["warning_talk"]]  # 是/否, never empty


def test_city_record(result):
    rec = city_overview.city_record(result.cities, result.units, HOME)
    row = result.cities.set_index("city").loc[HOME]
    assert rec["score"] == row["score"] and rec["rank"] == row["rank"] and rec["n_cities"] == len(result.cities)
    assert rec["n_units"] == (result.units["city"] == HOME).sum()
    json.dumps(rec, allow_nan=False)
    assert f"{row['score']:.2f}" in city_overview.city_headline_text(rec, "zh")
    assert "Qinglan" in city_overview.city_headline_text(rec, "en")
    with pytest.raises(ValueError, match="unknown city"):
        city_overview.city_record(result.cities, result.units, "无此市")


# ---- display --------------------------------------------------------------------


def _plotly_js_embedded(html: str) -> bool:
    return "* plotly.js v" in html and len(html) > 1_000_000


def test_show_emits_both_mimetypes_and_embeds_plotly_js_once(gaps, fw, captured):
    figs = _all_figures(gaps["990123"], fw, "zh")
    for fig in figs:
        notebook.show(fig, "embed")
    assert len(captured) == len(figs)
    for k, bundle in enumerate(captured):
        assert set(bundle) >= {notebook.PLOTLY_MIMETYPE, "text/html"}
        assert bundle[notebook.PLOTLY_MIMETYPE]["layout"]["font"]["family"] == style.CJK_FONT
        json.dumps(bundle[notebook.PLOTLY_MIMETYPE], allow_nan=False)
        html = bundle["text/html"]
        assert _plotly_js_embedded(html) == (k == 0)
        assert f'id="zx-fig-{k + 1}"' in html
        assert not re.search(r'src="(https?:)?//', html), "plotly.js must never come from the network"


def test_start_report_resets_the_state(gaps, fw, captured):
    fig = county.dimension_bars(gaps["990123"], fw)
    notebook.show(fig)
    notebook.show(fig)
    notebook.start_report("embed", prefix="again")
    notebook.show(fig)
    assert [_plotly_js_embedded(b["text/html"]) for b in captured] == [True, False, True]
    assert 'id="again-fig-1"' in captured[2]["text/html"]
    # same figure, same state: same output (no random ids)
    notebook.start_report("embed", prefix="again")
    notebook.show(fig)
    assert captured[3]["text/html"] == captured[2]["text/html"]


def test_directory_mode_loads_a_local_file_once(gaps, fw, captured):
    notebook.start_report("directory")
    fig = county.loss_waterfall(gaps["990123"], fw)
    notebook.show(fig)
    notebook.show(fig)
    assert '<script charset="utf-8" src="plotly.min.js"></script>' in captured[0]["text/html"]
    assert 'src="plotly.min.js"' not in captured[1]["text/html"]
    # in place of the chart when plotly.js cannot load, a sentence says why (hidden by the CSS once drawn)
    assert all('<p class="zx-chart-fallback">' in b["text/html"] for b in captured)
    assert not any(_plotly_js_embedded(b["text/html"]) for b in captured)
    notebook.start_report("assets/plotly-3.js")
    notebook.show(fig)
    assert 'src="assets/plotly-3.js"' in captured[2]["text/html"]
    notebook.start_report("none")
    notebook.show(fig)
    assert "<script charset" not in captured[3]["text/html"]


@pytest.mark.parametrize("bad", ["cdn", "CDN", "https://cdn.plot.ly/plotly-3.0.0.min.js", "//cdn.example/plotly.js", "inline", True])
def test_a_cdn_or_unknown_mode_is_refused(bad):
    with pytest.raises(ValueError):
        notebook.start_report(bad)


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang"):
        notebook.start_report("embed", lang="EN")


def test_headline_display_carries_the_json_record(gaps, fw, captured):
    rec = notebook.show_headline(gaps["990123"], fw, "en")
    notebook.markdown("")  # nothing displayed for an empty note
    notebook.prose("en", zh="## 中文", en="## English")
    assert len(captured) == 2
    bundle = captured[0]
    assert bundle[notebook.HEADLINE_MIMETYPE] == rec
    assert bundle["text/plain"] == headline.headline_text(gaps["990123"], fw, "en")
    assert 'class="zx-headline zx-risk-close"' in bundle["text/html"] and "close to the line" in bundle["text/html"]
    assert captured[1]["text/markdown"] == "## English"


def test_every_figure_serialises(gaps, fw):
    for gap in gaps.values():
        for lang in ("zh", "en"):
            for fig in _all_figures(gap, fw, lang):
                json.loads(fig.to_json())


# ---- schedule progress (序时进度) ------------------------------------------------


@pytest.fixture(scope="module")
def schedules(ds, gaps):
    """Schedule tables of the demo's year-to-date file for the home units and the last unit (no rows)."""
    from zhenxing.gap import load_ytd, schedule_table

    ytd = load_ytd(ROOT / "data/raw/demo_ytd_synthetic.csv", ds)
    return {code: schedule_table(gap, ds, ytd) for code, gap in gaps.items()}


def _pd_equal(a, b):
    return (a is None and (b is None or (isinstance(b, float) and math.isnan(b)))) or a == b


def test_schedule_record_copies_the_table(gaps, schedules):
    for code, table in schedules.items():
        rec = schedule.schedule_record(gaps[code], table)
        json.dumps(rec, allow_nan=False)
        assert rec["code"] == code and rec["year"] == 2023 and len(rec["rows"]) == len(table)
        for row, ref in zip(rec["rows"], table.to_dict("records")):
            assert list(row) == list(schedule.SCHEDULE_COLUMNS)
            assert all(_pd_equal(row[c], ref[c]) for c in schedule.SCHEDULE_COLUMNS), (row, ref)
        assert rec["counts"] == {s: int((table["status"] == s).sum()) for s in schedule.SCHEDULE_STATUS_ORDER}
        assert rec["month"] == (int(table["month"].max()) if len(table) else None)
    last = list(gaps)[-1]
    assert schedules[last].empty and schedule.schedule_record(gaps[last], schedules[last])["rows"] == []
    statuses = set(pd.concat(list(schedules.values()))["status"])
    assert statuses == {"ahead", "on_time", "behind", "met", "unknown"}  # the demo shows every status


def test_schedule_table_shows_every_row_with_its_status(schedules, fw):
    for lang in ("zh", "en"):
        for table in (t for t in schedules.values() if len(t)):
            (html_table,) = read_tables(schedule.schedule_table_html(table, fw, lang))
            rows = html_table.body
            names = {i.id: fw.label(i, lang) for i in fw.indicators}
            assert [r.cells[0] for r in rows] == [names[i] for i in table["indicator"]]
            assert [r.cells[2] for r in rows] == [str(m) for m in table["month"]]
            assert [r.cells[8] for r in rows] == [f"{c * 100:.0f}%" for c in table["calendar"]]
            labels = {s: (text.SCHEDULE_LABELS[s][1] if lang == "en" else text.SCHEDULE_LABELS[s][0]) for s in schedule.SCHEDULE_STATUS_ORDER}
            assert [r.cells[-1] for r in rows] == [labels[s] for s in table["status"]]
            assert [r.classes[-1].split()[-1] for r in rows] == [f"zx-sched-{s}" for s in table["status"]]
            for p, s, r in zip(table["progress"], table["status"], rows):
                if s in ("ahead", "on_time", "behind"):
                    assert r.cells[7] == f"{p * 100:.0f}%"
                elif s == "unknown":
                    assert r.cells[7] == "—"
            assert bool(CJK.search(html_table.caption)) == (lang == "zh")


def test_a_tie_with_the_calendar_at_the_shown_precision_is_on_time(schedules):
    # 990123's sewage treatment is 75 % of the way in September (0.750000000000003), the calendar 75 %: not "ahead"
    table = schedules["990123"]
    on_time = table[table["status"] == "on_time"]
    assert len(on_time) == 1
    assert f"{on_time['progress'].iloc[0] * 100:.0f}" == f"{on_time['calendar'].iloc[0] * 100:.0f}" == "75"


def test_schedule_bars_show_progress_against_the_calendar(schedules, fw):
    table = schedules["990123"]
    fig = schedule.schedule_bars(table, fw, "en")
    *bars, ticks = fig.data
    assert isinstance(ticks, go.Scatter) and all(isinstance(b, go.Bar) and b.orientation == "h" for b in bars)
    np.testing.assert_allclose(ticks.x, table["calendar"] * 100)
    # one trace per status present, in its colour, with its legend entry
    statuses = [s for s in schedule.SCHEDULE_STATUS_ORDER if s in set(table["status"])]
    assert len(statuses) >= 3 and [b.legendgroup for b in bars] == statuses
    assert [b.marker.color for b in bars] == [style.SCHEDULE_COLOURS[s] for s in statuses]
    assert [b.name for b in bars] == [schedule._schedule_label(s, "en") for s in statuses]
    assert all(b.showlegend is not False for b in bars) and fig.layout.barmode == "overlay"
    x = {i: (v, b.legendgroup) for b in bars for i, v in zip(b.customdata, b.x)}
    assert sorted(x) == sorted(table["indicator"])
    for ind, p, s in zip(table["indicator"], table["progress"], table["status"]):
        v, status = x[ind]
        assert status == s
        if s in ("ahead", "behind") and -0.2 <= p <= 1.5:
            assert v == pytest.approx(p * 100)  # the library's progress, in per cent
        if s == "ahead":
            assert p >= 0.75 and v >= 75
        if s == "behind":
            assert v < 75
    assert list(fig.layout.yaxis.categoryarray) == list(ticks.y)  # the table's order, top down
    # the value labels stand right of the plot area (x beyond the axis), where no tick or bar crosses them
    labels = [a for a in fig.layout.annotations if a.xref == "paper" and a.yref == "y"]
    assert [a.y for a in labels] == list(ticks.y) and all(a.x >= 1 and a.xanchor == "left" for a in labels)
    assert any("behind schedule" in a.text and "%" in a.text for a in labels)
    assert max(fig.layout.xaxis.range) > max(max(b.x) for b in bars) and max(ticks.x) < max(fig.layout.xaxis.range)
    assert fig.layout.margin.r >= 150 and fig.layout.width == style.FIGURE_WIDTH == 680
    assert fig.layout.shapes[0].x0 == 100 and fig.layout.shapes[0].x1 == 100  # the target line
    assert fig.layout.title.text.startswith("By month 9") and not CJK.search(fig.layout.title.text)
    zh = schedule.schedule_bars(table, fw, "zh")
    assert "截至 9 月" in zh.layout.title.text and any("慢于序时进度" in a.text for a in zh.layout.annotations)
    json.loads(fig.to_json())


def test_schedule_bar_values_clip_and_place_met_and_unknown():
    table = pd.DataFrame(
        {
            "indicator": ["a", "b", "c", "d", "e", "f"],
            "month": [9, 9, 6, 9, 9, 9],
            "progress": [0.5, 3.5, -2.0, float("nan"), -0.9, 1.2],
            "calendar": [0.75, 0.75, 0.5, 0.75, 0.75, 0.75],
            "status": ["behind", "met", "behind", "unknown", "met", "met"],
        }
    )
    # behind as is; met beyond the target capped at 150 %; far behind floored at -20 %; unknown 0;
    # met although progress < 1 (target met last year already) drawn at 100 %; met past the target as is
    assert schedule.schedule_bar_values(table) == pytest.approx([0.5, 1.5, -0.2, 0.0, 1.0, 1.2])
    assert [schedule._progress_text(p, s) for p, s in zip(table["progress"], table["status"])] == ["50%", "350%", "-200%", "—", "—", "120%"]


def test_schedule_summary_and_mixed_months(gaps, schedules, fw):
    table = schedules["990123"]
    rec = schedule.schedule_record(gaps["990123"], table)
    c = rec["counts"]
    en = schedule.schedule_summary(rec, fw, "en")
    assert c["on_time"] == 1
    assert (f"{c['ahead']} are ahead of schedule, {c['on_time']} on schedule, {c['behind']} behind and {c['met']} at target" in en
            and not CJK.search(en))
    for ind in table.loc[table["status"] == "behind", "indicator"]:
        assert fw.label(fw.indicator_by_id[ind], "en") in en
    zh = schedule.schedule_summary(rec, fw, "zh")
    assert f"{c['ahead']} 项快于序时进度" in zh and f"{c['on_time']} 项与序时进度持平" in zh and f"{c['behind']} 项慢于序时进度" in zh
    assert "截至 9 月" in zh
    new = schedule.schedule_record(gaps["990103"], schedules["990103"])  # joined in 2023: no last year's value
    assert new["counts"]["unknown"] > 0 and "no value last year" in schedule.schedule_summary(new, fw, "en")
    last = list(gaps)[-1]
    empty = schedule.schedule_record(gaps[last], schedules[last])
    assert schedule.schedule_summary(empty, fw, "en") == "**Schedule progress:** no year-to-date values for this unit in 2023."
    assert "没有 2023 年的年内数据" in schedule.schedule_summary(empty, fw, "zh")
    mixed = table.assign(month=[3] + [9] * (len(table) - 1))
    assert "latest month" in schedule.schedule_bars(mixed, fw, "en").layout.title.text
    assert "latest month" in schedule.schedule_summary(schedule.schedule_record(gaps["990123"], mixed), fw, "en")


def test_show_schedule_displays_the_record_then_table_and_chart(gaps, schedules, fw, captured):
    rec = notebook.show_schedule(gaps["990123"], schedules["990123"], fw, "zh")
    assert len(captured) == 3
    assert captured[0][notebook.SCHEDULE_MIMETYPE] == rec
    assert captured[0]["text/markdown"] == schedule.schedule_summary(rec, fw, "zh")
    assert notebook.PLOTLY_MIMETYPE not in captured[1] and "<table>" in captured[1]["text/html"]  # the table is HTML
    assert isinstance(go.Figure(captured[2][notebook.PLOTLY_MIMETYPE]).data[0], go.Bar)
    # a unit without year-to-date rows: one line, no figures
    last = list(gaps)[-1]
    rec = notebook.show_schedule(gaps[last], schedules[last], fw, "en")
    assert len(captured) == 4 and rec["rows"] == []
    assert captured[3]["text/markdown"].startswith("**Schedule progress:** no year-to-date values")
