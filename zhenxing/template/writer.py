"""Writing the submission templates: one Excel workbook per department (or one for all), ready to send out.

Each data sheet (layout in :mod:`zhenxing.template.layout`) lists the units
assessed in the template's year (``joined <= year``), pre-filled and locked,
with one value column per input of the department. Every value cell carries
Excel data validation: a decimal within the indicator's valid range
(``between`` lo and hi, or ``greaterThanOrEqual`` / ``lessThanOrEqual`` for
an open range), or a whole number >= 0 for bonus, deduction and veto counts,
with an error message in the template's language. Beside each value column
the previous year's value (grey, locked) when the data have that year. The
sheet is protected without a password: only value and notes cells are
editable (columns and rows may still be resized). A 说明 sheet gives the
instructions and the list of inputs; a hidden sheet records the metadata the
reader needs.

File names: ``<year>_<department>_填报模板.xlsx`` with the department's
Chinese name (``lang="zh"``), ``<year>_<department id>_template.xlsx`` in
English; all departments in one workbook: ``<year>_全部部门_填报模板.xlsx`` /
``<year>_all_departments_template.xlsx``, one data sheet per department.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .. import __version__
from ..data.dataset import Dataset
from ..errors import InputError, Problem
from ..framework import Framework
from ..io import Writer, write_files
from .layout import (
    FIRST_DATA_ROW,
    ID_ROW,
    META_SHEET,
    NAME_ROW,
    NOTE_ROW,
    NOTES_ID,
    PREVIOUS_PREFIX,
    RANGE_ROW,
    TITLE_ROW,
    UNIT_COLUMNS,
    UNIT_ROW,
    DataSheet,
    TemplateMeta,
    ValidRange,
    check_departments,
    department_inputs,
    department_name,
    department_of,
    input_name,
    input_source,
    input_unit,
    meta_rows,
    number_text,
    range_text,
    text,
    valid_range,
)

#: Column widths (Excel character units; a Chinese character counts about two).
WIDTHS = {"code": 10, "name_zh": 14, "name_en": 22, "city": 10, "city_en": 12, "category": 12, "value": 16, "previous": 12, NOTES_ID: 30}
GREY_FILL, GREY_FONT, HEADER_FILL, ID_FONT = "D9D9D9", "595959", "DDEBF7", "808080"
#: Excel limits the lengths of a data validation's texts.
ERROR_MAX, PROMPT_MAX, SHEET_NAME_MAX = 225, 255, 31


def write_templates(
    framework: Framework,
    data: Dataset | pd.DataFrame,
    year: int,
    out_dir: str | Path,
    department: str | Sequence[str] | None = None,
    one_workbook: bool = False,
    lang: str = "zh",
) -> list[Path]:
    """Write the templates for collecting ``year``'s values into ``out_dir`` (atomically); return the paths.

    ``data`` is a :class:`Dataset` (its register, and its ``year - 1``
    values shown as last year's) or a register table (no previous values).
    ``department``: one id or several (default: every department reporting an
    input). ``one_workbook``: a single workbook with one data sheet per
    department. Raises :class:`InputError` for a year outside the
    framework's years, a year without assessed units, or an unknown department.
    """
    register = data.register if isinstance(data, Dataset) else data
    first, last = framework.years.first, framework.years.last
    if not first <= int(year) <= last:
        raise InputError([Problem("--year", f"{year} is outside the framework's assessment years {first}-{last}")], "invalid year")
    wanted = [department] if isinstance(department, str) else (list(department) if department is not None else None)
    depts = check_departments(framework, wanted)
    units = register[register["joined"] <= int(year)].reset_index(drop=True)
    if units.empty:
        raise InputError([Problem("--year", f"no unit of the register is assessed in {year} (every unit joins later)")], "invalid year")
    prev_year = int(year) - 1
    previous = _previous_values(data, prev_year) if isinstance(data, Dataset) and prev_year in data.years else None
    out = Path(out_dir)
    jobs: list[tuple[Path, Writer]] = []
    groups = [depts] if one_workbook else [[d] for d in depts]
    for group in groups:
        if one_workbook:
            name = text(lang, "all")
        else:
            d = department_of(framework, group[0])
            name = d.id if lang == "en" else d.name_zh
        path = out / text(lang, "file", year=year, dept=name)
        jobs.append((path, _workbook_writer(framework, units, int(year), previous, group, lang, one_workbook)))
    return write_files(jobs)


def _previous_values(ds: Dataset, year: int) -> dict[tuple[str, str], float]:
    """``(code, input) -> value`` of ``year`` (missing values left out)."""
    sub = ds.values[(ds.values["year"] == year) & ds.values["value"].notna()]
    return {(c, i): float(v) for c, i, v in zip(sub["code"], sub["indicator"], sub["value"])}


def _sheet_name(fw: Framework, dept: str, lang: str, taken: set[str]) -> str:
    """A department's sheet name in a workbook of all departments: its name (zh) or id (en), unique, <= 31 characters."""
    d = department_of(fw, dept)
    name = (d.id if lang == "en" else d.name_zh)[:SHEET_NAME_MAX]
    for bad in "[]:*?/\\":
        name = name.replace(bad, "_")
    if name in taken:
        name = f"{name[:SHEET_NAME_MAX - len(d.id) - 1]}_{d.id}"
    taken.add(name)
    return name


def _workbook_writer(fw: Framework, units: pd.DataFrame, year: int, previous: dict | None, depts: list[str], lang: str,
                     one_workbook: bool) -> Writer:
    def write(path: Path) -> None:
        build_workbook(fw, units, year, previous, depts, lang, one_workbook).save(path)

    return write


def build_workbook(fw: Framework, units: pd.DataFrame, year: int, previous: dict | None, depts: list[str], lang: str = "zh",
                   one_workbook: bool = False):
    """The openpyxl workbook of the templates of ``depts`` (data sheet(s), instructions, hidden metadata)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    prev_year = year - 1 if previous is not None else None
    taken: set[str] = set()
    sheets = []
    for dept in depts:
        name = _sheet_name(fw, dept, lang, taken) if one_workbook else text(lang, "sheet_data")
        _data_sheet(wb.create_sheet(name), fw, units, year, previous, dept, lang)
        sheets.append(DataSheet(name, dept))
    title = text(lang, "all") if one_workbook else department_name(fw, depts[0], lang)
    _help_sheet(wb.create_sheet(text(lang, "sheet_help")), fw, year, prev_year, depts, title, lang)
    meta = wb.create_sheet(META_SHEET)
    for row in meta_rows(TemplateMeta(fw.framework.name_zh, fw.framework.version, year, prev_year, lang, sheets,
                                      made_by=f"zhenxing {__version__}")):
        meta.append(row)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    return wb


def _validation(fw: Framework, input_id: str, r: ValidRange, lang: str):
    """The Excel data validation of an input's value cells (blank allowed: a missing value)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    name, unit = input_name(fw, input_id, lang), input_unit(fw, input_id, lang)
    if r.whole:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        error = text(lang, "error_whole", name=name)
    elif math.isfinite(r.lo) and math.isfinite(r.hi):
        dv = DataValidation(type="decimal", operator="between", formula1=number_text(r.lo), formula2=number_text(r.hi))
        error = text(lang, "error_range", name=name, range=range_text(r, lang), unit=unit)
    elif math.isfinite(r.lo):
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=number_text(r.lo))
        error = text(lang, "error_at_least", name=name, lo=number_text(r.lo), unit=unit)
    elif math.isfinite(r.hi):
        dv = DataValidation(type="decimal", operator="lessThanOrEqual", formula1=number_text(r.hi))
        error = text(lang, "error_at_most", name=name, hi=number_text(r.hi), unit=unit)
    else:  # any number: still a number
        dv = DataValidation(type="decimal", operator="between", formula1="-1E+307", formula2="1E+307")
        error = text(lang, "error_number", name=name, unit=unit)
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    dv.errorTitle = text(lang, "error_title")
    dv.error = error[:ERROR_MAX]
    dv.showInputMessage = True
    dv.promptTitle = text(lang, "prompt_title")
    dv.prompt = f"{name}（{unit}）：{range_text(r, lang)}"[:PROMPT_MAX] if lang != "en" else f"{name} ({unit}): {range_text(r, lang)}"[:PROMPT_MAX]
    return dv


def _data_sheet(ws, fw: Framework, units: pd.DataFrame, year: int, previous: dict | None, dept: str, lang: str) -> None:
    """Fill one data sheet: headers, pre-filled units, value and previous-year columns, validation, protection."""
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    inputs = department_inputs(fw)[dept]
    prev_year = year - 1
    # columns: (machine id, human name, unit, range, kind)
    unit_columns = UNIT_COLUMNS["en" if lang == "en" else "zh"]
    columns: list[tuple[str, str, str, str, str]] = [(cid, header, "", "", cid) for cid, header in unit_columns]
    for i in inputs:
        r = valid_range(fw, i)
        columns.append((i, input_name(fw, i, lang), input_unit(fw, i, lang), range_text(r, lang), "value"))
        if previous is not None:
            columns.append((PREVIOUS_PREFIX + i, text(lang, "previous", prev=prev_year), input_unit(fw, i, lang), "", "previous"))
    columns.append((NOTES_ID, text(lang, "notes"), "", "", NOTES_ID))
    n_cols = len(columns)
    last_col = get_column_letter(n_cols)
    last_row = FIRST_DATA_ROW + len(units) - 1

    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    grey = PatternFill("solid", fgColor=GREY_FILL)
    head_fill = PatternFill("solid", fgColor=HEADER_FILL)
    open_cell = Protection(locked=False)

    ws.cell(TITLE_ROW, 1, text(lang, "title", year=year, dept=department_name(fw, dept, lang))).font = Font(bold=True, size=14)
    ws.merge_cells(f"A{TITLE_ROW}:{last_col}{TITLE_ROW}")
    note = ws.cell(NOTE_ROW, 1, text(lang, "note", year=year, prev=prev_year) if previous is not None else text(lang, "note_first", year=year))
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(f"A{NOTE_ROW}:{last_col}{NOTE_ROW}")
    ws.row_dimensions[NOTE_ROW].height = 48
    ws.row_dimensions[NAME_ROW].height = 48
    for j, (cid, human, unit, rng, kind) in enumerate(columns, start=1):
        for row, value in ((NAME_ROW, human), (UNIT_ROW, unit), (RANGE_ROW, rng)):
            c = ws.cell(row, j, value)
            c.alignment = wrap
            c.fill = grey if kind == "previous" else head_fill
            if row == NAME_ROW:
                c.font = Font(bold=True)
        ws.cell(ID_ROW, j, cid).font = Font(size=8, color=ID_FONT)
        ws.column_dimensions[get_column_letter(j)].width = WIDTHS.get(kind, WIDTHS["value"])
    ws.cell(UNIT_ROW, 1, text(lang, "unit")).fill = head_fill
    ws.cell(RANGE_ROW, 1, text(lang, "range")).fill = head_fill

    categories = {c.id: fw.label(c, lang) for c in fw.categories}
    for k, u in enumerate(units.itertuples(index=False)):
        row = FIRST_DATA_ROW + k
        for j, (cid, _, _, _, kind) in enumerate(columns, start=1):
            c = ws.cell(row, j)
            if kind == "code":
                c.value, c.number_format = str(u.code), "@"
            elif kind in ("name_zh", "name_en", "city", "city_en"):
                c.value = getattr(u, kind) or (u.name_zh if kind == "name_en" else u.city)
            elif kind == "category":
                c.value = categories.get(u.category, u.category)
            elif kind == "previous":
                v = previous.get((str(u.code), cid.removeprefix(PREVIOUS_PREFIX))) if previous is not None else None
                c.value = v
                c.fill, c.font = grey, Font(color=GREY_FONT)
            else:  # value and notes cells: the only ones a department edits
                c.protection = open_cell
    for j, (cid, _, _, _, kind) in enumerate(columns, start=1):
        if kind == "value" and len(units):
            dv = _validation(fw, cid, valid_range(fw, cid), lang)
            letter = get_column_letter(j)
            dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
            ws.add_data_validation(dv)
    first_value = get_column_letter(len(unit_columns) + 1)
    ws.freeze_panes = f"{first_value}{FIRST_DATA_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # resizing stays allowed
    ws.protection.formatRows = False


def _help_sheet(ws, fw: Framework, year: int, prev_year: int | None, depts: list[str], title: str, lang: str) -> None:
    """The instructions and the list of inputs (id, name, unit, valid range, department, source)."""
    from openpyxl.styles import Alignment, Font, PatternFill

    ws.cell(1, 1, text(lang, "help_title", year=year)).font = Font(bold=True, size=14)
    prev = prev_year if prev_year is not None else ("上" if lang != "en" else "previous year's")  # no last year in the data
    lines = text(lang, "help_lines", dept=title, year=year, prev=prev).split("\n")
    for k, line in enumerate(lines, start=3):
        ws.cell(k, 1, line)
    head = len(lines) + 4
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    for j, label in enumerate(text(lang, "help_columns").split("|"), start=1):
        c = ws.cell(head, j, label)
        c.font, c.fill = Font(bold=True), fill
    row = head + 1
    inputs = department_inputs(fw)
    for dept in depts:
        for i in inputs[dept]:
            cells = [i, input_name(fw, i, lang), input_unit(fw, i, lang), range_text(valid_range(fw, i), lang),
                     department_name(fw, dept, lang)]
            if lang == "en":  # the framework's sources are in English: the Chinese list leaves them out
                cells.append(input_source(fw, i))
            for j, value in enumerate(cells, start=1):
                ws.cell(row, j, value).alignment = Alignment(wrap_text=j == 6, vertical="top")
            row += 1
    for letter, width in zip("ABCDEF", (22, 30, 12, 14, 22, 70)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{head + 1}"
