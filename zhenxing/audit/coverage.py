"""Coverage (check ``coverage``) and missing values by department.

Coverage is the share of values present among those expected:

* per indicator and year: ``n_present / n_assessed_units``;
* per unit and year: ``n_present / n_indicators``.

Below ``coverage_min`` (0.65, the JRC/OECD rule for keeping an indicator or a
unit in a composite index) is flagged. Missing values are also counted per
department that reports them (the framework's ``department:`` of each
indicator) and, when the values file had a ``source`` column (the intake's
``Dataset.submitted``), per source as written there, so that the analyst knows
whom to ask. Adjustment inputs (counts, absent = 0) are always complete and
are not counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .flags import Flag
from .options import AuditOptions
from .panel import Panel


def coverage_tables(panel: Panel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(by_indicator, by_unit)`` coverage per year (shares 0..1, counts of values expected and present)."""
    fw = panel.framework
    reg = panel.register
    ind_rows, unit_rows = [], []
    for t, year in enumerate(panel.years):
        units = np.flatnonzero(panel.assessed[t])
        present = ~np.isnan(panel.values[t][units])
        for j, ind in enumerate(fw.indicators):
            dep = fw.department_of_input.get(ind.id)
            n, k = len(units), int(present[:, j].sum())
            ind_rows.append({"year": year, "indicator": ind.id, "indicator_zh": ind.name_zh, "indicator_en": ind.name_en,
                             "department": dep.id if dep else "", "n_expected": n, "n_present": k,
                             "coverage": k / n if n else float("nan")})
        m = len(fw.indicators)
        for r, i in enumerate(units):
            k = int(present[r].sum())
            u = reg.iloc[i]
            unit_rows.append({"year": year, "code": u["code"], "name_zh": u["name_zh"], "name_en": u["name_en"], "city": u["city"],
                              "city_en": u["city_en"], "category": u["category"], "n_expected": m, "n_present": k,
                              "coverage": k / m if m else float("nan")})
    return pd.DataFrame(ind_rows), pd.DataFrame(unit_rows)


def check_coverage(panel: Panel, options: AuditOptions, by_indicator: pd.DataFrame, by_unit: pd.DataFrame) -> list[Flag]:
    """Flags of the ``coverage`` check: an indicator or a unit below ``coverage_min`` in a year."""
    fw = panel.framework
    flags: list[Flag] = []
    lim = options.coverage_min
    pos = {ind.id: j for j, ind in enumerate(fw.indicators)}
    for r in by_indicator[by_indicator["coverage"] < lim].itertuples():
        zh = f"指标数据覆盖率不足：{r.n_expected} 个单位中仅 {r.n_present} 个有值（{100 * r.coverage:.0f}%，阈值 {100 * lim:.0f}%）"
        en = f"low coverage: values for {r.n_present} of {r.n_expected} units ({100 * r.coverage:.0f} %, threshold {100 * lim:.0f} %)"
        flags.append(Flag(int(r.year), None, pos[r.indicator], "coverage", "indicator", float(r.coverage), float(r.n_expected), None,
                          float(r.coverage), lim, "warning", zh, en))
    code_pos = {c: i for i, c in enumerate(panel.codes)}
    for r in by_unit[by_unit["coverage"] < lim].itertuples():
        i, t = code_pos[r.code], panel.years.index(int(r.year))
        missing = [int(j) for j in np.flatnonzero(np.isnan(panel.values[t, i]))]
        zh = f"单位数据覆盖率不足：{r.n_expected} 项指标中仅 {r.n_present} 项有值（{100 * r.coverage:.0f}%，阈值 {100 * lim:.0f}%）"
        en = f"low coverage: values for {r.n_present} of {r.n_expected} indicators ({100 * r.coverage:.0f} %, threshold {100 * lim:.0f} %)"
        flags.append(Flag(int(r.year), i, None, "coverage", "unit", float(r.coverage), float(r.n_expected), None,
                          float(r.coverage), lim, "warning", zh, en, missing))
    return flags


def missing_by_department(panel: Panel, submitted: pd.DataFrame | None = None) -> pd.DataFrame:
    """Missing values per year and department (and per ``source`` text of the values file when
    ``submitted`` has one): values expected, missing, the share missing, and the indicators concerned.

    ``submitted``: the intake's table ``code, indicator, year, file, source`` (one row per value as
    submitted); None or without sources: the framework's departments alone (``source`` empty).
    """
    fw = panel.framework
    codes = np.asarray(panel.codes, dtype=object)
    ids = np.asarray(fw.indicator_ids, dtype=object)
    parts = []
    for t, year in enumerate(panel.years):  # one frame per year, indicator-major as before, built from the arrays
        units = np.flatnonzero(panel.assessed[t])
        miss = np.isnan(panel.values[t][units])  # (units, indicators)
        parts.append(pd.DataFrame({"year": year, "code": np.tile(codes[units], len(ids)),
                                   "indicator": np.repeat(ids, len(units)), "missing": miss.T.ravel()}))
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["year", "code", "indicator", "missing"])
    dep = {ind.id: fw.department_of_input.get(ind.id) for ind in fw.indicators}
    df["department"] = df["indicator"].map(lambda i: dep[i].id if dep[i] else "")
    df["source"] = ""
    if submitted is not None and len(submitted) and "source" in submitted.columns:
        src = submitted[["code", "indicator", "year", "source"]].copy()
        src["year"] = pd.to_numeric(src["year"], errors="coerce")
        src["source"] = src["source"].fillna("").astype(str).str.strip()
        src = src.drop_duplicates(["code", "indicator", "year"])
        df = df.drop(columns="source").merge(src, on=["code", "indicator", "year"], how="left")
        df["source"] = df["source"].fillna("")
    rows = []
    for (year, department, source), g in df.groupby(["year", "department", "source"], sort=True):
        d = next((x for x in fw.departments if x.id == department), None)
        miss = g[g["missing"]]
        present = set(miss["indicator"])
        order = [i for i in fw.indicator_ids if i in present]
        rows.append({"year": int(year), "department": department, "department_zh": d.name_zh if d else "",
                     "department_en": d.name_en if d else "", "source": source, "n_expected": len(g), "n_missing": len(miss),
                     "share_missing": len(miss) / len(g) if len(g) else float("nan"), "indicators": ", ".join(order)})
    cols = ["year", "department", "department_zh", "department_en", "source", "n_expected", "n_missing", "share_missing", "indicators"]
    return pd.DataFrame(rows, columns=cols)
