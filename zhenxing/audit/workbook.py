"""The audit's outputs: an Excel workbook for the departments and CSV tables.

The workbook (openpyxl) has a summary sheet (说明: counts per check, every
threshold, the colours), one sheet per check (one row per flag), the coverage
and missing-by-department tables, and one sheet of values per year (units ×
indicators) with every suspicious cell filled — red for a likely error (scale
slip, copied forward), amber for a value to check — and an Excel comment giving
the reason. Headers are Chinese by default, English with ``lang="en"``; the
header row is frozen and columns are sized to their contents.

The CSV tables keep machine column names (snake_case, both languages'
messages), like the other tables in ``data/processed/``.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..display import display_width
from ..io import Writer, csv_writer, write_files
from .flags import CHECKS, check_name
from .options import AuditOptions
from .result import AuditResult

#: cell fills: a likely error (red) and a value to check (amber)
FILLS = {"error": "FFC7CE", "warning": "FFEB9C"}
HEADER_FILL = "DDEBF7"
SHEETS = {
    "summary": ("说明", "Summary"),
    "scale": ("单位量级", "Scale slips"),
    "change": ("变化异常", "Changes"),
    "copied": ("照抄上年", "Copied forward"),
    "outlier": ("类内离群", "Outliers"),
    "coverage": ("覆盖率不足", "Low coverage"),
    "coverage_indicators": ("覆盖率-指标", "Coverage by indicator"),
    "coverage_units": ("覆盖率-单位", "Coverage by unit"),
    "missing": ("缺失-部门", "Missing by department"),
    "values": ("数值", "Values "),
}
HEADERS = {
    "year": ("年份", "Year"), "code": ("代码", "Code"), "name": ("单位", "Unit"), "city": ("所属市", "City"),
    "category": ("类别", "Category"), "indicator": ("指标", "Indicator"), "department": ("报送部门", "Department"),
    "kind": ("类型", "Kind"), "severity": ("程度", "Severity"), "value": ("数值", "Value"), "reference": ("参照值", "Reference"),
    "reference_year": ("参照年份", "Reference year"), "statistic": ("统计量", "Statistic"), "threshold": ("阈值", "Threshold"),
    "message": ("说明", "Reason"), "n_expected": ("应有数", "Expected"), "n_present": ("实有数", "Present"),
    "coverage": ("覆盖率", "Coverage"), "source": ("数据来源", "Source"), "n_missing": ("缺失数", "Missing"),
    "share_missing": ("缺失比例", "Share missing"), "indicators": ("缺失指标", "Indicators missing"),
}
SEVERITY_NAMES = {"error": ("疑似错误", "likely error"), "warning": ("需核实", "to check")}
#: what each threshold means, for the summary sheet (field -> (zh, en))
OPTION_TEXT = {
    "change_z": ("较上年变化的稳健 z 阈值", "robust z of the change against last year"),
    "change_min_units": ("计算变化分布所需的最少单位数", "fewest units with both years for the change statistics"),
    "scale_tolerance": ("与上年相比量级错误的容差（10^k 的 ±比例）", "tolerance around 10^k against last year"),
    "scale_category_factor": ("与类别中位数相比量级错误的倍数范围", "factor around 10^k against the category median"),
    "share_max": ("百分数疑为比例的上限值", "largest percentage read as a share"),
    "share_median_min": ("判断比例时类别中位数下限", "category median above which a small percentage is a share"),
    "copied_share": ("与上年完全相同的指标占比阈值", "share of indicators identical to last year"),
    "copied_indicator_max_share": ("可比指标：全省重复上年值的单位占比上限", "comparable indicator: most units repeating"),
    "copied_min_indicators": ("判断照抄所需的最少可比指标数", "fewest comparable indicators"),
    "outlier_z": ("类别内修正 z 阈值（Iglewicz–Hoaglin）", "modified z within the category (Iglewicz–Hoaglin)"),
    "outlier_min_units": ("类别内检查所需的最少单位数", "fewest units in a category"),
    "outlier_persistent_z": ("离群值与相邻年份相比变化正常（稳健 z 不超过此值）时视为该单位自身水平，不标记",
                             "an outlier whose change from or to a neighbouring year is ordinary (robust z at most this) is the unit's own level: not flagged"),
    "coverage_min": ("数据覆盖率下限（JRC 规则）", "least coverage (JRC rule)"),
}
OPTION_FLAGS = {f: "--" + f.replace("_", "-") for f in OPTION_TEXT}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _name(row: pd.Series, zh: str, en: str, lang: str) -> str:
    return str(row[en] or row[zh]) if lang == "en" else str(row[zh])


def _header(ws: Worksheet, headers: list[str]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "A2"


def _widths(ws: Worksheet, most: int = 60) -> None:
    """Each column as wide as its widest cell (CJK counted double), at most ``most`` characters."""
    for k, col in enumerate(ws.iter_cols(values_only=True), start=1):
        width = max((display_width(str(v)) for v in col if v is not None), default=6)
        ws.column_dimensions[get_column_letter(k)].width = min(most, max(6, width + 2))


def _cell(v):
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def _flag_sheet(ws: Worksheet, flags: pd.DataFrame, result: AuditResult, lang: str) -> None:
    fw = result.framework
    cats = {c.id: fw.label(c, lang) for c in fw.categories}
    keys = ["year", "code", "name", "city", "category", "indicator", "department", "severity", "value", "reference",
            "reference_year", "statistic", "threshold", "message"]
    _header(ws, [_pick(HEADERS[k], lang) for k in keys])
    for _, r in flags.iterrows():
        ws.append([_cell(v) for v in (
            r["year"], r["code"], _name(r, "name_zh", "name_en", lang), _name(r, "city", "city_en", lang), cats.get(r["category"], ""),
            _name(r, "indicator_zh", "indicator_en", lang), _name(r, "department_zh", "department_en", lang),
            _pick(SEVERITY_NAMES[r["severity"]], lang), r["value"], r["reference"], r["reference_year"], r["statistic"],
            r["threshold"], r["message_en" if lang == "en" else "message_zh"])])
        ws.cell(ws.max_row, 8).fill = PatternFill("solid", fgColor=FILLS[r["severity"]])
    _widths(ws)
    ws.column_dimensions[get_column_letter(len(keys))].width = 90


def _table_sheet(ws: Worksheet, df: pd.DataFrame, keys: list[tuple[str, str | tuple[str, str]]], lang: str,
                 below: pd.Series | None = None) -> None:
    """A plain table: ``keys`` pairs a header key with a column (or a (zh, en) pair of columns)."""
    _header(ws, [_pick(HEADERS[h], lang) for h, _ in keys])
    for k, (_, r) in enumerate(df.iterrows()):
        ws.append([_cell(r[c[1] if lang == "en" else c[0]] if isinstance(c, tuple) else r[c]) for _, c in keys])
        if below is not None and bool(below.iloc[k]):
            for cell in ws[ws.max_row]:
                cell.fill = PatternFill("solid", fgColor=FILLS["warning"])
    for h, c in keys:
        if h in ("coverage", "share_missing"):
            col = get_column_letter([k for k, _ in keys].index(h) + 1)
            for cell in ws[col][1:]:
                cell.number_format = "0.0%"
    _widths(ws)


def _summary_sheet(ws: Worksheet, result: AuditResult, lang: str) -> None:
    en = lang == "en"
    ws.append([result.framework.framework.name_en + " — data audit" if en else result.framework.framework.name_zh + " — 数据核查"])
    ws["A1"].font = Font(bold=True, size=13)
    for line in result.summary(lang, top=0).splitlines():
        ws.append([line.strip()])
    ws.append([])
    ws.append(["check" if en else "检查", "flags" if en else "标记数"])
    for c, n in result.counts().items():
        ws.append([check_name(c, lang), n])
    ws.append([])
    ws.append(["colour" if en else "颜色", "meaning" if en else "含义"])
    for sev, colour in FILLS.items():
        ws.append(["", _pick(SEVERITY_NAMES[sev], lang)])
        ws.cell(ws.max_row, 1).fill = PatternFill("solid", fgColor=colour)
    ws.append([])
    ws.append(["threshold" if en else "阈值", "value" if en else "取值", "option" if en else "命令行参数", "meaning" if en else "含义"])
    for f in fields(AuditOptions):
        ws.append([f.name, getattr(result.options, f.name), OPTION_FLAGS[f.name], _pick(OPTION_TEXT[f.name], lang)])
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 60


def _values_sheet(ws: Worksheet, result: AuditResult, year: int, lang: str) -> list[tuple[str, str]]:
    """Units × indicators of ``year`` with the flagged cells filled and commented; returns the cells marked."""
    fw = result.framework
    panel = result.panel
    t = panel.years.index(year)
    cats = {c.id: fw.label(c, lang) for c in fw.categories}
    heads = [_pick(HEADERS[k], lang) for k in ("code", "name", "city", "category")]
    heads += [f"{fw.label(ind, lang)}（{ind.unit_label(lang)}）" if lang != "en" else f"{fw.label(ind, lang)} ({ind.unit_label(lang)})"
              for ind in fw.indicators]
    _header(ws, heads)
    ws.freeze_panes = "E2"
    cells = result.cells[result.cells["year"] == year]
    marks: dict[tuple[str, str], list[pd.Series]] = {}
    for _, c in cells.iterrows():
        marks.setdefault((c["code"], c["indicator"]), []).append(c)
    col_of = {ind.id: 5 + j for j, ind in enumerate(fw.indicators)}
    reg = panel.register
    for i in np.flatnonzero(panel.assessed[t]):
        u = reg.iloc[i]
        ws.append([u["code"], _name(u, "name_zh", "name_en", lang), _name(u, "city", "city_en", lang), cats.get(u["category"], "")]
                  + [_cell(v) for v in panel.values[t, i]])
        for ind_id, col in col_of.items():
            got = marks.get((u["code"], ind_id))
            if not got:
                continue
            cell = ws.cell(ws.max_row, col)
            severity = "error" if any(g["severity"] == "error" for g in got) else "warning"
            cell.fill = PatternFill("solid", fgColor=FILLS[severity])
            reasons = "\n".join(str(g["message_en" if lang == "en" else "message_zh"]) for g in got)
            comment = Comment(reasons, "zhenxing audit")
            comment.width, comment.height = 360, 120
            cell.comment = comment
    for k in range(1, 5):
        ws.column_dimensions[get_column_letter(k)].width = 12 if k != 2 else 14
    for k in range(5, 5 + len(fw.indicators)):
        ws.column_dimensions[get_column_letter(k)].width = 14
    ws.row_dimensions[1].height = 60
    return list(marks)


def build_workbook(result: AuditResult, lang: str = "zh") -> Workbook:
    """The audit workbook (see the module docstring) as an openpyxl :class:`Workbook`."""
    wb = Workbook()
    ws = wb.active
    ws.title = _pick(SHEETS["summary"], lang)
    _summary_sheet(ws, result, lang)
    for check in CHECKS:
        _flag_sheet(wb.create_sheet(_pick(SHEETS[check], lang)), result.flags[result.flags["check"] == check], result, lang)
    cov_i = result.coverage_indicators
    _table_sheet(wb.create_sheet(_pick(SHEETS["coverage_indicators"], lang)), cov_i,
                 [("year", "year"), ("indicator", ("indicator_zh", "indicator_en")), ("n_expected", "n_expected"),
                  ("n_present", "n_present"), ("coverage", "coverage")], lang, cov_i["coverage"] < result.options.coverage_min)
    cov_u = result.coverage_units
    _table_sheet(wb.create_sheet(_pick(SHEETS["coverage_units"], lang)), cov_u,
                 [("year", "year"), ("code", "code"), ("name", ("name_zh", "name_en")), ("city", ("city", "city_en")),
                  ("n_expected", "n_expected"), ("n_present", "n_present"), ("coverage", "coverage")], lang,
                 cov_u["coverage"] < result.options.coverage_min)
    _table_sheet(wb.create_sheet(_pick(SHEETS["missing"], lang)), result.missing_by_department,
                 [("year", "year"), ("department", ("department_zh", "department_en")), ("source", "source"),
                  ("n_expected", "n_expected"), ("n_missing", "n_missing"), ("share_missing", "share_missing"),
                  ("indicators", "indicators")], lang)
    for year in result.years:
        _values_sheet(wb.create_sheet(f"{_pick(SHEETS['values'], lang)}{year}"), result, year, lang)
    return wb


def workbook_writer(result: AuditResult, lang: str = "zh") -> Writer:
    """A writer for :func:`zhenxing.io.write_files` that saves the audit workbook."""
    wb = build_workbook(result, lang)  # built before any file is opened

    def write(path: Path) -> None:
        wb.save(path)

    return write


def write_audit_workbook(result: AuditResult, path: str | Path, lang: str = "zh") -> Path:
    """Write the audit workbook to ``path`` atomically; returns the path."""
    return write_files([(Path(path), workbook_writer(result, lang))])[0]


#: CSV tables of :func:`audit_files`: file name -> AuditResult attribute
CSV_FILES = {
    "audit_flags.csv": "flags",
    "audit_coverage_indicators.csv": "coverage_indicators",
    "audit_coverage_units.csv": "coverage_units",
    "audit_missing_by_department.csv": "missing_by_department",
}
WORKBOOK_FILE = "audit.xlsx"


def audit_files(result: AuditResult, out_dir: str | Path, fmt: str = "both", lang: str = "zh") -> list[tuple[Path, Writer]]:
    """Jobs for :func:`zhenxing.io.write_files`: the CSV tables (``fmt`` csv or both) and the workbook (xlsx or both)."""
    out = Path(out_dir)
    jobs: list[tuple[Path, Writer]] = []
    if fmt in ("csv", "both"):
        jobs += [(out / name, csv_writer(getattr(result, attr))) for name, attr in CSV_FILES.items()]
    if fmt in ("xlsx", "both"):
        jobs.append((out / WORKBOOK_FILE, workbook_writer(result, lang)))
    return jobs
