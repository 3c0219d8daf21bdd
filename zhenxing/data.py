"""Data intake: the county register and indicator values, validated into tidy tables.

Inputs (CSV, UTF-8 with or without BOM, or Excel ``.xlsx``, first sheet):

* **register**: one row per county-level unit with the columns
  ``code, name_zh, name_en, city, city_en, category, is_district, joined``
  (``joined`` is the first assessment year of the unit; ``name_en`` and
  ``city_en`` may be empty).
* **values**, either *long* (the shape departments submit)
  ``code, indicator, year, value`` or *wide* ``code, year, <id>, <id>, ...``
  with one column per indicator or adjustment input. An empty cell is a
  missing value: allowed, counted and reported, and scored by the framework's
  missing-value rule. Adjustment inputs (bonus titles, deduction cases, veto
  inputs) may be left out entirely, which means 0.

:func:`load_dataset` checks everything and raises one :class:`InputError`
listing every problem with its file, row and column. Rows are numbered as a
spreadsheet shows them (the header is row 1). Raw files are only read.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, Problem, ProblemList
from .framework import Framework
from .io import csv_writer, write_files

REGISTER_COLUMNS = ["code", "name_zh", "name_en", "city", "city_en", "category", "is_district", "joined"]
REGISTER_REQUIRED = ["code", "name_zh", "city", "category", "is_district", "joined"]
LONG_COLUMNS = ["code", "indicator", "year", "value"]
MAX_PROBLEMS_SHOWN = 200
_MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none", "-", "—", "缺失", "无数据"}


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def read_table(path: str | Path, what: str) -> pd.DataFrame:
    """Read a CSV or .xlsx file as strings, exactly as written (no type guessing).

    Raises :class:`InputError` when the file is missing, empty or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), f"file not found (expected the {what} as .csv or .xlsx)")], f"{what} file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        elif suffix in (".csv", ".txt"):
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True)
        else:
            raise InputError([Problem(str(path), f"unsupported file type '{suffix}' (expected .csv or .xlsx)")], f"{what} file unreadable")
    except InputError:
        raise
    except UnicodeDecodeError:
        raise InputError([Problem(str(path), "not UTF-8 text (save the CSV as UTF-8, or use .xlsx)")], f"{what} file unreadable") from None
    except pd.errors.EmptyDataError:
        raise InputError([Problem(str(path), "the file is empty (expected a header row and data rows)")], f"{what} file unreadable") from None
    except Exception as exc:  # openpyxl/zip/parser errors: the user's file is at fault
        raise InputError([Problem(str(path), f"cannot be read as {suffix}: {exc}")], f"{what} file unreadable") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df.apply(lambda col: col.str.strip())


def _row(k: int) -> int:
    """Spreadsheet row number of data row ``k`` (0-based): the header is row 1."""
    return k + 2


def _parse_number(text: str) -> float | None:
    """Parse a cell; NaN for a missing-value token, None when it is not a number."""
    t = text.strip().replace(",", "")
    if t.lower() in _MISSING_TOKENS:
        return math.nan
    if t.endswith("%"):
        t = t[:-1]
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


# ---------------------------------------------------------------------------
# register
# ---------------------------------------------------------------------------


def validate_register(raw: pd.DataFrame, framework: Framework, source: str, problems: ProblemList) -> pd.DataFrame:
    """Check the register and return it typed; problems are added to ``problems``."""
    missing_cols = [c for c in REGISTER_REQUIRED if c not in raw.columns]
    if missing_cols:
        problems.add(source, f"missing column(s) {', '.join(missing_cols)} (expected {', '.join(REGISTER_COLUMNS)})")
        return pd.DataFrame(columns=REGISTER_COLUMNS)
    df = raw.copy()
    for col in ("name_en", "city_en"):
        if col not in df.columns:
            df[col] = ""
    seen: dict[str, int] = {}
    cats = framework.category_ids
    joined = np.full(len(df), -1, dtype=int)
    is_district = np.zeros(len(df), dtype=bool)
    for k, rec in enumerate(df.itertuples(index=False)):
        where = f"{source}, row {_row(k)}"
        code = rec.code
        if not code:
            problems.add(f"{where}, column 'code'", "empty unit code")
        elif code in seen:
            problems.add(f"{where}, column 'code'", f"duplicate unit code '{code}' (first at row {_row(seen[code])})")
        else:
            seen[code] = k
        if not rec.name_zh:
            problems.add(f"{where}, column 'name_zh'", "empty unit name")
        if not rec.city:
            problems.add(f"{where}, column 'city'", "empty city")
        if not rec.category:
            problems.add(f"{where}, column 'category'", f"unit '{code}' has no category (expected one of {', '.join(cats)})")
        elif rec.category not in cats:
            problems.add(f"{where}, column 'category'", f"unknown category '{rec.category}' (expected one of {', '.join(cats)})")
        flag = rec.is_district.lower()
        if flag in ("1", "true", "yes", "是", "区"):
            is_district[k] = True
        elif flag not in ("0", "false", "no", "否", "县"):
            problems.add(f"{where}, column 'is_district'", f"expected 1 (district) or 0 (county), found '{rec.is_district}'")
        try:
            year = int(rec.joined)
            if not 1990 <= year <= 2100:
                raise ValueError
            joined[k] = year
        except ValueError:
            problems.add(f"{where}, column 'joined'", f"expected the year the unit joined the assessment (e.g. 2021), found '{rec.joined}'")
    out = df[REGISTER_COLUMNS].copy()
    out["is_district"] = is_district
    out["joined"] = joined
    return out


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------


def _to_long(raw: pd.DataFrame, framework: Framework, source: str, problems: ProblemList) -> pd.DataFrame | None:
    """Bring long or wide input to long strings with a ``row`` column; None if unusable."""
    cols = list(raw.columns)
    if set(LONG_COLUMNS) <= set(cols):
        extra = [c for c in cols if c not in LONG_COLUMNS]
        if extra:
            problems.add(source, f"unexpected column(s) {', '.join(extra)} in long format (expected exactly {', '.join(LONG_COLUMNS)})")
        long = raw[LONG_COLUMNS].copy()
        long["row"] = np.arange(len(raw)) + 2
        long["column"] = "value"
        return long
    if {"code", "year"} <= set(cols):
        known = set(framework.indicator_ids) | set(framework.adjustment_input_ids)
        id_cols = [c for c in cols if c not in ("code", "year")]
        for c in id_cols:
            if c not in known:
                problems.add(f"{source}, column '{c}'", "unknown indicator id (not in the framework); check the spelling or the framework file")
        dup_cols = [c for c in set(cols) if cols.count(c) > 1]
        for c in dup_cols:
            problems.add(f"{source}, column '{c}'", "column appears more than once")
        id_cols = [c for c in id_cols if c in known and c not in dup_cols]
        if not id_cols:
            problems.add(source, "no indicator columns found (wide format: code, year, then one column per indicator id)")
            return None
        wide = raw[["code", "year", *id_cols]].copy()
        wide["row"] = np.arange(len(raw)) + 2
        long = wide.melt(id_vars=["code", "year", "row"], value_vars=id_cols, var_name="indicator", value_name="value")
        long["column"] = long["indicator"]
        return long
    problems.add(
        source,
        f"cannot tell the layout from the columns {', '.join(cols) or '(none)'}: expected long "
        f"({', '.join(LONG_COLUMNS)}) or wide (code, year, <indicator ids>)",
    )
    return None


def validate_values(
    raw: pd.DataFrame, framework: Framework, register: pd.DataFrame, source: str, problems: ProblemList
) -> pd.DataFrame:
    """Check the values and return a tidy table ``code, year, indicator, value`` (float, NaN = missing)."""
    long = _to_long(raw, framework, source, problems)
    if long is None:
        return pd.DataFrame({"code": [], "year": [], "indicator": [], "value": []})
    indicators = framework.indicator_by_id
    adjustment_ids = set(framework.adjustment_input_ids)
    known_codes = set(register["code"])
    joined = dict(zip(register["code"], register["joined"]))

    values = np.full(len(long), np.nan)
    years = np.full(len(long), -1, dtype=int)
    keep = np.ones(len(long), dtype=bool)
    first_seen: dict[tuple[str, int, str], int] = {}
    codes = long["code"].to_numpy()
    inds = long["indicator"].to_numpy()
    rows = long["row"].to_numpy()
    columns = long["column"].to_numpy()
    raw_years = long["year"].astype(str).to_numpy()
    raw_values = long["value"].astype(str).to_numpy()
    for k in range(len(long)):
        where = f"{source}, row {rows[k]}"
        code, ind = codes[k], inds[k]
        ok = True
        if code not in known_codes:
            problems.add(f"{where}, column 'code'", f"unknown unit code '{code}' (not in the register)")
            ok = False
        if ind not in indicators and ind not in adjustment_ids:
            if columns[k] == "value":  # wide columns were reported once, above
                problems.add(f"{where}, column 'indicator'", f"unknown indicator id '{ind}' (not in the framework)")
            ok = False
        try:
            years[k] = int(raw_years[k])
        except ValueError:
            problems.add(f"{where}, column 'year'", f"expected a year such as 2023, found '{raw_years[k]}'")
            ok = False
        v = _parse_number(raw_values[k])
        if v is None:
            problems.add(f"{where}, column '{columns[k]}'", f"expected a number, found text '{raw_values[k]}'")
            ok = False
        elif not math.isnan(v) and ok:
            if ind in indicators:
                lo, hi = indicators[ind].valid_range
                if not lo <= v <= hi:
                    unit = indicators[ind].unit
                    problems.add(
                        f"{where}, column '{columns[k]}'",
                        f"{v:g} {unit} for '{ind}' is impossible (expected a value in [{lo:g}, {hi:g}])",
                    )
                    ok = False
            elif v < 0 or v != int(v):
                problems.add(f"{where}, column '{columns[k]}'", f"'{ind}' counts cases or titles: expected a whole number >= 0, found {v:g}")
                ok = False
        if ok:
            key = (code, int(years[k]), ind)
            if key in first_seen:
                problems.add(f"{where}", f"duplicate value for unit '{code}', year {years[k]}, indicator '{ind}' (first at row {first_seen[key]})")
                ok = False
            else:
                first_seen[key] = int(rows[k])
        if ok:
            values[k] = v
        keep[k] = ok

    tidy = pd.DataFrame({"code": codes[keep], "year": years[keep], "indicator": inds[keep], "value": values[keep]})

    # completeness: every assessed unit has every indicator in every year present
    data_years = sorted(set(tidy["year"]))
    present = set(zip(tidy["code"], tidy["year"], tidy["indicator"]))
    for year in data_years:
        for code in register["code"]:
            if joined.get(code, 10**9) > year:
                continue
            missing = [i for i in framework.indicator_ids if (code, year, i) not in present]
            if len(missing) == len(framework.indicator_ids):
                problems.add(source, f"unit '{code}' has no values for {year} although it is assessed that year (joined {joined[code]})")
            elif missing:
                problems.add(
                    source,
                    f"unit '{code}', year {year}: required indicator(s) {', '.join(missing)} missing "
                    "(leave the value empty to report it as missing, do not drop the row or column)",
                )
    order = {i: k for k, i in enumerate(framework.indicator_ids + framework.adjustment_input_ids)}
    tidy["_o"] = tidy["indicator"].map(order)
    return tidy.sort_values(["code", "year", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


# ---------------------------------------------------------------------------
# the validated data set
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class YearData:
    """Arrays for one assessment year, rows in register order of the assessed units.

    ``values`` has shape (n_units, n_indicators) in framework order (NaN =
    missing); ``adjustments`` has shape (n_units, n_adjustment_inputs) in
    ``framework.adjustment_input_ids`` order (absent = 0).
    """

    year: int
    units: pd.DataFrame
    values: np.ndarray
    adjustments: np.ndarray

    @property
    def category_index(self) -> np.ndarray:
        return self.units["category_index"].to_numpy()


@dataclass(frozen=True)
class Dataset:
    """Validated register and tidy values, with their sources and a content hash."""

    framework: Framework
    register: pd.DataFrame
    values: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.values["year"].unique())

    def input_hash(self) -> str:
        """SHA-256 of the validated register and values (identifies the input data)."""
        h = hashlib.sha256()
        h.update(self.register.to_csv(index=False).encode())
        h.update(self.values.to_csv(index=False).encode())
        return h.hexdigest()

    def missing_summary(self) -> pd.DataFrame:
        """Missing values per indicator and year among assessed units (count > 0 only)."""
        ind = self.values[self.values["indicator"].isin(self.framework.indicator_ids)]
        miss = ind[ind["value"].isna()]
        return miss.groupby(["year", "indicator"]).size().rename("missing").reset_index()

    def year(self, year: int) -> YearData:
        """Matrices for ``year``; only units assessed that year (joined <= year)."""
        if year not in self.years:
            raise InputError([Problem("--year", f"no data for {year} (years in the data: {', '.join(map(str, self.years))})")], "unknown year")
        fw = self.framework
        units = self.register[self.register["joined"] <= year].reset_index(drop=True).copy()
        units["category_index"] = units["category"].map({c: k for k, c in enumerate(fw.category_ids)}).astype(int)
        sub = self.values[self.values["year"] == year]
        table = sub.pivot(index="code", columns="indicator", values="value")
        ids = fw.indicator_ids
        x = table.reindex(index=units["code"], columns=ids).to_numpy(dtype=float)
        adj_ids = fw.adjustment_input_ids
        adj = table.reindex(index=units["code"], columns=adj_ids).to_numpy(dtype=float) if adj_ids else np.zeros((len(units), 0))
        return YearData(year=year, units=units, values=x, adjustments=np.nan_to_num(adj, nan=0.0))


def load_dataset(framework: Framework, register_path: str | Path, values_path: str | Path) -> Dataset:
    """Read and validate the register and the values; every problem is reported at once."""
    problems = ProblemList("invalid input data")
    reg_raw: pd.DataFrame | None = None
    val_raw: pd.DataFrame | None = None
    for path, what in ((register_path, "register"), (values_path, "values")):
        try:
            df = read_table(path, what)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if what == "register":
            reg_raw = df
        else:
            val_raw = df
    problems.raise_if_any()
    assert reg_raw is not None and val_raw is not None
    register = validate_register(reg_raw, framework, str(register_path), problems)
    values = validate_values(val_raw, framework, register, str(values_path), problems)
    problems.raise_if_any()
    return Dataset(framework, register, values, {"register": str(register_path), "values": str(values_path)})


def write_processed(dataset: Dataset, out_dir: str | Path) -> list[Path]:
    """Write the validated tidy tables to ``out_dir`` atomically (UTF-8 CSV)."""
    out = Path(out_dir)
    return write_files(
        [
            (out / "register.csv", csv_writer(dataset.register, encoding="utf-8")),
            (out / "values_tidy.csv", csv_writer(dataset.values, encoding="utf-8")),
        ]
    )
