"""Real browser: JupyterLab runs notebooks/whatif_explorer.ipynb, and moving a slider changes a displayed rank.

The test copies the notebook, params/ and data/raw/ into a temporary folder (so
that JupyterLab's autosave can never write outputs into the stored notebook),
starts ``jupyter lab`` there on 127.0.0.1 with a token on a free port, opens the
notebook in headless Chromium through the DevTools client of
:mod:`zhenxing.report.pdf`, runs every cell (``notebook:run-all-cells``), types
a new poverty-consolidation weight into that slider's readout (as a person
would, with key events) and waits until the home city's table shows other
category ranks. Every wait is bounded; the server and the browser are stopped in
every case. Without Chromium the test is skipped, except under CI=true.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from zhenxing.report.pdf import Browser, find_browser

from .conftest import ROOT

JUPYTER = Path(sys.executable).with_name("jupyter")
RANKS_JS = """(() => { const t = document.querySelector('.zx-ex table'); if (!t) return null;
  return Array.from(t.querySelectorAll('tr')).slice(1).map(r => r.cells[4].textContent.trim()); })()"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str, step: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


@contextlib.contextmanager
def jupyter_lab(folder: Path):
    """A JupyterLab server on 127.0.0.1 serving ``folder``; yields its base URL and token; stopped on exit."""
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / ".jupyter"), "JUPYTER_RUNTIME_DIR": str(folder / ".runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".workspaces"), "JUPYTERLAB_SETTINGS_DIR": str(folder / ".settings")}
    news = folder / ".settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}', encoding="utf-8")  # no news toast over the page
    log = open(folder / "jupyter.log", "w")
    proc = subprocess.Popen([str(JUPYTER), "lab", "--no-browser", "--allow-root", "--expose-app-in-browser", "--ServerApp.ip=127.0.0.1",
                             f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                             f"--ServerApp.root_dir={folder}", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            if proc.poll() is not None:
                raise RuntimeError("jupyter lab exited:\n" + (folder / "jupyter.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        _wait(up, 60, "jupyter lab start")
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(15)
        log.close()


def project_copy(dest: Path) -> Path:
    (dest / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / "whatif_explorer.ipynb", dest / "notebooks")
    shutil.copytree(ROOT / "params", dest / "params")
    shutil.copytree(ROOT / "data" / "raw", dest / "data" / "raw")
    return dest


def open_explorer(browser: Browser, url: str, token: str, width: int = 1400, height: int = 1000):
    """The notebook open in JupyterLab with every cell run and the explorer shown; returns the tab."""
    tab = browser.open(f"{url}/lab/tree/notebooks/whatif_explorer.ipynb?token={token}", width=width, height=height, timeout=60)
    _wait(lambda: tab.evaluate("!!(window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell'))"), 60, "notebook open")
    _wait(lambda: tab.evaluate("(() => { const k = document.querySelector('.jp-Notebook-ExecutionIndicator, .jp-KernelStatus');"
                               " return !!window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel; })()"), 60, "kernel start")
    tab.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')", await_promise=True)
    _wait(lambda: tab.evaluate(RANKS_JS), 90, "explorer output")
    _wait(lambda: tab.evaluate("document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= 4"), 60, "explorer charts")
    return tab


def set_slider(tab, index: int, value: str) -> None:
    """Type ``value`` into the readout of the ``index``-th slider and press Enter (real key events)."""
    tab.evaluate(f"""(() => {{ const r = document.querySelectorAll('.widget-slider .widget-readout')[{index}];
      r.scrollIntoView({{block: 'center'}}); r.focus(); document.getSelection().selectAllChildren(r); }})()""")
    tab.send("Input.insertText", {"text": value})
    for kind in ("keyDown", "keyUp"):
        tab.send("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13,
                                            "nativeVirtualKeyCode": 13, **({"text": "\r"} if kind == "keyDown" else {})})


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_browser()
    if not path:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no Chromium (apt-get install chromium; .ci/run does)")
        pytest.skip("no Chromium (apt-get install chromium); CI=true makes this a failure")
    return path


def test_moving_a_slider_in_jupyterlab_changes_a_rank(chromium, tmp_path):
    folder = project_copy(tmp_path / "project")
    with jupyter_lab(folder) as (url, token), Browser(chromium) as browser:
        tab = open_explorer(browser, url, token)
        before = tab.evaluate(RANKS_JS)
        assert before and all("/" in r for r in before)
        (tmp_path / "before.png").write_bytes(tab.screenshot())
        set_slider(tab, 5, "60")  # the poverty-consolidation weight, 15 -> 60 points
        after = _wait(lambda: (lambda r: r if r and r != before else None)(tab.evaluate(RANKS_JS)), 30, "ranks after the slider move")
        (tmp_path / "after.png").write_bytes(tab.screenshot())
        assert after != before
        _wait(lambda: tab.evaluate("document.querySelectorAll('.widget-slider .widget-readout')[5].textContent.trim()") == "60.0",
              10, "the slider's readout")
        errors = tab.evaluate("Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(e => e.textContent)"
                              ".filter(t => /Traceback|Error:/.test(t))")
        assert not errors, errors
        tab.close()
