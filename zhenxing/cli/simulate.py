"""``zhenxing simulate``: what-if scenarios, Monte Carlo rank risk and exact rank bounds."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from pathlib import Path

from ..cluster import CONNECT_TIMEOUT, dask_client, is_dask, parse_scheduler
from ..display import format_table
from ..errors import InputError, Problem
from ..io import csv_writer, write_files
from ..labels import localise
from ..robustness import ALL_UNITS_MAX, NATIONAL_TIME_LIMIT
from .common import common_args, home_city, load, print_left_out, settings, year_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="what-if scenarios, Monte Carlo rank risk and exact rank bounds; tables to data/processed")
    common_args(p)
    p.add_argument("--year", type=int, help="assessment year (default: the run file's, else the latest in the data)")
    p.add_argument("--scenarios", type=Path, nargs="+", help="scenario files to compare (default: every params/scenarios/*.yaml, baseline first)")
    p.add_argument("--scenario", type=Path, help="the scenario whose uncertainty the Monte Carlo run uses (default: params/scenarios/baseline.yaml)")
    p.add_argument("--draws", type=int, default=100_000, help="Monte Carlo draws (default: 100000)")
    p.add_argument("--seed", type=int, help="random seed (default from the run file)")
    p.add_argument("--workers", type=int, help="Monte Carlo threads and rank-bound processes (default: the number of CPUs, "
                   "fewer if --memory cannot hold them), or with --scheduler dask the Dask worker processes; results do not "
                   "depend on it")
    p.add_argument("--chunk", type=int, default=16384, help="draws a worker buffers at most before counting them (the memory "
                   "budget may buffer fewer); results do not depend on it")
    p.add_argument("--memory", help="working memory of the Monte Carlo workers together, e.g. 512M, 1G, 800MB or bytes "
                   "(binary: 1M = 2^20 bytes; default 384M); sets the chunk size (at most --chunk); results do not depend on it")
    p.add_argument("--spread", type=float, default=0.2, help="±share each dimension weight may move for the exact rank bounds (default: 0.2)")
    p.add_argument("--bounds", choices=["auto", "all", "city", "none"], default="auto",
                   help=f"whose exact rank bounds: every unit, the home city's, or none (default auto: every unit up to "
                        f"{ALL_UNITS_MAX} assessed units, else the home city's; at national size every unit would take days)")
    p.add_argument("--bounds-time-limit", type=float, metavar="SECONDS",
                   help=f"seconds per rank-bound MILP; a bound stopped there is the best rank found, marked unproven in "
                        f"bounds_proven (default: none up to {ALL_UNITS_MAX} assessed units, else {NATIONAL_TIME_LIMIT:g})")
    p.add_argument("--city", help="city of interest (default: home_city of the run file)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--scheduler", default="processes",
                   help="where the draws run: processes (threads on this machine, the default), dask (a Dask cluster of --workers "
                        "processes on this machine) or a Dask scheduler's address, e.g. tcp://10.0.0.5:8786; the same results")
    p.add_argument("--connect-timeout", dest="connect_timeout", type=float, default=CONNECT_TIMEOUT, metavar="SECONDS",
                   help=f"seconds to wait for the Dask scheduler given with --scheduler (default: {CONNECT_TIMEOUT:g})")



def cmd_simulate(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from ..montecarlo import parse_memory, simulate
    from ..robustness import rank_bounds_table
    from ..scenarios import DEFAULT_SCENARIO_DIR, compare, load_scenario, load_scenarios

    s = settings(args)
    cfg = s.cfg
    problems = []
    if args.draws < 1:
        problems.append(Problem("--draws", f"expected at least 1 draw, found {args.draws}"))
    if args.chunk < 1:
        problems.append(Problem("--chunk", f"expected a positive chunk size, found {args.chunk}"))
    memory = None
    if args.memory is not None:
        try:
            memory = parse_memory(args.memory)
        except InputError as exc:
            problems += exc.problems
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("--workers", f"expected at least 1 worker, found {args.workers}"))
    if args.bounds_time_limit is not None and not args.bounds_time_limit > 0:
        problems.append(Problem("--bounds-time-limit", f"expected a positive number of seconds, found {args.bounds_time_limit}"))
    if not 0 < args.spread < 1:
        problems.append(Problem("--spread", f"expected a share between 0 and 1 (e.g. 0.2 for ±20 %), found {args.spread}"))
    if not args.connect_timeout > 0:
        problems.append(Problem("--connect-timeout", f"expected a positive number of seconds, found {args.connect_timeout}"))
    try:
        scheduler = parse_scheduler(args.scheduler)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems, "invalid options")
    fw, ds = load(s)
    year = year_of(s, ds)
    scenarios = load_scenarios(args.scenarios, fw, DEFAULT_SCENARIO_DIR)
    mc_scenario = load_scenario(args.scenario or DEFAULT_SCENARIO_DIR / "baseline.yaml", fw)
    seed = cfg.seed
    city = home_city(s, ds)
    print_left_out(ds, year, cfg.lang)

    t0 = time.perf_counter()
    comparison = compare(ds, year, scenarios)
    with ExitStack() as stack:
        # connected (or the local cluster started) before the progress bar: an unreachable scheduler is one message
        client = stack.enter_context(dask_client(scheduler, n_workers=args.workers, timeout=args.connect_timeout)) if is_dask(scheduler) else None
        with tqdm(total=args.draws, unit="draw", unit_scale=True, disable=args.quiet, file=sys.stderr, desc="Monte Carlo") as bar:
            if client is not None:
                from ..montecarlo import simulate_dask

                sim = simulate_dask(ds, year, mc_scenario, client, n_draws=args.draws, seed=seed, pool_workers=args.workers,
                                    progress=bar.update, memory=memory)
            else:
                sim = simulate(ds, year, mc_scenario, n_draws=args.draws, seed=seed, chunk_size=args.chunk, workers=args.workers,
                               progress=bar.update, memory=memory)
    # exact bounds need a score linear in the weights (weighted arithmetic aggregation)
    linear = mc_scenario.options.aggregation == "arithmetic"
    who = bounds_scope(args.bounds, len(sim.units), city)
    bounds = None
    if linear and who != "none":
        mine = sim.units.loc[sim.units["city"] == city, "code"].tolist() if who == "city" else None
        limit = args.bounds_time_limit or (None if len(sim.units) <= ALL_UNITS_MAX else NATIONAL_TIME_LIMIT)
        bounds = rank_bounds_table(ds, year, args.spread, options=mc_scenario.options, units=mine,
                                    workers=args.workers or os.cpu_count(), time_limit=limit)
    seconds = time.perf_counter() - t0

    lang = cfg.lang
    out = cfg.processed_dir
    written = write_files(
        [
            (out / f"scenarios_{year}.csv", csv_writer(localise(comparison.table, fw, lang))),
            (out / f"scenarios_kendall_{year}.csv", csv_writer(comparison.kendall.reset_index(names="scenario"))),
            (out / f"simulation_{year}_{sim.scenario}.csv", csv_writer(localise(sim.units, fw, lang))),
            (out / f"simulation_cities_{year}_{sim.scenario}.csv", csv_writer(localise(sim.cities, fw, lang))),
        ]
        + ([(out / f"rank_bounds_{year}.csv", csv_writer(localise(bounds, fw, lang)))] if bounds is not None else [])
    )
    en = lang == "en"
    print(f"{len(scenarios)} scenarios compared; Kendall's tau against '{scenarios[0].id}': "
          + ", ".join(f"{s.id} {comparison.kendall.loc[scenarios[0].id, s.id]:.3f}" for s in scenarios[1:]))
    if not linear:
        bounds_note = f"no exact bounds: '{mc_scenario.id}' aggregates with '{mc_scenario.options.aggregation}', not linear in the weights"
    elif bounds is None:
        bounds_note = "no exact bounds (--bounds none, or no home city for --bounds city)"
    else:
        bounds_note = f"exact bounds within ±{args.spread:.0%} for {'every unit' if who == 'all' else city + chr(39) + 's ' + str(len(bounds)) + ' units'}"
        if not bounds["bounds_proven"].all():
            bounds_note += (f" ({int((~bounds['bounds_proven']).sum())} not proven within {limit:g} s per MILP: "
                            "best ranks found, see bounds_proven)")
    print(f"Monte Carlo '{sim.scenario}': {sim.n_draws:,} draws (seed {seed}, noise pool {sim.noise_pool}); {bounds_note}; {seconds:.1f} s")
    units = sim.units
    cols = ["name_zh", "name_en", "category", "nominal_rank_category", "median_rank_category", "p05_rank_category", "p95_rank_category"]
    if bounds is not None:
        units = units.merge(bounds[["code", "best_rank_category", "worst_rank_category"]], on="code", how="left")
        cols += ["best_rank_category", "worst_rank_category"]
    cols.append("p_bottom")
    if city and city in set(units["city"]):
        home = units[units["city"] == city].sort_values("p_bottom", ascending=False)
        title = f"Home city {city}" if en else f"本市 {city}"
        print()
        print(format_table(localise(home[cols], fw, lang), decimals=3, title=title))
        p_last = sim.cities.set_index("city").loc[city, "p_last"]
        print(("P(home city last): " if en else "本市末位概率：") + f"{p_last:.3f}")
    if bounds is not None:
        print(
            f"best/worst: exact ranks when only the dimension weights move within ±{args.spread:.0%}; the 5-95 % band is sampled under '{sim.scenario}' (weights and noise)"
            if en else
            f"最好/最差排名：仅维度权重在 ±{args.spread:.0%} 内变动时的精确界；5%-95% 区间为情景“{mc_scenario.label(lang)}”（权重与数据误差）的抽样结果"
        )
    risky = units[units["p_bottom"] > 0.05].sort_values("p_bottom", ascending=False).head(10)
    print()
    print(format_table(localise(risky[cols], fw, lang), decimals=3, title="Bottom-two risk above 5 %" if en else "落入后两名概率超过 5% 的单位"))
    print()
    for path in written:
        print(f"wrote {path}")
    return 0



def bounds_scope(choice: str, n_units: int, city: str | None) -> str:
    """``all``, ``city`` or ``none``: whose exact rank bounds ``--bounds`` asks for (``auto``: every unit up to
    :data:`ALL_UNITS_MAX` units, else the home city's, else none)."""
    if choice == "auto":
        choice = "all" if n_units <= ALL_UNITS_MAX else "city"
    if choice == "city" and not city:
        return "none"
    return choice


COMMANDS = {"simulate": cmd_simulate}
