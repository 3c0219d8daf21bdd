"""The data audit: implausible values in what departments submit, found before scoring.

Intake (:mod:`zhenxing.data`) refuses *impossible* values (outside an
indicator's valid range); the audit flags *implausible* ones, for the analyst
to send back to the departments:

* ``scale`` — a value about ×10, ×100, ×1,000 or ×10,000 off against last year or
  the category median, named by the likely confusion (万元 for 元, a share for a
  percentage ...): :mod:`.scale`;
* ``change`` — a change against the previous year in the data far beyond the
  indicator's usual change across the province (robust z of the log ratios or
  differences): :mod:`.change`;
* ``copied`` — a unit whose values equal last year's on most indicators: :mod:`.copied`;
* ``outlier`` — a robust outlier within the category and year (Iglewicz–Hoaglin
  modified z): :mod:`.outliers`;
* ``coverage`` — an indicator or unit with fewer than 65 % of its values
  present (the JRC rule), and missing values by department: :mod:`.coverage`.

Every threshold is a field of :class:`AuditOptions` (documented there).
:func:`audit_dataset` returns an :class:`AuditResult` (``flags`` table,
coverage tables, ``summary(lang)``); :func:`write_audit_workbook` /
:func:`audit_files` write the Excel workbook and the CSV tables.
"""

from __future__ import annotations

from .options import AuditOptions
from .result import AuditResult
from .run import audit_dataset
from .workbook import audit_files, workbook_writer, write_audit_workbook

__all__ = ["AuditOptions", "AuditResult", "audit_dataset", "audit_files", "workbook_writer", "write_audit_workbook"]
