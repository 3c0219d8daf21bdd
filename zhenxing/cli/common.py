"""What every command shares: the argument parser class, common options, the run's settings and loading the inputs."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from ..config import RUN_FILE_KEYS, RunConfig, load_run_config, run_file_path
from ..data import VALUE_SUFFIXES, Dataset, load_dataset, status_lines, submission_status
from ..data.cells import check_markers, describe_markers, quote
from ..errors import InputError, Problem
from ..framework import Framework, load_framework
from ..scoring import AGGREGATIONS, MISSING_POLICIES, NORMALISATIONS

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors with our exit code and no traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"zhenxing: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def common_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params", type=Path, help="run defaults YAML (default: params/run.yaml)")
    p.add_argument("--framework", type=Path, help="framework YAML (default from the run file)")
    p.add_argument("--register", type=Path, help="county register, .csv or .xlsx")
    values_arg(p)
    p.add_argument("--out", type=Path, help="output folder (default: data/processed)")
    p.add_argument("--lang", choices=["zh", "en"], help="labels: Chinese (default) or English")
    marker_arg(p)


def values_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--values", type=Path, nargs="+", metavar="PATH",
                   help="indicator values, long or wide, .csv or .xlsx: one file, several (e.g. the departments' filled "
                        "templates, with last year's values in another file) or a folder of them (default from the run file)")


def marker_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--missing-marker", dest="missing_marker", action="append", metavar="TEXT",
                   help="text that means 'no value' in a number cell (e.g. N/A or —), counted as a missing value; "
                        "repeat for several (default: missing_markers of the run file; otherwise only an empty cell is missing)")


def scoring_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, help="assessment year (default: the run file's, else the latest in the data)")
    p.add_argument("--city", help="home city whose units are summarised, Chinese or English name (default: home_city of the run file)")
    p.add_argument("--normalisation", choices=NORMALISATIONS, default="goalpost", help="indicator normalisation (default: goalpost = target attainment)")
    p.add_argument("--aggregation", choices=AGGREGATIONS, default="arithmetic", help="aggregation (default: weighted arithmetic)")
    p.add_argument("--missing", choices=MISSING_POLICIES, help="how missing values are scored (default: the framework's rule)")
    p.add_argument("--format", choices=["csv", "xlsx", "both"], default="csv", help="output file format (default: csv)")
    p.add_argument("--quiet", action="store_true", help="do not print the league tables")


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


def settings(args: argparse.Namespace) -> Settings:
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
        if name == "values" and isinstance(value, list):
            value = value[0] if len(value) == 1 else value
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


def check_paths(s: Settings, with_ytd: bool = False) -> None:
    """Every input file named by the settings exists; each missing one is named by its flag or run-file key."""
    files = [("framework", "the framework YAML"), ("register_path", "the register as .csv or .xlsx")]
    if with_ytd and s.cfg.ytd is not None:
        files.append(("ytd", "the year-to-date values as .csv or .xlsx"))
    problems = []
    for name, what in files:
        path = Path(getattr(s.cfg, name))
        if not path.is_file():
            found = "a folder there" if path.is_dir() else "no such file"
            problems.append(Problem(s.where(name), f"file not found, {found}: {path} (expected {what})"))
    problems += _values_problems(s)
    problems += check_markers(s.cfg.missing_markers, s.where("missing_markers"))
    if problems:
        raise InputError(problems, "cannot load the inputs")


def _values_problems(s: Settings) -> list[Problem]:
    """Each values path that is neither a file nor a folder of values files, named by its flag or run-file entry."""
    paths = s.cfg.values_list()
    where = s.where("values")
    if not paths:
        return [Problem(where, "no values file given (expected a file, a folder, or a list of them)")]
    in_run_file = isinstance(s.cfg.values, list) and not where.startswith("--")
    problems = []
    for k, path in enumerate(paths):
        at = f"{where}[{k}]" if in_run_file else where
        if path.is_dir():
            if not any(f.is_file() and f.suffix.lower() in VALUE_SUFFIXES and not f.name.startswith((".", "~$")) for f in path.iterdir()):
                problems.append(Problem(at, f"a folder without values files: {path} (expected .xlsx or .csv files in it)"))
        elif not path.is_file():
            problems.append(Problem(at, f"file not found, no such file: {path} (expected the values as .csv or .xlsx)"))
    return problems


def load(s: Settings, with_ytd: bool = False, with_city: bool = True) -> tuple[Framework, Dataset]:
    """The framework and the validated data of the settings; the year (and the home city) are checked against them."""
    check_paths(s, with_ytd)
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
            home_city(s, ds)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems, "settings do not fit the data")
    print_submissions(ds, cfg.year, cfg.lang)
    return fw, ds


def print_submissions(ds: Dataset, year: int | None = None, lang: str = "zh") -> None:
    """Who has not sent what, when the values came from templates or several files (nothing for one plain file).

    For each year collected with templates (or ``year``, else the latest, when only plain files were given).
    """
    files = ds.files
    if len(files) < 2 and not (files["kind"] == "template").any():
        return
    years = sorted(int(y) for y in files.loc[files["kind"] == "template", "year"].unique())
    if not years:
        years = [year if year is not None else ds.years[-1]]
    for y in years:
        for line in status_lines(submission_status(ds, y, lang), y, lang):
            print(line)
        print()


def home_city(s: Settings, ds: Dataset) -> str | None:
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


def year_of(s: Settings, ds: Dataset) -> int:
    """The assessment year: the settings' (checked by :func:`_load`), else the latest in the data."""
    return s.cfg.year if s.cfg.year is not None else ds.years[-1]


def left_out_text(ds: Dataset, year: int, lang: str) -> str | None:
    """``left out of the 2022 leagues: 990155 某县 (joins 2023), ...``; None when every unit is in."""
    out = ds.left_out(year)
    if out.empty:
        return None
    names = [f"{r.code} {(r.name_en or r.name_zh) if lang == 'en' else r.name_zh} (joins {r.joined})" for r in out.itertuples()]
    return f"left out of the {year} leagues: {', '.join(names)}"


def print_validation(ds: Dataset, written: list[Path], ytd: tuple[Path, int] | None = None) -> None:
    reg = ds.register
    print(f"register: {ds.intake.get('register', ds.sources['register'])}: {len(reg)} units in {reg['city'].nunique()} cities")
    counts = reg["category"].value_counts()
    print("  " + ", ".join(f"{c}: {counts.get(c, 0)}" for c in ds.framework.category_ids))
    n_ind = ds.values["indicator"].isin(ds.framework.indicator_ids).sum()
    if len(ds.files) > 1:
        print(f"values:   {len(ds.files)} files: {len(ds.values)} values ({n_ind} indicator values) for {', '.join(map(str, ds.years))}")
        for f in ds.files.itertuples():
            print(f"  {f.intake}" + (f": template of {f.department} for {f.year}" if f.kind == "template" else ""))
    else:
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


def print_left_out(ds: Dataset, year: int, lang: str) -> None:
    text = left_out_text(ds, year, lang)
    if text:
        print(text)
        print()

