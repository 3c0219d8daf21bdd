"""``zhenxing demo``: write the seeded synthetic demo province."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import load_run_config
from ..demo import MAX_UNITS, MIN_UNITS, N_UNITS, YEARS
from ..errors import InputError, Problem
from ..framework import load_framework


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="regenerate the synthetic demo province (byte for byte from the seed)")
    p.add_argument("--params", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--framework", type=Path, help="framework YAML (default from the run file)")
    p.add_argument("--out", type=Path, default=Path("data/raw"), help="output folder (default: data/raw)")
    p.add_argument("--seed", type=int, help="random seed (default from the run file)")
    p.add_argument("--years", help="years to generate, a range such as 2019-2023 that includes 2023 (default: 2022-2023, the committed demo)")
    p.add_argument("--units", help=f"number of county-level units, {MIN_UNITS} to {MAX_UNITS}, with 16 cities per 100 units "
                                   f"(default: {N_UNITS}, the committed demo)")


def parse_years(text: str, flag: str = "--years") -> list[int]:
    """``2019-2023`` -> [2019, ..., 2023]; ``2023`` -> [2023]; an :class:`InputError` naming ``flag`` otherwise."""
    parts = text.replace("–", "-").split("-")
    try:
        first, last = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (None, None)
    except ValueError:
        first = last = None
    if first is None or last is None or first > last:
        raise InputError([Problem(flag, f"expected a range of years such as 2019-2023, found {text!r}")], "invalid option")
    return list(range(first, last + 1))


def parse_units(text: str | None, flag: str = "--units") -> int:
    """``"2800"`` -> 2800; :data:`N_UNITS` for None; an :class:`InputError` naming ``flag`` unless a whole
    number from :data:`MIN_UNITS` to :data:`MAX_UNITS`."""
    if text is None:
        return N_UNITS
    try:
        units = int(str(text).strip().replace(",", "").replace("_", ""))
    except ValueError:
        units = None
    if units is None or not MIN_UNITS <= units <= MAX_UNITS:
        raise InputError([Problem(flag, f"expected a whole number of units from {MIN_UNITS} to {MAX_UNITS} "
                                        f"(the home city's 7 units and a few other cities at least), found {text!r}")], "invalid option")
    return units


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import write_demo

    units = parse_units(getattr(args, "units", None))  # before anything is read: a bad option says so first
    cfg = load_run_config(args.params)
    seed = args.seed if args.seed is not None else cfg.seed
    fw_path = args.framework or cfg.framework
    fw = load_framework(fw_path)  # a clear message if the framework is broken
    years = list(YEARS) if args.years is None else parse_years(args.years)
    problems = []
    if YEARS[-1] not in years:
        problems.append(Problem("--years", f"the demo's years must include {YEARS[-1]} (units join the demo province in {YEARS[-1]}), found {args.years}"))
    outside = [y for y in years if not fw.years.first <= y <= fw.years.last]
    if outside:
        problems.append(Problem("--years", f"{outside[0]} is outside the framework's assessment years {fw.years.first}-{fw.years.last} (framework: years)"))
    if problems:
        raise InputError(problems, "invalid option")
    for path in write_demo(args.out, framework_path=fw_path, seed=seed, years=years, units=units):
        print(f"wrote {path}")
    return 0



COMMANDS = {"demo": cmd_demo}
