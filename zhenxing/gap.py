"""Gap analysis for one county: where it loses points and what it takes to move.

For one unit and year, :func:`county_gap` returns tables a report only has to
display:

* per indicator: value, target and goalpost of its category, attainment, points
  earned and lost, rank among its category on that indicator, change since last
  year, obstacle degree;
* per dimension: points earned and lost against the category mean and leader,
  obstacle degree;
* its standing: the points needed to pass the next unit up in its category and
  to leave the bottom ``k`` (the warning-talk zone), or the margin above it;
* the cheapest path: the smallest improvements, each measured as the share of
  the indicator's remaining gap to target that is closed, that lift the score
  enough to leave the bottom ``k`` (or, for a safe unit, to pass the next unit
  up), solved as a mixed-integer linear programme and checked by rescoring.

Formulas
--------
Obstacle degree (障碍度) of indicator j for unit i, with full marks ``P_j``
(points) and attainment ``a_ij``::

    O_ij = P_j (1 - a_ij) / Σ_k P_k (1 - a_ik)        (share, Σ_j O_ij = 1)

and a dimension's obstacle degree is the sum over its indicators. It equals the
indicator's share of all points lost.

Cheapest path. Closing a share ``f_j`` of the gap moves the value to
``x_j + f_j (t_j - x_j)``. Under goalpost attainment the points gained are
piecewise linear in ``f_j``: ``P_j (1 - a_j) f_j`` when the value is at or past
the goalpost, and ``P_j max(0, (f_j - s_j) / (1 - s_j))`` when it is short of the
goalpost, where ``s_j = (g_j - x_j) / (t_j - x_j)`` is the share needed to reach
it. The second form is not concave, so a binary variable per such indicator
makes the programme exact::

    minimise   Σ f_j
    subject to Σ gain_j(f_j) >= R,   0 <= f_j <= 1

with ``R`` the exact gain that lifts the unit's *published* total above the
published score it must beat (``T`` steps of ``10^-p`` points): the exact
total must reach the rounding boundary ``(T + 1/2) · 10^-p``, plus
:data:`STRICT_MARGIN`.
Other units' scores are held fixed. Missing values are left out (report them:
that is a data task, not an improvement).

Schedule progress (序时进度): by month ``m`` an indicator should have moved
``m / 12`` of the way from last year's value to this year's target; see
:func:`schedule_progress`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from .data import (
    Dataset,
    YearData,
    MissingMarkers,
    _Cells,
    _first_row,
    _parse_int,
    _sheet_rows,
    _unknown_codes,
    _unusable_cells,
    _value_problem,
    read_input,
)
from .data.cells import check_markers, means_no_value, quote
from .errors import InputError, Problem, ProblemList
from .precision import format_published, from_steps, to_steps
from .scoring import (
    ScoreResult,
    ScoringOptions,
    bottom_flags,
    competition_rank,
    score_arrays,
    score_year,
    standing_of,
)

#: The improved exact total must pass the rounding boundary of the published score to beat by this many points,
#: well above the solver's tolerance and far below the publication step.
STRICT_MARGIN = 1e-4


@dataclass(frozen=True)
class Standing:
    """Where the unit stands in its category (points; ranks are competition ranks).

    ``points_to_pass_next``: the unit must gain more than this to pass the next
    unit up (0 when first). ``points_to_leave_bottom``: it must gain more than
    this to leave the bottom ``k`` (0 when safe; ``inf`` when the category has
    no more than ``k`` units). ``margin_above_bottom``: points it can lose and
    still stay out of the bottom ``k`` (0 when flagged).
    """

    total: float
    rank_category: int
    n_category: int
    rank_province: int
    n_province: int
    grade: str
    warning_talk: bool
    veto: bool
    next_up_code: str | None
    points_to_pass_next: float
    points_to_leave_bottom: float
    margin_above_bottom: float


@dataclass(frozen=True)
class CheapestPath:
    """The smallest improvements that reach ``goal`` (see the module docstring)."""

    goal: str
    required_points: float
    feasible: bool
    total_effort: float
    steps: pd.DataFrame
    rescored_total: float
    rescored_rank_category: int
    goal_met: bool
    message: str


@dataclass(frozen=True)
class CountyGap:
    """Gap analysis of one unit in one year (see :func:`county_gap`)."""

    code: str
    year: int
    unit: dict
    standing: Standing
    indicators: pd.DataFrame
    dimensions: pd.DataFrame
    path: CheapestPath | None
    missing_indicators: list[str]


# ---------------------------------------------------------------------------
# array core
# ---------------------------------------------------------------------------


def obstacle_degree(attainment: np.ndarray, full_points: np.ndarray) -> np.ndarray:
    """``O_j = P_j (1 - a_j) / Σ_k P_k (1 - a_k)`` along the last axis (shares; 0 when nothing is lost)."""
    loss = full_points * (1.0 - np.clip(attainment, 0.0, 1.0))
    total = loss.sum(axis=-1, keepdims=True)
    return np.divide(loss, total, out=np.zeros_like(loss), where=total > 0)


def cheapest_path_arrays(
    value: np.ndarray,
    target: np.ndarray,
    goalpost: np.ndarray,
    full_points: np.ndarray,
    required: float,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Solve the cheapest-path programme for one unit.

    Returns ``(share, gain, feasible)``: the share of each indicator's gap to
    target to close (0..1) and the points it gains. NaN values are left at 0.
    When even reaching every target gains less than ``required``, returns every
    share at 1 and ``feasible = False``.
    """
    value, target, goalpost, full_points = (np.asarray(a, float) for a in (value, target, goalpost, full_points))
    m = len(value)
    span = target - goalpost
    a = np.clip((value - goalpost) / span, 0.0, 1.0)
    usable = ~np.isnan(value) & (a < 1.0) & (full_points > 0)
    share = np.zeros(m)
    gain = np.zeros(m)
    if required <= 0:
        return share, gain, True
    max_gain = np.where(usable, full_points * (1.0 - np.nan_to_num(a)), 0.0)
    if max_gain.sum() < required:
        share[usable] = 1.0
        return share, max_gain, False

    # short of the goalpost: x on the wrong side of g, so part of the gap earns nothing
    short = usable & (a <= 0.0) & ((value - goalpost) * np.sign(span) < 0)
    linear = usable & ~short
    lin = np.flatnonzero(linear)
    sh = np.flatnonzero(short)
    s = np.zeros(m)
    s[sh] = (goalpost[sh] - value[sh]) / (target[sh] - value[sh])
    # variables: f (linear), then u, v, z per short indicator
    nl, ns = len(lin), len(sh)
    n = nl + 3 * ns
    c = np.zeros(n)
    c[:nl] = 1.0
    c[nl : nl + 2 * ns] = 1.0  # u and v
    lo = np.zeros(n)
    hi = np.ones(n)
    hi[nl : nl + ns] = s[sh]
    hi[nl + ns : nl + 2 * ns] = 1.0 - s[sh]
    integrality = np.zeros(n)
    integrality[nl + 2 * ns :] = 1
    rows, lbs, ubs = [], [], []
    points_row = np.zeros(n)
    points_row[:nl] = full_points[lin] * (1.0 - a[lin])
    points_row[nl + ns : nl + 2 * ns] = full_points[sh] / (1.0 - s[sh])
    rows.append(points_row)
    lbs.append(required)
    ubs.append(np.inf)
    for q in range(ns):
        r = np.zeros(n)  # u >= s z  (the goalpost is reached before v counts)
        r[nl + q] = 1.0
        r[nl + 2 * ns + q] = -s[sh[q]]
        rows.append(r)
        lbs.append(0.0)
        ubs.append(np.inf)
        r = np.zeros(n)  # v <= (1 - s) z
        r[nl + ns + q] = 1.0
        r[nl + 2 * ns + q] = -(1.0 - s[sh[q]])
        rows.append(r)
        lbs.append(-np.inf)
        ubs.append(0.0)
    res = milp(c, constraints=LinearConstraint(np.array(rows), lbs, ubs), bounds=Bounds(lo, hi), integrality=integrality)
    if res.x is None:  # pragma: no cover - feasibility was checked above
        share[usable] = 1.0
        return share, max_gain, False
    x = np.clip(res.x, 0.0, 1.0)
    share[lin] = x[:nl]
    gain[lin] = points_row[:nl] * x[:nl]
    u, v = x[nl : nl + ns], x[nl + ns : nl + 2 * ns]
    share[sh] = u + v
    gain[sh] = points_row[nl + ns : nl + 2 * ns] * v
    share[share < 1e-9] = 0.0
    return share, gain, True


def schedule_progress(
    ytd: np.ndarray, baseline: np.ndarray, target: np.ndarray, month: int, higher_is_better: np.ndarray | bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Progress against the calendar (序时进度).

    ``progress = (ytd - baseline) / (target - baseline)`` is the share of the
    year's way from last year's value to the target already covered; the
    calendar asks for ``month / 12``. Returns ``(progress, expected_value)``
    with ``expected_value = baseline + (target - baseline) · month / 12``.
    Where the baseline already meets the target there is no way to go:
    progress is 1 if the year-to-date value still meets it, else 0, and the
    expected value is the target. A NaN baseline gives NaN progress.
    """
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    ytd, baseline, target = (np.asarray(a, float) for a in (ytd, baseline, target))
    higher = np.asarray(higher_is_better, bool)
    met_before = np.where(higher, baseline >= target, baseline <= target)
    meets_now = np.where(higher, ytd >= target, ytd <= target)
    way = target - baseline
    with np.errstate(divide="ignore", invalid="ignore"):
        progress = np.where(met_before, meets_now.astype(float), (ytd - baseline) / way)
    expected = np.where(met_before, target, baseline + way * month / 12.0)
    return progress, expected


# ---------------------------------------------------------------------------
# pandas wrapper
# ---------------------------------------------------------------------------


def _unit_index(yd: YearData, code: str, year: int) -> int:
    hits = np.flatnonzero(yd.units["code"].to_numpy() == code)
    if not len(hits):
        raise InputError([Problem("code", f"unit '{code}' is not assessed in {year} (unknown code, or it joined later)")], "unknown unit")
    return int(hits[0])


def _indicator_ranks(yd: YearData, fw, i: int) -> tuple[np.ndarray, int]:
    """Rank of unit i on each indicator among its category (1 = best; NaN if missing)."""
    cat = yd.category_index
    rows = np.flatnonzero(cat == cat[i])
    x = yd.values[rows]
    signed = np.where(fw.higher_is_better, x, -x)
    me = signed[rows.tolist().index(i)]
    with np.errstate(invalid="ignore"):
        rank = 1.0 + (signed > me).sum(axis=0)
    rank[np.isnan(me)] = np.nan
    return rank, len(rows)


def county_gap(
    dataset: Dataset,
    code: str,
    year: int,
    options: ScoringOptions | None = None,
    result: ScoreResult | None = None,
) -> CountyGap:
    """Gap analysis of unit ``code`` in ``year`` (see the module docstring).

    ``result`` may pass a :class:`ScoreResult` for the same year and options to
    avoid scoring again.
    """
    fw = dataset.framework
    options = options or ScoringOptions()
    result = result if result is not None else score_year(dataset, year, options)
    yd = dataset.year(year)
    i = _unit_index(yd, code, year)
    units = result.units.set_index("code")
    unit = {"code": code, **units.loc[code].to_dict()}
    k = fw.warning_talk.per_category

    # standing within the category
    cat_units = result.units[result.units["category"] == unit["category"]].reset_index(drop=True)
    p = fw.publication.decimals
    steps = to_steps(cat_units["total"].to_numpy(float), p).astype(float)  # decided as published
    me = int(np.flatnonzero(cat_units["code"].to_numpy() == code)[0])
    to_next, to_leave, margin, nxt = standing_of(steps, me, k)
    to_next, to_leave, margin = (float(from_steps(v, p)) for v in (to_next, to_leave, margin))
    standing = Standing(
        total=float(unit["total"]),
        rank_category=int(unit["rank_category"]),
        n_category=int(unit["n_category"]),
        rank_province=int(unit["rank_province"]),
        n_province=len(result.units),
        grade=str(unit["grade"]),
        warning_talk=bool(unit["warning_talk"]),
        veto=bool(unit["veto"]),
        next_up_code=None if nxt is None else str(cat_units["code"].iat[nxt]),
        points_to_pass_next=to_next,
        points_to_leave_bottom=to_leave,
        margin_above_bottom=margin,
    )

    # indicators
    ind = result.indicators[result.indicators["code"] == code].reset_index(drop=True)
    ind.insert(3, "unit", [x.unit for x in fw.indicators])
    ind.insert(4, "direction", [x.direction for x in fw.indicators])
    ranks, n_cat = _indicator_ranks(yd, fw, i)
    ind["rank_category"] = ranks
    ind["n_category"] = n_cat
    last = _last_year(dataset, code, year, options)
    ind["value_last_year"] = last["value"]
    ind["change"] = ind["value"] - ind["value_last_year"]
    ind["attainment_last_year"] = last["attainment"]
    ind["points_last_year"] = last["points"]
    ind["obstacle"] = obstacle_degree(ind["attainment"].to_numpy(), ind["max_points"].to_numpy())
    status = np.where(ind["attainment"] >= 1.0, "met", np.where(ind["attainment"] > 0.0, "partial", "zero"))
    ind["status"] = np.where(ind["missing"], "missing", status)
    ind = ind.drop(columns=["code", "category"])

    # dimensions
    dim_cols = [f"dim_{d.id}" for d in fw.dimensions]
    cat_dims = cat_units[dim_cols].to_numpy(float)
    points = np.array([unit[c] for c in dim_cols], float)
    dims = pd.DataFrame(
        {
            "dimension": fw.dimension_ids,
            "max_points": fw.dimension_weights,
            "points": points,
            "points_lost": fw.dimension_weights - points,
            "category_mean": cat_dims.mean(axis=0),
            "category_leader": cat_dims.max(axis=0),
        }
    )
    dims["gap_to_mean"] = dims["points"] - dims["category_mean"]
    dims["gap_to_leader"] = dims["points"] - dims["category_leader"]
    dims["obstacle"] = np.bincount(fw.dimension_of_indicator, weights=ind["obstacle"].to_numpy(), minlength=len(fw.dimensions))
    dims["points_last_year"] = last["dimension_points"]

    path = _path(dataset, yd, i, standing, options, year)
    missing = [x for x, miss in zip(fw.indicator_ids, ind["missing"]) if miss]
    return CountyGap(code, year, unit, standing, ind, dims, path, missing)


def _last_year(dataset: Dataset, code: str, year: int, options: ScoringOptions) -> dict[str, np.ndarray]:
    """Last year's values, attainment and points of the unit (NaN where unknown)."""
    fw = dataset.framework
    m, d = len(fw.indicators), len(fw.dimensions)
    out = {"value": np.full(m, np.nan), "attainment": np.full(m, np.nan), "points": np.full(m, np.nan), "dimension_points": np.full(d, np.nan)}
    prev = year - 1
    if prev not in dataset.years:
        return out
    sub = dataset.values[(dataset.values["year"] == prev) & (dataset.values["code"] == code)]
    out["value"] = sub.set_index("indicator")["value"].reindex(fw.indicator_ids).to_numpy(float)
    yd = dataset.year(prev)
    hits = np.flatnonzero(yd.units["code"].to_numpy() == code)
    if len(hits):  # assessed last year: its score then, under last year's comparison set
        arr = score_arrays(yd, fw, options)
        out["attainment"] = arr["attainment"][hits[0]]
        out["points"] = arr["attainment"][hits[0]] * arr["indicator_max"]
        out["dimension_points"] = arr["dimension_points"][hits[0]]
    return out


def _path(dataset: Dataset, yd: YearData, i: int, standing: Standing, options: ScoringOptions, year: int) -> CheapestPath | None:
    fw = dataset.framework
    if options.normalisation != "goalpost" or options.aggregation != "arithmetic":
        return None  # the programme relies on points being piecewise linear in the values
    if standing.warning_talk:
        goal, required = "leave_bottom", standing.points_to_leave_bottom
    elif standing.next_up_code is not None:
        goal, required = "pass_next", standing.points_to_pass_next
    else:
        return None  # first in its category
    empty = pd.DataFrame(columns=["indicator", "dimension", "value", "new_value", "share_of_gap", "points_gained"])
    if not math.isfinite(required):
        return CheapestPath(goal, required, False, 0.0, empty, standing.total, standing.rank_category, False,
                            "the category has no more units than the warning-talk quota: no score leaves the bottom")
    # the published total must pass the published score to beat (T steps): the exact total must reach
    # the rounding boundary above it, (T + 1/2) steps, from where it is now
    p = fw.publication.decimals
    beat_steps = int(to_steps(standing.total + required, p))
    now = score_arrays(yd, fw, options)
    # before the floor at 0: a unit whose deductions exceed its points must first make up the difference
    exact_now = float(now["base"][i] + now["bonus"][i] - now["deduction"][i])
    exact_needed = float(from_steps(beat_steps + 0.5, p)) - exact_now + STRICT_MARGIN
    cat = yd.category_index[i]
    dim_w, ind_w = options.weights(fw)
    full = dim_w[fw.dimension_of_indicator] * ind_w
    x = yd.values[i]
    t, g = fw.targets[cat], fw.goalposts[cat]
    share, gain, feasible = cheapest_path_arrays(x, t, g, full, exact_needed)
    new_x = np.where(share > 0, x + share * (t - x), x)

    # check by rescoring the whole province with the improved values
    values = yd.values.copy()
    values[i] = new_x
    arr = score_arrays(YearData(yd.year, yd.units, values, yd.adjustments), fw, options)
    cat_rows = np.flatnonzero(yd.category_index == cat)
    new_total = float(arr["total"][i])
    new_rank = int(competition_rank(arr["total"][cat_rows])[cat_rows.tolist().index(i)])
    if goal == "leave_bottom":
        flags = bottom_flags(arr["total"][cat_rows], np.zeros(len(cat_rows), int), fw.warning_talk.per_category)
        met = not bool(flags[cat_rows.tolist().index(i)])
    else:
        nxt = int(np.flatnonzero(yd.units["code"].to_numpy() == standing.next_up_code)[0])
        met = new_total > float(arr["total"][nxt])
    chosen = share > 0
    steps = pd.DataFrame(
        {
            "indicator": np.array(fw.indicator_ids)[chosen],
            "dimension": np.array([fw.dimensions[d].id for d in fw.dimension_of_indicator])[chosen],
            "value": x[chosen],
            "new_value": new_x[chosen],
            "share_of_gap": share[chosen],
            "points_gained": gain[chosen],
        }
    ).sort_values("points_gained", ascending=False, kind="stable").reset_index(drop=True)
    beat = format_published(float(from_steps(beat_steps, p)), p)
    if feasible and met:
        message = (f"close {share.sum():.2f} indicator-gaps in all to gain {gain.sum():.2f} points: "
                   f"published total {format_published(new_total, p)}, above {beat}")
    elif feasible:  # pragma: no cover - the programme and the rescoring disagree: say so rather than claim success
        message = (f"the programme's improvements give a published total of {format_published(new_total, p)}, "
                   f"which does not pass {beat} on rescoring")
    else:
        message = f"even meeting every target gains only {gain.sum():.2f} points; more than {required:.{p}f} are needed to pass {beat}"
    return CheapestPath(goal, required, feasible, float(share.sum()), steps, new_total, new_rank, met, message)


# ---------------------------------------------------------------------------
# year-to-date values
# ---------------------------------------------------------------------------

YTD_COLUMNS = ["code", "indicator", "year", "month", "value"]


def load_ytd(path: str | Path, dataset: Dataset, missing_markers: Sequence[str] = ()) -> pd.DataFrame:
    """Read year-to-date values ``code, indicator, year, month, value`` (CSV or .xlsx).

    Read and checked as the main values are (:mod:`zhenxing.data`): title rows,
    Chinese headers and sheets, cells read the same way (Excel percentages as
    shown, ``1,234``), Excel errors reported, known unit codes and indicator
    ids, a year within the framework's years, a month 1..12, a finite value
    within the indicator's valid range, and no repeated ``(code, indicator,
    year, month)``. Every value is required (a row is a report): an empty cell,
    text for "no value" (``N/A``, ``—``) and the declared ``missing_markers``
    are refused alike ("leave out what was not reported"). Raises one :class:`InputError` listing every
    problem with its file, row and column.
    """
    problems = ProblemList("invalid year-to-date values")
    problems.extend(check_markers(missing_markers, "missing_markers"))
    table = read_input(path, "year-to-date values", expected=", ".join(YTD_COLUMNS))
    source, labels = table.source, table.labels
    problems.extend(list(table.problems))
    raw, bad = _unusable_cells(table.frame, source, problems, labels)
    missing = [c for c in YTD_COLUMNS if c not in raw.columns]
    if missing:
        problems.add(source, f"missing column(s) {', '.join(missing)} (expected {', '.join(YTD_COLUMNS)})")
        problems.raise_if_any()
    fw = dataset.framework
    indicators = fw.indicator_by_id
    markers = MissingMarkers(missing_markers)
    cells = _Cells(source, problems, bad, labels)
    rows = _sheet_rows(raw)
    unknown = _unknown_codes(raw["code"].to_numpy(), rows, set(dataset.register["code"]), bad)
    seen: dict[tuple[str, str, int, int], int] = {}
    out = []
    for k, rec in enumerate(raw[YTD_COLUMNS].itertuples(index=False)):
        r = int(rows[k])
        ok = True
        if rec.code in unknown or (r, "code") in bad:
            first, what = unknown.get(rec.code, (None, ""))
            if first == r:
                cells.add(r, "code", what)
            ok = False
        if rec.indicator not in indicators:
            cells.add(r, "indicator", f"unknown indicator id {quote(rec.indicator)} (not an indicator of the framework)")
            ok = False
        year = _parse_int(rec.year)
        if year is None:
            cells.add(r, "year", f"expected a year such as 2023, found {quote(rec.year)}")
            ok = False
        elif not fw.years.first <= year <= fw.years.last:
            cells.add(r, "year", f"year {year} is outside the framework's assessment years {fw.years.first}-{fw.years.last}")
            ok = False
        month = _parse_int(rec.month)
        if month is None or not 1 <= month <= 12:
            cells.add(r, "month", f"expected a month 1..12, found {quote(rec.month)}")
            ok = False
        value = None
        if (r, "value") in bad:
            ok = False
        elif means_no_value(rec.value, markers):  # empty, 'N/A', '—', a declared marker: not a report
            cells.add(r, "value", "no value (expected the year-to-date value; leave out what was not reported)")
            ok = False
        elif (value := cells.number(r, "value", rec.value)) is None:
            ok = False
        elif rec.indicator in indicators and (what := _value_problem(fw, rec.indicator, value)) is not None:
            cells.add(r, "value", what)
            ok = False
        names_its_cell = rec.code not in unknown and (r, "code") not in bad and rec.indicator in indicators
        if (
            names_its_cell
            and year is not None
            and month is not None
            and 1 <= month <= 12
            and (first := _first_row(seen, (rec.code, rec.indicator, year, month), r)) is not None
        ):
            cells.add_row(
                r, f"duplicate year-to-date value for unit {quote(rec.code)}, indicator '{rec.indicator}', {year} month {month} (first at row {first})"
            )
            ok = False
        if ok:
            out.append((rec.code, rec.indicator, year, month, value))
    problems.raise_if_any()
    return pd.DataFrame(out, columns=YTD_COLUMNS)


def schedule_table(gap: CountyGap, dataset: Dataset, ytd: pd.DataFrame) -> pd.DataFrame:
    """Schedule progress of the unit's indicators reported year to date (latest month each).

    Columns: indicator, month, baseline (last year's value), target, ytd,
    expected (by the calendar), progress (share of the way), calendar
    (month / 12), status ('ahead' | 'on_time' | 'behind' | 'met' | 'unknown'; ahead, on time and
    behind compare progress and calendar in whole per cent, as the report shows them).
    """
    fw = dataset.framework
    sub = ytd[(ytd["code"] == gap.code) & (ytd["year"] == gap.year)]
    if sub.empty:
        return pd.DataFrame(columns=["indicator", "month", "baseline", "target", "ytd", "expected", "progress", "calendar", "status"])
    sub = sub.sort_values("month", kind="stable").groupby("indicator", sort=False).tail(1)  # the last report of the latest month
    ind = gap.indicators.set_index("indicator")
    out = []
    for rec in sub.itertuples(index=False):
        baseline, target = ind.at[rec.indicator, "value_last_year"], ind.at[rec.indicator, "target"]
        higher = fw.indicator_by_id[rec.indicator].direction == "higher"
        progress, expected = schedule_progress(np.array([rec.value]), np.array([baseline]), np.array([target]), int(rec.month), higher)
        meets = rec.value >= target if higher else rec.value <= target
        calendar = rec.month / 12.0
        if meets:
            status = "met"
        elif np.isnan(progress[0]):
            status = "unknown"  # no value last year to measure the way from
        else:
            # decided at the precision shown (whole per cent): 75 % against 75 % is on time, not ahead
            shown, due = int(to_steps(progress[0] * 100, 0)), int(to_steps(calendar * 100, 0))
            status = "ahead" if shown > due else "on_time" if shown == due else "behind"
        out.append((rec.indicator, rec.month, baseline, target, rec.value, expected[0], progress[0], calendar, status))
    order = {x: k for k, x in enumerate(fw.indicator_ids)}
    df = pd.DataFrame(out, columns=["indicator", "month", "baseline", "target", "ytd", "expected", "progress", "calendar", "status"])
    return df.sort_values("indicator", key=lambda s: s.map(order)).reset_index(drop=True)
