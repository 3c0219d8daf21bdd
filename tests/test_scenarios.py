"""Scenario files: validation with YAML paths, the shipped scenarios, and the comparison."""

from __future__ import annotations

import numpy as np
import pytest

from zhenxing.data import load_dataset
from zhenxing.errors import InputError
from zhenxing.framework import framework_from_dict, load_framework
from zhenxing.scenarios import compare, load_scenarios, scenario_from_dict

from .conftest import ROOT, tiny_framework_dict


@pytest.fixture(scope="module")
def demo():
    fw = load_framework(ROOT / "params/framework.yaml")
    ds = load_dataset(fw, ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")
    return fw, ds


def problems(data, fw) -> str:
    with pytest.raises(InputError) as info:
        scenario_from_dict(data, fw, "s.yaml")
    return "\n".join(map(str, info.value.problems))


def test_shipped_scenarios_load_and_weights_sum_to_the_scale(demo):
    fw, _ = demo
    scs = load_scenarios(None, fw, ROOT / "params/scenarios")
    ids = [s.id for s in scs]
    assert ids[0] == "baseline"
    assert set(ids) >= {"baseline", "equal_pillars", "poverty_doubled", "industry_led", "min_max", "geometric"}
    for s in scs:
        assert s.dimension_weights.sum() == pytest.approx(100)
        sums = np.bincount(fw.dimension_of_indicator, weights=s.indicator_weights)
        np.testing.assert_allclose(sums, 1.0)
    by_id = {s.id: s for s in scs}
    pov = by_id["poverty_doubled"].dimension_weights[fw.dimension_ids.index("poverty")]
    assert pov == pytest.approx(30 * 100 / 115)  # 15 doubled, then all rescaled from 115 to 100
    assert by_id["min_max"].options.normalisation == "min_max"
    assert by_id["geometric"].options.aggregation == "geometric"
    assert by_id["baseline"].uncertainty.has_noise


def test_every_problem_named_by_yaml_path():
    fw = framework_from_dict(tiny_framework_dict())
    text = problems(
        {
            "name_zh": "x", "name_en": "x",
            "normalisation": "median",
            "dimension_weights": {"d1": 50, "d3": 10},
            "dimension_multipliers": {"d1": 2},
            "indicator_weights": {"d1": {"i1": 0.7, "i2": 0.5}, "d2": {"i9": 1}},
            "uncertainty": {"dimension_weights": {"kind": "box"}, "noise": {"relative": 0.1, "indicators": {"zz": 0.1}}},
        },
        fw,
    )
    assert "s.yaml: normalisation: unknown method 'median'" in text
    assert "s.yaml: dimension_weights: give either dimension_weights or dimension_multipliers, not both" in text
    assert "s.yaml: dimension_weights.d3: unknown dimension 'd3'" in text
    assert "s.yaml: dimension_weights: no weight for d2" in text
    assert "s.yaml: indicator_weights.d1: shares must be >= 0 and sum to 1, they sum to 1.2" in text
    assert "s.yaml: indicator_weights.d2.i9: 'i9' is not an indicator of dimension 'd2'" in text
    assert "s.yaml: uncertainty.dimension_weights.spread: a box needs a spread" in text
    assert "s.yaml: uncertainty.noise.indicators.zz: unknown indicator 'zz'" in text


def test_structural_problems_and_weights_not_adding_up():
    fw = framework_from_dict(tiny_framework_dict())
    text = problems({"name_zh": "x", "dimension_weights": {"d1": 70, "d2": 40}, "uncertainty": {"noise": {"relative": 2}}}, fw)
    assert "s.yaml: name_en: Field required" in text
    text = problems({"name_zh": "x", "name_en": "x", "dimension_weights": {"d1": 70, "d2": 40}}, fw)
    assert "s.yaml: dimension_weights: weights sum to 110, expected 100" in text


def test_duplicate_ids_and_missing_files(tmp_path):
    fw = framework_from_dict(tiny_framework_dict())
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text("id: same\nname_zh: 甲\nname_en: A\n", encoding="utf-8")
    b.write_text("id: same\nname_zh: 乙\nname_en: B\n", encoding="utf-8")
    with pytest.raises(InputError, match="scenario id 'same' is also used by"):
        load_scenarios([a, b], fw)
    with pytest.raises(InputError, match="nope.yaml: file not found"):
        load_scenarios([tmp_path / "nope.yaml"], fw)


def test_compare_reference_is_itself_and_rank_changes_add_up(demo):
    fw, ds = demo
    scs = load_scenarios(None, fw, ROOT / "params/scenarios")
    comp = compare(ds, 2023, scs)
    t = comp.table
    assert len(t) == 100
    np.testing.assert_allclose(np.diag(comp.kendall.to_numpy()), 1.0)
    assert (comp.kendall.to_numpy() <= 1).all() and (comp.kendall.to_numpy() > 0).all()
    # a rank change is the difference of the two rank columns
    np.testing.assert_array_equal(t["change_equal_pillars"], t["rank_category_baseline"] - t["rank_category_equal_pillars"])
    # rank changes within a category sum to 0 when there are no ties (as published) in either ranking
    for _, grp in t.groupby("category"):
        tied = grp["total_baseline"].duplicated().any() or grp["total_poverty_doubled"].duplicated().any()
        assert (grp["change_poverty_doubled"].sum() == 0) != tied
    # the baseline comparison equals the plain score
    from zhenxing.scoring import score_year

    base = score_year(ds, 2023).units.set_index("code")["total"]
    np.testing.assert_allclose(t.set_index("code")["total_baseline"], base.loc[t["code"]])
