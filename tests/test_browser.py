"""Real-browser check: headless Chromium opens generated reports and the index from disk, and prints them.

Each page is loaded from ``file://`` through the Chrome DevTools protocol (the
client of :mod:`zhenxing.report.pdf`): the test fails on any uncaught
JavaScript error, ``console.error``, browser error log entry (such as a script
that cannot be loaded) or any request that is not to a local file. It checks
that every plotly chart was drawn (an ``<svg class="main-svg">`` in each
chart's div after the scripts ran), that the Chinese text is there, and saves a
screenshot in the test's temporary folder.

For the county report, the city overview and the simulation page (one run with
``pdf=True``, shared by the module) it also checks what a reader gets:

* in print emulation (``Emulation.setEmulatedMedia`` print, a viewport as wide
  as the printable A4 width, :data:`~zhenxing.report.pdf.PRINT_WIDTH_PX` =
  794 px minus 15 mm margins) no visible element reaches past that width;
* no notebook or papermill instructions in the text;
* the county report's PDF text (``pdftotext``) names every indicator of the
  framework (37 in the demo);
* the risk level and the margin to the warning line on the county report's
  first screen (the top 900 px at 1400 px wide);
* the number of A4 pages of each PDF (``pdfinfo``): county report <= 6, city
  overview <= 6, simulation page <= 8.

Without Chromium (or pdftotext/pdfinfo, or the Noto CJK fonts) the tests are
skipped, except under CI (``CI=true``), where a missing one is a failure
(``.ci/run`` installs the Debian packages chromium, poppler-utils and fonts-noto-cjk).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from zhenxing.report.batch import run_reports
from zhenxing.report.pdf import PRINT_WIDTH_PX, Browser, DevTools, find_browser, launch, stop_browser

from .conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
FRAMEWORK = ROOT / "params" / "framework.yaml"
REGISTER = ROOT / "data" / "raw" / "demo_register_synthetic.csv"
VALUES = ROOT / "data" / "raw" / "demo_values_synthetic.csv"
YTD = ROOT / "data" / "raw" / "demo_ytd_synthetic.csv"
LOCAL = ("file:", "data:", "blob:", "about:", "chrome-error:")

pytestmark = pytest.mark.skipif(
    not (NOTEBOOKS / "county_report.ipynb").is_file(), reason="the report notebooks are not in notebooks/ yet"
)


def _cjk_fonts() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return any(Path("/usr/share/fonts").rglob("NotoSansCJK*"))
    return "Noto Sans CJK" in out or "Noto Serif CJK" in out


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_browser()
    missing = [] if path else ["chromium (no Chromium found; or set ZHENXING_BROWSER)"]
    missing += [f"poppler-utils ({tool} not found)" for tool in ("pdftotext", "pdfinfo") if shutil.which(tool) is None]
    if not _cjk_fonts():
        missing.append("fonts-noto-cjk (no Noto CJK font)")
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but missing: {'; '.join(missing)} (apt-get install chromium poppler-utils fonts-noto-cjk; .ci/run does)")
        pytest.skip(f"missing: {'; '.join(missing)} (apt-get install chromium poppler-utils fonts-noto-cjk); CI=true makes this a failure")
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


def _launch(browser: str, profile: Path, extra: list[str]) -> tuple[subprocess.Popen, str, list[str]]:
    return launch(browser, profile, [*extra, "--window-size=1280,1800"])


STYLE_JS = """(() => { const px = el => el ? parseFloat(getComputedStyle(el).fontSize) : null;
  return JSON.stringify({theme: getComputedStyle(document.documentElement).getPropertyValue('--jp-content-font-size1').trim(),
    heading: px(document.querySelector('.jp-RenderedMarkdown h1, .jp-RenderedMarkdown h2')),
    text: px(document.querySelector('.jp-RenderedMarkdown p'))}); })()"""
CHART_JS = """(() => { const divs = Array.from(document.querySelectorAll('.plotly-graph-div'));
  return JSON.stringify({charts: divs.length, drawn: divs.filter(d => d.querySelector('svg.main-svg')).length}); })()"""


def open_with_devtools(browser: str, url: str, tmp: Path, name: str) -> Page:
    proc, ws_url, stderr = _launch(browser, tmp / f"profile-{name}", [])
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
        stop_browser(proc)


def open_page(browser: str, path: Path, tmp: Path, name: str) -> Page:
    return open_with_devtools(browser, path.resolve().as_uri(), tmp, name)


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
    """One shared-plotly run with PDFs (a unit, the city overview, the simulation page, the index) and one standalone report."""
    out = tmp_path_factory.mktemp("site")
    common = dict(year=2023, city="青岚市", jobs=2, progress=False)
    # as `zhenxing reports` makes them: with the year-to-date values (the county report's schedule section)
    shared = run_reports(FRAMEWORK, REGISTER, VALUES, units=["990123"], overview=True, out=out / "shared", pdf=True, ytd=YTD, **common)
    alone = run_reports(FRAMEWORK, REGISTER, VALUES, units=["990102"], overview=False, out=out / "alone", standalone=True, **common)
    assert shared.n_failed == 0 and alone.n_failed == 0, shared.describe() + alone.describe()
    return shared.run_dir, alone.run_dir


@pytest.fixture(scope="module")
def site_en(chromium, tmp_path_factory):
    """The same shared run in English (its own folder), for the print checks in both languages."""
    out = tmp_path_factory.mktemp("site_en")
    run = run_reports(FRAMEWORK, REGISTER, VALUES, units=["990123"], overview=True, out=out, pdf=True, ytd=YTD, lang="en",
                      year=2023, city="青岚市", jobs=2, progress=False)
    assert run.n_failed == 0, run.describe()
    return run.run_dir


@pytest.fixture(params=["zh", "en"])
def run_dir(request, site):
    return site[0] if request.param == "zh" else request.getfixturevalue("site_en")


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
    assert {"990123.html", "city_qinglan.html", "simulation_qinglan.html"} <= set(links)
    assert {"990123.pdf", "city_qinglan.pdf", "simulation_qinglan.pdf"} <= set(links)
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
    assert any("drawn badly" in e for e in page.errors), page.errors
    assert any("127.0.0.1:9" in u for u in page.requests), page.requests


# ---------------------------------------------------------------------------
# what a reader gets: print width, no developer notes, the PDF
# ---------------------------------------------------------------------------

REPORTS = {"county": "990123", "city": "city_qinglan", "simulation": "simulation_qinglan", "audit": "data_audit"}
MAX_PAGES = {"county": 7, "city": 6, "simulation": 8, "audit": 12}  # A4 pages of each PDF (measured: 6-7, 6, 8; audit 9 zh, 11 en)
DEVELOPER_WORDS = ("papermill", "parameters", "parameterised", "参数化")
FIRST_SCREEN = 900  # px, at 1400 px wide

#: visible elements reaching beyond the width W (plotly's off-screen text-measuring svg aside; the
#: parts of an svg are clipped to it, so the outer svg is what is measured)
WIDE_JS = """(() => { const W = %d; const bad = [];
  const tester = document.getElementById('js-plotly-tester');
  for (const el of document.body.querySelectorAll('*')) {
    if (tester && (el === tester || tester.contains(el))) continue;
    if (el.ownerSVGElement) continue;  // inside an svg: clipped to it; the outer svg is checked
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= 0) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    if (r.right > W + 1 || r.width > W + 1) {
      bad.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? '.' + String(el.className).trim().split(/\\s+/).slice(0, 2).join('.') : '')
               + ' ' + Math.round(r.left) + '-' + Math.round(r.right) + 'px');
    }
  }
  return JSON.stringify({scroll: document.documentElement.scrollWidth, n: bad.length, bad: bad.slice(0, 12)}); })()"""
#: the text drawn in the top H pixels of the page
TOP_TEXT_JS = """(() => { const H = %d; const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    range.selectNodeContents(node);
    const rects = Array.from(range.getClientRects());
    if (rects.some(r => r.width > 0 && r.top < H && r.bottom > 0)) out.push(node.textContent.trim());
  }
  return out.join(' '); })()"""


@pytest.fixture(scope="module")
def browser(chromium):
    with Browser(chromium) as b:
        yield b


@pytest.fixture(scope="module")
def framework():
    from zhenxing.framework import load_framework

    return load_framework(FRAMEWORK)


@pytest.fixture(scope="module")
def unit_990123(framework):
    from zhenxing.data import load_dataset
    from zhenxing.scoring import score_year

    units = score_year(load_dataset(framework, REGISTER, VALUES), 2023).units
    return units.set_index("code").loc["990123"]


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("kind", list(REPORTS))
def test_nothing_is_wider_than_the_a4_print_width(browser, run_dir, kind):
    tab = browser.open((run_dir / f"{REPORTS[kind]}.html").as_uri(), width=PRINT_WIDTH_PX, height=1000, media="print")
    try:
        wide = json.loads(tab.evaluate(WIDE_JS % PRINT_WIDTH_PX))
    finally:
        tab.close()
    assert wide["n"] == 0 and wide["scroll"] <= PRINT_WIDTH_PX + 1, (
        f"{kind}: {wide['n']} element(s) wider than the printable A4 width ({PRINT_WIDTH_PX} px), page {wide['scroll']} px: {wide['bad']}")


@pytest.mark.parametrize("kind", list(REPORTS))
def test_no_notebook_instructions_in_the_text(browser, run_dir, kind):
    tab = browser.open((run_dir / f"{REPORTS[kind]}.html").as_uri())
    try:
        text = tab.evaluate("document.body.innerText")
    finally:
        tab.close()
    found = [w for w in DEVELOPER_WORDS if w in text.lower()]
    assert not found, f"{kind}: developer notes in the report: {found}"
    pdf = pdf_text(run_dir / f"{REPORTS[kind]}.pdf").lower()
    assert not [w for w in DEVELOPER_WORDS if w in pdf], kind


@pytest.mark.parametrize("kind", list(REPORTS))
def test_pdf_is_written_with_a_bounded_number_of_a4_pages(run_dir, kind):
    pdf = run_dir / f"{REPORTS[kind]}.pdf"
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-", pdf
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info, info
    pages = pdf_pages(pdf)
    assert 1 <= pages <= MAX_PAGES[kind], f"{kind}: {pages} A4 pages (at most {MAX_PAGES[kind]})"


def test_county_pdf_names_every_indicator(site, framework):
    run_dir, _ = site
    text = re.sub(r"\s+", "", pdf_text(run_dir / "990123.pdf"))
    names = [framework.label(i, "zh") for i in framework.indicators]
    assert len(names) == 37
    missing = [n for n in names if re.sub(r"\s+", "", n) not in text]
    assert not missing, f"{len(missing)} of {len(names)} indicators not in the PDF text: {missing}"


def test_county_first_screen_says_the_risk_and_the_margin(browser, site, framework, unit_990123, tmp_path):
    from zhenxing.labels import risk_label
    from zhenxing.precision import format_published

    run_dir, _ = site
    tab = browser.open((run_dir / "990123.html").as_uri(), width=1400, height=FIRST_SCREEN)
    try:
        top = tab.evaluate(TOP_TEXT_JS % FIRST_SCREEN)
        (tmp_path / "county_first_screen.png").write_bytes(tab.screenshot())
    finally:
        tab.close()
    risk = risk_label(unit_990123["risk"], "zh")
    margin = format_published(unit_990123["margin_bottom"], framework.publication.decimals)
    assert risk in top, f"risk level '{risk}' not in the top {FIRST_SCREEN} px: {top[:400]}"
    assert margin in top, f"margin {margin} not in the top {FIRST_SCREEN} px: {top[:400]}"


def test_index_badges_and_print(browser, site, unit_990123, tmp_path):
    """The index: no green badge on a unit in or close to the zone; nothing past the A4 width in print."""
    run_dir, _ = site
    index = (run_dir / "index.html").as_uri()
    tab = browser.open(index, width=1400, height=900)
    try:
        (tmp_path / "index_screen.png").write_bytes(tab.screenshot(full_page=True))
        colours = json.loads(tab.evaluate("""JSON.stringify(Array.from(document.querySelectorAll('tr[data-code]')).map(tr =>
            [tr.dataset.code, tr.className, getComputedStyle(tr.querySelector('.badge')).color]))"""))
    finally:
        tab.close()
    for code, cls, colour in colours:
        r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3])
        greenish = g > r + 20 and g > b
        assert greenish == (cls == "risk-safe"), (code, cls, colour)
    assert dict((c, k) for c, k, _ in colours)["990123"] == f"risk-{unit_990123['risk']}"
    tab = browser.open(index, width=PRINT_WIDTH_PX, height=1000, media="print")
    try:
        wide = json.loads(tab.evaluate(WIDE_JS % PRINT_WIDTH_PX))
        (tmp_path / "index_print.png").write_bytes(tab.screenshot(full_page=True))
    finally:
        tab.close()
    assert wide["n"] == 0, wide
