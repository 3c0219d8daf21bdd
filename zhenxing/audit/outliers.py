"""Robust outliers within the category (check ``outlier``).

Units are benchmarked within their category, so a value is compared with the
other units of its category in the same year. For indicator ``j`` the modified
z of Iglewicz and Hoaglin (1993) is

    M_i = 0.6745 · (y_i - median(y)) / MAD(y)

over the category's units with a value (at least ``outlier_min_units``), where
``y = log x`` for a log-scaled level (incomes are log-normal) and ``y = x``
otherwise; when MAD = 0 the spread is 1.253314 · MeanAD instead
(:mod:`zhenxing.audit.robust`). ``|M_i| > outlier_z`` (3.5, their
recommendation) is flagged, unless the value is *persistent*: its change from
the previous year or to the next one is ordinary (robust z of the change, as in
:mod:`.change`, at most ``outlier_persistent_z``). Such a unit is unusual, not
misreported: a slip stands out against both neighbouring years.
"""

from __future__ import annotations

import numpy as np

from .flags import Flag, with_unit
from .options import AuditOptions
from .panel import Panel, transformed
from .robust import robust_spread


def category_stats(panel: Panel, options: AuditOptions) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(z, centre, sigma, median)``, each of shape (years, units, indicators): each value's modified z
    in its category and year, the category's median and robust spread on the indicator's scale (log for
    log-scaled levels), and its median in the indicator's unit; NaN where the category has fewer than
    ``outlier_min_units`` values (the median is given whenever the category has a value)."""
    shape = panel.values.shape
    z, centre, sigma, median = (np.full(shape, np.nan) for _ in range(4))
    n_cats = len(panel.framework.category_ids)
    for j in range(shape[2]):
        y = transformed(panel.values[:, :, j], bool(panel.log_scaled[j]))
        for t in range(shape[0]):
            for c in range(n_cats):
                members = np.flatnonzero((panel.category_index == c) & panel.assessed[t])
                v = y[t, members]
                raw = panel.values[t, members, j]
                if np.any(~np.isnan(raw)):
                    median[t, members, j] = np.median(raw[~np.isnan(raw)])
                if np.count_nonzero(~np.isnan(v)) < options.outlier_min_units:
                    continue
                med, s = robust_spread(v)
                centre[t, members, j], sigma[t, members, j] = med, s
                with np.errstate(divide="ignore", invalid="ignore"):
                    dev = v - med
                    z[t, members, j] = dev / s if s > 0 else np.where(dev == 0, 0.0, np.sign(dev) * np.inf)
    return z, centre, sigma, median


def persistent(zchange: np.ndarray, t: int, i: int, j: int, threshold: float) -> bool:
    """Whether the value ``(t, i, j)`` changes ordinarily from the previous year or into the next one:
    ``|z| <= threshold`` for the change into year ``t`` or into ``t + 1`` (``zchange[t]`` is the robust z of
    the change from ``t - 1`` to ``t``; NaN where a year or a value is missing)."""
    near = [zchange[s, i, j] for s in (t, t + 1) if 0 < s < zchange.shape[0]]
    return any(abs(v) <= threshold for v in near if not np.isnan(v))


def check_outliers(panel: Panel, options: AuditOptions, z: np.ndarray, median: np.ndarray, zchange: np.ndarray) -> list[Flag]:
    """Flags of the ``outlier`` check: ``|z| > outlier_z`` and not :func:`persistent` (``z`` and ``median``
    from :func:`category_stats`, ``zchange`` the robust z of each change into a year, NaN for the first)."""
    fw = panel.framework
    flags: list[Flag] = []
    for t, i, j in zip(*np.nonzero(np.abs(np.nan_to_num(z)) > options.outlier_z)):
        t, i, j = int(t), int(i), int(j)
        if persistent(zchange, t, i, j, options.outlier_persistent_z):
            continue
        ind = fw.indicators[j]
        cat = fw.categories[int(panel.category_index[i])]
        x, med = float(panel.values[t, i, j]), float(median[t, i, j])
        m = float(z[t, i, j])
        side_zh, side_en = ("偏高", "high") if m > 0 else ("偏低", "low")
        zh = (f"类别内离群（{side_zh}）：{with_unit(x, ind, 'zh')}，{cat.name_zh}中位数 {with_unit(med, ind, 'zh')}"
              f"（修正 z = {m:.1f}，阈值 {options.outlier_z:g}）")
        en = (f"outlier in its category ({side_en}): {with_unit(x, ind, 'en')} against the {cat.name_en} median of "
              f"{with_unit(med, ind, 'en')} (modified z = {m:.1f}, threshold {options.outlier_z:g})")
        flags.append(Flag(panel.years[t], i, j, "outlier", side_en, x, med, None, m, options.outlier_z, "warning", zh, en))
    return flags

