"""Figures copied forward from last year (check ``copied``).

A unit that resubmits last year's sheet repeats its values on many
indicators. For a year with a previous year in the data, indicator ``j`` is
*comparable* when at most ``copied_indicator_max_share`` (20 %) of the units
with both values repeat last year's value exactly (an indicator stuck at a cap,
or rarely updated, repeats by nature and says nothing); a value at a bound of
the indicator's valid range (0 %, 100 %) never counts either. For unit ``i``,

    share_i = #{j comparable: x_ij = x0_ij} / #{j comparable, both values present}

and ``share_i >= copied_share`` (60 %) over at least ``copied_min_indicators``
(5) indicators is flagged, once per unit and year, with the repeated
indicators listed (and highlighted in the workbook).

A department that resends last year's sheet repeats a whole *column* instead:
indicator ``j`` is flagged (kind ``column``, once per indicator and year, the
repeated cells highlighted) when, among the units with both values and not at
a bound,

    #{i: x_ij = x0_ij} / #{i: both values present, not at a bound} >= copied_share

over at least ``change_min_units`` (10) units, in a column with a spread (at
least 3 distinct values: a level shared by every unit repeats by nature). Such
an indicator is left out of the unit check above (it would otherwise make every
unit look copied).
"""

from __future__ import annotations

import numpy as np

from .flags import Flag
from .options import AuditOptions
from .panel import Panel


def repeated(panel: Panel, t: int, max_share: float) -> tuple[np.ndarray, np.ndarray]:
    """``(same, comparable)``, boolean (units × indicators) for year ``years[t]`` (t >= 1): the value equals
    last year's (to 1e-9 relative), and the cell is comparable (both present, not at a bound, and the
    indicator comparable: at most ``max_share`` of the units with both values repeat last year's)."""
    fw = panel.framework
    x1, x0 = panel.values[t], panel.values[t - 1]
    both = ~np.isnan(x1) & ~np.isnan(x0)
    same = both & np.isclose(x1, x0, rtol=1e-9, atol=0.0)
    lo = np.array([ind.valid_range[0] for ind in fw.indicators])
    hi = np.array([ind.valid_range[1] for ind in fw.indicators])
    at_bound = (x1 == lo) | (x1 == hi)
    n_both = both.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        repeat_share = np.where(n_both > 0, (same & ~at_bound).sum(axis=0) / np.maximum(n_both, 1), 1.0)
    comparable_ind = (n_both > 0) & (repeat_share <= max_share)
    comparable = both & ~at_bound & comparable_ind[None, :]
    return same & comparable, comparable


def check_copied(panel: Panel, options: AuditOptions) -> list[Flag]:
    """Flags of the ``copied`` check for every year after the first."""
    fw = panel.framework
    flags: list[Flag] = []
    for t in range(1, len(panel.years)):
        same, comparable = repeated(panel, t, options.copied_indicator_max_share)
        n_same, n_comp = same.sum(axis=1), comparable.sum(axis=1)
        for i in np.flatnonzero(n_comp >= options.copied_min_indicators):
            share = n_same[i] / n_comp[i]
            if share < options.copied_share:
                continue
            cells = [int(j) for j in np.flatnonzero(same[i])]
            names_zh = "、".join(fw.indicators[j].name_zh for j in cells[:6]) + ("等" if len(cells) > 6 else "")
            names_en = ", ".join(fw.indicators[j].name_en for j in cells[:4]) + (", ..." if len(cells) > 4 else "")
            prev = panel.years[t - 1]
            zh = (f"疑似照抄上年：{n_comp[i]} 项可比指标中 {n_same[i]} 项（{100 * share:.0f}%）与 {prev} 年完全相同"
                  f"（阈值 {100 * options.copied_share:.0f}%）：{names_zh}")
            en = (f"copied forward? {n_same[i]} of {n_comp[i]} comparable indicators ({100 * share:.0f} %) are identical to {prev} "
                  f"(threshold {100 * options.copied_share:.0f} %): {names_en}")
            flags.append(Flag(panel.years[t], int(i), None, "copied", "identical", float(n_same[i]), float(n_comp[i]), prev,
                              float(share), options.copied_share, "error", zh, en, cells))
    return flags + check_copied_columns(panel, options)


def check_copied_columns(panel: Panel, options: AuditOptions) -> list[Flag]:
    """Flags of whole indicators repeated from last year for most units (a department's sheet sent again)."""
    fw = panel.framework
    flags: list[Flag] = []
    lo = np.array([ind.valid_range[0] for ind in fw.indicators])
    hi = np.array([ind.valid_range[1] for ind in fw.indicators])
    for t in range(1, len(panel.years)):
        x1, x0 = panel.values[t], panel.values[t - 1]
        usable = ~np.isnan(x1) & ~np.isnan(x0) & (x1 != lo) & (x1 != hi)
        same = usable & np.isclose(x1, x0, rtol=1e-9, atol=0.0)
        n_use, n_same = usable.sum(axis=0), same.sum(axis=0)
        prev = panel.years[t - 1]
        for j in np.flatnonzero(n_use >= options.change_min_units):
            share = n_same[j] / n_use[j]
            if share < options.copied_share or np.unique(x1[usable[:, j], j]).size < 3:
                continue  # a column without spread (every unit at one level) repeats by nature
            j = int(j)
            zh = (f"疑似整列照抄上年：{n_use[j]} 个单位中 {n_same[j]} 个（{100 * share:.0f}%）的数值与 {prev} 年完全相同"
                  f"（阈值 {100 * options.copied_share:.0f}%），请核实是否报送了上年数据")
            en = (f"whole column copied forward? {n_same[j]} of {n_use[j]} units ({100 * share:.0f} %) report exactly their {prev} "
                  f"value (threshold {100 * options.copied_share:.0f} %): was last year's sheet sent again?")
            flags.append(Flag(panel.years[t], None, j, "copied", "column", float(n_same[j]), float(n_use[j]), prev, float(share),
                              options.copied_share, "error", zh, en, units=[int(i) for i in np.flatnonzero(same[:, j])]))
    return flags
