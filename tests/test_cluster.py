"""Dask (``--scheduler``): a real LocalCluster on the loopback address gives the local pool's results.

One module-scoped :class:`distributed.LocalCluster` (2 worker processes, one
thread each, ``127.0.0.1``) runs (1) the Monte Carlo draws: every integer
tally and both output tables equal :func:`~zhenxing.montecarlo.simulate`'s
for the same seed, whatever the grouping of seed blocks into tasks; (2) two
county reports of the demo city: the same statuses, HTML identical to the
local pool's but for papermill's random id of the injected-parameters cell,
the same fingerprints in the manifest, unchanged reports skipped on a second
run, a notebook error and a worker process killed mid-report each reported as
one failed report; (3) ``zhenxing simulate --scheduler dask`` writes the same
CSV files as the default; (4) an unreachable scheduler or an unknown
``--scheduler`` is exit status 2, one message, no traceback, nothing written.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from zhenxing import cli
from zhenxing.cluster import dask_client, parse_scheduler, worker_count
from zhenxing.errors import InputError
from zhenxing.montecarlo import BLOCK, simulate, simulate_dask
from zhenxing.report import planning
from zhenxing.report.batch import read_manifest, run_reports
from zhenxing.scenarios import DEFAULT_SCENARIO_DIR, load_scenario

from .conftest import ROOT

distributed = pytest.importorskip("distributed")

FRAMEWORK = ROOT / "params" / "framework.yaml"
REGISTER = ROOT / "data" / "raw" / "demo_register_synthetic.csv"
VALUES = ROOT / "data" / "raw" / "demo_values_synthetic.csv"
YTD = ROOT / "data" / "raw" / "demo_ytd_synthetic.csv"
CITY, YEAR = "青岚市", 2023
UNITS = ["990102", "990121"]  # 岚城区 (pilot), 柘桥县 (normal)
UNREACHABLE = "tcp://127.0.0.1:1"  # port 1: nothing listens there
INJECTED_ID = re.compile(r'(celltag_injected-parameters" id="cell-id=)[0-9a-f]+')


@pytest.fixture(scope="module")
def client():
    import dask

    # a task whose worker dies is tried on one more worker, then fails (keeps the worker-death test short)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                           dashboard_address=":0", silence_logs=50)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    """The notebooks and the package hash as they are now (other people edit the working tree meanwhile)."""
    nbdir = tmp_path_factory.mktemp("frozen") / "notebooks"
    shutil.copytree(ROOT / "notebooks", nbdir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    mp = pytest.MonkeyPatch()
    package = planning.package_hash()
    mp.setattr(planning, "package_hash", lambda: package)
    yield nbdir
    mp.undo()


# ---------------------------------------------------------------------------
# --scheduler
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    (None, "processes"), ("", "processes"), ("processes", "processes"), ("DASK", "dask"),
    ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"), ("10.0.0.5:8786", "tcp://10.0.0.5:8786"),
    ("tls://sched.example:8786", "tls://sched.example:8786"), ("[::1]:8786", "tcp://[::1]:8786"),
])
def test_scheduler_text_is_read(text, expected):
    assert parse_scheduler(text) == expected


@pytest.mark.parametrize("text, says", [
    ("foo", "unknown scheduler 'foo'"), ("http://h:8786", "unknown protocol 'http'"),
    ("tcp://h:0", "port 0 out of range"), ("tcp://h:70000", "port 70000 out of range"), ("tcp://h", "unknown scheduler"),
])
def test_bad_scheduler_text_names_the_option(text, says):
    with pytest.raises(InputError) as exc:
        parse_scheduler(text)
    assert exc.value.problems[0].where == "--scheduler" and says in exc.value.problems[0].what


# ---------------------------------------------------------------------------
# (1) Monte Carlo
# ---------------------------------------------------------------------------


def test_monte_carlo_on_the_cluster_is_the_local_run_bit_for_bit(client, ds):
    assert worker_count(client) == 2
    scenario = load_scenario(DEFAULT_SCENARIO_DIR / "baseline.yaml", ds.framework)  # Dirichlet weights and data noise
    n_draws = 3 * BLOCK + 123  # the last block is partial
    local = simulate(ds, YEAR, scenario, n_draws=n_draws, seed=11, chunk_size=5000, workers=2, noise_pool=300)
    seen = []
    one = simulate_dask(ds, YEAR, scenario, client, n_draws=n_draws, seed=11, noise_pool=300, progress=seen.append)
    with dask_client(client.scheduler.address) as connected:  # by address: a client that is not the default one
        grouped = simulate_dask(ds, YEAR, scenario, connected, n_draws=n_draws, seed=11, noise_pool=300, blocks_per_task=3)
    assert seen == [BLOCK] * 3 + [123] or sorted(seen) == sorted([BLOCK] * 3 + [123])  # one task per seed block
    for sim in (one, grouped):
        assert (sim.n_draws, sim.seed, sim.noise_pool) == (n_draws, 11, 300)
        np.testing.assert_array_equal(sim.rank_counts_category, local.rank_counts_category)
        np.testing.assert_array_equal(sim.rank_counts_province, local.rank_counts_province)
        pd.testing.assert_frame_equal(sim.units, local.units, check_exact=True)  # p_bottom, p_city_last, mean totals, bands
        pd.testing.assert_frame_equal(sim.cities, local.cities, check_exact=True)
    assert local.rank_counts_category.sum(axis=1).tolist() == [n_draws] * len(local.units)
    # the draws vary: some unit's rank is not the same in every draw, and another seed gives other counts
    assert (local.rank_counts_category.max(axis=1) < n_draws).any()
    other = simulate_dask(ds, YEAR, scenario, client, n_draws=n_draws, seed=12, noise_pool=300)
    assert not np.array_equal(other.rank_counts_province, local.rank_counts_province)


# ---------------------------------------------------------------------------
# (2) reports
# ---------------------------------------------------------------------------


def _reports(out: Path, notebooks: Path, **kw):
    args = dict(year=YEAR, city=CITY, units=UNITS, overview=False, out=out, jobs=2, seed=20231, progress=False,
                notebooks_dir=notebooks, ytd=YTD)
    args.update(kw)
    return run_reports(FRAMEWORK, REGISTER, VALUES, **args)


def _html(run_dir: Path, key: str) -> str:
    """The report as written, papermill's random id of the injected-parameters cell set aside."""
    text = (run_dir / f"{key}.html").read_text(encoding="utf-8")
    assert len(INJECTED_ID.findall(text)) == 1
    return INJECTED_ID.sub(r"\1-", text)


def test_reports_on_the_cluster_are_the_local_pools(client, frozen, tmp_path):
    local = _reports(tmp_path / "local", frozen)
    dask = _reports(tmp_path / "dask", frozen, scheduler=client.scheduler.address)  # connects by address, as to a cluster
    assert [(r.key, r.status) for r in local.results] == [(u, "ok") for u in UNITS], local.describe()
    assert [(r.key, r.status, r.attempts) for r in dask.results] == [(u, "ok", 1) for u in UNITS], dask.describe()
    assert dask.parameters["scheduler"] == client.scheduler.address and local.parameters["scheduler"] == "processes"
    for key in UNITS:
        assert _html(dask.run_dir, key) == _html(local.run_dir, key)
        assert (dask.run_dir / "notebooks" / f"{key}.ipynb").is_file()
    m_local, m_dask = read_manifest(local.run_dir), read_manifest(dask.run_dir)
    assert {k: v["fingerprint"] for k, v in m_dask["reports"].items()} == {k: v["fingerprint"] for k, v in m_local["reports"].items()}
    assert set(m_dask["reports"]) == set(UNITS)
    assert not list(dask.run_dir.glob(".dask-check-*")) and not list(dask.run_dir.rglob("*.tmp.ipynb"))

    # a second run skips both, without a task
    again = _reports(tmp_path / "dask", frozen, client=client)
    assert (again.n_ok, again.n_skipped, again.n_failed) == (0, 2, 0), again.describe()


def test_workers_that_cannot_see_the_inputs_are_named(client, frozen, tmp_path, monkeypatch):
    from zhenxing.report import batch

    real = batch.worker_view

    def elsewhere(paths, run_dir, token):  # a worker on a machine without this run folder
        return real(paths, run_dir + "-not-shared", token)

    monkeypatch.setattr(batch, "worker_view", elsewhere)
    with pytest.raises(InputError) as exc:
        _reports(tmp_path / "reports", frozen, client=client)
    text = str(exc.value)
    assert "the Dask workers cannot run these reports" in text
    assert text.count("does not see the run folder") == worker_count(client) == 2 and "same paths (a shared filesystem)" in text
    assert not [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]  # checked before anything is written


# ---------------------------------------------------------------------------
# (3, 4) the command line
# ---------------------------------------------------------------------------


def test_simulate_command_with_a_local_dask_cluster_writes_the_same_tables(tmp_path, monkeypatch, capsys):
    # baseline's uncertainty with geometric aggregation: no exact bounds (an LP per unit), so the command is quick
    scenario = tmp_path / "geometric_noisy.yaml"
    scenario.write_text((DEFAULT_SCENARIO_DIR / "baseline.yaml").read_text(encoding="utf-8") + "aggregation: geometric\n", encoding="utf-8")
    monkeypatch.chdir(ROOT)
    common = ["simulate", "--draws", "5000", "--seed", "5", "--quiet", "--scenario", str(scenario), "--scenarios", str(scenario)]
    assert cli.main(common + ["--out", str(tmp_path / "local")]) == 0
    assert cli.main(common + ["--out", str(tmp_path / "dask"), "--scheduler", "dask", "--workers", "2"]) == 0
    capsys.readouterr()
    names = sorted(p.name for p in (tmp_path / "local").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "dask").iterdir()) and "simulation_2023_geometric_noisy.csv" in names
    for name in names:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    units = pd.read_csv(tmp_path / "dask" / "simulation_2023_geometric_noisy.csv", encoding="utf-8-sig")
    assert len(units) == 100


@pytest.mark.parametrize("command", ["simulate", "reports"])
def test_unreachable_or_unknown_scheduler_is_exit_2_and_writes_nothing(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    extra = ["--units", ",".join(UNITS)] if command == "reports" else ["--draws", "100"]
    rc = cli.main([command, "--out", str(out), "--quiet", "--scheduler", UNREACHABLE, "--connect-timeout", "1", *extra])
    err = capsys.readouterr().err
    assert rc == 2
    assert "Traceback" not in err and err.count("zhenxing: error:") == 1
    assert f"no Dask scheduler answered at {UNREACHABLE} within 1 s" in err and "--scheduler" in err
    assert not out.exists()
    rc = cli.main([command, "--out", str(out), "--quiet", "--scheduler", "foo", *extra])
    err = capsys.readouterr().err
    assert rc == 2 and "unknown scheduler 'foo'" in err and "Traceback" not in err and not out.exists()


def test_manifest_and_index_do_not_depend_on_the_scheduler_used(client, frozen, tmp_path):
    """A report run with the local pool is skipped by a Dask run and the other way round (the fingerprint has no scheduler)."""
    first = _reports(tmp_path / "r", frozen, units=UNITS[:1])
    second = _reports(tmp_path / "r", frozen, units=UNITS[:1], client=client)
    assert (first.n_ok, second.n_skipped) == (1, 1)
    manifest = json.loads((second.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["reports"]) == {UNITS[0]}


def test_a_notebook_error_and_a_dead_worker_are_failed_reports(client, frozen, tmp_path):
    nbdir = tmp_path / "notebooks"
    shutil.copytree(frozen, nbdir)
    nb = nbformat.read(str(nbdir / "county_report.ipynb"), as_version=4)
    # right after the parameters: the reports fail within seconds
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        'import os, signal\n'
        'if str(code) == "990121":\n    raise RuntimeError("deliberate failure for 990121")\n'
        # the kernel's parent is the process running the task: the Dask worker dies mid-report
        'if str(code) == "990102":\n    os.kill(os.getppid(), signal.SIGKILL)'))
    nbformat.write(nb, str(nbdir / "county_report.ipynb"))
    s = _reports(tmp_path / "reports", nbdir, client=client)
    by_key = {r.key: r for r in s.results}
    assert (s.n_ok, s.n_failed, s.exit_code) == (0, 2, 1), s.describe()
    assert by_key["990121"].error == "RuntimeError: deliberate failure for 990121"
    assert "deliberate failure for 990121" in (s.run_dir / by_key["990121"].executed).read_text(encoding="utf-8")
    assert by_key["990102"].error.startswith("worker process died while running this report")
    assert "FAILED 990102" in s.describe() and "FAILED 990121" in s.describe()
    assert read_manifest(s.run_dir)["reports"] == {}
    index = (s.run_dir / "index.html").read_text(encoding="utf-8")
    assert "deliberate failure for 990121" in index and "worker process died" in index
    # (last in this file: the nannies restart the killed workers, which may take a while on a busy machine)
