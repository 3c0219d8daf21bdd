"""The ranking-simulation notebook runs under papermill with other parameters and shows the library's numbers.

nbval (``pytest --nbval-lax notebooks/``) runs it as stored; the notebook holds no test code.
Here papermill runs it with its stored parameters and the demo run's numbers are pinned from
the record it displays; then in English for another city, with other draws, seed and
scenarios, where the record it displays (JSON under
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


def test_the_stored_demo_run_shows_the_pinned_numbers(tmp_path):
    """The stored parameters (the demo province, 青岚市, 2,000 draws, seed 20231, ±20 %): the numbers
    the notebook displays, exact for the seed (whatever the chunking or workers)."""
    nb = run(tmp_path / "sim_demo.ipynb")
    rec, summary = record(nb)
    sim = rec["simulation"]
    assert rec["scenarios"] == ["baseline", "equal_pillars", "geometric", "industry_led", "min_max", "poverty_doubled"]
    assert {c: r["baseline"] for c, r in rec["scenario_ranks"].items()} == {
        "990102": 6, "990124": 10, "990121": 20, "990122": 21, "990103": 32, "990181": 17, "990123": 23,
    }  # fmt: skip
    assert round(rec["kendall"][0][rec["scenarios"].index("min_max")], 3) == 0.425
    assert {c: (u["median_rank_category"], u["p05_rank_category"], u["p95_rank_category"], round(u["p_bottom"], 3))
            for c, u in sim["units"].items() if c in ("990123", "990124")} == {"990124": (8, 4, 12, 0.0), "990123": (23, 21, 23, 0.001)}  # fmt: skip
    assert round(sim["p_city_last"], 3) == 0.0
    assert round(sim["cities_p_last"]["柏梅市"], 3) == 0.976
    assert {c: (b["best_rank_category"], b["worst_rank_category"]) for c, b in rec["bounds"].items()} == {
        "990102": (4, 7), "990124": (3, 12), "990121": (11, 23), "990122": (17, 24), "990103": (29, 35), "990181": (16, 18), "990123": (21, 23),
    }  # fmt: skip
    assert rec["box"]["inside_bounds"] is True

    # the page: title, key findings and the home city's risk table first, nothing for developers
    shown = [o["data"] for o in outputs(nb) if "data" in o]
    first = [d.get("text/markdown") or d.get("text/html", "") for d in shown[:5]]
    assert first[0].startswith("# 青岚市 2023 年排名模拟与稳健性分析")
    assert "(index.html)" in first[1] and "(whatif.html)" in first[1]  # the way back to the index, and the what-if page
    assert notebook.SIMULATION_MIMETYPE in shown[3] and "芦源县" in summary
    assert "<figcaption>青岚市各单位的约谈风险" in first[4] and "23/25" in first[4] and "0.1%" in first[4]
    everything = "\n".join(str(d.get("text/markdown", "")) + str(d.get("text/html", "")) for d in shown if notebook.PLOTLY_MIMETYPE not in d)
    for word in ("papermill", "parameters", "参数化"):
        assert word not in everything
    assert "<table" in everything and "<th" in everything
    assert not any("dataframe" in str(d.get("text/html", "")) for d in shown), "no raw DataFrame output"
    # the unit whose rank almost never moves gets a sentence, not a panel; one Sobol chart for the others
    assert "以下单位在 ±20% 权重范围内名次几乎不变" in everything and "澄汀市" in everything
    assert len(figures(nb)) == 8  # tau, fan, city last, 3 category fans, one Sobol chart, bounds
    stored = nbformat.read(NOTEBOOK, as_version=4)
    assert not any("assert" in c.source for c in stored.cells), "no test code in the notebook"
    assert not any(c.cell_type == "markdown" and "papermill" in c.source for c in stored.cells)


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
    assert len(figs) in (7, 8)  # tau, fan, city last, 3 category fans, the Sobol chart (unless no unit's rank moves), bounds
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
    assert len(htmls) == 6  # tau, fan, city last, 3 category fans
    assert 'src="plotly.min.js"' in htmls[0] and not any('src="plotly.min.js"' in h for h in htmls[1:])
