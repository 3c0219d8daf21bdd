"""Scores as published: rounded at the framework's precision, half away from zero (四舍五入).

The assessment publishes every score at a fixed number of decimals (2 by
default, ``publication.decimals`` in the framework). Grades, ranks,
warning-talk flags, city ranks and margins are decided on the published
values, so that floating-point noise never decides who is summoned: a total
whose points add up to exactly 90 is 90.00 (not 89.99999999999999, graded one
step lower), and two units that lose the same points through different
indicators are equal.

Rounding rule
-------------
For ``decimals = p`` a score ``x`` (points) is published as the integer count
of steps ``q = sign(x) · floor(|x| · 10^p + 1/2)`` (units of ``10^-p`` points),
i.e. half away from zero, like ``decimal.ROUND_HALF_UP`` on the decimal
number. The arithmetic that produced ``x`` carries binary noise of a few
units in the last place (``62.745`` comes out as ``62.74499999999999``), so
``|x| · 10^p`` is first snapped to :data:`SNAP` decimals: a value within
``10^-SNAP`` steps of a half-step is taken as lying on it. Scores are sums of
weights × attainments given to a handful of decimals, so genuine values never
fall that close to a half-step without being on it.

Integer steps are exact and totally ordered; comparisons (ranks, ties, the
warning line) are done on them. :func:`published` gives the same values as
floats (``q / 10^p``, the float nearest to the decimal), which compare exactly
as the integers do.
"""

from __future__ import annotations

import numpy as np

#: Decimals (in publication steps) to which ``|x| · 10^p`` is snapped before rounding half up.
SNAP = 6


def to_steps(x: np.ndarray | float, decimals: int) -> np.ndarray:
    """Published value of ``x`` as an integer number of ``10^-decimals`` steps (int64), half away from zero.

    ``x`` in points, any shape; NaN is not allowed (scores are always defined).
    """
    x = np.asarray(x, dtype=float)
    scaled = np.round(np.abs(x) * 10.0**decimals, SNAP)
    return (np.sign(x) * np.floor(scaled + 0.5)).astype(np.int64)


def from_steps(q: np.ndarray | int, decimals: int) -> np.ndarray:
    """Integer steps back to points (the float nearest to the published decimal); ``±inf`` stays infinite."""
    return np.asarray(q, dtype=float) / 10.0**decimals


def published(x: np.ndarray | float, decimals: int) -> np.ndarray:
    """``x`` rounded to ``decimals`` places, half away from zero (points, float array)."""
    return from_steps(to_steps(x, decimals), decimals)


def mean_steps(steps: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of published values per group, itself published: exact integer arithmetic.

    ``steps`` (..., n) integer steps, ``groups`` (n,) group index 0..n_groups-1.
    The mean of a group with sum ``S`` and ``k`` members is ``S / k`` steps,
    rounded half away from zero: ``sign(S) · floor((2|S| + k) / 2k)``.
    Returns (..., n_groups) int64.
    """
    steps = np.asarray(steps, dtype=np.int64)
    members = np.zeros((steps.shape[-1], n_groups), dtype=np.int64)
    members[np.arange(steps.shape[-1]), groups] = 1
    sums = steps @ members
    k = members.sum(axis=0)
    return np.sign(sums) * ((2 * np.abs(sums) + k) // (2 * k))


def format_published(x: float, decimals: int) -> str:
    """A published value as text with exactly ``decimals`` places (``90.00``)."""
    q = int(to_steps(x, decimals))
    sign = "-" if q < 0 else ""
    q = abs(q)
    if decimals == 0:
        return f"{sign}{q}"
    whole, frac = divmod(q, 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}"
