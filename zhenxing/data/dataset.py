"""The validated data set: the register and tidy values, with the origin of each value, and arrays per year."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..framework import Framework

#: Columns of :attr:`Dataset.submitted`.
SUBMITTED_COLUMNS = ["code", "indicator", "year", "file", "sheet", "row", "source", "notes"]
#: Columns of :attr:`Dataset.files`.
FILES_COLUMNS = ["file", "sheet", "kind", "department", "year", "intake"]

@dataclass(frozen=True)
class YearData:
    """Arrays for one assessment year, rows in register order of the assessed units.

    ``values`` has shape (n_units, n_indicators) in framework order (NaN =
    missing); ``adjustments`` has shape (n_units, n_adjustment_inputs) in
    ``framework.adjustment_input_ids`` order (absent = 0).
    """

    year: int
    units: pd.DataFrame
    values: np.ndarray
    adjustments: np.ndarray

    @property
    def category_index(self) -> np.ndarray:
        return self.units["category_index"].to_numpy()


@dataclass(frozen=True)
class Dataset:
    """Validated register and tidy values, with their sources and a content hash.

    ``missing_markers`` counts the cells of the values that held each declared
    missing marker (in declaration order); ``intake`` describes how each file
    was read (``values: x.xlsx (sheet '数据', header on row 3)``).

    ``submitted`` says where each value of ``values`` came from:
    ``code, indicator, year, file, sheet, row, source, notes`` (``source``:
    the department of a template, or the text of a plain file's ``source``
    column, else ""; a value no file gave — an input of a department that has
    not sent its template — has no row). ``files`` lists each values file (or
    template sheet) read: ``file, sheet, kind`` (``template`` or ``values``),
    ``department`` and ``year`` (of a template, else "" and 0) and ``intake``
    (how it was read). See :func:`zhenxing.data.submission_status`.
    """

    framework: Framework
    register: pd.DataFrame
    values: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    missing_markers: dict[str, int] = field(default_factory=dict)
    intake: dict[str, str] = field(default_factory=dict)
    submitted: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUBMITTED_COLUMNS))
    files: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FILES_COLUMNS))

    def until(self, year: int) -> "Dataset":
        """The data set as it stood in ``year``: the values (and their origins) of ``year`` and before only,
        so that what is said about a past year never leans on later data."""
        keep = self.values["year"] <= year
        sub = self.submitted[self.submitted["year"] <= year] if len(self.submitted) else self.submitted
        return replace(self, values=self.values[keep].reset_index(drop=True), submitted=sub.reset_index(drop=True))

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.values["year"].unique())

    def input_hash(self) -> str:
        """SHA-256 of the validated register and values (identifies the input data)."""
        h = hashlib.sha256()
        h.update(self.register.to_csv(index=False).encode())
        h.update(self.values.to_csv(index=False).encode())
        return h.hexdigest()

    def missing_summary(self) -> pd.DataFrame:
        """Missing values per indicator and year among assessed units (count > 0 only)."""
        ind = self.values[self.values["indicator"].isin(self.framework.indicator_ids)]
        miss = ind[ind["value"].isna()]
        return miss.groupby(["year", "indicator"]).size().rename("missing").reset_index()

    def left_out(self, year: int) -> pd.DataFrame:
        """Units of the register not in ``year``'s leagues: they join the assessment later (``code, name_zh, name_en, city, joined``)."""
        later = self.register[self.register["joined"] > year]
        return later[["code", "name_zh", "name_en", "city", "joined"]].reset_index(drop=True)

    def year(self, year: int) -> YearData:
        """Matrices for ``year``; only units assessed that year (joined <= year).

        Raises :class:`InputError` for a year without data or without assessed units.
        """
        if year not in self.years:
            raise InputError([Problem("year", f"no data for {year} (years in the data: {', '.join(map(str, self.years))})")], "unknown year")
        fw = self.framework
        units = self.register[self.register["joined"] <= year].reset_index(drop=True).copy()
        if units.empty:
            first = int(self.register["joined"].min()) if len(self.register) else year
            raise InputError([Problem("year", f"no unit is assessed in {year}: every unit of the register joins later (the first in {first})")],
                             "no assessed units")
        units["category_index"] = units["category"].map({c: k for k, c in enumerate(fw.category_ids)}).astype(int)
        sub = self.values[self.values["year"] == year]
        table = sub.pivot(index="code", columns="indicator", values="value")
        ids = fw.indicator_ids
        x = table.reindex(index=units["code"], columns=ids).to_numpy(dtype=float)
        adj_ids = fw.adjustment_input_ids
        adj = table.reindex(index=units["code"], columns=adj_ids).to_numpy(dtype=float) if adj_ids else np.zeros((len(units), 0))
        return YearData(year=year, units=units, values=x, adjustments=np.nan_to_num(adj, nan=0.0))

