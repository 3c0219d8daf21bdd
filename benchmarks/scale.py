"""Benchmark: every cost from one province to the nation (100, 400, 1,600 and 2,800 units).

The provinces are the demo replicated (:mod:`benchmarks._big`: N/100 copies,
cities renamed, values perturbed by 0.5 % so the copies do not tie), as the issue
measured them; ``zhenxing demo --units N`` makes provinces of the same sizes
from the generator. For each size:

* **scoring**: :func:`~zhenxing.scoring.score_year` for the last year (median of 5);
* **gap analysis**: :func:`~zhenxing.gap.county_gap` of one unit, the cheapest
  path included (median of 3);
* **Monte Carlo**: draws per second and the peak resident memory of a child
  process running :func:`~zhenxing.montecarlo.simulate` alone (baseline
  scenario, the default ``--memory``), with the per-draw pandas reference
  (:func:`~zhenxing.montecarlo.reference_simulate`) timed in the same child for
  the speed-up (child of :mod:`benchmarks.memory_scale`);
* **rank bounds**: :func:`~zhenxing.robustness.rank_bounds_table` (±20 %), in a
  child process: for every unit up to ``ALL_UNITS_MAX`` (400) units, above it for
  the home city's 7 units (every unit still a rival) with ``NATIONAL_TIME_LIMIT``
  (60 s) per MILP, as ``zhenxing simulate`` does by default; total, per unit
  bounded, the MILPs solved and the units whose bounds a time limit left unproven;

then the growth exponent of each cost in the number of units (slope of log cost
on log n), and the report throughput of the local process pool against a Dask
``LocalCluster`` on the same cores (county reports of the demo city, from
:mod:`benchmarks.dask_reports`). The targets of issue 11 are checked at the end.

    .venv/bin/python benchmarks/scale.py [--sizes 100 400 1600 2800] [--draws 20000] [--reports 6] [--jobs 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.memory_scale import _run_child, growth  # noqa: E402



def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def child_bounds(n: int, workers: int) -> dict:
    """Exact bounds as ``zhenxing simulate --bounds auto`` computes them, timed (run in a child process)."""
    from benchmarks._big import big_dataset
    from zhenxing import robustness as rb

    ds = big_dataset(n)
    year = max(ds.years)
    units = ds.year(year).units
    home = units.loc[units["city"] == units["city"].iloc[0], "code"].tolist() if len(units) > rb.ALL_UNITS_MAX else None
    t0 = time.perf_counter()
    # as zhenxing simulate does: above ALL_UNITS_MAX units a time limit per MILP, unproven bounds counted
    table = rb.rank_bounds_table(ds, year, 0.2, units=home, workers=workers,
                                 time_limit=rb.NATIONAL_TIME_LIMIT if home else None)
    return {"seconds": time.perf_counter() - t0, "units": len(table), "milps": table.attrs["n_milp"],
            "unproven": table.attrs["n_unproven"]}


def score_and_gap(n: int) -> dict:
    from benchmarks._big import big_dataset
    from zhenxing.gap import county_gap
    from zhenxing.scoring import score_year

    ds = big_dataset(n)
    year = ds.years[-1]
    scoring = median_time(lambda: score_year(ds, year), 5)
    result = score_year(ds, year)
    worst = result.units.sort_values("margin_bottom").iloc[len(result.units) // 10]["code"]  # a unit near the line
    gap = median_time(lambda: county_gap(ds, worst, year, result=result), 3)
    return {"n": len(result.units), "scoring": scoring, "gap": gap}


def reports(n_reports: int, jobs: int) -> dict:
    """Seconds per report on the local pool and on a LocalCluster (started by the run, and warm)."""
    from benchmarks.dask_reports import run_once
    from zhenxing.cluster import dask_client

    units = ["990102", "990103", "990121", "990122", "990123", "990124", "990181"][:n_reports]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["processes"] = run_once(units, jobs, Path(tmp) / "p")[0] / len(units)
        out["dask"] = run_once(units, jobs, Path(tmp) / "d", scheduler="dask")[0] / len(units)
        with dask_client("dask", n_workers=jobs) as client:
            client.run(__import__, "zhenxing.report.kernel")
            out["dask_warm"] = run_once(units, jobs, Path(tmp) / "w", client=client)[0] / len(units)
    out["n"] = len(units)
    return out


def _bounds_child(n: int, workers: int, timeout: float) -> dict | None:
    import json
    import os
    import signal
    import subprocess

    # a session of its own, so that a timeout also ends the MILP worker processes it spawned
    proc = subprocess.Popen([sys.executable, __file__, "--bounds-child", str(n), str(workers)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 400, 1600, 2800])
    ap.add_argument("--draws", type=int, default=20_000, help="Monte Carlo draws per size")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reference-draws", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3, help="Monte Carlo runs per size (the best is reported)")
    ap.add_argument("--million", action="store_true", help="also time 10^6 draws at 100 units (the issue's reference run)")
    ap.add_argument("--bounds-timeout", type=float, default=1800.0, help="seconds each rank-bounds size may take")
    ap.add_argument("--reports", type=int, default=6, help="county reports per scheduler (0: skip)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--bounds-child", type=int, nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bounds_child:
        import json

        print(json.dumps(child_bounds(*args.bounds_child)))
        return

    rows = []
    for n in args.sizes:
        r = score_and_gap(n)
        mc = _run_child(["mc", str(n), str(args.draws), str(args.workers), "-", str(args.reference_draws), str(args.repeat)], None)
        b = _bounds_child(n, args.workers, args.bounds_timeout)
        r.update(draws_per_s=args.draws / mc["seconds"], mc_peak_mb=mc["peak_mb"],
                 speedup=mc["reference_s_per_draw"] / (mc["seconds"] / args.draws),
                 bounds=b["seconds"] if b else float("nan"), milps=b["milps"] if b else -1,
                 bounded=b["units"] if b else 0, unproven=b["unproven"] if b else -1)
        rows.append(r)
        print(f"{n:>5} units: scoring {r['scoring'] * 1e3:.0f} ms, gap {r['gap'] * 1e3:.0f} ms, "
              f"Monte Carlo {r['draws_per_s']:,.0f} draws/s ({r['speedup']:,.0f}x the pandas path) peak {r['mc_peak_mb']:.0f} MB, "
              f"rank bounds {r['bounds']:.1f} s for {r['bounded']} units ({r['unproven']} not proven in the time limit)", flush=True)

    print()
    print(f"{'units':>6} {'score ms':>9} {'gap ms':>7} {'draws/s':>9} {'x pandas':>9} {'MC peak MB':>10} "
          f"{'bounds s':>9} {'bounded':>8} {'s/unit':>7} {'MILPs':>6}")
    for r in rows:
        per = r["bounds"] / r["bounded"] if r["bounded"] else float("nan")
        print(f"{r['n']:>6} {r['scoring'] * 1e3:>9.1f} {r['gap'] * 1e3:>7.1f} {r['draws_per_s']:>9,.0f} {r['speedup']:>8,.0f}x "
              f"{r['mc_peak_mb']:>10.0f} {r['bounds']:>9.1f} {r['bounded']:>8} {per:>7.2f} {r['milps']:>6}")
    ns = [r["n"] for r in rows]
    done = [r for r in rows if r["bounds"] == r["bounds"]]
    print("growth in the number of units (cost ~ n^k): "
          f"scoring k={growth(ns, [r['scoring'] for r in rows]):.2f}, gap k={growth(ns, [r['gap'] for r in rows]):.2f}, "
          f"Monte Carlo time per draw k={growth(ns, [1 / r['draws_per_s'] for r in rows]):.2f}, "
          f"peak memory k={growth(ns, [r['mc_peak_mb'] for r in rows]):.2f}, "
          f"rank bounds per unit bounded k={growth([r['n'] for r in done], [r['bounds'] / r['bounded'] for r in done]):.2f}")

    if args.reports:
        rep = reports(args.reports, args.jobs)
        print()
        print(f"county reports ({rep['n']}, {args.jobs} jobs): local pool {rep['processes']:.2f} s/report, "
              f"Dask LocalCluster {rep['dask']:.2f} s/report (ratio {rep['dask'] / rep['processes']:.2f}, cluster start included), "
              f"warm cluster {rep['dask_warm']:.2f} s/report (overhead {100 * (rep['dask_warm'] / rep['processes'] - 1):+.0f} %)")

    million = None
    if args.million:
        million = _run_child(["mc", "100", str(10**6), str(args.workers), "-", "1", "1"], None)
        print()
        print(f"100 units, 10^6 draws: {million['seconds']:.1f} s ({10**6 / million['seconds']:,.0f} draws/s), peak {million['peak_mb']:.0f} MB")

    big = rows[-1]
    print()
    print("targets (issue 11):")
    print(f"  {big['n']} units: {big['draws_per_s']:,.0f} draws/s (target >= 10,000): {'met' if big['draws_per_s'] >= 10_000 else 'NOT met'}; "
          f"peak {big['mc_peak_mb']:.0f} MB (target < 1,024): {'met' if big['mc_peak_mb'] < 1024 else 'NOT met'}")
    if args.reports:
        over = rep["dask_warm"] / rep["processes"] - 1
        print(f"  Dask overhead per report {100 * over:+.0f} % (target within 10 %): {'met' if over <= 0.10 else 'NOT met'}")
    if million:
        print(f"  100 units, 10^6 draws in {million['seconds']:.1f} s (target about 6 s): {'met' if million['seconds'] <= 6.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
