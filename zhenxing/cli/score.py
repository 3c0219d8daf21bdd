"""``zhenxing validate``, ``zhenxing score`` and ``zhenxing run``: check the inputs, score one year, print the leagues."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..data import Dataset, processed_files, write_processed
from ..display import format_table
from ..io import csv_writer, excel_writer, write_files
from ..labels import localise
from ..precision import format_published
from ..scoring import ScoreResult, ScoringOptions, score_year
from .common import Settings, common_args, home_city, load, print_left_out, print_validation, scoring_args, settings, year_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check the framework and data; write the tidy tables")
    common_args(p)

    p = sub.add_parser("score", help="validate, score one year, write the scored tables and print the leagues")
    common_args(p)
    scoring_args(p)

    p = sub.add_parser("run", help="the main job on the configured data: validate, score, print the leagues")
    common_args(p)
    scoring_args(p)



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
    from ..gap import load_ytd

    if s.cfg.ytd is None:
        return None
    return s.cfg.ytd, len(load_ytd(s.cfg.ytd, ds, s.cfg.missing_markers))


def cmd_validate(args: argparse.Namespace) -> int:
    s = settings(args)
    _, ds = load(s, with_ytd=True)
    ytd = _ytd_checked(s, ds)
    written = write_processed(ds, s.cfg.processed_dir)
    print_validation(ds, written, ytd)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    s = settings(args)
    cfg = s.cfg
    options = ScoringOptions(normalisation=args.normalisation, aggregation=args.aggregation, missing=args.missing)
    fw, ds = load(s)
    options.validate(fw)
    year = year_of(s, ds)
    city = home_city(s, ds)
    result = score_year(ds, year, options)  # everything computed before anything is written
    # one atomic set: the tidy inputs and the scores are replaced together or not at all
    written = write_files(processed_files(ds, cfg.processed_dir) + _score_files(result, cfg.processed_dir, cfg.lang, args.format))
    print_validation(ds, [])
    if not args.quiet:
        print()
        print(_league_tables(result, cfg.lang))
        print()
    print_left_out(ds, year, cfg.lang)
    if city and city in set(result.units["city"]):
        print(_home_city_summary(result, city, cfg.lang))
        print()
    for path in written:
        print(f"wrote {path}")
    return 0



COMMANDS = {"validate": cmd_validate, "score": cmd_score, "run": cmd_score}
