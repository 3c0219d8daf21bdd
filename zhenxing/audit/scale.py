"""Unit-scale slips (check ``scale``): a value about 10, 100, 1,000 or 10,000 times off.

A department that reports 2.17 (万元) where 21,691 (元) is asked, 0.85 for
85 %, or slips a decimal point, leaves a value off by a power of ten. With
``r = x / reference`` and ``k = round(log10 r)``, ``1 <= |k| <= 4``:

* **against last year**: ``|r / 10^k - 1| <= scale_tolerance`` (±25 %) and the
  change is implausible (robust z beyond ``change_z``, :mod:`.change`). Which of
  the two years is wrong is decided by the category: the value farther (in log)
  from its category's median is the slip; a slip last year is left to that year.
* **against the category median** (any year, the first included): the ratio is
  within a factor ``scale_category_factor`` (2) of 10^k, the value is a category
  outlier (modified z beyond ``outlier_z``, :mod:`.outliers`) and ``x / 10^k``
  is not (it lies within ``outlier_z`` of the category), in a category that has
  a spread (MAD > 0, and at most 20 % of its values at its lowest or highest
  value: a median on a pile at a floor or cap says nothing); when last year's value
  is there (in the first year of the data: next year's), it must agree (about
  10^k off too, or itself an outlier: the same slip both years), else the change
  check speaks for it.
* **a share for a percentage**: unit %, ``0 < x <= share_max`` (1.5) while the
  category median exceeds ``share_median_min`` (5), and ``100 x`` is ordinary in
  the category (within ``outlier_z``) or within ``scale_tolerance`` of last year.

Only quantities that cannot be negative are checked (a growth rate has no
natural scale: 33 % against a median of 5.6 % is a high growth, not ‰ for %).
The message names the likely confusion from the indicator's unit of measure
(:data:`CONFUSIONS`): 元 reported in 万元 (×1/10,000), a share for a percentage
(×1/100), ‰ for % (×10) ...; otherwise it names the factor (a decimal point slip).
"""

from __future__ import annotations

import math

import numpy as np

from ..framework import Indicator
from .flags import Flag, with_unit
from .options import AuditOptions
from .panel import Panel, is_percentage, transformed

POWERS = (1, 2, 3, 4)

#: (unit of measure, k) -> what was probably written, (zh, en): the value is 10^k times the right one.
CONFUSIONS: dict[tuple[str, int], tuple[str, str]] = {
    ("元", -4): ("疑似以万元填报（应为元）", "looks like 万元 (10,000 yuan) instead of 元 (yuan)"),
    ("元", -3): ("疑似以千元填报（应为元）", "looks like thousands of yuan instead of yuan"),
    ("万元", 4): ("疑似以元填报（应为万元）", "looks like 元 (yuan) instead of 万元 (10,000 yuan)"),
    ("万元", -4): ("疑似以亿元填报（应为万元）", "looks like 亿元 (100 million yuan) instead of 万元 (10,000 yuan)"),
    ("亿元", 4): ("疑似以万元填报（应为亿元）", "looks like 万元 (10,000 yuan) instead of 亿元 (100 million yuan)"),
    ("%", -2): ("疑似填报为比例（小数）而非百分数", "looks like a share, not a percentage (0.85 for 85 %)"),
    ("%", 1): ("疑似以千分比（‰）填报（应为 %）", "looks like per mille (‰) instead of per cent"),
    ("‰", -1): ("疑似以百分比（%）填报（应为 ‰）", "looks like per cent instead of per mille (‰)"),
    ("‰", -3): ("疑似填报为比例（小数）而非千分比", "looks like a share, not per mille"),
    ("亩", -4): ("疑似以万亩填报（应为亩）", "looks like 万亩 (10,000 mu) instead of 亩 (mu)"),
    ("万亩", 4): ("疑似以亩填报（应为万亩）", "looks like 亩 (mu) instead of 万亩 (10,000 mu)"),
    ("吨", -4): ("疑似以万吨填报（应为吨）", "looks like 万吨 (10,000 t) instead of 吨 (t)"),
    ("万吨", 4): ("疑似以吨填报（应为万吨）", "looks like 吨 (t) instead of 万吨 (10,000 t)"),
    ("人", -4): ("疑似以万人填报（应为人）", "looks like 万人 (10,000 persons) instead of persons"),
    ("kg/ha", -3): ("疑似以吨/公顷填报（应为千克/公顷）", "looks like t/ha instead of kg/ha"),
    ("千克/公顷", -3): ("疑似以吨/公顷填报（应为千克/公顷）", "looks like t/ha instead of kg/ha"),
}


def unit_key(ind: Indicator) -> str:
    u = ind.unit.strip()
    return "%" if is_percentage(ind) else {"yuan": "元", "‰": "‰"}.get(u, u)


def power_of_ten(r: float, tolerance: float) -> int | None:
    """``k`` in ±1..±4 when ``r`` is within ``tolerance`` (relative) of ``10^k``, else None."""
    if not r > 0 or not math.isfinite(r):
        return None
    k = round(math.log10(r))
    if abs(k) not in POWERS:
        return None
    return k if abs(r / 10.0**k - 1.0) <= tolerance else None


def nearest_power(r: float, factor: float) -> int | None:
    """The nearest ``k`` in ±1..±4 to ``log10 r`` when ``r / 10^k`` lies within a factor ``factor``
    (``1/factor <= r / 10^k <= factor``), else None."""
    if not r > 0 or not math.isfinite(r):
        return None
    k = round(math.log10(r))
    if abs(k) not in POWERS:
        return None
    q = r / 10.0**k
    return k if 1.0 / factor <= q <= factor else None


def factor_text(k: int, lang: str) -> str:
    """``1/10,000`` or ``10,000``: the factor the value is off by (a bare number, for ``×``)."""
    f = f"{10 ** abs(k):,}"
    return f"1/{f}" if k < 0 else f


def times_text(k: int) -> str:
    """The value as a multiple of the reference, in Chinese: ``的 1/10``, ``的 10 倍``."""
    f = f"{10 ** abs(k):,}"
    return f"的 1/{f}" if k < 0 else f"的 {f} 倍"


def describe(ind: Indicator, k: int, lang: str) -> str:
    """The likely confusion for a value ``10^k`` times the right one, in ``lang``."""
    known = CONFUSIONS.get((unit_key(ind), k))
    if known:
        return known[1] if lang == "en" else known[0]
    if lang == "en":
        return f"looks like a unit or decimal-point slip (×{factor_text(k, lang)})"
    return f"疑似单位或小数点错误（×{factor_text(k, lang)}）"


def _ordinary(y: float, centre: float, sigma: float, z_max: float) -> bool:
    """Whether ``y`` (on the indicator's scale) lies within ``z_max`` robust SDs of the category."""
    if not (math.isfinite(y) and math.isfinite(centre) and math.isfinite(sigma)):
        return False
    return abs(y - centre) <= z_max * sigma if sigma > 0 else y == centre


#: a category with more than this share of its values at its lowest or highest value is piled at a floor or cap
PILED_SHARE = 0.2


def _spread(panel: Panel, t: int, i: int, j: int) -> bool:
    """Whether unit ``i``'s category has a spread in year ``t`` that a scale can be read from: MAD > 0, and at
    most :data:`PILED_SHARE` of its values at its lowest or its highest value. With values piled at a floor or
    a cap, the median sits on the pile and a unit above it looks ten times too high without being so."""
    members = (panel.category_index == panel.category_index[i]) & panel.assessed[t]
    v = panel.values[t, members, j]
    v = v[~np.isnan(v)]
    if v.size == 0 or not float(np.median(np.abs(v - np.median(v)))) > 0:
        return False
    return max(np.mean(v == v.min()), np.mean(v == v.max())) <= PILED_SHARE


def check_scale(panel: Panel, options: AuditOptions, zc: np.ndarray, centre: np.ndarray, sigma: np.ndarray,
                median: np.ndarray, zchange: np.ndarray) -> list[Flag]:
    """Flags of the ``scale`` check, one per cell at most (last year, then category, then share).

    ``zc``, ``centre``, ``sigma``, ``median``: :func:`~.outliers.category_stats`; ``zchange[t, i, j]``: the
    robust z of the change into year ``t`` (:func:`~.change.change_z`)."""
    fw = panel.framework
    vals = panel.values
    flags: list[Flag] = []
    tol = options.scale_tolerance
    for j, ind in enumerate(fw.indicators):
        log = bool(panel.log_scaled[j])
        pct = is_percentage(ind)
        lo, hi = ind.valid_range
        if lo < 0:  # a growth rate: no natural scale
            continue
        x_all = vals[:, :, j]
        with np.errstate(invalid="ignore"):
            candidate = (x_all > 0) & ((np.abs(np.nan_to_num(zchange[:, :, j])) > options.change_z)
                                       | (np.abs(np.nan_to_num(zc[:, :, j])) > options.outlier_z)
                                       | (pct & (x_all <= options.share_max)))
        for t, i in zip(*np.nonzero(candidate)):
            t, i = int(t), int(i)
            year = panel.years[t]
            x = float(vals[t, i, j])
            cat = fw.categories[int(panel.category_index[i])]
            med = float(median[t, i, j])
            found = None
            # 1. against last year, when this year's value is the odd one
            if t > 0 and vals[t - 1, i, j] > 0 and abs(np.nan_to_num(zchange[t, i, j])) > options.change_z:
                x0 = float(vals[t - 1, i, j])
                k = power_of_ten(x / x0, tol)
                med0 = float(median[t - 1, i, j])
                if k is not None and med > 0 and med0 > 0 and abs(math.log(x / med)) > abs(math.log(x0 / med0)):
                    found = (k, x0, panel.years[t - 1], x / x0, tol, "last_year")
            # 2. against the category median
            if found is None and med > 0 and abs(np.nan_to_num(zc[t, i, j])) > options.outlier_z and _spread(panel, t, i, j):
                k = nearest_power(x / med, options.scale_category_factor)
                # the neighbouring year must not contradict it: last year's, or in the first year the next one's
                near = t - 1 if t > 0 else (t + 1 if t + 1 < len(panel.years) else None)
                if k is not None and near is not None and vals[near, i, j] > 0:
                    agrees = nearest_power(x / vals[near, i, j], options.scale_category_factor) == k
                    odd = abs(np.nan_to_num(zc[near, i, j])) > options.outlier_z  # the same slip that year
                    k = k if (agrees or odd) else None
                if k is not None and lo <= x / 10.0**k <= hi:
                    y = float(transformed(np.array([x / 10.0**k]), log)[0])
                    if _ordinary(y, centre[t, i, j], sigma[t, i, j], options.outlier_z):
                        found = (k, med, None, x / med, options.outlier_z, "category")
            # 3. a share for a percentage
            if found is None and pct and x <= options.share_max and med > options.share_median_min:
                near_last = t > 0 and vals[t - 1, i, j] > 0 and abs(100 * x / vals[t - 1, i, j] - 1) <= tol
                if near_last or _ordinary(100 * x, centre[t, i, j], sigma[t, i, j], options.outlier_z):
                    found = (-2, med, None, x / med, options.share_max, "share")
            if found is None:
                continue
            k, ref, ref_year, ratio, threshold, basis = found
            what_zh, what_en = describe(ind, k, "zh"), describe(ind, k, "en")
            shown_zh, shown_en = with_unit(x, ind, "zh"), with_unit(x, ind, "en")
            if basis == "last_year":
                zh = f"{what_zh}：填报 {shown_zh}，约为上年（{ref_year} 年 {with_unit(ref, ind, 'zh')}）{times_text(k)}"
                en = f"{what_en}: {shown_en} is about {factor_text(k, 'en')} × last year's ({with_unit(ref, ind, 'en')} in {ref_year})"
            else:
                zh = f"{what_zh}：填报 {shown_zh}，约为{cat.name_zh}中位数（{with_unit(ref, ind, 'zh')}）{times_text(k)}"
                en = f"{what_en}: {shown_en} is about {factor_text(k, 'en')} × the {cat.name_en} median ({with_unit(ref, ind, 'en')})"
            fixed_zh, fixed_en = with_unit(x / 10.0**k, ind, "zh"), with_unit(x / 10.0**k, ind, "en")
            if basis == "last_year":
                zh, en = zh + f"，按 {fixed_zh} 计则与上年相符", en + f"; as {fixed_en} it would match last year"
            else:
                zh, en = zh + f"，按 {fixed_zh} 计则属正常", en + f"; as {fixed_en} it would be ordinary"
            kind = "share" if (pct and k == -2) else f"10^{k}"
            flags.append(Flag(year, i, j, "scale", kind, x, ref, ref_year, ratio, threshold, "error", zh, en))
    return flags
