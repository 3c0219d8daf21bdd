"""Batch reports (``zhenxing reports`` / :func:`zhenxing.report.batch.run_reports`).

Runs the real report notebooks (``notebooks/``) for three units of the home
city plus its overview, with two parallel kernels, and checks the HTML (no
code, offline, one shared plotly.js), the index, the manifest (skip / force /
partial re-runs), a failing unit, kernel-start retries, the kernel's
interpreter, and the headline numbers against :func:`zhenxing.scoring.score_year`.
Kept to a few notebooks: the whole file runs in about a minute on 2 cores.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

import zhenxing
from zhenxing import __version__, cli
from zhenxing.data import load_dataset
from zhenxing.errors import InputError
from zhenxing.framework import load_framework
from zhenxing.report import kernel, planning
from zhenxing.report.batch import RunSummary, read_manifest, run_reports
from zhenxing.report.export import PLOTLY_JS, REPORT_CSS, export_html, make_offline, plotly_js_path
from zhenxing.report.kernel import is_kernel_start_error
from zhenxing.scoring import score_year

from .conftest import ROOT

FRAMEWORK = ROOT / "params" / "framework.yaml"
REGISTER = ROOT / "data" / "raw" / "demo_register_synthetic.csv"
VALUES = ROOT / "data" / "raw" / "demo_values_synthetic.csv"
YTD = ROOT / "data" / "raw" / "demo_ytd_synthetic.csv"  # as in params/run.yaml, which the command line reads
NOTEBOOKS = ROOT / "notebooks"
CITY = "青岚市"
YEAR = 2023
UNITS = ["990102", "990121", "990124"]  # 岚城区 (pilot), 柘桥县 (normal), 檀口县 (key)
HEADLINE_MIMETYPE = "application/vnd.zhenxing.headline+json"
SCHEDULE_MIMETYPE = "application/vnd.zhenxing.schedule+json"

pytestmark = pytest.mark.skipif(
    not (NOTEBOOKS / "county_report.ipynb").is_file() or not (NOTEBOOKS / "city_overview.ipynb").is_file(),
    reason="the report notebooks are not in notebooks/ yet",
)

SCRIPT_SRC = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*["']?([^"' >]+)""", re.IGNORECASE)
LINK_HREF = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?([^"' >]+)""", re.IGNORECASE)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file (hidden ones too) with a hash of its content."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in folder.rglob("*")}


def headline(executed: Path) -> tuple[dict, str]:
    """The machine-readable headline record and its plain-text table from an executed notebook."""
    nb = nbformat.read(str(executed), as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if HEADLINE_MIMETYPE in data:
                return dict(data[HEADLINE_MIMETYPE]), data.get("text/plain", "")
    raise AssertionError(f"no headline output in {executed}")


def code_lines(notebook: Path) -> list[str]:
    """The first meaningful line of every code cell (must never appear in a report)."""
    nb = nbformat.read(str(notebook), as_version=4)
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                if line.strip() and not line.strip().startswith("#"):
                    lines.append(line.strip())
                    break
    return lines


def run(out: Path, notebooks: Path, **kw) -> RunSummary:
    args = dict(year=YEAR, city=CITY, units=UNITS, overview=True, out=out, jobs=2, seed=20231, progress=False,
                notebooks_dir=notebooks, ytd=YTD)
    args.update(kw)
    return run_reports(FRAMEWORK, REGISTER, VALUES, **args)


@pytest.fixture(scope="module")
def scored():
    fw = load_framework(FRAMEWORK)
    ds = load_dataset(fw, REGISTER, VALUES)
    return SimpleNamespace(fw=fw, ds=ds, result=score_year(ds, YEAR), units=score_year(ds, YEAR).units.set_index("code"))


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    """The notebooks and the package hash as they are now, so that edits made to the working
    tree while the tests run (other people's work) do not change the reports' fingerprints."""
    nbdir = tmp_path_factory.mktemp("frozen") / "notebooks"
    shutil.copytree(NOTEBOOKS, nbdir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    mp = pytest.MonkeyPatch()
    package = planning.package_hash()
    mp.setattr(planning, "package_hash", lambda: package)
    yield nbdir
    mp.undo()


@pytest.fixture(scope="module")
def batch(tmp_path_factory, frozen):
    out = tmp_path_factory.mktemp("reports")
    before = snapshot(frozen)
    summary = run(out, frozen)
    return SimpleNamespace(out=out, summary=summary, run_dir=summary.run_dir, notebooks=frozen, notebooks_before=before)


# ---------------------------------------------------------------------------
# the first run
# ---------------------------------------------------------------------------


def test_first_run_writes_every_report(batch):
    s, run_dir = batch.summary, batch.run_dir
    assert (s.n_ok, s.n_skipped, s.n_failed, s.exit_code) == (6, 0, 0, 0), s.describe()
    assert run_dir == batch.out / "2023_qinglan"
    keys = ["city_qinglan", "simulation_qinglan", "data_audit", *UNITS]
    assert [r.key for r in s.results] == keys
    for key in keys:
        assert (run_dir / f"{key}.html").stat().st_size > 10_000
        assert (run_dir / "notebooks" / f"{key}.ipynb").is_file()
    # exactly one plotly.js in the folder, the plotly package's own, and the what-if page's script
    assert sorted(run_dir.rglob("*.js")) == [run_dir / PLOTLY_JS, run_dir / "whatif.js"]
    assert (run_dir / PLOTLY_JS).read_bytes() == plotly_js_path().read_bytes()
    # nothing half-written or left over; no kernel logs for successful reports
    names = [p.name for p in run_dir.rglob("*")]
    assert not [n for n in names if ".tmp" in n or n.endswith(".kernel.log")], names
    manifest = read_manifest(run_dir)
    assert sorted(manifest["reports"]) == sorted(keys)
    # the index links the city overview and the ranking simulation
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="city_qinglan.html"' in index and 'href="simulation_qinglan.html"' in index


def test_reports_have_no_code_and_load_nothing_from_the_network(batch, scored):
    run_dir = batch.run_dir
    county_code = code_lines(batch.notebooks / "county_report.ipynb")
    city_code = code_lines(batch.notebooks / "city_overview.ipynb")
    assert len(county_code) >= 3
    for key in ["city_qinglan", *UNITS]:
        text = (run_dir / f"{key}.html").read_text(encoding="utf-8")
        # no code cells: no editor areas, no source text
        for marker in ('class="jp-InputArea-editor', 'class="jp-CodeMirrorEditor', 'class="highlight', "In&nbsp;["):
            assert marker not in text, (key, marker)
        for line in city_code if key.startswith("city") else county_code:
            assert line not in text and html.escape(line) not in text, (key, line)
        # offline: the only script source is the shared plotly.min.js, once; the only stylesheet report.css
        assert SCRIPT_SRC.findall(text) == [PLOTLY_JS], key
        assert LINK_HREF.findall(text) == [REPORT_CSS], key
        for bad in ("cdn.plot.ly", "cdnjs", "require.min.js", "require.js", "MathJax.js", "unpkg.com", "jsdelivr"):
            assert bad not in text, (key, bad)
        assert "<style" not in text[: text.index("</head>")], key  # the template CSS is the shared report.css
        # charts are there (drawn by the browser test), in Chinese
        assert text.count('class="plotly-graph-div"') >= 1 and "Plotly.newPlot" in text, key
        assert "乡村振兴实绩考核" in text, key
        title = re.search(r"<title>(.*?)</title>", text).group(1)
        if key.startswith("city"):
            assert CITY in title
        else:
            assert scored.units.loc[key, "name_zh"] in title and "2023" in title
    assert (run_dir / REPORT_CSS).stat().st_size > 10_000


def test_nothing_is_written_into_the_notebooks_folder(batch):
    # the runner's notebook folder (the kernels' working directory) is left exactly as it was
    assert snapshot(batch.notebooks) == batch.notebooks_before
    for nb_path in NOTEBOOKS.glob("*.ipynb"):  # and the committed notebooks are stored without outputs
        nb = nbformat.read(str(nb_path), as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), nb_path


def test_index_links_every_report_and_records_the_run(batch, scored):
    from zhenxing.labels import risk_label
    from zhenxing.precision import format_published

    text = (batch.run_dir / "index.html").read_text(encoding="utf-8")
    assert "<script" not in text and not LINK_HREF.findall(text) and "http" not in text  # one file, offline
    for key in ["city_qinglan", "simulation_qinglan", *UNITS]:
        assert text.count(f'href="{key}.html"') == 1, key
    assert ".pdf" not in text  # no PDFs without --pdf
    # provenance: collapsed, at the bottom, paths relative to the project root
    prov = text[text.index('<details class="provenance">'):]
    assert "<details open" not in prov and "</main>" not in prov
    assert scored.ds.input_hash() in prov and "20231" in prov and __version__ in prov
    assert "params/framework.yaml" in prov and "data/raw/demo_values_synthetic.csv" in prov
    assert str(ROOT) not in text
    # the city's units, sorted by margin to the warning line, with denominators and risk badges
    p = scored.fw.publication.decimals
    city_units = scored.result.units[scored.result.units["city"] == CITY]
    assert len(city_units) == 7
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr class="risk-\w+" data-code="(\d{6})">.*?</tr>', text, re.S)}
    assert sorted(rows) == sorted(city_units["code"])  # the whole city ...
    order = list(rows)
    assert order == list(city_units.sort_values(["margin_bottom", "rank_province"], ascending=[True, False])["code"])
    for u in city_units.itertuples():
        row = rows[u.code]
        assert format_published(u.total, p) in row and u.name_zh in row
        assert f">{u.rank_category}/{u.n_category}<" in row and f">{u.rank_province}/100<" in row
        assert format_published(u.margin_bottom, p) in row
        assert risk_label(u.risk, "zh") in row
        badge = re.search(r'class="badge (\w+)"', row).group(1)
        assert badge == {"flagged": "red", "close": "amber", "safe": "green"}[u.risk]
        assert (f'href="{u.code}.html"' in row) == (u.code in UNITS)  # ... with links to the reports run
    # the city's rank and its margin to the last city
    cities = scored.result.cities
    city = cities.set_index("city").loc[CITY]
    last = cities[cities["last"]].iloc[0]
    assert f">{city['rank']}/{len(cities)}<" in text and format_published(city["score"], p) in text
    assert f"高于末位市（{last['city']}）{format_published(city['score'] - last['score'], p)} 分" in text
    # the category leagues of the city's units, collapsed
    for cat in scored.fw.categories:
        if cat.id in set(city_units["category"]):
            n = int((scored.result.units["category"] == cat.id).sum())
            assert f"<summary>{scored.fw.label(cat, 'zh')}：{n} 个单位，本市 " in text, cat.id
    assert text.count('<table class="league">') == city_units["category"].nunique() + 1  # + the city league


def test_index_has_no_english_word_in_chinese(batch):
    text = (batch.run_dir / "index.html").read_text(encoding="utf-8")
    body = re.sub(r"<style>.*?</style>|<code>.*?</code>|<[^>]+>", " ", text, flags=re.S)
    words = set(re.findall(r"[A-Za-z]{2,}", html.unescape(body)))
    assert words == set(), words


def test_headline_numbers_match_the_library(batch, scored):
    seen = set()
    for code in UNITS:
        record, plain = headline(batch.run_dir / "notebooks" / f"{code}.ipynb")
        row = scored.units.loc[code]
        assert record["code"] == code and record["year"] == YEAR
        assert record["total"] == pytest.approx(row["total"], abs=1e-9)
        assert (record["category"], record["grade"], record["rank_category"], record["n_category"], record["rank_province"],
                record["warning_talk"]) == (row["category"], row["grade"], row["rank_category"], row["n_category"],
                                            row["rank_province"], bool(row["warning_talk"]))
        assert f"{row['total']:.2f}" in plain
        html_text = (batch.run_dir / f"{code}.html").read_text(encoding="utf-8")
        assert f"{row['total']:.2f}" in html_text
        seen.add(record["category"])
    assert seen == {"pilot", "normal", "key"}


def test_county_reports_show_the_schedule_of_the_ytd_file(batch, scored):
    from zhenxing.report import schedule
    from zhenxing.gap import county_gap, load_ytd, schedule_table

    ytd = load_ytd(YTD, scored.ds)
    index = (batch.run_dir / "index.html").read_text(encoding="utf-8")
    assert YTD.relative_to(ROOT).as_posix() in index  # recorded with the run's parameters
    for code in UNITS:
        nb = nbformat.read(str(batch.run_dir / "notebooks" / f"{code}.ipynb"), as_version=4)
        assert nb.metadata["papermill"]["parameters"]["ytd"] == str(YTD)  # passed explicitly, as an absolute path
        records = [o["data"][SCHEDULE_MIMETYPE] for c in nb.cells for o in c.get("outputs", []) if SCHEDULE_MIMETYPE in o.get("data", {})]
        gap = county_gap(scored.ds, code, YEAR, result=scored.result)
        assert records == [json.loads(json.dumps(schedule.schedule_record(gap, schedule_table(gap, scored.ds, ytd))))]
        assert records[0]["rows"]
        assert "序时进度" in (batch.run_dir / f"{code}.html").read_text(encoding="utf-8")


def test_ytd_enters_the_county_fingerprints_only_and_bad_ytd_is_refused(frozen, scored, tmp_path):
    paths = {"framework": FRAMEWORK, "register": REGISTER, "values": VALUES}
    other = tmp_path / "ytd.csv"
    other.write_bytes(YTD.read_bytes().replace(b",9,", b",8,"))

    def plan(ytd):
        jobs = planning.plan_reports(scored.ds, paths, YEAR, CITY, False, "zh", PLOTLY_JS, frozen, UNITS, True, 20231, ytd).jobs
        return {j.key: j for j in jobs}

    with_ytd, moved, without = plan(YTD), plan(other), plan(None)
    for key, job in with_ytd.items():
        same = job.kind != "county"  # the overview and the simulation do not read the year-to-date values
        assert (job.fingerprint == moved[key].fingerprint) == same, key
        assert (job.fingerprint == without[key].fingerprint) == same, key
        if job.kind == "county":
            assert job.parameters["ytd"] == str(YTD) and without[key].parameters["ytd"] == ""
        else:
            assert "ytd" not in job.parameters
    bad = tmp_path / "bad.csv"
    bad.write_text("code,indicator,year,month,value\n990102,rural_income,2023,13,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid year-to-date values"):
        run(tmp_path / "reports", frozen, ytd=bad)
    assert not (tmp_path / "reports").exists()  # refused before anything is written


def test_export_html_converts_one_executed_notebook(batch, tmp_path):
    target = export_html(batch.run_dir / "notebooks" / "990102.ipynb", tmp_path / "one.html", "岚城区 报告 <2023>")
    text = target.read_text(encoding="utf-8")
    assert "<title>岚城区 报告 &lt;2023&gt;</title>" in text
    assert 'class="jp-InputArea-editor' not in text and SCRIPT_SRC.findall(text) == [PLOTLY_JS]
    assert "<style" in text[: text.index("</head>")]  # without a run folder's report.css the CSS is inline


# ---------------------------------------------------------------------------
# re-runs
# ---------------------------------------------------------------------------


def test_rerun_skips_unchanged_reports_and_force_redoes_them(batch):
    run_dir = batch.run_dir
    stamps = {p.name: p.stat().st_mtime_ns for p in run_dir.glob("*.html") if p.name != "index.html"}
    again = run(batch.out, batch.notebooks)
    assert (again.n_ok, again.n_skipped, again.n_failed) == (0, 6, 0), again.describe()
    assert again.seconds < max(4.0, batch.summary.seconds / 3), (again.seconds, batch.summary.seconds)
    assert {p.name: p.stat().st_mtime_ns for p in run_dir.glob("*.html") if p.name != "index.html"} == stamps
    forced = run(batch.out, batch.notebooks, force=True)
    assert (forced.n_ok, forced.n_skipped, forced.n_failed) == (6, 0, 0), forced.describe()
    assert all(run_dir.joinpath(name).stat().st_mtime_ns > t for name, t in stamps.items())


def test_a_failing_unit_fails_alone_and_reruns_touch_only_what_changed(batch, tmp_path, monkeypatch, capsys):
    out = tmp_path / "reports"
    shutil.copytree(batch.run_dir, out / batch.run_dir.name)
    nbdir = tmp_path / "notebooks"
    shutil.copytree(batch.notebooks, nbdir)
    nb = nbformat.read(str(nbdir / "county_report.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('if str(code) == "990121":\n    raise RuntimeError("deliberate failure for 990121")'))
    nbformat.write(nb, str(nbdir / "county_report.ipynb"))

    # through the command line: the changed county notebook re-runs the three county reports
    monkeypatch.chdir(ROOT)
    rc = cli.main(["reports", "--city", CITY, "--units", ",".join(UNITS), "--jobs", "2", "--out", str(out),
                   "--notebooks", str(nbdir), "--quiet"])
    stdout = capsys.readouterr().out
    assert rc == 1, stdout
    assert "2 ok, 0 skipped (unchanged), 1 failed" in stdout and "FAILED 990121" in stdout
    assert "RuntimeError: deliberate failure for 990121" in stdout
    run_dir = out / "2023_qinglan"
    executed = run_dir / "notebooks" / "990121.ipynb"
    assert "deliberate failure for 990121" in executed.read_text(encoding="utf-8")
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="notebooks/990121.ipynb"' in index and "RuntimeError: deliberate failure for 990121" in index
    assert 'href="990121.html"' not in index and 'href="990102.html"' in index and 'href="990124.html"' in index
    manifest = read_manifest(run_dir)
    assert "990121" not in manifest["reports"] and {"990102", "990124", "city_qinglan"} <= set(manifest["reports"])

    # again, with the city overview: unchanged reports are skipped (the overview did not depend on the
    # county notebook), the failed one is tried again
    s = run(out, nbdir)
    assert (s.n_ok, s.n_skipped, s.n_failed, s.exit_code) == (0, 5, 1, 1), s.describe()
    assert [r.key for r in s.failed] == ["990121"]
    assert {r.key for r in s.skipped} == {"city_qinglan", "simulation_qinglan", "data_audit", "990102", "990124"}


# ---------------------------------------------------------------------------
# kernel start: retries, and the kernel is this interpreter
# ---------------------------------------------------------------------------


def test_kernel_start_failure_is_retried_standalone_english(frozen, scored, tmp_path, monkeypatch):
    real = kernel._execute_notebook
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(*args, **kwargs)

    monkeypatch.setattr(kernel, "_execute_notebook", flaky)
    s = run(tmp_path, frozen, units=["990121"], overview=False, lang="en", standalone=True, jobs=1)
    assert (s.n_ok, s.n_failed) == (1, 0), s.describe()
    assert s.results[0].attempts == 2 and len(calls) == 2
    run_dir = s.run_dir
    assert run_dir.name == "2023_qinglan_en"  # its own folder: never replaces the Chinese reports
    assert not (run_dir / PLOTLY_JS).exists() and not (run_dir / REPORT_CSS).exists()
    text = (run_dir / "990121.html").read_text(encoding="utf-8")
    bundle = plotly_js_path().read_text(encoding="utf-8")
    assert text.count(bundle[:2000]) == 1  # embedded once, however many figures
    assert SCRIPT_SRC.findall(text) == [] and LINK_HREF.findall(text) == []
    assert "cdn.plot.ly" not in text.replace(bundle, "")  # (plotly.js itself names its CDN for map data)
    assert '<html lang="en">' in text and "Zheqiao County" in re.search(r"<title>(.*?)</title>", text).group(1)
    assert "rural revitalisation assessment" in text
    record, plain = headline(run_dir / "notebooks" / "990121.ipynb")
    row = scored.units.loc["990121"]
    assert record["total"] == pytest.approx(row["total"], abs=1e-9) and record["rank_category"] == row["rank_category"]
    assert f"{row['total']:.2f}" in plain
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "Units by margin to the warning-talk line" in index and 'href="990121.html"' in index
    assert '<html lang="en">' in index and "Rank in category" in index


def test_kernel_that_never_starts_fails_after_retries_and_notebook_errors_are_not_retried(frozen, tmp_path, monkeypatch):
    from papermill.exceptions import PapermillExecutionError

    monkeypatch.setattr(kernel.time, "sleep", lambda s: None)
    calls = []

    def never(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr(kernel, "_execute_notebook", never)
    s = run(tmp_path, frozen, units=["990102"], overview=False, jobs=1)
    assert (s.n_failed, len(calls), s.failed[0].attempts) == (1, 3, 3)
    assert "after 3 attempts" in s.failed[0].error and "Kernel didn't respond" in s.failed[0].error
    # the parameterised notebook is kept for review
    assert (s.run_dir / s.failed[0].executed).is_file()

    calls.clear()

    def broken_notebook(*args, **kwargs):
        calls.append(1)
        raise PapermillExecutionError(3, 3, "1/0", "ZeroDivisionError", "division by zero", [])

    monkeypatch.setattr(kernel, "_execute_notebook", broken_notebook)
    s = run(tmp_path, frozen, units=["990102"], overview=False, jobs=1)
    assert (s.n_failed, len(calls), s.failed[0].error) == (1, 1, "ZeroDivisionError: division by zero")


def test_start_errors_are_told_from_notebook_errors():
    import zmq
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    assert is_kernel_start_error(RuntimeError("Kernel died before replying to kernel_info"))
    assert is_kernel_start_error(RuntimeError("Kernel didn't respond in 60 seconds"))
    assert is_kernel_start_error(zmq.error.ZMQError(98, "Address already in use"))
    assert is_kernel_start_error(TimeoutError("timed out"))
    assert not is_kernel_start_error(PapermillExecutionError(1, 1, "x", "Kernel died", "before replying", []))
    assert not is_kernel_start_error(CellTimeoutError("cell timed out"))
    assert not is_kernel_start_error(DeadKernelError("Kernel died"))
    assert not is_kernel_start_error(ValueError("bad value"))
    assert not is_kernel_start_error(FileNotFoundError("no such python"))


def test_kernel_is_this_interpreter_whatever_python3_kernelspec_exists(tmp_path, monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager

    decoy = tmp_path / "jupyter" / "kernels" / "python3"
    decoy.mkdir(parents=True)
    (decoy / "kernel.json").write_text(json.dumps(
        {"argv": ["/nonexistent/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "decoy", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == "/nonexistent/python3"  # plain lookup takes the decoy
    assert kernel._kernel_manager_class()(kernel_name="python3").kernel_spec.argv[0] == sys.executable

    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import os, sys, zhenxing\nprint('EXE', sys.executable)\nprint('CWD', os.getcwd())\nprint('PKG', zhenxing.__file__)\nprint('X', x)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(nbdir / "probe.ipynb"))
    out = tmp_path / "out" / "probe.ipynb"
    t = time.perf_counter()
    executed = kernel._execute_notebook(nbdir / "probe.ipynb", out, {"x": 7}, nbdir, 60, 60)
    text = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert f"EXE {sys.executable}\n" in text
    assert f"CWD {nbdir}\n" in text
    assert f"PKG {Path(zhenxing.__file__)}\n" in text
    assert "X 7\n" in text
    assert out.is_file() and sorted(p.name for p in nbdir.iterdir()) == ["probe.ipynb"]  # nothing written beside it
    assert time.perf_counter() - t < 30


# ---------------------------------------------------------------------------
# HTML clean-up and user errors
# ---------------------------------------------------------------------------


def test_make_offline_keeps_one_plotly_and_drops_network_tags():
    bundle = plotly_js_path().read_text(encoding="utf-8")
    page = (
        '<head><script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.com/x.css"></head><body>'
        '<script charset="utf-8" src="plotly.min.js"></script><div>a</div>'
        '<script charset="utf-8" src="plotly.min.js"></script><div>b</div>'
        f"<script>{bundle}</script><script>{bundle}</script><script>Plotly.newPlot('a')</script></body>"
    )
    text, removed = make_offline(page)
    assert removed == 2
    assert SCRIPT_SRC.findall(text) == [PLOTLY_JS] and LINK_HREF.findall(text) == []
    assert text.count(bundle) == 1 and "Plotly.newPlot('a')" in text and "<div>b</div>" in text


def test_bad_input_is_reported_once_with_exit_status_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "reports"
    cases = [
        (["--city", "不存在市"], "unknown city '不存在市'"),
        (["--values", str(tmp_path / "missing.csv")], "file not found"),
        (["--jobs", "0"], "--jobs"),
        (["--city", CITY, "--units", "999999"], "999999"),
    ]
    for extra, message in cases:
        rc = cli.main(["reports", "--out", str(out), "--quiet", *extra])
        err = capsys.readouterr().err
        assert rc == 2, (extra, err)
        assert err.count(message) == 1, (extra, err)
        assert "Traceback" not in err
        assert not out.exists(), extra


def test_pdf_without_a_browser_is_refused_before_anything_runs(frozen, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ZHENXING_BROWSER", str(tmp_path / "no-such-chromium"))
    with pytest.raises(InputError, match="no browser") as err:
        run(tmp_path / "reports", frozen, pdf=True)
    assert "apt-get install chromium" in str(err.value.problems[0])
    assert not (tmp_path / "reports").exists()  # refused before any notebook ran or anything was written
    code = cli.main(["reports", "--pdf", "--out", str(tmp_path / "cli"), "--quiet"])
    assert code == 2 and not (tmp_path / "cli").exists()
    err_text = capsys.readouterr().err
    assert "apt-get install chromium" in err_text and err_text.count("no Chromium found") == 1, err_text  # one message
