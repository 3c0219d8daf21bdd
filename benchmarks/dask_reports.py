"""Benchmark: county reports on the local process pool against a Dask LocalCluster on the same cores.

Both sides run :func:`zhenxing.report.batch.run_reports` with ``force=True``
for the same ``--units`` county reports of the demo province (register order,
no city overview) with ``--jobs`` parallel notebooks, into temporary folders:

* **processes**: the local pool (``scheduler="processes"``, ``jobs`` spawned worker processes);
* **dask**: ``scheduler="dask"``, a :class:`distributed.LocalCluster` of ``jobs``
  worker processes started by the run (its start and stop included);
* **dask, warm**: the same tasks on a LocalCluster started beforehand
  (``client=``): the per-report cost of the Dask path without the cluster's start.

The three are run ``--repeat`` times in turn (the machine is shared: the
median of each is printed). Prints the wall time, seconds per report, the ratio
to the local pool, the overhead per report (dask minus processes, divided by
the number of reports) and the peak resident memory of the whole process tree
(this process, the pool or cluster workers and their kernels; psutil sampled
every 0.1 s). With ``--draws N`` also the Monte Carlo draws per second of the
demo province (100 units) with :func:`~zhenxing.montecarlo.simulate` (threads)
and :func:`~zhenxing.montecarlo.simulate_dask` on the warm cluster, and checks
the two give the same tallies. Run by hand (not by ``make test``)::

    .venv/bin/python benchmarks/dask_reports.py [--units 8] [--jobs 2] [--repeat 3] [--draws 200000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORK = ROOT / "params" / "framework.yaml"
REGISTER = ROOT / "data" / "raw" / "demo_register_synthetic.csv"
VALUES = ROOT / "data" / "raw" / "demo_values_synthetic.csv"
YEAR = 2023


class PeakMemory:
    """Peak resident memory of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.1) -> None:
        import psutil

        self._me = psutil.Process()
        self._interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        for p in [self._me, *self._me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except Exception:  # noqa: BLE001 - a process that just ended
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_once(units: list[str], jobs: int, out: Path, **kw) -> tuple[float, int, int]:
    """Seconds, peak bytes and reports ok of one forced run."""
    from zhenxing.report.batch import run_reports

    with PeakMemory() as mem:
        t0 = time.perf_counter()
        s = run_reports(FRAMEWORK, REGISTER, VALUES, year=YEAR, all_units=True, units=units, overview=False, out=out,
                        jobs=jobs, force=True, seed=20231, progress=False, **kw)
        seconds = time.perf_counter() - t0
    if s.n_failed:
        raise SystemExit(s.describe())
    return seconds, mem.peak, s.n_ok


def monte_carlo(client, draws: int, jobs: int) -> None:
    import numpy as np

    from zhenxing.data import load_dataset
    from zhenxing.framework import load_framework
    from zhenxing.montecarlo import simulate, simulate_dask
    from zhenxing.scenarios import DEFAULT_SCENARIO_DIR, load_scenario

    fw = load_framework(FRAMEWORK)
    ds = load_dataset(fw, REGISTER, VALUES)
    scenario = load_scenario(DEFAULT_SCENARIO_DIR / "baseline.yaml", fw)
    t0 = time.perf_counter()
    local = simulate(ds, YEAR, scenario, n_draws=draws, seed=1, workers=jobs)
    t_local = time.perf_counter() - t0
    t0 = time.perf_counter()
    dask = simulate_dask(ds, YEAR, scenario, client, n_draws=draws, seed=1, pool_workers=jobs)
    t_dask = time.perf_counter() - t0
    same = np.array_equal(local.rank_counts_province, dask.rank_counts_province) and local.units.equals(dask.units)
    print(f"\nMonte Carlo, {len(local.units)} units, {draws:,} draws (noise pool {local.noise_pool}, built on the client in both):")
    print(f"  threads ({jobs}):       {t_local:6.2f} s  {draws / t_local:9,.0f} draws/s")
    print(f"  dask ({jobs} workers):  {t_dask:6.2f} s  {draws / t_dask:9,.0f} draws/s  (ratio {t_dask / t_local:.2f}; identical tallies: {same})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=8, help="county reports per run (default 8)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel notebooks: pool processes and Dask workers (default 2)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side, in turn (default 3)")
    ap.add_argument("--draws", type=int, default=0, help="also time this many Monte Carlo draws locally and on Dask (default: no)")
    args = ap.parse_args()

    import pandas as pd

    from zhenxing.cluster import dask_client

    codes = pd.read_csv(REGISTER, dtype=str)["code"].tolist()[: args.units]
    times: dict[str, list[float]] = {"processes": [], "dask": [], "dask, warm": []}
    peaks: dict[str, int] = dict.fromkeys(times, 0)
    def record(name: str, k: int, seconds: float, peak: int, n: int) -> None:
        times[name].append(seconds)
        peaks[name] = max(peaks[name], peak)
        print(f"  run {k + 1} {name:11s} {seconds:6.2f} s ({n} reports)", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeat):
            record("processes", k, *run_once(codes, args.jobs, Path(tmp) / "processes"))
            record("dask", k, *run_once(codes, args.jobs, Path(tmp) / "dask", scheduler="dask"))
            # the warm cluster exists only for its own run (its idle workers would count in the others' memory)
            with dask_client("dask", n_workers=args.jobs) as client:
                client.run(__import__, "zhenxing.report.kernel")
                record("dask, warm", k, *run_once(codes, args.jobs, Path(tmp) / "warm", client=client))
                if args.draws and k == args.repeat - 1:
                    monte_carlo(client, args.draws, args.jobs)

    n = len(codes)
    base = statistics.median(times["processes"])
    print(f"\n{n} county reports, {args.jobs} parallel notebooks, median of {args.repeat} runs (machine: {__import__('os').cpu_count()} CPUs)")
    print(f"{'':12s} {'wall s':>8s} {'s/report':>9s} {'ratio':>6s} {'overhead s/report':>18s} {'peak RSS MB':>12s}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:12s} {med:8.2f} {med / n:9.2f} {med / base:6.2f} {(med - base) / n:18.3f} {peaks[name] / 2**20:12.0f}")
    start = statistics.median(times["dask"]) - statistics.median(times["dask, warm"])
    print(f"the LocalCluster's start and warm-up, paid once per run: about {start:.1f} s "
          f"({start / n:.2f} s per report at {n} reports, {start / 100:.3f} s at 100)")


if __name__ == "__main__":
    main()
