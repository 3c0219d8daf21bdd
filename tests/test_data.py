"""Data intake: long and wide, CSV and Excel, and every bad-input case named by file, row and column."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from zhenxing.data import load_dataset, write_processed
from zhenxing.errors import InputError
from zhenxing.framework import load_framework

from .conftest import TINY_VALUES


def load(files, values_text: str | None = None, register_text: str | None = None):
    if values_text is not None:
        files["values"].write_text(values_text, encoding="utf-8")
    if register_text is not None:
        files["register"].write_text(register_text, encoding="utf-8")
    fw = load_framework(files["framework"])
    return load_dataset(fw, files["register"], files["values"])


def problems(files, values_text=None, register_text=None) -> str:
    with pytest.raises(InputError) as info:
        load(files, values_text, register_text)
    return "\n".join(str(p) for p in info.value.problems)


def to_long(wide_text: str) -> str:
    lines = wide_text.strip().splitlines()
    head = lines[0].split(",")
    out = ["code,indicator,year,value"]
    for line in lines[1:]:
        cells = line.split(",")
        for col, v in zip(head[2:], cells[2:]):
            out.append(f"{cells[0]},{col},{cells[1]},{v}")
    return "\n".join(out) + "\n"


def test_wide_and_long_give_the_same_tidy_table(tiny_files):
    wide = load(tiny_files)
    long = load(tiny_files, to_long(TINY_VALUES))
    pd.testing.assert_frame_equal(wide.values, long.values)
    assert len(wide.values) == 4 * 5
    assert wide.values["value"].isna().sum() == 1
    miss = wide.missing_summary()
    assert miss.to_dict("records") == [{"year": 2023, "indicator": "i2", "missing": 1}]


def test_excel_input(tiny_files):
    xlsx = tiny_files["dir"] / "values.xlsx"
    pd.read_csv(tiny_files["values"], dtype=str, keep_default_na=False).to_excel(xlsx, index=False)
    fw = load_framework(tiny_files["framework"])
    ds = load_dataset(fw, tiny_files["register"], xlsx)
    pd.testing.assert_frame_equal(ds.values, load(tiny_files).values)


def test_year_matrices(tiny_files):
    yd = load(tiny_files).year(2023)
    assert list(yd.units["code"]) == ["U1", "U2", "U3", "U4"]
    np.testing.assert_allclose(yd.values[0], [75, 2.5, 15000])
    assert np.isnan(yd.values[2, 1])
    np.testing.assert_allclose(yd.adjustments[1], [2, 6])
    with pytest.raises(InputError, match="no data for 2019"):
        load(tiny_files).year(2019)


def test_every_value_problem_named_by_file_row_and_column(tiny_files):
    bad = """code,year,i1,i2,i3,title,cases
U1,2023,75,2.5,15000,1,0
U2,2023,abc,1.8,25000,2,6
U9,2023,60,2.0,10000,0,0
U4,2023,180,3.0,-5,0,1.5
U1,2023,75,2.5,15000,1,0
"""
    text = problems(tiny_files, bad)
    src = str(tiny_files["values"])
    assert f"{src}, row 3, column 'i1': expected a number, found text 'abc'" in text
    assert f"{src}, row 4, column 'code': unknown unit code 'U9' (not in the register)" in text
    assert f"{src}, row 5, column 'i1': 180 % for 'i1' is impossible (expected a value in [0, 100])" in text
    assert f"{src}, row 5, column 'i3': -5 元 for 'i3' is impossible" in text
    assert f"{src}, row 5, column 'cases': 'cases' counts cases or titles: expected a whole number >= 0, found 1.5" in text
    assert f"{src}, row 6: duplicate value for unit 'U1', year 2023, indicator 'i1' (first at row 2)" in text
    # U3 has no row at all in 2023 although it is assessed
    assert "unit 'U3' has no values for 2023 although it is assessed that year" in text


def test_unknown_indicator_in_long_and_wide(tiny_files):
    long = to_long(TINY_VALUES) + "U1,i99,2023,4\n"
    text = problems(tiny_files, long)
    assert "column 'indicator': unknown indicator id 'i99' (not in the framework)" in text
    wide = TINY_VALUES.replace("cases\n", "cases,i99\n", 1).replace(",0\n", ",0,1\n").replace(",6\n", ",6,1\n")
    text = problems(tiny_files, wide)
    assert "column 'i99': unknown indicator id (not in the framework)" in text


def test_required_indicator_missing_for_a_county(tiny_files):
    long = "\n".join(line for line in to_long(TINY_VALUES).splitlines() if not line.startswith("U2,i3,")) + "\n"
    text = problems(tiny_files, long)
    assert "unit 'U2', year 2023: required indicator(s) i3 missing" in text
    wide = TINY_VALUES.replace(",i3", "").replace(",15000", "").replace(",25000", "").replace(",10000", "").replace(",12000", "")
    text = problems(tiny_files, wide)
    assert "required indicator(s) i3 missing" in text


def test_register_problems(tiny_files):
    reg = """code,name_zh,name_en,city,city_en,category,is_district,joined
U1,甲县,Jia,X市,X,a,0,2020
U1,乙县,Yi,X市,X,a,0,2020
U3,丙县,Bing,Y市,Y,,0,2020
U4,丁区,Ding,Y市,Y,z,maybe,soon
"""
    text = problems(tiny_files, register_text=reg)
    src = str(tiny_files["register"])
    assert f"{src}, row 3, column 'code': duplicate unit code 'U1' (first at row 2)" in text
    assert f"{src}, row 4, column 'category': unit 'U3' has no category (expected one of a, b)" in text
    assert f"{src}, row 5, column 'category': unknown category 'z' (expected one of a, b)" in text
    assert f"{src}, row 5, column 'is_district': expected 1 (district) or 0 (county), found 'maybe'" in text
    assert f"{src}, row 5, column 'joined': expected the year the unit joined the assessment" in text


def test_wrong_columns_and_missing_files(tiny_files):
    text = problems(tiny_files, register_text="code,name\nU1,x\n")
    assert "missing column(s) name_zh, city, category, is_district, joined" in text
    text = problems(tiny_files, values_text="county,what\nU1,3\n")
    assert "cannot tell the layout from the columns county, what" in text
    fw = load_framework(tiny_files["framework"])
    with pytest.raises(InputError) as info:
        load_dataset(fw, tiny_files["dir"] / "nope.csv", tiny_files["dir"] / "nada.xlsx")
    text = "\n".join(map(str, info.value.problems))
    assert "nope.csv: file not found (expected the register" in text
    assert "nada.xlsx: file not found (expected the values" in text


def test_units_not_yet_joined_need_no_values(tiny_files):
    reg = tiny_files["register"].read_text(encoding="utf-8").replace("U4,丁区,Ding,Y市,Y,b,1,2020", "U4,丁区,Ding,Y市,Y,b,1,2024")
    vals = "\n".join(line for line in TINY_VALUES.splitlines() if not line.startswith("U4")) + "\n"
    ds = load(tiny_files, vals, reg)
    assert list(ds.year(2023).units["code"]) == ["U1", "U2", "U3"]


def test_write_processed_is_atomic_and_leaves_no_temp_files(tiny_files, tmp_path):
    ds = load(tiny_files)
    out = tmp_path / "processed"
    paths = write_processed(ds, out)
    assert sorted(p.name for p in out.iterdir()) == ["register.csv", "values_tidy.csv"]
    back = pd.read_csv(paths[1])
    assert len(back) == len(ds.values)
    assert len(ds.input_hash()) == 64
