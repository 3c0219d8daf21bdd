"""Running every check on a data set: :func:`audit_dataset`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..data import Dataset
from ..errors import InputError, Problem
from .change import change_z, check_change
from .copied import check_copied
from .coverage import check_coverage, coverage_tables, missing_by_department
from .options import AuditOptions
from .outliers import category_stats, check_outliers
from .panel import build_panel
from .result import AuditResult, flag_table
from .scale import check_scale


def audit_dataset(ds: Dataset, years: Iterable[int] | None = None, options: AuditOptions = AuditOptions()) -> AuditResult:
    """Audit ``ds``: unit-scale slips, implausible changes against the previous year in the data,
    values copied forward, category outliers and coverage (see :class:`AuditOptions` for every rule).

    ``years``: the years whose flags are kept (default every year of the data); each is still
    compared with the previous year present in the data. Each cell gets at most one of the
    value checks, the most specific first: scale slip, then change, then category outlier. Raises :class:`InputError` for a year without data.
    """
    options.check()
    panel = build_panel(ds)
    wanted = list(panel.years) if years is None else sorted({int(y) for y in years})
    unknown = [y for y in wanted if y not in panel.years]
    if unknown:
        raise InputError([Problem("year", f"no data for {', '.join(map(str, unknown))} "
                                          f"(years in the data: {', '.join(map(str, panel.years))})")], "unknown year")
    n_years, _, n_ind = panel.values.shape
    zc, centre, sigma, median = category_stats(panel, options)
    zchange = np.full(panel.values.shape, np.nan)
    for t in range(1, n_years):
        for j in range(n_ind):
            zchange[t, :, j] = change_z(panel, t, j, options)
    scale = check_scale(panel, options, zc, centre, sigma, median, zchange)
    slipped = {(panel.years.index(f.year), f.unit, f.indicator) for f in scale}
    changes = check_change(panel, options, slipped, zc, zchange)
    explained = slipped | {(panel.years.index(f.year), f.unit, f.indicator) for f in changes}
    outliers = [f for f in check_outliers(panel, options, zc, median, zchange)
                if (panel.years.index(f.year), f.unit, f.indicator) not in explained]
    copied = check_copied(panel, options)
    by_ind, by_unit = coverage_tables(panel)
    coverage = check_coverage(panel, options, by_ind, by_unit)
    flags = [f for f in scale + changes + copied + outliers + coverage if f.year in wanted]
    table, cells = flag_table(panel, flags)
    missing = missing_by_department(panel, getattr(ds, "submitted", None))
    keep = lambda df: df[df["year"].isin(wanted)].reset_index(drop=True)  # noqa: E731
    return AuditResult(ds.framework, wanted, options, table, cells, keep(by_ind), keep(by_unit), keep(missing), panel)
