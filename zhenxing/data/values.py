"""Indicator values: one file (or one template sheet) checked on its own, and the completeness of them all.

A values file is *long* ``code, indicator, year, value`` or *wide*
``code, year, <id>, <id>, ...``; it may also carry names and city (checked
against the register), the unit of measure, notes and source. The notes and
source of each value are kept (:class:`ValuesPart`), so that the data set can
say where every value came from (:attr:`zhenxing.data.Dataset.submitted`).

:func:`check_values_file` checks the cells of one file; :func:`check_joined`
and :func:`check_complete` check joining years and completeness on the values
of every file together (:func:`validate_values` does all three for one file).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ProblemList
from ..framework import Framework
from .cells import (
    MissingMarkers,
    _Cells,
    _first_row,
    _parse_int,
    _rows_text,
    _sheet_rows,
    _unknown_codes,
    _unusable_cells,
    _value_problem,
    column_text,
    fold,
    quote,
)
from .reading import Table, header_key
from .register import REGISTER_COLUMNS, _listed, _years_text

LONG_COLUMNS = ["code", "indicator", "year", "value"]
#: Columns a values file may carry besides the values: names and city (checked against the register),
#: unit of measure (ignored), notes and source (kept with each value in ``Dataset.submitted``).
DESCRIPTIVE_COLUMNS = ["name_zh", "name_en", "city", "city_en", "unit_of_measure", "notes", "source"]
#: In a values file a column headed 单位 is the unit of measure (in a register it is the unit's name).
VALUES_PREFER = {header_key("单位"): "unit_of_measure"}
#: A year with values for fewer than this share of its assessed units (or of the indicators) is reported as a whole.
SPARSE_YEAR_SHARE = 0.5
VALUES_EXPECTED = "code, indicator, year, value (long) or code, year, <indicator ids> (wide)"

Key = tuple[str, int, str]  # (code, year, indicator)


@dataclass
class ValuesPart:
    """One values file (or template sheet) after its own checks.

    ``tidy``: the valid values, ``code, year, indicator, value`` (float, NaN =
    missing) with the spreadsheet ``row``, the ``column`` they were read from
    and the ``source`` and ``notes`` text of their row ("" when the file has
    none). ``present`` maps every (code, year, indicator) that has a row,
    valid value or not, to its (row, column); ``unsure`` holds the
    (code, indicator) of rows with an unreadable year; ``filled`` maps
    (code, year) to the rows with a value (for the joining-year check).
    """

    table: Table
    tidy: pd.DataFrame
    present: dict[Key, tuple[int, str]] = field(default_factory=dict)
    unsure: set[tuple[str, str]] = field(default_factory=set)
    filled: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.table.source


def indicator_aliases(framework: Framework) -> dict[str, str]:
    """Wide-header names of the framework's data columns: each id, and each indicator's Chinese and English name."""
    out: dict[str, str] = {}
    for ind in framework.indicators:
        for name in (ind.id, ind.name_zh, ind.name_en):
            out.setdefault(header_key(name), ind.id)
    for i in framework.adjustment_input_ids:
        out.setdefault(header_key(i), i)
    return out


def _row_texts(raw: pd.DataFrame) -> pd.DataFrame:
    """The ``source`` and ``notes`` text of each row ("" when the file has no such column)."""
    return pd.DataFrame({c: (raw[c].astype(str) if c in raw.columns else "") for c in ("source", "notes")}, index=raw.index)


def _to_long(table: Table, raw: pd.DataFrame, framework: Framework, problems: ProblemList) -> pd.DataFrame | None:
    """Bring long or wide input to long strings with ``row``, ``column``, ``source`` and ``notes``; None if unusable."""
    source, labels = table.source, table.labels
    cols = list(raw.columns)
    rows = _sheet_rows(raw)
    named = ", ".join(column_text(c, labels) for c in cols)
    texts = _row_texts(raw).reset_index(drop=True)
    if set(LONG_COLUMNS) <= set(cols):
        extra = [c for c in cols if c not in LONG_COLUMNS and c not in DESCRIPTIVE_COLUMNS]
        if extra:
            problems.add(source, f"unexpected column(s) {', '.join(column_text(c, labels) for c in extra)} in long format "
                                 f"(expected {', '.join(LONG_COLUMNS)}, and optionally names, city, unit of measure, notes or source)")
        long = raw[LONG_COLUMNS].reset_index(drop=True)
        long["row"] = rows
        long["column"] = "value"
        return pd.concat([long, texts], axis=1)
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
        wide = pd.concat([raw[["code", "year", *id_cols]].reset_index(drop=True), texts], axis=1)
        wide["row"] = rows
        long = wide.melt(id_vars=["code", "year", "row", "source", "notes"], value_vars=id_cols, var_name="indicator", value_name="value")
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


TIDY_COLUMNS = ["code", "year", "indicator", "value"]
PART_COLUMNS = [*TIDY_COLUMNS, "row", "column", "source", "notes"]


def check_values_file(
    table: Table,
    framework: Framework,
    register: pd.DataFrame | None,
    problems: ProblemList,
    markers: MissingMarkers | None = None,
) -> ValuesPart:
    """Check the cells of one values table on their own; problems are added to ``problems``.

    With ``register=None`` (a register that could not be read) unit codes and
    names are not checked against it. Joining years and completeness are
    checked by :func:`check_joined` and :func:`check_complete`, on every file together.
    """
    empty = ValuesPart(table, pd.DataFrame({c: [] for c in PART_COLUMNS}))
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
    part = ValuesPart(table, empty.tidy)
    first_seen: dict[Key, int] = {}
    implausible: dict[int, list[int]] = {}  # year outside the framework's years -> rows
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
            part.unsure.add((code, ind))
            ok = False
        elif not first_year <= year <= last_year:
            implausible.setdefault(year, []).append(r)
            part.unsure.add((code, ind))
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
            part.present.setdefault(key, (r, column))
            if (at := _first_row(first_seen, key, r)) is not None:
                repeats.setdefault((r, code, year, at), []).append(ind)
                ok = False
            if v is not None and not math.isnan(v):
                part.filled.setdefault((code, year), []).append(r)
        if ok:
            values[k] = v
        keep[k] = ok

    for (r, code, year, at), again in repeats.items():  # a repeated wide row: one message
        what = f"indicator '{again[0]}'" if len(again) == 1 else f"indicators {', '.join(again)}"
        cells.add_row(r, f"duplicate value{'s' if len(again) > 1 else ''} for unit {quote(code)}, year {year}, {what} (first at row {at})")
    for year, at_rows in sorted(implausible.items()):
        where = f"{source}, {_rows_text(sorted(set(at_rows)))}, column {column_text('year', labels)}"
        problems.add(where, f"year {year} is outside {_years_text(framework)}")

    kept = long[keep]
    part.tidy = pd.DataFrame({
        "code": codes[keep], "year": years[keep], "indicator": inds[keep], "value": values[keep],
        "row": rows[keep].astype(int), "column": columns[keep],
        "source": kept["source"].to_numpy(), "notes": kept["notes"].to_numpy(),
    })
    return part


def sort_tidy(tidy: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Rows by unit code, year, then framework order of the indicators and adjustment inputs (index reset)."""
    order = {i: k for k, i in enumerate(framework.indicator_ids + framework.adjustment_input_ids)}
    out = tidy.assign(_o=tidy["indicator"].map(order))
    return out.sort_values(["code", "year", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def validate_values(
    table: Table,
    framework: Framework,
    register: pd.DataFrame | None,
    problems: ProblemList,
    markers: MissingMarkers | None = None,
    register_table: Table | None = None,
) -> pd.DataFrame:
    """Check one values file and return a tidy table ``code, year, indicator, value`` (float, NaN = missing).

    With ``register=None`` (a register that could not be read) the values are
    checked only for their own problems: unit codes, joining years and
    completeness are not. ``markers`` are the declared missing markers
    (counted as they are found); ``register_table`` lets messages about the
    joining year name the register's row.
    """
    part = check_values_file(table, framework, register, problems, markers)
    if register is not None and part.present:
        years = sorted({y for (_, y, _) in part.present})
        check_joined(framework, register, register_table, [part], years[-1], problems)
        check_complete(framework, register, part.source, part.present, part.unsure, problems)
    return sort_tidy(part.tidy[TIDY_COLUMNS], framework)


def _register_rows(register_table: Table | None) -> tuple[dict[str, int], str, str]:
    """First register row of each code, the register's name and its joining-year column, for messages."""
    if register_table is not None and "code" in register_table.frame.columns:
        reg_rows = dict(zip(register_table.frame["code"][::-1], register_table.frame.index[::-1]))  # first row of each code
        return reg_rows, register_table.source, column_text("joined", register_table.labels)
    return {}, "the register", "'joined'"


def check_joined(
    framework: Framework,
    register: pd.DataFrame,
    register_table: Table | None,
    parts: Iterable[ValuesPart],
    last_data_year: int,
    problems: ProblemList,
) -> None:
    """Joining years against the values of every file: a unit with values before it joined (named with the rows
    of each file), or joining after every year of data (``last_data_year``), contradicts the register."""
    joined = dict(zip(register["code"], register["joined"]))
    reg_rows, reg_source, joined_label = _register_rows(register_table)

    def register_at(code: str) -> str:
        return f"{reg_source}, row {reg_rows[code]}, column {joined_label}" if code in reg_rows else reg_source

    for part in parts:
        early: dict[str, tuple[list[int], list[int]]] = {}
        for (code, year), at_rows in part.filled.items():
            j = joined.get(code, -1)
            if 0 <= year < j <= last_data_year:  # a joining year after all the data is reported once, below
                yrs, rws = early.setdefault(code, ([], []))
                yrs.append(year)
                rws.extend(at_rows)
        for code, (yrs, rws) in early.items():
            problems.add(
                f"{part.source}, {_rows_text(sorted(rws))}",
                f"unit {quote(code)} has values for {', '.join(map(str, sorted(set(yrs))))} but joined the assessment in {joined[code]} "
                f"({register_at(code)}): correct the joining year, or leave out the values of the years before it",
            )
    for code in dict.fromkeys(register["code"]):
        if code and joined.get(code, -1) > last_data_year:
            data_years = sorted({y for p in parts for (_, y, _) in p.present})
            problems.add(
                register_at(code),
                f"unit {quote(code)} joins the assessment in {joined[code]}, after every year of data "
                f"({', '.join(map(str, data_years))}): it would be in no league (expected a year up to {last_data_year})",
            )


def check_complete(
    framework: Framework,
    register: pd.DataFrame,
    source: str,
    present: Mapping[Key, object],
    unsure: set[tuple[str, str]],
    problems: ProblemList,
) -> None:
    """Completeness: every assessed unit has a row for every indicator in every year of data.

    A year with values for fewer than half of its assessed units or of the
    indicators gets one message, not one per unit. Rows that are there with a
    bad value were reported already; ``unsure`` (code, indicator) pairs had an
    unreadable year and are not asked for again. ``source`` names the file(s).
    """
    joined = dict(zip(register["code"], register["joined"]))
    data_years = sorted({y for (_, y, _) in present})
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
