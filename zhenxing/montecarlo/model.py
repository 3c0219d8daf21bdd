"""The arrays a Monte Carlo draw needs, built once per year and scenario."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Dataset
from ..errors import InputError, Problem
from ..framework import Framework
from ..scenarios import Scenario
from ..scoring import competition_rank, score_arrays


@dataclass(frozen=True)
class Model:
    """Everything a draw needs, as arrays (rows = assessed units, framework order).

    Besides the data: the units ordered by category (``by_category``, int64,
    with ``category_start`` the offset of each category in it, length ``G + 1``),
    the number of units of each city (``city_size``) and the indicators' valid
    ranges (``lower``, ``upper``), so that the draws' hot loops recompute none of them.
    """

    framework: Framework
    units: pd.DataFrame
    values: np.ndarray  # (n, m), NaN = missing
    category_index: np.ndarray  # (n,) int64
    city_index: np.ndarray  # (n,) int64
    cities: list[str]
    offset: np.ndarray  # bonus - deduction, points, (n,)
    scenario: Scenario
    nominal_total: np.ndarray
    nominal_rank_category: np.ndarray  # (n,) int64
    nominal_rank_province: np.ndarray
    by_category: np.ndarray  # (n,) int64: unit indices, category by category
    category_start: np.ndarray  # (G + 1,) int64
    city_size: np.ndarray  # (C,) int64
    lower: np.ndarray  # (m,) valid range of each indicator
    upper: np.ndarray

    @property
    def n_units(self) -> int:
        return len(self.values)

    @property
    def max_group(self) -> int:
        """Units in the largest category (the width of the category rank counts)."""
        return int(np.diff(self.category_start).max())


def group_layout(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(by_group, start)``: the units ordered by group (stable) and each group's offset in it, int64 (G + 1 offsets)."""
    groups = np.asarray(groups, dtype=np.int64)
    n_groups = int(groups.max()) + 1 if groups.size else 1
    start = np.r_[0, np.cumsum(np.bincount(groups, minlength=n_groups))].astype(np.int64)
    return np.argsort(groups, kind="stable").astype(np.int64), start


def build_model(dataset: Dataset, year: int, scenario: Scenario) -> Model:
    """Arrays for ``year`` under ``scenario``, with its nominal scores and ranks."""
    fw = dataset.framework
    if scenario.options.treatment is not None:  # draws rescore raw values: a treatment would be silently dropped
        raise InputError([Problem(f"scenario {scenario.id}", "a scenario with a what-if treatment (winsorise) cannot drive the Monte Carlo run; "
                                  "compare it with --scenarios instead")], "invalid Monte Carlo scenario")
    yd = dataset.year(year)
    arr = score_arrays(yd, fw, scenario.options)
    cities = list(dict.fromkeys(yd.units["city"]))
    city_index = yd.units["city"].map({c: k for k, c in enumerate(cities)}).to_numpy(np.int64)
    cat = np.asarray(yd.category_index, dtype=np.int64)
    by_category, category_start = group_layout(cat)
    return Model(
        framework=fw,
        units=yd.units,
        values=yd.values,
        category_index=cat,
        city_index=city_index,
        cities=cities,
        offset=arr["bonus"] - arr["deduction"],
        scenario=scenario,
        nominal_total=arr["total"],
        nominal_rank_category=competition_rank(arr["total"], cat).astype(np.int64),
        nominal_rank_province=competition_rank(arr["total"]),
        by_category=by_category,
        category_start=category_start,
        city_size=np.bincount(city_index, minlength=len(cities)).astype(np.int64),
        lower=np.array([i.valid_range[0] for i in fw.indicators], dtype=float),
        upper=np.array([i.valid_range[1] for i in fw.indicators], dtype=float),
    )
