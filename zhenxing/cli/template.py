"""``zhenxing template``: the Excel submission templates (填报模板) to send to the reporting departments."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..template.writer import write_templates
from .common import load, marker_arg, settings, values_arg

#: Where the templates go unless --out says otherwise (git-ignored, like all of data/processed).
DEFAULT_OUT = Path("data/processed/templates")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help="write one Excel template per reporting department for collecting a year's values")
    p.add_argument("--params", type=Path, help="run defaults YAML (default: params/run.yaml)")
    p.add_argument("--framework", type=Path, help="framework YAML (default from the run file)")
    p.add_argument("--register", type=Path, help="county register, .csv or .xlsx (its units fill the templates)")
    values_arg(p)
    p.add_argument("--year", dest="template_year", type=int, help="the year to collect (default: the year after the latest in the data; "
                                            "the values of the year before are shown as last year's)")
    p.add_argument("--department", action="append", metavar="ID",
                   help="only this department's template (its id in the framework, e.g. stats); repeat for several (default: every department)")
    p.add_argument("--one-workbook", dest="one_workbook", action="store_true",
                   help="all departments in one workbook, one sheet per department")
    p.add_argument("--out", dest="template_out", type=Path, help=f"output folder (default: {DEFAULT_OUT})")
    p.add_argument("--lang", choices=["zh", "en"], help="template language: Chinese (default) or English")
    marker_arg(p)


def cmd_template(args: argparse.Namespace) -> int:
    s = settings(args)
    cfg = s.cfg
    fw, ds = load(s, with_city=False)
    year = args.template_year if args.template_year is not None else ds.years[-1] + 1
    out = args.template_out or DEFAULT_OUT
    written = write_templates(fw, ds, year, out, department=args.department, one_workbook=args.one_workbook, lang=cfg.lang)
    prev = year - 1
    print(f"templates for {year}: {len(written)} workbook{'s' if len(written) != 1 else ''}, "
          f"{int((ds.register['joined'] <= year).sum())} units"
          + (f", last year's values from {prev}" if prev in ds.years else f", no values of {prev} in the data to show as last year's"))
    for path in written:
        print(f"wrote {path}")
    return 0


COMMANDS = {"template": cmd_template}
