"""Exact rank robustness under a box of dimension weights.

Sampling weights (Monte Carlo) shows which ranks are *likely*; this module
computes which ranks are *possible*: the best and the worst rank a county can
reach when every dimension weight may move inside a box, with weights that
achieve each bound. No amount of sampling can promise that.

The model
---------
For one year the default scoring (goalpost attainment, weighted arithmetic
mean) gives, per unit ``i``, a dimension attainment vector ``A_i`` (0..1, from
:func:`zhenxing.scoring.score_arrays`, key ``dimension_attainment``) and a
constant adjustment ``c_i = bonus_i - deduction_i`` (points). With dimension
weights ``w`` (points; the nominal ones sum to ``scale``), renormalised::

    s_i(w) = scale · (A_i · w) / Σ_k w_k + c_i                        (points)

The floor of the assessment (``total = max(0, ·)``) is ignored: with the demo
framework no unit comes near 0; :func:`rank_bounds_table` warns if the floor
could bind. The box is ``w_lo <= w <= w_hi``, for a spread ``x`` around the
nominal weights ``w0``: ``w_lo = w0 (1 - x)``, ``w_hi = w0 (1 + x)``.

Key fact: for two units ::

    s_j(w) - s_i(w) = (d_ji · w) / Σ_k w_k,   d_ji = scale (A_j - A_i) + (c_j - c_i) · 1

so the sign of every comparison is that of the linear form ``d_ji · w``
(``Σ w > 0``): it is invariant to rescaling ``w``, and the box itself can be
searched without a simplex constraint. Unit ``j`` *beats* unit ``i`` when
``s_j - s_i > tie_tol`` (points; 0 by default, i.e. strictly higher), which is
``d'_ji · w > 0`` with ``d'_ji = d_ji - tie_tol · 1`` (still linear). Ranks are
competition ranks within a group (the category, or the province):
``rank_i = 1 + #{j in group: j beats i}`` (ties share the best rank).

Pairwise "LPs" in closed form
-----------------------------
The extremes of a linear form over a box need no solver::

    min_{lo<=w<=hi} d·w = Σ_k min(d_k lo_k, d_k hi_k),   max = Σ_k max(d_k lo_k, d_k hi_k)

``j`` beats ``i`` for every ``w`` in the box iff ``min d'_ji·w > 0``; for no
``w`` iff ``max d'_ji·w <= 0``; otherwise the pair is *undecided*.

Best and worst rank (one small MILP each)
-----------------------------------------
Let ``U`` be the undecided rivals of ``i`` and ``n_a`` the number that always
beat it. With binaries ``y_j`` (j in U) and continuous ``w`` in the box::

    best  = 1 + n_a + min Σ y_j   s.t.  d'_j · w <= M_j y_j                  (y_j = 0: j does not beat i)
    worst = 1 + n_a + max Σ y_j   s.t.  (d'_j - ε·1) · w >= m_j (1 - y_j)    (y_j = 1: j beats i by >= ε points)

with the tight big-M constants from the box, ``M_j = max_box d'_j·w > 0`` and
``m_j = min_box (d'_j - ε·1)·w < 0``. Ties never beat, so "does not beat" is the
closed constraint ``<= 0`` (exact ties are allowed and found); "beats" is strict
and is imposed with a margin: ``s_j - s_i >= tie_tol + ε`` with
``ε = strict_margin``, default ``1e-5 · scale`` points (0.001 points on a
100-point scale, a tenth of the 0.01 to which scores are reported). The worst
rank therefore ignores weight vectors at which a rival leads by less than ε.

Why not smaller: HiGHS accepts a MIP solution when each row holds within its
feasibility tolerance (1e-6 on our rows, which are scaled so that their range
over the box is [-1, 1]); that is up to ~1e-6 × (the largest score gap of the
pair over the box) ≈ 1e-4 points. A margin below that lets the solver "find"
rivals leading by nothing (e.g. two rivals each ahead of a unit that sits
exactly between them). With ε = 1e-3 points the solver slack stays well
inside the margin. Each optimum's weights are rescored: the rivals leading by
more than ``tie_tol + ε/2`` points must be exactly those the MILP counts, else a
``RuntimeWarning`` is raised.

Pre-filtering keeps only the undecided rivals in the MILP; a cheap screen of
the box's vertices (up to 2^12 of them, else 4096 seeded random points) and its
centre settles a bound without a MILP whenever a screened point already reaches
``1 + n_a`` (best) or ``1 + n_a + #U`` (worst); otherwise the best screened
value enters the MILP as the cut ``Σ y <= value`` (best) or ``>= value``
(worst), which removes no optimum and prunes the branch and bound.

Measured on the demo province (100 units, 8 dimensions, categories of
25/50/25), all 400 bounds (best and worst, within category and province), on
a shared 2-core machine: ±10 % 0.9 s (109 MILPs), ±20 % 1.3–1.9 s (202),
±30 % 2.8 s (253), ±50 % 5 s (282). The cost grows with the number of
undecided rivals, i.e. with the spread and the group size.

Ranks as published
------------------
The assessment decides ranks on totals published at ``p`` decimals
(:mod:`zhenxing.precision`): ``j`` beats ``i`` when ``R(s_j) > R(s_i)``, with
``R`` rounding half away from zero to steps of ``10^-p`` points. With
``decimals=p`` the bounds follow that rule. Pre-filtering: ``j`` beats ``i``
for every ``w`` when ``s_j - s_i >= 10^-p`` on the whole box (closed form on
``d_ji - 10^-p · 1``), for no ``w`` when ``s_j <= s_i`` on the whole box. The
MILPs work in the renormalised weights ``v = scale · w / Σ w`` (then
``s_i = A_i · v + c_i`` is linear), whose set is the polytope
``{v: Σ v = scale, λ w_lo <= v <= λ w_hi, λ > 0}``, with an integer ``Q``,
the published total of ``i`` in steps, and ``P = 10^p``::

    Q - 1/2 + η <= P s_i <= Q + 1/2 - η
    best:  y_j = 0  =>  P s_j <= Q + 1/2 - η      (j published at most Q)
    worst: y_j = 1  =>  P s_j >= Q + 1/2 + η      (j published above Q)

The margin ``η`` (:data:`PUBLISHED_MARGIN` steps, 0.00001 points at 2
decimals) keeps every solution clear of a rounding boundary, beyond the
solver's tolerances (the big-M constants come from each pair's score gap over
the box, so that HiGHS's integrality tolerance relaxes a row by far less than
``η``); weight vectors at which a score lies within ``η`` of a
boundary are not counted. Each optimum's weights are rescored and rounded
with the library's own rule, as above.

Smallest swap (closed form of an LP)
------------------------------------
The smallest uniform relative change ``t`` (``|w_k - w0_k| <= t w0_k``) that
lets ``j`` score at least ``margin`` points above ``i`` is the LP
``min t  s.t. (d_ji - margin·1)·w >= 0, w0(1-t) <= w <= w0(1+t), w >= 0``.
With ``e = d_ji - margin·1`` the maximum of ``e·w`` over the box of size
``t <= 1`` is ``e·w0 + t |e|·w0``, hence ::

    t* = max(0, -e·w0 / (|e|·w0)),   w*_k = w0_k (1 + t* sign(e_k))

and no ``t`` works when no dimension with ``w0_k > 0`` has ``e_k > 0`` (``i``
then scores at least as well as ``j`` on every dimension, adjustments included).
"""

from .bounds import STRICT_MARGIN_REL, rank_bounds
from .box import DOMINANCE_BLOCK_BYTES, Dominance, box_extremes, pair_differences, pairwise_dominance
from .published import PUBLISHED_MARGIN
from .screen import MAX_SCREEN_DIMS, RankBounds, group_scores
from .swap import SWAP_MARGIN_REL, Swap, smallest_swap
from .table import ALL_UNITS_MAX, NATIONAL_TIME_LIMIT, rank_bounds_table, weight_box_arrays

__all__ = [
    "ALL_UNITS_MAX", "NATIONAL_TIME_LIMIT", "DOMINANCE_BLOCK_BYTES", "MAX_SCREEN_DIMS", "PUBLISHED_MARGIN", "STRICT_MARGIN_REL", "SWAP_MARGIN_REL",
    "Dominance", "RankBounds", "Swap", "box_extremes", "group_scores", "pair_differences", "pairwise_dominance",
    "rank_bounds", "rank_bounds_table", "smallest_swap", "weight_box_arrays",
]
