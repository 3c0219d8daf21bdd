"""Reading a register or values file as departments send it: CSV or .xlsx, title rows, Chinese headers, sheets.

* **Cells** are read as text, exactly as shown (no type guessing): see
  :func:`_cell_text` for Excel cells. CSV is UTF-8, with or without BOM, with
  LF or CRLF line ends.
* **Header row**: the first row, among the first :data:`HEADER_SEARCH_ROWS`
  non-blank rows, that names the unit-code column (``code``, ``代码``,
  ``单位代码`` ...). Rows above it (a merged title, a units row such as
  ``单位：万元``) are skipped. Rows keep their spreadsheet numbers.
* **Column names** are matched loosely (case, full-width characters, spaces,
  ``_`` and ``-`` do not matter) and may be given by their usual Chinese or
  English names (:data:`COLUMN_ALIASES`); callers may add more (the values
  accept an indicator's Chinese or English name for its id). A column named
  twice (``grain_task`` twice, or ``code`` and ``代码``) is a problem naming
  both headers as written. Columns without a header and without data are
  ignored.
* **Sheets**: the one sheet with a recognisable header is used; a workbook in
  which several sheets have one is refused, naming them (keep one data sheet
  per file). Messages about a workbook with several sheets name the sheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from .cells import FORMULA_PREFIX, ROW_INDEX, column_letter, fold, quote

#: The header row is looked for among this many first non-blank rows.
HEADER_SEARCH_ROWS = 10

#: Usual names of the standard columns, in Chinese and English (compared after :func:`header_key`).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "代码", "单位代码", "县区代码", "区县代码", "县代码", "行政区划代码", "区划代码", "编码", "单位编码",
             "unit code", "county code", "unit id"),
    "name_zh": ("name_zh", "单位名称", "名称", "单位", "县区名称", "区县名称", "县（市、区）", "县(市、区)", "中文名称",
                "chinese name", "name (chinese)", "name zh", "unit name", "unit (zh)"),
    "name_en": ("name_en", "英文名称", "单位英文名称", "单位(英文)", "单位（英文）", "english name", "name (english)", "name en"),
    "city": ("city", "所属市", "市", "城市", "所属城市", "地市", "所属地市", "设区市", "所属设区市", "city name", "city (chinese)"),
    "city_en": ("city_en", "城市英文名", "所属市(英文)", "所属市（英文）", "市英文名称", "city english", "city (english)", "english city name"),
    "category": ("category", "类别", "考核类别", "分类", "考核分类", "类型"),
    "is_district": ("is_district", "是否市辖区", "市辖区", "是否为市辖区", "district", "is district"),
    "joined": ("joined", "纳入年份", "纳入考核年份", "首次考核年份", "加入年份", "纳入考核年度", "joined year", "year joined", "first year"),
    "indicator": ("indicator", "指标", "指标代码", "指标编码", "指标id", "indicator id"),
    "year": ("year", "年份", "年度", "考核年度", "考核年份"),
    "value": ("value", "数值", "值", "指标值", "数据"),
    "month": ("month", "月份", "月"),
    # descriptive columns a department's values file may carry (ignored, or checked against the register)
    "unit_of_measure": ("unit_of_measure", "计量单位", "单位(计量)", "unit of measure", "uom"),
    "notes": ("notes", "备注", "说明", "note", "remarks", "remark"),
    "source": ("source", "来源", "数据来源", "department", "部门", "填报部门", "填报单位"),
}


def header_key(text: str) -> str:
    """A header compared loosely: :func:`~zhenxing.data.cells.fold`, without spaces, ``_`` and ``-``."""
    return re.sub(r"[\s_\-]+", "", fold(text))


STANDARD_NAMES: dict[str, str] = {header_key(a): name for name, aliases in COLUMN_ALIASES.items() for a in aliases}


@dataclass(frozen=True)
class Table:
    """One input table: cells as text under standard column names, rows indexed by spreadsheet row.

    ``labels`` maps each standard column name to its header as written;
    ``problems`` are those of the header (a column named twice, a row longer
    than the header), for the validators to report with their own.
    """

    frame: pd.DataFrame
    path: Path
    source: str
    sheet: str | None
    header_row: int
    labels: dict[str, str]
    problems: tuple[Problem, ...] = ()

    def describe(self) -> str:
        """``x.xlsx (sheet '数据', header on row 3)``: the sheet and header row used, when not plain."""
        parts = [f"sheet {quote(self.sheet)}"] if self.sheet is not None else []
        if self.header_row != 1:
            parts.append(f"header on row {self.header_row}")
        return f"{self.path} ({', '.join(parts)})" if parts else str(self.path)


def _unreadable(path: Path, what: str, message: str) -> InputError:
    return InputError([Problem(str(path), message)], f"{what} file unreadable")


def read_input(
    path: str | Path, what: str, aliases: Mapping[str, str] | None = None, expected: str = "", prefer: Mapping[str, str] | None = None
) -> Table:
    """Read a CSV or .xlsx file as a :class:`Table` (see the module docstring).

    ``aliases`` adds header names (already :func:`header_key`-ed) to the
    standard ones; ``prefer`` overrides standard ones for this file (in a
    values file ``单位`` is the unit of measure, not the unit's name); ``expected`` describes the columns for the message when no
    header row is found. Raises :class:`InputError` when the file is missing,
    empty, unreadable, or has no (or more than one) sheet with a header.
    """
    path = Path(path)
    if not path.is_file():
        found = ", a folder there" if path.is_dir() else ""
        raise InputError([Problem(str(path), f"file not found{found} (expected the {what} as .csv or .xlsx)")], f"{what} file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            grids = _xlsx_grids(path)
        elif suffix in (".csv", ".txt"):
            grids = [(None, _csv_grid(path))]
        else:
            raise _unreadable(path, what, f"unsupported file type {quote(suffix)} (expected .csv or .xlsx)")
    except InputError:
        raise
    except UnicodeDecodeError:
        raise _unreadable(path, what, "not UTF-8 text (save the CSV as UTF-8, or use .xlsx)") from None
    except Exception as exc:  # openpyxl/zip/csv errors: the user's file is at fault
        raise _unreadable(path, what, f"cannot be read as {suffix}: {quote(str(exc), 200)}") from None
    names = {**STANDARD_NAMES, **{k: v for k, v in (aliases or {}).items() if k not in STANDARD_NAMES}, **(prefer or {})}
    grids = [(sheet, rows) for sheet, rows in grids if any(any(c for c in r) for r in rows)]
    if not grids:
        raise _unreadable(path, what, "the file is empty (expected a header row and data rows)")
    found = [(sheet, rows, h) for sheet, rows in grids if (h := _header_index(rows, names)) is not None]
    several_sheets = len(grids) > 1
    if not found:
        raise _unreadable(path, what, _no_header(grids, expected))
    if len(found) > 1:
        which = ", ".join(f"{quote(s or '')} (header on row {h + 1})" for s, _, h in found)
        raise _unreadable(path, what, f"several sheets hold a table: {which}; keep the {what} in one sheet (or in a file of its own)")
    sheet, rows, h = found[0]
    source = f"{path}, sheet {quote(sheet)}" if several_sheets and sheet is not None else str(path)
    return _table(path, source, sheet, rows, h, names)


def read_table(path: str | Path, what: str) -> pd.DataFrame:
    """The cells of a CSV or .xlsx file as text under standard column names (:func:`read_input`'s frame).

    Every cell is a ``str`` (never NaN), stripped; fully blank rows are left
    out and the index holds the spreadsheet row number of each row. Raises
    :class:`InputError` for an unreadable file or a problem with its header.
    """
    table = read_input(path, what)
    if table.problems:
        raise InputError(list(table.problems), f"{what} file unreadable")
    return table.frame


def _header_index(rows: list[list[str]], names: Mapping[str, str]) -> int | None:
    """Index of the header row: the first of the first non-blank rows naming the unit-code column."""
    seen = 0
    for k, row in enumerate(rows):
        if not any(row):
            continue
        if any(names.get(header_key(c)) == "code" for c in row if c):
            return k
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return None


def _no_header(grids: list[tuple[str | None, list[list[str]]]], expected: str) -> str:
    """What to say when no sheet has a header row: what was looked for, and what the first rows hold."""
    shown = []
    for sheet, rows in grids[:3]:
        lines = [(k + 1, [c for c in r if c]) for k, r in enumerate(rows) if any(r)][:3]
        held = "; ".join(f"row {n}: {', '.join(quote(c, 30) for c in cells[:6])}{', …' if len(cells) > 6 else ''}" for n, cells in lines)
        shown.append(f"sheet {quote(sheet)}: {held}" if sheet is not None and len(grids) > 1 else held)
    wanted = f" (expected the columns {expected})" if expected else ""
    return (
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows: expected a row naming the unit-code column "
        f"(code, 代码 or 单位代码){wanted}; the first rows hold {' | '.join(shown)}"
    )


def _table(path: Path, source: str, sheet: str | None, rows: list[list[str]], h: int, names: Mapping[str, str]) -> Table:
    """The table below header row ``h`` of ``rows``, under standard column names."""
    header = rows[h]
    body = rows[h + 1 :]
    width = max([len(header)] + [len(r) for r in body])
    header = header + [""] * (width - len(header))
    problems: list[Problem] = []
    keep: list[int] = []
    columns: list[str] = []
    labels: dict[str, str] = {}
    first_at: dict[str, int] = {}
    for j, text in enumerate(header):
        if not text:
            if not any(j < len(r) and r[j] for r in body):
                continue  # no header, no data: a spacer column
            name = column_letter(j)  # named by its letter: "column D (no header)"
        else:
            name = names.get(header_key(text), text)
        if name in first_at:
            j0 = first_at[name]
            same = header[j0] == text
            what = (f"repeated column {quote(text)} (expected each column once)" if same else
                    f"{quote(header[j0])} and {quote(text)} both name the column {name} (expected each column once)")
            problems.append(Problem(f"{source}, row {h + 1}, columns {column_letter(j0)} and {column_letter(j)}", what))
            continue
        first_at[name] = j
        keep.append(j)
        columns.append(name)
        labels[name] = text
    data = []
    index = []
    for k, row in enumerate(body, start=h + 2):
        cells = [row[j] if j < len(row) else "" for j in keep]
        if any(cells):
            data.append(cells)
            index.append(k)
    frame = pd.DataFrame(data, columns=columns, index=pd.Index(index, name=ROW_INDEX, dtype=int), dtype=object)
    if not data:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns}, index=pd.Index([], name=ROW_INDEX, dtype=int))
    return Table(frame, path, source, sheet, h + 1, labels, tuple(problems))


def _csv_grid(path: Path) -> list[list[str]]:
    """A CSV file as rows of stripped cells (a blank line is an empty row: rows keep their numbers)."""
    csv.field_size_limit(sys.maxsize)  # a huge cell is the validators' to report (quoted short), not the parser's
    text = path.read_text(encoding="utf-8-sig")
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)]


def _xlsx_grids(path: Path) -> list[tuple[str, list[list[str]]]]:
    """Every worksheet as rows of cell texts (:func:`_cell_text`), trailing blanks dropped."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        out = []
        for ws in wb.worksheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # a read-only sheet may declare wrong dimensions
            grid = []
            for row in ws.iter_rows():
                cells = [_cell_text(c).strip() for c in row]
                while cells and cells[-1] == "":
                    cells.pop()
                grid.append(cells)
            while grid and not grid[-1]:
                grid.pop()
            out.append((ws.title, grid))
    finally:
        wb.close()
    _mark_unevaluated_formulas(path, out)
    return out


def _mark_unevaluated_formulas(path: Path, grids: list[tuple[str, list[list[str]]]]) -> None:
    """Mark formula cells saved without a result (empty when read for values) with :data:`FORMULA_PREFIX`.

    Excel stores each formula's last result; files written by scripts often do
    not, and such a cell would otherwise read as an empty (missing) value.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        for ws, (_, grid) in zip(wb.worksheets, grids):
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            for r, row in enumerate(ws.iter_rows()):
                for j, cell in enumerate(row):
                    if cell.data_type == "f" and (r >= len(grid) or j >= len(grid[r]) or grid[r][j] == ""):
                        while len(grid) <= r:
                            grid.append([])
                        grid[r].extend([""] * (j + 1 - len(grid[r])))
                        grid[r][j] = FORMULA_PREFIX + str(cell.value)
    finally:
        wb.close()


def _is_percent_format(fmt: str | None) -> bool:
    """Whether an Excel number format shows the value ×100 with '%' (a quoted or escaped '%' does not)."""
    return bool(fmt) and "%" in re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt)


def _number_text(v: float) -> str:
    """A number as ``pd.read_excel(dtype=str)`` writes it: ``2023`` for 2023.0, ``97.2``."""
    whole = int(v)
    return str(whole) if whole == v else str(float(v))


def _cell_text(cell) -> str:
    """One .xlsx cell as the text a CSV export would hold.

    A cell formatted as a percentage holds a fraction (85 % is stored as
    0.85) and is read as the number shown (``85``, to Excel's 15 significant
    digits); whole numbers have no ``.0``; dates are ISO text
    (``2023-06-30``); formulas give the result Excel stored with the file; an
    error cell gives its text (``#N/A``), which the validators report.
    """
    v = getattr(cell, "value", None)
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
