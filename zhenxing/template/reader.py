"""Reading a filled submission template back: recognise it, and turn each data sheet into a values table.

A workbook is a template when it has the hidden sheet
:data:`~zhenxing.template.layout.META_SHEET` (checked in the workbook's
index, without reading the cells). Each data sheet listed there becomes a
wide :class:`~zhenxing.data.reading.Table` (``code, year, <input ids>,
notes, source``) that the ordinary values checks read: columns are found by
the machine header (row 6), so moving or hiding columns does no harm; the
previous-year and category columns are left out; the year is the template's;
``source`` is the department's Chinese name. Cells are read exactly as the
ordinary reader reads them (:func:`zhenxing.data.reading._cell_text`), and a
message names the file, the sheet, the row and the column by its letter and
human header (``x.xlsx, sheet '填报', row 9, column 'E 粮食生产任务完成率' (grain_task)``).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..data.cells import column_letter, quote
from ..data.reading import Table, _table, _xlsx_grids, header_key
from ..errors import InputError, Problem
from ..framework import Framework
from .layout import (
    ID_ROW,
    META_SHEET,
    NAME_ROW,
    NOTES_ID,
    PREVIOUS_PREFIX,
    UNIT_COLUMNS,
    TemplateMeta,
    department_inputs,
    department_name,
    parse_meta,
)

#: Unit columns the values checks read (names and city are checked against the register); the category is not read.
READ_UNIT_COLUMNS = ("code", "name_zh", "name_en", "city", "city_en")


@dataclass(frozen=True)
class TemplateSheet:
    """One data sheet of a template, as a values table, with its department id and year."""

    table: Table
    department: str
    year: int


def is_template(path: str | Path) -> bool:
    """Whether ``path`` is an .xlsx workbook with the template's metadata sheet (False for anything unreadable)."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return False
    try:
        with zipfile.ZipFile(path) as z:
            index = z.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return f'name="{META_SHEET}"' in index


def read_template(path: str | Path, framework: Framework) -> tuple[TemplateMeta, list[TemplateSheet]]:
    """The metadata and the data sheets of the template at ``path``.

    Raises :class:`InputError` naming the file (and sheet) when the workbook
    cannot be read, its metadata is not a template's, its year is outside the
    framework's years, a data sheet is missing, names an unknown department
    or has lost its machine header.
    """
    path = Path(path)
    try:
        grids = dict(_xlsx_grids(path))
    except Exception as exc:  # openpyxl/zip errors: the user's file is at fault
        raise InputError([Problem(str(path), f"cannot be read as .xlsx: {quote(str(exc), 200)}")], "values file unreadable") from None
    meta = parse_meta(grids.get(META_SHEET, []), f"{path}, sheet {quote(META_SHEET)}")
    first, last = framework.years.first, framework.years.last
    problems: list[Problem] = []
    if not first <= meta.year <= last:
        problems.append(Problem(f"{path}, sheet {quote(META_SHEET)}",
                                f"a template for {meta.year}, outside the framework's assessment years {first}-{last}"))
    depts = department_inputs(framework)
    sheets: list[TemplateSheet] = []
    for s in meta.sheets:
        where = f"{path}, sheet {quote(s.name)}"
        if s.name not in grids:
            problems.append(Problem(str(path), f"the template's data sheet {quote(s.name)} is missing (renamed or deleted?); "
                                               f"sheets in the workbook: {', '.join(quote(n) for n in grids if n != META_SHEET)}"))
            continue
        if s.department not in depts:
            known = ", ".join(depts)
            problems.append(Problem(where, f"the template is for department {quote(s.department)}, which reports no input in this "
                                           f"framework (expected one of {known}): was it made for another framework?"))
            continue
        rows = grids[s.name]
        header = rows[s.id_row - 1] if len(rows) >= s.id_row else []
        if "code" not in header:
            problems.append(Problem(f"{where}, row {s.id_row}", f"the template's column ids are gone (expected 'code' and the input ids in "
                                                                 f"row {s.id_row}, found {', '.join(quote(c) for c in header if c) or 'nothing'})"))
            continue
        sheets.append(TemplateSheet(_sheet_table(path, where, s.name, rows, s.id_row, framework, s.department, meta.year), s.department, meta.year))
    if problems:
        raise InputError(problems, "unreadable template")
    return meta, sheets


def _sheet_table(path: Path, where: str, sheet: str, rows: list[list[str]], id_row: int, framework: Framework,
                 department: str, year: int) -> Table:
    """One data sheet as a wide values table named by its human headers (see the module docstring)."""
    ids = [*framework.indicator_ids, *framework.adjustment_input_ids, *READ_UNIT_COLUMNS, NOTES_ID]
    names = {header_key(i): i for i in ids}
    table = _table(path, where, sheet, rows, id_row - 1, names)
    dropped = [c for c in table.frame.columns if c == "category" or str(c).startswith(PREVIOUS_PREFIX) or c in ("year", "source")]
    frame = table.frame.drop(columns=dropped)
    frame["year"] = str(year)
    frame["source"] = department_name(framework, department, "zh")
    header = rows[id_row - 1]
    human = rows[id_row - 1 - (ID_ROW - NAME_ROW)] if id_row > ID_ROW - NAME_ROW else []
    labels = {"year": "", "source": ""}
    for j, text in enumerate(header):
        name = names.get(header_key(text), text) if text else ""
        if name in frame.columns and name not in labels:
            shown = human[j] if j < len(human) and human[j] else dict(UNIT_COLUMNS["zh"]).get(name, name)
            labels[name] = f"{column_letter(j)} {shown}"
    for c in frame.columns:
        labels.setdefault(c, table.labels.get(c, c))
    return Table(frame, path, where, sheet, id_row, labels, table.problems)
