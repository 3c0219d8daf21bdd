"""Batch reports: one notebook per county, run by papermill, exported to HTML.

``zhenxing reports`` (or :func:`run_reports`) runs ``notebooks/county_report.ipynb``
for every unit of a city (or of the whole province) assessed in a year, and
``notebooks/city_overview.ipynb`` for the city (for ``--all``: for every city)
and, for a city, ``notebooks/ranking_simulation.ipynb`` (scenarios, Monte Carlo
with :data:`SIMULATION_DRAWS` draws and the run's seed, exact rank bounds),
then writes an index page with the league table and links. Layout of a run::

    reports/<run>/index.html            league table, links, run parameters, failures
    reports/<run>/plotly.min.js         one shared copy (not with --standalone)
    reports/<run>/report.css            the notebook CSS, shared (not with --standalone)
    reports/<run>/<code>.html           one report per unit, no code cells
    reports/<run>/city_<slug>.html      the city overview(s)
    reports/<run>/simulation_<slug>.html  the city's ranking simulation
    reports/<run>/notebooks/<key>.ipynb executed notebooks (also the failed ones)
    reports/<run>/notebooks/<key>.kernel.log  the kernel's own output, for failed reports only
    reports/<run>/manifest.json         fingerprints of the successful reports

``<run>`` is ``<year>_<city slug>`` (the city's English name, e.g. ``2023_qinglan``)
or ``<year>_all``, so a re-run lands in the same folder.

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
* The kernel's working directory is the notebook's folder; papermill writes
  only to the run folder and nothing is written into ``notebooks/``. Every
  output is written to a temporary file and renamed.

Offline HTML
------------
The HTML is nbconvert's ``lab`` template without input cells or prompts, with
the blocks that load require.js, MathJax, mermaid and the widget manager from
CDNs removed; any remaining ``<script src>``/``<link href>`` pointing at the
network is stripped. plotly.js is either the shared ``plotly.min.js`` of the
run folder (referenced once per page) or embedded once per page
(``standalone``); extra copies/references made by several figures are removed.
Likewise the template's 260 kB of CSS is linked from the shared ``report.css``
or, with ``standalone``, inlined: a standalone report is one self-contained
file, a shared-mode report needs its folder (which is self-contained).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import multiprocessing
import os
import re
import secrets
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from . import __version__
from .data import Dataset, load_dataset
from .errors import InputError, Problem
from .framework import Framework, load_framework
from .io import bytes_writer, text_writer, write_files
from .labels import localise

COUNTY_NOTEBOOK = "county_report.ipynb"
CITY_NOTEBOOK = "city_overview.ipynb"
SIMULATION_NOTEBOOK = "ranking_simulation.ipynb"
SIMULATION_DRAWS = 20_000  # per city report: a 5-95 % band and bottom-2 risk to about ±0.5 %
PLOTLY_JS = "plotly.min.js"
REPORT_CSS = "report.css"
MANIFEST = "manifest.json"
KERNEL_NAME = "python3"
DEFAULT_RETRIES = 2
START_TIMEOUT = 60  # seconds for a kernel to start
CELL_TIMEOUT = 900  # seconds for one cell; a hung notebook fails instead of blocking the run
PATH_PARAMETERS = ("framework", "register", "values", "ytd")  # their *contents* enter the fingerprint

# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportJob:
    """One notebook to run: ``key`` is the file stem (unit code or ``city_<slug>``)."""

    key: str
    kind: str  # "county" | "city" | "simulation"
    title: str
    notebook: Path
    parameters: dict
    fingerprint: str
    lang: str = "zh"
    shared_assets: bool = True  # link plotly.min.js and report.css of the run folder (else all inline)


@dataclass
class ReportResult:
    """Outcome of one report: ``status`` is ``ok``, ``skipped`` or ``failed``.

    ``seconds`` is the wall time of the last run (0 when skipped), ``attempts``
    the number of kernel starts, ``error`` the last line of the error,
    ``html``/``executed`` paths relative to the run folder (None if absent).
    """

    key: str
    kind: str
    title: str
    status: str
    seconds: float = 0.0
    attempts: int = 0
    error: str = ""
    html: str | None = None
    executed: str | None = None
    removed_external: int = 0


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
        return 1 if self.failed else 0

    def describe(self) -> str:
        """Summary lines for the terminal."""
        lines = [
            f"reports: {self.n_ok} ok, {self.n_skipped} skipped (unchanged), {self.n_failed} failed "
            f"in {self.seconds:.1f} s"
        ]
        for r in self.failed:
            where = f" (executed notebook: {self.run_dir / r.executed})" if r.executed else ""
            lines.append(f"  FAILED {r.key} {r.title}: {r.error}{where}")
        stripped = [r for r in self.results if r.removed_external]
        if stripped:
            n = sum(r.removed_external for r in stripped)
            lines.append(f"  note: {n} network reference(s) (script/stylesheet) removed from {len(stripped)} report(s) to keep them offline")
        lines.append(f"index: {self.index}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# kernel: always this interpreter
# ---------------------------------------------------------------------------


def kernel_argv() -> list[str]:
    """The command the ``python3`` kernel runs: this interpreter with ipykernel."""
    from ipykernel.kernelspec import get_kernel_dict

    return list(get_kernel_dict()["argv"])


def _kernel_env() -> dict[str, str]:
    """Environment additions for the kernel: this zhenxing first on the path.

    When zhenxing is imported from a source tree rather than site-packages
    (a checkout, tests), the kernel gets that tree on ``PYTHONPATH`` so that it
    runs the same library as the runner (whose source enters the fingerprints).
    """
    import site

    parent = str(Path(__file__).resolve().parents[1])
    installed = {str(Path(p).resolve()) for p in site.getsitepackages() + [site.getusersitepackages()]}
    if parent in installed:
        return {}
    current = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": parent + (os.pathsep + current if current else "")}


def _kernel_manager_class() -> type:
    """An AsyncKernelManager whose ``python3`` kernel is ``sys.executable``.

    jupyter_client looks ``python3`` up in the user's, the environment's and
    the system's kernelspec folders, in that order, so a ``python3`` spec
    installed by ``ipykernel install --user`` from another Python would win.
    Here ``python3`` always means ipykernel's native spec for this interpreter
    (``[sys.executable, -m, ipykernel_launcher, -f, ...]``); other kernel names
    are looked up as usual. The kernel's stdout/stderr go to the current
    kernel log (see :func:`run_job`) instead of the terminal.
    """
    global _PINNED_KM
    if _PINNED_KM is not None:
        return _PINNED_KM
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class PinnedKernelSpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):  # type: ignore[override]
            if kernel_name.lower() == KERNEL_NAME:
                spec = dict(get_kernel_dict())
                spec["env"] = {**spec.get("env", {}), **_kernel_env()}
                return self.kernel_spec_class(resource_dir=RESOURCES, **spec)
            return super().get_kernel_spec(kernel_name)

    class PinnedKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _pinned_kernel_spec_manager(self):
            return PinnedKernelSpecManager(data_dir=self.data_dir)

        async def start_kernel(self, **kw):  # type: ignore[override]
            if _KERNEL_LOG is not None:
                kw.setdefault("stdout", _KERNEL_LOG)
                kw.setdefault("stderr", _KERNEL_LOG)
            return await super().start_kernel(**kw)

    _PINNED_KM = PinnedKernelManager
    return _PINNED_KM


_KERNEL_LOG = None  # open file for the kernel's stdout/stderr while a job runs
_PINNED_KM: type | None = None

# ---------------------------------------------------------------------------
# running one notebook (in a worker process)
# ---------------------------------------------------------------------------

_START_ERROR_TEXT = (
    "kernel died before replying",
    "kernel didn't respond",
    "kernel didn't start",
    "address already in use",
    "timeout waiting for kernel",
    "timed out waiting for kernel",
)


def is_kernel_start_error(exc: BaseException) -> bool:
    """True for failures to *start* a kernel (worth a retry), not for notebook errors."""
    from nbclient.exceptions import CellControlSignal
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, (PapermillExecutionError, CellControlSignal)):
        return False  # the notebook's own code failed, or a cell timed out
    try:
        import zmq

        if isinstance(exc, zmq.error.ZMQError):
            return True
    except ImportError:  # pragma: no cover - zmq comes with jupyter_client
        pass
    text = str(exc).lower()
    if any(t in text for t in _START_ERROR_TEXT):
        return True
    return isinstance(exc, TimeoutError)


def _temp_notebook(target: Path) -> Path:
    """A fresh hidden temporary ``.ipynb`` beside ``target`` (renamed over it when complete)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f".{target.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp.ipynb")


def _execute_notebook(
    notebook: Path, output: Path, parameters: dict, cwd: Path, start_timeout: float, cell_timeout: float
):
    """Run ``notebook`` with papermill into ``output`` (atomically); return the executed notebook.

    The executed notebook is kept also when the notebook raises (papermill
    saves it with the error before raising). The kernel runs in ``cwd``,
    without changing this process's working directory.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    tmp = _temp_notebook(output)
    try:
        nb = pm.execute_notebook(
            str(notebook),
            str(tmp),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            request_save_on_cell_execute=False,
            start_timeout=start_timeout,
            execution_timeout=cell_timeout,
            kernel_manager_class=_kernel_manager_class(),
            resources={"metadata": {"path": str(cwd)}},
        )
    except PapermillExecutionError:
        if tmp.is_file():
            os.replace(tmp, output)
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, output)
    return nb


def _save_prepared(notebook: Path, output: Path, parameters: dict) -> None:
    """Keep the parameterised (unexecuted) notebook when no kernel ever ran it."""
    import papermill as pm

    tmp = _temp_notebook(output)
    try:
        pm.execute_notebook(str(notebook), str(tmp), parameters=parameters, kernel_name=KERNEL_NAME, prepare_only=True, progress_bar=False)
        os.replace(tmp, output)
    except Exception:
        tmp.unlink(missing_ok=True)


def _last_line(exc: BaseException) -> str:
    """The line a reader needs: the exception as the notebook showed it."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        msg = f"{exc.ename}: {exc.evalue}"
    else:
        msg = f"{type(exc).__name__}: {exc}"
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    return _strip_ansi(lines[-1] if lines else type(exc).__name__)[:500]


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def run_job(
    job: ReportJob,
    run_dir: str | Path,
    retries: int = DEFAULT_RETRIES,
    start_timeout: float = START_TIMEOUT,
    cell_timeout: float = CELL_TIMEOUT,
) -> ReportResult:
    """Execute one report notebook and export its HTML; never raises for a notebook failure.

    The kernel's own output goes to ``notebooks/<key>.kernel.log``, kept only
    when the report fails.
    """
    global _KERNEL_LOG
    run_dir = Path(run_dir)
    executed = run_dir / "notebooks" / f"{job.key}.ipynb"
    kernel_log = executed.with_suffix(".kernel.log")
    html_path = run_dir / f"{job.key}.html"
    rel_nb = executed.relative_to(run_dir).as_posix()
    executed.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    def failed(error: str, attempts: int) -> ReportResult:
        if kernel_log.is_file() and kernel_log.stat().st_size == 0:
            kernel_log.unlink()
        return ReportResult(job.key, job.kind, job.title, "failed", time.perf_counter() - t0, attempts, error,
                            None, rel_nb if executed.exists() else None)

    nb, error, attempts = None, "", 0
    with open(kernel_log, "wb") as log:
        _KERNEL_LOG = log
        try:
            while True:
                attempts += 1
                try:
                    nb = _execute_notebook(job.notebook, executed, job.parameters, job.notebook.parent, start_timeout, cell_timeout)
                    break
                except Exception as exc:  # noqa: BLE001 - one report's failure must not stop the others
                    if attempts <= retries and is_kernel_start_error(exc):
                        log.write(f"--- attempt {attempts} failed to start a kernel: {exc!r}; retrying\n".encode())
                        log.flush()
                        time.sleep(min(0.5 * attempts, 2.0))
                        continue
                    error = _last_line(exc) + (f" (after {attempts} attempts)" if attempts > 1 else "")
                    break
        finally:
            _KERNEL_LOG = None
    if nb is None:
        if not executed.exists():
            _save_prepared(job.notebook, executed, job.parameters)
        return failed(error, attempts)
    kernel_log.unlink(missing_ok=True)
    try:
        css = (run_dir / REPORT_CSS).read_text(encoding="utf-8") if job.shared_assets else None
        text, removed = render_html(nb, job.title, lang=job.lang, shared_css=css)
        write_files([(html_path, text_writer(text))])
    except Exception as exc:  # noqa: BLE001
        return failed(f"HTML export: {_last_line(exc)}", attempts)
    return ReportResult(job.key, job.kind, job.title, "ok", time.perf_counter() - t0, attempts, "",
                        html_path.name, rel_nb, removed)


def _warm_up() -> None:
    """Worker initialiser: import the heavy modules once per worker process."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    _kernel_manager_class()


# ---------------------------------------------------------------------------
# HTML export
# ---------------------------------------------------------------------------

_TEMPLATE_NAME = "zhenxing_report.html.j2"
# nbconvert's lab template, minus everything it would fetch from a CDN.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""
_EXPORTERS: dict[str, object] = {}

_EXTERNAL_TAG = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^>]*>.*?</script\s*>"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>""",
    re.IGNORECASE | re.DOTALL,
)
_SCRIPT_SRC = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["'][^>]*>\s*</script\s*>""", re.IGNORECASE)


def _exporter(lang: str):
    exp = _EXPORTERS.get(lang)
    if exp is None:
        from jinja2 import DictLoader
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        c = Config()
        c.TagRemovePreprocessor.enabled = True
        c.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "remove_cell"}
        c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "remove_output"}
        exp = HTMLExporter(
            config=c,
            template_name="lab",
            template_file=_TEMPLATE_NAME,
            extra_loaders=[DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        exp.language_code = "zh-CN" if lang == "zh" else "en"
        _EXPORTERS[lang] = exp
    return exp


@functools.lru_cache(maxsize=1)
def _plotly_bundle() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def make_offline(text: str) -> tuple[str, int]:
    """Keep one copy of plotly.js per page and drop network resources.

    * of several ``<script src="...plotly.min.js">`` tags only the first is kept;
    * of several embedded copies of the plotly.js bundle only the first is kept;
    * any ``<script src>`` or ``<link href>`` pointing at ``http(s)://`` or
      ``//`` is removed.

    Returns the new text and the number of network tags removed.
    """
    seen = False

    def dedupe_src(m: re.Match) -> str:
        nonlocal seen
        if m.group(1).rsplit("/", 1)[-1] != PLOTLY_JS or re.match(r"(?:https?:)?//", m.group(1)):
            return m.group(0)
        if seen:
            return ""
        seen = True
        return m.group(0)

    text = _SCRIPT_SRC.sub(dedupe_src, text)
    bundle = _plotly_bundle()
    first = text.find(bundle)
    if first >= 0:
        head = text[: first + len(bundle)]
        text = head + text[len(head):].replace(bundle, "")
    text, removed = _EXTERNAL_TAG.subn("", text)
    return text, removed


_HEAD_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)


def _head_css(text: str) -> tuple[str, list[re.Match]]:
    """The CSS of the ``<style>`` blocks in ``<head>`` (joined) and the blocks themselves."""
    end = text.find("</head>")
    blocks = list(_HEAD_STYLE.finditer(text, 0, max(end, 0)))
    return "\n".join(m.group(1).strip() for m in blocks) + "\n", blocks


def _share_head_css(text: str, shared_css: str) -> str:
    """Replace the template's ``<style>`` blocks in ``<head>`` by a link to ``report.css``
    when their CSS is exactly the shared CSS (otherwise leave the page as it is)."""
    css, blocks = _head_css(text)
    if not blocks or css != shared_css:
        return text
    link = f'<link rel="stylesheet" href="{REPORT_CSS}">'
    out, pos = [], 0
    for k, m in enumerate(blocks):
        out.append(text[pos:m.start()])
        if k == 0:
            out.append(link)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def report_css(lang: str = "zh") -> str:
    """The CSS nbconvert's template puts in every page's ``<head>`` (shared as ``report.css``)."""
    import nbformat

    body, _ = _exporter(lang).from_notebook_node(nbformat.v4.new_notebook())
    return _head_css(body)[0]


def render_html(nb, title: str, lang: str = "zh", shared_css: str | None = None) -> tuple[str, int]:
    """HTML of an executed notebook without code, titled ``title``, offline.

    Code cells' inputs and all prompts are left out; cells tagged
    ``remove-cell`` are dropped, and so are ``stderr`` streams (warnings stay in
    the executed notebook). With ``shared_css`` (the text of ``report.css``)
    the template's CSS is linked instead of inlined. Returns the HTML and the
    number of network tags removed.
    """
    import copy

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    body, _ = _exporter(lang).from_notebook_node(nb)
    if shared_css:
        body = _share_head_css(body, shared_css)
    return make_offline(body)


def export_html(notebook_path: str | Path, html_path: str | Path, title: str, lang: str = "zh") -> Path:
    """Convert an executed notebook to an offline HTML report without code (atomic write)."""
    import nbformat

    nb = nbformat.read(str(notebook_path), as_version=4)
    text, _ = render_html(nb, title, lang=lang)
    return write_files([(Path(html_path), text_writer(text))])[0]


# ---------------------------------------------------------------------------
# planning: scope, parameters, fingerprints
# ---------------------------------------------------------------------------


def find_notebooks(notebooks_dir: str | Path | None = None) -> Path:
    """The folder holding the report notebooks.

    Given explicitly, it is used as is. Otherwise ``notebooks/`` in the current
    folder or the nearest parent that has one, else beside the installed
    package (an editable install from the repository).
    """
    if notebooks_dir is not None:
        return Path(notebooks_dir).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "notebooks" / COUNTY_NOTEBOOK).is_file():
            return folder / "notebooks"
    return (Path(__file__).resolve().parents[1] / "notebooks").resolve()


def slug(text: str) -> str:
    """ASCII file-name part: lower-case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def city_slug(city: str, city_en: str) -> str:
    """``qinglan`` from the English name; a short hash of the Chinese name if there is none."""
    return slug(city_en or "") or "c" + hashlib.sha1(city.encode()).hexdigest()[:8]


def package_hash() -> str:
    """SHA-256 over the zhenxing package's source files (path and bytes)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "__pycache__" in rel:
            continue
        h.update(rel.encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _toolchain() -> str:
    from importlib.metadata import version

    parts = []
    for name in ("plotly", "nbconvert", "papermill"):
        try:
            parts.append(f"{name}={version(name)}")
        except Exception:  # pragma: no cover
            parts.append(f"{name}=?")
    return ";".join(parts)


def fingerprint(notebook_bytes: bytes, parameters: dict, input_hash: str, framework_bytes: bytes, package: str, toolchain: str = "") -> str:
    """Hash of everything a report depends on (path parameters enter by content only)."""
    params = {k: v for k, v in parameters.items() if k not in PATH_PARAMETERS}
    h = hashlib.sha256(b"zhenxing-report-v1")
    for part in (notebook_bytes, json.dumps(params, sort_keys=True, ensure_ascii=False).encode(), input_hash.encode(),
                 framework_bytes, package.encode(), toolchain.encode()):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


_TEXT = {
    "zh": {
        "unit_title": "{name}（{city}）{year} 年乡村振兴实绩考核报告",
        "city_title": "{city} {year} 年乡村振兴实绩考核概览",
        "index_title": "{scope} {year} 年乡村振兴实绩考核报告",
        "province": "全省",
        "report": "报告",
        "overview": "概览",
        "simulation": "排名模拟",
        "sim_title": "{city} {year} 年排名模拟与情景分析",
        "open": "查看",
        "failed": "失败",
        "not_run": "未生成",
        "cities": "市级排名",
        "units": "县（市、区）排名",
        "run": "本次运行",
        "failures": "失败的报告",
        "failure_hint": "已执行的笔记本保存在 notebooks/ 中，可在 JupyterLab 中查看出错的单元。",
        "param": "参数",
        "value": "值",
        "year": "考核年份",
        "scope": "范围",
        "framework": "指标体系文件",
        "register": "单位名册",
        "values": "指标数据",
        "ytd": "年内数据（序时进度）",
        "lang": "语言",
        "seed": "随机种子",
        "input_hash": "输入数据哈希 (SHA-256)",
        "time": "生成时间",
        "version": "zhenxing 版本",
        "kernel": "笔记本内核（Python）",
        "counts": "生成 {ok} 份，未变更跳过 {skipped} 份，失败 {failed} 份，用时 {seconds:.1f} 秒",
        "plotly": "plotly.js",
        "plotly_shared": "共享文件 plotly.min.js（与报告同一文件夹）",
        "plotly_embed": "嵌入每份报告",
        "notebook": "已执行的笔记本",
        "error": "错误",
    },
    "en": {
        "unit_title": "{name} ({city}): rural revitalisation assessment {year}",
        "city_title": "{city}: rural revitalisation assessment overview {year}",
        "index_title": "{scope}: rural revitalisation assessment reports {year}",
        "province": "Province",
        "report": "Report",
        "overview": "Overview",
        "simulation": "Ranking simulation",
        "sim_title": "{city}: ranking simulation and what-if scenarios {year}",
        "open": "open",
        "failed": "failed",
        "not_run": "not generated",
        "cities": "City league",
        "units": "County league",
        "run": "This run",
        "failures": "Failed reports",
        "failure_hint": "The executed notebooks are kept in notebooks/; open them in JupyterLab to see the failing cell.",
        "param": "Parameter",
        "value": "Value",
        "year": "Assessment year",
        "scope": "Scope",
        "framework": "Framework file",
        "register": "Register",
        "values": "Indicator values",
        "ytd": "Year-to-date values (schedule progress)",
        "lang": "Language",
        "seed": "Random seed",
        "input_hash": "Input data hash (SHA-256)",
        "time": "Generated",
        "version": "zhenxing version",
        "kernel": "Notebook kernel (Python)",
        "counts": "{ok} generated, {skipped} unchanged (skipped), {failed} failed, in {seconds:.1f} s",
        "plotly": "plotly.js",
        "plotly_shared": "shared file plotly.min.js (in this folder)",
        "plotly_embed": "embedded in each report",
        "notebook": "executed notebook",
        "error": "Error",
    },
}


@dataclass
class _Plan:
    year: int
    scope: str  # "all" or the city's Chinese name
    run_name: str
    units: pd.DataFrame  # scored units in scope
    cities: pd.DataFrame  # scored cities in scope
    jobs: list[ReportJob]


def _plan(
    ds: Dataset,
    paths: dict[str, Path],
    year: int,
    city: str | None,
    all_units: bool,
    lang: str,
    plotly_js: str,
    notebooks: Path,
    units: Sequence[str] | None,
    overview: bool | None = None,
    seed: int | None = None,
    ytd: Path | None = None,
    missing_markers: Sequence[str] = (),
) -> _Plan:
    from .scoring import score_year

    result = score_year(ds, year)
    scored = result.units
    if all_units:
        scope, run_name = "all", f"{year}_all"
        in_scope = scored
        cities = result.cities
    else:
        if not city:
            raise InputError([Problem("--city", "no city given and no home_city in the run file (use --city NAME or --all)")], "no report scope")
        names = set(scored["city"])
        if city not in names:  # accept the English name too
            by_en = {str(e).lower(): c for c, e in zip(scored["city"], scored["city_en"]) if e}
            city = by_en.get(city.lower(), city)
        if city not in names:
            raise InputError([Problem("--city", f"unknown city '{city}' (cities assessed in {year}: {'、'.join(sorted(names))})")], "unknown city")
        in_scope = scored[scored["city"] == city]
        scope = city
        run_name = f"{year}_{city_slug(city, str(in_scope['city_en'].iloc[0]))}"
        cities = result.cities[result.cities["city"] == city]
    if units is not None:
        wanted = [str(u) for u in units]
        unknown = [u for u in wanted if u not in set(in_scope["code"])]
        if unknown:
            raise InputError([Problem("--units", f"unit(s) {', '.join(unknown)} not assessed in {year} in the scope {scope}")], "unknown unit")
        selected = in_scope[in_scope["code"].isin(wanted)]
    else:
        selected = in_scope

    fw_bytes = Path(paths["framework"]).read_bytes()
    input_hash = ds.input_hash()
    pkg = package_hash()
    tools = _toolchain()
    text = _TEXT[lang]
    base = {"year": int(year), "framework": str(paths["framework"]), "register": str(paths["register"]),
            "values": str(paths["values"]), "missing_markers": list(missing_markers), "lang": lang, "plotly_js": plotly_js}
    jobs: list[ReportJob] = []
    city_nb = notebooks / CITY_NOTEBOOK
    county_nb = notebooks / COUNTY_NOTEBOOK
    nb_cache: dict[Path, bytes] = {}

    def nb_bytes(p: Path) -> bytes:
        if p not in nb_cache:
            nb_cache[p] = p.read_bytes()
        return nb_cache[p]

    shared = plotly_js != "embed"
    if overview is None:
        overview = units is None and city_nb.is_file()
    if overview and not city_nb.is_file():
        raise InputError([Problem(str(city_nb), "city overview notebook not found (expected notebooks/city_overview.ipynb)")], "notebook not found")
    if overview:
        for c in cities.itertuples():
            params = {"city": c.city, **base}
            key = f"city_{city_slug(c.city, str(c.city_en))}"
            name = c.city if lang == "zh" else (c.city_en or c.city)
            title = text["city_title"].format(city=name, year=year)
            fp = fingerprint(nb_bytes(city_nb), params, input_hash, fw_bytes, pkg, tools)
            jobs.append(ReportJob(key, "city", title, city_nb, params, fp, lang, shared))
    sim_nb = notebooks / SIMULATION_NOTEBOOK
    scenario_files = _scenario_files(paths["framework"])
    if overview and not all_units and sim_nb.is_file() and scenario_files:
        # the scenario files are inputs of the simulation report: their contents enter its fingerprint
        scenario_bytes = b"".join(f.read_bytes() for f in scenario_files)
        for c in cities.itertuples():
            params = {"city": c.city, "draws": SIMULATION_DRAWS, "seed": int(seed if seed is not None else 20231),
                      "scenarios": [str(f) for f in scenario_files], "scenario": str(scenario_files[0]), **base}
            key = f"simulation_{city_slug(c.city, str(c.city_en))}"
            name = c.city if lang == "zh" else (c.city_en or c.city)
            fp = fingerprint(nb_bytes(sim_nb), params, input_hash, fw_bytes + scenario_bytes, pkg, tools)
            jobs.append(ReportJob(key, "simulation", text["sim_title"].format(city=name, year=year), sim_nb, params, fp, lang, shared))
    if not county_nb.is_file():
        raise InputError([Problem(str(county_nb), "report notebook not found (expected notebooks/county_report.ipynb in the project)")], "notebook not found")
    # the year-to-date file (schedule progress) is an input of the county reports: its contents enter their
    # fingerprint; without one the notebook is told so ("") rather than falling back to its demo default
    ytd_bytes = b"\0ytd\0" + Path(ytd).read_bytes() if ytd is not None else b""
    for u in _league_order(selected, ds.framework).itertuples():
        params = {"code": u.code, **base, "ytd": str(ytd) if ytd is not None else ""}
        name = u.name_zh if lang == "zh" else (u.name_en or u.name_zh)
        cname = u.city if lang == "zh" else (u.city_en or u.city)
        title = text["unit_title"].format(name=name, city=cname, year=year)
        fp = fingerprint(nb_bytes(county_nb), params, input_hash, fw_bytes + ytd_bytes, pkg, tools)
        jobs.append(ReportJob(str(u.code), "county", title, county_nb, params, fp, lang, shared))
    return _Plan(year, scope, run_name, _league_order(in_scope, ds.framework), cities, jobs)


def _scenario_files(framework: Path) -> list[Path]:
    """The what-if scenarios beside the framework (``<framework folder>/scenarios/*.yaml``,
    else ``params/scenarios`` of the project), baseline first; empty if there are none."""
    from .paths import resolve
    from .scenarios import DEFAULT_SCENARIO_DIR

    folder = Path(framework).parent / "scenarios"
    if not folder.is_dir():
        folder = resolve(DEFAULT_SCENARIO_DIR)
    return sorted(folder.glob("*.yaml"), key=lambda f: (f.stem != "baseline", f.stem)) if folder.is_dir() else []


def _league_order(units: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    order = {c: k for k, c in enumerate(fw.category_ids)}
    return (units.assign(_c=units["category"].map(order))
            .sort_values(["_c", "rank_category", "code"], kind="stable").drop(columns="_c").reset_index(drop=True))


# ---------------------------------------------------------------------------
# manifest and index
# ---------------------------------------------------------------------------


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


_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
margin:2em auto;max-width:72em;padding:0 1em;color:#1f2328;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
th,td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left}th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.warn td{background:#fff1f0}.flag{color:#cf222e;font-weight:bold}
.failed{color:#cf222e}.muted{color:#57606a;font-size:.9em}code{font-size:.9em;word-break:break-all}
a{color:#0969da}
"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def _table(headers: list[str], rows: list[list[str]], row_classes: list[str] | None = None, numeric: Iterable[int] = ()) -> str:
    numeric = set(numeric)
    out = ["<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr></thead><tbody>"]
    for k, row in enumerate(rows):
        cls = f' class="{row_classes[k]}"' if row_classes and row_classes[k] else ""
        cells = "".join(f'<td class="num">{c}</td>' if j in numeric else f"<td>{c}</td>" for j, c in enumerate(row))
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def render_index(
    plan: _Plan,
    fw: Framework,
    lang: str,
    results: dict[str, ReportResult],
    run_dir: Path,
    manifest: dict,
    info: dict,
) -> str:
    """The run's index page: league table with links, city overview(s), run parameters, failures."""
    t = _TEXT[lang]
    scope_name = t["province"] if plan.scope == "all" else plan.scope
    if plan.scope != "all" and lang == "en" and len(plan.units):
        scope_name = plan.units["city_en"].iloc[0] or plan.scope
    title = t["index_title"].format(scope=scope_name, year=plan.year)

    def link_for(key: str) -> str:
        r = results.get(key)
        if r is not None and r.status == "failed":
            if r.executed:
                return f'<a class="failed" href="{_e(r.executed)}">{_e(t["failed"])}: {_e(t["notebook"])}</a>'
            return f'<span class="failed">{_e(t["failed"])}</span>'
        entry = manifest["reports"].get(key)
        if entry and (run_dir / entry["html"]).is_file():
            return f'<a href="{_e(entry["html"])}">{_e(t["open"])}</a>'
        return f'<span class="muted">{_e(t["not_run"])}</span>'

    parts = [f"<!DOCTYPE html>\n<html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\">\n<head>\n<meta charset=\"utf-8\">",
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>", f"<h1>{_e(title)}</h1>"]
    counts = t["counts"].format(ok=info["n_ok"], skipped=info["n_skipped"], failed=info["n_failed"], seconds=info["seconds"])
    parts.append(f'<p class="muted">{_e(counts)}</p>')

    # cities
    if len(plan.cities):
        cities = plan.cities.reset_index(drop=True)
        ccols = ["rank", "city", "city_en", "n_units", "score", "last"]
        loc = localise(cities[ccols], fw, lang)  # name columns merged: rank, city, n_units, score, last
        score_col = 3
        with_sim = any(j.kind == "simulation" for j in plan.jobs)
        headers = list(loc.columns) + [t["overview"]] + ([t["simulation"]] if with_sim else [])
        rows, classes = [], []
        for k, c in enumerate(cities.itertuples()):
            vals = [_e(v) for v in loc.iloc[k].tolist()]
            vals[score_col] = f"{c.score:.2f}"
            slug_ = city_slug(c.city, str(c.city_en))
            rows.append(vals + [link_for(f"city_{slug_}")] + ([link_for(f"simulation_{slug_}")] if with_sim else []))
            classes.append("warn" if c.last else "")
        parts += [f"<h2>{_e(t['cities'])}</h2>", _table(headers, rows, classes, numeric=[0, 2, score_col])]

    # units
    cols = ["rank_category", "code", "name_zh", "name_en", "city", "city_en", "category", "total", "grade", "warning_talk"]
    units = plan.units.reset_index(drop=True)
    loc = localise(units[cols], fw, lang)
    headers = list(loc.columns) + [t["report"]]
    shown = [c for c in cols if c not in ("name_en", "city_en")]  # localise merges the English names in
    total_col, flag_col = shown.index("total"), shown.index("warning_talk")
    rows, classes = [], []
    for k, u in enumerate(units.itertuples()):
        vals = [_e(v) for v in loc.iloc[k].tolist()]
        vals[total_col] = f"{u.total:.2f}"
        if u.warning_talk:
            vals[flag_col] = f'<span class="flag">{vals[flag_col]}</span>'
        rows.append(vals + [link_for(str(u.code))])
        classes.append("warn" if u.warning_talk else "")
    parts += [f"<h2>{_e(t['units'])}</h2>", _table(headers, rows, classes, numeric=[0, total_col])]

    # failures
    failed = [r for r in results.values() if r.status == "failed"]
    if failed:
        frows = []
        for r in failed:
            nb_link = f'<a href="{_e(r.executed)}">{_e(r.executed)}</a>' if r.executed else ""
            frows.append([_e(r.key), _e(r.title), nb_link, f"<code>{_e(r.error)}</code>"])
        parts += [f"<h2 class=\"failed\">{_e(t['failures'])} ({len(failed)})</h2>", f"<p class=\"muted\">{_e(t['failure_hint'])}</p>",
                  _table(["", t["report"], t["notebook"], t["error"]], frows)]

    # run parameters
    prow = [
        (t["year"], plan.year),
        (t["scope"], scope_name),
        (t["framework"], info["framework"]),
        (t["register"], info["register"]),
        (t["values"], info["values"]),
        (t["ytd"], info.get("ytd", "—")),
        (t["lang"], lang),
        (t["plotly"], t["plotly_embed"] if info["standalone"] else t["plotly_shared"]),
        (t["seed"], info["seed"]),
        (t["input_hash"], info["input_hash"]),
        (t["time"], info["time"]),
        (t["version"], __version__),
        (t["kernel"], kernel_argv()[0]),
    ]
    parts += [f"<h2>{_e(t['run'])}</h2>",
              _table([t["param"], t["value"]], [[_e(a), f"<code>{_e(b)}</code>"] for a, b in prow])]
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# the runner
# ---------------------------------------------------------------------------


def plotly_js_path() -> Path:
    """plotly.min.js of the installed plotly package (the version its figures are made for)."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / PLOTLY_JS


def _ensure_shared_assets(run_dir: Path, lang: str) -> None:
    """Write plotly.min.js (from the plotly package) and report.css (nbconvert's
    template CSS) into the run folder, unless they are there already."""
    jobs = []
    for name, data in ((PLOTLY_JS, plotly_js_path().read_bytes()), (REPORT_CSS, report_css(lang).encode("utf-8"))):
        target = run_dir / name
        if not target.is_file() or target.read_bytes() != data:
            jobs.append((target, bytes_writer(data)))
    write_files(jobs)


def _executor(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_warm_up)


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
    validated data of these files (skips a second validation).

    Raises :class:`~zhenxing.errors.InputError` for bad input (before any
    notebook runs); notebook failures are reported in the summary instead.
    """
    t0 = time.perf_counter()
    if lang not in _TEXT:
        raise InputError([Problem("--lang", f"unknown language '{lang}' (expected zh or en)")], "invalid option")
    paths = {"framework": Path(framework).resolve(), "register": Path(register).resolve(), "values": Path(values).resolve()}
    if dataset is None:
        dataset = load_dataset(load_framework(paths["framework"]), paths["register"], paths["values"], missing_markers)
    fw = dataset.framework
    year = int(year) if year is not None else dataset.years[-1]
    dataset.year(year)  # InputError for an unknown year
    ytd_path = Path(ytd).resolve() if ytd else None
    if ytd_path is not None:
        from .gap import load_ytd

        load_ytd(ytd_path, dataset, missing_markers)  # InputError for a bad file, once, before any notebook runs
    notebooks = find_notebooks(notebooks_dir)
    plotly_js = "embed" if standalone else PLOTLY_JS
    plan = _plan(dataset, paths, year, city, all_units, lang, plotly_js, notebooks, units, overview, seed, ytd_path, missing_markers)

    run_dir = Path(out).resolve() / plan.run_name
    (run_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    if not standalone:
        _ensure_shared_assets(run_dir, lang)
    manifest = read_manifest(run_dir)
    results: dict[str, ReportResult] = {}
    todo: list[ReportJob] = []
    for job in plan.jobs:
        entry = manifest["reports"].get(job.key)
        if not force and entry and entry.get("fingerprint") == job.fingerprint and (run_dir / entry.get("html", "")).is_file():
            results[job.key] = ReportResult(job.key, job.kind, job.title, "skipped", 0.0, 0, "", entry["html"], entry.get("notebook"))
        else:
            todo.append(job)

    by_key = {j.key: j for j in todo}

    def record(r: ReportResult) -> None:
        results[r.key] = r
        if r.status == "ok":
            manifest["reports"][r.key] = {
                "fingerprint": by_key[r.key].fingerprint, "html": r.html, "notebook": r.executed, "title": r.title,
                "kind": r.kind, "seconds": round(r.seconds, 2), "attempts": r.attempts,
                "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
        else:
            manifest["reports"].pop(r.key, None)
        _write_manifest(run_dir, manifest)

    n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
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
        if n_jobs == 1:
            for job in todo:
                done(run_job(job, run_dir, retries, start_timeout, cell_timeout))
        else:
            _run_pool(todo, run_dir, n_jobs, retries, start_timeout, cell_timeout, done)
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
                      {"lang": lang, "standalone": standalone, "jobs": n_jobs, "force": force})


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
