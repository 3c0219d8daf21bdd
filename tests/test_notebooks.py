"""The report notebooks run under papermill with other parameters and show the library's numbers.

nbval (``pytest --nbval-lax notebooks/``) runs the notebooks as stored, with
their demo parameters; here papermill runs them for other units, in English,
and from another working folder, and the numbers each executed notebook shows
(its headline record, displayed under ``application/vnd.zhenxing.headline+json``,
and its schedule record, under ``application/vnd.zhenxing.schedule+json``)
are compared with ``score_year`` / ``county_gap`` / ``schedule_table`` for that unit. Also checked:
the stored notebooks carry no outputs, and the kernel papermill starts is the
interpreter running the tests (the ``python3`` kernelspec of this environment).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

from zhenxing.data import load_dataset
from zhenxing.framework import load_framework
from zhenxing.gap import county_gap, load_ytd, schedule_table
from zhenxing.report import city_overview, notebook
from zhenxing.report import headline as card
from zhenxing.report.schedule import schedule_record
from zhenxing.scoring import score_year

from .conftest import ROOT

pm = pytest.importorskip("papermill")

NOTEBOOKS = ROOT / "notebooks"
COUNTY = NOTEBOOKS / "county_report.ipynb"
CITY = NOTEBOOKS / "city_overview.ipynb"
CJK = re.compile(r"[\u4e00-\u9fff]")
YTD = ROOT / "data/raw/demo_ytd_synthetic.csv"


@pytest.fixture(scope="module")
def ds():
    fw = load_framework(ROOT / "params" / "framework.yaml")
    return load_dataset(fw, ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")


@pytest.fixture(scope="module")
def result(ds):
    return score_year(ds, 2023)


def run(notebook: Path, out: Path, cwd: Path = NOTEBOOKS, **parameters) -> nbformat.NotebookNode:
    pm.execute_notebook(
        str(notebook), str(out), parameters=parameters, kernel_name="python3", cwd=str(cwd), progress_bar=False, log_output=False
    )
    return nbformat.read(out, as_version=4)


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outs if o.get("output_type") == "error"]
    assert not errors, errors
    return outs


def headline(nb: nbformat.NotebookNode) -> dict:
    records = [o["data"][notebook.HEADLINE_MIMETYPE] for o in outputs(nb) if notebook.HEADLINE_MIMETYPE in o.get("data", {})]
    assert len(records) == 1
    return records[0]


def schedule(nb: nbformat.NotebookNode) -> list[dict]:
    """The schedule records the notebook displayed (none when it ran without year-to-date values)."""
    return [o["data"][notebook.SCHEDULE_MIMETYPE] for o in outputs(nb) if notebook.SCHEDULE_MIMETYPE in o.get("data", {})]


def check_schedule(nb: nbformat.NotebookNode, ds, gap) -> dict:
    """The notebook shows exactly the library's schedule table for the unit, once."""
    records = schedule(nb)
    assert len(records) == 1
    expected = schedule_record(gap, schedule_table(gap, ds, load_ytd(YTD, ds)))
    assert records[0] == json.loads(json.dumps(expected))
    return records[0]


def figures(nb: nbformat.NotebookNode) -> list[dict]:
    return [o["data"] for o in outputs(nb) if notebook.PLOTLY_MIMETYPE in o.get("data", {})]


def check_figures(nb: nbformat.NotebookNode, lang: str) -> None:
    figs = figures(nb)
    assert len(figs) >= 3
    for k, data in enumerate(figs):
        assert "text/html" in data
        html = data["text/html"]
        assert ("* plotly.js v" in html) == (k == 0), "plotly.js is embedded in the first figure only"
        assert not re.search(r'src="(https?:)?//', html)
        title = data[notebook.PLOTLY_MIMETYPE]["layout"]["title"]["text"]
        assert bool(CJK.search(title)) == (lang == "zh"), title


def test_stored_notebooks_have_no_outputs():
    for path in (COUNTY, CITY):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", []), f"{path.name}: the first code cell must be tagged 'parameters'"
        for c in code:
            assert c.outputs == [] and c.execution_count is None, f"{path.name}: cell {c.get('id')} has outputs"


def test_papermill_kernel_is_this_interpreter(tmp_path):
    probe = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import sys, json; print(json.dumps([sys.executable, sys.prefix]))")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    src = tmp_path / "probe.ipynb"
    nbformat.write(probe, src)
    nb = run(src, tmp_path / "probe_out.ipynb", cwd=tmp_path)
    executable, prefix = json.loads(nb.cells[0].outputs[0]["text"])
    assert os.path.realpath(executable) == os.path.realpath(sys.executable)
    assert os.path.realpath(prefix) == os.path.realpath(sys.prefix)


@pytest.mark.parametrize(
    ("code", "lang", "ytd"),
    [
        ("990102", "zh", None),  # pilot zone, home city, with a bonus; the demo's year-to-date values
        ("990121", "zh", ""),  # normal zone, home city; no year-to-date file: no schedule section
        (None, "en", None),  # the province's last unit: in the warning-talk zone, outside the home city (no YTD rows)
    ],
)
def test_county_report_shows_the_library_numbers(tmp_path, ds, result, code, lang, ytd):
    code = code or str(result.units["code"].iloc[-1])
    params = {} if ytd is None else {"ytd": ytd}
    nb = run(COUNTY, tmp_path / f"county_{code}.ipynb", code=code, lang=lang, **params)
    got = headline(nb)
    gap = county_gap(ds, code, 2023, result=result)
    markdown = "\n".join(o["data"].get("text/markdown", "") for o in outputs(nb) if "data" in o)
    if ytd == "":
        assert schedule(nb) == [] and "序时进度" not in markdown
    else:
        rec = check_schedule(nb, ds, gap)
        if code.startswith("9901"):
            assert rec["rows"] and {r["status"] for r in rec["rows"]} & {"ahead", "behind"}
            # the schedule's table (HTML, one row per indicator reported) follows the record
            html_tables = [o["data"]["text/html"] for o in outputs(nb) if "zx-sched-" in o.get("data", {}).get("text/html", "")]
            assert len(html_tables) == 1 and html_tables[0].count("zx-sched-") == len(rec["rows"])
        else:
            assert rec["rows"] == [] and "no year-to-date values for this unit" in markdown
    assert got == card.headline_record(gap)
    unit = result.units.set_index("code").loc[code]
    assert got["total"] == pytest.approx(unit["total"], abs=1e-12)
    assert (got["grade"], got["rank_category"], got["n_category"], got["rank_province"]) == (
        unit["grade"], unit["rank_category"], unit["n_category"], unit["rank_province"]
    )
    assert got["warning_talk"] == bool(unit["warning_talk"])
    text = next(o["data"]["text/plain"] for o in outputs(nb) if notebook.HEADLINE_MIMETYPE in o.get("data", {}))
    assert f"{unit['total']:.2f}" in text
    assert bool(CJK.search(text)) == (lang == "zh")
    check_figures(nb, lang)


def test_county_report_runs_from_another_folder_with_absolute_paths(tmp_path, ds, result):
    nb = run(
        COUNTY, tmp_path / "county.ipynb", cwd=tmp_path, code="990181", plotly_js="directory",
        framework=str(ROOT / "params/framework.yaml"),
        register=str(ROOT / "data/raw/demo_register_synthetic.csv"),
        values=str(ROOT / "data/raw/demo_values_synthetic.csv"), ytd=str(YTD),
    )
    gap = county_gap(ds, "990181", 2023, result=result)
    assert headline(nb) == card.headline_record(gap)
    assert check_schedule(nb, ds, gap)["rows"]
    htmls = [d["text/html"] for d in figures(nb)]
    assert 'src="plotly.min.js"' in htmls[0] and not any('src="plotly.min.js"' in h for h in htmls[1:])
    assert not any("* plotly.js v" in h for h in htmls)


def test_city_overview_in_english(tmp_path, result):
    nb = run(CITY, tmp_path / "city.ipynb", lang="en")
    got = headline(nb)
    assert got == city_overview.city_record(result.cities, result.units, "青岚市")
    row = result.cities.set_index("city").loc["青岚市"]
    assert (got["score"], got["rank"], got["last"]) == (row["score"], row["rank"], row["last"])
    check_figures(nb, "en")


def test_papermill_reads_every_parameter_of_the_county_report():
    # a comment papermill cannot parse hides its parameter (papermill then warns "Passed unknown parameter")
    assert {"code", "year", "framework", "register", "values", "ytd", "lang", "plotly_js"} <= set(pm.inspect_notebook(str(COUNTY)))


# ---- the stored demo runs, pinned here rather than in the notebooks ---------------------------------


def _stored(nb_path: Path, tmp_path: Path) -> nbformat.NotebookNode:
    """The notebook executed with its stored parameters (as nbval runs it)."""
    return run(nb_path, tmp_path / nb_path.name)


def test_stored_county_report_shows_the_pinned_demo_numbers(tmp_path):
    nb = _stored(COUNTY, tmp_path)
    h = headline(nb)
    assert (h["code"], h["name_zh"], round(h["total"], 2), h["grade"], h["rank_category"], h["n_category"],
            h["rank_province"], round(h["points_to_pass_next"], 2), round(h["margin_above_bottom"], 2), h["risk"]) == (
        "990123", "芦源县", 72.06, "average", 23, 25, 94, 1.83, 5.74, "close")
    assert [d["dimension"] for d in h["top_dimensions"]] == ["reform", "civility"]
    (sched,) = schedule(nb)
    assert tuple(sched["counts"][s] for s in ("ahead", "on_time", "behind", "met", "unknown")) == (0, 1, 7, 1, 0)


def test_stored_city_overview_shows_the_pinned_demo_numbers(tmp_path):
    h = headline(_stored(CITY, tmp_path))
    assert (h["city"], round(h["score"], 2), h["rank"], h["n_cities"], h["last"], h["n_units"], h["units_warning_talk"]) == (
        "青岚市", 85.81, 8, 16, False, 7, [])
    assert [(u["code"], u["risk"]) for u in h["units_at_risk"]] == [("990123", "close")]


@pytest.mark.parametrize("path", [COUNTY, CITY], ids=["county", "city"])
def test_notebooks_hold_no_test_code_or_developer_notes(path):
    nb = nbformat.read(path, as_version=4)
    source = "\n".join(str(c.source) for c in nb.cells)
    for word in ("assert ", "pinned", "papermill", "参数化报告", "Parameterised report"):
        assert word not in source, word
