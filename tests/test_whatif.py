"""``zhenxing.report.whatif``: the data of whatif.html and its rendering (fast, no browser)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from zhenxing.data import load_dataset
from zhenxing.framework import load_framework
from zhenxing.precision import to_steps
from zhenxing.report import whatif
from zhenxing.scenarios import load_scenarios
from zhenxing.scoring import ScoringOptions, score_arrays, score_year

from .conftest import ROOT

FRAMEWORK = ROOT / "params" / "framework.yaml"
SCENARIOS = sorted((ROOT / "params" / "scenarios").glob("*.yaml"), key=lambda f: (f.stem != "baseline", f.stem))


@pytest.fixture(scope="module")
def ds():
    return load_dataset(load_framework(FRAMEWORK), ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")


@pytest.fixture(scope="module")
def data(ds):
    return whatif.page_data(ds, 2023, "青岚市", load_scenarios(SCENARIOS, ds.framework), "zh")


def rescore(data: dict, weights, aggregation: str) -> np.ndarray:
    """The page's formula on the page's data, in numpy: published total steps per unit."""
    n, nd = len(data["units"]["code"]), len(data["dimensions"])
    a = np.asarray(data["units"]["A"][aggregation]).reshape(n, nd)
    w = np.asarray(weights, float)
    w = w * data["scale"] / w.sum()
    w = w / w.sum()
    off = data["geometric_offset"]
    base = data["scale"] * (a @ w if aggregation == "arithmetic" else np.exp(np.log(a + off) @ w) - off)
    total = np.maximum(0, base + np.asarray(data["units"]["bonus"]) - np.asarray(data["units"]["deduction"]))
    return to_steps(total, data["decimals"])


def test_page_data_holds_the_library_arrays(ds, data):
    fw, yd = ds.framework, ds.year(2023)
    assert data["units"]["code"] == [str(c) for c in yd.units["code"]]
    assert len(data["units"]["A"]["arithmetic"]) == len(yd.units) * len(fw.dimensions)
    for agg in whatif.AGGREGATIONS:
        arr = score_arrays(yd, fw, ScoringOptions(aggregation=agg))["dimension_attainment"]
        assert np.array_equal(np.asarray(data["units"]["A"][agg]).reshape(arr.shape), arr)
    assert [d["weight"] for d in data["dimensions"]] == list(fw.dimension_weights)
    assert data["quota"] == fw.warning_talk.per_category and data["decimals"] == fw.publication.decimals
    assert data["close"] == {"points_steps": 300, "ranks": 2, "points": 3.0}
    assert data["cities"][data["home_city"]] == "青岚市"
    assert [c["id"] for c in data["categories"]] == fw.category_ids


def test_scenarios_presets_and_the_one_not_available(ds, data):
    ids = [p["id"] for p in data["presets"]]
    assert ids[0] == "baseline" and set(ids) == {"baseline", "equal_pillars", "geometric", "industry_led", "poverty_doubled"}
    assert [s["id"] for s in data["not_available"]] == ["min_max"]
    assert "标准化" in data["not_available"][0]["note"]
    poverty = next(p for p in data["presets"] if p["id"] == "poverty_doubled")
    assert sum(poverty["weights"]) == pytest.approx(100) and poverty["aggregation"] == "arithmetic"


@pytest.mark.parametrize("aggregation", whatif.AGGREGATIONS)
def test_the_pages_formula_gives_score_year(ds, data, aggregation):
    rng = np.random.default_rng(7)
    for _ in range(10):
        w = rng.uniform(0, 30, len(data["dimensions"]))
        res = score_year(ds, 2023, ScoringOptions(dimension_weights=tuple(w * 100 / w.sum()), aggregation=aggregation))
        expected = dict(zip(res.units["code"].astype(str), to_steps(res.units["total"].to_numpy(), 2)))
        assert dict(zip(data["units"]["code"], rescore(data, w, aggregation))) == expected


def test_rendered_page(data):
    page = whatif.render_whatif(data)
    assert '<script src="plotly.min.js"></script>' in page and '<script src="whatif.js"></script>' in page
    assert "cdn" not in page.lower() and "http" not in page.split('id="whatif-data"')[0].lower().replace('name="viewport"', "")
    blob = re.search(r'<script type="application/json" id="whatif-data">(.*?)</script>', page, re.S).group(1)
    assert "</" not in blob and json.loads(blob)["units"]["code"] == data["units"]["code"]
    assert page.count('type="range"') == len(data["dimensions"])
    visible = re.sub(r"<script.*?</script>|<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    assert re.findall(r"[A-Za-z]{2,}", visible) == []
    alone = whatif.render_whatif(data, standalone=True)
    assert 'src="whatif.js"' not in alone and 'src="plotly.min.js"' not in alone and len(alone) > 3_000_000


def test_english_page_and_write_skips_unchanged(ds, tmp_path):
    en = whatif.page_data(ds, 2023, "青岚市", [], "en")
    assert en["cities"][en["home_city"]] == "Qinglan" and all(re.fullmatch(r"[\x20-\x7e]+", n) for n in en["units"]["name"])
    assert "Qinglan 2023: what if the weights change?" in whatif.render_whatif(en)
    path, written = whatif.write_whatif(tmp_path, ds, 2023, "青岚市", SCENARIOS, "zh")
    assert written and (tmp_path / "whatif.js").read_bytes() == (whatif.STATIC / "whatif.js").read_bytes()
    mtime = path.stat().st_mtime_ns
    assert whatif.write_whatif(tmp_path, ds, 2023, "青岚市", SCENARIOS, "zh") == (path, False) and path.stat().st_mtime_ns == mtime
