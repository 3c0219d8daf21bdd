"""Benchmark: Monte Carlo ranking simulation against a plain per-draw pandas loop.

The demo province (about 100 units, 37 indicators), the baseline scenario
(Dirichlet dimension weights and relative measurement noise): ranks within
category and province, bottom-2 probabilities, the last city. Prints draws per
second for the array path, the per-draw time of the reference that rebuilds
the score with the library's own pandas path once per draw (measured in the
same run on a few thousand draws), their ratio, and peak memory.

    .venv/bin/python benchmarks/simulate.py [--draws 1000000] [--reference-draws 2000] [--workers 2]

Targets (issue 4): 10^6 draws in under 10 s on 2 cores, peak memory under
1 GB, at least 300 times faster per draw than the reference.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zhenxing.data import load_dataset  # noqa: E402
from zhenxing.framework import load_framework  # noqa: E402
from zhenxing.montecarlo import reference_simulate, simulate  # noqa: E402
from zhenxing.scenarios import load_scenarios  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1_000_000)
    ap.add_argument("--reference-draws", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=16384)
    ap.add_argument("--seed", type=int, default=20231)
    args = ap.parse_args()

    fw = load_framework(ROOT / "params/framework.yaml")
    ds = load_dataset(fw, ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")
    scenario = load_scenarios(None, fw, ROOT / "params/scenarios")[0]
    year = max(ds.years)
    n_units = len(ds.year(year).units)
    print(f"demo province {year}: {n_units} units, {len(fw.indicators)} indicators, scenario '{scenario.id}'")

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    res = simulate(ds, year, scenario, n_draws=args.draws, seed=args.seed, chunk_size=args.chunk, workers=args.workers)
    fast = time.perf_counter() - t0
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"array path: {args.draws:,} draws in {fast:.2f} s = {args.draws / fast:,.0f} draws/s "
          f"({args.workers} workers, chunks of {args.chunk}, noise pool {res.noise_pool:,} members)")
    print(f"  peak memory: {peak_rss:.0f} MB resident for the whole process ({base_rss:.0f} MB before the run)")
    # allocation peak of the run itself, measured in a second, shorter run (tracemalloc slows allocation)
    tracemalloc.start()
    simulate(ds, year, scenario, n_draws=min(args.draws, 100_000), seed=args.seed, chunk_size=args.chunk, workers=args.workers,
             noise_pool=res.noise_pool)
    _, peak_traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {peak_traced / 2**20:.0f} MB allocated at the peak of a {min(args.draws, 100_000):,}-draw run with the same pool (tracemalloc)")

    t0 = time.perf_counter()
    reference_simulate(ds, year, scenario, n_draws=args.reference_draws, seed=args.seed)
    ref = time.perf_counter() - t0
    per_fast = fast / args.draws
    per_ref = ref / args.reference_draws
    print(f"reference (pandas path, one rebuild per draw): {args.reference_draws:,} draws in {ref:.1f} s = {per_ref * 1e3:.2f} ms/draw")
    print(f"array path: {per_fast * 1e6:.2f} us/draw; speed-up per draw: {per_ref / per_fast:,.0f}x")
    home = res.units.sort_values("p_bottom", ascending=False).head(5)
    print("highest bottom-2 probabilities:", ", ".join(f"{r.name_zh} {r.p_bottom:.3f}" for r in home.itertuples()))


if __name__ == "__main__":
    main()
