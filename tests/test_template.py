"""Department submission templates: written, checked cell by cell with openpyxl, filled as a department would, read back.

The round trip: templates for 2023 from the demo (2022 as last year's
values), every value cell filled from the demo's 2023 values, read back
together with a plain file of the 2022 values: the same tidy values, the same
scores. Then what goes wrong in practice: a department that has not sent its
workbook, a value typed outside its range past Excel's validation, two files
giving the same value, an unknown department on the command line.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from zhenxing import cli
from zhenxing.data import load_dataset, submission_status
from zhenxing.errors import InputError
from zhenxing.scoring import score_year
from zhenxing.template import is_template, write_templates

from .conftest import ROOT

REGISTER = ROOT / "data/raw/demo_register_synthetic.csv"
VALUES = ROOT / "data/raw/demo_values_synthetic.csv"
FIRST_ROW, N_UNITS_2023 = 7, 100


def demo_values() -> pd.DataFrame:
    """The demo values straight from the CSV (independent of the intake): code, indicator, year, value (NaN = empty)."""
    v = pd.read_csv(VALUES, dtype={"code": str})
    return v


def value_of(year: int) -> dict[tuple[str, str], float]:
    v = demo_values()
    v = v[v["year"] == year]
    return {(c, i): x for c, i, x in zip(v["code"], v["indicator"], v["value"])}


def data_sheets(wb) -> list[tuple[str, str]]:
    """(sheet, department id) of each data sheet, from the hidden metadata sheet."""
    return [(r[1].value, r[2].value) for r in wb["_zhenxing"].iter_rows() if r[0].value == "sheet"]


def fill(path: Path, values: dict[tuple[str, str], float]) -> None:
    """Type the values into the value cells, as a department would (row 6 names the columns)."""
    wb = openpyxl.load_workbook(path)
    for sheet, _ in data_sheets(wb):
        ws = wb[sheet]
        ids = [c.value for c in ws[6]]
        for r in range(FIRST_ROW, ws.max_row + 1):
            code = ws.cell(r, 1).value
            for j, i in enumerate(ids, start=1):
                if i and not i.startswith("prev:") and i not in ("code", "name_zh", "city", "category", "notes"):
                    x = values.get((code, i))
                    ws.cell(r, j).value = None if x is None or math.isnan(x) else x
    wb.save(path)


@pytest.fixture(scope="module")
def blank(tmp_path_factory, ds) -> list[Path]:
    return write_templates(ds.framework, ds, 2023, tmp_path_factory.mktemp("blank"))


@pytest.fixture(scope="module")
def filled(tmp_path_factory, blank) -> tuple[list[Path], Path]:
    """The 15 templates filled with the demo's 2023 values, and a plain file of the 2022 values."""
    out = tmp_path_factory.mktemp("filled")
    paths = [Path(shutil.copy(p, out / p.name)) for p in blank]
    values = value_of(2023)
    for p in paths:
        fill(p, values)
    v = demo_values()
    plain = out / "values_2022.csv"
    v[v["year"] == 2022].to_csv(plain, index=False)
    return paths, plain


def copy_of(filled, tmp_path: Path) -> tuple[list[Path], Path]:
    paths, plain = filled
    return [Path(shutil.copy(p, tmp_path / p.name)) for p in paths], Path(shutil.copy(plain, tmp_path / plain.name))


def by_department(paths: list[Path]) -> dict[str, Path]:
    out = {}
    for p in paths:
        wb = openpyxl.load_workbook(p, read_only=True)
        out[data_sheets(wb)[0][1]] = p
        wb.close()
    return out


# ---------------------------------------------------------------------------
# the written workbooks
# ---------------------------------------------------------------------------


def test_one_workbook_per_department_named_by_year_and_department(blank, fw):
    assert len(blank) == len(fw.departments) == 15
    assert blank[0].name == "2023_统计局_填报模板.xlsx"
    assert {p.name for p in blank} == {f"2023_{d.name_zh}_填报模板.xlsx" for d in fw.departments}
    assert all(is_template(p) for p in blank)
    assert not is_template(VALUES) and not is_template(ROOT / "tests/corpus/values_department.xlsx")


def test_headers_give_name_unit_and_valid_range(blank, fw):
    agri = openpyxl.load_workbook(by_department(blank)["agri"])["填报"]
    assert [agri.cell(3, j).value for j in range(1, 8)] == ["单位代码", "单位名称", "所属市", "考核类别",
                                                            "粮食生产任务完成率", "上年值（2022）", "高标准农田占耕地比重"]
    assert [agri.cell(4, j).value for j in (5, 6, 7)] == ["%", "%", "%"]
    assert [agri.cell(6, j).value for j in range(1, 8)] == ["code", "name_zh", "city", "category", "grain_task", "prev:grain_task", "hs_farmland"]
    ranges = {agri.cell(6, j).value: agri.cell(5, j).value for j in range(1, agri.max_column + 1)}
    assert ranges["grain_task"] == "0–200"  # declared bounds [0, 200]
    assert ranges["hs_farmland"] == "0–100"  # a percentage
    assert ranges["processing_ratio"] == "≥ 0"  # a ratio: non-negative
    assert ranges["modern_agri_park"] == "整数 ≥ 0"  # a bonus count
    assert agri.cell(3, agri.max_column).value == "备注" and agri.cell(6, agri.max_column).value == "notes"
    stats = openpyxl.load_workbook(by_department(blank)["stats"])["填报"]
    assert stats.cell(3, 7).value == "农村居民人均可支配收入" and stats.cell(4, 7).value == "元" and stats.cell(5, 7).value == "≥ 0"
    assert stats.cell(6, 9).value == "rural_income_growth" and stats.cell(5, 9).value == "-100 ~ 500"  # declared bounds [-100, 500]
    assert stats["A1"].value == "2023年乡村振兴实绩考核数据填报表（统计局）"


def test_every_value_cell_has_data_validation_of_its_valid_range(blank, fw):
    seen = []
    for path in blank:
        ws = openpyxl.load_workbook(path)["填报"]
        ids = {ws.cell(6, j).value: j for j in range(1, ws.max_column + 1)}
        checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
        for input_id, j in ids.items():
            if input_id in ("code", "name_zh", "city", "category", "notes") or input_id.startswith("prev:"):
                continue
            seen.append(input_id)
            letter = openpyxl.utils.get_column_letter(j)
            dv = checks.pop(f"{letter}{FIRST_ROW}:{letter}{FIRST_ROW + N_UNITS_2023 - 1}")
            assert dv.allow_blank and dv.showErrorMessage and dv.errorStyle == "stop" and dv.error
            if input_id in fw.adjustment_input_ids:
                assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
                continue
            lo, hi = fw.indicator_by_id[input_id].valid_range
            assert dv.type == "decimal"
            if math.isinf(hi):
                assert (dv.operator, float(dv.formula1), lo) == ("greaterThanOrEqual", 0.0, 0.0)
            else:
                assert (dv.operator, float(dv.formula1), float(dv.formula2)) == ("between", lo, hi)
            assert f"{int(lo)}" in dv.error  # the message names the range
        assert not checks  # no other validation
    assert sorted(seen) == sorted(fw.indicator_ids + fw.adjustment_input_ids)  # every input once, in one workbook


def test_units_are_prefilled_and_locked_and_only_value_and_notes_cells_open(blank, ds):
    ws = openpyxl.load_workbook(by_department(blank)["civil_affairs"])["填报"]
    units = ds.register[ds.register["joined"] <= 2023]
    rows = list(ws.iter_rows(min_row=FIRST_ROW, values_only=True))
    assert [r[0] for r in rows] == list(units["code"])
    assert [r[1] for r in rows] == list(units["name_zh"]) and [r[2] for r in rows] == list(units["city"])
    assert rows[0][3] == "先行示范区"
    assert ws.protection.sheet and not ws.protection.password
    assert ws.freeze_panes == "E7"
    last = ws.max_column
    for r in (FIRST_ROW, FIRST_ROW + 99):
        assert ws.cell(r, 1).protection.locked and ws.cell(r, 2).protection.locked  # code and name
        assert not ws.cell(r, 5).protection.locked  # a value
        assert ws.cell(r, 6).protection.locked  # last year's value
        assert not ws.cell(r, last).protection.locked  # notes
    assert ws.cell(3, 5).protection.locked  # the headers


def test_last_years_values_beside_each_value_are_the_2022_demo_values(blank):
    previous = value_of(2022)
    n_checked = n_blank = 0
    for path in blank:
        ws = openpyxl.load_workbook(path)["填报"]
        for j in range(1, ws.max_column + 1):
            input_id = ws.cell(6, j).value
            if not input_id.startswith("prev:"):
                continue
            assert ws.cell(6, j - 1).value == input_id.removeprefix("prev:")  # right of its value column
            for r in range(FIRST_ROW, ws.max_row + 1):
                want = previous.get((ws.cell(r, 1).value, input_id.removeprefix("prev:")))
                got = ws.cell(r, j).value
                if want is None or math.isnan(want):  # joined in 2023, or missing in 2022
                    assert got is None
                    n_blank += 1
                else:
                    assert got == want
                    n_checked += 1
    # 96 units assessed in 2022 x 43 inputs, less the values missing in 2022
    missing_2022 = int(demo_values().query("year == 2022")["value"].isna().sum())
    assert n_checked == 96 * 43 - missing_2022
    assert n_blank == 4 * 43 + missing_2022


def test_english_templates_speak_english(ds, tmp_path):
    paths = write_templates(ds.framework, ds, 2023, tmp_path, department=["stats", "water"], lang="en")
    assert [p.name for p in paths] == ["2023_stats_template.xlsx", "2023_water_template.xlsx"]
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == ["Data", "Instructions", "_zhenxing"] and wb["_zhenxing"].sheet_state == "hidden"
    ws = wb["Data"]
    assert [ws.cell(3, j).value for j in range(1, 5)] == ["Unit code", "Unit", "City", "Category"]
    assert ws.cell(6, 2).value == "name_en" and ws.cell(FIRST_ROW, 2).value == "Lancheng District" and ws.cell(FIRST_ROW, 3).value == "Qinglan"
    assert ws.cell(6, 5).value == "edu_culture_spending" and ws.cell(3, 5).value == ds.framework.indicator_by_id["edu_culture_spending"].name_en
    assert ws.cell(3, 6).value == "Last year (2022)"


# ---------------------------------------------------------------------------
# reading them back
# ---------------------------------------------------------------------------


def test_round_trip_gives_the_demo_values_and_scores_exactly(filled, fw, ds, result):
    paths, plain = filled
    back = load_dataset(fw, REGISTER, [plain, *paths])
    pd.testing.assert_frame_equal(back.values, ds.values)
    assert back.input_hash() == ds.input_hash()
    got = score_year(back, 2023).units
    for col in ["total", "total_exact", "rank_category", "rank_province", "warning_talk", "grade", "veto", "risk"]:
        assert list(got[col]) == list(result.units[col]), col
    pd.testing.assert_frame_equal(got, result.units)
    # each value's origin: the template of its department, or the plain file
    sub = back.submitted
    assert len(sub) == len(ds.values)
    y23 = sub[sub["year"] == 2023]
    dept_of = {i: (d.name_zh if d else "") for i, d in fw.department_of_input.items()}
    assert (y23["source"] == y23["indicator"].map(dept_of)).all()
    assert (y23["file"].str.endswith("_填报模板.xlsx")).all() and (y23["sheet"] == "填报").all()
    assert set(sub.loc[sub["year"] == 2022, "file"]) == {str(plain)}
    assert set(back.files["kind"]) == {"template", "values"} and len(back.files) == 16
    status = submission_status(back, 2023)
    assert (status["status"] == "complete").all() and len(status) == 15
    stats = status.set_index("department").loc["stats"]
    v = demo_values()
    stats_ids = [i for i, d in fw.department_of_input.items() if d is not None and d.id == "stats"]
    blanks = int(v[(v["year"] == 2023) & v["indicator"].isin(stats_ids)]["value"].isna().sum())
    assert (stats["inputs"], stats["values_expected"], stats["values_blank"], stats["values_received"]) == (5, 500, blanks, 500 - blanks)
    assert stats["files"] == ["2023_统计局_填报模板.xlsx"]


def test_a_folder_and_a_workbook_of_all_departments_read_the_same(filled, fw, ds, tmp_path):
    paths, plain = filled
    folder = tmp_path / "returns"
    folder.mkdir()
    for p in [*paths, plain]:
        shutil.copy(p, folder / p.name)
    (folder / "~$2023_统计局_填报模板.xlsx").write_bytes(b"lock")  # Excel's lock file of an open workbook: skipped
    pd.testing.assert_frame_equal(load_dataset(fw, REGISTER, folder).values, ds.values)
    [one] = write_templates(fw, ds, 2023, tmp_path / "one", one_workbook=True)
    assert one.name == "2023_全部部门_填报模板.xlsx"
    wb = openpyxl.load_workbook(one)
    assert wb.sheetnames[:3] == ["统计局", "农业农村局", "乡村振兴局"] and len(wb.sheetnames) == 17
    fill(one, value_of(2023))
    back = load_dataset(fw, REGISTER, [plain, one])
    pd.testing.assert_frame_equal(back.values, ds.values)
    status = submission_status(back, 2023)
    assert status.set_index("department").loc["water", "files"] == ["2023_全部部门_填报模板.xlsx [水利局]"]


def test_plain_files_split_by_indicator_combine_to_the_same_data(fw, ds, tmp_path):
    v = demo_values()
    half = v["indicator"].isin(fw.indicator_ids[:20])
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    v[half].to_csv(a, index=False)
    v[~half].assign(source="统计局").to_csv(b, index=False)
    both = load_dataset(fw, REGISTER, [a, b])
    pd.testing.assert_frame_equal(both.values, ds.values)
    assert both.input_hash() == ds.input_hash()
    assert set(both.submitted.loc[both.submitted["file"] == str(b), "source"]) == {"统计局"}
    assert set(both.submitted.loc[both.submitted["file"] == str(a), "source"]) == {""}
    # half of the indicators in one plain file only: refused as before (plain files must be complete together)
    with pytest.raises(InputError) as info:
        load_dataset(fw, REGISTER, [a])
    assert "indicator(s) " in str(info.value) and "missing for every unit" in str(info.value)


def test_a_department_that_has_not_sent_is_named_and_its_values_are_missing(filled, fw, ds, tmp_path):
    paths, plain = copy_of(filled, tmp_path)
    absent = by_department(paths)["civil_affairs"]
    absent.unlink()
    back = load_dataset(fw, REGISTER, [plain, *[p for p in paths if p.exists()]])
    status = submission_status(back, 2023).set_index("department")
    row = status.loc["civil_affairs"]
    assert row["status"] == "not_sent" and row["files"] == [] and row["values_received"] == 0
    assert sorted(row["inputs_not_sent"]) == ["elderly_care", "service_stations", "village_rules"]  # 民政局 in the demo framework
    assert (status.drop(index="civil_affairs")["status"] == "complete").all()
    # scored with those values missing, as the framework's rule says: the same as the demo with them blanked
    ids = row["inputs_not_sent"]
    v = ds.values.copy()
    v.loc[(v["year"] == 2023) & v["indicator"].isin(ids), "value"] = np.nan
    pd.testing.assert_frame_equal(back.values, v)
    blanked = type(ds)(ds.framework, ds.register, v, ds.sources)
    pd.testing.assert_frame_equal(score_year(back, 2023).units, score_year(blanked, 2023).units)
    assert not score_year(back, 2023).units["total"].equals(score_year(ds, 2023).units["total"])
    # the command line says so
    code = cli.main(["validate", "--register", str(REGISTER), "--values", str(plain), *map(str, back.files["file"][1:]),
                     "--out", str(tmp_path / "out")])
    assert code == 0


def test_the_command_line_prints_who_has_not_sent_what(filled, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    paths, plain = copy_of(filled, tmp_path)
    by_department(paths)["water"].unlink()
    rest = [str(p) for p in paths if p.exists()]
    code = cli.main(["validate", "--values", str(plain), *rest, "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "submissions for 2023: 15 departments, 14 complete, 0 incomplete, 1 not sent" in out
    assert "  未报送 水利局 (water): nothing received; expected 1 input(s): tap_water" in out
    assert "  已报送 统计局 (stats): 2023_统计局_填报模板.xlsx: 5/5 inputs, 499 values, 1 blank" in out
    assert "values:   15 files:" in out


def test_a_value_outside_its_range_is_refused_with_file_sheet_row_and_column(filled, fw, tmp_path):
    paths, plain = copy_of(filled, tmp_path)
    agri = by_department(paths)["agri"]
    wb = openpyxl.load_workbook(agri)
    wb["填报"]["E9"] = 250  # openpyxl does not apply Excel's validation
    wb.save(agri)
    with pytest.raises(InputError) as info:
        load_dataset(fw, REGISTER, [plain, *paths])
    assert [str(p) for p in info.value.problems] == [
        f"{agri}, sheet '填报', row 9, column 'E 粮食生产任务完成率' (grain_task): 250 % for 'grain_task' is impossible (expected a value in [0, 200])"
    ]


def test_text_in_a_template_cell_is_refused_like_in_any_file(filled, fw, tmp_path):
    paths, plain = copy_of(filled, tmp_path)
    stats = by_department(paths)["stats"]
    wb = openpyxl.load_workbook(stats)
    wb["填报"]["G12"] = "无"
    wb.save(stats)
    with pytest.raises(InputError) as info:
        load_dataset(fw, REGISTER, [plain, *paths])
    assert f"{stats}, sheet '填报', row 12, column 'G 农村居民人均可支配收入' (rural_income): found '无', text for 'no value'" in str(info.value)


def test_two_files_giving_the_same_values_are_refused_naming_both(filled, fw, ds, tmp_path):
    paths, plain = copy_of(filled, tmp_path)
    stats = by_department(paths)["stats"]
    extra = tmp_path / "correction.csv"
    extra.write_text("code,indicator,year,value\n990102,rural_income,2023,30000\n990103,rural_income,2023,24021\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_dataset(fw, REGISTER, [plain, *paths, extra])
    [problem] = info.value.problems
    assert problem.where == f"{extra} and {stats}, sheet '填报'"
    assert problem.what.startswith(
        "2 values given by both files (1 with different values, 1 the same): "
        "unit '990102', 2023, 'rural_income': row 2, column 'value' (30000) and row 7, column 'G 农村居民人均可支配收入' (rural_income) (29928); "
        "unit '990103', 2023, 'rural_income': row 3, column 'value' (24021) and row 8")
    # the same workbook sent twice under another name: refused too, every value the same
    twice = tmp_path / "copy_of_stats.xlsx"
    shutil.copy(stats, twice)
    with pytest.raises(InputError) as info:
        load_dataset(fw, REGISTER, [plain, *paths, twice])
    assert "500 values given by both files (all with the same value)" in str(info.value)
    # the same path twice is read once
    pd.testing.assert_frame_equal(load_dataset(fw, REGISTER, [plain, *paths, stats]).values, ds.values)


def test_a_template_of_another_year_or_department_set(blank, fw, ds, tmp_path):
    [p] = write_templates(fw, ds, 2023, tmp_path, department="water")
    wb = openpyxl.load_workbook(p)
    meta = wb["_zhenxing"]
    for row in meta.iter_rows():
        if row[0].value == "sheet":
            row[2].value = "fisheries"
    wb.save(p)
    with pytest.raises(InputError) as info:
        load_dataset(fw, REGISTER, [VALUES, p])
    assert f"{p}, sheet '填报': the template is for department 'fisheries', which reports no input in this framework" in str(info.value)
    with pytest.raises(InputError) as info:
        write_templates(fw, ds, 2099, tmp_path)
    assert str(info.value.problems[0]) == "--year: 2099 is outside the framework's assessment years 2018-2035"


# ---------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------


def test_cli_writes_a_template_per_department(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = cli.main(["template", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "templates for 2024: 15 workbooks, 100 units, last year's values from 2023" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(line.split("/")[-1] for line in out.splitlines() if line.startswith("wrote "))
    ws = openpyxl.load_workbook(tmp_path / "2024_水利局_填报模板.xlsx")["填报"]
    assert ws["F3"].value == "上年值（2023）" and ws["A1"].value.startswith("2024年")
    assert ws["F7"].value == value_of(2023)[("990102", "tap_water")]


def test_cli_refuses_an_unknown_department_listing_the_known_ones(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = cli.main(["template", "--out", str(tmp_path), "--department", "stats", "--department", "fisheries"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "--department: unknown department id 'fisheries' (expected one of stats (统计局), agri (农业农村局)," in err
    assert not list(tmp_path.iterdir())


def test_a_deleted_row_is_a_unit_not_covered_and_its_values_missing(filled, fw, ds, tmp_path):
    paths, plain = copy_of(filled, tmp_path)
    water = by_department(paths)["water"]
    wb = openpyxl.load_workbook(water)
    ws = wb["填报"]
    code = ws.cell(FIRST_ROW + 3, 1).value
    ws.delete_rows(FIRST_ROW + 3)
    wb.save(water)
    back = load_dataset(fw, REGISTER, [plain, *paths])
    row = submission_status(back, 2023, lang="en").set_index("department").loc["water"]
    assert (row["status"], row["name"], row["units_not_covered"], row["values_received"]) == ("incomplete", "Water Resources Bureau", [code], 99)
    got = back.values.set_index(["code", "year", "indicator"])["value"]
    assert math.isnan(got[(code, 2023, "tap_water")]) and not math.isnan(ds.values.set_index(["code", "year", "indicator"])["value"][(code, 2023, "tap_water")])


def test_a_run_file_may_list_values_files_and_each_missing_one_is_named(filled, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    paths, plain = filled
    run = tmp_path / "run.yaml"
    run.write_text(f"values:\n  - {plain}\n  - {tmp_path / 'none.xlsx'}\n" + "".join(f"  - {p}\n" for p in paths[:2]), encoding="utf-8")
    assert cli.main(["validate", "--params", str(run), "--out", str(tmp_path / "out")]) == 2
    assert f"{run}: values[1]: file not found, no such file: {tmp_path / 'none.xlsx'}" in capsys.readouterr().err
    run.write_text(f"values:\n  - {plain}\n" + "".join(f"  - {p}\n" for p in paths), encoding="utf-8")
    assert cli.main(["validate", "--params", str(run), "--out", str(tmp_path / "out")]) == 0
    assert "submissions for 2023: 15 departments, 15 complete" in capsys.readouterr().out


def test_the_audit_runs_on_the_returned_workbooks_and_names_the_department(filled, tmp_path, capsys, monkeypatch):
    """A department sends rural income in 万元 for one unit: the audit of the returned workbooks flags the
    cell as a unit-scale slip, names 统计局, and the water bureau that has not sent is a coverage gap."""
    monkeypatch.chdir(ROOT)
    paths, plain = copy_of(filled, tmp_path)
    stats = by_department(paths)["stats"]
    wb = openpyxl.load_workbook(stats)
    ws = wb["填报"]
    col = [c.value for c in ws[6]].index("rural_income") + 1
    code, yuan = ws.cell(FIRST_ROW + 3, 1).value, ws.cell(FIRST_ROW + 3, col).value
    ws.cell(FIRST_ROW + 3, col).value = round(yuan / 10_000, 4)  # 万元 typed for 元
    wb.save(stats)
    by_department(paths)["water"].unlink()
    out = tmp_path / "out"
    rc = cli.main(["audit", "--values", str(plain), *[str(p) for p in paths if p.exists()], "--out", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "未报送 水利局 (water)" in printed
    flags = pd.read_csv(out / "audit_flags.csv", dtype={"code": str})
    slip = flags[(flags["code"] == code) & (flags["indicator"] == "rural_income")]
    assert list(slip["check"]) == ["scale"] and list(slip["department_zh"]) == ["统计局"]
    assert "万元" in slip["message_zh"].iloc[0]
    gap = flags[(flags["check"] == "coverage") & (flags["indicator"] == "tap_water")]
    assert list(gap["year"]) == [2023]  # no water bureau return: the indicator has no value in 2023
