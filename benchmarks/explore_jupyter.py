"""The JupyterLab part of benchmarks/explore.py: one control change in the explorer (zhenxing.explore).

A dimension-weight slider is set from Python, which fires its observer as a move
in JupyterLab does; the time is taken around the assignment, so it covers the
whole callback: the rule that rescales the other weights, showing them in the
sliders, rescoring the province with ``score_year``, and updating every output in
place (the home city's table, the bottom-k moves, Kendall's tau, every category
league FigureWidget and the city league). Median and 95th percentile over many
changes after a warm-up, for the demo (100 units) and the demo replicated
(2,800 units); reference in the same run: ``score_year`` alone on the dataset
(its matrices rebuilt, as a plain call does), and the ratio explorer / reference.
Targets: < 100 ms for 100 units, < 300 ms for 2,800.

    .venv/bin/python benchmarks/explore.py --part jupyter [--inputs 200] [--copies 28]
"""

from __future__ import annotations

import statistics
import time

import numpy as np


def bench_jupyter(args, demo_dataset, replicate, year: int = 2023, home: str = "青岚市") -> list[dict]:
    from zhenxing.explore import explorer
    from zhenxing.scoring import score_year

    print("== JupyterLab explorer: one control change (observer callback: rescore + update every output) ==")
    base = demo_dataset()
    records = []
    n_changes = max(20, int(getattr(args, "inputs", 200)))
    for copies in (1, int(getattr(args, "copies", 28))):
        ds = replicate(base, copies)
        n = len(ds.year(year).units)
        app = explorer(ds, year, city=home)
        sliders = app.controls.dimension
        times = []
        for j in range(10 + n_changes):
            s = sliders[j % len(sliders)]
            value = 5.0 + (j * 7) % 26
            if abs(s.value - value) < 1e-9:
                value += 1.0
            t0 = time.perf_counter()
            s.value = value
            dt = (time.perf_counter() - t0) * 1000
            if j >= 10:
                times.append(dt)
        assert app.outputs is not None and abs(sum(app.settings.dimension_weights) - ds.framework.scale) < 1e-6
        options = app.settings.options()
        ref = []
        score_year(ds, year, options)
        for _ in range(max(10, n_changes // 4)):
            t0 = time.perf_counter()
            score_year(ds, year, options)
            ref.append((time.perf_counter() - t0) * 1000)
        med, p95 = statistics.median(times), float(np.percentile(times, 95))
        rmed = statistics.median(ref)
        target = 100 if n <= 100 else 300
        verdict = "met" if p95 < target else "MISSED (p95)" if med < target else "MISSED"
        rec = {"units": n, "median_ms": med, "p95_ms": p95, "reference_ms": rmed, "ratio": med / rmed, "target_ms": target}
        records.append(rec)
        print(f"  {n:5d} units: median {med:6.1f} ms, p95 {p95:6.1f} ms over {len(times)} changes (target < {target} ms: {verdict}); "
              f"score_year alone {rmed:6.1f} ms; explorer/score_year = {med / rmed:.2f}")
    return records
