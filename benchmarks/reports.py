"""Benchmark: 16 county reports with ``run_reports`` against a plain command-line loop.

Both sides run the real ``notebooks/county_report.ipynb`` for the same 16 units
of the demo province (the home city's units, then the next ones in register
order), with the same parameters, in the same run:

* **zhenxing**: :func:`zhenxing.report.batch.run_reports` with ``jobs`` worker
  processes (default 2) and ``force=True``, into a temporary folder: execution,
  HTML without code, shared plotly.js and CSS, manifest and index;
* **reference**: a sequential loop of ``papermill <nb> <out> -p ...`` and
  ``jupyter nbconvert --to html --no-input <out>`` per unit.

Then, on zhenxing's side only, the same reports are printed to PDF
(``run_reports(..., pdf=True)`` on the finished folder: the HTML is unchanged
and skipped, so only printing is timed; headless Chromium, one browser per
job): the wall time, the time per report, pages and size per PDF. Without
Chromium this part is left out, with a note.

Each side runs in its own child process so that its peak memory
(``resource.getrusage``: the driver process, and the largest of its children,
i.e. the worker processes and kernels) is its own. Prints both times, the time
per report, the ratio, the size of the report folder and of one report.
Run by hand (not by ``make test``)::

    .venv/bin/python benchmarks/reports.py [--units 16] [--jobs 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FRAMEWORK = ROOT / "params" / "framework.yaml"
REGISTER = ROOT / "data" / "raw" / "demo_register_synthetic.csv"
VALUES = ROOT / "data" / "raw" / "demo_values_synthetic.csv"
NOTEBOOK = ROOT / "notebooks" / "county_report.ipynb"
YEAR = 2023
HOME = "青岚市"


def pick_units(n: int) -> list[str]:
    """The home city's assessed units, then the next ones in register order."""
    from zhenxing.data import load_dataset
    from zhenxing.framework import load_framework

    ds = load_dataset(load_framework(FRAMEWORK), REGISTER, VALUES)
    units = ds.year(YEAR).units
    home = units[units["city"] == HOME]["code"].tolist()
    rest = [c for c in units["code"] if c not in home]
    return (home + rest)[:n]


def rusage() -> dict:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rss_self_mb": me, "rss_child_mb": kids}


def part_ours(units: list[str], out: Path, jobs: int) -> dict:
    from zhenxing.report.batch import run_reports

    t0 = time.perf_counter()
    s = run_reports(FRAMEWORK, REGISTER, VALUES, year=YEAR, city=None, all_units=True, units=units, overview=False,
                    out=out, jobs=jobs, force=True, progress=False)
    seconds = time.perf_counter() - t0
    res = {"seconds": seconds, "ok": s.n_ok, "failed": s.n_failed, "run_dir": str(s.run_dir), **rusage()}
    from zhenxing.report.pdf import find_browser

    if find_browser():  # the PDFs of the same reports: the HTML is unchanged (skipped), only printing is timed
        t0 = time.perf_counter()
        p = run_reports(FRAMEWORK, REGISTER, VALUES, year=YEAR, city=None, all_units=True, units=units, overview=False,
                        out=out, jobs=jobs, pdf=True, progress=False)
        res["pdf"] = {"seconds": time.perf_counter() - t0, "printed": [(x.key, x.seconds, x.pages, x.size, x.error) for x in p.printed]}
    return res


def part_reference(units: list[str], out: Path) -> dict:
    bindir = Path(sys.executable).parent
    papermill, jupyter = str(bindir / "papermill"), str(bindir / "jupyter")
    out.mkdir(parents=True, exist_ok=True)
    # the kernel must import this zhenxing, as run_reports' kernels do (a no-op when it is installed)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    ok = 0
    t0 = time.perf_counter()
    for code in units:
        executed = out / f"{code}.ipynb"
        params = {"code": code, "year": str(YEAR), "framework": str(FRAMEWORK), "register": str(REGISTER),
                  "values": str(VALUES), "lang": "zh", "plotly_js": "plotly.min.js"}
        cmd = [papermill, str(NOTEBOOK), str(executed), "-k", "python3", "--cwd", str(NOTEBOOK.parent), "--no-progress-bar"]
        for k, v in params.items():
            cmd += ["-p", k, v]
        r1 = subprocess.run(cmd, capture_output=True, text=True, env=env)
        r2 = subprocess.run([jupyter, "nbconvert", "--to", "html", "--no-input", str(executed), "--output-dir", str(out)],
                            capture_output=True, text=True, env=env)
        ok += r1.returncode == 0 and r2.returncode == 0
        if r1.returncode or r2.returncode:
            print(f"reference failed for {code}: {(r1.stderr or r2.stderr).strip().splitlines()[-1:]}", file=sys.stderr)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "ok": ok, "failed": len(units) - ok, "run_dir": str(out), **rusage()}


def folder_mb(folder: Path, pattern: str = "*") -> float:
    return sum(p.stat().st_size for p in folder.rglob(pattern) if p.is_file()) / 1e6


def child(part: str, units: list[str], out: Path, jobs: int) -> dict:
    cmd = [sys.executable, __file__, "--part", part, "--unit-list", ",".join(units), "--out", str(out), "--jobs", str(jobs)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{part} failed:\n{r.stderr[-3000:]}")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    if res["failed"]:
        print(f"{part}: {res['failed']} failed:\n{r.stderr[-2000:]}", file=sys.stderr)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=16, help="number of county reports (default 16)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel notebooks for run_reports (default 2)")
    ap.add_argument("--keep", type=Path, help="keep the outputs in this folder (default: a temporary folder)")
    ap.add_argument("--part", choices=["ours", "reference"], help=argparse.SUPPRESS)
    ap.add_argument("--unit-list", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.part:  # one side, in a child process
        units = args.unit_list.split(",")
        res = part_ours(units, args.out, args.jobs) if args.part == "ours" else part_reference(units, args.out)
        print(json.dumps(res))
        return

    if not NOTEBOOK.is_file():
        sys.exit(f"{NOTEBOOK} not found")
    units = pick_units(args.units)
    base = args.keep or Path(tempfile.mkdtemp(prefix="zhenxing-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    print(f"{len(units)} county reports of the demo province {YEAR} ({', '.join(units[:3])}, ...); "
          f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}")

    # warm-up (untimed): disk caches, compiled bytecode, a first kernel
    child("ours", units[:1], base / "warmup", 1)

    ours = child("ours", units, base / "ours", args.jobs)
    ref = child("reference", units, base / "reference", 1)

    run_dir = Path(ours["run_dir"])
    one = run_dir / f"{units[0]}.html"
    ref_one = Path(ref["run_dir"]) / f"{units[0]}.html"
    n = len(units)
    print()
    print(f"{'':28s}{'zhenxing reports':>18s}{'papermill + nbconvert CLI':>28s}")
    print(f"{'reports ok / failed':28s}{ours['ok']:>14d} / {ours['failed']:<2d}{ref['ok']:>24d} / {ref['failed']:<2d}")
    print(f"{'wall time (s)':28s}{ours['seconds']:>18.1f}{ref['seconds']:>28.1f}")
    print(f"{'per report (s)':28s}{ours['seconds'] / n:>18.2f}{ref['seconds'] / n:>28.2f}")
    print(f"{'peak RSS driver (MB)':28s}{ours['rss_self_mb']:>18.0f}{ref['rss_self_mb']:>28.0f}")
    print(f"{'peak RSS largest child (MB)':28s}{ours['rss_child_mb']:>18.0f}{ref['rss_child_mb']:>28.0f}")
    print(f"{'folder size (MB)':28s}{folder_mb(run_dir):>18.1f}{folder_mb(Path(ref['run_dir'])):>28.1f}")
    print(f"{'  of which HTML (MB)':28s}{folder_mb(run_dir, '*.html'):>18.1f}{folder_mb(Path(ref['run_dir']), '*.html'):>28.1f}")
    print(f"{'one report HTML (kB)':28s}{one.stat().st_size / 1e3:>18.0f}{ref_one.stat().st_size / 1e3 if ref_one.exists() else 0:>28.0f}")
    pdf = ours.get("pdf")
    if pdf:
        done = [x for x in pdf["printed"] if not x[4]]
        print()
        print(f"PDF (headless Chromium, {args.jobs} browser(s)): {len(done)} printed, {len(pdf['printed']) - len(done)} failed, "
              f"wall {pdf['seconds']:.1f} s, {pdf['seconds'] / max(1, len(pdf['printed'])):.2f} s per report")
        if done:
            secs = [x[1] for x in done]
            print(f"  per report (one browser tab): mean {sum(secs) / len(secs):.2f} s, max {max(secs):.2f} s; "
                  f"pages {min(x[2] for x in done)}-{max(x[2] for x in done)}; "
                  f"size {min(x[3] for x in done) / 1e3:.0f}-{max(x[3] for x in done) / 1e3:.0f} kB")
            for key, sec, pages, size, _ in done[:3]:
                print(f"  {key}.pdf: {sec:.2f} s, {pages} pages, {size / 1e3:.0f} kB")
    else:
        print()
        print("PDF: not measured (no Chromium found: apt-get install chromium, or set ZHENXING_BROWSER)")
    print()
    print(f"speed-up: {ref['seconds'] / ours['seconds']:.2f}x ({args.jobs} jobs against a sequential loop)")
    if ours["failed"] or ref["failed"]:
        print(f"WARNING: failed reports (zhenxing {ours['failed']}, reference {ref['failed']}): the times are not comparable")
    print(f"zhenxing's folder: {len(list(run_dir.glob('*.html'))) - 1} reports (+ {len(list(run_dir.glob('*.pdf')))} PDFs) + index.html, one plotly.min.js "
          f"({(run_dir / 'plotly.min.js').stat().st_size / 1e6:.1f} MB) and one report.css "
          f"({(run_dir / 'report.css').stat().st_size / 1e3:.0f} kB), executed notebooks in notebooks/")
    print("(the reference's HTML loads require.js from a CDN and needs plotly.min.js beside it: not offline)")
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"outputs kept in {base}")


if __name__ == "__main__":
    main()
