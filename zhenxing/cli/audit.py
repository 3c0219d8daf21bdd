"""``zhenxing audit``: check the submitted values for implausible ones before scoring.

Writes ``audit_flags.csv``, ``audit_coverage_indicators.csv``,
``audit_coverage_units.csv``, ``audit_missing_by_department.csv`` and
``audit.xlsx`` to the output folder (atomically, as one set) and prints a short
summary. Exit status 0 when there are only warnings (the usual case: the
analyst checks them), 1 with ``--strict`` when anything is flagged, 2 for bad
input or options.
"""

from __future__ import annotations

import argparse
from dataclasses import fields

from ..audit import AuditOptions, audit_dataset, audit_files
from ..errors import InputError, Problem
from ..io import write_files
from .common import Settings, common_args, load, settings

EXIT_FLAGGED = 1

#: one flag per threshold: AuditOptions field -> (flag, help)
THRESHOLD_FLAGS = {
    "change_z": ("--change-z", "robust z of the change against last year above which it is flagged (default 5)"),
    "change_min_units": ("--change-min-units", "fewest units with both years for the change statistics (default 10)"),
    "scale_tolerance": ("--scale-tolerance", "relative tolerance around 10^k for a scale slip against last year (default 0.25)"),
    "scale_category_factor": ("--scale-category-factor", "factor around 10^k for a scale slip against the category median (default 2)"),
    "share_max": ("--share-max", "a percentage at most this is read as a share (0.85 for 85 %%) (default 1.5)"),
    "share_median_min": ("--share-median-min", "... when the category median is above this percentage (default 5)"),
    "copied_share": ("--copied-share", "share of comparable indicators identical to last year that flags a unit (default 0.6)"),
    "copied_indicator_max_share": ("--copied-indicator-max-share",
                                   "an indicator is comparable when at most this share of units repeat last year's value (default 0.2)"),
    "copied_min_indicators": ("--copied-min-indicators", "fewest comparable indicators for a copied-forward verdict (default 5)"),
    "outlier_z": ("--outlier-z", "modified z within the category above which a value is an outlier (default 3.5)"),
    "outlier_min_units": ("--outlier-min-units", "fewest units with a value for the category check (default 5)"),
    "outlier_persistent_z": ("--outlier-persistent-z",
                             "an outlier whose change from or to a neighbouring year has a robust z at most this is the unit's own level: not flagged (default 2.5)"),
    "coverage_min": ("--coverage-min", "least share of values present per indicator and per unit (default 0.65, the JRC rule)"),
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="flag implausible values (scale slips, jumps, copied figures, outliers, coverage) before scoring")
    common_args(p)
    p.add_argument("--year", dest="audit_years", type=int, action="append", metavar="YEAR",
                   help="year to audit, compared with the previous year in the data; repeat for several (default: every year in the data)")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when anything is flagged (default: 0 unless the input is bad)")
    p.add_argument("--format", choices=["csv", "xlsx", "both"], default="both", help="output files: CSV tables, the Excel workbook, or both (default)")
    p.add_argument("--quiet", action="store_true", help="print only the counts per check and the files written")
    p.add_argument("--top", type=int, default=10, help="flags listed in the summary (default 10)")
    for name, (flag, text) in THRESHOLD_FLAGS.items():
        kind = int if name in ("change_min_units", "copied_min_indicators", "outlier_min_units") else float
        p.add_argument(flag, dest=f"audit_{name}", type=kind, metavar="N" if kind is int else "X", help=text)


def options_of(args: argparse.Namespace) -> AuditOptions:
    """The thresholds of the command line over the defaults, checked (a bad one is named by its flag)."""
    given = {f.name: getattr(args, f"audit_{f.name}") for f in fields(AuditOptions) if getattr(args, f"audit_{f.name}", None) is not None}
    return AuditOptions(**given).check({name: flag for name, (flag, _) in THRESHOLD_FLAGS.items()})


def cmd_audit(args: argparse.Namespace) -> int:
    options = options_of(args)
    if args.top < 0:
        raise InputError([Problem("--top", f"expected a number of flags, 0 or more, found {args.top}")], "invalid option")
    s = settings(args)
    s = Settings(s.cfg.model_copy(update={"year": None}), s.origin)  # every year unless --year: the run file's year is for scoring
    fw, ds = load(s, with_city=False)
    try:
        result = audit_dataset(ds, args.audit_years, options)
    except InputError as exc:
        raise InputError([Problem("--year", p.what) for p in exc.problems], exc.title) from None
    lang = s.cfg.lang
    written = write_files(audit_files(result, s.cfg.processed_dir, args.format, lang))
    text = result.summary(lang, top=0 if args.quiet else args.top)
    print("\n".join(text.splitlines()[:2]) if args.quiet else text)
    for path in written:
        print(f"wrote {path}")
    if args.strict and len(result.flags):
        n = len(result.flags)
        print(f"--strict: {n} flag{'s' if n != 1 else ''}, exit status {EXIT_FLAGGED}" if lang == "en"
              else f"--strict：共 {n} 条标记，退出状态 {EXIT_FLAGGED}")
        return EXIT_FLAGGED
    return 0


COMMANDS = {"audit": cmd_audit}
