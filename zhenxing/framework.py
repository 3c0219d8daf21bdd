"""The assessment framework: dimensions, indicators, targets and adjustments.

A framework is declared in YAML (``params/framework.yaml``) and loaded with
:func:`load_framework`, which validates everything and reports *every* problem
at once, each with its YAML path (``dimensions[2].indicators[0].target.pilot``).

Conventions
-----------
* Dimension weights are points on the assessment scale and sum to ``scale``
  (100 by default); the five pillars of the "20-character requirement" weigh 65.
* Indicator weights are shares *within* their dimension and sum to 1, so an
  indicator is worth ``dimension.weight * indicator.weight`` points.
* ``target`` is where full marks are reached and ``goalpost`` where points start
  (0 points at or beyond it). For a higher-is-better indicator the goalpost lies
  below the target, for a lower-is-better one above it. Both may be one number
  or one number per category.
* Adjustments come after the weighted score: bonus items (points per unit of the
  input, each optionally capped, the sum capped by ``bonus.cap``), deductions
  (points per case, optionally capped) and vetoes (一票否决: when the input reaches
  the threshold, the unit cannot receive the top grade and is flagged).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .errors import ProblemList
from .yamlspec import read_yaml, validate_mapping

WEIGHT_TOLERANCE = 1e-6


class _Strict(BaseModel):
    # NaN and infinity are never meaningful weights, targets or thresholds
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


PerCategory = float | dict[str, float]

#: Common units of measure in Chinese and English, for reports in either language.
UNIT_NAMES: dict[str, tuple[str, str]] = {
    "%": ("%", "%"),
    "％": ("%", "%"),
    "元": ("元", "yuan"),
    "yuan": ("元", "yuan"),
    "万元": ("万元", "10,000 yuan"),
    "亿元": ("亿元", "100 million yuan"),
    "kg/ha": ("千克/公顷", "kg/ha"),
    "千克/公顷": ("千克/公顷", "kg/ha"),
    "ratio": ("比值", "ratio"),
    "倍": ("倍", "times"),
    "人": ("人", "persons"),
    "户": ("户", "households"),
    "个": ("个", "count"),
    "亩": ("亩", "mu"),
    "万亩": ("万亩", "10,000 mu"),
    "吨": ("吨", "t"),
    "万吨": ("万吨", "10,000 t"),
    "年": ("年", "years"),
}


class Category(_Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    name_zh: str
    name_en: str
    benchmark: str = ""


class Grade(_Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    name_zh: str
    name_en: str
    min_score: float


class CloseToTheLine(_Strict):
    """When a unit outside the warning-talk zone counts as *close* to it (either condition suffices).

    ``points``: its published margin above the line is at most this many points;
    ``ranks``: at most this many more units than the quota score below it
    (with the quota 2 and ``ranks: 2``, the 3rd and 4th from the bottom are close).
    """

    points: float = Field(default=3.0, ge=0)
    ranks: int = Field(default=2, ge=0)


class WarningTalk(_Strict):
    per_category: int = Field(default=2, ge=0)
    last_city: bool = True
    close: CloseToTheLine = Field(default_factory=CloseToTheLine)


class Department(_Strict):
    """A department that reports data to the assessment (统计局, 农业农村局 ...); ``id`` names its template file."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str


class Indicator(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    unit: str
    unit_zh: str | None = None
    unit_en: str | None = None
    direction: Literal["higher", "lower"]
    weight: float = Field(ge=0)
    target: PerCategory
    goalpost: PerCategory
    bounds: tuple[float | None, float | None] | None = None
    source: str
    illustrative: bool = False
    notes: str = ""
    department: str | None = Field(default=None, description="id of the department that reports it (framework departments)")

    def unit_label(self, lang: str) -> str:
        """The unit of measure in ``lang``: ``unit_zh`` / ``unit_en`` when declared, else the common
        translation of ``unit`` (:data:`UNIT_NAMES`), else ``unit`` as written."""
        declared = self.unit_en if lang == "en" else self.unit_zh
        if declared is not None:
            return declared
        pair = UNIT_NAMES.get(self.unit.strip())
        return self.unit if pair is None else pair[1 if lang == "en" else 0]

    @property
    def valid_range(self) -> tuple[float, float]:
        """Values outside this closed range are impossible (input errors).

        Declared ``bounds`` win; otherwise a percentage lies in [0, 100] and
        anything else must be non-negative.
        """
        if self.bounds is not None:
            lo, hi = self.bounds
            return (-math.inf if lo is None else lo, math.inf if hi is None else hi)
        if self.unit.strip().lower() in ("%", "％", "percent"):
            return (0.0, 100.0)
        return (0.0, math.inf)


class Dimension(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    weight: float = Field(ge=0)
    pillar: bool = False
    indicators: list[Indicator] = Field(min_length=1)


class BonusItem(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    points: float = Field(gt=0, description="points per unit of the input (per title, per award)")
    max_points: float | None = Field(default=None, gt=0)
    source: str = ""
    department: str | None = None


class Bonus(_Strict):
    cap: float | None = Field(default=None, gt=0)
    items: list[BonusItem] = Field(default_factory=list)


class Deduction(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    points_per_case: float = Field(gt=0)
    max_points: float | None = Field(default=None, gt=0)
    source: str = ""
    department: str | None = None


class Veto(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    input: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    threshold: float = Field(gt=0, description="veto when the input is at least this")
    source: str = ""
    department: str | None = None


class Adjustments(_Strict):
    bonus: Bonus = Field(default_factory=Bonus)
    deductions: list[Deduction] = Field(default_factory=list)
    vetoes: list[Veto] = Field(default_factory=list)


class Publication(_Strict):
    """How scores are published: ``decimals`` places, rounded half away from zero (四舍五入)."""

    decimals: int = Field(default=2, ge=0, le=6)


class Years(_Strict):
    """The plausible assessment years: data, joining years and ``--year`` outside it are refused."""

    first: int = Field(default=2018, ge=1949, le=2200)
    last: int = Field(default=2050, ge=1949, le=2200)


class FrameworkInfo(_Strict):
    name_zh: str
    name_en: str
    version: str = "1"
    notes: str = ""


class Framework(_Strict):
    """A validated framework, with array views for the scoring core."""

    framework: FrameworkInfo
    scale: float = Field(default=100.0, gt=0)
    categories: list[Category] = Field(min_length=1)
    grades: list[Grade] = Field(min_length=1)
    warning_talk: WarningTalk = Field(default_factory=WarningTalk)
    missing_values: Literal["zero", "category_mean"] = "zero"
    publication: Publication = Field(default_factory=Publication)
    years: Years = Field(default_factory=Years)
    departments: list[Department] = Field(default_factory=list)
    dimensions: list[Dimension] = Field(min_length=1)
    adjustments: Adjustments = Field(default_factory=Adjustments)

    # ---- identifiers -----------------------------------------------------
    @cached_property
    def category_ids(self) -> list[str]:
        return [c.id for c in self.categories]

    @cached_property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    @cached_property
    def indicators(self) -> list[Indicator]:
        return [i for d in self.dimensions for i in d.indicators]

    @cached_property
    def indicator_ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    @cached_property
    def indicator_by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    @cached_property
    def adjustment_input_ids(self) -> list[str]:
        """Data columns read by bonus, deduction and veto rules (counts, >= 0)."""
        ids: list[str] = [b.id for b in self.adjustments.bonus.items]
        ids += [d.id for d in self.adjustments.deductions]
        ids += [v.input for v in self.adjustments.vetoes]
        return list(dict.fromkeys(ids))

    @cached_property
    def department_of_input(self) -> dict[str, Department | None]:
        """The reporting department of every data input (indicators, then adjustment inputs); None when not named.

        A veto's input takes the department of the veto rule unless a deduction of that id names one.
        """
        by_id = {d.id: d for d in self.departments}
        out: dict[str, Department | None] = {i.id: by_id.get(i.department or "") for i in self.indicators}
        adj = self.adjustments
        for rule in [*adj.bonus.items, *adj.deductions]:
            out[rule.id] = by_id.get(rule.department or "")
        for v in adj.vetoes:
            if out.get(v.input) is None:
                out[v.input] = by_id.get(v.department or "")
        return out

    # ---- arrays for the scoring core --------------------------------------
    @cached_property
    def dimension_of_indicator(self) -> np.ndarray:
        """Index of each indicator's dimension, shape (n_indicators,)."""
        return np.array([k for k, d in enumerate(self.dimensions) for _ in d.indicators], dtype=np.intp)

    @cached_property
    def dimension_weights(self) -> np.ndarray:
        """Dimension weights in points (sum to ``scale``), shape (n_dimensions,)."""
        return np.array([d.weight for d in self.dimensions], dtype=float)

    @cached_property
    def indicator_weights(self) -> np.ndarray:
        """Indicator shares within their dimension, shape (n_indicators,)."""
        return np.array([i.weight for i in self.indicators], dtype=float)

    @cached_property
    def indicator_points(self) -> np.ndarray:
        """Full marks of each indicator in points, shape (n_indicators,)."""
        return self.dimension_weights[self.dimension_of_indicator] * self.indicator_weights

    @cached_property
    def higher_is_better(self) -> np.ndarray:
        return np.array([i.direction == "higher" for i in self.indicators], dtype=bool)

    def _per_category_matrix(self, attr: str) -> np.ndarray:
        out = np.empty((len(self.categories), len(self.indicators)), dtype=float)
        for j, ind in enumerate(self.indicators):
            value = getattr(ind, attr)
            for c, cat in enumerate(self.category_ids):
                out[c, j] = _for_category(value, cat)
        return out

    @cached_property
    def targets(self) -> np.ndarray:
        """Targets, shape (n_categories, n_indicators), rows in ``category_ids`` order."""
        return self._per_category_matrix("target")

    @cached_property
    def goalposts(self) -> np.ndarray:
        """Goalposts, shape (n_categories, n_indicators)."""
        return self._per_category_matrix("goalpost")

    def label(self, obj: Category | Grade | Dimension | Indicator | BonusItem | Deduction | Veto | Department, lang: str) -> str:
        """The Chinese (``zh``) or English (``en``) name of an item."""
        return obj.name_en if lang == "en" else obj.name_zh

    def grade_for(self, score: float, vetoed: bool, key: Callable[[Grade], float] | None = None) -> Grade:
        """The grade of a score; a vetoed unit cannot get the top grade.

        ``key`` maps a grade to the threshold ``score`` is compared with (default:
        its ``min_score`` in points); scoring passes thresholds in published steps.
        """
        key = key or (lambda g: g.min_score)
        ordered = sorted(self.grades, key=lambda g: g.min_score, reverse=True)
        for k, grade in enumerate(ordered):
            if score >= key(grade) and not (vetoed and k == 0):
                return grade
        return ordered[-1]


# ---------------------------------------------------------------------------
# loading and validation
# ---------------------------------------------------------------------------


def _for_category(value: PerCategory, category: str) -> float | None:
    return value.get(category) if isinstance(value, dict) else value


def _semantic_problems(fw: Framework, problems: ProblemList, where: str) -> None:
    """Cross-field checks pydantic cannot express field by field."""

    def at(path: str) -> str:
        return f"{where}: {path}"

    total = float(fw.dimension_weights.sum())
    if abs(total - fw.scale) > WEIGHT_TOLERANCE * fw.scale:
        detail = ", ".join(f"{d.id}={d.weight:g}" for d in fw.dimensions)
        problems.add(at("dimensions[*].weight"), f"dimension weights sum to {total:g}, expected {fw.scale:g} ({detail})")
    pillar_total = sum(d.weight for d in fw.dimensions if d.pillar)
    if any(d.pillar for d in fw.dimensions) and abs(pillar_total - 0.65 * fw.scale) > WEIGHT_TOLERANCE * fw.scale:
        problems.add(
            at("dimensions[*].weight"),
            f"the five pillars (pillar: true) weigh {pillar_total:g}, expected {0.65 * fw.scale:g} (65 % of the scale)",
        )

    for kind, plural, ids in (
        ("category", "categories", fw.category_ids),
        ("grade", "grades", [g.id for g in fw.grades]),
        ("dimension", "dimensions", fw.dimension_ids),
    ):
        seen: set[str] = set()
        for k, i in enumerate(ids):
            if i in seen:
                problems.add(at(f"{plural}[{k}].id"), f"duplicate {kind} id '{i}'")
            seen.add(i)

    seen_ind: dict[str, str] = {}
    cats = set(fw.category_ids)
    for d_k, dim in enumerate(fw.dimensions):
        s = sum(i.weight for i in dim.indicators)
        if abs(s - 1.0) > WEIGHT_TOLERANCE:
            problems.add(
                at(f"dimensions[{d_k}].indicators[*].weight"),
                f"indicator weights of dimension '{dim.id}' sum to {s:g}, expected 1",
            )
        for i_k, ind in enumerate(dim.indicators):
            path = f"dimensions[{d_k}].indicators[{i_k}]"
            if ind.id in seen_ind:
                problems.add(at(f"{path}.id"), f"duplicate indicator id '{ind.id}' (first at {seen_ind[ind.id]})")
            else:
                seen_ind[ind.id] = path
            for attr in ("target", "goalpost"):
                value = getattr(ind, attr)
                if isinstance(value, dict):
                    for cat in sorted(cats - set(value)):
                        problems.add(at(f"{path}.{attr}"), f"no {attr} for category '{cat}' (expected one per category: {', '.join(fw.category_ids)})")
                    for cat in sorted(set(value) - cats):
                        problems.add(at(f"{path}.{attr}.{cat}"), f"unknown category '{cat}' (known: {', '.join(fw.category_ids)})")
            lo, hi = ind.valid_range
            if lo >= hi:
                problems.add(at(f"{path}.bounds"), f"lower bound {lo:g} is not below upper bound {hi:g}")
            for cat in fw.category_ids:
                t, g = _for_category(ind.target, cat), _for_category(ind.goalpost, cat)
                if t is None or g is None:
                    continue  # already reported as a missing target or goalpost
                if ind.direction == "higher" and not g < t:
                    problems.add(at(f"{path}.goalpost"), f"for category '{cat}' the goalpost {g:g} must lie below the target {t:g} (direction: higher)")
                if ind.direction == "lower" and not g > t:
                    problems.add(at(f"{path}.goalpost"), f"for category '{cat}' the goalpost {g:g} must lie above the target {t:g} (direction: lower)")
                for name, v in (("target", t), ("goalpost", g)):
                    if not (lo <= v <= hi):
                        problems.add(at(f"{path}.{name}"), f"{name} {v:g} for category '{cat}' lies outside the indicator's valid range [{lo:g}, {hi:g}]")

    adj = fw.adjustments
    if adj.bonus.items and adj.bonus.cap is None:
        problems.add(at("adjustments.bonus.cap"), "bonus items are declared but the bonus has no cap (expected a positive number of points)")
    # bonus, deduction and veto ids share one namespace with the indicators: each is a data column
    used: dict[str, str] = dict.fromkeys(seen_ind, "an indicator")
    rules = [(f"adjustments.bonus.items[{k}].id", b.id, "a bonus item") for k, b in enumerate(adj.bonus.items)]
    rules += [(f"adjustments.deductions[{k}].id", d.id, "a deduction") for k, d in enumerate(adj.deductions)]
    rules += [(f"adjustments.vetoes[{k}].id", v.id, "a veto") for k, v in enumerate(adj.vetoes)]
    for path, rule_id, kind in rules:
        if rule_id in used:
            problems.add(at(path), f"id '{rule_id}' is already used by {used[rule_id]}")
        else:
            used[rule_id] = kind
    bonus_ids = {b.id for b in adj.bonus.items}
    for k, v in enumerate(adj.vetoes):
        if v.input in seen_ind or v.input in bonus_ids:
            problems.add(
                at(f"adjustments.vetoes[{k}].input"),
                f"'{v.input}' is {used.get(v.input, 'in use')}; a veto reads a count of cases (a deduction id or an input of its own)",
            )

    dept_ids = [d.id for d in fw.departments]
    for k, i in enumerate(dept_ids):
        if i in dept_ids[:k]:
            problems.add(at(f"departments[{k}].id"), f"duplicate department id '{i}'")
    known = ", ".join(dept_ids) if dept_ids else "none declared; add a departments: list"
    refs = [(f"dimensions[{d_k}].indicators[{i_k}].department", ind.department)
            for d_k, dim in enumerate(fw.dimensions) for i_k, ind in enumerate(dim.indicators)]
    refs += [(f"adjustments.bonus.items[{k}].department", b.department) for k, b in enumerate(adj.bonus.items)]
    refs += [(f"adjustments.deductions[{k}].department", d.department) for k, d in enumerate(adj.deductions)]
    refs += [(f"adjustments.vetoes[{k}].department", v.department) for k, v in enumerate(adj.vetoes)]
    for path, ref in refs:
        if ref is not None and ref not in dept_ids:
            problems.add(at(path), f"unknown department '{ref}' (known: {known})")

    if fw.years.first > fw.years.last:
        problems.add(at("years"), f"first year {fw.years.first} is after last year {fw.years.last}")
    pillars = [d for d in fw.dimensions if d.pillar]
    if pillars and len(pillars) != 5:
        problems.add(at("dimensions[*].pillar"), f"{len(pillars)} dimensions are marked pillar: true, expected the five pillars")
    ordered = sorted(fw.grades, key=lambda g: g.min_score)
    if ordered[0].min_score > 0:
        problems.add(at("grades"), f"the lowest grade starts at {ordered[0].min_score:g}; expected one grade starting at 0 so every score gets a grade")
    if len({g.min_score for g in fw.grades}) != len(fw.grades):
        problems.add(at("grades"), "two grades share the same min_score")


def framework_from_dict(data: object, where: str = "framework") -> Framework:
    """Validate a parsed YAML mapping; raise :class:`InputError` with every problem."""
    problems = ProblemList(f"invalid framework {where}")
    fw = validate_mapping(Framework, data, where, problems)
    _semantic_problems(fw, problems, where)
    problems.raise_if_any()
    return fw


def load_framework(path: str | Path) -> Framework:
    """Read and validate a framework YAML file.

    Raises :class:`InputError` naming the file and each YAML path at fault.
    """
    data = read_yaml(path, "framework", "params/framework.yaml")
    return framework_from_dict(data, str(path))
