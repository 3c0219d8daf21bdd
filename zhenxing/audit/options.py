"""The audit's thresholds, each with its default and the reason for it.

Every rule of :mod:`zhenxing.audit` reads its threshold from one frozen
:class:`AuditOptions`; the command line has one flag per field
(``--change-z`` for ``change_z`` ...). :meth:`AuditOptions.check` reports a
bad value as an :class:`~zhenxing.errors.InputError` naming the flag.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..errors import InputError, Problem


@dataclass(frozen=True)
class AuditOptions:
    """Thresholds of the audit rules (defaults in brackets, with the reason).

    Change against last year (``change``):
      ``change_z`` [5.0] — flag a change whose robust z (median and 1.4826·MAD of
      the province's changes of that indicator) exceeds this. 5 robust SDs is far
      outside ordinary change (a normal variable passes 5 SD once in 1.7 million),
      yet a ×10 slip or a +300 % typo is usually dozens of SDs away.
      ``change_min_units`` [10] — fewer units with both years: no change statistics.

    Unit-scale slips (``scale``):
      ``scale_tolerance`` [0.25] — against last year, a ratio within ±25 % of
      10^k (k = 1..4, either way) with a change beyond ``change_z`` is read as a
      scale slip; ±25 % leaves room for one year's real change.
      ``scale_category_factor`` [2.0] — against the category median, a ratio
      within a factor 2 of 10^k (5-20 for ×10) where the value is a category
      outlier (``outlier_z``) and the value divided by 10^k is not; a category
      spreads more than one unit's year, hence the wider margin.
      ``share_max`` [1.5] and ``share_median_min`` [5.0] — a percentage at most
      1.5 while its category's median is above 5 looks like a share (0.85 for
      85 %), when 100 × the value is ordinary in the category or near last year.

    Copied forward (``copied``):
      ``copied_share`` [0.6] — flag a unit whose values equal last year's on at
      least 60 % of the indicators compared. Only indicators where at most
      ``copied_indicator_max_share`` [0.2] of the province's units repeat last
      year's value are compared (an indicator stuck at a cap repeats by nature),
      and values at a bound of the valid range (0 %, 100 %) never count.
      ``copied_min_indicators`` [5] — fewer indicators to compare: no verdict.

    Category outliers (``outlier``):
      ``outlier_z`` [3.5] — Iglewicz–Hoaglin modified z = 0.6745 (x − median) / MAD
      within the category and year (log values for positive levels); 3.5 is
      their recommended cut-off. With MAD = 0: 1.253314·MeanAD in its place.
      ``outlier_min_units`` [5] — smaller categories are not checked.
      ``outlier_persistent_z`` [2.5] — an outlier whose change from the previous
      year, or to the next one, is ordinary (robust z of the change at most 2.5,
      as for ``change_z``) is the unit's own level, not a slip, and is not
      flagged: a wrong figure stands out against its neighbouring years too. On
      the demo this keeps 2 of the 37 category outliers (both planted) and drops
      35 units that are simply unusual. An outlier with no neighbouring year
      (one year of data, a unit that has just joined) is always flagged.

    Coverage (``coverage``):
      ``coverage_min`` [0.65] — flag an indicator (over the units) or a unit (over
      the indicators) with fewer than 65 % of its values present in a year: the
      JRC/OECD rule (Handbook on Constructing Composite Indicators, 2008; JRC
      COIN audits) for keeping an indicator or unit in an index.
    """

    change_z: float = 5.0
    change_min_units: int = 10
    scale_tolerance: float = 0.25
    scale_category_factor: float = 2.0
    share_max: float = 1.5
    share_median_min: float = 5.0
    copied_share: float = 0.6
    copied_indicator_max_share: float = 0.2
    copied_min_indicators: int = 5
    outlier_z: float = 3.5
    outlier_min_units: int = 5
    outlier_persistent_z: float = 2.5
    coverage_min: float = 0.65

    def check(self, names: dict[str, str] | None = None) -> "AuditOptions":
        """Self, after checking every threshold; raises :class:`InputError` naming each bad one by
        ``names[field]`` (e.g. the command-line flag) or the field name."""
        names = names or {}
        rules = {
            "change_z": (0, None, "a number of robust standard deviations above 0, e.g. 5"),
            "change_min_units": (3, None, "a whole number of units, at least 3"),
            "scale_tolerance": (0, 0.5, "a share above 0 and below 0.5, e.g. 0.25 for ±25 %"),
            "scale_category_factor": (1, 3.16, "a factor above 1 and below 3.16 (√10), e.g. 2"),
            "share_max": (0, 10, "a percentage value above 0 and below 10, e.g. 1.5"),
            "share_median_min": (0, 100, "a percentage above 0 and below 100, e.g. 5"),
            "copied_share": (0, 1, "a share above 0 and at most 1, e.g. 0.6"),
            "copied_indicator_max_share": (0, 1, "a share above 0 and at most 1, e.g. 0.2"),
            "copied_min_indicators": (1, None, "a whole number of indicators, at least 1"),
            "outlier_z": (0, None, "a modified z above 0, e.g. 3.5"),
            "outlier_min_units": (3, None, "a whole number of units, at least 3"),
            "outlier_persistent_z": (0, None, "a robust z above 0, e.g. 2.5"),
            "coverage_min": (0, 1, "a share above 0 and at most 1, e.g. 0.65"),
        }
        problems = []
        for f in fields(self):
            v = getattr(self, f.name)
            lo, hi, expected = rules[f.name]
            integer = f.type in ("int", int)
            bad = isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not math.isfinite(v))
            if not bad:
                if integer:
                    bad = int(v) != v or v < lo
                else:
                    bad = v <= lo or (hi is not None and (v > hi if hi == 1 else v >= hi))
            if bad:
                problems.append(Problem(names.get(f.name, f.name), f"expected {expected}, found {v!r}"))
        if problems:
            raise InputError(problems, "invalid audit threshold")
        return self
