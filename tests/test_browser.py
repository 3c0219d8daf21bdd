"""Real-browser check: headless Chromium opens generated reports and the index from disk.

Each page is loaded from ``file://`` through the Chrome DevTools protocol (a
small websocket client): the test fails on any uncaught JavaScript error,
``console.error``, browser error log entry (such as a script that cannot be
loaded) or any request that is not to a local file. It checks that every
plotly chart was drawn (an ``<svg class="main-svg">`` in each chart's div after
the scripts ran), that the Chinese text is there, and saves a screenshot in the
test's temporary folder. Without the websocket client it falls back to
``--dump-dom`` and ``--screenshot`` with the console on stderr.

Without Chromium the tests are skipped, except under CI (``CI=true``), where a
missing browser is a failure (``.ci/run`` installs the Debian package).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from zhenxing.report.batch import run_reports

from .conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
FRAMEWORK = ROOT / "params" / "framework.yaml"
REGISTER = ROOT / "data" / "raw" / "demo_register_synthetic.csv"
VALUES = ROOT / "data" / "raw" / "demo_values_synthetic.csv"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
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
    "--window-size=1280,1800",
]
LOCAL = ("file:", "data:", "blob:", "about:", "chrome-error:")

pytestmark = pytest.mark.skipif(
    not (NOTEBOOKS / "county_report.ipynb").is_file(), reason="the report notebooks are not in notebooks/ yet"
)


def find_browser() -> str | None:
    if os.environ.get("ZHENXING_BROWSER"):
        return os.environ["ZHENXING_BROWSER"]
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_browser()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no Chromium found (install the Debian package 'chromium'; .ci/run does)")
        pytest.skip("no Chromium found (apt-get install chromium, or set ZHENXING_BROWSER); CI=true makes this a failure")
    return path


# ---------------------------------------------------------------------------
# loading a page
# ---------------------------------------------------------------------------


@dataclass
class Page:
    dom: str
    screenshot: Path
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    charts: int = 0  # chart divs
    drawn: int = 0  # chart divs with an svg.main-svg
    style: dict = field(default_factory=dict)  # computed styles (DevTools only)


class DevTools:
    """Just enough of the Chrome DevTools protocol: commands and the events seen meanwhile."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.n = 0
        self.events: list[dict] = []

    def _recv(self) -> dict:
        return json.loads(self.ws.recv())

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.n += 1
        msg = {"id": self.n, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            data = self._recv()
            if data.get("id") == self.n:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data.get("result", {})
            self.events.append(data)

    def wait_event(self, method: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return True
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = self._recv()
            except Exception:  # noqa: BLE001 - a timeout
                return False
            self.events.append(data)
            if data.get("method") == method:
                return True
        return False

    def close(self) -> None:
        self.ws.close()


def _launch(browser: str, profile: Path, extra: list[str]) -> tuple[subprocess.Popen, str, list[str]]:
    proc = subprocess.Popen([browser, *FLAGS, f"--user-data-dir={profile}", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
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
    ready.wait(60)
    return proc, (found[0] if found else ""), lines


STYLE_JS = """(() => { const px = el => el ? parseFloat(getComputedStyle(el).fontSize) : null;
  return JSON.stringify({theme: getComputedStyle(document.documentElement).getPropertyValue('--jp-content-font-size1').trim(),
    heading: px(document.querySelector('.jp-RenderedMarkdown h1, .jp-RenderedMarkdown h2')),
    text: px(document.querySelector('.jp-RenderedMarkdown p'))}); })()"""
CHART_JS = """(() => { const divs = Array.from(document.querySelectorAll('.plotly-graph-div'));
  return JSON.stringify({charts: divs.length, drawn: divs.filter(d => d.querySelector('svg.main-svg')).length}); })()"""


def open_with_devtools(browser: str, url: str, tmp: Path, name: str) -> Page:
    proc, ws_url, stderr = _launch(browser, tmp / f"profile-{name}", ["--remote-debugging-port=0", "--remote-allow-origins=*", "about:blank"])
    try:
        assert ws_url, "Chromium did not open the DevTools port:\n" + "\n".join(stderr[-20:])
        cdp = DevTools(ws_url)
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            cdp.send(f"{domain}.enable", session=session)
        cdp.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 1800, "deviceScaleFactor": 1, "mobile": False}, session)
        cdp.send("Page.navigate", {"url": url}, session)
        assert cdp.wait_event("Page.loadEventFired", 60), f"{url} did not finish loading"
        counts = {"charts": 0, "drawn": 0}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # plotly draws asynchronously after load
            counts = json.loads(cdp.send("Runtime.evaluate", {"expression": CHART_JS, "returnByValue": True}, session)["result"]["value"])
            if counts["drawn"] >= counts["charts"]:
                break
            time.sleep(0.2)
        time.sleep(0.5)  # let late errors arrive
        dom = cdp.send("Runtime.evaluate", {"expression": "document.documentElement.outerHTML", "returnByValue": True}, session)["result"]["value"]
        style = json.loads(cdp.send("Runtime.evaluate", {"expression": STYLE_JS, "returnByValue": True}, session)["result"]["value"])
        import base64

        shot = tmp / f"{name}.png"
        shot.write_bytes(base64.b64decode(cdp.send("Page.captureScreenshot", {"format": "png"}, session)["data"]))
        cdp.wait_event("__none__", 0.3)  # collect what is still in flight
        errors, requests = [], []
        for e in cdp.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                errors.append(f"exception: {d.get('exception', {}).get('description') or d.get('text')}")
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
                errors.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif method == "Network.loadingFailed":
                errors.append(f"loading failed: {p.get('errorText')}")
            elif method == "Network.requestWillBeSent":
                requests.append(p["request"]["url"])
        cdp.close()
        return Page(dom, shot, errors, requests, counts["charts"], counts["drawn"], style)
    finally:
        proc.kill()
        proc.wait(30)


def open_with_command_line(browser: str, url: str, tmp: Path, name: str) -> Page:
    """Fallback without a websocket client: --dump-dom and --screenshot, console messages on stderr."""
    common = [browser, *FLAGS, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000"]
    dumped = subprocess.run([*common, f"--user-data-dir={tmp / ('profile-' + name)}", "--dump-dom", url],
                            capture_output=True, text=True, timeout=120)
    shot = tmp / f"{name}.png"
    subprocess.run([*common, f"--user-data-dir={tmp / ('profile2-' + name)}", f"--screenshot={shot}", url],
                   capture_output=True, text=True, timeout=120)
    errors = [ln for ln in dumped.stderr.splitlines() if ":CONSOLE" in ln and re.search(r"Uncaught|Error|Failed", ln)]
    dom = dumped.stdout
    charts = len(re.findall(r'class="plotly-graph-div', dom))
    drawn = len(re.findall(r'class="plotly-graph-div[^"]*"[^>]*>(?:(?!class="plotly-graph-div).)*?<svg class="main-svg"', dom, re.S))
    return Page(dom, shot, errors, [], charts, drawn)


def open_page(browser: str, path: Path, tmp: Path, name: str) -> Page:
    url = path.resolve().as_uri()
    try:
        import websocket  # noqa: F401
    except ImportError:
        return open_with_command_line(browser, url, tmp, name)
    return open_with_devtools(browser, url, tmp, name)


def png_info(path: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct byte values in the image data (1-2 = blank)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


def assert_clean(page: Page, what: str) -> None:
    assert page.errors == [], f"{what}: errors in the browser: {page.errors}"
    external = [u for u in page.requests if not u.startswith(LOCAL)]
    assert external == [], f"{what}: requests to the network: {external}"
    width, height, distinct = png_info(page.screenshot)
    assert width >= 800 and height >= 600 and distinct > 20, (what, width, height, distinct)
    assert page.screenshot.stat().st_size > 5_000


# ---------------------------------------------------------------------------
# the pages
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One shared-plotly run (a unit, the city overview, the index) and one standalone report."""
    out = tmp_path_factory.mktemp("site")
    common = dict(year=2023, city="青岚市", jobs=2, progress=False)
    shared = run_reports(FRAMEWORK, REGISTER, VALUES, units=["990123"], overview=True, out=out / "shared", **common)
    alone = run_reports(FRAMEWORK, REGISTER, VALUES, units=["990102"], overview=False, out=out / "alone", standalone=True, **common)
    assert shared.n_failed == 0 and alone.n_failed == 0, shared.describe() + alone.describe()
    return shared.run_dir, alone.run_dir


def assert_styled(page: Page, what: str) -> None:
    """The notebook CSS applies (shared report.css or inline): theme variables, headings larger than text."""
    if page.style:  # DevTools only
        assert page.style["theme"], (what, page.style)
        assert page.style["heading"] and page.style["text"] and page.style["heading"] > page.style["text"] * 1.2, (what, page.style)


def test_county_report_draws_its_charts_offline(chromium, site, tmp_path):
    run_dir, _ = site
    page = open_page(chromium, run_dir / "990123.html", tmp_path, "county")
    assert_clean(page, "990123.html")
    assert_styled(page, "990123.html")
    html_charts = (run_dir / "990123.html").read_text(encoding="utf-8").count('class="plotly-graph-div"')
    assert page.charts == html_charts >= 3 and page.drawn == page.charts, (page.charts, page.drawn)
    assert page.dom.count('<svg class="main-svg"') >= page.charts
    assert "芦源县" in page.dom and "乡村振兴实绩考核" in page.dom
    if page.requests:  # (DevTools) the shared files were loaded from disk
        assert any(u.endswith("/plotly.min.js") for u in page.requests) and any(u.endswith("/report.css") for u in page.requests)


def test_city_overview_and_standalone_report_draw_their_charts(chromium, site, tmp_path):
    shared, alone = site
    for path, name, text in ((shared / "city_qinglan.html", "city", "青岚市"), (alone / "990102.html", "standalone", "岚城区")):
        page = open_page(chromium, path, tmp_path, name)
        assert_clean(page, path.name)
        assert_styled(page, path.name)
        assert page.charts >= 1 and page.drawn == page.charts, (path, page.charts, page.drawn)
        assert text in page.dom


def test_index_opens_and_its_links_resolve(chromium, site, tmp_path):
    run_dir, _ = site
    page = open_page(chromium, run_dir / "index.html", tmp_path, "index")
    assert_clean(page, "index.html")
    assert "青岚市" in page.dom and "芦源县" in page.dom and "类别内排名" in page.dom
    links = re.findall(r'<a [^>]*href="([^"]+)"', page.dom)
    assert {"990123.html", "city_qinglan.html"} <= set(links)
    for href in links:
        assert (run_dir / href).is_file(), href


def test_the_check_catches_errors_and_network_requests(chromium, tmp_path):
    """The harness itself: a broken page must fail the checks above."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<html><body><p>中文</p><script src="missing.js"></script>'
        '<script src="http://127.0.0.1:9/plotly.min.js"></script>'
        "<script>console.error('drawn badly'); nosuchfunction();</script></body></html>",
        encoding="utf-8",
    )
    page = open_page(chromium, bad, tmp_path, "bad")
    assert any("nosuchfunction" in e for e in page.errors), page.errors
    with pytest.raises(AssertionError):
        assert_clean(page, "bad.html")
    try:
        import websocket  # noqa: F401
    except ImportError:
        return
    assert any("drawn badly" in e for e in page.errors), page.errors
    assert any("127.0.0.1:9" in u for u in page.requests), page.requests
