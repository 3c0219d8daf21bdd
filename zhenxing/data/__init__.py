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

Every cell is read as text, exactly as written (no type guessing). Excel
cells are read as the sheet shows them: a cell formatted as a percentage
holds a fraction (85 % is stored as 0.85) and is read as the number shown
(``85``, to Excel's 15 significant digits), like a CSV cell ``85`` or
``85%``; whole numbers have no ``.0``; dates are ISO text
(``2023-06-30``); formulas give the result Excel stored with the file. An
Excel error (``#N/A``, ``#DIV/0!``, ``#VALUE!``, ``#REF!`` ...), in an .xlsx
cell or as text in a CSV saved from Excel, is a problem, never a missing
value. Numbers may carry thousands separators (``1,234``) and a trailing
``%``; infinities are refused. Fully blank rows are skipped.

:func:`load_dataset` checks everything and raises one :class:`InputError`
listing every problem with its file, row and column. Rows are numbered as a
spreadsheet shows them (the header is row 1), blank rows included. A register
that lacks required columns is reported alone: the values are then checked
only for their own problems, not against it. Raw files are only read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, Problem, ProblemList
from .framework import Framework
from .io import Writer, csv_writer, write_files

REGISTER_COLUMNS = ["code", "name_zh", "name_en", "city", "city_en", "category", "is_district", "joined"]
REGISTER_REQUIRED = ["code", "name_zh", "city", "category", "is_district", "joined"]
LONG_COLUMNS = ["code", "indicator", "year", "value"]
MAX_PROBLEMS_SHOWN = 200
_MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none", "-", "—", "缺失", "无数据"}
#: Excel's error values, as an .xlsx cell holds them and as a CSV saved from Excel shows them.
_EXCEL_ERROR = re.compile(r"#(?:N/A|GETTING_DATA|[A-Z][A-Z0-9/_]*[!?])")
#: A number with thousands separators: 1,234 or -12,345.6 (but not 1,5).
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?%?")
#: The index of a table from :func:`read_table`: spreadsheet row numbers.
ROW_INDEX = "row"


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def read_table(path: str | Path, what: str) -> pd.DataFrame:
    """Read a CSV or .xlsx file as strings, exactly as shown (see the module docstring).

    Every cell is a ``str`` (never NaN), stripped; fully blank rows are left
    out and the index holds the spreadsheet row number of each row (the
    header is row 1). Raises :class:`InputError` when the file is missing,
    empty or unreadable. Excel error values are kept as their text (``#N/A``):
    the validators report them.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), f"file not found (expected the {what} as .csv or .xlsx)")], f"{what} file not found")
    suffix = path.suffix.lower()
    empty = InputError([Problem(str(path), "the file is empty (expected a header row and data rows)")], f"{what} file unreadable")
    try:
        if suffix in (".xlsx", ".xlsm"):
            df = _read_xlsx(path)
            if df is None:
                raise empty
        elif suffix in (".csv", ".txt"):
            df = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True, skip_blank_lines=False
            )
            df.index = pd.RangeIndex(2, len(df) + 2)
        else:
            raise InputError([Problem(str(path), f"unsupported file type '{suffix}' (expected .csv or .xlsx)")], f"{what} file unreadable")
    except InputError:
        raise
    except UnicodeDecodeError:
        raise InputError([Problem(str(path), "not UTF-8 text (save the CSV as UTF-8, or use .xlsx)")], f"{what} file unreadable") from None
    except pd.errors.EmptyDataError:
        raise empty from None
    except Exception as exc:  # openpyxl/zip/parser errors: the user's file is at fault
        raise InputError([Problem(str(path), f"cannot be read as {suffix}: {exc}")], f"{what} file unreadable") from None
    df = df.fillna("").astype(object)  # blank CSV lines and short rows: no float NaN reaches the checks
    df.columns = [str(c).strip() for c in df.columns]
    df = df.apply(lambda col: col.map(lambda x: str(x).strip())) if len(df.columns) else df
    df.index.name = ROW_INDEX
    return df[~(df == "").all(axis=1)] if len(df.columns) else df


def _read_xlsx(path: Path) -> pd.DataFrame | None:
    """The first sheet as text, indexed by sheet row; None when it is empty.

    The shape follows ``pd.read_excel(dtype=str)`` (header names, ``Unnamed: k``
    for a blank header cell, ``name.1`` for a repeated one, trailing blank rows
    and columns dropped); the cells follow :func:`_cell_text`.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        ws = wb.worksheets[0]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # a read-only sheet may declare wrong dimensions
        grid = []
        for row in ws.iter_rows():
            cells = [_cell_text(c) for c in row]
            while cells and cells[-1] == "":
                cells.pop()
            grid.append(cells)
    finally:
        wb.close()
    while grid and not grid[-1]:
        grid.pop()
    if not grid:
        return None
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    header = _dedup([h if h.strip() else f"Unnamed: {k}" for k, h in enumerate(grid[0])])
    return pd.DataFrame(grid[1:], columns=header, index=pd.RangeIndex(2, len(grid) + 1), dtype=object)


def _dedup(names: list[str]) -> list[str]:
    """Repeated column names as pandas renames them: ``a, a`` -> ``a, a.1``."""
    counts: dict[str, int] = {}
    out = []
    for name in names:
        n = counts.get(name, 0)
        while n > 0:
            counts[name] = n + 1
            name = f"{name}.{n}"
            n = counts.get(name, 0)
        out.append(name)
        counts[name] = n + 1
    return out


def _is_percent_format(fmt: str | None) -> bool:
    """Whether an Excel number format shows the value ×100 with '%' (a quoted or escaped '%' does not)."""
    return bool(fmt) and "%" in re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt)


def _number_text(v: float) -> str:
    """A number as ``pd.read_excel(dtype=str)`` writes it: ``2023`` for 2023.0, ``97.2``."""
    whole = int(v)
    return str(whole) if whole == v else str(float(v))


def _cell_text(cell) -> str:
    """One .xlsx cell as the text a CSV export would hold (see the module docstring)."""
    v = cell.value
    if v is None:
        return ""
    if cell.data_type == "e":
        return str(v)
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        if _is_percent_format(cell.number_format):
            # as shown, to Excel's 15 significant digits: 0.972 -> 97.2 and 0.8320000000000002 -> 83.2,
            # not 97.19999999999999 or 83.20000000000002
            v = float(f"{v * 100:.15g}")
        return _number_text(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) and v.tzinfo is None else v.isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return str(v)


def _sheet_rows(raw: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row numbers of the rows of ``raw`` (the header is row 1)."""
    if raw.index.name == ROW_INDEX:
        return raw.index.to_numpy(dtype=int)
    return np.arange(len(raw)) + 2


def _unusable_cells(raw: pd.DataFrame, source: str, problems: ProblemList) -> tuple[pd.DataFrame, set[tuple[int, str]]]:
    """Report every Excel error cell; return the table with them blanked and their ``(row, column)``.

    The validators leave these cells alone, so each is reported once.
    """
    bad: set[tuple[int, str]] = set()
    if raw.empty:
        return raw, bad
    hits = np.column_stack([raw[c].astype(str).str.fullmatch(_EXCEL_ERROR.pattern).to_numpy(dtype=bool) for c in raw.columns])
    if not hits.any():
        return raw, bad
    rows = _sheet_rows(raw)
    clean = raw.copy()
    for k, j in zip(*np.nonzero(hits)):  # row by row
        column = str(raw.columns[j])
        problems.add(f"{source}, row {rows[k]}, column '{column}'", f"Excel error {raw.iat[k, j]} (expected a value)")
        bad.add((int(rows[k]), column))
        clean.iat[k, j] = ""
    return clean, bad


class _Cells:
    """Adds problems with a file's cells: once each, and none for a cell already reported as unusable."""

    def __init__(self, source: str, problems: ProblemList, bad: set[tuple[int, str]]) -> None:
        self.source, self.problems, self.bad = source, problems, bad
        self._seen: set[tuple[int, str, str]] = set()

    def add(self, row: int, column: str, what: str) -> None:
        if (row, column) in self.bad or (row, column, what) in self._seen:
            return
        self._seen.add((row, column, what))
        self.problems.add(f"{self.source}, row {row}, column '{column}'", what)

    def add_row(self, row: int, what: str) -> None:
        self.problems.add(f"{self.source}, row {row}", what)


def _parse_number(text: str) -> float | None:
    """Parse a cell; NaN for a missing-value token, None when it is not a (finite) number.

    Accepts thousands separators (``1,234``, not ``1,5``) and a trailing ``%``
    (``85%`` is 85).
    """
    t = text.strip()
    if t.lower() in _MISSING_TOKENS:
        return math.nan
    if "," in t:
        if not _THOUSANDS.fullmatch(t):
            return None
        t = t.replace(",", "")
    try:
        v = float(t.removesuffix("%"))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _not_a_number(text: str) -> str:
    """What to say about a cell :func:`_parse_number` refused."""
    try:
        v = float(text.strip().removesuffix("%"))
    except ValueError:
        return f"expected a number, found text '{text}'"
    return f"expected a finite number, found '{text}'" if not math.isfinite(v) else f"expected a number, found text '{text}'"


def _parse_int(text: str) -> int | None:
    """A whole number such as a year or a month; None when the cell is not one."""
    try:
        return int(text)
    except ValueError:
        return None


def _value_problem(framework: Framework, ind: str, v: float) -> str | None:
    """Why ``v`` is impossible for indicator or adjustment input ``ind`` (its valid range; counts are whole and >= 0), or None."""
    indicators = framework.indicator_by_id
    if ind in indicators:
        lo, hi = indicators[ind].valid_range
        if not lo <= v <= hi:
            return f"{v:g} {indicators[ind].unit} for '{ind}' is impossible (expected a value in [{lo:g}, {hi:g}])"
        return None
    if v < 0 or v != int(v):
        return f"'{ind}' counts cases or titles: expected a whole number >= 0, found {v:g}"
    return None


def _first_row(seen: dict, key, row: int) -> int | None:
    """Remember where ``key`` was first seen; the row of that first sighting if ``row`` repeats it, else None."""
    first = seen.setdefault(key, row)
    return None if first == row else first


def _rows_text(rows: list[int], most: int = 8) -> str:
    """``row 7`` / ``rows 7, 9, 12-20, ...``: sorted row numbers with runs joined."""
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs[:most]]
    more = ", ..." if len(runs) > most else ""
    return f"row{'s' if len(rows) > 1 else ''} {', '.join(parts)}{more}"


def _unknown_codes(codes, rows, known: set[str], bad: set[tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """Each code not in ``known``: its first row and the message for it (naming the other rows)."""
    where: dict[str, set[int]] = {}
    for code, r in zip(codes, rows):
        if code not in known and (int(r), "code") not in bad:
            where.setdefault(code, set()).add(int(r))
    out = {}
    for code, rs in where.items():
        first, *rest = sorted(rs)
        also = f"; also in {_rows_text(rest)}" if rest else ""
        what = f"unknown unit code '{code}' (not in the register{also})" if code else f"empty unit code (expected a code from the register{also})"
        out[code] = (first, what)
    return out


# ---------------------------------------------------------------------------
# register
# ---------------------------------------------------------------------------


def validate_register(raw: pd.DataFrame, framework: Framework, source: str, problems: ProblemList) -> pd.DataFrame:
    """Check the register and return it typed; problems are added to ``problems``.

    Returns an empty table when the register cannot be used at all (required
    columns missing, or no units); the columns it has are still checked.
    """
    raw, bad = _unusable_cells(raw, source, problems)
    has = set(raw.columns)
    missing_cols = [c for c in REGISTER_REQUIRED if c not in has]
    if missing_cols:
        problems.add(source, f"missing column(s) {', '.join(missing_cols)} (expected {', '.join(REGISTER_COLUMNS)})")
    elif raw.empty:
        problems.add(source, "no units (expected one row per county-level unit below the header)")
    df = raw.copy()
    for col in REGISTER_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    cells = _Cells(source, problems, bad)
    rows = _sheet_rows(raw)
    seen: dict[str, int] = {}
    cats = framework.category_ids
    joined = np.full(len(df), -1, dtype=int)
    is_district = np.zeros(len(df), dtype=bool)
    for k, rec in enumerate(df[REGISTER_COLUMNS].itertuples(index=False)):
        r = int(rows[k])
        code = rec.code
        if "code" in has:
            if not code:
                cells.add(r, "code", "empty unit code")
            elif (first := _first_row(seen, code, r)) is not None:
                cells.add(r, "code", f"duplicate unit code '{code}' (first at row {first})")
        if "name_zh" in has and not rec.name_zh:
            cells.add(r, "name_zh", "empty unit name")
        if "city" in has and not rec.city:
            cells.add(r, "city", "empty city")
        if "category" in has:
            if not rec.category:
                cells.add(r, "category", f"unit '{code}' has no category (expected one of {', '.join(cats)})")
            elif rec.category not in cats:
                cells.add(r, "category", f"unknown category '{rec.category}' (expected one of {', '.join(cats)})")
        if "is_district" in has:
            flag = rec.is_district.lower()
            if flag in ("1", "true", "yes", "是", "区"):
                is_district[k] = True
            elif flag not in ("0", "false", "no", "否", "县"):
                cells.add(r, "is_district", f"expected 1 (district) or 0 (county), found '{rec.is_district}'")
        if "joined" in has:
            year = _parse_int(rec.joined)
            if year is not None and 1990 <= year <= 2100:
                joined[k] = year
            else:
                cells.add(r, "joined", f"expected the year the unit joined the assessment (e.g. 2021), found '{rec.joined}'")
    if missing_cols or raw.empty:
        return pd.DataFrame(columns=REGISTER_COLUMNS)
    out = df[REGISTER_COLUMNS].reset_index(drop=True)
    out["is_district"] = is_district
    out["joined"] = joined
    return out


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------


def _to_long(raw: pd.DataFrame, framework: Framework, source: str, problems: ProblemList) -> pd.DataFrame | None:
    """Bring long or wide input to long strings with a ``row`` column; None if unusable."""
    cols = list(raw.columns)
    rows = _sheet_rows(raw)
    if set(LONG_COLUMNS) <= set(cols):
        extra = [c for c in cols if c not in LONG_COLUMNS]
        if extra:
            problems.add(source, f"unexpected column(s) {', '.join(extra)} in long format (expected exactly {', '.join(LONG_COLUMNS)})")
        long = raw[LONG_COLUMNS].reset_index(drop=True)
        long["row"] = rows
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
        wide = raw[["code", "year", *id_cols]].reset_index(drop=True)
        wide["row"] = rows
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
    raw: pd.DataFrame, framework: Framework, register: pd.DataFrame | None, source: str, problems: ProblemList
) -> pd.DataFrame:
    """Check the values and return a tidy table ``code, year, indicator, value`` (float, NaN = missing).

    With ``register=None`` (a register that could not be read) the values are
    checked only for their own problems: unit codes and completeness are not.
    """
    empty = pd.DataFrame({"code": [], "year": [], "indicator": [], "value": []})
    raw, bad = _unusable_cells(raw, source, problems)
    long = _to_long(raw, framework, source, problems)
    if long is None:
        return empty
    if long.empty:
        problems.add(source, "no values (expected data rows below the header)")
        return empty
    indicators = framework.indicator_by_id
    adjustment_ids = set(framework.adjustment_input_ids)
    cells = _Cells(source, problems, bad)

    values = np.full(len(long), np.nan)
    years = np.full(len(long), -1, dtype=int)
    keep = np.ones(len(long), dtype=bool)
    first_seen: dict[tuple[str, int, str], int] = {}
    present: set[tuple[str, int, str]] = set()  # rows there, valid value or not
    unsure: set[tuple[str, str]] = set()  # (code, indicator) of rows with an unreadable year
    codes = long["code"].to_numpy()
    inds = long["indicator"].to_numpy()
    rows = long["row"].to_numpy()
    columns = long["column"].to_numpy()
    raw_years = long["year"].astype(str).to_numpy()
    raw_values = long["value"].astype(str).to_numpy()
    unknown = _unknown_codes(codes, rows, set(register["code"]), bad) if register is not None else {}
    for k in range(len(long)):
        r, column = int(rows[k]), str(columns[k])
        code, ind = codes[k], inds[k]
        ok = True
        if code in unknown or (r, "code") in bad:
            first, what = unknown.get(code, (None, ""))
            if first == r:
                cells.add(r, "code", what)
            ok = False
        ind_known = ind in indicators or ind in adjustment_ids
        if not ind_known:
            if column == "value":  # wide columns were reported once, above
                cells.add(r, "indicator", f"unknown indicator id '{ind}' (not in the framework)")
            ok = False
        year = _parse_int(raw_years[k])
        if year is None:
            cells.add(r, "year", f"expected a year such as 2023, found '{raw_years[k]}'")
            unsure.add((code, ind))
            ok = False
        else:
            years[k] = year
        v = _parse_number(raw_values[k])
        if (r, column) in bad:
            ok = False
        elif v is None:
            cells.add(r, column, _not_a_number(raw_values[k]))
            ok = False
        elif not math.isnan(v) and ind_known and (what := _value_problem(framework, ind, v)) is not None:
            cells.add(r, column, what)
            ok = False
        if ind_known and year is not None and code not in unknown and (r, "code") not in bad:  # the row names its cell
            key = (code, year, ind)
            present.add(key)
            if (first := _first_row(first_seen, key, r)) is not None:
                cells.add_row(r, f"duplicate value for unit '{code}', year {year}, indicator '{ind}' (first at row {first})")
                ok = False
        if ok:
            values[k] = v
        keep[k] = ok

    tidy = pd.DataFrame({"code": codes[keep], "year": years[keep], "indicator": inds[keep], "value": values[keep]})

    # completeness: every assessed unit has every indicator in every year present
    # (rows that are there with a bad value were reported above; units with an unreadable joining year are skipped)
    if register is not None:
        joined = dict(zip(register["code"], register["joined"]))
        data_years = sorted({y for (_, y, _) in present})
        for year in data_years:
            for code in dict.fromkeys(register["code"]):
                if not code or not 0 <= joined.get(code, -1) <= year:
                    continue
                expected = [i for i in framework.indicator_ids if (code, i) not in unsure]
                missing = [i for i in expected if (code, year, i) not in present]
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
    # a register without its columns or units would make every value row an "unknown unit":
    # then the values are checked only for their own problems
    usable = len(register) > 0
    values = validate_values(val_raw, framework, register if usable else None, str(values_path), problems)
    problems.raise_if_any()
    return Dataset(framework, register, values, {"register": str(register_path), "values": str(values_path)})


def processed_files(dataset: Dataset, out_dir: str | Path) -> list[tuple[Path, Writer]]:
    """The validated tidy tables as jobs for :func:`zhenxing.io.write_files` (UTF-8 CSV)."""
    out = Path(out_dir)
    return [
        (out / "register.csv", csv_writer(dataset.register, encoding="utf-8")),
        (out / "values_tidy.csv", csv_writer(dataset.values, encoding="utf-8")),
    ]


def write_processed(dataset: Dataset, out_dir: str | Path) -> list[Path]:
    """Write the validated tidy tables to ``out_dir`` atomically."""
    return write_files(processed_files(dataset, out_dir))
