"""Command line: ``zhenxing validate | score | run | audit | template | demo | reports | simulate``.

User errors (bad files, bad options) print one message listing every problem,
with no traceback, and exit with status 2. Settings come from
``params/run.yaml`` (``--params`` to choose another file); options override them.
One module per command (or family of commands): each has ``add_parser(sub)``
and ``COMMANDS`` (name -> function of the parsed arguments returning the exit status).
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..errors import InputError
from . import audit, demo, reports, score, simulate, template
from .common import EXIT_USER_ERROR, _Parser

MAX_SHOWN = 60
#: the command modules, in the order ``zhenxing --help`` lists them
MODULES = (score, audit, template, reports, simulate, demo)
COMMANDS = {name: fn for m in MODULES for name, fn in m.COMMANDS.items()}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zhenxing", description="Rural revitalisation performance assessment: scoring, gaps and rankings.")
    parser.add_argument("--version", action="version", version=f"zhenxing {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for m in MODULES:
        m.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        problems = exc.problems
        print(f"zhenxing: error: {exc.title} ({len(problems)} problem{'s' if len(problems) != 1 else ''})", file=sys.stderr)
        for p in problems[:MAX_SHOWN]:
            print(f"  - {p}", file=sys.stderr)
        if len(problems) > MAX_SHOWN:
            print(f"  ... and {len(problems) - MAX_SHOWN} more", file=sys.stderr)
        print("nothing was written.", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # the reader went away (e.g. `zhenxing score | head`): not an error
        sys.stderr.close()
        return 0
    except OSError as exc:  # cannot write an output (permissions, disk full): the old files are intact
        print(f"zhenxing: error: {exc.filename or 'output'}: {exc.strerror or exc}; nothing half-written, old files kept", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("zhenxing: interrupted; files already complete are kept, nothing is half-written.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

