"""Real-browser parity of ``whatif.html`` with the library.

A one-unit ``run_reports`` run writes ``whatif.html`` beside the index; headless
Chromium (the DevTools client of :mod:`zhenxing.report.pdf`) opens it from disk
and, through the page's own controls (``input`` events on the sliders,
``change`` events on the selects), sets 24 seeded random weight vectors (each
with a random aggregation, arithmetic or geometric) and every scenario preset.
After each, every unit's displayed total (at the published precision), rank in
its category and warning-talk flag (from the category league charts, every
chart redrawn at each input: ``whatif.drawAll``), the home
city's table (total, rank, margin, risk level) and the city league (score,
rank, last) are compared with :func:`zhenxing.scoring.score_year` for the same
weights and aggregation, and the effective points shown beside each slider
("30 → 22.2") with ``weight × scale / Σweights`` at one decimal. The page must
raise no JavaScript error and make no request off the disk. In print emulation
(an A4-printable viewport, :data:`~zhenxing.report.pdf.PRINT_WIDTH_PX`) no
visible element reaches past the printable width (``WIDE_JS`` of
``tests/test_browser.py``), with the weights still printed as text.

Without Chromium the test is skipped, except under CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from zhenxing.data import load_dataset
from zhenxing.framework import load_framework
from zhenxing.labels import risk_label
from zhenxing.precision import format_published
from zhenxing.report.batch import run_reports
from zhenxing.report.pdf import PRINT_WIDTH_PX, Browser, find_browser
from zhenxing.scenarios import load_scenarios
from zhenxing.scoring import ScoringOptions, score_year

from .conftest import ROOT
from .test_browser import WIDE_JS

FRAMEWORK = ROOT / "params" / "framework.yaml"
REGISTER = ROOT / "data" / "raw" / "demo_register_synthetic.csv"
VALUES = ROOT / "data" / "raw" / "demo_values_synthetic.csv"
SCENARIOS = sorted((ROOT / "params" / "scenarios").glob("*.yaml"), key=lambda f: (f.stem != "baseline", f.stem))
CITY, YEAR = "青岚市", 2023
LOCAL = ("file:", "data:", "blob:", "about:")

READ_JS = """(() => {
  const units = {}, home = {}, cities = {};
  document.querySelectorAll('.chart.league').forEach(div => {
    const t = div.data[0];
    t.customdata.forEach(c => { units[c[0]] = [c[3], c[1], c[2]]; });
  });
  document.querySelectorAll('#home-rows tr').forEach(tr => {
    const cells = tr.querySelectorAll('td');
    home[tr.dataset.code] = [tr.querySelector('.total').textContent, tr.querySelector('.rank').textContent,
                             cells[cells.length - 1].textContent, tr.querySelector('.badge').textContent];
  });
  const c = document.getElementById('city-league').data[0];
  c.customdata.forEach(d => { cities[d[0]] = [d[3], d[1], d[2]]; });
  const effective = Array.from(document.querySelectorAll('#sliders .effective'), e => e.textContent);
  const given = Array.from(document.querySelectorAll('#sliders .given'), e => e.textContent);
  return JSON.stringify({units, home, cities, effective, given, weights: window.whatif.state.weights,
                         aggregation: window.whatif.state.aggregation});
})()"""


def set_weights_js(weights, aggregation: str) -> str:
    return f"""(() => {{
  const agg = document.getElementById('aggregation');
  agg.value = {json.dumps(aggregation)}; agg.dispatchEvent(new Event('change', {{bubbles: true}}));
  const w = {json.dumps(list(weights))};
  document.querySelectorAll('#sliders input[type=range]').forEach((s, d) => {{
    s.value = String(w[d]); s.dispatchEvent(new Event('input', {{bubbles: true}}));
  }});
  return true; }})()"""


def set_preset_js(scenario_id: str) -> str:
    return f"""(() => {{ const s = document.getElementById('preset');
  s.value = {json.dumps(scenario_id)}; s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value; }})()"""


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_browser()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no Chromium found (apt-get install chromium)")
        pytest.skip("no Chromium found (apt-get install chromium, or set ZHENXING_BROWSER); CI=true makes this a failure")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("whatif")
    summary = run_reports(FRAMEWORK, REGISTER, VALUES, year=YEAR, city=CITY, units=["990123"], overview=False, out=out,
                          jobs=1, progress=False)
    assert summary.n_failed == 0, summary.describe()
    return summary.run_dir


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(load_framework(FRAMEWORK), REGISTER, VALUES)


def expected(ds, weights, aggregation):
    fw = ds.framework
    w = np.asarray(weights, float)
    res = score_year(ds, YEAR, ScoringOptions(dimension_weights=tuple(w * fw.scale / w.sum()), aggregation=aggregation))
    p = fw.publication.decimals
    units = {str(u.code): [format_published(u.total, p), f"{u.rank_category}/{u.n_category}", int(bool(u.warning_talk))]
             for u in res.units.itertuples()}
    home = {str(u.code): [format_published(u.total, p), f"{u.rank_category}/{u.n_category}",
                          ("+" if u.margin_bottom > 0 else "") + format_published(u.margin_bottom, p), risk_label(u.risk, "zh")]
            for u in res.units[res.units["city"] == CITY].itertuples()}
    n = len(res.cities)
    cities = {c.city: [format_published(c.score, p), f"{c.rank}/{n}", int(bool(c.last))] for c in res.cities.itertuples()}
    return units, home, cities


def compare(page: dict, ds, weights, aggregation, what: str) -> None:
    units, home, cities = expected(ds, weights, aggregation)
    assert page["aggregation"] == aggregation, what
    assert page["weights"] == pytest.approx(list(weights), abs=1e-12), what
    # beside each slider: the weight, and the points it counts for after renormalising to the scale
    scale, w = ds.framework.scale, np.asarray(weights, float)
    assert page["effective"] == [format_published(x, 1) for x in w * scale / w.sum()], what
    assert [float(g) for g in page["given"]] == pytest.approx(list(w), abs=0.005), what
    assert page["units"] == units, what
    assert page["home"] == home, what
    assert page["cities"] == cities, what


def test_whatif_page_agrees_with_score_year(chromium, run, dataset):
    page_path = run / "whatif.html"
    assert page_path.is_file() and (run / "whatif.js").is_file() and (run / "plotly.min.js").is_file()
    index = (run / "index.html").read_text(encoding="utf-8")
    assert '<a href="whatif.html">如果权重变化？</a>' in index
    assert 'href="whatif.html"' in (run / "990123.html").read_text(encoding="utf-8")
    fw = dataset.framework
    scenarios = load_scenarios(SCENARIOS, fw)
    rng = np.random.default_rng(20231)
    vectors = []
    for k in range(24):
        w = rng.integers(0, 61, size=len(fw.dimensions)) / 2  # 0..30 points in half points (the sliders' step)
        if w.sum() == 0:
            w[0] = 10
        vectors.append((w.tolist(), "geometric" if k % 3 == 2 else "arithmetic"))
    with Browser(chromium) as browser:
        tab = browser.open(page_path.as_uri(), width=1400, height=1000, domains=("Page", "Runtime", "Log", "Network"))
        try:
            tab.evaluate("window.whatif.drawAll = true")  # charts off screen are redrawn at once too: every chart is read
            first = json.loads(tab.evaluate(READ_JS))
            compare(first, dataset, fw.dimension_weights, "arithmetic", "baseline on opening")
            assert len(first["units"]) == 100 and len(first["home"]) == 7
            for k, (w, agg) in enumerate(vectors):
                assert tab.evaluate(set_weights_js(w, agg))
                compare(json.loads(tab.evaluate(READ_JS)), dataset, w, agg, f"random vector {k}: {w} {agg}")
            tried = 0
            for s in scenarios:
                if s.options.normalisation != "goalpost":
                    assert s.label("zh") in tab.evaluate("document.querySelector('.unavailable').innerText"), s.id
                    continue
                assert tab.evaluate(set_preset_js(s.id)) == s.id
                compare(json.loads(tab.evaluate(READ_JS)), dataset, s.options.weights(fw)[0], s.options.aggregation, f"preset {s.id}")
                tried += 1
            assert tried == len(scenarios) - 1  # all but min_max
            tab.evaluate("document.getElementById('reset').click(), true")
            compare(json.loads(tab.evaluate(READ_JS)), dataset, fw.dimension_weights, "arithmetic", "after reset")
            text = tab.evaluate("document.body.innerText")
            assert re.findall(r"[A-Za-z]{2,}", text) == [], "English words in the Chinese page"
        finally:
            tab.close()
        errors, requests = [], []
        for e in browser.cdp.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(p["exceptionDetails"].get("exception", {}).get("description") or p["exceptionDetails"].get("text"))
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(str(p.get("args")))
            elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
                errors.append(p["entry"].get("text"))
            elif method == "Network.requestWillBeSent":
                requests.append(p["request"]["url"])
        assert errors == []
        assert [u for u in requests if not u.startswith(LOCAL)] == []
        assert any(u.endswith("/whatif.js") for u in requests) and any(u.endswith("/plotly.min.js") for u in requests)


@pytest.fixture(scope="module")
def page_en(tmp_path_factory, dataset):
    """The English page (its table's headers and badges are the widest), standalone."""
    from zhenxing.report.whatif import write_whatif

    path, written = write_whatif(tmp_path_factory.mktemp("whatif_en"), dataset, YEAR, CITY, SCENARIOS, "en", standalone=True)
    assert written
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_whatif_page_fits_the_a4_print_width(chromium, run, page_en, lang):
    """Print emulation: the controls stack above the results, the sliders give way to their weights as text,
    and no visible element is wider than the printable A4 width."""
    page = run / "whatif.html" if lang == "zh" else page_en
    with Browser(chromium) as browser:
        tab = browser.open(page.as_uri(), width=PRINT_WIDTH_PX, height=1000, media="print")
        try:
            tab.evaluate("""(() => { const s = document.getElementById('w0'); s.value = '30';
              s.dispatchEvent(new Event('input', {bubbles: true})); return true; })()""")
            wide = json.loads(tab.evaluate(WIDE_JS % PRINT_WIDTH_PX))
            shown = json.loads(tab.evaluate("""JSON.stringify({
              sliders: Array.from(document.querySelectorAll('#sliders input[type=range]')).map(s => getComputedStyle(s).display),
              weights: document.getElementById('sliders').innerText,
              controls: document.querySelector('.controls').getBoundingClientRect().bottom,
              results: document.querySelector('main').getBoundingClientRect().top})"""))
        finally:
            tab.close()
    assert wide["n"] == 0 and wide["scroll"] <= PRINT_WIDTH_PX + 1, (
        f"{wide['n']} element(s) wider than the printable A4 width ({PRINT_WIDTH_PX} px), page {wide['scroll']} px: {wide['bad']}")
    assert set(shown["sliders"]) == {"none"}, shown
    assert "30 →" in shown["weights"] and "→" in shown["weights"], shown
    assert shown["controls"] <= shown["results"], shown  # the controls above the results
