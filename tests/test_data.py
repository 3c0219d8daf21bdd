"""Data intake: long and wide, CSV and Excel, and every bad-input case named by file, row and column."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest

from zhenxing.data import load_dataset, read_table, write_processed
from zhenxing.errors import InputError
from zhenxing.framework import load_framework

from .conftest import ROOT, TINY_REGISTER, TINY_VALUES


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
    assert f"{src}, row 6: duplicate values for unit 'U1', year 2023, indicators i1, i2, i3, title, cases (first at row 2)" in text
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
    assert text.splitlines() == [f"{tiny_files['values']}: year 2023: indicator(s) i3 missing for every unit "
                                 "(leave the values empty to report them as missing, do not drop the column or rows)"]


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
    assert "no header row found in the first 10 rows" in text and "the first rows hold row 1: 'county', 'what'; row 2: 'U1', '3'" in text
    text = problems(tiny_files, values_text="code,what\nU1,3\n")
    assert "cannot tell the layout from the columns 'code', 'what'" in text
    fw = load_framework(tiny_files["framework"])
    with pytest.raises(InputError) as info:
        load_dataset(fw, tiny_files["dir"] / "nope.csv", tiny_files["dir"] / "nada.xlsx")
    text = "\n".join(map(str, info.value.problems))
    assert "nope.csv: file not found (expected the register" in text
    assert "nada.xlsx: file not found (expected the values" in text


def test_units_not_yet_joined_need_no_values_and_are_named_as_left_out(tiny_files):
    reg = tiny_files["register"].read_text(encoding="utf-8").replace("U4,丁区,Ding,Y市,Y,b,1,2020", "U4,丁区,Ding,Y市,Y,b,1,2023")
    earlier = "\n".join(line.replace(",2023,", ",2022,") for line in TINY_VALUES.splitlines()[1:] if not line.startswith("U4"))
    ds = load(tiny_files, TINY_VALUES + earlier + "\n", reg)
    assert list(ds.year(2022).units["code"]) == ["U1", "U2", "U3"]
    assert list(ds.year(2023).units["code"]) == ["U1", "U2", "U3", "U4"]
    assert ds.left_out(2022).to_dict("records") == [{"code": "U4", "name_zh": "丁区", "name_en": "Ding", "city": "Y市", "joined": 2023}]
    assert ds.left_out(2023).empty


def test_write_processed_is_atomic_and_leaves_no_temp_files(tiny_files, tmp_path):
    ds = load(tiny_files)
    out = tmp_path / "processed"
    paths = write_processed(ds, out)
    assert sorted(p.name for p in out.iterdir()) == ["register.csv", "values_tidy.csv"]
    back = pd.read_csv(paths[1])
    assert len(back) == len(ds.values)
    assert len(ds.input_hash()) == 64


# ---------------------------------------------------------------------------
# review fixes: Excel cells as shown, Excel errors, a broken register, row numbers
# ---------------------------------------------------------------------------


def write_xlsx(path, rows, formats=None):
    """A workbook whose first sheet holds ``rows``; ``formats`` maps (row, col) (1-based) to a number format."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for (r, c), fmt in (formats or {}).items():
        ws.cell(row=r, column=c).number_format = fmt
    wb.save(path)
    return path


def cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "zhenxing", *args], check=False, capture_output=True, text=True, env=env, timeout=300)


def test_excel_percentage_cells_are_read_as_shown(tiny_files):
    # i1 as Excel percentages: 0.75 shown as "75.0%" is 75 (the indicator's unit is %)
    rows = [["code", "year", "i1", "i2", "i3", "title", "cases"],
            ["U1", 2023, 0.75, 2.5, 15000, 1, 0],
            ["U2", 2023, 1, 1.8, 25000, 2, 6],
            ["U3", 2023, 0.6, None, 10000, 0, 0],
            ["U4", 2023, 0.8, 3.0, 12000, 0, 0]]
    xlsx = write_xlsx(tiny_files["dir"] / "values.xlsx", rows, {(r, 3): "0.0%" for r in range(2, 6)})
    fw = load_framework(tiny_files["framework"])
    ds = load_dataset(fw, tiny_files["register"], xlsx)
    pd.testing.assert_frame_equal(ds.values, load(tiny_files).values)


def test_excel_cells_become_the_text_the_csv_path_gives(tmp_path):
    rows = [["code", "n", "pct", "when", "flag", "big"],
            ["990102", 2023, 0.972, datetime.datetime(2023, 6, 30), True, 1e16],
            [990103, 2023.0, 0.0123, datetime.date(2024, 1, 2), False, 0.1],
            [None, 97.2, 1, datetime.datetime(2023, 6, 30, 8, 15), "是", -3.5],
            ["x", 12, 0.5, "text", None, 3],
            ["y", 13, 0.8320000000000002, "", None, 4]]
    fmts = {(2, 3): "0.0%", (3, 3): "0.00%", (4, 3): "0%", (5, 3): '0"%"', (6, 3): "[Red]0.0%;-0.0%", (3, 6): "General"}
    path = write_xlsx(tmp_path / "t.xlsx", rows, fmts)
    df = read_table(path, "test")
    assert list(df.columns) == ["code", "n", "pct", "when", "flag", "big"]
    # % formats read as shown (not 97.19999999999999 or 83.20000000000002); a quoted "%" is only text
    assert df["pct"].tolist() == ["97.2", "1.23", "100", "0.5", "83.2"]
    assert df["when"].tolist() == ["2023-06-30", "2024-01-02", "2023-06-30T08:15:00", "text", ""]
    assert list(df.index) == [2, 3, 4, 5, 6]  # spreadsheet row numbers
    assert not df.isna().any().any()
    # everything but percentages and dates exactly as pandas read it before
    old = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    for col in ("code", "n", "flag", "big"):
        assert df[col].tolist() == old[col].tolist(), col


def test_excel_error_cells_are_reported_once_with_file_row_and_column(tiny_files, tmp_path):
    reg_rows = [r.split(",") for r in TINY_REGISTER.strip().splitlines()]
    reg_rows[2][6] = "#N/A"  # U2's is_district: row 3, column G
    reg_rows[3][1] = "#N/A"  # U3's name_zh
    reg = write_xlsx(tmp_path / "register.xlsx", reg_rows)
    val_rows = [["code", "indicator", "year", "value"]]
    for line in to_long(TINY_VALUES).strip().splitlines()[1:]:
        code, ind, year, v = line.split(",")
        val_rows.append([code, ind, int(year), float(v) if v else None])
    val_rows[3][3] = "#DIV/0!"  # U1's i3: row 4
    val_rows[5][2] = "#REF!"  # U1's cases: row 6, the year
    vals = write_xlsx(tmp_path / "values.xlsx", val_rows)
    fw = load_framework(tiny_files["framework"])
    with pytest.raises(InputError) as info:
        load_dataset(fw, reg, vals)
    got = [str(p) for p in info.value.problems]
    assert got == [
        f"{reg}, row 3, column 'is_district': Excel error #N/A (expected a value)",
        f"{reg}, row 4, column 'name_zh': Excel error #N/A (expected a value)",
        f"{vals}, row 4, column 'value': Excel error #DIV/0! (expected a value)",
        f"{vals}, row 6, column 'year': Excel error #REF! (expected a value)",
    ]
    out = tmp_path / "out"
    r = cli("run", "--framework", str(tiny_files["framework"]), "--register", str(reg), "--values", str(vals), "--out", str(out))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert f"{reg}, row 3, column 'is_district': Excel error #N/A (expected a value)" in r.stderr
    assert not out.exists() or not list(out.iterdir())


def test_error_texts_from_excel_in_a_csv_are_reported_too(tiny_files):
    text = problems(tiny_files, TINY_VALUES.replace("15000", "#VALUE!"))
    assert f"{tiny_files['values']}, row 2, column 'i3': Excel error #VALUE! (expected a value)" in text
    assert "found text" not in text


def test_a_register_missing_a_column_does_not_flood_the_report(tiny_files, tmp_path):
    reg = "\n".join(",".join(c for k, c in enumerate(line.split(",")) if k != 5) for line in TINY_REGISTER.strip().splitlines()) + "\n"
    text = problems(tiny_files, register_text=reg)
    assert text.splitlines() == [f"{tiny_files['register']}: missing column(s) category (expected code, name_zh, name_en, city, city_en, category, is_district, joined)"]
    # the demo: one problem, not one per value row
    demo = pd.read_csv(ROOT / "data/raw/demo_register_synthetic.csv", dtype=str, keep_default_na=False).drop(columns="category")
    demo.loc[3, "code"] = demo.loc[2, "code"]  # the columns that are there are still checked
    path = tmp_path / "register.csv"
    demo.to_csv(path, index=False)
    fw = load_framework(ROOT / "params/framework.yaml")
    with pytest.raises(InputError) as info:
        load_dataset(fw, path, ROOT / "data/raw/demo_values_synthetic.csv")
    got = [str(p) for p in info.value.problems]
    assert len(got) == 2
    assert "missing column(s) category" in got[0]
    assert f"{path}, row 5, column 'code': duplicate unit code" in got[1]
    # the values are still checked for their own problems
    text = problems(tiny_files, TINY_VALUES.replace("15000", "lots"), reg)
    assert "row 2, column 'i3': expected a number, found text 'lots'" in text and "unknown unit code" not in text


def test_one_problem_per_cause(tiny_files):
    # an unknown code in the wide layout: one problem, not one per indicator column
    text = problems(tiny_files, TINY_VALUES + "U9,2023,60,2.0,10000,0,0\nU9,2022,60,2.0,10000,0,0\n")
    assert text.count("unknown unit code 'U9'") == 1
    assert f"{tiny_files['values']}, row 6, column 'code': unknown unit code 'U9' (not in the register; also in row 7)" in text
    # a bad value is not also reported as a missing indicator
    text = problems(tiny_files, TINY_VALUES.replace("15000", "lots"))
    assert text.splitlines() == [f"{tiny_files['values']}, row 2, column 'i3': expected a number, found text 'lots'"]
    # a unit whose joining year is unreadable is not also reported as lacking values
    reg = "\n".join(TINY_REGISTER.strip().splitlines()).replace("U4,丁区,Ding,Y市,Y,b,1,2020", "U4,丁区,Ding,Y市,Y,b,1,soon") + "\n"
    vals = "\n".join(line for line in TINY_VALUES.splitlines() if not line.startswith("U4")) + "\n"
    text = problems(tiny_files, vals, reg)
    assert text.splitlines() == [f"{tiny_files['register']}, row 5, column 'joined': expected the year the unit joined the assessment (e.g. 2021), found 'soon'"]


def test_blank_lines_keep_spreadsheet_row_numbers(tiny_files):
    lines = TINY_VALUES.replace("15000", "lots").replace("12000", "many").splitlines()
    vals = "\n".join(lines[:2] + ["", ",,,,,,"] + lines[2:]) + "\n\n"
    text = problems(tiny_files, vals)
    assert text.splitlines() == [
        f"{tiny_files['values']}, row 2, column 'i3': expected a number, found text 'lots'",
        f"{tiny_files['values']}, row 7, column 'i3': expected a number, found text 'many'",
    ]
    ds = load(tiny_files, "\n".join(TINY_VALUES.splitlines()[:3] + [""] + TINY_VALUES.splitlines()[3:]) + "\n")
    pd.testing.assert_frame_equal(ds.values, load(tiny_files, TINY_VALUES).values)


def test_numbers_with_thousands_separators(tiny_files):
    ds = load(tiny_files, TINY_VALUES.replace("15000", '"15,000"'))
    assert ds.year(2023).values[0, 2] == 15000
    text = problems(tiny_files, TINY_VALUES.replace("2.5", '"2,5"').replace("25000", "inf"))
    assert "row 2, column 'i2': expected a number, found text '2,5'" in text  # not 25
    assert "row 3, column 'i3': expected a finite number, found 'inf'" in text


def test_a_year_without_assessed_units_is_an_error(tiny_files):
    from zhenxing.data import Dataset

    ds = load(tiny_files)
    later = ds.register.assign(joined=2024)
    with pytest.raises(InputError, match="no unit is assessed in 2023: every unit of the register joins later"):
        Dataset(ds.framework, later, ds.values).year(2023)


def test_long_cells_are_quoted_short():
    from zhenxing.data.cells import quote

    assert quote("N/A") == "'N/A'"
    assert quote("a\nb") == "'a\\nb'"
    long = quote("x" * 1_000_000)
    assert long == "'" + "x" * 60 + "…' (1,000,000 characters)"


def test_header_below_title_rows_keeps_spreadsheet_rows(tiny_files):
    lines = TINY_VALUES.splitlines()
    text = "\n".join(["考核数据,,,,,,", "单位：%,,,,,,", "", *lines[:3], "U3,2023,60,,lots,0,0", lines[4]]) + "\n"
    assert problems(tiny_files, text).splitlines() == [f"{tiny_files['values']}, row 7, column 'i3': expected a number, found text 'lots'"]
