"""Write the malformed-input corpus of tests/test_intake_corpus.py (run from the project root).

    .venv/bin/python tests/corpus/make_corpus.py

Every file is small and built from the tiny test framework of tests/conftest.py
(units U1..U4 in X市 and Y市, indicators i1 (%), i2, i3, inputs title and
cases, data for 2023). The files are committed; this script documents how
each was made and rewrites them (the .xlsx bytes differ by their timestamps).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import openpyxl
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.conftest import TINY_FRAMEWORK, TINY_REGISTER, TINY_VALUES  # noqa: E402

WIDE_HEAD = "code,year,i1,i2,i3,title,cases"


def rows_of(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().splitlines()]


def long_text(wide: str) -> str:
    """The wide tiny values as long rows."""
    lines = rows_of(wide)
    out = ["code,indicator,year,value"]
    for cells in lines[1:]:
        for col, v in zip(lines[0][2:], cells[2:]):
            out.append(f"{cells[0]},{col},{cells[1]},{v}")
    return "\n".join(out) + "\n"


def typed(cell: str) -> object:
    """A CSV cell as Excel would hold it: numbers as numbers, empty as no value."""
    if cell == "":
        return None
    try:
        f = float(cell)
    except ValueError:
        return cell
    if not math.isfinite(f):
        return cell  # 'nan', 'inf': text in the sheet
    return int(f) if f.is_integer() and "." not in cell else f


def csv(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(text.encode(encoding))


def xlsx(name: str, sheets: dict[str, list[list[object]]], merge: dict[str, str] | None = None) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append([typed(c) if isinstance(c, str) else c for c in row])
        if merge and title in merge:
            ws.merge_cells(merge[title])
    wb.save(HERE / name)


def replace_cell(text: str, row: int, col: int, value: str) -> str:
    """``text`` with the cell at spreadsheet ``row`` (1 = header) and 0-based ``col`` replaced."""
    lines = text.strip().splitlines()
    cells = lines[row - 1].split(",")
    cells[col] = value
    lines[row - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


def main() -> None:
    # the good inputs and a run file pointing at them
    (HERE / "framework.yaml").write_text(yaml.safe_dump(TINY_FRAMEWORK, allow_unicode=True, sort_keys=False), encoding="utf-8")
    csv("register.csv", TINY_REGISTER)
    csv("values.csv", TINY_VALUES)
    run = {"framework": "tests/corpus/framework.yaml", "register": "tests/corpus/register.csv", "values": "tests/corpus/values.csv",
           "year": 2023, "home_city": "X市", "lang": "en"}
    (HERE / "run.yaml").write_text(yaml.safe_dump(run, allow_unicode=True, sort_keys=False), encoding="utf-8")

    # -- text meaning "no value" in a number cell -----------------------------------------------------
    csv("values_marker_na.csv", replace_cell(TINY_VALUES, 4, 3, "N/A"))
    csv("values_marker_slash.csv", replace_cell(TINY_VALUES, 2, 4, "/"))
    csv("values_marker_null.csv", replace_cell(TINY_VALUES, 5, 2, "null"))
    csv("values_marker_long_dash.csv", replace_cell(long_text(TINY_VALUES), 7, 3, "—"))
    csv("values_marker_wu.csv", replace_cell(long_text(TINY_VALUES), 3, 3, "无"))
    xlsx("values_marker_zanwu.xlsx", {"Sheet1": rows_of(replace_cell(TINY_VALUES, 3, 4, "暂无"))})
    xlsx("values_marker_nan.xlsx", {"Sheet1": rows_of(replace_cell(TINY_VALUES, 2, 2, "nan"))})
    # declared markers: 'N/A' twice and '—' once (the positive test declares them)
    declared = replace_cell(replace_cell(replace_cell(TINY_VALUES, 2, 3, "N/A"), 3, 4, "n/a"), 5, 2, "—")
    csv("values_markers_declared.csv", declared)
    csv("values_marker_undeclared.csv", replace_cell(declared, 4, 4, "暂无"))
    csv("ytd_marker.csv", "code,indicator,year,month,value\nU1,i1,2023,6,70\nU2,i1,2023,6,N/A\n")
    (HERE / "run_ytd_marker.yaml").write_text(yaml.safe_dump({**run, "ytd": "tests/corpus/ytd_marker.csv"}, allow_unicode=True), encoding="utf-8")

    # -- register contradictions -----------------------------------------------------------------------
    two_years = TINY_VALUES + "\n".join(line.replace(",2023,", ",2024,") for line in TINY_VALUES.strip().splitlines()[1:]) + "\n"
    csv("values_two_years.csv", two_years)
    csv("register_joined_2024.csv", TINY_REGISTER.replace("U4,丁区,Ding,Y市,Y,b,1,2020", "U4,丁区,Ding,Y市,Y,b,1,2024"))
    csv("register_joined_typo.csv", TINY_REGISTER.replace("U3,丙县,Bing,Y市,Y,b,0,2020", "U3,丙县,Bing,Y市,Y,b,0,2029"))
    xlsx("register_joined_typo.xlsx", {"Sheet1": rows_of(TINY_REGISTER.replace("U2,乙县,Yi,X市,X,a,0,2020", "U2,乙县,Yi,X市,X,a,0,2092"))})

    # -- years -----------------------------------------------------------------------------------------
    xlsx("register_joined_range.xlsx", {"Sheet1": rows_of(TINY_REGISTER.replace("U1,甲县,Jia,X市,X,a,0,2020", "U1,甲县,Jia,X市,X,a,0,1999"))})
    csv("values_year_range.csv", replace_cell(TINY_VALUES, 3, 1, "2203"))
    long_1923 = "\n".join(line.replace(",2023,", ",1923,") if line.startswith("U2,") else line for line in long_text(TINY_VALUES).splitlines()) + "\n"
    csv("values_year_range_block.csv", long_1923)
    csv("values_sparse_units.csv", TINY_VALUES + "U1,2022,70,2.6,14000,0,0\n")
    sparse_inds = long_text(TINY_VALUES) + "".join(f"U{k},i1,2022,{60 + k}\n" for k in range(1, 5))
    xlsx("values_sparse_indicators.xlsx", {"Sheet1": rows_of(sparse_inds)})

    # -- long cells ------------------------------------------------------------------------------------
    csv("values_long_cell.csv", replace_cell(TINY_VALUES, 2, 2, "9" * 50 + "x" * 19_950))
    lines = TINY_VALUES.strip().splitlines()
    csv("values_long_header.csv", "\n".join([lines[0] + ",i" + "9" * 5000] + [line + ",1" for line in lines[1:]]) + "\n")
    xlsx("register_long_cell.xlsx", {"Sheet1": rows_of(TINY_REGISTER.replace("Y市,Y,b,1", "Y市,Y," + "类" * 3000 + ",1"))})

    # -- repeated columns ------------------------------------------------------------------------------
    csv("values_repeated_column.csv", "code,year,i1,i2,i3,title,cases,i1\n" + "".join(line + ",1\n" for line in TINY_VALUES.strip().splitlines()[1:]))
    xlsx("values_repeated_column.xlsx", {"Sheet1": rows_of("code,year,i1,i2,i3,i3,title,cases\n" + "\n".join(
        ",".join(c[:5] + [c[4]] + c[5:]) for c in rows_of(TINY_VALUES)[1:]))})
    csv("register_repeated_alias.csv", TINY_REGISTER.replace("code,name_zh,name_en,city,city_en,category,is_district,joined",
                                                             "code,name_zh,name_en,city,city_en,category,is_district,joined,代码", 1)
        .replace(",2020\n", ",2020,x\n"))

    # -- Excel (and CSV) as departments send it --------------------------------------------------------
    title = [["2023年乡村振兴实绩考核指标数据"], ["单位：%、元"]]
    zh_long = [["单位代码", "指标代码", "年度", "数值"]] + rows_of(long_text(TINY_VALUES))[1:]
    xlsx("values_department.xlsx", {"说明": [["本表由县农业农村局填报"], ["联系人：张三"]], "数据": title + zh_long}, merge={"数据": "A1:D1"})
    bad_dept = [r[:] for r in zh_long]
    bad_dept[3][3] = "abc"  # sheet row 6 (two title rows, the header on row 3)
    xlsx("values_department_bad.xlsx", {"说明": [["本表由县农业农村局填报"]], "数据": title + bad_dept}, merge={"数据": "A1:D1"})
    csv("values_chinese_wide.csv", "县区代码,年份,指标一,指标二,Indicator three,title,cases\n" + "\n".join(TINY_VALUES.strip().splitlines()[1:]).replace(",75,", ",180,") + "\n")
    xlsx("values_no_header.xlsx", {"数据": [["2023年考核数据"], ["单位：%"], ["县名", "数值"], ["甲县", 75]]})
    xlsx("values_two_sheets.xlsx", {"2022": rows_of(TINY_VALUES.replace("2023", "2022")), "2023": rows_of(TINY_VALUES)})
    xlsx("register_department.xlsx", {"名单": [["纳入考核单位名单"], [],
                                              ["代码", "单位名称", "英文名称", "所属市", "城市英文名", "考核类别", "是否市辖区", "纳入考核年份"]]
                                     + rows_of(TINY_REGISTER)[1:]}, merge={"名单": "A1:H1"})

    # -- the classic ones ------------------------------------------------------------------------------
    csv("values_wrong_columns.csv", "code,what\nU1,3\n")
    xlsx("register_wrong_columns.xlsx", {"Sheet1": [["code", "name"], ["U1", "甲县"]]})
    csv("values_unknown_indicator.csv", long_text(TINY_VALUES) + "U1,i99,2023,4\n")
    xlsx("values_unknown_unit.xlsx", {"Sheet1": rows_of(TINY_VALUES + "U9,2023,75,2.5,15000,1,0\n")})
    csv("values_duplicate_row.csv", TINY_VALUES + "U2,2023,100,1.8,25000,2,6\n")
    csv("register_duplicate_unit.csv", TINY_REGISTER + "U2,乙县,Yi,X市,X,a,0,2020\n")
    xlsx("values_text_in_number.xlsx", {"Sheet1": rows_of(replace_cell(TINY_VALUES, 4, 4, "lots"))})
    csv("values_impossible_percent.csv", replace_cell(TINY_VALUES, 5, 2, "175"))
    xlsx("values_negative_count.xlsx", {"Sheet1": rows_of(replace_cell(TINY_VALUES, 3, 6, "-1"))})
    csv("values_missing_indicator.csv", "\n".join(",".join(c[:4] + c[5:]) for c in rows_of(TINY_VALUES)) + "\n")
    csv("register_unknown_category.csv", TINY_REGISTER.replace("U2,乙县,Yi,X市,X,a", "U2,乙县,Yi,X市,X,c"))
    xlsx("register_bad_district.xlsx", {"Sheet1": rows_of(TINY_REGISTER.replace("Y市,Y,b,1,2020", "Y市,Y,b,maybe,2020"))})
    xlsx("values_excel_error.xlsx", {"Sheet1": rows_of(replace_cell(TINY_VALUES, 2, 4, "#DIV/0!"))})
    csv("values_not_utf8.csv", TINY_VALUES.replace("code,", "代码,", 1), encoding="gb18030")
    csv("values_empty.csv", "")
    csv("values_infinite.csv", replace_cell(TINY_VALUES, 3, 3, "inf"))
    csv("values_decimal_comma.csv", replace_cell(TINY_VALUES, 2, 3, '"2,5"'))
    csv("register_joined_text.csv", TINY_REGISTER.replace("U4,丁区,Ding,Y市,Y,b,1,2020", "U4,丁区,Ding,Y市,Y,b,1,soon"))
    (HERE / "values.json").write_text("{}\n", encoding="utf-8")

    # -- adjustments, formulas, names, huge cells (review findings) ----------------------------------------
    csv("values_adjustment_blank.csv", replace_cell(TINY_VALUES, 3, 6, ""))  # U2's deduction cases (a veto input) left blank
    formula = rows_of(TINY_VALUES)
    formula[2][2] = "=50+50"  # saved by a script: no stored result
    xlsx("values_formula.xlsx", {"Sheet1": formula})
    names = {"U1": "甲县", "U2": "乙县", "U3": "丙县", "U4": "丁区"}
    named = [["代码", "单位名称", "指标", "年份", "数值", "单位"]] + [
        [c, names[c], i, y, v.replace(".", "．") if i == "i2" else v, "%" if i == "i1" else ""] for c, i, y, v in rows_of(long_text(TINY_VALUES))[1:]
    ]
    xlsx("values_department_named.xlsx", {"数据": title + named}, merge={"数据": "A1:F1"})
    mismatch = [r[:] for r in named]
    mismatch[7][1] = "乙乡"  # sheet row 10 names U2 otherwise than the register
    xlsx("values_name_mismatch.xlsx", {"数据": title + mismatch})

    # -- run-file settings that do not fit the data ----------------------------------------------------
    def run_file(name: str, **changes: object) -> None:
        (HERE / name).write_text(yaml.safe_dump({**run, **changes}, allow_unicode=True, sort_keys=False), encoding="utf-8")

    run_file("run_home_city_unknown.yaml", home_city="青兰市")
    run_file("run_year_no_data.yaml", year=2021)
    run_file("run_register_missing.yaml", register="tests/corpus/no_such_register.csv")
    run_file("run_unknown_key.yaml", colour="red")
    run_file("run_marker_number.yaml", missing_markers=["N/A", "0"])
    run_file("run_home_city_english.yaml", home_city="x")  # city_en of X市: accepted
    templates()


def templates() -> None:
    """Filled submission templates (``zhenxing template``) of the tiny framework: one good, one with a value out of range.

    The tiny framework names no departments: every input is in the template of the pseudo department 未指定部门.
    Run alone with ``make_corpus.py templates``.
    """
    import shutil
    import tempfile

    from zhenxing.data import load_dataset
    from zhenxing.framework import load_framework
    from zhenxing.template import write_templates

    fw = load_framework(HERE / "framework.yaml")
    ds = load_dataset(fw, HERE / "register.csv", HERE / "values.csv")
    values = {(c, i): typed(v) for c, i, _, v in rows_of(long_text(TINY_VALUES))[1:]}
    for name, changes in (("values_template.xlsx", {}), ("values_template_out_of_range.xlsx", {("U2", "i1"): 150})):
        with tempfile.TemporaryDirectory() as tmp:
            [path] = write_templates(fw, ds, 2023, tmp)
            wb = openpyxl.load_workbook(path)
            ws = wb["填报"]
            ids = [c.value for c in ws[6]]
            for r in range(7, ws.max_row + 1):
                for j, i in enumerate(ids, start=1):
                    key = (ws.cell(r, 1).value, i)
                    if key in values:
                        ws.cell(r, j).value = changes.get(key, values[key])
            wb.save(path)
            shutil.copy(path, HERE / name)


if __name__ == "__main__":
    templates() if sys.argv[1:] == ["templates"] else main()
