"""Coupling coordination degree (耦合协调度) of the pillars, per unit.

Chinese practice asks how *evenly* a county develops its subsystems (here:
the dimensions, by default the five pillars of the "20-character
requirement"), beside how far it has come. With ``U_i`` in [0, 1] the
attainment of subsystem i (dimension points / dimension weight):

* coupling degree 耦合度 (classic, normative form)
  ``C = n · (Π_i U_i)^(1/n) / Σ_i U_i`` — the geometric over the arithmetic
  mean, equivalently ``C = [Π U_i / ((Σ U_i / n)^n)]^(1/n)``; 1 when every
  U_i is equal, 0 when one is 0;
* comprehensive development index 综合发展指数 ``T = Σ_i α_i U_i`` with
  ``Σ α_i = 1`` (default here: equal shares in the array core; the pandas
  edge :func:`coupling_table` uses the dimension weights, renormalised);
* coupling coordination degree 耦合协调度 ``D = √(C · T)``, in [0, 1];
* the ten grades of D in steps of 0.1 (:data:`GRADES`), 极度失调 … 优质协调.

The classic form and its common mis-writings are reviewed by 王淑佳, 孔伟,
任亮, 治丹丹, 戴彬婷,「国内耦合协调度模型的误区及修正」, 自然资源学报 2021,
36(3): 793–810, who propose a corrected
coupling degree, available here as ``form="wang2021"``::

    C = √{ [1 − √( Σ_{i>j} (U_i − U_j)² / Σ_{m=1}^{n−1} m )] · Π_i (U_i / max_j U_j)^(1/(n−1)) }

(the first factor is one minus the root mean square of the n(n−1)/2 pairwise
differences, the second the geometric mean of the other subsystems' ratios
to the leading one). We implement this formula as it is commonly cited from
the paper; we could not read the paper's own equation here, only its
abstract and Table 8 (classic and corrected C of 13 Beijing-Tianjin-Hebei
cities), whose pairs are consistent with it for two subsystems. Treat the
corrected form as an option to compare, not as a verified reproduction.

Undefined cases, by convention: when every U_i is 0 the coupling degree is
0/0 and reported as NaN, with ``T = 0`` and ``D = 0``; one U_i = 0 gives
``C = 0`` and ``D = 0`` in both forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import pandas as pd

from .errors import InputError, Problem

Form = Literal["classic", "wang2021"]
FORMS: tuple[str, ...] = ("classic", "wang2021")
#: D = 0.3 computed as 0.29999999999999993 still grades as 0.3 (lower bounds are inclusive)
GRADE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CoordinationGrade:
    level: int  # 1 (极度失调) .. 10 (优质协调)
    id: str
    name_zh: str
    name_en: str

    @property
    def lower(self) -> float:
        """Lower bound of D for this grade (inclusive)."""
        return (self.level - 1) / 10

    def label(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


#: The ten grades of D: level k covers ``(k−1)/10 <= D < k/10``, level 10 also D = 1.
GRADES: tuple[CoordinationGrade, ...] = (
    CoordinationGrade(1, "extreme_disorder", "极度失调", "extreme disorder"),
    CoordinationGrade(2, "serious_disorder", "严重失调", "serious disorder"),
    CoordinationGrade(3, "moderate_disorder", "中度失调", "moderate disorder"),
    CoordinationGrade(4, "mild_disorder", "轻度失调", "mild disorder"),
    CoordinationGrade(5, "verge_of_disorder", "濒临失调", "on the verge of disorder"),
    CoordinationGrade(6, "barely_coordinated", "勉强协调", "barely coordinated"),
    CoordinationGrade(7, "primary_coordination", "初级协调", "primary coordination"),
    CoordinationGrade(8, "intermediate_coordination", "中级协调", "intermediate coordination"),
    CoordinationGrade(9, "good_coordination", "良好协调", "good coordination"),
    CoordinationGrade(10, "quality_coordination", "优质协调", "high-quality coordination"),
)


# ---------------------------------------------------------------------------
# array core
# ---------------------------------------------------------------------------


def _check(u: np.ndarray, alpha: np.ndarray | None, form: str) -> tuple[np.ndarray, np.ndarray]:
    problems: list[Problem] = []
    u = np.asarray(u, dtype=float)
    if u.ndim == 1:
        u = u[None, :]
    if u.ndim != 2 or u.shape[1] < 2:
        problems.append(Problem("u", f"expected a (units × subsystems) array with at least 2 subsystems, got shape {np.shape(u)}"))
        raise InputError(problems, "invalid coupling input")
    n = u.shape[1]
    if not np.isfinite(u).all():
        problems.append(Problem("u", "subsystem attainments must be finite numbers (no missing values)"))
    elif (u < -1e-12).any() or (u > 1 + 1e-12).any():
        problems.append(Problem("u", f"subsystem attainments must lie in [0, 1], found {u.min():g} .. {u.max():g}"))
    if form not in FORMS:
        problems.append(Problem("form", f"unknown form '{form}' (expected one of {', '.join(FORMS)})"))
    if alpha is None:
        a = np.full(n, 1.0 / n)
    else:
        a = np.asarray(alpha, dtype=float).ravel()
        if a.shape != (n,) or not np.isfinite(a).all() or (a < 0).any() or a.sum() <= 0:
            problems.append(Problem("alpha", f"expected {n} non-negative shares (not all 0), got {list(a)}"))
        else:
            a = a / a.sum()
    if problems:
        raise InputError(problems, "invalid coupling input")
    return np.clip(u, 0.0, 1.0), a


def coupling_degree(u: np.ndarray, form: Form = "classic") -> np.ndarray:
    """Coupling degree C per row of ``u`` (units × n subsystems, attainments in [0, 1]); dimensionless, [0, 1].

    ``classic``: ``C = n (Π U_i)^(1/n) / Σ U_i``. ``wang2021`` (王淑佳等 2021):
    ``C = √{[1 − √(Σ_{i>j}(U_i − U_j)² / (n(n−1)/2))] · Π (U_i / max U)^(1/(n−1))}``.
    NaN where every U_i is 0 (0/0); 0 where one U_i is 0.
    """
    u, _ = _check(u, None, form)
    n = u.shape[1]
    total = u.sum(axis=1)
    top = u.max(axis=1)
    all_zero = top <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if form == "classic":
            # geometric mean via logs (0 where any U is 0), over the arithmetic mean
            geo = np.where((u > 0).all(axis=1), np.exp(np.log(np.where(u > 0, u, 1.0)).mean(axis=1)), 0.0)
            c = np.where(all_zero, np.nan, geo / np.where(all_zero, 1.0, total / n))
        else:
            i, j = np.triu_indices(n, k=1)
            rms = np.sqrt(((u[:, i] - u[:, j]) ** 2).sum(axis=1) / (n * (n - 1) / 2))
            ratio = u / np.where(all_zero, 1.0, top)[:, None]
            prod = np.prod(ratio, axis=1) ** (1.0 / (n - 1))
            c = np.where(all_zero, np.nan, np.sqrt(np.clip(1.0 - rms, 0.0, 1.0) * prod))
    return np.clip(c, 0.0, 1.0)


def coupling_coordination(u: np.ndarray, alpha: np.ndarray | Sequence[float] | None = None, form: Form = "classic") -> dict[str, np.ndarray]:
    """Coupling C, development T and coordination D per row of ``u`` (units × subsystems, in [0, 1]).

    ``T = Σ α_i U_i`` with ``α`` renormalised to sum to 1 (default: equal
    shares 1/n); ``D = √(C · T)``; C as :func:`coupling_degree`. When every
    U_i is 0, C is NaN (undefined) and ``D = 0``. All three are
    dimensionless in [0, 1]. Returns ``{"C": ..., "T": ..., "D": ...}``.
    """
    u, a = _check(u, None if alpha is None else np.asarray(alpha, float), form)
    c = coupling_degree(u, form)
    t = u @ a
    d = np.where(np.isnan(c), 0.0, np.sqrt(np.nan_to_num(c) * t))
    return {"C": c, "T": t, "D": d}


def coordination_level(d: np.ndarray | float) -> np.ndarray:
    """Grade level 1..10 of D: level k when ``(k−1)/10 <= D < k/10`` (D = 1 is level 10).

    Lower bounds are inclusive (D = 0.5 is 勉强协调, level 6), with a
    tolerance of 1e-9 for floating-point sums; NaN D is refused.
    """
    d = np.asarray(d, dtype=float)
    if np.isnan(d).any():
        raise ValueError("coordination_level needs a defined D (no NaN)")
    return np.clip(np.floor(d * 10 + GRADE_TOLERANCE).astype(int) + 1, 1, 10)


def coordination_grade(d: float) -> CoordinationGrade:
    """The grade of one D (see :func:`coordination_level` for the boundaries)."""
    return GRADES[int(coordination_level(d)) - 1]


# ---------------------------------------------------------------------------
# pandas edge
# ---------------------------------------------------------------------------


def _dimensions(fw, dimensions: Sequence[str] | None) -> list[str]:
    if dimensions is None:
        pillars = [d.id for d in fw.dimensions if d.pillar]
        return pillars or list(fw.dimension_ids)
    unknown = [d for d in dimensions if d not in fw.dimension_ids]
    problems = [Problem(f"dimensions[{k}]", f"unknown dimension '{d}' (known: {', '.join(fw.dimension_ids)})")
                for k, d in enumerate(dimensions) if d in unknown]
    if len(dimensions) < 2:
        problems.append(Problem("dimensions", f"coupling needs at least 2 dimensions, got {list(dimensions)}"))
    if len(set(dimensions)) != len(dimensions):
        problems.append(Problem("dimensions", f"each dimension once, got {list(dimensions)}"))
    if problems:
        raise InputError(problems, "invalid coupling dimensions")
    return list(dimensions)


def coupling_table(result, dimensions: Sequence[str] | None = None, alpha: Sequence[float] | None = None, form: Form = "classic") -> pd.DataFrame:
    """Coupling coordination of every unit of a :class:`~zhenxing.scoring.ScoreResult`.

    ``U_<dim> = dim_<dim>_exact / W_dim`` (unrounded dimension points over the
    dimension's weight in points under the result's options: the dimension
    attainment, in [0, 1]) for the chosen ``dimensions`` (default: the
    pillars, or every dimension when none is a pillar); ``alpha`` default:
    those dimensions' weights, renormalised to sum to 1. Columns: code,
    name_zh, name_en, city, city_en, category, U_<dim>..., C, T, D, level
    (1..10), grade (id), grade_zh, grade_en, rank_D_category (competition
    rank of D within the category, 1 = most coordinated), n_category; rows
    in the result's order. C is NaN only when every U is 0 (then D = 0).
    """
    fw = result.framework
    dims = _dimensions(fw, dimensions)
    dim_w = result.options.weights(fw)[0]
    w = np.array([dim_w[fw.dimension_ids.index(d)] for d in dims], float)
    if (w <= 0).any():
        zero = [d for d, x in zip(dims, w) if x <= 0]
        raise InputError([Problem("dimensions", f"{', '.join(zero)} weigh 0 points: no attainment can be read from their points")],
                         "invalid coupling dimensions")
    units = result.units
    u = np.column_stack([units[f"dim_{d}_exact"].to_numpy(float) / x for d, x in zip(dims, w)])
    out = coupling_coordination(np.clip(u, 0.0, 1.0), w if alpha is None else alpha, form)
    keep = [c for c in ("code", "name_zh", "name_en", "city", "city_en", "category") if c in units]
    table = units[keep].copy().reset_index(drop=True)
    for k, d in enumerate(dims):
        table[f"U_{d}"] = u[:, k]
    table["C"], table["T"], table["D"] = out["C"], out["T"], out["D"]
    level = coordination_level(out["D"])
    table["level"] = level
    table["grade"] = [GRADES[k - 1].id for k in level]
    table["grade_zh"] = [GRADES[k - 1].name_zh for k in level]
    table["grade_en"] = [GRADES[k - 1].name_en for k in level]
    groups = table["category"].to_numpy()
    d_vals = table["D"].to_numpy()
    rank = np.empty(len(table), dtype=int)
    for g in pd.unique(groups):
        idx = np.flatnonzero(groups == g)
        rank[idx] = 1 + (d_vals[idx][None, :] > d_vals[idx][:, None]).sum(axis=1)
    table["rank_D_category"] = rank
    table["n_category"] = table.groupby("category")["code"].transform("size").to_numpy()
    return table


def city_coupling_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per city: the mean D of its units, the grade of that mean, and the number of units per grade.

    ``table`` is :func:`coupling_table`'s output. Columns: city, city_en,
    n_units, D_mean (mean of the units' D), level, grade, grade_zh,
    grade_en (of D_mean), rank (competition rank of D_mean, 1 = most
    coordinated), then ``n_<grade id>`` for each of the ten grades; sorted by
    D_mean descending, then city.
    """
    g = table.groupby("city", sort=False)
    out = pd.DataFrame({"city": list(g.groups)})
    out["city_en"] = g["city_en"].first().reindex(out["city"]).to_numpy() if "city_en" in table else out["city"]
    out["n_units"] = g.size().reindex(out["city"]).to_numpy()
    out["D_mean"] = g["D"].mean().reindex(out["city"]).to_numpy()
    level = coordination_level(out["D_mean"].to_numpy())
    out["level"] = level
    out["grade"] = [GRADES[k - 1].id for k in level]
    out["grade_zh"] = [GRADES[k - 1].name_zh for k in level]
    out["grade_en"] = [GRADES[k - 1].name_en for k in level]
    d = out["D_mean"].to_numpy()
    out["rank"] = 1 + (d[None, :] > d[:, None]).sum(axis=1)
    counts = table.groupby(["city", "level"]).size()
    for grade in GRADES:
        out[f"n_{grade.id}"] = [int(counts.get((c, grade.level), 0)) for c in out["city"]]
    return out.sort_values(["D_mean", "city"], ascending=[False, True], kind="stable").reset_index(drop=True)
