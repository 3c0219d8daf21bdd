"""Data intake: the county register and indicator values, validated into tidy tables.

Inputs (CSV, UTF-8 with or without BOM, LF or CRLF, or Excel ``.xlsx``; see
:mod:`zhenxing.data.reading` for title rows, Chinese headers and sheets):

* **register**: one row per county-level unit with the columns
  ``code, name_zh, name_en, city, city_en, category, is_district, joined``
  (``joined`` is the first assessment year of the unit; ``name_en`` and
  ``city_en`` may be empty).
* **values**, either *long* (the shape departments submit)
  ``code, indicator, year, value`` or *wide* ``code, year, <id>, <id>, ...``
  with one column per indicator or adjustment input (a wide header may also
  give an indicator's Chinese or English name). An empty cell is a missing
  value: allowed, counted and reported, and scored by the framework's
  missing-value rule. Text meaning "no value" (``N/A``, ``—``, ``无`` ...) is
  refused unless the run declares it as a missing marker (then it is a missing
  value, counted by marker: :attr:`Dataset.missing_markers`). Adjustment
  inputs (bonus titles, deduction cases, veto inputs) may be left out
  entirely, which means 0.

Every cell is read as text, exactly as written (no type guessing). Excel
cells are read as the sheet shows them (a percentage cell as the number
shown, ``85``); an Excel error (``#N/A``, ``#DIV/0!`` ...), in an .xlsx cell
or as text in a CSV saved from Excel, is a problem, never a missing value.
Numbers may carry thousands separators (``1,234``) and a trailing ``%``;
infinities are refused. Fully blank rows are skipped.

Years: values, joining years and the scored year lie within the framework's
``years``; a unit has no values before the year it joined, and no unit joins
after every year of data; a year with values for fewer than half of its
assessed units or of the indicators is reported in one message.

:func:`load_dataset` checks everything and raises one :class:`InputError`
listing every problem with its file, row and column. Rows are numbered as a
spreadsheet shows them, blank rows included. A register that lacks required
columns is reported alone: the values are then checked only for their own
problems, not against it. Raw files are only read.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, ProblemList
from ..framework import Framework
from ..io import Writer, csv_writer, write_files
from .cells import (
    ROW_INDEX,
    MissingMarkers,
    _Cells,
    _first_row,
    _not_a_number,
    _parse_int,
    _parse_number,
    _rows_text,
    _sheet_rows,
    _unknown_codes,
    _unusable_cells,
    _value_problem,
    check_markers,
    column_text,
    fold,
    quote,
)
from .reading import Table, header_key, read_input, read_table

__all__ = [
    "LONG_COLUMNS",
    "REGISTER_COLUMNS",
    "REGISTER_REQUIRED",
    "ROW_INDEX",
    "Dataset",
    "MissingMarkers",
    "Table",
    "YearData",
    "load_dataset",
    "processed_files",
    "read_input",
    "read_table",
    "validate_register",
    "validate_values",
    "write_processed",
    # shared with zhenxing.gap.load_ytd
    "_Cells",
    "_first_row",
    "_not_a_number",
    "_parse_int",
    "_parse_number",
    "_sheet_rows",
    "_unknown_codes",
    "_unusable_cells",
    "_value_problem",
]

REGISTER_COLUMNS = ["code", "name_zh", "name_en", "city", "city_en", "category", "is_district", "joined"]
REGISTER_REQUIRED = ["code", "name_zh", "city", "category", "is_district", "joined"]
LONG_COLUMNS = ["code", "indicator", "year", "value"]
#: Columns a values file may carry besides the values: names and city (checked against the register),
#: unit of measure, notes and source (ignored).
DESCRIPTIVE_COLUMNS = ["name_zh", "name_en", "city", "city_en", "unit_of_measure", "notes", "source"]
#: In a values file a column headed 单位 is the unit of measure (in a register it is the unit's name).
VALUES_PREFER = {header_key("单位"): "unit_of_measure"}
#: A year with values for fewer than this share of its assessed units (or of the indicators) is reported as a whole.
SPARSE_YEAR_SHARE = 0.5


def _years_text(framework: Framework) -> str:
    return f"the framework's assessment years {framework.years.first}-{framework.years.last}"


def _listed(items: Sequence[str], most: int = 8) -> str:
    """``a, b, c`` or ``a, b, ... (12 in all)``."""
    items = list(items)
    return ", ".join(items) if len(items) <= most else f"{', '.join(items[:most])}, ... ({len(items)} in all)"


# ---------------------------------------------------------------------------
# register
# ---------------------------------------------------------------------------


def validate_register(table: Table, framework: Framework, problems: ProblemList) -> pd.DataFrame:
    """Check the register and return it typed; problems are added to ``problems``.

    Returns an empty table when the register cannot be used at all (required
    columns missing, or no units); the columns it has are still checked.
    """
    source, labels = table.source, table.labels
    problems.extend(list(table.problems))
    raw, bad = _unusable_cells(table.frame, source, problems, labels)
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
    cells = _Cells(source, problems, bad, labels)
    rows = _sheet_rows(raw)
    seen: dict[str, int] = {}
    cats = framework.category_ids
    first, last = framework.years.first, framework.years.last
    joined = np.full(len(df), -1, dtype=int)
    is_district = np.zeros(len(df), dtype=bool)
    for k, rec in enumerate(df[REGISTER_COLUMNS].itertuples(index=False)):
        r = int(rows[k])
        code = rec.code
        if "code" in has:
            if not code:
                cells.add(r, "code", "empty unit code")
            elif (at := _first_row(seen, code, r)) is not None:
                cells.add(r, "code", f"duplicate unit code {quote(code)} (first at row {at})")
        if "name_zh" in has and not rec.name_zh:
            cells.add(r, "name_zh", "empty unit name")
        if "city" in has and not rec.city:
            cells.add(r, "city", "empty city")
        if "category" in has:
            if not rec.category:
                cells.add(r, "category", f"unit {quote(code)} has no category (expected one of {', '.join(cats)})")
            elif rec.category not in cats:
                cells.add(r, "category", f"unknown category {quote(rec.category)} (expected one of {', '.join(cats)})")
        if "is_district" in has:
            flag = rec.is_district.lower()
            if flag in ("1", "true", "yes", "是", "区"):
                is_district[k] = True
            elif flag not in ("0", "false", "no", "否", "县"):
                cells.add(r, "is_district", f"expected 1 (district) or 0 (county), found {quote(rec.is_district)}")
        if "joined" in has:
            year = _parse_int(rec.joined)
            if year is None:
                cells.add(r, "joined", f"expected the year the unit joined the assessment (e.g. 2021), found {quote(rec.joined)}")
            elif not first <= year <= last:
                cells.add(r, "joined", f"joining year {year} is outside {_years_text(framework)}")
            else:
                joined[k] = year
    if missing_cols or raw.empty:
        return pd.DataFrame(columns=REGISTER_COLUMNS)
    out = df[REGISTER_COLUMNS].reset_index(drop=True)
    out["is_district"] = is_district
    out["joined"] = joined
    return out


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------


def indicator_aliases(framework: Framework) -> dict[str, str]:
    """Wide-header names of the framework's data columns: each id, and each indicator's Chinese and English name."""
    out: dict[str, str] = {}
    for ind in framework.indicators:
        for name in (ind.id, ind.name_zh, ind.name_en):
            out.setdefault(header_key(name), ind.id)
    for i in framework.adjustment_input_ids:
        out.setdefault(header_key(i), i)
    return out


def _to_long(table: Table, raw: pd.DataFrame, framework: Framework, problems: ProblemList) -> pd.DataFrame | None:
    """Bring long or wide input to long strings with ``row`` and ``column`` columns; None if unusable."""
    source, labels = table.source, table.labels
    cols = list(raw.columns)
    rows = _sheet_rows(raw)
    named = ", ".join(column_text(c, labels) for c in cols)
    if set(LONG_COLUMNS) <= set(cols):
        extra = [c for c in cols if c not in LONG_COLUMNS and c not in DESCRIPTIVE_COLUMNS]
        if extra:
            problems.add(source, f"unexpected column(s) {', '.join(column_text(c, labels) for c in extra)} in long format "
                                 f"(expected {', '.join(LONG_COLUMNS)}, and optionally names, city, unit of measure, notes or source)")
        long = raw[LONG_COLUMNS].reset_index(drop=True)
        long["row"] = rows
        long["column"] = "value"
        return long
    if {"code", "year"} <= set(cols):
        known = set(framework.indicator_ids) | set(framework.adjustment_input_ids)
        id_cols = [c for c in cols if c not in ("code", "year") and c not in DESCRIPTIVE_COLUMNS]
        for c in id_cols:
            if c in known:
                continue
            where = f"{source}, row {table.header_row}, column {column_text(c, labels)}"
            if not labels.get(c):
                problems.add(where, "a column with data but no header (expected an indicator id or name in the header row)")
            elif c in REGISTER_COLUMNS or c in LONG_COLUMNS or c == "month":
                problems.add(where, "not a column of wide values (expected code, year, then one column per indicator id)")
            else:
                problems.add(where, "unknown indicator id (not in the framework); check the spelling or the framework file")
        id_cols = [c for c in id_cols if c in known]
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
        f"cannot tell the layout from the columns {named or '(none)'}: expected long "
        f"({', '.join(LONG_COLUMNS)}) or wide (code, year, <indicator ids>)",
    )
    return None


def _check_descriptions(raw: pd.DataFrame, register: pd.DataFrame, source: str, labels: dict[str, str], problems: ProblemList) -> None:
    """A unit's name or city written in the values must be the register's: a mismatch contradicts the register.

    Reported once per unit and column, at its first row (an empty cell says nothing).
    """
    by_code = register.drop_duplicates("code").set_index("code")
    rows = _sheet_rows(raw)
    for col in ("name_zh", "name_en", "city", "city_en"):
        if col not in raw.columns:
            continue
        seen: set[str] = set()
        for r, code, text in zip(rows, raw["code"], raw[col]):
            if not text or code in seen or code not in by_code.index:
                continue
            expected = str(by_code.at[code, col])
            if expected and fold(text) != fold(expected):
                seen.add(code)
                problems.add(f"{source}, row {r}, column {column_text(col, labels)}",
                             f"{quote(text)} for unit {quote(code)}, but the register names it {quote(expected)} "
                             "(the two files contradict each other: check the code or the name)")


def validate_values(
    table: Table,
    framework: Framework,
    register: pd.DataFrame | None,
    problems: ProblemList,
    markers: MissingMarkers | None = None,
    register_table: Table | None = None,
) -> pd.DataFrame:
    """Check the values and return a tidy table ``code, year, indicator, value`` (float, NaN = missing).

    With ``register=None`` (a register that could not be read) the values are
    checked only for their own problems: unit codes, joining years and
    completeness are not. ``markers`` are the declared missing markers
    (counted as they are found); ``register_table`` lets messages about the
    joining year name the register's row.
    """
    empty = pd.DataFrame({"code": [], "year": [], "indicator": [], "value": []})
    source, labels = table.source, table.labels
    problems.extend(list(table.problems))
    raw, bad = _unusable_cells(table.frame, source, problems, labels)
    long = _to_long(table, raw, framework, problems)
    if long is None:
        return empty
    if register is not None:
        _check_descriptions(raw, register, source, labels, problems)
    if long.empty:
        problems.add(source, "no values (expected data rows below the header)")
        return empty
    indicators = framework.indicator_by_id
    adjustment_ids = set(framework.adjustment_input_ids)
    cells = _Cells(source, problems, bad, labels, markers)
    first_year, last_year = framework.years.first, framework.years.last

    values = np.full(len(long), np.nan)
    years = np.full(len(long), -1, dtype=int)
    keep = np.ones(len(long), dtype=bool)
    first_seen: dict[tuple[str, int, str], int] = {}
    present: set[tuple[str, int, str]] = set()  # rows there, valid value or not
    unsure: set[tuple[str, str]] = set()  # (code, indicator) of rows with an unreadable or implausible year
    implausible: dict[int, list[int]] = {}  # year outside the framework's years -> rows
    filled: dict[tuple[str, int], list[int]] = {}  # (code, year) -> rows with a value (for the joining-year check)
    repeats: dict[tuple[int, str, int, int], list[str]] = {}  # (row, code, year, first row) -> indicators given again
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
            at, what = unknown.get(code, (None, ""))
            if at == r:
                cells.add(r, "code", what)
            ok = False
        ind_known = ind in indicators or ind in adjustment_ids
        if not ind_known:
            if column == "value":  # wide columns were reported once, above
                cells.add(r, "indicator", f"unknown indicator id {quote(ind)} (not in the framework)")
            ok = False
        year = _parse_int(raw_years[k])
        if year is None:
            if (r, "year") not in bad:
                cells.add(r, "year", f"expected a year such as 2023, found {quote(raw_years[k])}")
            unsure.add((code, ind))
            ok = False
        elif not first_year <= year <= last_year:
            implausible.setdefault(year, []).append(r)
            unsure.add((code, ind))
            year = None
            ok = False
        else:
            years[k] = year
        v = cells.number(r, column, raw_values[k])
        if v is None:
            ok = False
        elif math.isnan(v) and ind in adjustment_ids:
            cells.add(r, column, f"no value for {quote(ind)}: bonus, deduction and veto inputs count titles or cases "
                                 "(expected a whole number, 0 if none; an empty cell is not read as 0)")
            ok = False
        elif not math.isnan(v) and ind_known and (what := _value_problem(framework, ind, v)) is not None:
            cells.add(r, column, what)
            ok = False
        if ind_known and year is not None and code not in unknown and (r, "code") not in bad:  # the row names its cell
            key = (code, year, ind)
            present.add(key)
            if (at := _first_row(first_seen, key, r)) is not None:
                repeats.setdefault((r, code, year, at), []).append(ind)
                ok = False
            if v is not None and not math.isnan(v):
                filled.setdefault((code, year), []).append(r)
        if ok:
            values[k] = v
        keep[k] = ok

    for (r, code, year, at), again in repeats.items():  # a repeated wide row: one message
        what = f"indicator '{again[0]}'" if len(again) == 1 else f"indicators {', '.join(again)}"
        cells.add_row(r, f"duplicate value{'s' if len(again) > 1 else ''} for unit {quote(code)}, year {year}, {what} (first at row {at})")
    for year, at_rows in sorted(implausible.items()):
        where = f"{source}, {_rows_text(sorted(set(at_rows)))}, column {column_text('year', labels)}"
        problems.add(where, f"year {year} is outside {_years_text(framework)}")

    tidy = pd.DataFrame({"code": codes[keep], "year": years[keep], "indicator": inds[keep], "value": values[keep]})
    if register is not None:
        _check_years(framework, register, register_table, source, present, unsure, filled, problems)
    order = {i: k for k, i in enumerate(framework.indicator_ids + framework.adjustment_input_ids)}
    tidy["_o"] = tidy["indicator"].map(order)
    return tidy.sort_values(["code", "year", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def _check_years(
    framework: Framework,
    register: pd.DataFrame,
    register_table: Table | None,
    source: str,
    present: set[tuple[str, int, str]],
    unsure: set[tuple[str, str]],
    filled: Mapping[tuple[str, int], list[int]],
    problems: ProblemList,
) -> None:
    """Joining years against the values, and completeness: every assessed unit has every indicator in every year.

    A unit with values before it joined, or joining after every year of data,
    is a contradiction between the files. A year with values for fewer than
    half of its assessed units or of the indicators gets one message, not one
    per unit. Rows that are there with a bad value were reported already;
    units with an unreadable joining year are skipped.
    """
    joined = dict(zip(register["code"], register["joined"]))
    if register_table is not None and "code" in register_table.frame.columns:
        reg_rows = dict(zip(register_table.frame["code"][::-1], register_table.frame.index[::-1]))  # first row of each code
        reg_source, joined_label = register_table.source, column_text("joined", register_table.labels)
    else:
        reg_rows, reg_source, joined_label = {}, "the register", "'joined'"

    def register_at(code: str) -> str:
        return f"{reg_source}, row {reg_rows[code]}, column {joined_label}" if code in reg_rows else reg_source

    data_years = sorted({y for (_, y, _) in present})
    early: dict[str, tuple[list[int], list[int]]] = {}
    for (code, year), at_rows in filled.items():
        j = joined.get(code, -1)
        if 0 <= year < j <= data_years[-1]:  # a joining year after all the data is reported once, below
            yrs, rws = early.setdefault(code, ([], []))
            yrs.append(year)
            rws.extend(at_rows)
    for code, (yrs, rws) in early.items():
        problems.add(
            f"{source}, {_rows_text(sorted(rws))}",
            f"unit {quote(code)} has values for {', '.join(map(str, sorted(set(yrs))))} but joined the assessment in {joined[code]} "
            f"({register_at(code)}): correct the joining year, or leave out the values of the years before it",
        )
    if data_years:
        for code in dict.fromkeys(register["code"]):
            if code and joined.get(code, -1) > data_years[-1]:
                problems.add(
                    register_at(code),
                    f"unit {quote(code)} joins the assessment in {joined[code]}, after every year of data "
                    f"({', '.join(map(str, data_years))}): it would be in no league (expected a year up to {data_years[-1]})",
                )
    ids = framework.indicator_ids
    codes = [c for c in dict.fromkeys(register["code"]) if c]
    for year in data_years:
        assessed = [c for c in codes if 0 <= joined.get(c, -1) <= year]
        with_rows = {c for (c, y, _) in present if y == year}
        have = [c for c in assessed if c in with_rows]
        if assessed and len(have) < SPARSE_YEAR_SHARE * len(assessed):
            problems.add(
                source,
                f"year {year} has values for only {len(have)} of the {len(assessed)} units assessed that year"
                f"{' (' + _listed(have) + ')' if have else ''}: expected every assessed unit (a mistyped year, or a partial file?)",
            )
            continue
        inds_there = [i for i in ids if any((c, year, i) in present for c in have)]
        if len(inds_there) < SPARSE_YEAR_SHARE * len(ids):
            problems.add(
                source,
                f"year {year} has values for only {len(inds_there)} of the {len(ids)} indicators"
                f"{' (' + _listed(inds_there) + ')' if inds_there else ''}: expected every indicator for every assessed unit",
            )
            continue
        dropped = [i for i in ids if not any((c, year, i) in present for c in have)]
        if dropped:  # a column left out, or an indicator never reported: one message for the year
            problems.add(
                source,
                f"year {year}: indicator(s) {', '.join(dropped)} missing for every unit "
                "(leave the values empty to report them as missing, do not drop the column or rows)",
            )
        for code in assessed:
            expected = [i for i in ids if (code, i) not in unsure and i not in dropped]
            missing = [i for i in expected if (code, year, i) not in present]
            if len(missing) == len(ids) - len(dropped) and code not in with_rows:
                problems.add(source, f"unit {quote(code)} has no values for {year} although it is assessed that year (joined {joined[code]})")
            elif missing:
                problems.add(
                    source,
                    f"unit {quote(code)}, year {year}: required indicator(s) {', '.join(missing)} missing "
                    "(leave the value empty to report it as missing, do not drop the row or column)",
                )


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
    """Validated register and tidy values, with their sources and a content hash.

    ``missing_markers`` counts the cells of the values that held each declared
    missing marker (in declaration order); ``intake`` describes how each file
    was read (``values: x.xlsx (sheet '数据', header on row 3)``).
    """

    framework: Framework
    register: pd.DataFrame
    values: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    missing_markers: dict[str, int] = field(default_factory=dict)
    intake: dict[str, str] = field(default_factory=dict)

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

    def left_out(self, year: int) -> pd.DataFrame:
        """Units of the register not in ``year``'s leagues: they join the assessment later (``code, name_zh, name_en, city, joined``)."""
        later = self.register[self.register["joined"] > year]
        return later[["code", "name_zh", "name_en", "city", "joined"]].reset_index(drop=True)

    def year(self, year: int) -> YearData:
        """Matrices for ``year``; only units assessed that year (joined <= year).

        Raises :class:`InputError` for a year without data or without assessed units.
        """
        if year not in self.years:
            raise InputError([Problem("year", f"no data for {year} (years in the data: {', '.join(map(str, self.years))})")], "unknown year")
        fw = self.framework
        units = self.register[self.register["joined"] <= year].reset_index(drop=True).copy()
        if units.empty:
            first = int(self.register["joined"].min()) if len(self.register) else year
            raise InputError([Problem("year", f"no unit is assessed in {year}: every unit of the register joins later (the first in {first})")],
                             "no assessed units")
        units["category_index"] = units["category"].map({c: k for k, c in enumerate(fw.category_ids)}).astype(int)
        sub = self.values[self.values["year"] == year]
        table = sub.pivot(index="code", columns="indicator", values="value")
        ids = fw.indicator_ids
        x = table.reindex(index=units["code"], columns=ids).to_numpy(dtype=float)
        adj_ids = fw.adjustment_input_ids
        adj = table.reindex(index=units["code"], columns=adj_ids).to_numpy(dtype=float) if adj_ids else np.zeros((len(units), 0))
        return YearData(year=year, units=units, values=x, adjustments=np.nan_to_num(adj, nan=0.0))


VALUES_EXPECTED = "code, indicator, year, value (long) or code, year, <indicator ids> (wide)"
REGISTER_EXPECTED = ", ".join(REGISTER_COLUMNS)


def load_dataset(
    framework: Framework, register_path: str | Path, values_path: str | Path, missing_markers: Sequence[str] = ()
) -> Dataset:
    """Read and validate the register and the values; every problem is reported at once.

    ``missing_markers``: texts that mean "no value" in the values (``N/A``,
    ``—`` ...); a cell holding one is a missing value, counted in
    :attr:`Dataset.missing_markers`. Without them only an empty cell is missing.
    """
    problems = ProblemList("invalid input data")
    problems.extend(check_markers(missing_markers, "missing_markers"))
    tables: dict[str, Table] = {}
    for path, what, aliases, expected in (
        (register_path, "register", None, REGISTER_EXPECTED),
        (values_path, "values", indicator_aliases(framework), VALUES_EXPECTED),
    ):
        try:
            tables[what] = read_input(path, what, aliases, expected, prefer=VALUES_PREFER if what == "values" else None)
        except InputError as exc:
            problems.extend(exc.problems)
    problems.raise_if_any()
    reg_table, val_table = tables["register"], tables["values"]
    register = validate_register(reg_table, framework, problems)
    # a register without its columns or units would make every value row an "unknown unit":
    # then the values are checked only for their own problems
    usable = len(register) > 0
    markers = MissingMarkers(missing_markers)
    values = validate_values(val_table, framework, register if usable else None, problems, markers, reg_table)
    problems.raise_if_any()
    return Dataset(
        framework,
        register,
        values,
        {"register": str(register_path), "values": str(values_path)},
        markers.counts,
        {"register": reg_table.describe(), "values": val_table.describe()},
    )


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
