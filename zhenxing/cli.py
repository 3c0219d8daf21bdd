"""Command line: ``zhenxing validate | score | run | demo | reports | simulate``.

User errors (bad files, bad options) print one message listing every problem,
with no traceback, and exit with status 2. Settings come from
``params/run.yaml`` (``--params`` to choose another file); options override them.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .config import RUN_FILE_KEYS, RunConfig, load_run_config, run_file_path
from .data import Dataset, load_dataset, processed_files, write_processed
from .data.cells import check_markers, describe_markers, quote
from .display import format_table
from .errors import InputError, Problem
from .framework import Framework, load_framework
from .io import csv_writer, excel_writer, write_files
from .labels import localise
from .precision import format_published
from .scoring import (
    AGGREGATIONS,
    MISSING_POLICIES,
    NORMALISATIONS,
    ScoreResult,
    ScoringOptions,
    score_year,
)

EXIT_USER_ERROR = 2
MAX_SHOWN = 60


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors with our exit code and no traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"zhenxing: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params", type=Path, help="run defaults YAML (default: params/run.yaml)")
    p.add_argument("--framework", type=Path, help="framework YAML (default from the run file)")
    p.add_argument("--register", type=Path, help="county register, .csv or .xlsx")
    p.add_argument("--values", type=Path, help="indicator values, long or wide, .csv or .xlsx")
    p.add_argument("--out", type=Path, help="output folder (default: data/processed)")
    p.add_argument("--lang", choices=["zh", "en"], help="labels: Chinese (default) or English")
    _marker_arg(p)


def _marker_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--missing-marker", dest="missing_marker", action="append", metavar="TEXT",
                   help="text that means 'no value' in a number cell (e.g. N/A or —), counted as a missing value; "
                        "repeat for several (default: missing_markers of the run file; otherwise only an empty cell is missing)")


def _scoring_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, help="assessment year (default: the run file's, else the latest in the data)")
    p.add_argument("--city", help="home city whose units are summarised, Chinese or English name (default: home_city of the run file)")
    p.add_argument("--normalisation", choices=NORMALISATIONS, default="goalpost", help="indicator normalisation (default: goalpost = target attainment)")
    p.add_argument("--aggregation", choices=AGGREGATIONS, default="arithmetic", help="aggregation (default: weighted arithmetic)")
    p.add_argument("--missing", choices=MISSING_POLICIES, help="how missing values are scored (default: the framework's rule)")
    p.add_argument("--format", choices=["csv", "xlsx", "both"], default="csv", help="output file format (default: csv)")
    p.add_argument("--quiet", action="store_true", help="do not print the league tables")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zhenxing", description="Rural revitalisation performance assessment: scoring, gaps and rankings.")
    parser.add_argument("--version", action="version", version=f"zhenxing {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check the framework and data; write the tidy tables")
    _common(p)

    p = sub.add_parser("score", help="validate, score one year, write the scored tables and print the leagues")
    _common(p)
    _scoring_args(p)

    p = sub.add_parser("run", help="the main job on the configured data: validate, score, print the leagues")
    _common(p)
    _scoring_args(p)

    p = sub.add_parser("reports", help="run the report notebook for every unit of a city (or the province); HTML and an index page")
    p.add_argument("--params", type=Path, help="run defaults YAML (default: params/run.yaml)")
    p.add_argument("--framework", type=Path, help="framework YAML (default from the run file)")
    p.add_argument("--register", type=Path, help="county register, .csv or .xlsx")
    p.add_argument("--values", type=Path, help="indicator values, long or wide, .csv or .xlsx")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--city", help="city, Chinese or English name (default: home_city of the run file)")
    scope.add_argument("--all", dest="all_units", action="store_true", help="every unit of the province, and every city's overview")
    p.add_argument("--units", help="only these unit codes of the scope, comma-separated (no city overview)")
    p.add_argument("--year", type=int, help="assessment year (default: the run file's, else the latest in the data)")
    p.add_argument("--jobs", type=int, help="notebooks run in parallel (default: the number of CPUs)")
    p.add_argument("--force", action="store_true", help="re-run every report, even those whose inputs have not changed")
    p.add_argument("--standalone", action="store_true", help="embed plotly.js and the CSS in each report (self-contained files) instead of the shared plotly.min.js and report.css")
    p.add_argument("--pdf", action="store_true", help="also print each report to a PDF beside its HTML (headless Chromium: apt-get install chromium)")
    p.add_argument("--lang", choices=["zh", "en"], help="report language: Chinese (default) or English")
    p.add_argument("--out", dest="reports_out", type=Path, help="reports folder (default: reports_dir of the run file, reports/)")
    p.add_argument("--notebooks", type=Path, help="folder with county_report.ipynb and city_overview.ipynb (default: notebooks/)")
    p.add_argument("--ytd", help="year-to-date values (code, indicator, year, month, value) for schedule progress; '' for none "
                   "(default: the run file's, unless --register or --values points at other data)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _marker_arg(p)

    p = sub.add_parser("simulate", help="what-if scenarios, Monte Carlo rank risk and exact rank bounds; tables to data/processed")
    _common(p)
    p.add_argument("--year", type=int, help="assessment year (default: the run file's, else the latest in the data)")
    p.add_argument("--scenarios", type=Path, nargs="+", help="scenario files to compare (default: every params/scenarios/*.yaml, baseline first)")
    p.add_argument("--scenario", type=Path, help="the scenario whose uncertainty the Monte Carlo run uses (default: params/scenarios/baseline.yaml)")
    p.add_argument("--draws", type=int, default=100_000, help="Monte Carlo draws (default: 100000)")
    p.add_argument("--seed", type=int, help="random seed (default from the run file)")
    p.add_argument("--workers", type=int, help="threads (default: the number of CPUs); results do not depend on it")
    p.add_argument("--chunk", type=int, default=16384, help="draws per chunk: bounds the memory; results do not depend on it")
    p.add_argument("--spread", type=float, default=0.2, help="±share each dimension weight may move for the exact rank bounds (default: 0.2)")
    p.add_argument("--city", help="city of interest (default: home_city of the run file)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("demo", help="regenerate the synthetic demo province (byte for byte from the seed)")
    p.add_argument("--params", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--framework", type=Path, help="framework YAML (default from the run file)")
    p.add_argument("--out", type=Path, default=Path("data/raw"), help="output folder (default: data/raw)")
    p.add_argument("--seed", type=int, help="random seed (default from the run file)")
    return parser


# ---------------------------------------------------------------------------


#: Command-line options that set a run setting: setting -> (argparse dest, flag).
_FLAGS: dict[str, tuple[str, str]] = {
    "framework": ("framework", "--framework"),
    "register_path": ("register", "--register"),
    "values": ("values", "--values"),
    "lang": ("lang", "--lang"),
    "processed_dir": ("out", "--out"),
    "reports_dir": ("reports_out", "--out"),
    "year": ("year", "--year"),
    "home_city": ("city", "--city"),
    "seed": ("seed", "--seed"),
    "missing_markers": ("missing_marker", "--missing-marker"),
    "ytd": ("ytd", "--ytd"),
}
#: Run-file settings that describe the run file's own data: not applied to data given on the command line.
_DATA_BOUND = ("ytd", "home_city")


@dataclass(frozen=True)
class Settings:
    """The run's settings and where each came from, so that a message names it the way the user gave it."""

    cfg: RunConfig
    origin: dict[str, str]  # setting -> "--register" or "params/run.yaml: register"

    def where(self, name: str) -> str:
        """How a message names setting ``name``: its flag, its run-file key, or the default."""
        key = RUN_FILE_KEYS.get(name, name)
        return self.origin.get(name, f"{key} (default; set {key}: in the run file)")


def _settings(args: argparse.Namespace) -> Settings:
    """The run file's settings overridden by the command line's, with the origin of each."""
    cfg = load_run_config(args.params)
    run_file = run_file_path(args.params)
    origin = {name: f"{run_file}: {RUN_FILE_KEYS.get(name, name)}" for name in cfg.model_fields_set}
    updates: dict[str, object] = {}
    for name, (dest, flag) in _FLAGS.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        if name == "ytd":
            value = Path(value) if value else None
        updates[name] = value
        origin[name] = flag
    not_applied = []
    if "register_path" in updates or "values" in updates:
        for name in _DATA_BOUND:  # the run file's year-to-date values and home city belong to its own data
            if name not in updates and getattr(cfg, name) is not None and name in cfg.model_fields_set:
                updates[name] = None
                origin.pop(name)
                not_applied.append(RUN_FILE_KEYS.get(name, name))
    if not_applied:
        given = " and ".join(flag for name, (_, flag) in _FLAGS.items() if name in ("register_path", "values") and name in updates)
        print(f"note: {run_file}: {', '.join(not_applied)} not applied to the data given with {given}", file=sys.stderr)
    return Settings(cfg.model_copy(update=updates), origin)


def _check_paths(s: Settings, with_ytd: bool = False) -> None:
    """Every input file named by the settings exists; each missing one is named by its flag or run-file key."""
    files = [("framework", "the framework YAML"), ("register_path", "the register as .csv or .xlsx"), ("values", "the values as .csv or .xlsx")]
    if with_ytd and s.cfg.ytd is not None:
        files.append(("ytd", "the year-to-date values as .csv or .xlsx"))
    problems = []
    for name, what in files:
        path = Path(getattr(s.cfg, name))
        if not path.is_file():
            found = "a folder there" if path.is_dir() else "no such file"
            problems.append(Problem(s.where(name), f"file not found, {found}: {path} (expected {what})"))
    problems += check_markers(s.cfg.missing_markers, s.where("missing_markers"))
    if problems:
        raise InputError(problems, "cannot load the inputs")


def _load(s: Settings, with_ytd: bool = False, with_city: bool = True) -> tuple[Framework, Dataset]:
    """The framework and the validated data of the settings; the year (and the home city) are checked against them."""
    _check_paths(s, with_ytd)
    cfg = s.cfg
    fw = load_framework(cfg.framework)
    ds = load_dataset(fw, cfg.register_path, cfg.values, cfg.missing_markers)
    problems: list[Problem] = []
    if cfg.year is not None:
        try:
            ds.year(cfg.year)
        except InputError as exc:
            first, last = fw.years.first, fw.years.last
            note = "" if first <= cfg.year <= last else f"; {cfg.year} is outside the framework's assessment years {first}-{last}"
            problems += [Problem(s.where("year"), p.what + note) for p in exc.problems]
    try:
        if with_city:
            _home_city(s, ds)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems, "settings do not fit the data")
    return fw, ds


def _home_city(s: Settings, ds: Dataset) -> str | None:
    """The home city as the register writes it (an English name is accepted); None when there is none."""
    city = s.cfg.home_city
    if not city:
        return None
    reg = ds.register
    cities = list(dict.fromkeys(reg["city"]))
    if city in cities:
        return city
    by_en = {str(e).casefold(): c for c, e in zip(reg["city"], reg["city_en"]) if e}
    if city.casefold() in by_en:
        return by_en[city.casefold()]
    raise InputError([Problem(s.where("home_city"), f"unknown city {quote(city)} (cities in the register: {'、'.join(cities)})")], "unknown city")


def _year(s: Settings, ds: Dataset) -> int:
    """The assessment year: the settings' (checked by :func:`_load`), else the latest in the data."""
    return s.cfg.year if s.cfg.year is not None else ds.years[-1]


def _left_out_text(ds: Dataset, year: int, lang: str) -> str | None:
    """``left out of the 2022 leagues: 990155 某县 (joins 2023), ...``; None when every unit is in."""
    out = ds.left_out(year)
    if out.empty:
        return None
    names = [f"{r.code} {(r.name_en or r.name_zh) if lang == 'en' else r.name_zh} (joins {r.joined})" for r in out.itertuples()]
    return f"left out of the {year} leagues: {', '.join(names)}"


def _print_validation(ds: Dataset, written: list[Path], ytd: tuple[Path, int] | None = None) -> None:
    reg = ds.register
    print(f"register: {ds.intake.get('register', ds.sources['register'])}: {len(reg)} units in {reg['city'].nunique()} cities")
    counts = reg["category"].value_counts()
    print("  " + ", ".join(f"{c}: {counts.get(c, 0)}" for c in ds.framework.category_ids))
    n_ind = ds.values["indicator"].isin(ds.framework.indicator_ids).sum()
    print(f"values:   {ds.intake.get('values', ds.sources['values'])}: {len(ds.values)} values ({n_ind} indicator values) "
          f"for {', '.join(map(str, ds.years))}")
    miss = ds.missing_summary()
    if len(miss):
        by_year = miss.groupby("year")["missing"].sum()
        detail = "; ".join(f"{y}: {n}" for y, n in by_year.items())
        print(f"  missing values (scored by the rule '{ds.framework.missing_values}'): {int(miss['missing'].sum())} ({detail})")
        top = miss.sort_values("missing", ascending=False).head(5)
        print("  most often missing: " + ", ".join(f"{r.indicator} ({r.year}: {r.missing})" for r in top.itertuples()))
    else:
        print("  no missing values")
    if ds.missing_markers:
        print(f"  declared missing markers (counted as missing values): {describe_markers(ds.missing_markers)}")
    if ytd is not None:
        print(f"ytd:      {ytd[0]}: {ytd[1]} year-to-date values")
    for path in written:
        print(f"wrote {path}")


def _print_left_out(ds: Dataset, year: int, lang: str) -> None:
    text = _left_out_text(ds, year, lang)
    if text:
        print(text)
        print()


def _league_tables(result: ScoreResult, lang: str) -> str:
    fw = result.framework
    units = result.units
    cols = ["rank_category", "name_zh", "name_en", "city", "city_en", "total", "grade", "warning_talk", "veto"]
    blocks = []
    en = lang == "en"
    for cat in fw.categories:
        sub = units[units["category"] == cat.id][cols]
        if sub.empty:
            continue
        title = f"{fw.label(cat, lang)} — {result.year}" + (f" ({len(sub)} units)" if en else f"（{len(sub)} 个单位）")
        blocks.append(format_table(localise(sub, fw, lang), decimals=fw.publication.decimals, title=title))
    cities = result.cities[["rank", "city", "city_en", "n_units", "score", "last"]]
    city_title = ("City league" if en else "市级排名") + f" — {result.year}"
    blocks.append(format_table(localise(cities, fw, lang), decimals=fw.publication.decimals, title=city_title))
    return "\n\n".join(blocks)


def _home_city_summary(result: ScoreResult, city: str, lang: str) -> str:
    """The home city's units with their margin to the warning-talk line."""
    fw = result.framework
    home = result.units[result.units["city"] == city]
    cols = ["name_zh", "name_en", "category", "total", "rank_category", "n_category", "grade", "margin_bottom", "risk", "warning_talk"]
    city_row = result.cities[result.cities["city"] == city].iloc[0]
    p = fw.publication.decimals
    score = format_published(city_row["score"], p)
    if lang == "en":
        title = f"Home city {home['city_en'].iloc[0] or city}: score {score}, rank {city_row['rank']} of {len(result.cities)}"
    else:
        title = f"本市 {city}：得分 {score}，全省第 {city_row['rank']} / {len(result.cities)}"
    return format_table(localise(home[cols], fw, lang), decimals=p, title=title)


def _score_files(result: ScoreResult, out_dir: Path, lang: str, fmt: str) -> list:
    fw = result.framework
    y = result.year
    tables = {
        "units": localise(result.units, fw, lang),
        "indicators": localise(result.indicators, fw, lang),
        "cities": localise(result.cities, fw, lang),
    }
    jobs = []
    if fmt in ("csv", "both"):
        jobs += [(out_dir / f"{name}_{y}.csv", csv_writer(df)) for name, df in tables.items()]
    if fmt in ("xlsx", "both"):
        jobs.append((out_dir / f"scores_{y}.xlsx", excel_writer(tables)))
    return jobs


def _ytd_checked(s: Settings, ds: Dataset) -> tuple[Path, int] | None:
    """The settings' year-to-date file, checked against the data: its path and number of values."""
    from .gap import load_ytd

    if s.cfg.ytd is None:
        return None
    return s.cfg.ytd, len(load_ytd(s.cfg.ytd, ds, s.cfg.missing_markers))


def cmd_validate(args: argparse.Namespace) -> int:
    s = _settings(args)
    _, ds = _load(s, with_ytd=True)
    ytd = _ytd_checked(s, ds)
    written = write_processed(ds, s.cfg.processed_dir)
    _print_validation(ds, written, ytd)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    s = _settings(args)
    cfg = s.cfg
    options = ScoringOptions(normalisation=args.normalisation, aggregation=args.aggregation, missing=args.missing)
    fw, ds = _load(s)
    options.validate(fw)
    year = _year(s, ds)
    city = _home_city(s, ds)
    result = score_year(ds, year, options)  # everything computed before anything is written
    # one atomic set: the tidy inputs and the scores are replaced together or not at all
    written = write_files(processed_files(ds, cfg.processed_dir) + _score_files(result, cfg.processed_dir, cfg.lang, args.format))
    _print_validation(ds, [])
    if not args.quiet:
        print()
        print(_league_tables(result, cfg.lang))
        print()
    _print_left_out(ds, year, cfg.lang)
    if city and city in set(result.units["city"]):
        print(_home_city_summary(result, city, cfg.lang))
        print()
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import write_demo

    cfg = load_run_config(args.params)
    seed = args.seed if args.seed is not None else cfg.seed
    fw_path = args.framework or cfg.framework
    load_framework(fw_path)  # a clear message if the framework is broken
    for path in write_demo(args.out, framework_path=fw_path, seed=seed):
        print(f"wrote {path}")
    return 0


def cmd_reports(args: argparse.Namespace) -> int:
    from .report.batch import run_reports

    s = _settings(args)
    cfg = s.cfg
    if args.jobs is not None and args.jobs < 1:
        raise InputError([Problem("--jobs", f"expected a number of parallel notebooks >= 1, found {args.jobs}")], "invalid option")
    _, ds = _load(s, with_ytd=True, with_city=not args.all_units)  # bad input is reported once here, not once per report
    units = [u.strip() for u in args.units.split(",") if u.strip()] if args.units is not None else None
    if units == []:
        raise InputError([Problem("--units", f"no unit code given (found {args.units!r}; expected codes such as 990101,990102)")], "invalid option")
    _print_left_out(ds, _year(s, ds), cfg.lang)
    summary = run_reports(
        cfg.framework,
        cfg.register_path,
        cfg.values,
        dataset=ds,
        year=cfg.year,
        city=None if args.all_units else _home_city(s, ds),
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
    )
    print(summary.describe())
    return summary.exit_code


def cmd_simulate(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from .montecarlo import simulate
    from .robustness import rank_bounds_table
    from .scenarios import DEFAULT_SCENARIO_DIR, compare, load_scenario, load_scenarios

    s = _settings(args)
    cfg = s.cfg
    problems = []
    if args.draws < 1:
        problems.append(Problem("--draws", f"expected at least 1 draw, found {args.draws}"))
    if args.chunk < 1:
        problems.append(Problem("--chunk", f"expected a positive chunk size, found {args.chunk}"))
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("--workers", f"expected at least 1 worker, found {args.workers}"))
    if not 0 < args.spread < 1:
        problems.append(Problem("--spread", f"expected a share between 0 and 1 (e.g. 0.2 for ±20 %), found {args.spread}"))
    if problems:
        raise InputError(problems, "invalid options")
    fw, ds = _load(s)
    year = _year(s, ds)
    scenarios = load_scenarios(args.scenarios, fw, DEFAULT_SCENARIO_DIR)
    mc_scenario = load_scenario(args.scenario or DEFAULT_SCENARIO_DIR / "baseline.yaml", fw)
    seed = cfg.seed
    city = _home_city(s, ds)
    _print_left_out(ds, year, cfg.lang)

    t0 = time.perf_counter()
    comparison = compare(ds, year, scenarios)
    with tqdm(total=args.draws, unit="draw", unit_scale=True, disable=args.quiet, file=sys.stderr, desc="Monte Carlo") as bar:
        sim = simulate(ds, year, mc_scenario, n_draws=args.draws, seed=seed, chunk_size=args.chunk, workers=args.workers, progress=bar.update)
    # exact bounds need a score linear in the weights (weighted arithmetic aggregation)
    linear = mc_scenario.options.aggregation == "arithmetic"
    bounds = rank_bounds_table(ds, year, args.spread, options=mc_scenario.options) if linear else None
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
    bounds_note = f"exact bounds within ±{args.spread:.0%}" if linear else (
        f"no exact bounds: '{mc_scenario.id}' aggregates with '{mc_scenario.options.aggregation}', not linear in the weights")
    print(f"Monte Carlo '{sim.scenario}': {sim.n_draws:,} draws (seed {seed}, noise pool {sim.noise_pool}); {bounds_note}; {seconds:.1f} s")
    units = sim.units
    cols = ["name_zh", "name_en", "category", "nominal_rank_category", "median_rank_category", "p05_rank_category", "p95_rank_category"]
    if bounds is not None:
        units = units.merge(bounds[["code", "best_rank_category", "worst_rank_category"]], on="code")
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


COMMANDS = {"simulate": cmd_simulate, "validate": cmd_validate, "score": cmd_score, "run": cmd_score, "demo": cmd_demo, "reports": cmd_reports}


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
