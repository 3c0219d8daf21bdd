"""The data-audit report (``notebooks/data_audit.ipynb``): what the departments sent, and what to check.

The builders turn an :class:`~zhenxing.audit.AuditResult` into reader's tables:
the rules with their thresholds and counts, the flags of the year (likely
errors first), coverage and missing values by department. They compute no
statistic of their own. The framework's statistical checks and the coupling
coordination are drawn by :mod:`.coherence_figures`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..audit.flags import CHECKS, check_name, with_unit
from ..framework import Framework
from ..labels import column_label
from .tables import Column, format_number, table_html

#: the longest flag list a report shows; the workbook has them all
MAX_FLAGS_SHOWN = 60


def _rule_text(check: str, options: Any, lang: str) -> str:
    """The rule of one check with its threshold, in words (see :class:`zhenxing.audit.AuditOptions`)."""
    o = options
    if lang == "en":
        return {
            "scale": f"about ×10, ×100, ×1,000 or ×10,000 off last year (±{100 * o.scale_tolerance:.0f} %) or the category median "
                     f"(within a factor {format_number(o.scale_category_factor)}); a percentage ≤ {format_number(o.share_max)} "
                     f"where the category median is above {format_number(o.share_median_min)}",
            "change": f"change against last year more than {format_number(o.change_z)} robust standard deviations "
                      f"(median and MAD of the province's changes) from the usual change; flagged in the year whose value "
                      f"lies farther from its category",
            "copied": f"at least {100 * o.copied_share:.0f} % of the unit's indicators equal to last year's "
                      f"(indicators that at most {100 * o.copied_indicator_max_share:.0f} % of units repeat), or an indicator "
                      f"equal to last year's for at least {100 * o.copied_share:.0f} % of the units (a sheet sent again)",
            "outlier": f"modified z (Iglewicz–Hoaglin) above {format_number(o.outlier_z)} within the category and year, "
                       f"unless its change from or to a neighbouring year is ordinary (robust z at most "
                       f"{format_number(o.outlier_persistent_z)}: the unit's own level)",
            "coverage": f"fewer than {100 * o.coverage_min:.0f} % of the values present (JRC rule), per indicator and per unit",
        }[check]
    return {
        "scale": f"与上年相比约差 10、100、1,000 或 10,000 倍（±{100 * o.scale_tolerance:.0f}%），或与同类别中位数相比约差这些倍数"
                 f"（{format_number(o.scale_category_factor)} 倍以内）；百分比指标填报值不超过 {format_number(o.share_max)}"
                 f"而同类别中位数高于 {format_number(o.share_median_min)}",
        "change": f"较上年变化偏离全省该指标通常变化超过 {format_number(o.change_z)} 个稳健标准差（变化量的中位数与 MAD）；"
                  f"标记在与同类别差距更大的那一年",
        "copied": f"单位至少 {100 * o.copied_share:.0f}% 的指标与上年完全相同（仅比较全省至多 "
                  f"{100 * o.copied_indicator_max_share:.0f}% 单位与上年相同的指标）；或某指标至少 "
                  f"{100 * o.copied_share:.0f}% 的单位与上年完全相同（疑似整表重报上年数据）",
        "outlier": f"同类别、同年份内修正 z 值（Iglewicz–Hoaglin）超过 {format_number(o.outlier_z)}；"
                   f"与相邻年份相比变化正常（稳健 z 不超过 {format_number(o.outlier_persistent_z)}）的视为该单位自身水平，不标记",
        "coverage": f"指标（按单位）或单位（按指标）的数据覆盖率低于 {100 * o.coverage_min:.0f}%（JRC 规则）",
    }[check]


def audit_rules_html(audit: Any, year: int, lang: str = "zh") -> str:
    """One row per check: its name, rule with threshold, flags in ``year`` and in every audited year."""
    en = lang == "en"
    counts_year = audit.flags[audit.flags["year"] == year]["check"].value_counts()
    counts_all = audit.flags["check"].value_counts()
    rows = [{"check": check_name(c, lang), "rule": _rule_text(c, audit.options, lang),
             "n_year": int(counts_year.get(c, 0)), "n_all": int(counts_all.get(c, 0))} for c in CHECKS]
    years = audit.years
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    columns = [
        Column("check", "Check" if en else "核查项目"), Column("rule", "Rule and threshold" if en else "规则与阈值"),
        Column("n_year", f"In {year}" if en else "本年标记", "int"),
        Column("n_all", f"In {span}" if en else "各年合计", "int"),
    ]
    caption = "The checks and the flags they raised" if en else "核查规则与结果"
    note = (f"{audit.n_values:,} values audited over {span}." if en else f"本年为 {year} 年；共核查 {span} 年 {audit.n_values:,} 个数值。")
    return table_html(rows, columns, caption, lang, note=note)


def _ordered(flags: pd.DataFrame, city: str | None) -> pd.DataFrame:
    """Likely errors first, then the home city's units, the later year first, then by check and unit."""
    order = {c: k for k, c in enumerate(CHECKS)}
    return (flags.assign(_s=(flags["severity"] != "error").astype(int), _h=(flags["city"] != (city or "")).astype(int),
                         _y=-flags["year"], _c=flags["check"].map(order))
            .sort_values(["_s", "_h", "_y", "_c", "code", "indicator"], kind="stable").drop(columns=["_s", "_h", "_y", "_c"]))


def audit_flags_html(audit: Any, year: int, fw: Framework, lang: str = "zh", city: str | None = None) -> str:
    """The flags about single values, units or columns (coverage is shown apart) of ``year`` and of the year
    before (the reports compare with it), likely errors first, then the home city's: unit (city), year,
    indicator, department, check, value, reason; at most :data:`MAX_FLAGS_SHOWN` rows."""
    en = lang == "en"
    years = [y for y in audit.years if y <= year][-2:]
    flags = audit.flags[audit.flags["year"].isin(years) & (audit.flags["check"] != "coverage")]
    if flags.empty:
        return ""
    shown = _ordered(flags, city).head(MAX_FLAGS_SHOWN)
    whole_unit, whole_column = ("(whole unit)", "every unit") if en else ("（整体）", "全省各单位")
    rows = []
    for r in shown.to_dict("records"):
        ind = fw.indicator_by_id.get(r["indicator"]) if r["indicator"] else None
        if r["code"]:
            unit = (r["name_en"] or r["name_zh"]) if en else r["name_zh"]
            where = (r["city_en"] or r["city"]) if en else r["city"]
            name = f"{unit} ({where})" if en else f"{unit}（{where}）"
        else:
            name = whole_column
        rows.append({
            "name": name, "year": int(r["year"]),
            "indicator": (r["indicator_en"] if en else r["indicator_zh"]) or whole_unit,
            "department": (r["department_en"] if en else r["department_zh"]) or "—",
            "check": check_name(r["check"], lang),
            "value": with_unit(r["value"], ind, lang) if (ind is not None and r["code"]) else "—",
            "reason": r["message_en"] if en else r["message_zh"], "_severity": r["severity"], "_home": r["city"] == city,
        })
    columns = [
        Column("name", column_label("name", fw, lang)), Column("year", "Year" if en else "年份"),
        Column("indicator", column_label("indicator", fw, lang)), Column("department", "Department" if en else "报送部门"),
        Column("check", "Check" if en else "核查项目"), Column("value", column_label("value", fw, lang)),
        Column("reason", "Reason" if en else "核查说明"),
    ]
    span = " and ".join(map(str, years)) if en else "、".join(map(str, years))
    caption = f"Values to check with the departments, {span}" if en else f"{span} 年需向报送部门核实的数据"
    more = len(flags) - len(shown)
    note = ("Likely errors (unit-scale slips, copied figures) first, then this city's units. "
            if en else "疑似错误（单位量级、照抄上年）在前，其次为本市单位。")
    if more > 0:
        note += (f"{more} more flags are listed in the audit workbook (data_audit.xlsx, linked from the index page)." if en
                 else f"另有 {more} 条标记见核查工作簿（data_audit.xlsx，见报告索引页）。")

    def row_class(r: dict) -> str:
        return " ".join(c for c in ("zx-flagged" if r["_severity"] == "error" else "zx-close", "zx-home" if r["_home"] else "") if c)

    # Chinese names and check names are short: kept on one line; English ones wrap, or the reason gets no room
    keep = ("year",) if en else ("name", "year", "check")
    return table_html(rows, columns, caption, lang, note=note, row_class=row_class, wide=True,
                      cell_class=lambda r, c: "zx-nowrap" if c.key in keep else "")


def coverage_html(audit: Any, year: int, fw: Framework, lang: str = "zh") -> str:
    """Coverage of ``year``: the indicators and units below the threshold, and missing values by department."""
    en = lang == "en"
    low = audit.flags[(audit.flags["year"] == year) & (audit.flags["check"] == "coverage")]
    threshold = f"{100 * audit.options.coverage_min:.0f}%"
    parts = []
    if low.empty:
        parts.append(f"<p>{'Every indicator and unit has at least ' + threshold + ' of its values.' if en else '所有指标和单位的数据覆盖率均不低于 ' + threshold + '。'}</p>")
    else:
        rows = [{"what": ((r["indicator_en"] if en else r["indicator_zh"]) or ((r["name_en"] or r["name_zh"]) if en else r["name_zh"])),
                 "reason": r["message_en"] if en else r["message_zh"]} for r in low.to_dict("records")]
        parts.append(table_html(rows, [Column("what", "Indicator or unit" if en else "指标或单位"), Column("reason", "Coverage" if en else "覆盖情况")],
                                f"Coverage below {threshold}, {year}" if en else f"{year} 年覆盖率低于 {threshold}", lang))
    dep = audit.missing_by_department
    dep = dep[dep["year"] == year] if "year" in dep else dep
    if len(dep) and dep["n_missing"].sum() > 0:
        dep = dep[dep["n_missing"] > 0].sort_values(["n_missing", "department"], ascending=[False, True], kind="stable")
        names = {i.id: (i.name_en if en else i.name_zh) for i in fw.indicators}
        rows = [{"department": (r["department_en"] if en else r["department_zh"]) or r["department"] or "—",
                 "source": r["source"] or "—", "missing": int(r["n_missing"]), "expected": int(r["n_expected"]),
                 "share": float(r["share_missing"]),
                 "indicators": ("; " if en else "、").join(names.get(i.strip(), i.strip()) for i in str(r["indicators"]).split(",") if i.strip())}
                for r in dep.to_dict("records")]
        cols = [Column("department", "Department" if en else "报送部门")]
        if any(r["source"] != "—" for r in rows):
            cols.append(Column("source", "Source in the file" if en else "数据来源"))
        cols += [Column("missing", "Missing values" if en else "缺失值", "int"), Column("expected", "Values expected" if en else "应报数值", "int"),
                 Column("share", "Share missing" if en else "缺失比例", "share"), Column("indicators", "Indicators" if en else "涉及指标")]
        parts.append(table_html(rows, cols, f"Missing values by department, {year}" if en else f"{year} 年各报送部门缺失值", lang, wide=True))
    else:
        parts.append(f"<p>{'No value is missing in ' + str(year) + '.' if en else str(year) + ' 年没有缺失值。'}</p>")
    return "\n".join(parts)
