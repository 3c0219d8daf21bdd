"""Benchmark: Monte Carlo throughput and peak memory, and exact rank bounds, from 100 to 2,800 units.

Provinces of 100, 400, 1,600 and 2,800 units are the demo replicated
(:mod:`benchmarks._big`). Each measurement runs in its own child process, so
that its peak resident memory (the child's own ``ru_maxrss``) is that of one
run alone: the data set loaded, then ``simulate`` with the baseline scenario
(Dirichlet weights and measurement noise). Reported per size:

* draws per second of the whole run (pool included) and of the draws alone;
* the peak RSS of the child and its RSS before the run (interpreter + data);
* the plain reference measured in the same run: the per-draw pandas path
  (:func:`~zhenxing.montecarlo.reference_simulate`, one rebuild and one
  ``score_year`` per draw) on a few draws, and the speed-up per draw;
* exact rank bounds (:func:`~zhenxing.robustness.rank_bounds_table`, ±20 %):
  total time, time per unit, MILPs solved and the share of pairs the closed
  form decides, for the sizes given to ``--bounds-sizes`` (each within
  ``--bounds-timeout`` seconds, else reported as not finished).

Then the growth exponent of each cost in the number of units (slope of
log cost on log n, least squares over the sizes measured).

    .venv/bin/python benchmarks/memory_scale.py [--sizes 100 400 1600 2800] [--draws 20000]
        [--workers 2] [--memory 384M] [--bounds-sizes 100 400] [--bounds-timeout 1800]

Targets (issue 11): at 2,800 units at least 10,000 draws/s on 2 cores with
peak memory below 1 GB; 100 units no slower than before (10^6 draws ~6-7.6 s).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_montecarlo(n: int, draws: int, workers: int, memory: str | None, reference_draws: int, repeat: int) -> dict:
    from benchmarks._big import big_dataset
    from zhenxing import montecarlo as mc
    from zhenxing.scenarios import load_scenarios

    ds = big_dataset(n)
    scenario = load_scenarios(None, ds.framework, ROOT / "params/scenarios")[0]
    year = max(ds.years)
    budget = mc.parse_memory(memory) if memory else None
    # the compiled kernel is loaded from its cache (compiled on the first run on a machine) before timing
    t0 = time.perf_counter()
    mc.simulate(ds, year, scenario, n_draws=64, seed=1, workers=1, memory=budget)
    warm = time.perf_counter() - t0
    before = _rss_mb()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = mc.simulate(ds, year, scenario, n_draws=draws, seed=20231, workers=workers, memory=budget)
        times.append(time.perf_counter() - t0)
    peak = _rss_mb()
    # the pool alone, rebuilt as simulate builds it, to separate the draws' own rate
    model = mc.build_model(ds, year, scenario)
    budget = budget or mc.DEFAULT_MEMORY
    t0 = time.perf_counter()
    mc.build_pool(model, 20231, res.noise_pool, workers=workers, piece=mc.pool_piece(model, budget, workers))
    pool_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    mc.reference_simulate(ds, year, scenario, n_draws=reference_draws, seed=20231)
    ref = (time.perf_counter() - t0) / reference_draws
    D, m = len(ds.framework.dimensions), len(ds.framework.indicators)
    chunk = mc.chunk_draws(n, model.max_group, D, m, False, budget, workers)
    return {"n": n, "draws": draws, "seconds": min(times), "median_seconds": float(np.median(times)), "warm_seconds": warm,
            "pool_seconds": pool_s, "noise_pool": res.noise_pool, "chunk": chunk, "rss_before_mb": before, "peak_mb": peak,
            "reference_s_per_draw": ref}


def child_bounds(n: int, spread: float) -> dict:
    from benchmarks._big import big_dataset
    from zhenxing import robustness as rb

    ds = big_dataset(n)
    year = max(ds.years)
    from zhenxing.robustness import table as rb_table

    seen = []
    original = rb_table._published_rank_bounds

    def recording(A, c, w_lo, w_hi, groups, scale, decimals, **kw):
        out = original(A, c, w_lo, w_hi, groups, scale, decimals, **kw)
        g = np.zeros(len(A), int) if groups is None else np.asarray(groups)
        rivals = (np.bincount(g)[g] - 1).sum()
        seen.append((int(out.n_milp), int(out.n_always.sum() + out.n_never.sum()), int(rivals)))
        return out

    rb_table._published_rank_bounds = recording  # the name rank_bounds_table calls
    t0 = time.perf_counter()
    rb.rank_bounds_table(ds, year, spread)
    seconds = time.perf_counter() - t0
    return {"n": n, "seconds": seconds, "milps": sum(s[0] for s in seen),
            "decided_share": sum(s[1] for s in seen) / sum(s[2] for s in seen),
            "milps_by_call": [s[0] for s in seen], "peak_mb": _rss_mb()}


def _run_child(args: list[str], timeout: float | None) -> dict | None:
    try:
        out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def growth(ns: list[int], costs: list[float]) -> float:
    """Slope of log(cost) on log(n) (least squares): cost ~ n^slope."""
    if len(ns) < 2:
        return float("nan")
    return float(np.polyfit(np.log(ns), np.log(costs), 1)[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 400, 1600, 2800])
    ap.add_argument("--draws", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory", default=None, help="--memory of zhenxing simulate (default: the library's 384M)")
    ap.add_argument("--reference-draws", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per size: the best is reported, and the median")
    ap.add_argument("--bounds-sizes", type=int, nargs="*", default=[100, 400])
    ap.add_argument("--bounds-timeout", type=float, default=1800.0)
    ap.add_argument("--spread", type=float, default=0.2)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "mc":
            n, draws, workers, memory, ref, repeat = rest
            print(json.dumps(child_montecarlo(int(n), int(draws), int(workers), None if memory == "-" else memory, int(ref),
                                              int(repeat))))
        else:
            n, spread = rest
            print(json.dumps(child_bounds(int(n), float(spread))))
        return

    print(f"Monte Carlo, baseline scenario, {args.draws:,} draws, {args.workers} workers, memory {args.memory or 'default'}, "
          f"best and median of {args.repeat} runs")
    print(f"{'units':>6} {'draws/s':>9} {'median':>9} {'draws/s*':>9} {'pool s':>7} {'chunk':>6} {'before MB':>9} {'peak MB':>8} "
          f"{'ref ms/draw':>11} {'speed-up':>9}")
    mc_rows = []
    for n in args.sizes:
        r = _run_child(["mc", str(n), str(args.draws), str(args.workers), args.memory or "-", str(args.reference_draws),
                        str(args.repeat)], None)
        draws_only = args.draws / max(1e-9, r["seconds"] - r["pool_seconds"])
        per_draw = r["seconds"] / args.draws
        print(f"{n:>6} {args.draws / r['seconds']:>9,.0f} {args.draws / r['median_seconds']:>9,.0f} {draws_only:>9,.0f} "
              f"{r['pool_seconds']:>7.2f} {r['chunk']:>6} "
              f"{r['rss_before_mb']:>9.0f} {r['peak_mb']:>8.0f} {r['reference_s_per_draw'] * 1e3:>11.1f} {r['reference_s_per_draw'] / per_draw:>8,.0f}x",
              flush=True)
        mc_rows.append(r)
    print("  draws/s: whole runs, noise pool included (the compiled kernel loaded first, "
          f"{mc_rows[0]['warm_seconds']:.1f} s in the first child); draws/s*: the best run without the pool's build time; "
          "speed-up: per draw against the pandas reference")
    ns = [r["n"] for r in mc_rows]
    print(f"growth in n: time per draw n^{growth(ns, [r['seconds'] / r['draws'] for r in mc_rows]):.2f}, "
          f"peak memory n^{growth(ns, [r['peak_mb'] for r in mc_rows]):.2f}, "
          f"reference per draw n^{growth(ns, [r['reference_s_per_draw'] for r in mc_rows]):.2f}")

    if args.bounds_sizes:
        print()
        print(f"Exact rank bounds (rank_bounds_table, ±{args.spread:.0%}: category, province and from the bottom)")
        print(f"{'units':>6} {'seconds':>9} {'ms/unit':>8} {'MILPs':>6} {'decided':>8} {'peak MB':>8}")
        b_rows = []
        for n in args.bounds_sizes:
            r = _run_child(["bounds", str(n), str(args.spread)], args.bounds_timeout)
            if r is None:
                print(f"{n:>6} not finished within {args.bounds_timeout:.0f} s")
                continue
            print(f"{n:>6} {r['seconds']:>9.1f} {r['seconds'] / n * 1e3:>8.1f} {r['milps']:>6} {r['decided_share']:>8.1%} {r['peak_mb']:>8.0f}",
                  flush=True)
            b_rows.append(r)
        if len(b_rows) > 1:
            bn = [r["n"] for r in b_rows]
            print(f"growth in n: total time n^{growth(bn, [r['seconds'] for r in b_rows]):.2f}, "
                  f"MILPs n^{growth(bn, [r['milps'] for r in b_rows]):.2f}")
        print("  decided: share of (unit, rival) pairs settled by the closed form (always or never ahead), the rest reach the MILPs")


if __name__ == "__main__":
    main()
