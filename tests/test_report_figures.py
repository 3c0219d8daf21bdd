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
from zhenxing.report import city_overview, county, notebook, schedule, style, text
from zhenxing.scoring import ScoringOptions

from .conftest import ROOT, tiny_framework_dict

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
        county.indicator_table(gap, fw, lang),
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
        assert steps["value"].iloc[0] + relative.sum() == pytest.approx(gap.standing.total, abs=1e-9), code
        assert steps["value"].iloc[-1] == gap.standing.total
        # one step per dimension (points lost, negative), then bonus and deductions
        lost = -relative.iloc[: len(fw.dimensions)].to_numpy()
        np.testing.assert_allclose(lost, gap.dimensions["points_lost"].to_numpy())
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
    assert steps["value"].iloc[0] + steps.loc[steps["measure"] == "relative", "value"].sum() == pytest.approx(geo.standing.total)
    # a total floored at 0: deductions larger than the base
    g = gaps["990123"]
    unit = dict(g.unit, base=2.0, bonus=0.0, deduction=5.0)
    dims = g.dimensions.assign(points_lost=g.dimensions["max_points"] - g.dimensions["max_points"] * 0.02)
    fake = SimpleNamespace(unit=unit, dimensions=dims, standing=SimpleNamespace(total=0.0))
    steps = county.waterfall_steps(fake, fw, "en")
    assert "Floor at 0" in list(steps["label"])
    assert steps["value"].iloc[0] + steps.loc[steps["measure"] == "relative", "value"].sum() == pytest.approx(0.0)


def test_traffic_lights_match_statuses(gaps, fw):
    for gap in gaps.values():
        trace = county.indicator_table(gap, fw).data[0]
        assert isinstance(trace, go.Table)
        fills = trace.cells.fill.color
        statuses = list(gap.indicators["status"])
        assert list(fills[-1]) == [style.STATUS_COLOURS[s] for s in statuses]
        assert all(c == "white" for col in fills[:-1] for c in col)
        assert len(trace.cells.values[0]) == len(gap.indicators) == len(fw.indicators)


def test_traffic_light_colours_cover_every_status(tiny):
    fw, ds = tiny
    gap = county_gap(ds, "U3", 2023)  # i2 missing, i3 at the goalpost (zero), i1 partial
    statuses = list(gap.indicators["status"])
    assert statuses == ["partial", "missing", "zero"]
    fills = county.indicator_table(gap, fw, "en").data[0].cells.fill.color[-1]
    assert list(fills) == [style.STATUS_COLOURS["partial"], style.STATUS_COLOURS["missing"], style.STATUS_COLOURS["zero"]]
    labels = county.indicator_table(gap, fw, "en").data[0].cells.values[-1]
    assert list(labels) == ["● partial", "● missing", "● zero"]
    met = county_gap(ds, "U2", 2023)
    assert set(met.indicators["status"]) == {"met"}
    assert set(county.indicator_table(met, fw).data[0].cells.fill.color[-1]) == {style.STATUS_COLOURS["met"]}
    assert "Indicator two" in county.missing_note(gap, fw, "en")
    assert county.missing_note(met, fw, "en") == ""


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
    trace = county.obstacle_bars(gap, fw, "zh", top=5).data[0]
    expected = gap.indicators.sort_values("obstacle", ascending=False).head(5)
    # plotly draws the first bar at the bottom: the largest obstacle is last
    np.testing.assert_allclose(list(trace.x)[::-1], expected["obstacle"] * 100)
    names = {i.id: fw.label(i, "zh") for i in fw.indicators}
    assert list(trace.y)[::-1] == [names[i] for i in expected["indicator"]]
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
        rec = county.headline_record(gap)
        u = units.loc[code]
        assert rec["code"] == code and rec["name_zh"] == u["name_zh"]
        assert rec["total"] == u["total"]
        assert (rec["rank_category"], rec["n_category"], rec["rank_province"]) == (u["rank_category"], u["n_category"], u["rank_province"])
        assert rec["n_province"] == len(result.units)
        assert rec["grade"] == u["grade"] and rec["warning_talk"] == u["warning_talk"]
        json.dumps(rec, allow_nan=False)  # JSON-ready
        text_zh = county.headline_text(gap, fw, "zh")
        assert f"{u['total']:.2f}" in text_zh and f"{u['rank_category']}/{u['n_category']}" in text_zh
        assert "总分" in text_zh and u["name_zh"] in text_zh
        text_en = county.headline_text(gap, fw, "en")
        assert "Total" in text_en and u["name_en"] in text_en and not CJK.search(text_en)
        sentence = county.standing_sentence(gap, fw, "en")
        assert f"{u['total']:.2f}" in sentence and not CJK.search(sentence)
        html = county.headline_html(gap, fw, "zh")
        assert f"{u['total']:.2f}" in html and style.CJK_FONT in html


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
    rec = county.headline_record(gap)
    assert rec["points_to_leave_bottom"] is None
    json.dumps(rec, allow_nan=False)
    assert "no more than 2 units" in county.standing_sentence(gap, fw, "en")
    assert "不超过 2 个" in county.standing_sentence(gap, fw, "zh")
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
    trace = fig.data[0]
    colours = list(trace.marker.color)
    cities = list(trace.customdata)
    assert cities == list(result.cities["city"])
    assert [c for c, col in zip(cities, colours) if col == style.HIGHLIGHT] == [HOME]
    widths = list(trace.marker.line.width)
    flagged = [c for c, w in zip(cities, widths) if w > 0]
    assert flagged == list(result.cities.loc[result.cities["last"], "city"])
    np.testing.assert_allclose(trace.y, result.cities["score"])
    en = city_overview.city_league(result.cities, HOME, "en").data[0]
    assert "Qinglan" in list(en.x)


def test_category_leagues_highlight_exactly_the_home_units(result, fw):
    fig = city_overview.category_leagues(result.units, HOME, fw, "zh")
    assert len(fig.data) == len(fw.categories)
    home_units = set(result.units.loc[result.units["city"] == HOME, "code"])
    highlighted, seen = set(), []
    for trace, cat in zip(fig.data, fw.categories):
        codes = list(trace.customdata)
        seen += codes
        sub = result.units[result.units["category"] == cat.id]
        assert set(codes) == set(sub["code"])
        assert list(trace.y) == sorted(trace.y, reverse=True)
        highlighted |= {c for c, col in zip(codes, trace.marker.color) if col == style.HIGHLIGHT}
        outlined = {c for c, w in zip(codes, trace.marker.line.width) if w > 0}
        assert outlined == set(sub.loc[sub["warning_talk"], "code"])
    assert highlighted == home_units
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
    table = city_overview.city_units_table(result.units, HOME, fw, "en")
    assert list(table.index) == list(mine["code"])
    np.testing.assert_allclose(table["Total"], mine["total"].round(2))


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
    assert "plotly.min.js" not in captured[1]["text/html"]
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
    assert bundle["text/plain"] == county.headline_text(gaps["990123"], fw, "en")
    assert "<table>" in bundle["text/html"]
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
    assert statuses == {"ahead", "behind", "met", "unknown"}  # the demo shows every status


def test_schedule_table_figure_colours_match_statuses(schedules, fw):
    for lang in ("zh", "en"):
        for table in (t for t in schedules.values() if len(t)):
            fig = schedule.schedule_table_figure(table, fw, lang)
            trace = fig.data[0]
            assert isinstance(trace, go.Table)
            assert list(trace.cells.fill.color[-1]) == [style.SCHEDULE_COLOURS[s] for s in table["status"]]
            assert all(c == "white" for col in trace.cells.fill.color[:-1] for c in col)
            values = trace.cells.values
            names = {i.id: fw.label(i, lang) for i in fw.indicators}
            assert list(values[0]) == [names[i] for i in table["indicator"]]
            assert list(values[2]) == [str(m) for m in table["month"]]
            assert list(values[5]) == [f"{v:,.2f}" for v in table["ytd"]]
            assert list(values[8]) == [f"{c * 100:.0f}%" for c in table["calendar"]]
            labels = {s: (text.SCHEDULE_LABELS[s][1] if lang == "en" else text.SCHEDULE_LABELS[s][0]) for s in schedule.SCHEDULE_STATUS_ORDER}
            assert list(values[-1]) == [f"● {labels[s]}" for s in table["status"]]
            for p, s, shown in zip(table["progress"], table["status"], values[7]):
                if s in ("ahead", "behind"):
                    assert shown == f"{p * 100:.0f}%"
                elif s == "unknown":
                    assert shown == "—"
            assert bool(CJK.search(fig.layout.title.text)) == (lang == "zh")


def test_schedule_bars_show_progress_against_the_calendar(schedules, fw):
    table = schedules["990123"]
    fig = schedule.schedule_bars(table, fw, "en")
    bars, ticks = fig.data
    assert isinstance(bars, go.Bar) and bars.orientation == "h"
    assert list(bars.customdata) == list(table["indicator"])
    np.testing.assert_allclose(ticks.x, table["calendar"] * 100)
    assert list(bars.marker.color) == [style.SCHEDULE_COLOURS[s] for s in table["status"]]
    for x, p, s in zip(bars.x, table["progress"], table["status"]):
        if s in ("ahead", "behind") and -0.2 <= p <= 1.5:
            assert x == pytest.approx(p * 100)  # the library's progress, in per cent
        if s == "ahead":
            assert p >= 0.75 and x >= 75
        if s == "behind":
            assert x < 75
    assert fig.layout.shapes[0].x0 == 100 and fig.layout.shapes[0].x1 == 100  # the target line
    assert fig.layout.title.text.startswith("By month 9") and not CJK.search(fig.layout.title.text)
    assert "截至 9 月" in schedule.schedule_bars(table, fw, "zh").layout.title.text
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
    assert f"{c['ahead']} are ahead of schedule, {c['behind']} behind and {c['met']} at target" in en and not CJK.search(en)
    for ind in table.loc[table["status"] == "behind", "indicator"]:
        assert fw.label(fw.indicator_by_id[ind], "en") in en
    zh = schedule.schedule_summary(rec, fw, "zh")
    assert f"{c['ahead']} 项快于序时进度" in zh and f"{c['behind']} 项慢于序时进度" in zh and "截至 9 月" in zh
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
    assert all(notebook.PLOTLY_MIMETYPE in b for b in captured[1:])
    assert isinstance(go.Figure(captured[1][notebook.PLOTLY_MIMETYPE]).data[0], go.Table)
    # a unit without year-to-date rows: one line, no figures
    last = list(gaps)[-1]
    rec = notebook.show_schedule(gaps[last], schedules[last], fw, "en")
    assert len(captured) == 4 and rec["rows"] == []
    assert captured[3]["text/markdown"].startswith("**Schedule progress:** no year-to-date values")
