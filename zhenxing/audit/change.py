"""Implausible changes against last year (check ``change``).

For indicator ``j`` and a year with a previous year in the data, the change of
unit ``i`` is ``d_i = log(x_i / x0_i)`` for a log-scaled level (元, kg/ha,
ratios: :func:`~zhenxing.audit.panel.is_log_scaled`) and ``d_i = x_i - x0_i``
otherwise (percentage points, growth rates). Over the units with both values
(at least ``change_min_units``), the robust z of each change is

    z_i = (d_i - median(d)) / (1.4826 · MAD(d))

(1.253314 · MeanAD when MAD = 0; :mod:`zhenxing.audit.robust`), and
``|z_i| > change_z`` is flagged: a change far beyond that indicator's usual
change across the province.

Which of the two values is wrong is decided by the category: the flag goes to
the year whose value lies farther from its category (larger |modified z|,
:mod:`.outliers`), so that a wrong value last year is flagged last year (the
first year included), with the next year's value as its reference. A cell
already flagged (scale, outlier, or this check) is not flagged again.
"""

from __future__ import annotations

import numpy as np

from .flags import Flag, num, with_unit
from .options import AuditOptions
from .panel import Panel, is_percentage, transformed
from .robust import robust_z


def change_z(panel: Panel, t: int, j: int, options: AuditOptions) -> np.ndarray:
    """Robust z of each unit's change of indicator ``j`` from year ``years[t-1]`` to ``years[t]``
    (NaN without both values, for ``t = 0``, or with fewer than ``change_min_units`` pairs)."""
    n = panel.values.shape[1]
    if t == 0:
        return np.full(n, np.nan)
    log = bool(panel.log_scaled[j])
    d = transformed(panel.values[t, :, j], log) - transformed(panel.values[t - 1, :, j], log)
    if np.count_nonzero(~np.isnan(d)) < options.change_min_units:
        return np.full(n, np.nan)
    return robust_z(d)


def change_text(x0: float, x1: float, log: bool, percent: bool, lang: str) -> str:
    """``+275%`` (log-scaled), ``+33 个百分点`` / ``+33 points`` (percentages), ``+3.2`` (others)."""
    if log and x0 > 0:
        return f"{100 * (x1 / x0 - 1):+.0f}%"
    d = x1 - x0
    sign = "+" if d > 0 else "-" if d < 0 else "±"
    if percent:
        return f"{sign}{num(abs(d))} 个百分点" if lang != "en" else f"{sign}{num(abs(d))} points"
    return f"{sign}{num(abs(d))}"


def check_change(panel: Panel, options: AuditOptions, earlier: set[tuple[int, int, int]], zc: np.ndarray,
                 zchange: np.ndarray | None = None) -> list[Flag]:
    """Flags of the ``change`` check, for the changes into every year after the first.

    ``earlier``: cells ``(t, i, j)`` already flagged by another check; ``zc``: each value's
    modified z in its category (:func:`~.outliers.category_stats`), which decides the year to flag;
    ``zchange[t, :, j]``: :func:`change_z` of every change, when already computed.
    """
    fw = panel.framework
    flags: list[Flag] = []
    flagged = set(earlier)
    for t in range(1, len(panel.years)):
        year, prev = panel.years[t], panel.years[t - 1]
        for j, ind in enumerate(fw.indicators):
            z = zchange[t, :, j] if zchange is not None else change_z(panel, t, j, options)
            log, pct = bool(panel.log_scaled[j]), is_percentage(ind)
            for i in np.flatnonzero(np.abs(np.nan_to_num(z)) > options.change_z):
                i = int(i)
                backward = abs(np.nan_to_num(zc[t - 1, i, j])) > abs(np.nan_to_num(zc[t, i, j]))
                at = t - 1 if backward else t
                if (at, i, j) in flagged:
                    continue
                x0, x1 = float(panel.values[t - 1, i, j]), float(panel.values[t, i, j])
                step_zh = f"{prev} 年 {with_unit(x0, ind, 'zh')} → {year} 年 {with_unit(x1, ind, 'zh')}"
                step_en = f"{with_unit(x0, ind, 'en')} in {prev} → {with_unit(x1, ind, 'en')} in {year}"
                stats_zh = f"{change_text(x0, x1, log, pct, 'zh')}，稳健 z = {z[i]:.1f}，阈值 {options.change_z:g}"
                stats_en = f"{change_text(x0, x1, log, pct, 'en')}, robust z = {z[i]:.1f}, threshold {options.change_z:g}"
                if backward:
                    zh, en = f"与下年相比变化异常：{step_zh}（{stats_zh}）", f"implausible against the next year: {step_en} ({stats_en})"
                    value, ref, ref_year = x0, x1, year
                else:
                    zh, en = f"较上年变化异常：{step_zh}（{stats_zh}）", f"implausible change: {step_en} ({stats_en})"
                    value, ref, ref_year = x1, x0, prev
                flags.append(Flag(panel.years[at], i, j, "change", "log_ratio" if log else "difference", value, ref, ref_year,
                                  float(z[i]), options.change_z, "warning", zh, en))
                flagged.add((at, i, j))
    return flags
