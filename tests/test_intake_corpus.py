"""The malformed-input corpus (tests/corpus/, written by make_corpus.py): every file refused with one clear message.

Each case runs the command line in this process on files of the corpus (the
tiny framework of conftest.py) and checks: exit status 2, the expected message
fragments (file, row, column or run-file key or flag, what was expected), no
traceback, the output folder byte for byte as it was, and no temporary file.
The positive cases check what must still be accepted: declared missing
markers, a department's workbook with title rows, Chinese headers and an
extra sheet, and CRLF / BOM files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from zhenxing import cli
from zhenxing.data import load_dataset
from zhenxing.framework import load_framework
from zhenxing.scoring import score_year

from .conftest import ROOT

C = "tests/corpus/"
RUN = ["--params", C + "run.yaml"]
MARKER_HINT = "(leave the cell empty, or declare the marker under missing_markers: in the run file (or --missing-marker))"


def values(name: str) -> list[str]:
    return [*RUN, "--values", C + name]


def register(name: str) -> list[str]:
    return [*RUN, "--register", C + name]


CASES: dict[str, tuple[list[str], list[str]]] = {
    # name: (arguments after the command `run`, fragments expected on stderr)
    # -- text meaning "no value" in a number cell
    "marker N/A": (values("values_marker_na.csv"), [f"{C}values_marker_na.csv, row 4, column 'i2': found 'N/A', text for 'no value', where a number is expected {MARKER_HINT}"]),
    "marker /": (values("values_marker_slash.csv"), [f"{C}values_marker_slash.csv, row 2, column 'i3': found '/'"]),
    "marker null": (values("values_marker_null.csv"), [f"{C}values_marker_null.csv, row 5, column 'i1': found 'null'"]),
    "marker — long": (values("values_marker_long_dash.csv"), [f"{C}values_marker_long_dash.csv, row 7, column 'value': found '—'"]),
    "marker 无 long": (values("values_marker_wu.csv"), [f"{C}values_marker_wu.csv, row 3, column 'value': found '无'"]),
    "marker 暂无 xlsx": (values("values_marker_zanwu.xlsx"), [f"{C}values_marker_zanwu.xlsx, row 3, column 'i3': found '暂无'"]),
    "marker nan xlsx": (values("values_marker_nan.xlsx"), [f"{C}values_marker_nan.xlsx, row 2, column 'i1': found 'nan'"]),
    "markers not declared": (values("values_markers_declared.csv"), ["row 2, column 'i2': found 'N/A'", "row 3, column 'i3': found 'n/a'", "row 5, column 'i1': found '—'"]),
    "a marker not among the declared": (values("values_marker_undeclared.csv") + ["--missing-marker", "N/A", "--missing-marker", "—"],
                                        [f"{C}values_marker_undeclared.csv, row 4, column 'i3': found '暂无'"]),
    # -- register contradictions
    "values before joining": ([*RUN, "--register", C + "register_joined_2024.csv", "--values", C + "values_two_years.csv", "--year", "2024"],
                              [f"{C}values_two_years.csv, row 5: unit 'U4' has values for 2023 but joined the assessment in 2024 "
                               f"({C}register_joined_2024.csv, row 5, column 'joined')"]),
    "joined after all data": (register("register_joined_typo.csv"),
                              [f"{C}register_joined_typo.csv, row 4, column 'joined': unit 'U3' joins the assessment in 2029, after every year of data (2023)"]),
    # -- years
    "joined after the framework's years": (register("register_joined_typo.xlsx"),
                                           [f"{C}register_joined_typo.xlsx, row 3, column 'joined': joining year 2092 is outside the framework's assessment years 2018-2050"]),
    "joined before the framework's years": (register("register_joined_range.xlsx"), [f"{C}register_joined_range.xlsx, row 2, column 'joined': joining year 1999 is outside"]),
    "value year out of range": (values("values_year_range.csv"), [f"{C}values_year_range.csv, row 3, column 'year': year 2203 is outside the framework's assessment years 2018-2050"]),
    "a block of rows out of range": (values("values_year_range_block.csv"), [f"{C}values_year_range_block.csv, rows 7-11, column 'year': year 1923 is outside"]),
    "a year with few units": (values("values_sparse_units.csv"), [f"{C}values_sparse_units.csv: year 2022 has values for only 1 of the 4 units assessed that year (U1)"]),
    "a year with few indicators": (values("values_sparse_indicators.xlsx"), [f"{C}values_sparse_indicators.xlsx: year 2022 has values for only 1 of the 3 indicators (i1)"]),
    "--year without data": ([*RUN, "--year", "1999"], ["--year: no data for 1999 (years in the data: 2023); 1999 is outside the framework's assessment years 2018-2050"]),
    # -- run-file settings and options
    "unknown home_city": (["--params", C + "run_home_city_unknown.yaml"],
                          [f"{C}run_home_city_unknown.yaml: home_city: unknown city '青兰市' (cities in the register: X市、Y市)"]),
    "unknown --city": ([*RUN, "--city", "青兰市"], ["--city: unknown city '青兰市' (cities in the register: X市、Y市)"]),
    "run-file year without data": (["--params", C + "run_year_no_data.yaml"], [f"{C}run_year_no_data.yaml: year: no data for 2021 (years in the data: 2023)"]),
    "run-file register missing": (["--params", C + "run_register_missing.yaml"],
                                  [f"{C}run_register_missing.yaml: register: file not found, no such file: {C}no_such_register.csv (expected the register as .csv or .xlsx)"]),
    "unknown run-file key": (["--params", C + "run_unknown_key.yaml"], [f"{C}run_unknown_key.yaml: colour: Extra inputs are not permitted"]),
    "a number declared as marker": (["--params", C + "run_marker_number.yaml"], [f"{C}run_marker_number.yaml: missing_markers[1]: '0' is a number: it cannot mark a missing value"]),
    "an empty --missing-marker": ([*RUN, "--missing-marker", " "], ["--missing-marker: an empty marker"]),
    "--values missing": (values("no_such_values.csv"), [f"--values: file not found, no such file: {C}no_such_values.csv (expected the values as .csv or .xlsx)"]),
    # -- long cells
    "long cell": (values("values_long_cell.csv"), [f"{C}values_long_cell.csv, row 2, column 'i1': expected a number, found text '{'9' * 50}{'x' * 10}…' (20,000 characters)"]),
    "long header": (values("values_long_header.csv"), [f"{C}values_long_header.csv, row 1, column 'i{'9' * 59}…' (5,001 characters): unknown indicator id"]),
    # -- adjustments, formulas and names
    "blank veto input": (values("values_adjustment_blank.csv"), [f"{C}values_adjustment_blank.csv, row 3, column 'cases': no value for 'cases': bonus, deduction and veto inputs count titles or cases (expected a whole number, 0 if none; an empty cell is not read as 0)"]),
    "formula without result": (values("values_formula.xlsx"), [f"{C}values_formula.xlsx, row 3, column 'i1': a formula without a stored result ('=50+50'): open the file in Excel and save it"]),
    "name contradicts register": (values("values_name_mismatch.xlsx"), [f"{C}values_name_mismatch.xlsx, row 10, column '单位名称' (name_zh): '乙乡' for unit 'U2', but the register names it '乙县' (the two files contradict each other"]),
    "long register cell": (register("register_long_cell.xlsx"), [f"{C}register_long_cell.xlsx, row 5, column 'category': unknown category '{'类' * 60}…' (3,000 characters)"]),
    # -- repeated columns
    "repeated column": (values("values_repeated_column.csv"), [f"{C}values_repeated_column.csv, row 1, columns C and H: repeated column 'i1' (expected each column once)"]),
    "repeated column xlsx": (values("values_repeated_column.xlsx"), [f"{C}values_repeated_column.xlsx, row 1, columns E and F: repeated column 'i3'"]),
    "a column and its alias": (register("register_repeated_alias.csv"), [f"{C}register_repeated_alias.csv, row 1, columns A and I: 'code' and '代码' both name the column code"]),
    # -- Excel (and CSV) as departments send it
    "department workbook, bad cell": (values("values_department_bad.xlsx"), [f"{C}values_department_bad.xlsx, sheet '数据', row 6, column '数值' (value): expected a number, found text 'abc'"]),
    "Chinese wide headers": (values("values_chinese_wide.csv"), [f"{C}values_chinese_wide.csv, row 2, column '指标一' (i1): 180 % for 'i1' is impossible"]),
    "no header row": (values("values_no_header.xlsx"), [f"{C}values_no_header.xlsx: no header row found in the first 10 rows",
                                                        "the first rows hold row 1: '2023年考核数据'; row 2: '单位：%'; row 3: '县名', '数值'"]),
    "two data sheets": (values("values_two_sheets.xlsx"), [f"{C}values_two_sheets.xlsx: several sheets hold a table: '2022' (header on row 1), '2023' (header on row 1)"]),
    # -- the classic ones
    "wrong value columns": (values("values_wrong_columns.csv"), [f"{C}values_wrong_columns.csv: cannot tell the layout from the columns 'code', 'what'"]),
    "wrong register columns": (register("register_wrong_columns.xlsx"), [f"{C}register_wrong_columns.xlsx: missing column(s) name_zh, city, category, is_district, joined"]),
    "unknown indicator": (values("values_unknown_indicator.csv"), [f"{C}values_unknown_indicator.csv, row 22, column 'indicator': unknown indicator id 'i99'"]),
    "unknown unit": (values("values_unknown_unit.xlsx"), [f"{C}values_unknown_unit.xlsx, row 6, column 'code': unknown unit code 'U9' (not in the register)"]),
    "duplicate row": (values("values_duplicate_row.csv"), [f"{C}values_duplicate_row.csv, row 6: duplicate values for unit 'U2', year 2023, indicators i1, i2, i3, title, cases (first at row 3)"]),
    "duplicate unit": (register("register_duplicate_unit.csv"), [f"{C}register_duplicate_unit.csv, row 6, column 'code': duplicate unit code 'U2' (first at row 3)"]),
    "text in a number": (values("values_text_in_number.xlsx"), [f"{C}values_text_in_number.xlsx, row 4, column 'i3': expected a number, found text 'lots'"]),
    "impossible percentage": (values("values_impossible_percent.csv"), [f"{C}values_impossible_percent.csv, row 5, column 'i1': 175 % for 'i1' is impossible (expected a value in [0, 100])"]),
    "negative count": (values("values_negative_count.xlsx"), [f"{C}values_negative_count.xlsx, row 3, column 'cases': 'cases' counts cases or titles: expected a whole number >= 0, found -1"]),
    "a dropped column": (values("values_missing_indicator.csv"), [f"{C}values_missing_indicator.csv: year 2023: indicator(s) i3 missing for every unit"]),
    "unknown category": (register("register_unknown_category.csv"), [f"{C}register_unknown_category.csv, row 3, column 'category': unknown category 'c' (expected one of a, b)"]),
    "bad district flag": (register("register_bad_district.xlsx"), [f"{C}register_bad_district.xlsx, row 5, column 'is_district': expected 1 (district) or 0 (county), found 'maybe'"]),
    "joined as text": (register("register_joined_text.csv"), [f"{C}register_joined_text.csv, row 5, column 'joined': expected the year the unit joined the assessment (e.g. 2021), found 'soon'"]),
    "Excel error": (values("values_excel_error.xlsx"), [f"{C}values_excel_error.xlsx, row 2, column 'i3': Excel error #DIV/0! (expected a value)"]),
    "not UTF-8": (values("values_not_utf8.csv"), [f"{C}values_not_utf8.csv: not UTF-8 text"]),
    "empty file": (values("values_empty.csv"), [f"{C}values_empty.csv: the file is empty"]),
    "infinity": (values("values_infinite.csv"), [f"{C}values_infinite.csv, row 3, column 'i2': expected a finite number, found 'inf'"]),
    "decimal comma": (values("values_decimal_comma.csv"), [f"{C}values_decimal_comma.csv, row 2, column 'i2': expected a number, found text '2,5'"]),
    "unsupported type": (values("values.json"), [f"{C}values.json: unsupported file type '.json' (expected .csv or .xlsx)"]),
    # -- filled submission templates (zhenxing template) and several values files
    "template value out of range": (values("values_template_out_of_range.xlsx"),
                                    [f"{C}values_template_out_of_range.xlsx, sheet '填报', row 8, column 'E 指标一' (i1): 150 % for 'i1' is impossible (expected a value in [0, 100])"]),
    "a template and a plain file giving the same values": (
        [*RUN, "--values", C + "values.csv", C + "values_template.xlsx"],
        [f"{C}values_template.xlsx, sheet '填报' and {C}values.csv: 20 values given by both files (all with the same value): "
         f"unit 'U1', 2023, 'i1': row 7, column 'E 指标一' (i1) (75) and row 2, column 'i1' (75)"]),
    "one of several values files missing": ([*RUN, "--values", C + "values.csv", C + "no_such_values.xlsx"],
                                            [f"--values: file not found, no such file: {C}no_such_values.xlsx (expected the values as .csv or .xlsx)"]),
}

# other commands refuse the same settings before any work
OTHER_COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "reports --city": (["reports", *RUN, "--city", "青兰市"], ["--city: unknown city '青兰市' (cities in the register: X市、Y市)"]),
    "reports home_city": (["reports", "--params", C + "run_home_city_unknown.yaml"], [f"{C}run_home_city_unknown.yaml: home_city: unknown city '青兰市'"]),
    "simulate --city": (["simulate", *RUN, "--city", "Nowhere", "--draws", "10"], ["--city: unknown city 'Nowhere'"]),
    "simulate home_city": (["simulate", "--params", C + "run_home_city_unknown.yaml", "--draws", "10"], [f"{C}run_home_city_unknown.yaml: home_city: unknown city '青兰市'"]),
    "validate marker": (["validate", *values("values_marker_na.csv")], [f"{C}values_marker_na.csv, row 4, column 'i2': found 'N/A'"]),
    "validate year-to-date marker": (["validate", "--params", C + "run_ytd_marker.yaml"],
                                     [f"{C}ytd_marker.csv, row 3, column 'value': no value (expected the year-to-date value; leave out what was not reported)"]),
    "reports year-to-date marker": (["reports", "--params", C + "run_ytd_marker.yaml"], [f"{C}ytd_marker.csv, row 3, column 'value': no value"]),
    "score year": (["score", "--params", C + "run_year_no_data.yaml"], [f"{C}run_year_no_data.yaml: year: no data for 2021"]),
}


@pytest.fixture
def out_dir(tmp_path: Path, monkeypatch) -> Path:
    """An output folder holding earlier results (the project root is the current folder)."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "processed"
    out.mkdir()
    (out / "units_2023.csv").write_bytes("代码,总分\nU1,52.00\n".encode("utf-8-sig"))
    (out / "values_tidy.csv").write_bytes(b"code,year,indicator,value\r\nU1,2023,i1,75.0\r\n")
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(argv: list[str], out: Path, capsys) -> str:
    """Run the command line; check the refusal and that nothing was written; return stderr."""
    before = snapshot(out)
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert "nothing was written" in err
    assert snapshot(out) == before
    assert not list(out.parent.rglob(".*.tmp"))
    return err


def test_the_corpus_is_a_real_artefact():
    files = [p for p in (ROOT / "tests/corpus").iterdir() if p.suffix in (".csv", ".xlsx", ".yaml", ".json")]
    assert len(files) >= 40
    assert sum(p.suffix == ".xlsx" for p in files) >= 12
    assert all(p.stat().st_size < 64_000 for p in files)


def test_a_cell_beyond_the_csv_parsers_field_limit_is_quoted_short(tmp_path, out_dir, capsys):
    # 200,000 characters, past the csv module's default limit of 131,072: still a cell problem, quoted short
    from tests.conftest import TINY_VALUES

    huge = tmp_path / "values_huge_cell.csv"
    lines = TINY_VALUES.strip().splitlines()
    lines[1] = lines[1].replace(",75,", "," + "x" * 200_000 + ",")
    huge.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = refused(["run", *RUN, "--values", str(huge), "--out", str(out_dir)], out_dir, capsys)
    assert f"{huge}, row 2, column 'i1': expected a number, found text '{'x' * 60}…' (200,000 characters)" in err
    assert len(err) < 3000


@pytest.mark.parametrize("case", list(CASES))
def test_each_malformed_input_is_refused_with_one_clear_message(case, out_dir, capsys):
    args, fragments = CASES[case]
    err = refused(["run", *args, "--out", str(out_dir)], out_dir, capsys)
    for fragment in fragments:
        assert fragment in err
    assert len(err) < 3000  # no cell is echoed back whole


@pytest.mark.parametrize("case", list(OTHER_COMMANDS))
def test_other_commands_refuse_the_same_settings(case, out_dir, tmp_path, capsys):
    argv, fragments = OTHER_COMMANDS[case]
    out = ["--out", str(tmp_path / "reports")] if argv[0] == "reports" else ["--out", str(out_dir)]
    err = refused([*argv, *out], out_dir, capsys)
    for fragment in fragments:
        assert fragment in err
    assert not (tmp_path / "reports").exists()


def test_declared_markers_are_missing_values_counted_by_marker(out_dir, capsys):
    code = cli.main(["validate", *values("values_markers_declared.csv"), "--missing-marker", "N/A", "--missing-marker", "—", "--out", str(out_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "declared missing markers (counted as missing values): 'N/A' 2 cells, '—' 1 cell" in out
    assert "missing values (scored by the rule 'zero'): 4 (2023: 4)" in out  # the empty cell of U3 and the three markers
    fw = load_framework(ROOT / C / "framework.yaml")
    ds = load_dataset(fw, ROOT / C / "register.csv", ROOT / C / "values_markers_declared.csv", missing_markers=["n/a", "—"])
    assert ds.missing_markers == {"n/a": 2, "—": 1}
    plain = load_dataset(fw, ROOT / C / "register.csv", ROOT / C / "values.csv")
    marked = ds.values.set_index(["code", "indicator"])["value"]
    assert marked.isna().sum() == 4 and plain.values["value"].isna().sum() == 1
    assert not plain.missing_markers


def test_markers_from_the_run_file(tmp_path, out_dir, capsys):
    run = tmp_path / "run.yaml"
    run.write_text((ROOT / C / "run.yaml").read_text(encoding="utf-8").replace("values.csv", "values_markers_declared.csv")
                   + "missing_markers: [N/A, —]\n", encoding="utf-8")
    assert cli.main(["run", "--params", str(run), "--out", str(out_dir), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "'N/A' 2 cells, '—' 1 cell" in out and "Home city X" in out


def test_a_department_workbook_reads_as_the_plain_files(out_dir, capsys):
    fw = load_framework(ROOT / C / "framework.yaml")
    plain = load_dataset(fw, ROOT / C / "register.csv", ROOT / C / "values.csv")
    dept = load_dataset(fw, ROOT / C / "register_department.xlsx", ROOT / C / "values_department.xlsx")
    pd.testing.assert_frame_equal(dept.values, plain.values)
    pd.testing.assert_frame_equal(dept.register, plain.register)
    assert dept.input_hash() == plain.input_hash()
    # names and a unit-of-measure column (单位) beside the values, a full-width decimal point: the same values
    named = load_dataset(fw, ROOT / C / "register.csv", ROOT / C / "values_department_named.xlsx")
    pd.testing.assert_frame_equal(named.values, plain.values)
    assert dept.intake == {"register": f"{ROOT / C}/register_department.xlsx (sheet '名单', header on row 3)",
                           "values": f"{ROOT / C}/values_department.xlsx (sheet '数据', header on row 3)"}
    code = cli.main(["validate", *RUN, "--register", C + "register_department.xlsx", "--values", C + "values_department.xlsx", "--out", str(out_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"register: {C}register_department.xlsx (sheet '名单', header on row 3): 4 units in 2 cities" in out
    assert f"values:   {C}values_department.xlsx (sheet '数据', header on row 3): 20 values" in out


def test_a_filled_template_reads_as_the_plain_file(out_dir, capsys):
    fw = load_framework(ROOT / C / "framework.yaml")
    plain = load_dataset(fw, ROOT / C / "register.csv", ROOT / C / "values.csv")
    filled = load_dataset(fw, ROOT / C / "register.csv", ROOT / C / "values_template.xlsx")
    pd.testing.assert_frame_equal(filled.values, plain.values)
    assert filled.input_hash() == plain.input_hash()
    assert set(filled.submitted["source"]) == {"未指定部门"} and set(filled.submitted["row"]) == {7, 8, 9, 10}
    code = cli.main(["validate", *values("values_template.xlsx"), "--out", str(out_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "submissions for 2023: 1 departments, 1 complete, 0 incomplete, 0 not sent" in out
    assert "  complete unassigned (_unassigned): values_template.xlsx: 5/5 inputs, 19 values, 1 blank" in out  # the run file says lang: en


def test_crlf_and_bom_files_give_identical_scores(tmp_path):
    fw = load_framework(ROOT / C / "framework.yaml")
    reference = score_year(load_dataset(fw, ROOT / C / "register.csv", ROOT / C / "values.csv"), 2023).units
    for name, encode in (("crlf", lambda t: t.replace("\n", "\r\n").encode("utf-8")),
                         ("bom", lambda t: t.encode("utf-8-sig")),
                         ("bom_crlf", lambda t: t.replace("\n", "\r\n").encode("utf-8-sig"))):
        paths = []
        for base in ("register.csv", "values.csv"):
            p = tmp_path / f"{name}_{base}"
            p.write_bytes(encode((ROOT / C / base).read_text(encoding="utf-8")))
            paths.append(p)
        pd.testing.assert_frame_equal(score_year(load_dataset(fw, *paths), 2023).units, reference)


def test_an_english_home_city_still_works(out_dir, capsys):
    assert cli.main(["run", "--params", C + "run_home_city_english.yaml", "--out", str(out_dir), "--quiet"]) == 0
    assert "Home city X" in capsys.readouterr().out


def test_units_left_out_of_a_league_are_named(out_dir, capsys):
    assert cli.main(["score", "--year", "2022", "--quiet", "--out", str(out_dir)]) == 0  # the demo province
    out = capsys.readouterr().out
    assert "left out of the 2022 leagues: 990103 青湖区 (joins 2023), 990503 梅澄区 (joins 2023)" in out
