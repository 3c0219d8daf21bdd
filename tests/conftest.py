"""Shared fixtures: a tiny hand-checkable framework and data set."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# Two dimensions, three indicators, two categories: small enough to score by hand.
TINY_FRAMEWORK: dict = {
    "framework": {"name_zh": "测试框架", "name_en": "Test framework"},
    "scale": 100,
    "categories": [
        {"id": "a", "name_zh": "甲类", "name_en": "Class A"},
        {"id": "b", "name_zh": "乙类", "name_en": "Class B"},
    ],
    "grades": [
        {"id": "good", "name_zh": "好", "name_en": "Good", "min_score": 80},
        {"id": "fair", "name_zh": "较好", "name_en": "Fairly good", "min_score": 60},
        {"id": "average", "name_zh": "一般", "name_en": "Average", "min_score": 0},
    ],
    "warning_talk": {"per_category": 1, "last_city": True},
    "missing_values": "zero",
    "dimensions": [
        {
            "id": "d1",
            "name_zh": "维度一",
            "name_en": "Dimension one",
            "weight": 60,
            "indicators": [
                {"id": "i1", "name_zh": "指标一", "name_en": "Indicator one", "unit": "%", "direction": "higher",
                 "weight": 0.5, "target": {"a": 100, "b": 80}, "goalpost": {"a": 50, "b": 40}, "source": "test"},
                {"id": "i2", "name_zh": "指标二", "name_en": "Indicator two", "unit": "ratio", "direction": "lower",
                 "weight": 0.5, "target": 2.0, "goalpost": 3.0, "source": "test"},
            ],
        },
        {
            "id": "d2",
            "name_zh": "维度二",
            "name_en": "Dimension two",
            "weight": 40,
            "indicators": [
                {"id": "i3", "name_zh": "指标三", "name_en": "Indicator three", "unit": "元", "direction": "higher",
                 "weight": 1.0, "target": 20000, "goalpost": 10000, "source": "test"},
            ],
        },
    ],
    "adjustments": {
        "bonus": {"cap": 3, "items": [{"id": "title", "name_zh": "称号", "name_en": "Title", "points": 2, "max_points": 4}]},
        "deductions": [{"id": "cases", "name_zh": "返贫", "name_en": "Cases", "points_per_case": 0.5, "max_points": 2}],
        "vetoes": [{"id": "big_return", "name_zh": "规模性返贫", "name_en": "Large-scale return", "input": "cases", "threshold": 5}],
    },
}

TINY_REGISTER = """code,name_zh,name_en,city,city_en,category,is_district,joined
U1,甲县,Jia,X市,X,a,0,2020
U2,乙县,Yi,X市,X,a,0,2020
U3,丙县,Bing,Y市,Y,b,0,2020
U4,丁区,Ding,Y市,Y,b,1,2020
"""

# wide layout; U3's i2 is missing (empty cell)
TINY_VALUES = """code,year,i1,i2,i3,title,cases
U1,2023,75,2.5,15000,1,0
U2,2023,100,1.8,25000,2,6
U3,2023,60,,10000,0,0
U4,2023,80,3.0,12000,0,0
"""


def tiny_framework_dict() -> dict:
    return copy.deepcopy(TINY_FRAMEWORK)


@pytest.fixture
def tiny_files(tmp_path: Path) -> dict[str, Path]:
    fw = tmp_path / "framework.yaml"
    fw.write_text(yaml.safe_dump(TINY_FRAMEWORK, allow_unicode=True), encoding="utf-8")
    reg = tmp_path / "register.csv"
    reg.write_text(TINY_REGISTER, encoding="utf-8")
    val = tmp_path / "values.csv"
    val.write_text(TINY_VALUES, encoding="utf-8")
    return {"framework": fw, "register": reg, "values": val, "dir": tmp_path}


# the demo province, shared by the test modules that only read it (fw, ds, result)
@pytest.fixture(scope="session")
def fw():
    from zhenxing.framework import load_framework

    return load_framework(ROOT / "params" / "framework.yaml")


@pytest.fixture(scope="session")
def ds(fw):
    from zhenxing.data import load_dataset

    return load_dataset(fw, ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")


@pytest.fixture(scope="session")
def result(ds):
    from zhenxing.scoring import score_year

    return score_year(ds, 2023)


@pytest.fixture
def captured(monkeypatch):
    """Bundles passed to IPython's display by notebook.show and friends."""
    from zhenxing.report import notebook

    out: list[dict] = []
    monkeypatch.setattr(notebook, "_display", out.append)
    notebook.start_report("embed")
    return out
