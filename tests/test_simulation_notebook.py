"""The ranking-simulation notebook runs under papermill with other parameters and shows the library's numbers.

nbval (``pytest --nbval-lax notebooks/``) runs it as stored, with the demo parameters and
its pinned asserts; here papermill runs it in English for another city, with other draws,
seed and scenarios, and the record it displays (JSON under
``application/vnd.zhenxing.simulation+json``) must equal the record built from direct calls
to ``compare``, ``simulate``, ``weight_sensitivity`` and ``rank_bounds_table`` with the same
settings. A second run picks a scenario that is not linear in the weights (no Sobol' indices,
no exact bounds) from another working folder.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from zhenxing.montecarlo import simulate
from zhenxing.report import notebook, simulation_record
from zhenxing.robustness import rank_bounds_table
from zhenxing.scenarios import compare, load_scenario, load_scenarios, weight_box
from zhenxing.sensitivity import weight_sensitivity

from .conftest import ROOT

pm = pytest.importorskip("papermill")

NOTEBOOK = ROOT / "notebooks" / "ranking_simulation.ipynb"
SCENARIOS = ROOT / "params" / "scenarios"
CJK = re.compile(r"[\u4e00-\u9fff]")
PARAMETERS = ("scenarios", "scenario", "draws", "seed", "city", "year", "spread", "framework", "register", "values", "missing_markers", "lang", "plotly_js")


def run(out, cwd=NOTEBOOK.parent, **parameters) -> nbformat.NotebookNode:
    pm.execute_notebook(
        str(NOTEBOOK), str(out), parameters=parameters, kernel_name="python3", cwd=str(cwd), progress_bar=False, log_output=False
    )
    return nbformat.read(out, as_version=4)


def outputs(nb) -> list[dict]:
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outs if o.get("output_type") == "error"]
    assert not errors, errors
    return outs


def record(nb) -> tuple[dict, str]:
    found = [o["data"] for o in outputs(nb) if notebook.SIMULATION_MIMETYPE in o.get("data", {})]
    assert len(found) == 1
    return found[0][notebook.SIMULATION_MIMETYPE], found[0]["text/markdown"]


def figures(nb) -> list[dict]:
    return [o["data"] for o in outputs(nb) if notebook.PLOTLY_MIMETYPE in o.get("data", {})]


def test_stored_notebook_has_no_outputs_and_the_documented_parameters():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    for c in code:
        assert c.outputs == [] and c.execution_count is None, f"cell {c.get('id')} has outputs"
    names = re.findall(r"^(\w+) = ", code[0].source, flags=re.M)
    assert tuple(names) == PARAMETERS


def test_english_run_for_another_city_shows_the_library_numbers(tmp_path, fw, ds):
    chosen = ["params/scenarios/baseline.yaml", "params/scenarios/industry_led.yaml", "params/scenarios/min_max.yaml"]
    city, draws, seed, spread = "柏梅市", 500, 7, 0.15
    nb = run(tmp_path / "sim_en.ipynb", scenarios=chosen, city=city, draws=draws, seed=seed, spread=spread, lang="en")
    got, summary = record(nb)

    comparison = compare(ds, 2023, load_scenarios([ROOT / p for p in chosen], fw))
    sc = load_scenario(SCENARIOS / "baseline.yaml", fw)
    sim = simulate(ds, 2023, sc, n_draws=draws, seed=seed)
    sens = weight_sensitivity(ds, 2023, spread=spread, seed=seed, options=sc.options)
    bounds = rank_bounds_table(ds, 2023, spread, options=sc.options)
    box = simulate(ds, 2023, weight_box(sc, spread), n_draws=draws, seed=seed)
    expected = simulation_record.simulation_record(
        city, fw, comparison=comparison, simulation=sim, sensitivity=sens, bounds=bounds, box=box, spread=spread
    )
    assert got == expected

    # and, read directly from the library's tables
    assert got["scenarios"] == ["baseline", "industry_led", "min_max"]
    u = sim.units.set_index("code")
    mine = list(sim.units.loc[sim.units["city"] == city, "code"])
    assert set(got["simulation"]["units"]) == set(mine)
    for c in mine:
        assert got["simulation"]["units"][c]["p_bottom"] == u.loc[c, "p_bottom"]
        assert got["simulation"]["units"][c]["p95_rank_category"] == u.loc[c, "p95_rank_category"]
        assert got["scenario_ranks"][c]["min_max"] == comparison.table.set_index("code").loc[c, "rank_category_min_max"]
    assert (got["simulation"]["n_draws"], got["simulation"]["seed"], got["spread"]) == (draws, seed, spread)
    assert got["simulation"]["p_city_last"] == sim.cities.set_index("city").loc[city, "p_last"]
    assert got["box"]["inside_bounds"] is True

    assert "Baimei" in summary and not CJK.search(summary)
    figs = figures(nb)
    assert len(figs) == 11  # changes, tau, fan, bottom, city last, 3 category fans, 2 Sobol, bounds
    for k, data in enumerate(figs):
        html = data["text/html"]
        assert ("* plotly.js v" in html) == (k == 0), "plotly.js is embedded in the first figure only"
        assert not re.search(r'src="(https?:)?//', html)
        title = data[notebook.PLOTLY_MIMETYPE]["layout"]["title"]["text"]
        assert not CJK.search(title), title
    markdown = "\n".join(o["data"]["text/markdown"] for o in outputs(nb) if "text/markdown" in o.get("data", {}))
    assert "# Baimei: ranking simulation and robustness, 2023" in markdown and "±15 %" in markdown


def test_a_nonlinear_scenario_from_another_folder_skips_sobol_and_bounds(tmp_path, fw, ds):
    nb = run(
        tmp_path / "sim_geo.ipynb", cwd=tmp_path, draws=300, plotly_js="directory",
        scenarios=[str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "geometric.yaml")],
        scenario=str(SCENARIOS / "geometric.yaml"),
        framework=str(ROOT / "params/framework.yaml"),
        register=str(ROOT / "data/raw/demo_register_synthetic.csv"),
        values=str(ROOT / "data/raw/demo_values_synthetic.csv"),
    )  # fmt: skip
    got, summary = record(nb)
    assert "sensitivity" not in got and "bounds" not in got and "box" not in got
    sim = simulate(ds, 2023, load_scenario(SCENARIOS / "geometric.yaml", fw), n_draws=300, seed=20231)
    assert got["simulation"] == simulation_record.simulation_record("青岚市", fw, simulation=sim)["simulation"]
    assert got["scenarios"] == ["baseline", "geometric"]
    assert "青岚市" in summary
    htmls = [d["text/html"] for d in figures(nb)]
    assert len(htmls) == 8
    assert 'src="plotly.min.js"' in htmls[0] and not any("plotly.min.js" in h for h in htmls[1:])
