"""The layout of a department's submission template (填报模板), as data shared by the writer and the reader.

A data sheet (one per department) is laid out as::

    row 1   title        2024年乡村振兴实绩考核数据填报表（统计局）
    row 2   note         how to fill it in (white cells only; grey = last year's value)
    row 3   names        单位代码 | 单位名称 | 所属市 | 考核类别 | <indicator name> | 上年值（2023） | ... | 备注
    row 4   units        计量单位 of each value column
    row 5   ranges       valid range of each value column: 0–100, ≥ 0, 整数 ≥ 0
    row 6   ids          code | name_zh | city | category | <input id> | prev:<input id> | ... | notes
    row 7-  one row per unit assessed that year (pre-filled and locked); value and notes cells open

Row 6, the *machine header*, names every column by its id: the reader maps
columns by it, so a template stays readable whatever language its human
header is in. A hidden sheet :data:`META_SHEET` marks the workbook as a
template and records the framework, the year, and for each data sheet its
department, machine-header row and first data row (key/value rows, see
:func:`meta_rows`).

Inputs without a department are collected under the pseudo department
:data:`UNASSIGNED` (未指定部门 / unassigned), so every input is in some template.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import InputError, Problem
from ..framework import Department, Framework

TEMPLATE_FORMAT = "zhenxing-template"
TEMPLATE_VERSION = "1"
#: The hidden sheet that marks a workbook as a template.
META_SHEET = "_zhenxing"
#: The pseudo department of inputs that name none (a leading ``_`` cannot clash with a framework id).
UNASSIGNED = "_unassigned"
UNASSIGNED_NAMES = ("未指定部门", "unassigned")

TITLE_ROW, NOTE_ROW, NAME_ROW, UNIT_ROW, RANGE_ROW, ID_ROW = 1, 2, 3, 4, 5, 6
FIRST_DATA_ROW = 7
#: The pre-filled, locked columns before the value columns, per language: (id, header).
#: An English template names units and cities in English (the register's English name, else the Chinese one).
UNIT_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "zh": (("code", "单位代码"), ("name_zh", "单位名称"), ("city", "所属市"), ("category", "考核类别")),
    "en": (("code", "Unit code"), ("name_en", "Unit"), ("city_en", "City"), ("category", "Category")),
}
NOTES_ID = "notes"
#: Machine id of the column that shows an input's previous-year value (ignored on reading).
PREVIOUS_PREFIX = "prev:"

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "{year}年乡村振兴实绩考核数据填报表（{dept}）",
        "note": ("请只在白色单元格中填写{year}年数值；灰色为{prev}年值，仅供参考。没有数据请留空（按缺失处理），"
                 "不要填写“无”“—”等文字。加分、扣分、否决项填写个数（整数），没有请填 0。第6行为字段代码，请勿修改。"),
        "note_first": ("请只在白色单元格中填写{year}年数值。没有数据请留空（按缺失处理），"
                       "不要填写“无”“—”等文字。加分、扣分、否决项填写个数（整数），没有请填 0。第6行为字段代码，请勿修改。"),
        "previous": "上年值（{prev}）",
        "notes": "备注",
        "notes_hint": "需要说明的情况",
        "unit": "计量单位",
        "range": "有效范围",
        "count": "个",
        "whole": "整数 ≥ 0",
        "any": "任意数值",
        "error_title": "数值无效",
        "error_range": "{name}：请填写 {range} 之间的数值（{unit}）；没有数据请留空。",
        "error_at_least": "{name}：请填写不小于 {lo} 的数值（{unit}）；没有数据请留空。",
        "error_at_most": "{name}：请填写不大于 {hi} 的数值（{unit}）；没有数据请留空。",
        "error_number": "{name}：请填写数值（{unit}）；没有数据请留空。",
        "error_whole": "{name}：请填写不小于 0 的整数（个数）；没有请填 0。",
        "prompt_title": "填报说明",
        "sheet_data": "填报",
        "sheet_help": "说明",
        "help_title": "{year}年乡村振兴实绩考核数据填报说明",
        "help_lines": (
            "1. 本表由振兴工具包生成，供{dept}报送{year}年数据；收回后由市委农办直接读入，请勿改动表格结构、工作表名称和第6行字段代码。\n"
            "2. 单位名单已预先填好并锁定；只能在白色单元格中填写数值和备注。工作表保护没有密码，但请不要取消保护。\n"
            "3. 每个数值单元格设有数据有效性：只能填写有效范围内的数值。没有数据请留空，按缺失处理并在核查中列出。\n"
            "4. 加分、扣分和否决项填写个数（整数），没有请填 0，不可留空。\n"
            "5. 灰色“上年值”列为{prev}年已报数值，仅供核对，不读入。\n"
            "6. 百分比请填写百分数本身（85% 填 85）。"
        ),
        "help_columns": "指标代码|指标名称|计量单位|有效范围|报送部门",
        "file": "{year}_{dept}_填报模板.xlsx",
        "all": "全部部门",
    },
    "en": {
        "title": "Rural revitalisation assessment {year}: data return ({dept})",
        "note": ("Fill in the {year} values in the white cells only; grey cells show the {prev} values, for reference. "
                 "Leave a cell empty when there is no value (it counts as missing); do not type 'N/A' or '—'. "
                 "Bonus, deduction and veto items are counts (whole numbers), 0 if none. Row 6 holds the column ids: do not change it."),
        "note_first": ("Fill in the {year} values in the white cells only. "
                       "Leave a cell empty when there is no value (it counts as missing); do not type 'N/A' or '—'. "
                       "Bonus, deduction and veto items are counts (whole numbers), 0 if none. Row 6 holds the column ids: do not change it."),
        "previous": "Last year ({prev})",
        "notes": "Notes",
        "notes_hint": "anything to explain",
        "unit": "Unit of measure",
        "range": "Valid range",
        "count": "count",
        "whole": "whole number ≥ 0",
        "any": "any number",
        "error_title": "Invalid value",
        "error_range": "{name}: enter a number in {range} ({unit}); leave the cell empty when there is no value.",
        "error_at_least": "{name}: enter a number of at least {lo} ({unit}); leave the cell empty when there is no value.",
        "error_at_most": "{name}: enter a number of at most {hi} ({unit}); leave the cell empty when there is no value.",
        "error_number": "{name}: enter a number ({unit}); leave the cell empty when there is no value.",
        "error_whole": "{name}: enter a whole number >= 0 (a count); 0 if none.",
        "prompt_title": "How to fill in",
        "sheet_data": "Data",
        "sheet_help": "Instructions",
        "help_title": "Rural revitalisation assessment {year}: how to fill in the data return",
        "help_lines": (
            "1. This workbook was made by Zhenxing for the {dept} to return its {year} data; it is read back as it is: "
            "do not change its structure, the sheet names or the column ids in row 6.\n"
            "2. The units are filled in and locked; only the white value and notes cells can be edited. "
            "The sheet protection has no password, but please leave it on.\n"
            "3. Every value cell has data validation: only numbers in the valid range are accepted. Leave a cell empty "
            "when there is no value; it counts as missing and is listed by the checks.\n"
            "4. Bonus, deduction and veto items are counts (whole numbers): 0 if none, never empty.\n"
            "5. The grey 'last year' columns show the {prev} values for reference; they are not read.\n"
            "6. Percentages are entered as the number of per cent (85 % as 85)."
        ),
        "help_columns": "Indicator id|Indicator|Unit of measure|Valid range|Department|Basis of the target",
        "file": "{year}_{dept}_template.xlsx",
        "all": "all_departments",
    },
}


def text(lang: str, key: str, **kw: object) -> str:
    """A template text in ``lang`` (``zh`` or ``en``), formatted with ``kw``."""
    return TEXT["en" if lang == "en" else "zh"][key].format(**kw)


# ---------------------------------------------------------------------------
# departments and their inputs
# ---------------------------------------------------------------------------


def department_inputs(fw: Framework) -> dict[str, list[str]]:
    """Each reporting department's data inputs (indicators, then adjustment inputs, in framework order).

    Departments in framework order, those without inputs left out; inputs
    that name no department under :data:`UNASSIGNED`, last.
    """
    by_dept: dict[str, list[str]] = {d.id: [] for d in fw.departments}
    for input_id, dept in fw.department_of_input.items():
        by_dept.setdefault(dept.id if dept is not None else UNASSIGNED, []).append(input_id)
    order = [d.id for d in fw.departments] + [UNASSIGNED]
    return {d: by_dept[d] for d in order if by_dept.get(d)}


def department_of(fw: Framework, dept_id: str) -> Department:
    """The framework's department ``dept_id`` (the pseudo department for :data:`UNASSIGNED`)."""
    if dept_id == UNASSIGNED:
        return Department(id="unassigned", name_zh=UNASSIGNED_NAMES[0], name_en=UNASSIGNED_NAMES[1])
    for d in fw.departments:
        if d.id == dept_id:
            return d
    raise KeyError(dept_id)


def department_name(fw: Framework, dept_id: str, lang: str = "zh") -> str:
    """A department's name in ``lang``."""
    d = department_of(fw, dept_id)
    return d.name_en if lang == "en" else d.name_zh


def check_departments(fw: Framework, wanted: list[str] | None, where: str = "--department") -> list[str]:
    """The department ids to write templates for (``None``: every department with inputs), in framework order.

    Raises :class:`InputError` naming ``where`` for an unknown id or one
    without inputs, listing the ids that have inputs.
    """
    inputs = department_inputs(fw)
    if wanted is None:
        return list(inputs)
    known = ", ".join(f"{d} ({department_name(fw, d)})" for d in inputs)
    problems = []
    declared = {d.id for d in fw.departments}
    for d in dict.fromkeys(wanted):
        if d not in inputs:
            why = "reports no input in the framework" if d in declared else "unknown department id"
            problems.append(Problem(where, f"{why} '{d}' (expected one of {known})"))
    if problems:
        raise InputError(problems, "unknown department")
    return [d for d in inputs if d in set(wanted)]


# ---------------------------------------------------------------------------
# inputs: names, units and valid ranges
# ---------------------------------------------------------------------------


def _adjustment_rules(fw: Framework) -> dict[str, object]:
    adj = fw.adjustments
    out: dict[str, object] = {}
    for rule in [*adj.bonus.items, *adj.deductions]:
        out.setdefault(rule.id, rule)
    for v in adj.vetoes:
        out.setdefault(v.input, v)
    return out


def input_name(fw: Framework, input_id: str, lang: str = "zh") -> str:
    """The name of an indicator or adjustment input (a veto's input is named by its veto rule)."""
    if input_id in fw.indicator_by_id:
        return fw.label(fw.indicator_by_id[input_id], lang)
    rule = _adjustment_rules(fw)[input_id]
    return rule.name_en if lang == "en" else rule.name_zh  # type: ignore[attr-defined]


def input_unit(fw: Framework, input_id: str, lang: str = "zh") -> str:
    """The unit of measure of an input: the indicator's, or 个 / count for adjustment inputs."""
    if input_id in fw.indicator_by_id:
        return fw.indicator_by_id[input_id].unit_label(lang)
    return text(lang, "count")


def input_source(fw: Framework, input_id: str) -> str:
    """The data source the framework names for an input ("" if none)."""
    if input_id in fw.indicator_by_id:
        return fw.indicator_by_id[input_id].source
    return getattr(_adjustment_rules(fw)[input_id], "source", "")


@dataclass(frozen=True)
class ValidRange:
    """The values an input accepts: ``lo <= v <= hi`` (infinite = open); ``whole``: a count, a whole number >= 0."""

    lo: float
    hi: float
    whole: bool = False


def valid_range(fw: Framework, input_id: str) -> ValidRange:
    """An indicator's ``valid_range``; an adjustment input counts cases or titles: a whole number >= 0."""
    if input_id in fw.indicator_by_id:
        lo, hi = fw.indicator_by_id[input_id].valid_range
        return ValidRange(float(lo), float(hi))
    return ValidRange(0.0, math.inf, whole=True)


def number_text(v: float) -> str:
    """A bound as written in a header or an Excel formula: ``100``, ``-100``, ``0.5`` (shortest exact form)."""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def range_text(r: ValidRange, lang: str = "zh") -> str:
    """``0–100`` (``-100 ~ 500`` below zero), ``≥ 0``, ``≤ 5``, ``整数 ≥ 0`` / ``whole number ≥ 0``, or any number."""
    if r.whole:  # adjustment inputs: counts, whole numbers >= 0
        return text(lang, "whole")
    lo, hi = math.isfinite(r.lo), math.isfinite(r.hi)
    if lo and hi:  # a dash after a minus sign reads badly: -100 ~ 500
        return f"{number_text(r.lo)}{'–' if r.lo >= 0 else ' ~ '}{number_text(r.hi)}"
    if lo:
        return f"≥ {number_text(r.lo)}"
    if hi:
        return f"≤ {number_text(r.hi)}"
    return text(lang, "any")


# ---------------------------------------------------------------------------
# the metadata sheet
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSheet:
    """One data sheet of a template: its name, department id, machine-header row and first data row."""

    name: str
    department: str
    id_row: int = ID_ROW
    first_row: int = FIRST_DATA_ROW


@dataclass(frozen=True)
class TemplateMeta:
    """What the hidden metadata sheet records about a template workbook."""

    framework: str
    framework_version: str
    year: int
    previous_year: int | None
    lang: str
    sheets: list[DataSheet] = field(default_factory=list)
    version: str = TEMPLATE_VERSION
    made_by: str = ""


def meta_rows(meta: TemplateMeta) -> list[list[object]]:
    """The metadata sheet's rows: ``key, value`` pairs, then one ``sheet, name, department, id_row, first_row`` row per data sheet."""
    rows: list[list[object]] = [
        ["format", TEMPLATE_FORMAT],
        ["template_version", meta.version],
        ["framework", meta.framework],
        ["framework_version", meta.framework_version],
        ["year", meta.year],
        ["previous_year", meta.previous_year if meta.previous_year is not None else ""],
        ["lang", meta.lang],
        ["made_by", meta.made_by],
    ]
    rows += [["sheet", s.name, s.department, s.id_row, s.first_row] for s in meta.sheets]
    return rows


def parse_meta(grid: list[list[str]], where: str) -> TemplateMeta:
    """Read :func:`meta_rows` back from the sheet's cell texts; :class:`InputError` naming ``where`` if it is not one."""

    def bad(what: str) -> InputError:
        return InputError([Problem(where, f"{what}: the workbook is not a template made by `zhenxing template` "
                                          "(make a new one, or send the values as a plain values file)")], "unreadable template")

    values: dict[str, str] = {}
    sheets: list[DataSheet] = []
    for row in grid:
        cells = [*row, "", "", "", ""]
        if cells[0] == "sheet":
            try:
                sheets.append(DataSheet(cells[1], cells[2], int(cells[3]), int(cells[4])))
            except ValueError:
                raise bad(f"sheet row {quote_cells(row)} has no row numbers") from None
        elif cells[0]:
            values[cells[0]] = cells[1]
    if values.get("format") != TEMPLATE_FORMAT:
        raise bad(f"sheet '{META_SHEET}' does not say format {TEMPLATE_FORMAT}")
    if values.get("template_version") != TEMPLATE_VERSION:
        raise bad(f"template version {values.get('template_version')!r} is not the version this zhenxing reads ({TEMPLATE_VERSION})")
    try:
        year = int(values.get("year", ""))
        prev = int(values["previous_year"]) if values.get("previous_year") else None
    except ValueError:
        raise bad(f"the year {values.get('year')!r} is not a year") from None
    if not sheets:
        raise bad("no data sheet is listed")
    return TemplateMeta(values.get("framework", ""), values.get("framework_version", ""), year, prev,
                        values.get("lang", "zh"), sheets, values["template_version"], values.get("made_by", ""))


def quote_cells(row: list[str]) -> str:
    return ", ".join(repr(c) for c in row if c)
