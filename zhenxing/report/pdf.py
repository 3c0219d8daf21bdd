"""PDF copies of the reports, printed by headless Chromium through the DevTools protocol.

``zhenxing reports --pdf`` writes ``<key>.pdf`` beside each report's HTML. One
browser process prints every page of a run: for each page a new tab is opened
with the print media type emulated at the width of the printable A4 area
(:data:`PRINT_WIDTH_PX`, so that plotly draws its charts at the width they are
printed at), the page is loaded from ``file://``, the charts are awaited (every
``.plotly-graph-div`` holds an ``svg.main-svg``, or the page sets
``window.zhenxingReady = true``; then the fonts) and ``Page.printToPDF`` prints
it with the page's own CSS page size (``preferCSSPageSize``; A4 portrait with
:data:`MARGIN_MM` margins otherwise).

The browser is Debian's ``chromium`` (:func:`find_browser`: the
``ZHENXING_BROWSER`` environment variable first, then ``/usr/bin/chromium``,
then ``chromium``, ``chromium-browser``, ``google-chrome`` on the ``PATH``);
:func:`require_browser` raises an :class:`~zhenxing.errors.InputError` naming
the package when there is none, so that a run stops before any notebook runs.

:class:`DevTools` is a minimal client of the protocol (commands, and the events
seen meanwhile) over the ``websocket-client`` package; the real-browser tests
use it too.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem
from ..io import bytes_writer, write_files


BROWSER_ENV = "ZHENXING_BROWSER"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DEBIAN_PACKAGE = "chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
]
A4_MM = (210.0, 297.0)
A4_WIDTH_PX = 794  # 210 mm at 96 px per inch
MARGIN_MM = 15.0  # default page margin (when the page's CSS gives no @page size)
PRINT_WIDTH_PX = A4_WIDTH_PX - 2 * round(MARGIN_MM / 25.4 * 96)  # 681: the printable width of an A4 page
PRINT_HEIGHT_PX = 1123 - 2 * round(MARGIN_MM / 25.4 * 96)
PAGE_TIMEOUT = 60.0  # seconds for a page to load and draw its charts

#: JavaScript: true once every chart is drawn (or the page says it is ready).
READY_JS = """(() => { if (window.zhenxingReady === true) return true;
  const divs = Array.from(document.querySelectorAll('.plotly-graph-div'));
  return divs.every(d => d.querySelector('svg.main-svg') !== null); })()"""
#: JavaScript: a promise resolved after the fonts are loaded and two frames are painted.
SETTLE_JS = """(async () => { if (document.fonts) await document.fonts.ready;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); return true; })()"""


def find_browser() -> str | None:
    """The Chromium to use: ``$ZHENXING_BROWSER``, ``/usr/bin/chromium`` or one on the ``PATH``; None if none."""
    if os.environ.get(BROWSER_ENV):
        return os.environ[BROWSER_ENV]
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def missing_browser_message() -> str:
    return (f"no Chromium found to print the PDFs: install the Debian package '{DEBIAN_PACKAGE}' "
            f"(sudo apt-get install {DEBIAN_PACKAGE}) or set {BROWSER_ENV} to a Chromium or Chrome executable")


def require_browser() -> str:
    """The browser's path, or an :class:`InputError` (exit status 2) naming the package to install."""
    path = find_browser()
    if path is None or not (Path(path).is_file() or shutil.which(path)):
        raise InputError([Problem("--pdf", missing_browser_message())], "no browser for --pdf")
    try:
        import websocket  # noqa: F401
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise InputError([Problem("--pdf", "the Python package websocket-client is needed to drive Chromium (pip install websocket-client)")],
                         "no browser for --pdf") from exc
    return path


# ---------------------------------------------------------------------------
# the DevTools protocol
# ---------------------------------------------------------------------------


class DevTools:
    """Just enough of the Chrome DevTools protocol: commands and the events seen meanwhile."""

    def __init__(self, ws_url: str, timeout: float = 60):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.timeout = timeout
        self.n = 0
        self.events: list[dict] = []

    def _recv(self) -> dict:
        return json.loads(self.ws.recv())

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.n += 1
        msg = {"id": self.n, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.settimeout(self.timeout)
        self.ws.send(json.dumps(msg))
        while True:
            data = self._recv()
            if data.get("id") == self.n:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data.get("result", {})
            self.events.append(data)

    def evaluate(self, expression: str, session: str, await_promise: bool = False):
        """The value of a JavaScript expression in the page (JSON-serialisable values only)."""
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": await_promise}, session)
        if "exceptionDetails" in r:
            raise RuntimeError(f"JavaScript error: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")

    def wait_event(self, method: str, timeout: float, session: str | None = None) -> bool:
        """Wait until an event ``method`` (of ``session``, if given) has arrived; False on timeout."""
        def match(e: dict) -> bool:
            return e.get("method") == method and (session is None or e.get("sessionId") == session)

        if any(match(e) for e in self.events):
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = self._recv()
            except Exception:  # noqa: BLE001 - a timeout
                return False
            self.events.append(data)
            if match(data):
                return True
        return False

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001
            pass


def stop_browser(proc: subprocess.Popen) -> None:
    """Kill a browser started by :func:`launch` and every process of its group (renderers, GPU, crash handler)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        if proc.poll() is None:
            proc.kill()
    proc.wait(30)


def launch(browser: str, profile: Path, extra: Iterable[str] = (), timeout: float = 60) -> tuple[subprocess.Popen, str, list[str]]:
    """Start Chromium with a DevTools port; returns the process, the websocket URL ('' if none) and its stderr lines."""
    proc = subprocess.Popen([browser, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                             "--remote-allow-origins=*", *extra, "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group: stopped with all its helpers (stop_browser)
    lines: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        for line in proc.stderr:
            lines.append(line.rstrip())
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                found.append(m.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    ready.wait(timeout)
    return proc, (found[0] if found else ""), lines


class Browser:
    """One headless Chromium with a DevTools connection; a context manager (the process ends on exit)."""

    def __init__(self, path: str | None = None, profile: Path | None = None):
        self.path = path or require_browser()
        self._tmp = None if profile is not None else tempfile.TemporaryDirectory(prefix="zhenxing-chromium-")
        self.profile = Path(profile) if profile is not None else Path(self._tmp.name)
        self.proc, ws_url, self.stderr = launch(self.path, self.profile)
        if not ws_url:
            self.close()
            raise RuntimeError("Chromium did not open its DevTools port:\n" + "\n".join(self.stderr[-20:]))
        self.cdp = DevTools(ws_url)

    def open(self, url: str, *, width: int = 1400, height: int = 900, media: str = "", timeout: float = PAGE_TIMEOUT,
             domains: Iterable[str] = ("Page", "Runtime")) -> "Tab":
        """A new tab showing ``url`` at a viewport of ``width`` x ``height`` (``media="print"`` emulates print),
        after its load event, its charts and its fonts."""
        cdp = self.cdp
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        tab = Tab(self, target, session)
        for domain in domains:
            cdp.send(f"{domain}.enable", session=session)
        cdp.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
        if media:
            cdp.send("Emulation.setEmulatedMedia", {"media": media}, session)
        cdp.send("Page.navigate", {"url": url}, session)
        if not cdp.wait_event("Page.loadEventFired", timeout, session):
            tab.close()
            raise TimeoutError(f"{url} did not finish loading in {timeout:.0f} s")
        deadline = time.monotonic() + timeout
        while not cdp.evaluate(READY_JS, session):  # plotly draws asynchronously after the load event
            if time.monotonic() > deadline:
                tab.close()
                raise TimeoutError(f"{url}: the charts were not drawn in {timeout:.0f} s")
            time.sleep(0.1)
        cdp.evaluate(SETTLE_JS, session, await_promise=True)
        return tab

    def close(self) -> None:
        if getattr(self, "cdp", None) is not None:
            self.cdp.close()
        stop_browser(self.proc)
        if self._tmp is not None:
            # Chromium's helper processes may still be flushing into the profile for a moment after it exits
            for _ in range(20):
                try:
                    self._tmp.cleanup()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                shutil.rmtree(self._tmp.name, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class Tab:
    browser: Browser
    target: str
    session: str

    def evaluate(self, expression: str, await_promise: bool = False):
        return self.browser.cdp.evaluate(expression, self.session, await_promise)

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.cdp.send(method, params, self.session)

    def screenshot(self, full_page: bool = False) -> bytes:
        params: dict = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])

    def print_pdf(self) -> bytes:
        """The page printed to PDF: its CSS ``@page`` size if it has one, else A4 portrait with :data:`MARGIN_MM` margins."""
        inch = MARGIN_MM / 25.4
        r = self.send("Page.printToPDF", {
            "preferCSSPageSize": True, "printBackground": True,
            "paperWidth": A4_MM[0] / 25.4, "paperHeight": A4_MM[1] / 25.4,
            "marginTop": inch, "marginBottom": inch, "marginLeft": inch, "marginRight": inch,
        })
        return base64.b64decode(r["data"])

    def close(self) -> None:
        try:
            self.browser.cdp.send("Target.closeTarget", {"targetId": self.target})
        except Exception:  # noqa: BLE001
            pass


# ---------------------------------------------------------------------------
# printing a run
# ---------------------------------------------------------------------------


@dataclass
class Printed:
    """One PDF printed (``error`` empty) or not."""

    key: str
    pdf: str  # file name, relative to the run folder
    seconds: float
    pages: int = 0
    size: int = 0
    error: str = ""


def page_count(data: bytes) -> int:
    """Number of pages of a PDF written by Chromium (counts its ``/Type /Page`` objects)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", data))


def print_pdf(browser: Browser, html: Path, pdf: Path, timeout: float = PAGE_TIMEOUT) -> tuple[int, int]:
    """Print one HTML file to ``pdf`` (atomic write) in print emulation at the A4 printable width; (pages, bytes)."""
    tab = browser.open(Path(html).resolve().as_uri(), width=PRINT_WIDTH_PX, height=PRINT_HEIGHT_PX, media="print", timeout=timeout)
    try:
        data = tab.print_pdf()
    finally:
        tab.close()
    write_files([(Path(pdf), bytes_writer(data))])
    return page_count(data), len(data)


def print_reports(pages: list[tuple[str, Path, Path]], browser_path: str | None = None, progress=None) -> list[Printed]:
    """Print ``(key, html, pdf)`` pages one after the other in one browser process.

    A page that fails (a timeout, a crash of its tab) is reported in its
    :class:`Printed` and the others still print; a browser that dies is
    started again for the remaining pages. ``progress`` is called with each result.
    """
    out: list[Printed] = []
    if not pages:
        return out
    browser: Browser | None = None
    try:
        for key, html, pdf in pages:
            t0 = time.perf_counter()
            try:
                if browser is None or browser.proc.poll() is not None:
                    if browser is not None:
                        browser.close()
                    browser = Browser(browser_path)
                n, size = print_pdf(browser, html, pdf)
                r = Printed(key, pdf.name, time.perf_counter() - t0, n, size)
            except Exception as exc:  # noqa: BLE001 - one page's failure never stops the others
                r = Printed(key, pdf.name, time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}".splitlines()[0][:500])
            out.append(r)
            if progress is not None:
                progress(r)
    finally:
        if browser is not None:
            browser.close()
    return out


def print_parallel(pages: list[tuple[str, Path, Path]], workers: int = 1, browser_path: str | None = None, progress=None) -> list[Printed]:
    """:func:`print_reports` in ``workers`` browser processes at once (the pages dealt out in turn), in the order given."""
    workers = max(1, min(workers, len(pages)))
    if workers == 1:
        return print_reports(pages, browser_path, progress)
    from concurrent.futures import ThreadPoolExecutor

    lock = threading.Lock()

    def report(r: Printed) -> None:
        if progress is not None:
            with lock:
                progress(r)

    chunks = [pages[k::workers] for k in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        done = [r for part in pool.map(lambda c: print_reports(c, browser_path, report), chunks) for r in part]
    order = {key: k for k, (key, _, _) in enumerate(pages)}
    return sorted(done, key=lambda r: order[r.key])
