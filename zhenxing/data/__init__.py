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

Several values files (a list, or a folder), filled department templates
(:mod:`zhenxing.template`) among them, are combined by :func:`load_dataset`
(see :mod:`zhenxing.data.intake`); :attr:`Dataset.submitted` keeps the origin
of every value and :func:`submission_status` says who has not sent what.

Modules: :mod:`.reading` (files to text tables), :mod:`.cells` (cell text),
:mod:`.register`, :mod:`.values` (one file's checks, completeness),
:mod:`.intake` (loading and combining), :mod:`.dataset`, :mod:`.submissions`.
"""

from __future__ import annotations

from .cells import (
    ROW_INDEX,
    MissingMarkers,
    _Cells,
    _first_row,
    _not_a_number,
    _parse_int,
    _parse_number,
    _sheet_rows,
    _unknown_codes,
    _unusable_cells,
    _value_problem,
)
from .dataset import FILES_COLUMNS, SUBMITTED_COLUMNS, Dataset, YearData
from .intake import VALUE_SUFFIXES, load_dataset, processed_files, values_files, write_processed
from .reading import Table, read_input, read_table
from .register import REGISTER_COLUMNS, REGISTER_EXPECTED, REGISTER_REQUIRED, validate_register
from .submissions import STATUS_COLUMNS, status_lines, submission_status
from .values import DESCRIPTIVE_COLUMNS, LONG_COLUMNS, SPARSE_YEAR_SHARE, VALUES_EXPECTED, VALUES_PREFER, indicator_aliases, validate_values

__all__ = [
    "DESCRIPTIVE_COLUMNS",
    "FILES_COLUMNS",
    "LONG_COLUMNS",
    "REGISTER_COLUMNS",
    "REGISTER_EXPECTED",
    "REGISTER_REQUIRED",
    "ROW_INDEX",
    "SPARSE_YEAR_SHARE",
    "STATUS_COLUMNS",
    "SUBMITTED_COLUMNS",
    "VALUES_EXPECTED",
    "VALUES_PREFER",
    "VALUE_SUFFIXES",
    "Dataset",
    "MissingMarkers",
    "Table",
    "YearData",
    "indicator_aliases",
    "load_dataset",
    "processed_files",
    "read_input",
    "read_table",
    "status_lines",
    "submission_status",
    "validate_register",
    "validate_values",
    "values_files",
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
