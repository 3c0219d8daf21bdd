"""The index of a province run (``zhenxing reports --all``) at national size: 2,800 units in 448 cities.

No notebook runs: the plan comes from :func:`zhenxing.report.planning.plan_reports`
on the 2,800-unit demo (``write_demo(units=2800)``), every report is faked as a
small file with a manifest entry (one county report failed), and
:func:`zhenxing.report.index.render_index` writes the city pages. Measured here
(2 cores): index.html 145 kB, each city page at most 10 kB (449 pages, 4.2 MB in
all), rendered in about 0.6 s; one page with every unit was 1.5 MB and 2.1 s.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from zhenxing.data import load_dataset
from zhenxing.demo import DEFAULT_SEED, n_cities, write_demo
from zhenxing.framework import load_framework
from zhenxing.report.index import index_pages, render_index
from zhenxing.report.index_province import city_page_names
from zhenxing.report.kernel import ReportResult
from zhenxing.report.planning import find_notebooks, plan_reports
from zhenxing.scoring import score_year

from .conftest import ROOT

FRAMEWORK = ROOT / "params" / "framework.yaml"
UNITS = 2800
PROVINCE_PAGE_MAX = 250_000  # bytes; measured 145 kB (2,800 units, 14 of them in or close to the zone)
CITY_PAGE_MAX = 16_000  # bytes; measured at most 10 kB (8 units, the inlined styles are 5 kB of it)
UNIT_LINK = re.compile(r'href="(\d{6})\.html"')
CITY_LINK = re.compile(r'<td class="name"><a href="(index_[a-z0-9-]+\.html)">')  # the city league's links

pytestmark = pytest.mark.skipif(not (ROOT / "notebooks" / "county_report.ipynb").is_file(), reason="no report notebooks")


def _fake_run(ds, raw: Path, run_dir: Path, lang: str, failed: str | None):
    fw = ds.framework
    paths = {"framework": FRAMEWORK.resolve(), "register": raw / "demo_register_synthetic.csv", "values": raw / "demo_values_synthetic.csv"}
    plan = plan_reports(ds, paths, 2023, None, True, lang, "plotly.min.js", find_notebooks(), None, None, DEFAULT_SEED)
    run_dir.mkdir(parents=True)
    manifest: dict = {"reports": {}}
    results = {}
    for job in plan.jobs:
        if job.key == failed:
            results[job.key] = ReportResult(job.key, job.kind, job.title, "failed", 1.0, 1, "RuntimeError: deliberate", None,
                                            f"notebooks/{job.key}.ipynb")
            continue
        (run_dir / f"{job.key}.html").write_text("report", encoding="utf-8")
        manifest["reports"][job.key] = {"html": f"{job.key}.html"}
        results[job.key] = ReportResult(job.key, job.kind, job.title, "ok", 1.0, 1, "", f"{job.key}.html", None)
    info = {"n_ok": len(results) - 1, "n_skipped": 0, "n_failed": 1, "seconds": 1.0, "framework": paths["framework"],
            "register": paths["register"], "values": paths["values"], "ytd": "—", "standalone": False, "seed": DEFAULT_SEED,
            "input_hash": ds.input_hash(), "time": "2026-01-01T00:00:00+08:00"}
    return plan, fw, results, manifest, info


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """The 2,800-unit province: its scores and a province run's index folder (index.html and the city pages)."""
    raw = tmp_path_factory.mktemp("raw2800")
    write_demo(raw, FRAMEWORK, DEFAULT_SEED, units=UNITS)
    fw = load_framework(FRAMEWORK)
    ds = load_dataset(fw, raw / "demo_register_synthetic.csv", raw / "demo_values_synthetic.csv")
    result = score_year(ds, 2023)
    units = result.units.set_index("code")
    # the failed report: a unit in the middle of the province
    failed = str(units.sort_values("rank_province").index[1400])
    run_dir = tmp_path_factory.mktemp("reports") / "2023_all"
    plan, fw, results, manifest, info = _fake_run(ds, raw, run_dir, "zh", failed)
    (run_dir / "index_gone.html").write_text("a city page of an earlier run", encoding="utf-8")
    (run_dir / "index.html").write_text(render_index(plan, fw, "zh", results, run_dir, manifest, info), encoding="utf-8")
    pages = {p.name: p.read_text(encoding="utf-8") for p in run_dir.glob("index*.html")}
    return {"ds": ds, "result": result, "units": units, "run_dir": run_dir, "pages": pages, "failed": failed, "plan": plan}


def test_one_province_page_and_one_page_per_city(big):
    pages, result = big["pages"], big["result"]
    assert "index_gone.html" not in pages  # an earlier run's page of a city this run does not have is removed
    assert len(pages) == 1 + n_cities(UNITS) == 449
    province = pages["index.html"]
    # the province page lists every city once, in league order, each linked to its page
    linked = CITY_LINK.findall(province)
    assert len(linked) == len(set(linked)) == 448 and set(linked) == set(pages) - {"index.html"}
    cities = result.cities.sort_values(["rank", "city"])
    names = [html.unescape(n) for n in re.findall(r'<td class="name"><a href="index_[^"]+">([^<]+)</a>', province)]
    assert names == cities["city"].tolist()
    # each city page: its name, its rank, and a way back and on
    for c in cities.itertuples():
        page = pages[linked[names.index(c.city)]]
        assert f"{c.city} 2023 年乡村振兴实绩考核" in page and f"{c.rank}/448" in page
        assert 'href="index.html"' in page


def test_every_unit_is_linked_once_across_the_city_pages(big):
    pages, units, failed = big["pages"], big["units"], big["failed"]
    seen = Counter()
    for name, text in pages.items():
        if name != "index.html":
            seen.update(UNIT_LINK.findall(text))
    codes = set(units.index)
    assert set(seen) == codes - {failed} and set(seen.values()) == {1}
    # the failed unit: on its city's page as a failure (a link to its executed notebook), on the province page too
    city = units.loc[failed, "city"]
    page = next(t for n, t in pages.items() if n != "index.html" and f"<h1>{city} " in t)
    assert f'href="notebooks/{failed}.ipynb"' in page and "RuntimeError: deliberate" in page
    assert "RuntimeError: deliberate" in pages["index.html"]
    # the province page links exactly the units in or close to the warning-talk zone, once each
    at_risk = set(units.index[units["risk"] != "safe"])
    province_links = Counter(UNIT_LINK.findall(pages["index.html"]))
    assert set(province_links) == at_risk - {failed} and set(province_links.values()) <= {1}


def test_the_numbers_on_the_pages_are_the_scores(big):
    pages, result, units = big["pages"], big["result"], big["units"]
    counts = units["risk"].value_counts()
    province = pages["index.html"]
    assert f"约谈区内 {counts['flagged']} 个 · 接近约谈线 {counts['close']} 个 · 安全 {counts['safe']} 个" in province
    assert f"（全省 {int((units['risk'] != 'safe').sum())} 个）" in province
    rows = re.findall(r'<tr class="risk-(\w+)" data-code="(\d{6})">', province)
    assert [c for _, c in rows] == units.sort_values(["margin_bottom", "rank_province"], ascending=[True, False]).loc[
        units["risk"] != "safe"].index.tolist()
    assert all(units.loc[c, "risk"] == r for r, c in rows)
    # the city table's columns "in the zone" and "close" add up to the province's
    cells = re.findall(r'<td class="num(?: hot)?">(\d+)</td><td class="num(?: warm)?">(\d+)</td>', province)
    assert len(cells) == 448
    assert sum(int(a) for a, _ in cells) == counts["flagged"] and sum(int(b) for _, b in cells) == counts["close"]
    last = result.cities.loc[result.cities["last"], "city"].tolist()
    assert f"末位市：{'、'.join(last)}" in province
    # a city page shows each of its units' total and margin at the published precision
    one = result.cities.sort_values("rank").iloc[200]
    page = next(t for n, t in pages.items() if n != "index.html" and f"<h1>{one['city']} " in t)
    for code, u in units[units["city"] == one["city"]].iterrows():
        assert f'data-code="{code}"' in page and f"{u['total']:.2f}" in page and f"{u['rank_province']}/2800" in page


def test_the_pages_stay_small(big):
    sizes = {n: len(t.encode("utf-8")) for n, t in big["pages"].items()}
    assert sizes.pop("index.html") < PROVINCE_PAGE_MAX
    assert max(sizes.values()) < CITY_PAGE_MAX


def test_the_city_pages_chain_in_league_order(big):
    pages = big["pages"]
    order = CITY_LINK.findall(pages["index.html"])
    for k, name in enumerate(order):
        text = pages[name]
        prev_ = re.search(r'<a class="prev" href="([^"]+)"', text)
        next_ = re.search(r'<a class="next" href="([^"]+)"', text)
        assert (prev_.group(1) if prev_ else None) == (order[k - 1] if k else None)
        assert (next_.group(1) if next_ else None) == (order[k + 1] if k + 1 < len(order) else None)


def test_no_english_word_on_the_chinese_pages(big):
    for name in ("index.html", CITY_LINK.findall(big["pages"]["index.html"])[0]):
        body = re.sub(r"<style>.*?</style>|<code>.*?</code>|<[^>]+>", " ", big["pages"][name], flags=re.S)
        body = html.unescape(body).replace("notebooks/", "")  # (the failure hint names the folder of executed notebooks)
        assert set(re.findall(r"[A-Za-z]{2,}", body)) == set(), name


def test_english_pages_of_the_committed_demo(ds, tmp_path):
    raw = ROOT / "data" / "raw"
    plan, fw, results, manifest, info = _fake_run(ds, raw, tmp_path / "2023_all_en", "en", None)
    pages = index_pages(plan, fw, "en", results, tmp_path / "2023_all_en", manifest, info)
    assert len(pages) == 17  # the committed demo: 16 cities
    assert '<html lang="en">' in pages["index.html"] and "Cities by rank" in pages["index.html"]
    qinglan = pages["index_qinglan.html"]
    assert "Qinglan 2023: rural revitalisation assessment" in qinglan and "Luyuan County" in qinglan
    assert "Back to the province overview" in qinglan
    assert len(UNIT_LINK.findall(qinglan)) == 7


def test_city_page_names_are_unique_when_slugs_collide(big):
    from zhenxing.report.index import IndexContext

    plan = big["plan"]
    cities = plan.all_cities.copy()
    cities.loc[cities.index[:3], "city_en"] = "Same"
    plan2 = type(plan)(plan.year, plan.scope, plan.run_name, plan.units, plan.cities, plan.jobs, plan.province, cities)
    ctx = IndexContext(plan2, big["ds"].framework, "zh", {}, big["run_dir"], {"reports": {}})
    names = city_page_names(ctx)
    assert len(set(names.values())) == len(names) == 448
    assert sorted(names[c] for c in cities["city"].iloc[:3]) == ["index_same-2.html", "index_same-3.html", "index_same.html"]


# ---------------------------------------------------------------------------
# Chromium: the province page and a city page fit the A4 print width
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    from zhenxing.report.pdf import find_browser

    path = find_browser()
    if not path:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no Chromium found (apt-get install chromium)")
        pytest.skip("no Chromium found (apt-get install chromium; or set ZHENXING_BROWSER)")
    return path


def test_province_and_city_pages_print_within_the_a4_width(big, chromium):
    from zhenxing.report.pdf import PRINT_WIDTH_PX, Browser

    from .test_browser import WIDE_JS

    run_dir = big["run_dir"]
    city = CITY_LINK.findall(big["pages"]["index.html"])[0]
    with Browser(chromium) as browser:
        for name in ("index.html", city):
            tab = browser.open((run_dir / name).as_uri(), width=PRINT_WIDTH_PX, height=1000, media="print")
            try:
                wide = json.loads(tab.evaluate(WIDE_JS % PRINT_WIDTH_PX))
                text = tab.evaluate("document.body.innerText")
            finally:
                tab.close()
            assert wide["n"] == 0 and wide["scroll"] <= PRINT_WIDTH_PX + 1, (name, wide)
            assert "约谈风险一览" in text and "风险等级" in text, name
