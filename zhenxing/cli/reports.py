"""``zhenxing reports``: the report notebooks of a city or the province, run in parallel, with an index page."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path

from ..cluster import CONNECT_TIMEOUT, parse_scheduler
from ..cluster import dask_client
from ..errors import InputError, Problem
from ..data import write_processed
from .common import home_city, load, marker_arg, print_left_out, settings, values_arg, year_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reports", help="run the report notebook for every unit of a city (or the province); HTML and an index page")
    p.add_argument("--params", type=Path, help="run defaults YAML (default: params/run.yaml)")
    p.add_argument("--framework", type=Path, help="framework YAML (default from the run file)")
    p.add_argument("--register", type=Path, help="county register, .csv or .xlsx")
    values_arg(p)
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--city", help="city, Chinese or English name (default: home_city of the run file)")
    scope.add_argument("--all", dest="all_units", action="store_true", help="every unit of the province, and every city's overview")
    p.add_argument("--units", help="only these unit codes of the scope, comma-separated (no city overview)")
    p.add_argument("--year", type=int, help="assessment year (default: the run file's, else the latest in the data)")
    p.add_argument("--jobs", type=int, help="notebooks run in parallel (default: the number of CPUs); with --scheduler dask, the local Dask cluster's worker processes")
    p.add_argument("--force", action="store_true", help="re-run every report, even those whose inputs have not changed")
    p.add_argument("--standalone", action="store_true", help="embed plotly.js and the CSS in each report (self-contained files) instead of the shared plotly.min.js and report.css")
    p.add_argument("--pdf", action="store_true", help="also print each report to a PDF beside its HTML (headless Chromium: apt-get install chromium)")
    p.add_argument("--lang", choices=["zh", "en"], help="report language: Chinese (default) or English")
    p.add_argument("--out", dest="reports_out", type=Path, help="reports folder (default: reports_dir of the run file, reports/)")
    p.add_argument("--notebooks", type=Path, help="folder with county_report.ipynb and city_overview.ipynb (default: notebooks/)")
    p.add_argument("--ytd", help="year-to-date values (code, indicator, year, month, value) for schedule progress; '' for none "
                   "(default: the run file's, unless --register or --values points at other data)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--scheduler", default="processes",
                   help="where the notebooks run: processes (this machine's process pool, the default), dask (a Dask cluster of "
                        "--jobs worker processes on this machine) or a Dask scheduler's address, e.g. tcp://10.0.0.5:8786 "
                        "(its workers need this machine's files at the same paths)")
    p.add_argument("--connect-timeout", dest="connect_timeout", type=float, default=CONNECT_TIMEOUT, metavar="SECONDS",
                   help=f"seconds to wait for the Dask scheduler given with --scheduler (default: {CONNECT_TIMEOUT:g})")
    marker_arg(p)



def cmd_reports(args: argparse.Namespace) -> int:
    from ..report.batch import run_reports

    s = settings(args)
    cfg = s.cfg
    if args.jobs is not None and args.jobs < 1:
        raise InputError([Problem("--jobs", f"expected a number of parallel notebooks >= 1, found {args.jobs}")], "invalid option")
    scheduler = parse_scheduler(args.scheduler)
    if not args.connect_timeout > 0:
        raise InputError([Problem("--connect-timeout", f"expected a positive number of seconds, found {args.connect_timeout}")], "invalid option")
    _, ds = load(s, with_ytd=True, with_city=not args.all_units)  # bad input is reported once here, not once per report
    units = [u.strip() for u in args.units.split(",") if u.strip()] if args.units is not None else None
    if units == []:
        raise InputError([Problem("--units", f"no unit code given (found {args.units!r}; expected codes such as 990101,990102)")], "invalid option")
    print_left_out(ds, year_of(s, ds), cfg.lang)
    values = cfg.values
    with ExitStack() as stack:
        client = None
        if len(ds.files) > 1 or isinstance(values, list) or Path(values).is_dir():
            # the notebooks read one values file: the combined, validated values of all the files (data/processed/values_tidy.csv)
            _check_scope(s, ds, args, units)  # refusals first: nothing is written for a run that cannot start
            if scheduler not in ("processes", "dask"):  # a scheduler that does not answer, before the combined values are written
                client = stack.enter_context(dask_client(scheduler, timeout=args.connect_timeout))
            written = write_processed(ds, cfg.processed_dir)
            values = next(p for p in written if p.name == "values_tidy.csv")
            print(f"values of {len(ds.files)} files combined for the reports: wrote {values}")
        summary = run_reports(
            cfg.framework,
            cfg.register_path,
            values,
            dataset=ds,
            year=cfg.year,
            city=None if args.all_units else home_city(s, ds),
            all_units=args.all_units,
            units=units,
            out=cfg.reports_dir,
            jobs=args.jobs,
            force=args.force,
            standalone=args.standalone,
            pdf=args.pdf,
            lang=cfg.lang,
            seed=cfg.seed,
            ytd=cfg.ytd,
            missing_markers=cfg.missing_markers,
            notebooks_dir=args.notebooks,
            progress=not args.quiet,
            scheduler=scheduler,
            connect_timeout=args.connect_timeout,
            client=client,
        )
    print(summary.describe())
    return summary.exit_code



def _check_scope(s, ds, args: argparse.Namespace, units: list[str] | None) -> None:
    """What :func:`~zhenxing.report.batch.run_reports` would refuse after the inputs: no scope, units outside it, no browser for --pdf."""
    year = year_of(s, ds)
    city = None if args.all_units else home_city(s, ds)
    if not args.all_units and not city:
        raise InputError([Problem("--city", "no city given and no home_city in the run file (use --city NAME or --all)")], "no report scope")
    if units is not None:
        reg = ds.register[ds.register["joined"] <= year]
        in_scope = set(reg["code"] if args.all_units else reg.loc[reg["city"] == city, "code"])
        unknown = [u for u in units if u not in in_scope]
        if unknown:
            raise InputError([Problem("--units", f"unit(s) {', '.join(unknown)} not assessed in {year} in the scope {city or 'all'}")], "unknown unit")
    if args.pdf:
        from ..report.pdf import require_browser

        require_browser()


COMMANDS = {"reports": cmd_reports}
