"""Batch reports: one notebook per county, run by papermill, exported to HTML.

``zhenxing reports`` (or :func:`run_reports`) runs ``notebooks/county_report.ipynb``
for every unit of a city (or of the whole province) assessed in a year, and
``notebooks/city_overview.ipynb`` for the city (for ``--all``: for every city)
and, for a city, ``notebooks/ranking_simulation.ipynb`` (scenarios, Monte Carlo
with :data:`SIMULATION_DRAWS` draws and the run's seed, exact rank bounds),
then writes an index page with the league table and links. Layout of a run::

    reports/<run>/index.html            league table, links, run parameters, failures
    reports/<run>/whatif.html           what if the weights change: re-scores in the browser (:mod:`.whatif`)
    reports/<run>/whatif.js             its script, shared (inlined with --standalone)
    reports/<run>/plotly.min.js         one shared copy (not with --standalone)
    reports/<run>/report.css            the notebook CSS, shared (not with --standalone)
    reports/<run>/<code>.html           one report per unit, no code cells
    reports/<run>/city_<slug>.html      the city overview(s)
    reports/<run>/simulation_<slug>.html  the city's ranking simulation
    reports/<run>/data_audit.html       the data audit and the framework's statistical checks (province-wide)
    reports/<run>/data_audit.xlsx       its workbook: every flag, the suspicious cells highlighted, to send back to departments
    reports/<run>/notebooks/<key>.ipynb executed notebooks (also the failed ones)
    reports/<run>/notebooks/<key>.kernel.log  the kernel's own output, for failed reports only
    reports/<run>/<key>.pdf             with --pdf: each report printed by headless Chromium (:mod:`.pdf`)
    reports/<run>/manifest.json         fingerprints of the successful reports

``<run>`` is ``<year>_<city slug>`` (the city's English name, e.g. ``2023_qinglan``)
or ``<year>_all``, with ``_en`` appended for English reports (``2023_qinglan_en``),
so a re-run lands in the same folder and the two languages never replace each other.

How it runs
-----------
* Notebooks run in parallel in ``jobs`` worker processes (each executes one
  notebook at a time in its own kernel process, so ``jobs`` kernels at most);
  one report's failure never stops the others.
* The kernel is this interpreter: the ``python3`` kernel name is resolved to
  ``[sys.executable, -m, ipykernel_launcher, ...]`` (ipykernel's native spec),
  whatever ``python3`` kernelspecs exist in the user's or system Jupyter
  folders, so the reports always run with the zhenxing of this environment.
* A kernel that fails to start (dies before replying, start timeout, port
  clash) is retried up to ``retries`` more times; errors raised by the
  notebook's code are not retried.
* Each report's *fingerprint* hashes the notebook file, its parameters, the
  input-data hash (:meth:`~zhenxing.data.Dataset.input_hash`), the framework
  file (and, for a county report, the year-to-date file), the zhenxing package
  source and the plotly/nbconvert/papermill versions. A report whose
  fingerprint matches the manifest and whose HTML exists is skipped (``force``
  redoes all).
* With ``pdf`` every report is also printed to ``<key>.pdf`` beside its HTML
  (:mod:`.pdf`: headless Chromium, ``jobs`` browser processes at most, after
  all notebooks ran); a report whose HTML was skipped is printed only if its
  PDF is missing. A report re-run without ``pdf`` loses its old PDF (it would
  no longer match the HTML). Without a browser the run stops before any
  notebook runs (exit status 2).
* The kernel's working directory is the notebook's folder; papermill writes
  only to the run folder and nothing is written into ``notebooks/``. Every
  output is written to a temporary file and renamed.

On a Dask cluster
-----------------
With ``scheduler="dask"`` (a :class:`distributed.LocalCluster` of ``jobs``
worker processes on this machine) or a scheduler's address
(``tcp://host:8786``), each notebook is one Dask task running
:func:`~.kernel.run_job` (kernel-start retries inside the task, no Dask
retries); results come back as they finish into the same manifest, progress
bar, failure lines and index. PDFs are printed here, after the notebooks
(headless Chromium needs the HTML files on this machine).

How the workers see the inputs: by path. The task carries the job (the
notebook's path and its parameters, with absolute paths to the framework,
register, values and year-to-date files) and the worker writes the executed
notebook and the HTML into the run folder itself. So the workers need this
machine's files at the same paths: a shared filesystem mounted at the same
place (a LocalCluster has it trivially). Before any notebook runs, every
worker is asked (:func:`~.kernel.worker_view`) whether it sees each input and
a marker file written into the run folder, can write there, and runs the same
zhenxing version; any worker that does not is named in an
:class:`~zhenxing.errors.InputError`. The reports are those of the local pool
byte for byte, except papermill's random id of the injected-parameters cell
(which differs between any two runs). A worker process that dies mid-report
(the kernel's parent) is replaced by its nanny; the scheduler moves the task
to another worker (``distributed.scheduler.allowed-failures`` times, 2 for the
LocalCluster) and then the report fails with "worker process died".

Where things are
----------------
This module runs a batch (:func:`run_reports`, the worker pool, the manifest);
:mod:`.planning` decides the jobs and their fingerprints, :mod:`.kernel` runs
one notebook, :mod:`.export` turns it into offline HTML (see there for what
"offline" means) and :mod:`.index` writes the index page.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import secrets
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..cluster import CONNECT_TIMEOUT, dask_client, is_dask, parse_scheduler
from ..data import Dataset, load_dataset
from ..errors import InputError, Problem
from ..framework import load_framework
from ..io import text_writer, write_files
from .export import PLOTLY_JS, ensure_shared_assets
from .index import render_index
from .kernel import CELL_TIMEOUT, DEFAULT_RETRIES, START_TIMEOUT, ReportResult, run_job, warm_up, worker_view
from .planning import AUDIT_KEY, AUDIT_WORKBOOK, PATH_PARAMETERS, ReportJob, find_notebooks, plan_reports
from .text import RUN_TEXT


MANIFEST = "manifest.json"


@dataclass
class RunSummary:
    """What :func:`run_reports` did; ``exit_code`` is 1 when any report failed."""

    run_dir: Path
    index: Path
    results: list[ReportResult]
    seconds: float
    input_hash: str
    year: int
    scope: str
    parameters: dict = field(default_factory=dict)
    printed: list = field(default_factory=list)  # pdf.Printed, for the PDFs printed in this run
    pdf_skipped: int = 0  # PDFs kept from an earlier run (their report unchanged)

    @property
    def pdf_failed(self) -> list:
        return [p for p in self.printed if p.error]

    def _with(self, status: str) -> list[ReportResult]:
        return [r for r in self.results if r.status == status]

    @property
    def ok(self) -> list[ReportResult]:
        return self._with("ok")

    @property
    def skipped(self) -> list[ReportResult]:
        return self._with("skipped")

    @property
    def failed(self) -> list[ReportResult]:
        return self._with("failed")

    @property
    def n_ok(self) -> int:
        return len(self.ok)

    @property
    def n_skipped(self) -> int:
        return len(self.skipped)

    @property
    def n_failed(self) -> int:
        return len(self.failed)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.pdf_failed else 0

    def describe(self) -> str:
        """Summary lines for the terminal."""
        lines = [
            f"reports: {self.n_ok} ok, {self.n_skipped} skipped (unchanged), {self.n_failed} failed "
            f"in {self.seconds:.1f} s"
        ]
        for r in self.failed:
            where = f" (executed notebook: {self.run_dir / r.executed})" if r.executed else ""
            lines.append(f"  FAILED {r.key} {r.title}: {r.error}{where}")
        if self.printed or self.pdf_skipped:
            ok = [p for p in self.printed if not p.error]
            per = f" ({sum(p.seconds for p in ok) / len(ok):.1f} s per report)" if ok else ""
            lines.append(f"pdf: {len(ok)} printed{per}, {self.pdf_skipped} unchanged, {len(self.pdf_failed)} failed")
            for p in self.pdf_failed:
                lines.append(f"  PDF FAILED {p.key}: {p.error}")
        stripped = [r for r in self.results if r.removed_external]
        if stripped:
            n = sum(r.removed_external for r in stripped)
            lines.append(f"  note: {n} network reference(s) (script/stylesheet) removed from {len(stripped)} report(s) to keep them offline")
        lines.append(f"index: {self.index}")
        return "\n".join(lines)


def read_manifest(run_dir: Path) -> dict:
    path = Path(run_dir) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("reports"), dict):
            return data
    except (OSError, ValueError):
        pass
    return {"reports": {}}


def _write_manifest(run_dir: Path, manifest: dict) -> None:
    manifest["zhenxing"] = __version__
    write_files([(run_dir / MANIFEST, text_writer(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)))])


def _executor(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up)


def run_reports(
    framework: str | Path,
    register: str | Path,
    values: str | Path,
    *,
    year: int | None = None,
    city: str | None = None,
    all_units: bool = False,
    units: Sequence[str] | None = None,
    overview: bool | None = None,
    out: str | Path = "reports",
    jobs: int | None = None,
    force: bool = False,
    standalone: bool = False,
    pdf: bool = False,
    lang: str = "zh",
    seed: int | None = None,
    ytd: str | Path | None = None,
    missing_markers: Sequence[str] = (),
    notebooks_dir: str | Path | None = None,
    dataset: Dataset | None = None,
    retries: int = DEFAULT_RETRIES,
    start_timeout: float = START_TIMEOUT,
    cell_timeout: float = CELL_TIMEOUT,
    progress: bool = True,
    scheduler: str = "processes",
    client=None,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> RunSummary:
    """Run the county (and city) report notebooks of a scope and write the index.

    ``city`` (Chinese or English name) or ``all_units`` chooses the scope;
    ``units`` restricts the county reports to some codes of that scope;
    ``overview`` says whether the city overview(s) run too (default: yes,
    unless ``units`` is given). ``jobs`` worker processes run notebooks in
    parallel (default ``os.cpu_count()``; ``jobs=1`` runs them in this process).
    ``standalone`` embeds plotly.js and the CSS in every page instead of the
    run folder's shared ``plotly.min.js`` and ``report.css``. ``seed`` is the
    simulation report's random seed, also recorded on the index page. ``ytd``, if given, is a file of
    year-to-date values (``code,indicator,year,month,value``, checked here) for the county reports'
    schedule progress section; without it they have none. ``missing_markers``: texts that mean "no value" in the
    values (see :func:`zhenxing.data.load_dataset`), passed to every notebook. ``dataset``, if given, is the already
    validated data of these files (skips a second validation). ``pdf`` prints each report to
    ``<key>.pdf`` with headless Chromium (:mod:`.pdf`). ``scheduler`` is ``processes`` (the local
    pool), ``dask`` (a LocalCluster of ``jobs`` workers) or a Dask scheduler's address (waiting at most
    ``connect_timeout`` seconds for it); ``client``, if given, is an open :class:`distributed.Client` to use
    instead (not closed here). See "On a Dask cluster" in the module docstring.

    Raises :class:`~zhenxing.errors.InputError` for bad input (before any
    notebook runs); notebook failures are reported in the summary instead.
    """
    t0 = time.perf_counter()
    printed, pdf_skipped = [], 0
    if lang not in RUN_TEXT:
        raise InputError([Problem("--lang", f"unknown language '{lang}' (expected zh or en)")], "invalid option")
    browser = None
    if pdf:
        from .pdf import require_browser

        browser = require_browser()  # InputError naming the package, before anything runs
    paths = {"framework": Path(framework).resolve(), "register": Path(register).resolve(), "values": Path(values).resolve()}
    if dataset is None:
        dataset = load_dataset(load_framework(paths["framework"]), paths["register"], paths["values"], missing_markers)
    fw = dataset.framework
    year = int(year) if year is not None else dataset.years[-1]
    dataset.year(year)  # InputError for an unknown year
    ytd_path = Path(ytd).resolve() if ytd else None
    if ytd_path is not None:
        from ..gap import load_ytd

        load_ytd(ytd_path, dataset, missing_markers)  # InputError for a bad file, once, before any notebook runs
    notebooks = find_notebooks(notebooks_dir)
    plotly_js = "embed" if standalone else PLOTLY_JS
    plan = plan_reports(dataset, paths, year, city, all_units, lang, plotly_js, notebooks, units, overview, seed, ytd_path, missing_markers)
    spec = parse_scheduler(scheduler) if client is None else client.scheduler.address

    run_dir = Path(out).resolve() / plan.run_name
    manifest = read_manifest(run_dir)
    results: dict[str, ReportResult] = {}
    todo: list[ReportJob] = []
    for job in plan.jobs:
        entry = manifest["reports"].get(job.key)
        if not force and entry and entry.get("fingerprint") == job.fingerprint and (run_dir / entry.get("html", "")).is_file():
            results[job.key] = ReportResult(job.key, job.kind, job.title, "skipped", 0.0, 0, "", entry["html"], entry.get("notebook"))
        else:
            todo.append(job)

    n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    where = f"--scheduler {spec}"
    with ExitStack() as stack:
        if client is None and is_dask(spec) and todo:
            # connect (or start the local cluster) before anything is written: an unreachable scheduler leaves no trace
            client = stack.enter_context(dask_client(spec, n_workers=n_jobs, timeout=connect_timeout, where=where))
        (run_dir / "notebooks").mkdir(parents=True, exist_ok=True)
        if client is not None and todo:
            _check_workers(client, todo, run_dir, where)  # before anything is written into the folder
        if not standalone:
            ensure_shared_assets(run_dir, lang)
        # the what-if page (whatif.html, re-scores in the browser): cheap, rewritten only when its content changed
        from .planning import _scenario_files
        from .whatif import write_whatif

        write_whatif(run_dir, dataset, year, None if plan.scope == "all" else plan.scope, _scenario_files(paths["framework"]), lang, standalone, force)
        if any(j.key == AUDIT_KEY for j in todo) or (AUDIT_KEY in {j.key for j in plan.jobs} and not (run_dir / AUDIT_WORKBOOK).is_file()):
            # the audit workbook beside the data-audit report (the same data up to the year): the suspicious
            # cells to send back to the departments; rewritten only with the report it goes with
            from ..audit import audit_dataset, write_audit_workbook

            write_audit_workbook(audit_dataset(dataset.until(year)), run_dir / AUDIT_WORKBOOK, lang)
        by_key = {j.key: j for j in todo}

        def record(r: ReportResult) -> None:
            results[r.key] = r
            if r.status == "ok":
                manifest["reports"][r.key] = {
                    "fingerprint": by_key[r.key].fingerprint, "html": r.html, "notebook": r.executed, "title": r.title,
                    "kind": r.kind, "seconds": round(r.seconds, 2), "attempts": r.attempts,
                    "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                }
                stale = run_dir / f"{r.key}.pdf"
                if stale.is_file():  # printed from the HTML this run replaced
                    stale.unlink()
            else:
                manifest["reports"].pop(r.key, None)
            _write_manifest(run_dir, manifest)

        bar = None
        if progress and todo:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), unit="report", file=sys.stderr, desc=f"reports {plan.run_name}", dynamic_ncols=True)

        def done(r: ReportResult) -> None:
            record(r)
            if bar is not None:
                bar.update(1)
                if r.status == "failed":
                    bar.write(f"failed: {r.key} {r.title}: {r.error}", file=sys.stderr)
                bar.set_postfix_str(f"failed {sum(x.status == 'failed' for x in results.values())}", refresh=False)

        try:
            if client is not None and todo:
                _run_dask(client, todo, run_dir, retries, start_timeout, cell_timeout, done)
            elif n_jobs == 1:
                for job in todo:
                    done(run_job(job, run_dir, retries, start_timeout, cell_timeout))
            else:
                _run_pool(todo, run_dir, n_jobs, retries, start_timeout, cell_timeout, done)
            if pdf:
                printed, pdf_skipped = _print_pdfs(plan, run_dir, manifest, results, browser, jobs, progress)
        finally:
            if bar is not None:
                bar.close()
            seconds = time.perf_counter() - t0
            info = {
                "n_ok": sum(r.status == "ok" for r in results.values()),
                "n_skipped": sum(r.status == "skipped" for r in results.values()),
                "n_failed": sum(r.status == "failed" for r in results.values()),
                "seconds": seconds, "framework": paths["framework"], "register": paths["register"], "values": paths["values"],
                "ytd": ytd_path or "—",
                "standalone": standalone, "seed": seed if seed is not None else "", "input_hash": dataset.input_hash(),
                "time": datetime.now().astimezone().isoformat(timespec="seconds"),
            }
            index = run_dir / "index.html"
            write_files([(index, text_writer(render_index(plan, fw, lang, results, run_dir, manifest, info)))])

        ordered = [results[j.key] for j in plan.jobs if j.key in results]
        return RunSummary(run_dir, index, ordered, time.perf_counter() - t0, info["input_hash"], year, plan.scope,
                          {"lang": lang, "standalone": standalone, "jobs": n_jobs, "force": force, "pdf": pdf, "scheduler": spec}, printed, pdf_skipped)


def _print_pdfs(plan, run_dir: Path, manifest: dict, results: dict, browser: str, jobs: int | None, progress: bool):
    """Print the PDFs of the run's reports that have none yet; record them in the manifest."""
    from .pdf import print_parallel

    pages, kept = [], 0
    for job in plan.jobs:
        r, entry = results.get(job.key), manifest["reports"].get(job.key)
        if r is None or r.status == "failed" or entry is None:
            continue
        target = run_dir / f"{job.key}.pdf"
        if r.status == "skipped" and entry.get("pdf") == target.name and target.is_file():
            kept += 1
            continue
        pages.append((job.key, run_dir / entry["html"], target))
    bar = None
    if progress and pages:
        from tqdm import tqdm

        bar = tqdm(total=len(pages), unit="pdf", file=sys.stderr, desc=f"pdf {plan.run_name}", dynamic_ncols=True)

    def done(p) -> None:
        entry = manifest["reports"].get(p.key)
        if entry is not None:
            if p.error:
                entry.pop("pdf", None)
            else:
                entry.update({"pdf": p.pdf, "pdf_seconds": round(p.seconds, 2), "pdf_pages": p.pages, "pdf_bytes": p.size})
            _write_manifest(run_dir, manifest)
        if bar is not None:
            bar.update(1)
            if p.error:
                bar.write(f"pdf failed: {p.key}: {p.error}", file=sys.stderr)

    try:
        printed = print_parallel(pages, max(1, min(jobs or os.cpu_count() or 1, 4)), browser, done)
    finally:
        if bar is not None:
            bar.close()
    return printed, kept


def _run_pool(todo, run_dir, n_jobs, retries, start_timeout, cell_timeout, done) -> None:
    """Run jobs in worker processes; a crashed worker pool is restarted for the rest (twice at most)."""
    pending = list(todo)
    restarts = 0
    while pending:
        with _executor(n_jobs) as pool:
            futures: dict[Future, ReportJob] = {pool.submit(run_job, j, run_dir, retries, start_timeout, cell_timeout): j for j in pending}
            pending = []
            broken: list[ReportJob] = []
            try:
                remaining = set(futures)
                while remaining:
                    finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                    for f in finished:
                        job = futures[f]
                        try:
                            done(f.result())
                        except BrokenProcessPool:
                            broken.append(job)
                        except Exception as exc:  # noqa: BLE001 - a bug in the worker: report it for this job only
                            done(ReportResult(job.key, job.kind, job.title, "failed", 0.0, 0,
                                              f"{type(exc).__name__}: {exc}".splitlines()[0][:500]))
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        if broken:
            restarts += 1
            if restarts > 2:
                for job in broken:
                    done(ReportResult(job.key, job.kind, job.title, "failed", 0.0, 0, "worker process died (pool restarted twice)"))
            else:
                pending = broken


def _task_error(exc: BaseException) -> str:
    """The failure line of a report whose Dask task did not return."""
    if type(exc).__name__ == "KilledWorker":
        return "worker process died while running this report (Dask tried it on another worker and gave up)"
    if type(exc).__name__ == "CancelledError":
        return "the Dask task was cancelled (the scheduler or the connection to it went away)"
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:500]


def _run_dask(client, todo, run_dir, retries, start_timeout, cell_timeout, done) -> None:
    """One Dask task per notebook (:func:`~.kernel.run_job`, with its own kernel-start retries); results as they finish.

    A task is not retried by Dask (``retries=0``): a kernel that fails to start
    is retried inside the task, a notebook error is final. A task whose worker
    process dies is moved to another worker by the scheduler (``allowed-failures``
    times) and then reported as failed, like the local pool's restarts.
    """
    from distributed import as_completed

    futures = {client.submit(run_job, job, str(run_dir), retries, start_timeout, cell_timeout, pure=False, retries=0): job
               for job in todo}
    try:
        for f in as_completed(list(futures), loop=client.loop):  # the client need not be the default one
            job = futures.pop(f)
            try:
                r = f.result()
            except Exception as exc:  # noqa: BLE001 - the worker died or the task failed: report it for this job only
                r = ReportResult(job.key, job.kind, job.title, "failed", 0.0, 0, _task_error(exc))
            done(r)
    finally:
        if futures:
            client.cancel(list(futures))


def _check_workers(client, todo: list[ReportJob], run_dir: Path, where: str) -> None:
    """Every Dask worker sees the notebooks, the input files and this run folder at the same paths, and runs this zhenxing.

    The workers read the inputs and write the executed notebook and its HTML
    by path, so they need the client's files at the same paths (a shared
    filesystem; a LocalCluster has it). A marker file written here must be
    visible to each worker. Raises :class:`InputError` naming each worker and
    what it lacks; also warms up the workers (imports papermill and nbconvert).
    """
    need = sorted({str(j.notebook) for j in todo}
                  | {str(v) for j in todo for k, v in j.parameters.items() if k in PATH_PARAMETERS and v})
    token = f".dask-check-{secrets.token_hex(4)}"
    marker = run_dir / token
    marker.write_bytes(b"")
    try:
        views = client.run(worker_view, need, str(run_dir), token)
    finally:
        marker.unlink(missing_ok=True)
    shared = "the Dask workers read the inputs and write the reports by path: they need this machine's files at the same paths (a shared filesystem)"
    if not views:
        raise InputError([Problem(where, f"the scheduler has no workers (start some with 'dask worker {client.scheduler.address}')")],
                         "the Dask cluster cannot run the reports")
    problems = []
    for addr, v in sorted(views.items()):
        for path in v["missing"]:
            problems.append(Problem(f"{where}: worker {addr}", f"cannot see {path} ({shared})"))
        if v["run_dir"]:
            problems.append(Problem(f"{where}: worker {addr}", f"{v['run_dir']}: {run_dir} ({shared})"))
        if v["zhenxing"] != __version__:
            problems.append(Problem(f"{where}: worker {addr}", f"runs zhenxing {v['zhenxing']}, this machine {__version__} (install the same version on every worker)"))
    if problems:
        raise InputError(problems, "the Dask workers cannot run these reports")
