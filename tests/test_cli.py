"""The command line: the main job, labels, formats, and user errors without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from zhenxing.framework import load_framework
from zhenxing.io import csv_writer, write_files

from .conftest import ROOT, TINY_REGISTER, TINY_VALUES


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "zhenxing", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_run_scores_the_demo_province(tmp_path):
    out = tmp_path / "processed"
    r = run_cli("run", "--out", str(out), "--format", "both")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    for name in ("先行示范区", "正常推进区", "重点推进区", "市级排名", "约谈"):
        assert name in r.stdout
    units = pd.read_csv(out / "units_2023.csv", encoding="utf-8-sig")
    assert {"代码", "总分", "等次", "类别内排名", "约谈"} <= set(units.columns)
    assert 90 <= len(units) <= 110
    # two units per category are flagged for the warning talk (barring ties at the boundary)
    assert (units["约谈"] == "是").sum() >= 6
    xl = pd.read_excel(out / "scores_2023.xlsx", sheet_name=None)
    assert set(xl) == {"units", "indicators", "cities"}
    assert len(xl["units"]) == len(units)
    assert (out / "values_tidy.csv").is_file() and (out / "register.csv").is_file()
    assert not list(out.glob(".*.tmp"))


def test_english_labels_and_other_methods(tmp_path):
    r = run_cli("score", "--out", str(tmp_path), "--lang", "en", "--year", "2022", "--normalisation", "min_max", "--aggregation", "geometric", "--quiet")
    assert r.returncode == 0, r.stderr
    units = pd.read_csv(tmp_path / "units_2022.csv", encoding="utf-8-sig")
    assert {"Code", "Total", "Grade", "Rank in category", "Warning talk"} <= set(units.columns)
    fw = load_framework(ROOT / "params/framework.yaml")
    assert set(units["Category"]) == {c.name_en for c in fw.categories}
    assert set(units["Grade"]) <= {g.name_en for g in fw.grades}


def test_validate_reports_missing_values(tmp_path):
    r = run_cli("validate", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "missing values" in r.stdout
    assert (tmp_path / "values_tidy.csv").is_file()


BAD_VALUES = "code,indicator,year,value\nZZ0001,grain_task,2023,abc\n"


def test_user_error_exits_2_without_traceback_and_keeps_old_outputs(tmp_path):
    out = tmp_path / "processed"
    out.mkdir()
    sentinel = out / "units_2023.csv"
    sentinel.write_text("old good file\n", encoding="utf-8")
    bad = tmp_path / "values.csv"
    bad.write_text(BAD_VALUES, encoding="utf-8")
    r = run_cli("run", "--values", str(bad), "--out", str(out))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert f"{bad}, row 2, column 'code': unknown unit code 'ZZ0001'" in r.stderr
    assert "nothing was written" in r.stderr
    assert sentinel.read_text(encoding="utf-8") == "old good file\n"
    assert sorted(p.name for p in out.iterdir()) == ["units_2023.csv"]


def test_missing_files_and_bad_options(tmp_path):
    r = run_cli("run", "--framework", str(tmp_path / "none.yaml"), "--register", str(tmp_path / "r.csv"), "--out", str(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"--framework: file not found, no such file: {tmp_path / 'none.yaml'} (expected the framework YAML)" in r.stderr
    assert f"--register: file not found, no such file: {tmp_path / 'r.csv'} (expected the register as .csv or .xlsx)" in r.stderr
    r = run_cli("score", "--year", "1999", "--out", str(tmp_path))
    assert r.returncode == 2 and "no data for 1999" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("score", "--aggregation", "median")
    assert r.returncode == 2 and "invalid choice: 'median'" in r.stderr
    r = run_cli("score", "--normalisation", "z_score", "--out", str(tmp_path))
    assert r.returncode == 2 and "invalid choice: 'z_score'" in r.stderr
    assert not list(tmp_path.glob("units_*.csv"))


def test_broken_run_file(tmp_path):
    run_file = tmp_path / "run.yaml"
    run_file.write_text("year: twenty\nlang: fr\n", encoding="utf-8")
    r = run_cli("run", "--params", str(run_file))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{run_file}: year" in r.stderr and f"{run_file}: lang" in r.stderr


def test_write_files_all_or_nothing(tmp_path):
    (tmp_path / "a.csv").write_text("old a\n", encoding="utf-8")

    def explode(path: Path) -> None:
        path.write_text("partial", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_files([(tmp_path / "a.csv", csv_writer(pd.DataFrame({"x": [1]}))), (tmp_path / "b.csv", explode)])
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == "old a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


BAD_CASES = {
    # name: (register text or None, values text or None, expected message fragment)
    "wrong columns": (None, "code,what\nU1,3\n", "cannot tell the layout from the columns 'code', 'what'"),
    "unknown id": (None, "code,year,i1,i2,i3,i9\nU1,2023,1,2,3,4\n", "column 'i9': unknown indicator id"),
    "unknown unit": (None, TINY_VALUES + "U7,2023,75,2.5,15000,1,0\n", "row 6, column 'code': unknown unit code 'U7'"),
    "duplicate row": (None, TINY_VALUES + "U1,2023,75,2.5,15000,1,0\n", "row 6: duplicate values for unit 'U1', year 2023, indicators i1, i2"),
    "text in number": (None, TINY_VALUES.replace("15000", "lots"), "row 2, column 'i3': expected a number, found text 'lots'"),
    "impossible percent": (None, TINY_VALUES.replace(",75,", ",175,"), "row 2, column 'i1': 175 % for 'i1' is impossible"),
    "negative count": (None, TINY_VALUES.replace(",6\n", ",-6\n"), "column 'cases': 'cases' counts cases or titles: expected a whole number >= 0"),
    "missing indicator": (None, TINY_VALUES.replace(",i3", "").replace(",15000", "").replace(",25000", "").replace(",10000", "").replace(",12000", ""), "year 2023: indicator(s) i3 missing for every unit"),
    "no category": (TINY_REGISTER.replace("Y,b,1", "Y,,1"), None, "row 5, column 'category': unit 'U4' has no category"),
    "duplicate unit": (TINY_REGISTER + "U1,甲县,Jia,X市,X,a,0,2020\n", None, "row 6, column 'code': duplicate unit code 'U1'"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_each_bad_input_exits_2_names_the_place_and_writes_nothing(tiny_files, case):
    register, values, expected = BAD_CASES[case]
    if register is not None:
        tiny_files["register"].write_text(register, encoding="utf-8")
    if values is not None:
        tiny_files["values"].write_text(values, encoding="utf-8")
    out = tiny_files["dir"] / "out"
    out.mkdir()
    (out / "units_2023.csv").write_text("previous result\n", encoding="utf-8")
    r = run_cli(
        "run", "--framework", str(tiny_files["framework"]), "--register", str(tiny_files["register"]),
        "--values", str(tiny_files["values"]), "--out", str(out), "--year", "2023",
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert expected in r.stderr
    assert str(tiny_files["register"] if register is not None else tiny_files["values"]) in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["units_2023.csv"]
    assert (out / "units_2023.csv").read_text(encoding="utf-8") == "previous result\n"


def test_tiny_framework_scores_through_the_cli(tiny_files):
    out = tiny_files["dir"] / "out"
    r = run_cli(
        "run", "--framework", str(tiny_files["framework"]), "--register", str(tiny_files["register"]),
        "--values", str(tiny_files["values"]), "--out", str(out), "--lang", "en",
    )
    assert r.returncode == 0, r.stderr
    units = pd.read_csv(out / "units_2023.csv", encoding="utf-8-sig").set_index("Code")
    assert units.loc["U2", "Total"] == pytest.approx(101)
    assert units.loc["U2", "Grade"] == "Fairly good"  # vetoed: no top grade
    assert units.loc["U1", "Warning talk"] == "yes"


def test_simulate_writes_tables_and_reports_the_home_city(tmp_path):
    r = run_cli("simulate", "--out", str(tmp_path), "--draws", "3000", "--quiet", "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "6 scenarios compared" in r.stdout and "Home city" in r.stdout
    sim = pd.read_csv(tmp_path / "simulation_2023_baseline.csv", encoding="utf-8-sig")
    assert len(sim) == 100
    assert sim["P(bottom two)"].between(0, 1).all()
    for _, grp in sim.groupby("Category"):
        assert 2.0 <= grp["P(bottom two)"].sum() < 2.02  # more than two only in draws tied at the line as published
    bounds = pd.read_csv(tmp_path / "rank_bounds_2023.csv", encoding="utf-8-sig")
    assert (bounds["Best rank in category"] <= bounds["Worst rank in category"]).all()
    scen = pd.read_csv(tmp_path / "scenarios_2023.csv", encoding="utf-8-sig")
    assert len(scen) == 100
    kendall = pd.read_csv(tmp_path / "scenarios_kendall_2023.csv", encoding="utf-8-sig").set_index("scenario")
    assert kendall.loc["baseline", "baseline"] == pytest.approx(1.0)


def test_simulate_bad_options_and_scenarios(tmp_path):
    r = run_cli("simulate", "--out", str(tmp_path), "--draws", "0", "--spread", "1.5")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--draws: expected at least 1 draw" in r.stderr and "--spread: expected a share between 0 and 1" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name_zh: 坏\nname_en: bad\ndimension_weights: {industry: 90}\n", encoding="utf-8")
    r = run_cli("simulate", "--out", str(tmp_path), "--scenarios", str(bad), "--draws", "10")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{bad}: dimension_weights: no weight for ecology" in r.stderr
    assert not list(tmp_path.glob("*.csv"))


def test_simulate_with_a_nonlinear_scenario_skips_the_exact_bounds(tmp_path):
    r = run_cli("simulate", "--out", str(tmp_path), "--draws", "500", "--quiet", "--scenario", "params/scenarios/geometric.yaml",
                "--scenarios", "params/scenarios/baseline.yaml", "params/scenarios/geometric.yaml")
    assert r.returncode == 0, r.stderr
    assert "no exact bounds: 'geometric' aggregates with 'geometric'" in r.stdout
    assert (tmp_path / "simulation_2023_geometric.csv").is_file()
    assert not (tmp_path / "rank_bounds_2023.csv").exists()


def test_unreadable_yaml_inputs_are_user_errors(tmp_path):
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("name_zh: 情景\nname_en: x\n".encode("gb18030"))
    r = run_cli("simulate", "--out", str(tmp_path), "--draws", "10", "--scenario", str(latin))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{latin}: not UTF-8 text" in r.stderr
    r = run_cli("run", "--framework", str(tmp_path), "--out", str(tmp_path))  # a folder, not a file
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "file not found, a folder there" in r.stderr
    inf = tmp_path / "inf.yaml"
    inf.write_text((ROOT / "params/framework.yaml").read_text(encoding="utf-8").replace("scale: 100", "scale: .inf"), encoding="utf-8")
    r = run_cli("run", "--framework", str(inf), "--out", str(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{inf}: scale: Input should be a finite number" in r.stderr
    nan = tmp_path / "nan.yaml"
    nan.write_text("name_zh: x\nname_en: x\ndimension_multipliers: {poverty: .nan}\n", encoding="utf-8")
    r = run_cli("simulate", "--out", str(tmp_path), "--draws", "10", "--scenarios", str(nan))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{nan}: dimension_multipliers.poverty: Input should be a finite number" in r.stderr
    zs = tmp_path / "z.yaml"
    zs.write_text("name_zh: x\nname_en: x\nnormalisation: z_score\n", encoding="utf-8")
    r = run_cli("simulate", "--out", str(tmp_path), "--draws", "10", "--scenarios", str(zs))
    assert r.returncode == 2 and "z-scores are unbounded standard scores" in r.stderr
    assert not list(tmp_path.glob("*.csv"))


def test_a_closed_pipe_is_not_an_error(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(f"'{sys.executable}' -m zhenxing score --out '{tmp_path}' | head -1", shell=True, cwd=ROOT,
                       capture_output=True, text=True, env=env, timeout=300)
    assert "Traceback" not in r.stderr and "error" not in r.stderr.lower(), r.stderr
