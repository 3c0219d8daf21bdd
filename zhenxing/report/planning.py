"""Planning a batch run: which notebooks run with which parameters, and their fingerprints.

:func:`plan_reports` scores the year, chooses the scope (a city, or ``--all``)
and makes one :class:`ReportJob` per report: the city overview(s), the city's
ranking simulation, the data audit and one county report per unit, in league order. Each job's
*fingerprint* (:func:`fingerprint`) hashes the notebook file, its parameters,
the input-data hash, the framework file (and the year-to-date or scenario
files the report reads), the zhenxing package source (:func:`package_hash`)
and the plotly/nbconvert/papermill versions.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..data import Dataset
from ..errors import InputError, Problem
from ..framework import Framework
from .text import RUN_TEXT


COUNTY_NOTEBOOK = "county_report.ipynb"
CITY_NOTEBOOK = "city_overview.ipynb"
SIMULATION_NOTEBOOK = "ranking_simulation.ipynb"
AUDIT_NOTEBOOK = "data_audit.ipynb"
AUDIT_KEY = "data_audit"
AUDIT_WORKBOOK = "data_audit.xlsx"  # written beside the data-audit report by the batch run
SIMULATION_DRAWS = 20_000  # per city report: a 5-95 % band and bottom-2 risk to about ±0.5 %
PATH_PARAMETERS = ("framework", "register", "values", "ytd")  # their *contents* enter the fingerprint


@dataclass(frozen=True)
class ReportJob:
    """One notebook to run: ``key`` is the file stem (unit code or ``city_<slug>``)."""

    key: str
    kind: str  # "county" | "city" | "simulation" | "audit"
    title: str
    notebook: Path
    parameters: dict
    fingerprint: str
    lang: str = "zh"
    shared_assets: bool = True  # link plotly.min.js and report.css of the run folder (else all inline)


def find_notebooks(notebooks_dir: str | Path | None = None) -> Path:
    """The folder holding the report notebooks.

    Given explicitly, it is used as is. Otherwise ``notebooks/`` in the current
    folder or the nearest parent that has one, else beside the installed
    package (an editable install from the repository).
    """
    if notebooks_dir is not None:
        return Path(notebooks_dir).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "notebooks" / COUNTY_NOTEBOOK).is_file():
            return folder / "notebooks"
    return (Path(__file__).resolve().parents[2] / "notebooks").resolve()


def slug(text: str) -> str:
    """ASCII file-name part: lower-case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def city_slug(city: str, city_en: str) -> str:
    """``qinglan`` from the English name; a short hash of the Chinese name if there is none."""
    return slug(city_en or "") or "c" + hashlib.sha1(city.encode()).hexdigest()[:8]


def package_hash() -> str:
    """SHA-256 over the zhenxing package's source files (path and bytes): the Python modules and the
    report templates and static files (``*.j2``, ``*.css``, ``*.js``), which shape the reports too."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    files = {p for pattern in ("*.py", "*.j2", "*.css", "*.js") for p in root.rglob(pattern)}
    for path in sorted(files):
        rel = path.relative_to(root).as_posix()
        if "__pycache__" in rel:
            continue
        h.update(rel.encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _toolchain() -> str:
    from importlib.metadata import version

    parts = []
    for name in ("plotly", "nbconvert", "papermill"):
        try:
            parts.append(f"{name}={version(name)}")
        except Exception:  # pragma: no cover
            parts.append(f"{name}=?")
    return ";".join(parts)


def fingerprint(notebook_bytes: bytes, parameters: dict, input_hash: str, framework_bytes: bytes, package: str, toolchain: str = "") -> str:
    """Hash of everything a report depends on (path parameters enter by content only)."""
    params = {k: v for k, v in parameters.items() if k not in PATH_PARAMETERS}
    h = hashlib.sha256(b"zhenxing-report-v1")
    for part in (notebook_bytes, json.dumps(params, sort_keys=True, ensure_ascii=False).encode(), input_hash.encode(),
                 framework_bytes, package.encode(), toolchain.encode()):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


@dataclass
class Plan:
    year: int
    scope: str  # "all" or the city's Chinese name
    run_name: str
    units: pd.DataFrame  # scored units in scope
    cities: pd.DataFrame  # scored cities in scope
    jobs: list[ReportJob]
    province: pd.DataFrame | None = None  # every scored unit of the year (denominators, category leagues)
    all_cities: pd.DataFrame | None = None  # every scored city (the city's rank, the last city)


def plan_reports(
    ds: Dataset,
    paths: dict[str, Path],
    year: int,
    city: str | None,
    all_units: bool,
    lang: str,
    plotly_js: str,
    notebooks: Path,
    units: Sequence[str] | None,
    overview: bool | None = None,
    seed: int | None = None,
    ytd: Path | None = None,
    missing_markers: Sequence[str] = (),
) -> Plan:
    from ..scoring import score_year

    result = score_year(ds, year)
    scored = result.units
    if all_units:
        scope, run_name = "all", f"{year}_all"
        in_scope = scored
        cities = result.cities
    else:
        if not city:
            raise InputError([Problem("--city", "no city given and no home_city in the run file (use --city NAME or --all)")], "no report scope")
        names = set(scored["city"])
        if city not in names:  # accept the English name too
            by_en = {str(e).lower(): c for c, e in zip(scored["city"], scored["city_en"]) if e}
            city = by_en.get(city.lower(), city)
        if city not in names:
            raise InputError([Problem("--city", f"unknown city '{city}' (cities assessed in {year}: {'、'.join(sorted(names))})")], "unknown city")
        in_scope = scored[scored["city"] == city]
        scope = city
        run_name = f"{year}_{city_slug(city, str(in_scope['city_en'].iloc[0]))}"
        cities = result.cities[result.cities["city"] == city]
    if lang != "zh":  # each language has its own folder: an English run never replaces the Chinese reports
        run_name += f"_{lang}"
    if units is not None:
        wanted = [str(u) for u in units]
        unknown = [u for u in wanted if u not in set(in_scope["code"])]
        if unknown:
            raise InputError([Problem("--units", f"unit(s) {', '.join(unknown)} not assessed in {year} in the scope {scope}")], "unknown unit")
        selected = in_scope[in_scope["code"].isin(wanted)]
    else:
        selected = in_scope

    fw_bytes = Path(paths["framework"]).read_bytes()
    input_hash = ds.input_hash()
    pkg = package_hash()
    tools = _toolchain()
    text = RUN_TEXT[lang]
    base = {"year": int(year), "framework": str(paths["framework"]), "register": str(paths["register"]),
            "values": str(paths["values"]), "missing_markers": list(missing_markers), "lang": lang, "plotly_js": plotly_js}
    jobs: list[ReportJob] = []
    city_nb = notebooks / CITY_NOTEBOOK
    county_nb = notebooks / COUNTY_NOTEBOOK
    nb_cache: dict[Path, bytes] = {}

    def nb_bytes(p: Path) -> bytes:
        if p not in nb_cache:
            nb_cache[p] = p.read_bytes()
        return nb_cache[p]

    shared = plotly_js != "embed"
    if overview is None:
        overview = units is None and city_nb.is_file()
    if overview and not city_nb.is_file():
        raise InputError([Problem(str(city_nb), "city overview notebook not found (expected notebooks/city_overview.ipynb)")], "notebook not found")
    if overview:
        for c in cities.itertuples():
            params = {"city": c.city, **base}
            key = f"city_{city_slug(c.city, str(c.city_en))}"
            name = c.city if lang == "zh" else (c.city_en or c.city)
            title = text["city_title"].format(city=name, year=year)
            fp = fingerprint(nb_bytes(city_nb), params, input_hash, fw_bytes, pkg, tools)
            jobs.append(ReportJob(key, "city", title, city_nb, params, fp, lang, shared))
    sim_nb = notebooks / SIMULATION_NOTEBOOK
    scenario_files = _scenario_files(paths["framework"])
    if overview and not all_units and sim_nb.is_file() and scenario_files:
        # the scenario files are inputs of the simulation report: their contents enter its fingerprint
        scenario_bytes = b"".join(f.read_bytes() for f in scenario_files)
        for c in cities.itertuples():
            params = {"city": c.city, "draws": SIMULATION_DRAWS, "seed": int(seed if seed is not None else 20231),
                      "scenarios": [str(f) for f in scenario_files], "scenario": str(scenario_files[0]), **base}
            key = f"simulation_{city_slug(c.city, str(c.city_en))}"
            name = c.city if lang == "zh" else (c.city_en or c.city)
            fp = fingerprint(nb_bytes(sim_nb), params, input_hash, fw_bytes + scenario_bytes, pkg, tools)
            jobs.append(ReportJob(key, "simulation", text["sim_title"].format(city=name, year=year), sim_nb, params, fp, lang, shared))
    audit_nb = notebooks / AUDIT_NOTEBOOK
    if overview and audit_nb.is_file():
        # one data audit per run, of the whole province's data (the city, if any, is highlighted)
        params = {"city": "" if all_units else str(scope), **base}
        title = text["audit_title"].format(scope=text["province"] if all_units else _city_name(cities, lang), year=year)
        fp = fingerprint(nb_bytes(audit_nb), params, input_hash, fw_bytes, pkg, tools)
        jobs.append(ReportJob(AUDIT_KEY, "audit", title, audit_nb, params, fp, lang, shared))
    if not county_nb.is_file():
        raise InputError([Problem(str(county_nb), "report notebook not found (expected notebooks/county_report.ipynb in the project)")], "notebook not found")
    # the year-to-date file (schedule progress) is an input of the county reports: its contents enter their
    # fingerprint; without one the notebook is told so ("") rather than falling back to its demo default
    ytd_bytes = b"\0ytd\0" + Path(ytd).read_bytes() if ytd is not None else b""
    for u in _league_order(selected, ds.framework).itertuples():
        params = {"code": u.code, **base, "ytd": str(ytd) if ytd is not None else ""}
        name = u.name_zh if lang == "zh" else (u.name_en or u.name_zh)
        cname = u.city if lang == "zh" else (u.city_en or u.city)
        title = text["unit_title"].format(name=name, city=cname, year=year)
        fp = fingerprint(nb_bytes(county_nb), params, input_hash, fw_bytes + ytd_bytes, pkg, tools)
        jobs.append(ReportJob(str(u.code), "county", title, county_nb, params, fp, lang, shared))
    return Plan(year, scope, run_name, _league_order(in_scope, ds.framework), cities, jobs, scored, result.cities)


def _city_name(cities: pd.DataFrame, lang: str) -> str:
    row = cities.iloc[0]
    return str(row["city"]) if lang == "zh" else str(row["city_en"] or row["city"])


def _scenario_files(framework: Path) -> list[Path]:
    """The what-if scenarios beside the framework (``<framework folder>/scenarios/*.yaml``,
    else ``params/scenarios`` of the project), baseline first; empty if there are none."""
    from ..paths import resolve
    from ..scenarios import DEFAULT_SCENARIO_DIR

    folder = Path(framework).parent / "scenarios"
    if not folder.is_dir():
        folder = resolve(DEFAULT_SCENARIO_DIR)
    return sorted(folder.glob("*.yaml"), key=lambda f: (f.stem != "baseline", f.stem)) if folder.is_dir() else []


def _league_order(units: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    order = {c: k for k, c in enumerate(fw.category_ids)}
    return (units.assign(_c=units["category"].map(order))
            .sort_values(["_c", "rank_category", "code"], kind="stable").drop(columns="_c").reset_index(drop=True))
