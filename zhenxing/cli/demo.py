"""``zhenxing demo``: write the seeded synthetic demo province."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import load_run_config
from ..framework import load_framework


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="regenerate the synthetic demo province (byte for byte from the seed)")
    p.add_argument("--params", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--framework", type=Path, help="framework YAML (default from the run file)")
    p.add_argument("--out", type=Path, default=Path("data/raw"), help="output folder (default: data/raw)")
    p.add_argument("--seed", type=int, help="random seed (default from the run file)")


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import write_demo

    cfg = load_run_config(args.params)
    seed = args.seed if args.seed is not None else cfg.seed
    fw_path = args.framework or cfg.framework
    load_framework(fw_path)  # a clear message if the framework is broken
    for path in write_demo(args.out, framework_path=fw_path, seed=seed):
        print(f"wrote {path}")
    return 0



COMMANDS = {"demo": cmd_demo}
