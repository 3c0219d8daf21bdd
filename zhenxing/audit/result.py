"""The audit's result: one table of flags, the coverage tables, and a short summary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..framework import Framework
from .flags import CHECKS, Flag, check_name
from .options import AuditOptions
from .panel import Panel

FLAG_COLUMNS = [
    "year", "code", "name_zh", "name_en", "city", "city_en", "category", "indicator", "indicator_zh", "indicator_en",
    "unit_of_measure", "department", "department_zh", "department_en", "check", "kind", "severity", "value", "reference",
    "reference_year", "statistic", "threshold", "message_zh", "message_en",
]
CELL_COLUMNS = ["year", "code", "indicator", "check", "severity", "message_zh", "message_en"]


def flag_table(panel: Panel, flags: list[Flag]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(flags, cells)``: one row per flag with the unit's, indicator's and department's names, and one row
    per highlighted cell (a cell-level flag is its own cell; a copied-forward or low-coverage unit lists its cells)."""
    fw = panel.framework
    reg = panel.register
    rows, cells = [], []
    for f in flags:
        u = reg.iloc[f.unit] if f.unit is not None else None
        ind = fw.indicators[f.indicator] if f.indicator is not None else None
        dep = fw.department_of_input.get(ind.id) if ind is not None else None
        rows.append({
            "year": f.year, "code": u["code"] if u is not None else "", "name_zh": u["name_zh"] if u is not None else "",
            "name_en": u["name_en"] if u is not None else "", "city": u["city"] if u is not None else "",
            "city_en": u["city_en"] if u is not None else "", "category": u["category"] if u is not None else "",
            "indicator": ind.id if ind else "", "indicator_zh": ind.name_zh if ind else "", "indicator_en": ind.name_en if ind else "",
            "unit_of_measure": ind.unit if ind else "", "department": dep.id if dep else "", "department_zh": dep.name_zh if dep else "",
            "department_en": dep.name_en if dep else "", "check": f.check, "kind": f.kind, "severity": f.severity, "value": f.value,
            "reference": f.reference, "reference_year": f.reference_year, "statistic": f.statistic, "threshold": f.threshold,
            "message_zh": f.message_zh, "message_en": f.message_en,
        })
        if u is None:
            for i in f.units:  # a whole column: each of its repeated cells
                cells.append({"year": f.year, "code": reg.iloc[i]["code"], "indicator": ind.id if ind else "", "check": f.check,
                              "severity": f.severity, "message_zh": f.message_zh, "message_en": f.message_en})
            continue
        for j in ([f.indicator] if f.indicator is not None else f.cells):
            cells.append({"year": f.year, "code": u["code"], "indicator": fw.indicators[j].id, "check": f.check,
                          "severity": f.severity, "message_zh": f.message_zh, "message_en": f.message_en})
    table = pd.DataFrame(rows, columns=FLAG_COLUMNS)
    table["reference_year"] = table["reference_year"].astype("Int64")
    if len(table):
        order = {c: k for k, c in enumerate(CHECKS)}
        ind_order = {i: k for k, i in enumerate(fw.indicator_ids)}
        table = (table.assign(_c=table["check"].map(order), _i=table["indicator"].map(ind_order).fillna(-1))
                 .sort_values(["year", "_c", "code", "_i"], kind="stable").drop(columns=["_c", "_i"]).reset_index(drop=True))
    return table, pd.DataFrame(cells, columns=CELL_COLUMNS)


@dataclass(frozen=True)
class AuditResult:
    """What :func:`~zhenxing.audit.audit_dataset` found.

    ``flags``: one row per flag (:data:`FLAG_COLUMNS`; ``code`` empty for a whole indicator,
    ``indicator`` empty for a whole unit); ``cells``: the cells to highlight (year, code,
    indicator, check, severity, messages); ``coverage_indicators`` / ``coverage_units``: coverage
    per year (share present, 0..1); ``missing_by_department``: missing values per year,
    department and source; ``panel``: the values audited (for the workbook).
    """

    framework: Framework
    years: list[int]
    options: AuditOptions
    flags: pd.DataFrame
    cells: pd.DataFrame
    coverage_indicators: pd.DataFrame
    coverage_units: pd.DataFrame
    missing_by_department: pd.DataFrame
    panel: Panel

    @property
    def n_values(self) -> int:
        """Indicator values audited (present), over the audited years."""
        t = [self.panel.years.index(y) for y in self.years]
        return int((~pd.isna(self.panel.values[t])).sum())

    def counts(self) -> dict[str, int]:
        """Flags per check, every check listed (0 when none)."""
        got = self.flags["check"].value_counts()
        return {c: int(got.get(c, 0)) for c in CHECKS}

    def for_city(self, city: str, year: int | None = None) -> pd.DataFrame:
        """The flags of ``city``'s units (optionally one year)."""
        f = self.flags[self.flags["city"] == city]
        return f if year is None else f[f["year"] == year]

    def summary(self, lang: str = "zh", top: int = 10) -> str:
        """A few lines for the terminal: counts per check, the top flags (errors first), the coverage problems."""
        en = lang == "en"
        counts = self.counts()
        years = "、".join(map(str, self.years)) if not en else ", ".join(map(str, self.years))
        n = len(self.flags)
        cells = self.flags[self.flags["code"] != ""]
        n_cells = int(cells[["year", "code", "indicator"]].drop_duplicates().shape[0])
        if en:
            lines = [f"data audit {years}: {n} flag{'s' if n != 1 else ''} on {n_cells} unit-indicator cells of {self.n_values:,} values"]
            lines.append("  " + ", ".join(f"{check_name(c, 'en')}: {k}" for c, k in counts.items()))
        else:
            lines = [f"数据核查（{years} 年）：共 {n} 条标记，涉及 {n_cells} 个单元格（共 {self.n_values:,} 个数值）"]
            lines.append("  " + "，".join(f"{check_name(c, 'zh')} {k} 条" for c, k in counts.items()))
        shown = self.flags[self.flags["check"] != "coverage"]
        strength = (shown["statistic"].abs() / shown["threshold"]).where(shown["check"].isin(["change", "outlier"]), np.inf)
        shown = (shown.assign(_s=(shown["severity"] != "error").astype(int), _k=-strength)  # errors, then the farthest beyond the line
                 .sort_values(["_s", "_k"], kind="stable").head(top))
        if len(shown):
            lines.append("top flags:" if en else "主要标记：")
        for r in shown.itertuples():
            unit = (r.name_en or r.name_zh) if en else r.name_zh
            what = (r.indicator_en if en else r.indicator_zh) or ("(whole unit)" if en else "（整体）")
            msg = r.message_en if en else r.message_zh
            lines.append(f"  {r.year} {r.code} {unit} · {what}: {msg}" if en else f"  {r.year} {r.code} {unit}·{what}：{msg}")
        low = self.flags[self.flags["check"] == "coverage"]
        if len(low):
            lines.append("coverage below the threshold:" if en else "覆盖率不足：")
            for r in low.itertuples():
                who = ((r.indicator_en if en else r.indicator_zh) or ((r.name_en or r.name_zh) if en else r.name_zh))
                lines.append(f"  {r.year} {who}: {r.message_en}" if en else f"  {r.year} {who}：{r.message_zh}")
        elif not en:
            lines.append(f"覆盖率：所有指标和单位均不低于 {100 * self.options.coverage_min:.0f}%")
        else:
            lines.append(f"coverage: every indicator and unit at or above {100 * self.options.coverage_min:.0f} %")
        return "\n".join(lines)
