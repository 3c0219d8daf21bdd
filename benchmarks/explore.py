"""Benchmark: exploring what-if weightings live, against a plain reference.

One function per part, and :func:`main` runs them all (``--part`` picks one):

* :func:`bench_whatif` — ``whatif.html`` in headless Chromium: one slider input
  handled (re-score, re-rank, re-flag, the home city's table and the
  bottom-group changes), timed in the page with ``performance.now()`` around
  the ``input`` event's dispatch, over many inputs after a warm-up; median and
  95th percentile in ms. The category and city leagues follow in the next
  animation frames, one ``Plotly.react`` per frame from the latest result:
  printed too, per chart and from the input until every on-screen chart shows it. Reference in the same run: the same re-scoring by
  :func:`zhenxing.scoring.score_year` (numpy + pandas) for the same weights,
  median ms, and the ratio page / reference. Targets: < 16 ms (one frame) for
  100 units, < 50 ms for 2,800.
* :func:`bench_jupyter` — the JupyterLab explorer (``zhenxing.explore``): a
  part of its own, added with the explorer; skipped with a note while the
  package is not there.

Sizes: the demo province (100 units) and the demo province replicated 28 times
(2,800 units in 448 cities, :func:`replicate`: the register and the values
copied with new codes and city names), shared by both parts.

Run by hand (not by ``make test``)::

    .venv/bin/python benchmarks/explore.py [--part all|whatif|jupyter] [--inputs 200] [--copies 28]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FRAMEWORK = ROOT / "params" / "framework.yaml"
REGISTER = ROOT / "data" / "raw" / "demo_register_synthetic.csv"
VALUES = ROOT / "data" / "raw" / "demo_values_synthetic.csv"
SCENARIOS = sorted((ROOT / "params" / "scenarios").glob("*.yaml"), key=lambda f: (f.stem != "baseline", f.stem))
YEAR = 2023
HOME = "青岚市"


# ---------------------------------------------------------------------------
# shared: the data
# ---------------------------------------------------------------------------


def demo_dataset():
    from zhenxing.data import load_dataset
    from zhenxing.framework import load_framework

    return load_dataset(load_framework(FRAMEWORK), REGISTER, VALUES)


def replicate(ds, copies: int):
    """The province ``copies`` times: copy k > 0 of each unit gets code ``<code>r<k>`` and city ``<city><k>``
    (so the home city stays the original one); copy 0 is the original."""
    import pandas as pd

    if copies <= 1:
        return ds
    regs, vals = [ds.register], [ds.values]
    for k in range(1, copies):
        r = ds.register.copy()
        r["code"] = r["code"].astype(str) + f"r{k}"
        r["city"] = r["city"] + str(k)
        r["city_en"] = r["city_en"].astype(str) + f" {k}"
        v = ds.values.copy()
        v["code"] = v["code"].astype(str) + f"r{k}"
        regs.append(r)
        vals.append(v)
    return replace(ds, register=pd.concat(regs, ignore_index=True), values=pd.concat(vals, ignore_index=True))


def quantiles(ms: list[float]) -> tuple[float, float]:
    return statistics.median(ms), float(np.percentile(ms, 95))


# ---------------------------------------------------------------------------
# part 1: whatif.html in the browser
# ---------------------------------------------------------------------------

#: after each input, wait until every on-screen chart shows it (the charts are redrawn one per animation
#: frame after the input is handled): the time from the input to the last chart, and per chart
FRAMES_JS = """(async () => {{
  const sliders = Array.from(document.querySelectorAll('#sliders input[type=range]'));
  const settled = [], charts = [];
  const frame = () => new Promise(r => requestAnimationFrame(() => r()));
  for (let j = 0; j < {n}; j++) {{
    const s = sliders[j % sliders.length];
    s.value = String(6 + (j * 5) % 25);
    const t0 = performance.now();
    s.dispatchEvent(new Event('input', {{bubbles: true}}));
    while (!window.whatif.drawn) {{ await frame(); charts.push(window.whatif.lastChartMs); }}
    settled.push(performance.now() - t0);
  }}
  return JSON.stringify({{settled, charts}});
}})()"""

INPUTS_JS = """(() => {{
  const sliders = Array.from(document.querySelectorAll('#sliders input[type=range]'));
  const times = [];
  for (let j = 0; j < {warmup} + {n}; j++) {{
    const s = sliders[j % sliders.length];
    s.value = String(5 + (j * 7) % 26);
    const t0 = performance.now();
    s.dispatchEvent(new Event('input', {{bubbles: true}}));
    const t1 = performance.now();
    if (j >= {warmup}) times.push(t1 - t0);
  }}
  return JSON.stringify({{times, weights: window.whatif.state.weights}});
}})()"""


def reference_ms(ds, weights, repeats: int = 20) -> float:
    """Median ms of score_year for these weights (arithmetic), the plain reference."""
    from zhenxing.scoring import ScoringOptions, score_year

    w = np.asarray(weights, float)
    options = ScoringOptions(dimension_weights=tuple(w * ds.framework.scale / w.sum()))
    score_year(ds, YEAR, options)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        score_year(ds, YEAR, options)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench_whatif(args) -> list[dict]:
    """Slider inputs on whatif.html for each size; prints and returns one record per size."""
    import json

    from zhenxing.report.export import plotly_js_path
    from zhenxing.report.pdf import Browser, find_browser
    from zhenxing.report.whatif import write_whatif

    print("== whatif.html: one slider input (re-score + redraw), in headless Chromium ==")
    if find_browser() is None:
        print("  skipped: no Chromium (apt-get install chromium)")
        return []
    base = demo_dataset()
    records = []
    with tempfile.TemporaryDirectory(prefix="zhenxing-bench-whatif-") as tmp, Browser() as browser:
        for copies in (1, args.copies):
            ds = replicate(base, copies)
            n = len(ds.year(YEAR).units)
            folder = Path(tmp) / f"x{copies}"
            folder.mkdir()
            shutil.copy(plotly_js_path(), folder / "plotly.min.js")
            page, _ = write_whatif(folder, ds, YEAR, HOME, SCENARIOS, "zh")
            tab = browser.open(page.as_uri(), width=1400, height=1000)
            try:
                out = json.loads(tab.evaluate(INPUTS_JS.format(warmup=10, n=args.inputs)))
                frames = json.loads(tab.evaluate(FRAMES_JS.format(n=max(10, args.inputs // 5)), await_promise=True))
            finally:
                tab.close()
            med, p95 = quantiles(out["times"])
            chart_med, chart_p95 = quantiles(frames["charts"])
            settle_med, _ = quantiles(frames["settled"])
            ref = reference_ms(ds, out["weights"])
            target = 16 if n <= 100 else 50
            rec = {"units": n, "median_ms": med, "p95_ms": p95, "reference_ms": ref, "ratio": med / ref,
                   "chart_median_ms": chart_med, "chart_p95_ms": chart_p95, "settled_median_ms": settle_med,
                   "page_bytes": page.stat().st_size, "target_ms": target}
            records.append(rec)
            print(f"  {n:5d} units: input handled (re-score, re-rank, re-flag, table) median {med:6.2f} ms, p95 {p95:6.2f} ms "
                  f"over {len(out['times'])} inputs (target < {target} ms: {'met' if p95 < target else 'MISSED (p95)' if med < target else 'MISSED'}); "
                  f"score_year {ref:6.2f} ms; page/score_year = {med / ref:.2f}; whatif.html {page.stat().st_size / 1e3:.0f} kB")
            print(f"         charts: one per frame after the input, median {chart_med:5.2f} ms, p95 {chart_p95:5.2f} ms per chart; "
                  f"every on-screen chart updated {settle_med:6.1f} ms after the input (median)")
    return records


# ---------------------------------------------------------------------------
# part 2: the JupyterLab explorer
# ---------------------------------------------------------------------------


def bench_jupyter(args) -> list[dict]:
    """One control change in the JupyterLab explorer (callback time): benchmarks/explore_jupyter.py."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from explore_jupyter import bench_jupyter as run

    return run(args, demo_dataset, replicate, YEAR, HOME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "whatif", "jupyter"), default="all")
    parser.add_argument("--inputs", type=int, default=200, help="timed slider inputs per size (after 10 warm-up inputs)")
    parser.add_argument("--copies", type=int, default=28, help="copies of the demo province for the large size")
    args = parser.parse_args(argv)
    if args.part in ("all", "whatif"):
        bench_whatif(args)
    if args.part in ("all", "jupyter"):
        bench_jupyter(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
