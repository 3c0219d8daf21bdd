"""Department submission templates (填报模板): write one Excel workbook per department, read the filled ones back.

* :mod:`.layout`: the workbook layout as data (header rows, machine ids, valid ranges, metadata sheet).
* :mod:`.writer`: :func:`write_templates` (pre-filled units, data validation, last year's values, protection).
* :mod:`.reader`: :func:`is_template`, :func:`read_template` (used by :func:`zhenxing.data.load_dataset`).
"""

from __future__ import annotations

from .layout import UNASSIGNED, department_inputs
from .reader import is_template, read_template
from .writer import write_templates

__all__ = ["UNASSIGNED", "department_inputs", "is_template", "read_template", "write_templates"]
