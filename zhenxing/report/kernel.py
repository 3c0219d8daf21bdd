"""Running one report notebook (in a worker process) in a kernel of this interpreter.

The kernel is this interpreter: the ``python3`` kernel name is resolved to
``[sys.executable, -m, ipykernel_launcher, ...]`` (ipykernel's native spec),
whatever ``python3`` kernelspecs exist in the user's or system Jupyter
folders, so the reports always run with the zhenxing of this environment.
A kernel that fails to start is retried (:func:`is_kernel_start_error`);
errors raised by the notebook's code are not. :func:`run_job` executes one
:class:`~zhenxing.report.planning.ReportJob` with papermill, exports its HTML
and returns a :class:`ReportResult`; it never raises for a notebook failure.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..io import text_writer, write_files
from .export import REPORT_CSS, render_html
from .planning import ReportJob


KERNEL_NAME = "python3"
DEFAULT_RETRIES = 2
START_TIMEOUT = 60  # seconds for a kernel to start
CELL_TIMEOUT = 900  # seconds for one cell; a hung notebook fails instead of blocking the run


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

    parent = str(Path(__file__).resolve().parents[2])
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
            log = getattr(_KERNEL_LOG, "file", None)
            if log is not None:
                kw.setdefault("stdout", log)
                kw.setdefault("stderr", log)
            return await super().start_kernel(**kw)

    _PINNED_KM = PinnedKernelManager
    return _PINNED_KM


# open file for the kernel's stdout/stderr while a job runs, per thread (a Dask worker may run several jobs at once)
_KERNEL_LOG = threading.local()
_PINNED_KM: type | None = None

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
        _KERNEL_LOG.file = log
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
            _KERNEL_LOG.file = None
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


def warm_up() -> None:
    """Worker initialiser: import the heavy modules once per worker process."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    _kernel_manager_class()


def worker_view(paths: list[str], run_dir: str, token: str) -> dict:
    """Dask worker check before a batch: which inputs this worker cannot see, and can it write the run folder.

    ``token`` names a file the client wrote in ``run_dir``: seeing it proves the
    worker shares the client's run folder (not merely a folder of the same name).
    Also imports the heavy modules once (:func:`warm_up`). Returns
    ``{"missing": [...], "run_dir": problem or "", "zhenxing": version}``.
    """
    import sys

    from .. import __version__

    missing = [p for p in paths if not Path(p).exists()]
    folder = Path(run_dir)
    problem = ""
    if not (folder / token).is_file():
        problem = "does not see the run folder as this machine wrote it"
    else:
        probe = folder / f".{token}.{os.getpid()}.{secrets.token_hex(2)}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            problem = f"cannot write there ({exc.strerror or exc})"
    warm_up()
    return {"missing": missing, "run_dir": problem, "zhenxing": __version__, "python": sys.executable}
