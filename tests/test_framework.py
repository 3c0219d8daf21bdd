"""Framework loading: every problem reported at once, each with its YAML path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from zhenxing.errors import InputError
from zhenxing.framework import framework_from_dict, load_framework

from .conftest import ROOT, tiny_framework_dict


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InputError) as info:
        framework_from_dict(data, "fw.yaml")
    return [str(p) for p in info.value.problems]


def test_tiny_framework_arrays():
    fw = framework_from_dict(tiny_framework_dict())
    assert fw.indicator_ids == ["i1", "i2", "i3"]
    assert fw.adjustment_input_ids == ["title", "cases"]
    np.testing.assert_array_equal(fw.dimension_of_indicator, [0, 0, 1])
    np.testing.assert_allclose(fw.indicator_points, [30, 30, 40])
    np.testing.assert_allclose(fw.targets, [[100, 2, 20000], [80, 2, 20000]])
    np.testing.assert_allclose(fw.goalposts, [[50, 3, 10000], [40, 3, 10000]])
    assert list(fw.higher_is_better) == [True, False, True]


def test_grade_with_veto():
    fw = framework_from_dict(tiny_framework_dict())
    assert fw.grade_for(85, vetoed=False).id == "good"
    assert fw.grade_for(85, vetoed=True).id == "fair"
    assert fw.grade_for(65, vetoed=True).id == "fair"
    assert fw.grade_for(10, vetoed=False).id == "average"


def test_all_problems_reported_at_once_with_yaml_paths():
    d = tiny_framework_dict()
    d["dimensions"][0]["weight"] = 55  # dimension weights no longer add to 100
    d["dimensions"][0]["indicators"][0]["weight"] = 0.6  # d1 shares add to 1.1
    d["dimensions"][0]["indicators"][1]["goalpost"] = 1.5  # lower-is-better goalpost below target
    d["dimensions"][1]["indicators"][0]["id"] = "i1"  # duplicate id
    d["dimensions"][0]["indicators"][0]["target"] = {"a": 100}  # no target for category b
    d["adjustments"]["bonus"]["cap"] = None  # bonus without cap
    msgs = problems_of(d)
    joined = "\n".join(msgs)
    assert "fw.yaml: dimensions[*].weight: dimension weights sum to 95, expected 100" in joined
    assert "dimensions[0].indicators[*].weight: indicator weights of dimension 'd1' sum to 1.1, expected 1" in joined
    assert "dimensions[0].indicators[1].goalpost: for category 'a' the goalpost 1.5 must lie above the target 2" in joined
    assert "dimensions[1].indicators[0].id: duplicate indicator id 'i1' (first at dimensions[0].indicators[0])" in joined
    assert "dimensions[0].indicators[0].target: no target for category 'b'" in joined
    assert "adjustments.bonus.cap: bonus items are declared but the bonus has no cap" in joined
    assert len(msgs) >= 6


def test_structural_errors_named_by_path():
    d = tiny_framework_dict()
    d["dimensions"][0]["indicators"][0]["direction"] = "up"
    del d["dimensions"][1]["indicators"][0]["unit"]
    d["dimensions"][1]["weight"] = "forty"
    d["surprise"] = 1
    joined = "\n".join(problems_of(d))
    assert "dimensions[0].indicators[0].direction: Input should be 'higher' or 'lower' (found 'up')" in joined
    assert "dimensions[1].indicators[0].unit: Field required" in joined
    assert "dimensions[1].weight: Input should be a valid number" in joined
    assert "surprise: Extra inputs are not permitted" in joined


def test_goalpost_wrong_side_for_higher_and_unknown_category():
    d = tiny_framework_dict()
    d["dimensions"][1]["indicators"][0]["goalpost"] = 25000
    d["dimensions"][0]["indicators"][0]["target"] = {"a": 100, "b": 80, "c": 70}
    joined = "\n".join(problems_of(d))
    assert "dimensions[1].indicators[0].goalpost: for category 'a' the goalpost 25000 must lie below the target 20000 (direction: higher)" in joined
    assert "dimensions[0].indicators[0].target.c: unknown category 'c'" in joined


def test_percent_target_outside_valid_range():
    d = tiny_framework_dict()
    d["dimensions"][0]["indicators"][0]["target"] = {"a": 120, "b": 80}
    joined = "\n".join(problems_of(d))
    assert "target 120 for category 'a' lies outside the indicator's valid range [0, 100]" in joined


def test_pillars_must_weigh_65():
    d = tiny_framework_dict()
    d["dimensions"][0]["pillar"] = True  # 60, not 65
    joined = "\n".join(problems_of(d))
    assert "pillars (pillar: true) weigh 60, expected 65" in joined


def test_missing_and_broken_files(tmp_path: Path):
    with pytest.raises(InputError, match="nope.yaml: file not found"):
        load_framework(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("dimensions: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yaml, line \d+: not valid YAML"):
        load_framework(bad)
    lst = tmp_path / "list.yaml"
    lst.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected a mapping at the top level"):
        load_framework(lst)


def test_shipped_framework_is_valid_and_documented():
    fw = load_framework(ROOT / "params/framework.yaml")
    assert 30 <= len(fw.indicators) <= 40
    assert sum(d.weight for d in fw.dimensions if d.pillar) == pytest.approx(65)
    assert [d.name_zh for d in fw.dimensions if d.pillar] == ["产业兴旺", "生态宜居", "乡风文明", "治理有效", "生活富裕"]
    assert {c.id for c in fw.categories} == {"pilot", "key", "normal"}
    assert not fw.higher_is_better.all()  # some lower-is-better indicators
    for ind in fw.indicators:
        assert ind.source.strip(), ind.id
    # the normal-zone income target is the 2023 national rural income (national statistics)
    loaded = yaml.safe_load((ROOT / "params/framework.yaml").read_text(encoding="utf-8"))
    assert loaded["warning_talk"]["per_category"] == 2


def test_adjustment_ids_share_one_namespace():
    d = tiny_framework_dict()
    adj = d["adjustments"]
    adj["bonus"]["items"].append(dict(adj["bonus"]["items"][0]))  # same id twice
    adj["deductions"].append({"id": "i3", "name_zh": "x", "name_en": "x", "points_per_case": 1})
    adj["vetoes"].append({"id": "v2", "name_zh": "x", "name_en": "x", "input": "title", "threshold": 1})
    joined = "\n".join(problems_of(d))
    assert "adjustments.bonus.items[1].id: id 'title' is already used by a bonus item" in joined
    assert "adjustments.deductions[1].id: id 'i3' is already used by an indicator" in joined
    assert "adjustments.vetoes[1].input: 'title' is a bonus item; a veto reads a count of cases" in joined


def test_union_paths_stay_readable_for_odd_category_ids():
    d = tiny_framework_dict()
    d["categories"][0]["id"] = "floating"
    d["dimensions"][0]["indicators"][0]["target"] = {"floating": "high", "b": 80}
    d["dimensions"][0]["indicators"][0]["goalpost"] = {"floating": 50, "b": 40}
    joined = "\n".join(problems_of(d))
    assert "dimensions[0].indicators[0].target.floating: Input should be a valid number" in joined


def test_departments_are_declared_once_and_referenced_by_id():
    data = tiny_framework_dict()
    data["departments"] = [{"id": "stats", "name_zh": "统计局", "name_en": "Statistics Bureau"},
                           {"id": "stats", "name_zh": "统计局", "name_en": "Statistics Bureau"}]
    data["dimensions"][0]["indicators"][0]["department"] = "agri"
    with pytest.raises(InputError) as err:
        framework_from_dict(data, "fw.yaml")
    text = str(err.value)
    assert "fw.yaml: departments[1].id: duplicate department id 'stats'" in text
    assert "fw.yaml: dimensions[0].indicators[0].department: unknown department 'agri' (known: stats, stats)" in text


def test_shipped_framework_names_a_department_for_every_input():
    fw = load_framework(ROOT / "params" / "framework.yaml")
    by_input = fw.department_of_input
    assert set(by_input) == set(fw.indicator_ids) | set(fw.adjustment_input_ids)
    assert all(d is not None for d in by_input.values())
    # the veto's own input (mass_incident) takes the veto's department
    assert by_input["mass_incident"].id == "publicity"
    assert by_input["rural_income"].name_zh == "统计局"
